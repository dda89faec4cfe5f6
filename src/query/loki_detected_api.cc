// The Loki API's Logs Drilldown endpoints (query/loki_api.h): detected_fields,
// detected_field/<name>/values and detected_labels, computed as Loki's query frontend and
// querier compute them: fields from the structured metadata and the parsed labels of the newest
// `line_limit` entries a query selects (a line is tried as JSON, then logfmt), labels from the
// index with ID-like labels left out.
#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <map>
#include <set>

#include "query/http_params.h"
#include "query/json_writer.h"
#include "query/logql/engine.h"
#include "query/logql/lexer.h"
#include "query/logql/line_parsers.h"
#include "query/logql/parser.h"
#include "query/logql/pipeline.h"
#include "query/loki_api.h"
#include "query/loki_params.h"

namespace otter::query {

namespace {

constexpr uint64_t kDefaultLineLimit = 100;    // Loki's defaultQueryLimit
constexpr uint64_t kDefaultFieldLimit = 1000;  // Loki's defaultLimit

bool IsInt(std::string_view v) {
  if (v.empty()) return false;
  size_t i = v[0] == '+' || v[0] == '-' ? 1 : 0;
  if (i == v.size()) return false;
  for (; i < v.size(); ++i)
    if (!std::isdigit(static_cast<unsigned char>(v[i]))) return false;
  errno = 0;
  std::strtoll(std::string(v).c_str(), nullptr, 10);
  return errno == 0;
}

bool IsFloat(std::string_view v) {
  if (v.empty() || std::isspace(static_cast<unsigned char>(v[0]))) return false;
  std::string s(v);
  char* end = nullptr;
  std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size();
}

bool IsBool(std::string_view v) {
  for (std::string_view b :
       {"1", "t", "T", "TRUE", "true", "True", "0", "f", "F", "FALSE", "false", "False"})
    if (v == b) return true;
  return false;
}

// Go's time.ParseDuration: [-+]?([0-9]*(\.[0-9]*)?[a-z]+)+, or "0".
bool IsDuration(std::string_view v) {
  if (!v.empty() && (v[0] == '-' || v[0] == '+')) v.remove_prefix(1);
  if (v == "0") return true;
  if (v.empty()) return false;
  while (!v.empty()) {
    size_t i = 0;
    bool digits = false;
    while (i < v.size() && std::isdigit(static_cast<unsigned char>(v[i]))) ++i, digits = true;
    if (i < v.size() && v[i] == '.') {
      ++i;
      while (i < v.size() && std::isdigit(static_cast<unsigned char>(v[i]))) ++i, digits = true;
    }
    if (!digits) return false;
    size_t u = i;
    while (u < v.size() && !std::isdigit(static_cast<unsigned char>(v[u])) && v[u] != '.') ++u;
    std::string_view unit = v.substr(i, u - i);
    if (unit != "ns" && unit != "us" && unit != "\u00b5s" && unit != "\u03bcs" && unit != "ms" &&
        unit != "s" && unit != "m" && unit != "h")
      return false;
    v.remove_prefix(u);
  }
  return true;
}

// go-humanize's ParseBytes: a number (commas allowed) and an optional unit.
bool IsBytes(std::string_view v) {
  size_t last = 0;
  while (last < v.size() &&
         (std::isdigit(static_cast<unsigned char>(v[last])) || v[last] == '.' || v[last] == ','))
    ++last;
  std::string num;
  for (char c : v.substr(0, last))
    if (c != ',') num += c;
  if (!IsFloat(num)) return false;
  std::string unit;
  for (char c : v.substr(last))
    unit += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  while (!unit.empty() && std::isspace(static_cast<unsigned char>(unit.front()))) unit.erase(0, 1);
  while (!unit.empty() && std::isspace(static_cast<unsigned char>(unit.back()))) unit.pop_back();
  for (std::string_view u :
       {"",   "b",  "kib", "kb", "mib", "mb", "gib", "gb", "tib", "tb", "pib", "pb", "eib",
        "eb", "ki", "k",   "mi", "m",   "gi", "g",   "ti", "t",   "pi", "p",   "ei", "e"})
    if (unit == u) return true;
  return false;
}

// Loki's determineType.
std::string_view FieldType(std::string_view v) {
  if (IsInt(v)) return "int";
  if (IsFloat(v)) return "float";
  if (IsBool(v)) return "boolean";
  if (IsDuration(v)) return "duration";
  if (IsBytes(v)) return "bytes";
  return "string";
}

// The JSON path of each flattened key of a JSON object line (Loki's detected field jsonPath).
void JsonPaths(simdjson::dom::object object, const std::string& prefix,
               std::vector<std::string>& path,
               std::map<std::string, std::vector<std::string>>* out) {
  for (auto field : object) {
    std::string key = logql::SanitizeLabelKey(field.key, prefix.empty());
    if (!prefix.empty()) key = prefix + "_" + key;
    path.emplace_back(field.key);
    if (field.value.is_object()) {
      JsonPaths(field.value.get_object().value_unsafe(), key, path, out);
    } else if (!field.value.is_array() && !field.value.is_null()) {
      (*out)[key] = path;
    }
    path.pop_back();
  }
}

struct Field {
  std::string_view type = "string";
  std::set<std::string> values;
  std::vector<std::string> parsers;
  std::vector<std::string> json_path;
};

bool IsErrorLabel(std::string_view name) {
  return name == logql::kErrorLabel || name == logql::kErrorDetailsLabel ||
         name == "__preserve_error__";
}

// One entry's parsed labels (the query's own, then the line's JSON or logfmt fields; a name
// clashing with a stream label gets "_extracted") and the parser that read the line.
std::map<std::string, std::set<std::string>> ParseEntry(
    const store::Labels& stream, const store::LogEntry& e, std::string* parser,
    std::map<std::string, std::vector<std::string>>* json_paths) {
  std::map<std::string, std::set<std::string>> parsed;
  for (const auto& l : e.parsed)
    if (!IsErrorLabel(l.name)) parsed[l.name].insert(l.value);
  auto add = [&](std::string key, std::string value) {
    if (value.empty() || IsErrorLabel(key)) return;
    if (!store::GetLabel(stream, key).empty()) key += "_extracted";
    parsed[key].insert(std::move(value));
  };
  if (logql::ParseJsonLine(e.line, add).ok()) {
    *parser = "json";
    thread_local simdjson::dom::parser json;
    simdjson::dom::object object;
    if (!json.parse(simdjson::padded_string(e.line)).get(object)) {
      std::vector<std::string> path;
      JsonPaths(object, "", path, json_paths);
    }
  } else {
    *parser = "logfmt";
    (void)logql::ParseLogfmtLine(e.line, /*strict=*/false, add);
  }
  return parsed;
}

// The newest `line_limit` entries of the ?query= log query, their labels categorized.
StatusOr<logql::QueryResult> DetectionQuery(store::LogQuerier& querier, size_t max_series,
                                            const LokiApi::Call& call) {
  const HttpParams& p = call.params;
  ASSIGN_OR_RETURN(auto expr, logql::ParseQuery(p.GetOr("query", "")));
  if (!expr->IsLogQuery()) return InvalidArgument("only log queries are supported");
  ASSIGN_OR_RETURN(loki::TimeRange r, loki::ParseRange(p, call.now_ns));
  logql::QueryParams qp;
  qp.start_ns = r.start;
  qp.end_ns = r.end;
  qp.direction = store::Direction::kBackward;
  ASSIGN_OR_RETURN(qp.limit, loki::ParseCount(p, "line_limit", kDefaultLineLimit));
  qp.categorize_labels = true;
  logql::Engine engine(querier, logql::EngineOptions{max_series});
  return engine.Exec(*expr, qp, call.limits);
}

StatusOr<uint64_t> FieldLimit(const HttpParams& p) {
  if (p.GetOr("limit", "").empty()) return loki::ParseCount(p, "field_limit", kDefaultFieldLimit);
  return loki::ParseCount(p, "limit", kDefaultFieldLimit);
}

void WriteStrings(JsonWriter& w, const std::vector<std::string>& values) {
  w.BeginArray();
  for (const auto& v : values) w.String(v);
  w.EndArray();
}

}  // namespace

Status LokiApi::DetectedFields(const Call& call, net::HttpResponse* out) const {
  ASSIGN_OR_RETURN(uint64_t limit, FieldLimit(call.params));
  ASSIGN_OR_RETURN(logql::QueryResult result, DetectionQuery(querier_, options_.max_series, call));
  std::map<std::string, Field> fields;
  auto field = [&](const std::string& name) -> Field* {
    auto it = fields.find(name);
    if (it != fields.end()) return &it->second;
    if (fields.size() >= limit) return nullptr;
    return &fields[name];
  };
  for (const auto& s : result.streams) {
    for (const auto& e : s.entries) {
      for (const auto& l : e.metadata) {
        Field* f = field(l.name);
        if (!f) continue;
        f->type = FieldType(l.value);
        f->values.insert(l.value);
      }
      std::string parser;
      std::map<std::string, std::vector<std::string>> paths;
      for (auto& [name, values] : ParseEntry(s.labels, e, &parser, &paths)) {
        Field* f = field(name);
        if (!f) continue;
        if (std::find(f->parsers.begin(), f->parsers.end(), parser) == f->parsers.end())
          f->parsers.push_back(parser);
        if (parser == "json") {
          auto it = paths.find(name);
          f->json_path = it == paths.end() ? std::vector<std::string>{} : it->second;
        }
        f->type = FieldType(*values.begin());
        f->values.insert(values.begin(), values.end());
      }
    }
  }
  JsonWriter w;
  w.BeginObject();
  if (!fields.empty()) {
    w.Key("fields").BeginArray();
    for (const auto& [name, f] : fields) {
      w.BeginObject().Key("label").String(name).Key("type").String(f.type);
      w.Key("cardinality").Uint(f.values.size()).Key("parsers");
      if (f.parsers.empty()) {
        w.Null();
      } else {
        WriteStrings(w, f.parsers);
      }
      if (!f.json_path.empty()) {
        w.Key("jsonPath");
        WriteStrings(w, f.json_path);
      }
      w.EndObject();
    }
    w.EndArray().Key("limit").Uint(limit);
  }
  w.EndObject();
  loki::WriteJson(out, w.Take());
  return Status::Ok();
}

Status LokiApi::DetectedFieldValues(const Call& call, net::HttpResponse* out) const {
  ASSIGN_OR_RETURN(uint64_t limit, FieldLimit(call.params));
  ASSIGN_OR_RETURN(logql::QueryResult result, DetectionQuery(querier_, options_.max_series, call));
  const std::string& name = call.name;
  std::set<std::string> values;
  for (const auto& s : result.streams) {
    for (const auto& e : s.entries) {
      if (values.size() >= limit) break;
      if (auto v = store::GetLabel(e.metadata, name); !v.empty()) values.emplace(v);
      std::string parser;
      std::map<std::string, std::vector<std::string>> paths;
      auto parsed = ParseEntry(s.labels, e, &parser, &paths);
      if (auto it = parsed.find(name); it != parsed.end())
        values.insert(it->second.begin(), it->second.end());
    }
  }
  JsonWriter w;
  w.BeginObject();
  if (!values.empty()) {
    w.Key("values");
    WriteStrings(w, std::vector<std::string>(values.begin(), values.end()));
    w.Key("limit").Uint(limit);
  }
  w.EndObject();
  loki::WriteJson(out, w.Take());
  return Status::Ok();
}

namespace {

bool IsUuid(std::string_view v) {
  if (v.size() == 38 && v.front() == '{' && v.back() == '}') v = v.substr(1, 36);
  if (v.size() == 45 && v.substr(0, 9) == "urn:uuid:") v = v.substr(9);
  if (v.size() == 36) {
    for (size_t i = 0; i < 36; ++i) {
      bool dash = i == 8 || i == 13 || i == 18 || i == 23;
      if (dash ? v[i] != '-' : !std::isxdigit(static_cast<unsigned char>(v[i]))) return false;
    }
    return true;
  }
  if (v.size() != 32) return false;
  return std::all_of(v.begin(), v.end(),
                     [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
}

// Loki leaves out a label whose values are all numbers or UUIDs (IDs), unless they are only
// 0s and 1s; cluster, namespace, instance and pod are always kept.
bool RejectLabel(std::string_view name, const std::set<std::string>& values) {
  if (name == "cluster" || name == "namespace" || name == "instance" || name == "pod") return false;
  if (values.empty()) return true;
  if (values.size() <= 2 &&
      std::all_of(values.begin(), values.end(), [](const auto& v) { return v == "0" || v == "1"; }))
    return false;
  return std::all_of(values.begin(), values.end(),
                     [](const std::string& v) { return IsFloat(v) || IsUuid(v); });
}

}  // namespace

Status LokiApi::DetectedLabels(const Call& call, net::HttpResponse* out) const {
  ASSIGN_OR_RETURN(loki::TimeRange r, loki::ParseRange(call.params, call.now_ns));
  std::vector<store::Labels> streams;
  if (call.params.GetOr("query", "").empty()) {
    ASSIGN_OR_RETURN(streams, querier_.Series({}, r.start, r.end));
  } else {
    ASSIGN_OR_RETURN(streams, SelectedStreams(call, r.start, r.end));
  }
  RETURN_IF_ERROR(call.limits.CheckDeadline());
  std::map<std::string, std::set<std::string>> values;
  for (const auto& labels : streams)
    for (const auto& l : labels) values[l.name].insert(l.value);
  JsonWriter w;
  w.BeginObject();
  bool any = false;
  for (const auto& [name, vals] : values) {
    if (RejectLabel(name, vals)) continue;
    if (!any) w.Key("detectedLabels").BeginArray();
    any = true;
    w.BeginObject().Key("label").String(name).Key("cardinality").Uint(vals.size()).EndObject();
  }
  if (any) w.EndArray();
  w.EndObject();
  loki::WriteJson(out, w.Take());
  return Status::Ok();
}

}  // namespace otter::query
