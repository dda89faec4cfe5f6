// Parser operators: json_parser, regex_parser, key_value_parser (complex parsers writing a map
// to parse_to, with embedded timestamp/severity/trace blocks) and the simple time_parser,
// severity_parser and trace_parser.
#include <re2/re2.h>
#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <unordered_map>

#include "receivers/filelog/operators.h"
#include "receivers/filelog/time_layout.h"

namespace otter::filelog {
namespace {

using pdata::AnyValue;

// ---- embedded blocks -------------------------------------------------------------------------

struct TimeSpec {
  Field parse_from;
  TimeLayout layout;
  absl::TimeZone location;
  std::map<std::string, absl::TimeZone, std::less<>> zones;

  Status Apply(Entry& e) const {
    const AnyValue* v = parse_from.Get(e);
    if (!v)
      return InvalidArgument("log entry does not have the expected parse_from field " +
                             parse_from.ToString());
    ASSIGN_OR_RETURN(int64_t ns, layout.Parse(*v, location, zones));
    e.record.time_unix_nano = static_cast<uint64_t>(ns);
    return Status::Ok();
  }
};

constexpr const char* kSeverityNames[] = {
    "default", "trace",  "trace2", "trace3", "trace4", "debug",  "debug2", "debug3", "debug4",
    "info",    "info2",  "info3",  "info4",  "warn",   "warn2",  "warn3",  "warn4",  "error",
    "error2",  "error3", "error4", "fatal",  "fatal2", "fatal3", "fatal4"};

struct SeveritySpec {
  Field parse_from;
  std::unordered_map<std::string, int> mapping;  // lower-case text or integer text -> 0..24
  bool overwrite_text = false;

  Status Apply(Entry& e, pdata::ArenaSet& arena) const {
    const AnyValue* v = parse_from.Get(e);
    if (!v)
      return InvalidArgument("log entry does not have the expected parse_from field " +
                             parse_from.ToString());
    std::string key;
    std::string_view text;
    if (v->type == AnyValue::Type::kString || v->type == AnyValue::Type::kBytes) {
      key.assign(v->string_value);
      for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      text = v->string_value;
    } else if (v->type == AnyValue::Type::kInt) {
      key = std::to_string(v->int_value);
      text = arena.Copy(key);
    } else if (v->type == AnyValue::Type::kDouble) {
      double d = v->double_value;
      if (d != static_cast<double>(static_cast<int64_t>(d)))
        return InvalidArgument(
            "parse: type float64 cannot be a severity unless it is a whole number");
      key = std::to_string(static_cast<int64_t>(d));
      text = arena.Copy(key);
    } else {
      return InvalidArgument("parse: value cannot be a severity");
    }
    auto it = mapping.find(key);
    int sev = it == mapping.end() ? 0 : it->second;
    if (overwrite_text && sev != 0) {
      std::string upper = kSeverityNames[sev];
      for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      text = arena.Copy(upper);
    }
    e.record.severity_number = sev;
    e.record.severity_text = text;
    return Status::Ok();
  }
};

struct TraceSpec {
  Field trace_id{Field::Root::kBody, {"trace_id"}};
  Field span_id{Field::Root::kBody, {"span_id"}};
  Field trace_flags{Field::Root::kBody, {"trace_flags"}};

  // Hex of the field's "%v" text into out; false on bad hex. Absent: empty.
  static bool Hex(const Entry& e, const Field& f, std::string* out) {
    out->clear();
    const AnyValue* v = f.Get(e);
    if (!v) return true;
    auto text = ValueText(*v);
    if (!text || text->size() % 2) return false;
    for (size_t i = 0; i < text->size(); i += 2) {
      auto nib = [](char c) {
        return c >= '0' && c <= '9'   ? c - '0'
               : c >= 'a' && c <= 'f' ? c - 'a' + 10
               : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                      : -1;
      };
      int hi = nib((*text)[i]), lo = nib((*text)[i + 1]);
      if (hi < 0 || lo < 0) return false;
      out->push_back(static_cast<char>(hi << 4 | lo));
    }
    return true;
  }

  Status Apply(Entry& e) const {
    std::string bytes, bad;
    if (!Hex(e, trace_id, &bytes)) bad += " trace_id";
    if (bytes.size() == 16) std::copy(bytes.begin(), bytes.end(), e.record.trace_id.bytes.begin());
    if (!Hex(e, span_id, &bytes)) bad += " span_id";
    if (bytes.size() == 8) std::copy(bytes.begin(), bytes.end(), e.record.span_id.bytes.begin());
    if (!Hex(e, trace_flags, &bytes)) bad += " trace_flags";
    if (!bytes.empty()) e.record.flags = static_cast<uint8_t>(bytes[0]);
    if (!bad.empty())
      return InvalidArgument("Error decoding traces for logs: invalid hex in" + bad);
    return Status::Ok();
  }
};

std::optional<TimeSpec> BuildTime(const OperatorNode& n, bool standalone, bool* ok) {
  std::vector<std::string> keys = {"parse_from", "layout_type", "layout", "location",
                                   "time_zone_locations"};
  if (standalone) {
    keys.insert(keys.end(), kCommonKeys.begin(), kCommonKeys.end());
    keys.push_back("if");
  }
  if (!n.CheckKeys(keys)) *ok = false;
  auto from = n.OptionalField("parse_from", ok);
  if (!from) {
    if (*ok) n.Error(n.node(), "missing required configuration parameter `parse_from`");
    *ok = false;
    return std::nullopt;
  }
  std::string type = n.String("layout_type", "strptime");
  TimeLayout::Type t;
  if (type == "strptime")
    t = TimeLayout::Type::kStrptime;
  else if (type == "gotime")
    t = TimeLayout::Type::kGotime;
  else if (type == "epoch")
    t = TimeLayout::Type::kEpoch;
  else {
    n.Error("layout_type", "unsupported layout_type \"" + type + "\" (strptime, gotime or epoch)");
    *ok = false;
    return std::nullopt;
  }
  auto layout = TimeLayout::Compile(t, n.String("layout", ""));
  if (!layout.ok()) {
    n.Error(n.Find("layout") ? "layout" : "layout_type", std::string(layout.status().message()));
    *ok = false;
    return std::nullopt;
  }
  TimeSpec spec{*from, std::move(*layout), absl::LocalTimeZone(), {}};
  std::string loc = n.String("location", "Local");
  if (loc != "Local" && !absl::LoadTimeZone(loc == "UTC" ? "UTC" : loc, &spec.location)) {
    n.Error("location", "failed to load location " + loc);
    *ok = false;
  }
  if (const config::Node* z = n.Find("time_zone_locations"); z && z->IsMap()) {
    for (const auto& [abbr, where] : z->map) {
      absl::TimeZone tz;
      if (!absl::LoadTimeZone(where.scalar, &tz)) {
        n.Error(where, "time_zone_locations: failed to load location " + where.scalar);
        *ok = false;
        continue;
      }
      spec.zones[abbr] = tz;
    }
  }
  return spec;
}

bool AddSeverityValues(const config::Node& v, int sev, SeveritySpec* spec, const OperatorNode& n) {
  auto add_range = [&](long lo, long hi) {
    if (lo > hi) std::swap(lo, hi);
    for (long i = lo; i <= hi; ++i) spec->mapping[std::to_string(i)] = sev;
  };
  if (v.kind == config::Node::Kind::kSeq) {
    bool ok = true;
    for (const auto& c : v.seq) ok = AddSeverityValues(c, sev, spec, n) && ok;
    return ok;
  }
  if (v.IsMap()) {
    const config::Node *lo = v.Find("min"), *hi = v.Find("max");
    if (!lo || !hi) {
      n.Error(v, "mapping: a range needs min and max");
      return false;
    }
    add_range(std::strtol(lo->scalar.c_str(), nullptr, 10),
              std::strtol(hi->scalar.c_str(), nullptr, 10));
    return true;
  }
  std::string s = v.scalar;
  if (s.size() == 3 && s[1] == 'x' && s[2] == 'x' && s[0] >= '2' && s[0] <= '5') {
    long base = (s[0] - '0') * 100;
    add_range(base, base + 99);
    return true;
  }
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  spec->mapping[s] = sev;
  return true;
}

std::optional<SeveritySpec> BuildSeverity(const OperatorNode& n, bool standalone, bool* ok) {
  std::vector<std::string> keys = {"parse_from", "preset", "mapping", "overwrite_text"};
  if (standalone) {
    keys.insert(keys.end(), kCommonKeys.begin(), kCommonKeys.end());
    keys.push_back("if");
  }
  if (!n.CheckKeys(keys)) *ok = false;
  auto from = n.OptionalField("parse_from", ok);
  if (!from) {
    if (*ok) n.Error(n.node(), "missing required field 'parse_from'");
    *ok = false;
    return std::nullopt;
  }
  SeveritySpec spec;
  spec.parse_from = *from;
  spec.overwrite_text = n.Bool("overwrite_text", false);
  std::string preset = n.String("preset", "default");
  if (preset != "none") {
    for (int i = 1; i <= 24; ++i) {
      spec.mapping[kSeverityNames[i]] = i;
      spec.mapping[std::to_string(i)] = i;
    }
    if (preset != "otel" && preset != "aliases") {
      for (int i = 0; i < 4; ++i) {
        std::string suffix = i == 0 ? "" : std::to_string(i + 1);
        spec.mapping["warning" + suffix] = 13 + i;
        spec.mapping["err" + suffix] = 17 + i;
      }
    }
  }
  if (const config::Node* m = n.Find("mapping"); m && m->IsMap()) {
    for (const auto& [alias, values] : m->map) {
      int sev = -1;
      for (int i = 0; i <= 24; ++i)
        if (alias == kSeverityNames[i] || alias == std::to_string(i)) sev = i;
      if (sev < 0) {
        n.Error(values, "mapping: \"" + alias + "\" is not a severity (trace..fatal4, default)");
        *ok = false;
        continue;
      }
      if (!AddSeverityValues(values, sev, &spec, n)) *ok = false;
    }
  }
  return spec;
}

std::optional<TraceSpec> BuildTrace(const OperatorNode& n, bool standalone, bool* ok) {
  std::vector<std::string> keys = {"trace_id", "span_id", "trace_flags"};
  if (standalone) {
    keys.insert(keys.end(), kCommonKeys.begin(), kCommonKeys.end());
    keys.push_back("if");
  }
  if (!n.CheckKeys(keys)) *ok = false;
  TraceSpec spec;
  auto sub = [&](const char* key, Field* out) {
    const config::Node* s = n.Find(key);
    if (!s || s->IsNull()) return;
    OperatorNode sn(*s, n.diagnostics(), n.where() + "." + key);
    if (!sn.CheckKeys({"parse_from"})) *ok = false;
    *out = sn.FieldAt("parse_from", *out, ok);
  };
  sub("trace_id", &spec.trace_id);
  sub("span_id", &spec.span_id);
  sub("trace_flags", &spec.trace_flags);
  return spec;
}

// ---- complex parsers -------------------------------------------------------------------------

class ParserOperator : public Operator {
 public:
  Status Process(Entry& e, pdata::ArenaSet& arena) override {
    const AnyValue* v = parse_from_.Get(e);
    if (!v)
      return InvalidArgument("Entry is missing the expected parse_from field " +
                             parse_from_.ToString());
    AnyValue parsed;
    RETURN_IF_ERROR(Parse(*v, arena, &parsed));
    RETURN_IF_ERROR(parse_to_.Set(e, std::move(parsed), arena).Annotate("set parse_to"));
    if (body_) {
      if (const AnyValue* b = body_->Get(e)) {
        AnyValue copy = *b;
        e.record.body = std::move(copy);
      }
    }
    // Each embedded parser runs even when another failed; the first error is reported.
    Status first;
    auto keep = [&](Status s) {
      if (first.ok() && !s.ok()) first = std::move(s);
    };
    if (time_) keep(time_->Apply(e).Annotate("time parser"));
    if (severity_) keep(severity_->Apply(e, arena).Annotate("severity parser"));
    if (trace_) keep(trace_->Apply(e).Annotate("trace parser"));
    return first;
  }

  // Reads the keys every complex parser has; false after reporting errors.
  bool Configure(const OperatorNode& n, std::vector<std::string> extra_keys) {
    std::vector<std::string> keys = kCommonKeys;
    for (const char* k : {"if", "parse_from", "parse_to", "body", "timestamp", "severity", "trace"})
      keys.push_back(k);
    keys.insert(keys.end(), extra_keys.begin(), extra_keys.end());
    bool ok = n.CheckKeys(keys);
    parse_from_ = n.FieldAt("parse_from", Field(Field::Root::kBody, {}), &ok);
    parse_to_ = n.FieldAt("parse_to", Field(Field::Root::kAttributes, {}), &ok);
    body_ = n.OptionalField("body", &ok);
    if (body_ && parse_to_.root() == Field::Root::kBody && parse_to_.IsRoot()) {
      n.Error("body", "`parse_to: body` not allowed when `body` is configured");
      ok = false;
    }
    auto block = [&](const char* key) -> std::optional<OperatorNode> {
      const config::Node* b = n.Find(key);
      if (!b || b->IsNull()) return std::nullopt;
      if (!b->IsMap()) {
        n.Error(key, "expected a map");
        ok = false;
        return std::nullopt;
      }
      return OperatorNode(*b, n.diagnostics(), n.where() + "." + key);
    };
    if (auto b = block("timestamp")) time_ = BuildTime(*b, false, &ok);
    if (auto b = block("severity")) severity_ = BuildSeverity(*b, false, &ok);
    if (auto b = block("trace")) trace_ = BuildTrace(*b, false, &ok);
    return ok;
  }

 protected:
  virtual Status Parse(const AnyValue& in, pdata::ArenaSet& arena, AnyValue* out) = 0;

 private:
  Field parse_from_, parse_to_;
  std::optional<Field> body_;
  std::optional<TimeSpec> time_;
  std::optional<SeveritySpec> severity_;
  std::optional<TraceSpec> trace_;
};

AnyValue MapOf() {
  AnyValue v;
  v.type = AnyValue::Type::kKvList;
  return v;
}

class JsonParser final : public ParserOperator {
 public:
  bool parse_ints = false;

 protected:
  Status Parse(const AnyValue& in, pdata::ArenaSet& arena, AnyValue* out) override {
    if (in.type != AnyValue::Type::kString)
      return InvalidArgument("type cannot be parsed as JSON (expected a string)");
    simdjson::dom::element root;
    if (auto err = parser_.parse(in.string_value.data(), in.string_value.size()).get(root))
      return InvalidArgument(std::string("parse JSON: ") + simdjson::error_message(err));
    if (!root.is_object()) return InvalidArgument("parse JSON: expected an object");
    *out = Convert(root, arena);
    return Status::Ok();
  }

 private:
  AnyValue Convert(simdjson::dom::element el, pdata::ArenaSet& arena) const {
    using T = simdjson::dom::element_type;
    switch (el.type()) {
      case T::OBJECT: {
        AnyValue v = MapOf();
        simdjson::dom::object obj;
        if (el.get_object().get(obj) != simdjson::SUCCESS) return v;
        for (simdjson::dom::key_value_pair kv : obj)
          v.kvlist_value.push_back({arena.Copy(kv.key), Convert(kv.value, arena)});
        return v;
      }
      case T::ARRAY: {
        AnyValue v;
        v.type = AnyValue::Type::kArray;
        simdjson::dom::array arr;
        if (el.get_array().get(arr) != simdjson::SUCCESS) return v;
        for (simdjson::dom::element c : arr) v.array_value.push_back(Convert(c, arena));
        return v;
      }
      case T::STRING:
        return AnyValue::String(arena.Copy(el.get_string().value_unsafe()));
      case T::INT64:
        return parse_ints ? AnyValue::Int(el.get_int64().value_unsafe())
                          : AnyValue::Double(static_cast<double>(el.get_int64().value_unsafe()));
      case T::UINT64:
        return AnyValue::Double(static_cast<double>(el.get_uint64().value_unsafe()));
      case T::DOUBLE:
        return AnyValue::Double(el.get_double().value_unsafe());
      case T::BOOL:
        return AnyValue::Bool(el.get_bool().value_unsafe());
      case T::NULL_VALUE:
        return AnyValue{};
    }
    return AnyValue{};
  }
  simdjson::dom::parser parser_;
};

class RegexParser final : public ParserOperator {
 public:
  std::unique_ptr<RE2> re;
  std::vector<std::pair<int, std::string>> groups;  // capture index, name

 protected:
  Status Parse(const AnyValue& in, pdata::ArenaSet& arena, AnyValue* out) override {
    if (in.type != AnyValue::Type::kString)
      return InvalidArgument("type cannot be parsed as regex (expected a string)");
    const int n = re->NumberOfCapturingGroups() + 1;
    matches_.resize(static_cast<size_t>(n));
    re2::StringPiece text(in.string_value.data(), in.string_value.size());
    if (!re->Match(text, 0, text.size(), RE2::UNANCHORED, matches_.data(), n))
      return InvalidArgument("regex pattern does not match");
    *out = MapOf();
    for (const auto& [idx, name] : groups) {
      const re2::StringPiece& m = matches_[static_cast<size_t>(idx)];
      // A group that took part in the match points into `in` (already in the arena).
      std::string_view sv = m.data() ? std::string_view(m.data(), m.size()) : std::string_view();
      out->kvlist_value.push_back({arena.Copy(name), AnyValue::String(sv)});
    }
    return Status::Ok();
  }

 private:
  std::vector<re2::StringPiece> matches_;
};

class KeyValueParser final : public ParserOperator {
 public:
  std::string delimiter = "=";
  std::string pair_delimiter;  // "" = any whitespace

 protected:
  Status Parse(const AnyValue& in, pdata::ArenaSet& arena, AnyValue* out) override {
    if (in.type != AnyValue::Type::kString)
      return InvalidArgument("type cannot be parsed as key value pairs");
    std::string_view s = in.string_value;
    *out = MapOf();
    auto trim = [](std::string_view v) {
      while (!v.empty() && std::isspace(static_cast<unsigned char>(v.front()))) v.remove_prefix(1);
      while (!v.empty() && std::isspace(static_cast<unsigned char>(v.back()))) v.remove_suffix(1);
      return v;
    };
    auto unquote = [](std::string_view v) {
      if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front())
        v = v.substr(1, v.size() - 2);
      return v;
    };
    std::string bad;
    while (!s.empty()) {
      size_t end;
      if (pair_delimiter.empty()) {
        while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
          s.remove_prefix(1);
        if (s.empty()) break;
        // Whitespace separates pairs, except inside quotes.
        char quote = 0;
        end = 0;
        for (; end < s.size(); ++end) {
          char c = s[end];
          if (quote) {
            if (c == quote) quote = 0;
            continue;
          }
          if (c == '"' || c == '\'')
            quote = c;
          else if (std::isspace(static_cast<unsigned char>(c)))
            break;
        }
      } else {
        end = s.find(pair_delimiter);
        if (end == std::string_view::npos) end = s.size();
      }
      std::string_view pair = s.substr(0, end);
      s.remove_prefix(
          std::min(s.size(), end + (pair_delimiter.empty() ? 0 : pair_delimiter.size())));
      if (trim(pair).empty()) continue;
      size_t eq = pair.find(delimiter);
      if (eq == std::string_view::npos) {
        bad = std::string(pair);
        continue;
      }
      std::string_view k = unquote(trim(pair.substr(0, eq)));
      std::string_view v = unquote(trim(pair.substr(eq + delimiter.size())));
      out->kvlist_value.push_back({arena.Copy(k), AnyValue::String(arena.Copy(v))});
    }
    if (!bad.empty())
      return InvalidArgument("cannot split \"" + bad + "\" into 2 items, got 1 item(s)");
    return Status::Ok();
  }
};

// ---- simple parsers --------------------------------------------------------------------------

template <class Spec>
class SimpleParser final : public Operator {
 public:
  explicit SimpleParser(Spec spec) : spec_(std::move(spec)) {}
  Status Process(Entry& e, pdata::ArenaSet& arena) override {
    if constexpr (std::is_same_v<Spec, SeveritySpec>)
      return spec_.Apply(e, arena);
    else
      return spec_.Apply(e);
  }

 private:
  Spec spec_;
};

}  // namespace

std::unique_ptr<Operator> BuildParser(const std::string& type, const OperatorNode& n) {
  bool ok = true;
  if (type == "json_parser") {
    auto p = std::make_unique<JsonParser>();
    ok = p->Configure(n, {"parse_ints"});
    p->parse_ints = n.Bool("parse_ints", false);
    return ok ? std::move(p) : nullptr;
  }
  if (type == "regex_parser") {
    auto p = std::make_unique<RegexParser>();
    ok = p->Configure(n, {"regex", "cache"});
    std::string re = n.String("regex", "");
    if (re.empty()) {
      n.Error(n.node(), "missing required field 'regex'");
      return nullptr;
    }
    p->re = std::make_unique<RE2>(re, RE2::Quiet);
    if (!p->re->ok()) {
      n.Error("regex", "compiling regex: " + p->re->error());
      return nullptr;
    }
    for (const auto& [name, idx] : p->re->NamedCapturingGroups()) p->groups.emplace_back(idx, name);
    std::sort(p->groups.begin(), p->groups.end());
    if (p->groups.empty()) {
      n.Error("regex", "no named capture groups in regex pattern");
      return nullptr;
    }
    return ok ? std::move(p) : nullptr;
  }
  if (type == "key_value_parser") {
    auto p = std::make_unique<KeyValueParser>();
    ok = p->Configure(n, {"delimiter", "pair_delimiter"});
    p->delimiter = n.String("delimiter", "=");
    p->pair_delimiter = n.String("pair_delimiter", "");
    if (p->delimiter.empty()) {
      n.Error("delimiter", "delimiter is a required parameter");
      ok = false;
    }
    if (p->delimiter == p->pair_delimiter) {
      n.Error("delimiter", "delimiter and pair_delimiter cannot be the same value");
      ok = false;
    }
    return ok ? std::move(p) : nullptr;
  }
  if (type == "time_parser") {
    auto spec = BuildTime(n, true, &ok);
    if (!ok || !spec) return nullptr;
    return std::make_unique<SimpleParser<TimeSpec>>(std::move(*spec));
  }
  if (type == "severity_parser") {
    auto spec = BuildSeverity(n, true, &ok);
    if (!ok || !spec) return nullptr;
    return std::make_unique<SimpleParser<SeveritySpec>>(std::move(*spec));
  }
  if (type == "trace_parser") {
    auto spec = BuildTrace(n, true, &ok);
    if (!ok || !spec) return nullptr;
    return std::make_unique<SimpleParser<TraceSpec>>(std::move(*spec));
  }
  return nullptr;
}

}  // namespace otter::filelog
