#include "receivers/loki/push_request.h"

#include <simdjson.h>

#include <charconv>

#include "otlp/proto_reader.h"
#include "store/loki_mapping.h"

namespace otter::loki_receiver {
namespace {

using otlp::wire::Reader;
using Pairs = std::vector<std::pair<std::string, std::string>>;

bool IsNameStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsNameChar(char c) { return IsNameStart(c) || std::isdigit(static_cast<unsigned char>(c)); }

Status At(size_t pos, std::string what) {
  return InvalidArgument("stream labels at " + std::to_string(pos) + ": " + what);
}

bool DecodePair(std::string_view m, std::pair<std::string, std::string>* out) {
  Reader r(m);
  uint32_t f, t;
  while (!r.done()) {
    if (!r.Next(&f, &t)) return false;
    std::string_view s;
    if ((f == 1 || f == 2) && t == 2) {
      if (!r.Bytes(&s)) return false;
      (f == 1 ? out->first : out->second) = std::string(s);
    } else if (!r.Skip(t)) {
      return false;
    }
  }
  return true;
}

bool DecodeTimestamp(std::string_view m, int64_t* ns) {
  Reader r(m);
  uint32_t f, t;
  int64_t seconds = 0, nanos = 0;
  while (!r.done()) {
    if (!r.Next(&f, &t)) return false;
    uint64_t v;
    if ((f == 1 || f == 2) && t == 0) {
      if (!r.Varint(&v)) return false;
      (f == 1 ? seconds : nanos) = static_cast<int64_t>(v);
    } else if (!r.Skip(t)) {
      return false;
    }
  }
  // A google.protobuf.Timestamp Loki would refuse (nanos outside [0, 1e9)) or one past what
  // int64 nanoseconds hold (before 1678 or after 2262) is malformed, not wrapped around.
  if (nanos < 0 || nanos >= 1'000'000'000) return false;
  return !__builtin_mul_overflow(seconds, int64_t{1'000'000'000}, ns) &&
         !__builtin_add_overflow(*ns, nanos, ns);
}

bool DecodeEntry(std::string_view m, PushEntry* e) {
  Reader r(m);
  uint32_t f, t;
  while (!r.done()) {
    if (!r.Next(&f, &t)) return false;
    std::string_view s;
    if (t != 2) {
      if (!r.Skip(t)) return false;
      continue;
    }
    if (!r.Bytes(&s)) return false;
    if (f == 1) {
      if (!DecodeTimestamp(s, &e->t_ns)) return false;
    } else if (f == 2) {
      e->line = std::string(s);
    } else if (f == 3) {
      std::pair<std::string, std::string> p;
      if (!DecodePair(s, &p)) return false;
      e->metadata.push_back(std::move(p));
    }
  }
  return true;
}

}  // namespace

StatusOr<Pairs> ParseStreamLabels(std::string_view s) {
  Pairs out;
  size_t i = 0;
  auto skip_space = [&] {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  };
  skip_space();
  if (i >= s.size() || s[i] != '{') return At(i, "expected '{'");
  ++i;
  skip_space();
  while (i < s.size() && s[i] != '}') {
    size_t start = i;
    if (!IsNameStart(s[i])) return At(i, "expected a label name");
    while (i < s.size() && IsNameChar(s[i])) ++i;
    std::string name(s.substr(start, i - start));
    skip_space();
    if (i >= s.size() || s[i] != '=') return At(i, "expected '=' after \"" + name + "\"");
    ++i;
    skip_space();
    if (i >= s.size() || s[i] != '"') return At(i, "expected a quoted value for \"" + name + "\"");
    ++i;
    std::string value;
    while (i < s.size() && s[i] != '"') {
      char c = s[i++];
      if (c != '\\') {
        value += c;
        continue;
      }
      if (i >= s.size()) break;
      char e = s[i++];
      value += e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e;
    }
    if (i >= s.size()) return At(i, "unterminated value of \"" + name + "\"");
    ++i;
    out.emplace_back(std::move(name), std::move(value));
    skip_space();
    if (i < s.size() && s[i] == ',') {
      ++i;
      skip_space();
    } else if (i < s.size() && s[i] != '}') {
      return At(i, "expected ',' or '}'");
    }
  }
  if (i >= s.size()) return At(i, "expected '}'");
  return out;
}

StatusOr<std::vector<PushStream>> DecodePushProtobuf(std::string_view body) {
  std::vector<PushStream> out;
  Reader r(body);
  uint32_t f, t;
  while (!r.done()) {
    if (!r.Next(&f, &t)) return InvalidArgument("malformed protobuf: bad field tag");
    std::string_view stream;
    if (f != 1 || t != 2) {
      if (!r.Skip(t)) return InvalidArgument("malformed protobuf: truncated field");
      continue;
    }
    if (!r.Bytes(&stream)) return InvalidArgument("malformed protobuf: truncated field");
    const std::string where = "streams[" + std::to_string(out.size()) + "]";
    PushStream ps;
    Reader sr(stream);
    while (!sr.done()) {
      std::string_view s;
      if (!sr.Next(&f, &t)) return InvalidArgument("malformed protobuf in " + where);
      if (t != 2) {
        if (!sr.Skip(t)) return InvalidArgument("malformed protobuf in " + where);
        continue;
      }
      if (!sr.Bytes(&s)) return InvalidArgument("malformed protobuf in " + where);
      if (f == 1) {
        auto labels = ParseStreamLabels(s);
        if (!labels.ok()) return labels.status().Annotate(where);
        ps.labels = std::move(*labels);
      } else if (f == 2) {
        PushEntry e;
        if (!DecodeEntry(s, &e))
          return InvalidArgument("malformed protobuf in " + where + ".entries[" +
                                 std::to_string(ps.entries.size()) + "]");
        ps.entries.push_back(std::move(e));
      }
    }
    out.push_back(std::move(ps));
  }
  return out;
}

StatusOr<std::vector<PushStream>> DecodePushJson(std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (auto err = parser.parse(body.data(), body.size()).get(doc))
    return InvalidArgument(std::string("invalid JSON: ") + simdjson::error_message(err));
  simdjson::dom::array streams;
  if (doc["streams"].get_array().get(streams)) return InvalidArgument("\"streams\" must be a list");
  std::vector<PushStream> out;
  for (simdjson::dom::element s : streams) {
    const std::string where = "streams[" + std::to_string(out.size()) + "]";
    PushStream ps;
    simdjson::dom::object labels;
    if (s["stream"].get_object().get(labels))
      return InvalidArgument(where + ".stream must be an object");
    for (auto [k, v] : labels) {
      std::string_view value;
      if (v.get_string().get(value))
        return InvalidArgument(where + ".stream values must be strings");
      ps.labels.emplace_back(std::string(k), std::string(value));
    }
    simdjson::dom::array values;
    if (s["values"].get_array().get(values))
      return InvalidArgument(where + ".values must be a list");
    for (simdjson::dom::element v : values) {
      const std::string at = where + ".values[" + std::to_string(ps.entries.size()) + "]";
      simdjson::dom::array tuple;
      std::string_view ts, line;
      if (v.get_array().get(tuple) || tuple.size() < 2 || tuple.at(0).get_string().get(ts) ||
          tuple.at(1).get_string().get(line))
        return InvalidArgument(at + " must be [\"<unix ns>\", \"<line>\", {metadata}]");
      PushEntry e;
      auto [p, ec] = std::from_chars(ts.data(), ts.data() + ts.size(), e.t_ns);
      if (ec != std::errc() || p != ts.data() + ts.size())
        return InvalidArgument(at + ": timestamp \"" + std::string(ts) +
                               "\" is not unix nanoseconds");
      e.line = std::string(line);
      simdjson::dom::object md;
      if (tuple.size() > 2 && !tuple.at(2).get_object().get(md)) {
        for (auto [k, mv] : md) {
          std::string_view value;
          if (mv.get_string().get(value))
            return InvalidArgument(at + ": metadata values must be strings");
          e.metadata.emplace_back(std::string(k), std::string(value));
        }
      }
      ps.entries.push_back(std::move(e));
    }
    out.push_back(std::move(ps));
  }
  return out;
}

pdata::LogBatch ToLogs(const std::vector<PushStream>& streams, bool use_incoming_timestamp,
                       uint64_t now_ns, size_t* records) {
  pdata::LogBatch batch;
  auto& arenas = batch.arenas();
  for (const PushStream& s : streams) {
    if (s.entries.empty()) continue;
    auto& rl = batch.resources().emplace_back();
    std::string hint;
    for (const auto& [k, v] : s.labels) {
      if (k.starts_with("__")) continue;  // Loki's internal labels
      rl.resource.attributes.push_back({arenas.Copy(k), pdata::AnyValue::String(arenas.Copy(v))});
      hint += (hint.empty() ? "" : ",") + k;
    }
    if (!hint.empty())
      rl.resource.attributes.push_back(
          {store::kLokiResourceLabelsHint, pdata::AnyValue::String(arenas.Copy(hint))});
    auto& sl = rl.scope_logs.emplace_back();
    for (const PushEntry& e : s.entries) {
      pdata::LogRecord& r = sl.log_records.emplace_back();
      r.observed_time_unix_nano = now_ns;
      r.time_unix_nano =
          use_incoming_timestamp && e.t_ns > 0 ? static_cast<uint64_t>(e.t_ns) : now_ns;
      r.body = pdata::AnyValue::String(arenas.Copy(e.line));
      for (const auto& [k, v] : e.metadata) {
        if (k == "trace_id" && pdata::ParseHexId(v, &r.trace_id)) continue;
        if (k == "span_id" && pdata::ParseHexId(v, &r.span_id)) continue;
        r.attributes.push_back({arenas.Copy(k), pdata::AnyValue::String(arenas.Copy(v))});
      }
      ++*records;
    }
  }
  return batch;
}

}  // namespace otter::loki_receiver
