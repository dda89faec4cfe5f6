#include "query/logql/pipeline.h"

#include <re2/re2.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "query/go_parse.h"
#include "query/logql/lexer.h"
#include "query/logql/line_parsers.h"

namespace otter::query::logql {

namespace {

bool HasError(const store::Labels& labels) { return !store::GetLabel(labels, kErrorLabel).empty(); }

void SetError(store::Labels& labels, std::string_view error, std::string_view details) {
  if (HasError(labels)) return;
  store::SetLabel(labels, kErrorLabel, error);
  if (!details.empty()) store::SetLabel(labels, kErrorDetailsLabel, details);
}

// A parsed label: a name already used by the stream or the structured metadata gets
// "_extracted", as in Loki. An empty value is kept as a label with an empty value, as Loki's
// labels builder does (a missing `json a="x"` path, an empty JSON string, logfmt --keep-empty,
// a template that renders nothing).
void SetKeepingEmpty(store::Labels& labels, const std::string& key, std::string_view value) {
  auto it =
      std::lower_bound(labels.begin(), labels.end(), key,
                       [](const store::Label& l, const std::string& k) { return l.name < k; });
  if (it != labels.end() && it->name == key) {
    it->value.assign(value);
  } else {
    labels.insert(it, store::Label{key, std::string(value)});
  }
}

void SetParsed(store::Labels& labels, const store::Labels& stream, const store::Labels& metadata,
               const std::string& name, std::string_view value) {
  if (!store::GetLabel(stream, name).empty() || !store::GetLabel(metadata, name).empty()) {
    SetKeepingEmpty(labels, name + "_extracted", value);
  } else {
    SetKeepingEmpty(labels, name, value);
  }
}

bool Compare(double a, CmpOp op, double b) {
  switch (op) {
    case CmpOp::kEq:
      return a == b;
    case CmpOp::kNe:
      return a != b;
    case CmpOp::kGt:
      return a > b;
    case CmpOp::kGe:
      return a >= b;
    case CmpOp::kLt:
      return a < b;
    case CmpOp::kLe:
      return a <= b;
  }
  return false;
}

// Go's strconv.ParseFloat; on failure *error holds Go's error text (Loki's __error_details__).
bool ParseGoFloat(std::string_view s, double* out, std::string* error) {
  std::string tmp(s);
  char* end = nullptr;
  if (!tmp.empty() && !std::isspace(static_cast<unsigned char>(tmp[0]))) {
    *out = std::strtod(tmp.c_str(), &end);
    if (end == tmp.c_str() + tmp.size()) return true;
  }
  *error = "strconv.ParseFloat: parsing \"" + tmp + "\": invalid syntax";
  return false;
}

// Go's time.ParseDuration in nanoseconds; *error holds Go's error text.
bool ParseGoDuration(std::string_view s, int64_t* out, std::string* error) {
  auto ns = query::ParseGoDuration(s);
  if (!ns.ok()) {
    *error = std::string(ns.status().message());
    return false;
  }
  *out = *ns;
  return true;
}

// Go's Duration.Seconds().
double DurationSeconds(int64_t ns) {
  return static_cast<double>(ns / 1'000'000'000) + static_cast<double>(ns % 1'000'000'000) / 1e9;
}

// humanize.ParseBytes ("1KB", "5 MiB", "512"): the number, then an optional unit.
bool ParseHumanBytes(std::string_view s, double* out, std::string* error) {
  size_t n = 0;
  std::string num;
  for (; n < s.size() &&
         (std::isdigit(static_cast<unsigned char>(s[n])) || s[n] == '.' || s[n] == ',');
       ++n)
    if (s[n] != ',') num += s[n];
  double v = 0;
  if (!ParseGoFloat(num, &v, error)) return false;
  std::string unit(s.substr(n));
  while (!unit.empty() && std::isspace(static_cast<unsigned char>(unit.front()))) unit.erase(0, 1);
  while (!unit.empty() && std::isspace(static_cast<unsigned char>(unit.back()))) unit.pop_back();
  for (char& c : unit) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  uint64_t scale = 0;
  if (unit.empty()) {
    scale = 1;
  } else if (!ParseBytesValue("1" + unit, &scale)) {
    *error = "unhandled size name: " + unit;
    return false;
  }
  *out = std::floor(v * static_cast<double>(scale));
  return true;
}

// Whether `labels` holds `name` (possibly with an empty value, as parsers may set).
bool HasLabel(const store::Labels& labels, std::string_view name) {
  for (const auto& l : labels)
    if (l.name == name) return true;
  return false;
}

// Loki's decolorize: its ANSI escape pattern (from acarl005/stripansi), every match removed.
std::string Decolorize(std::string_view line) {
  static const RE2 kAnsi(
      R"([\x{1B}\x{9B}][[\]()#;?]*(?:(?:(?:[a-zA-Z\d]*(?:;[a-zA-Z\d]*)*)?\x{07})|)"
      R"((?:(?:\d{1,4}(?:;\d{0,4})*)?[\dA-PRZcf-ntqry=><~])))");
  std::string out(line);
  RE2::GlobalReplace(&out, kAnsi, "");
  return out;
}

}  // namespace

bool MatchLineFilter(const LineFilter& f, std::string_view line) {
  bool any = false;
  for (size_t i = 0; i < f.values.size() && !any; ++i) {
    if (f.op == LineFilterOp::kContains || f.op == LineFilterOp::kNotContains) {
      any = i < f.ips.size() && f.ips[i] ? f.ips[i]->MatchesLine(line)
                                         : line.find(f.values[i]) != std::string_view::npos;
    } else if (f.op == LineFilterOp::kPattern || f.op == LineFilterOp::kNotPattern) {
      any = f.patterns[i]->Test(line);
    } else {
      any = RE2::PartialMatch(re2::StringPiece(line.data(), line.size()), *f.regexes[i]);
    }
  }
  bool negated = f.op == LineFilterOp::kNotContains || f.op == LineFilterOp::kNotRegex ||
                 f.op == LineFilterOp::kNotPattern;
  return negated ? !any : any;
}

bool EvalLabelFilter(const LabelFilter& f, store::Labels& labels) {
  switch (f.kind) {
    case LabelFilter::Kind::kAnd:
      return EvalLabelFilter(*f.left, labels) && EvalLabelFilter(*f.right, labels);
    case LabelFilter::Kind::kOr:
      return EvalLabelFilter(*f.left, labels) || EvalLabelFilter(*f.right, labels);
    case LabelFilter::Kind::kString:
      return f.matcher.Matches(labels);
    default:
      break;
  }
  if (f.kind == LabelFilter::Kind::kIp) {  // Loki: an entry with an error passes
    if (HasError(labels)) return true;
    if (!HasLabel(labels, f.name)) return false;
    return f.ip->MatchesAddress(store::GetLabel(labels, f.name)) == (f.op == CmpOp::kEq);
  }
  // A missing label drops the entry; a value that does not convert keeps it with an error (not
  // replacing an earlier one), as in Loki.
  if (!HasLabel(labels, f.name)) return false;
  std::string_view v = store::GetLabel(labels, f.name);
  double x = 0;
  std::string error;
  bool ok = false;
  if (f.kind == LabelFilter::Kind::kNumber) {
    ok = ParseGoFloat(v, &x, &error);
  } else if (f.kind == LabelFilter::Kind::kDuration) {
    int64_t ns = 0;
    ok = ParseGoDuration(v, &ns, &error);
    x = static_cast<double>(ns);  // the filter's value is in nanoseconds too
  } else {
    ok = ParseHumanBytes(v, &x, &error);
  }
  if (!ok) {
    SetError(labels, "LabelFilterErr", error);
    return true;
  }
  return Compare(x, f.op, f.value);
}

bool ExtractUnwrapValue(const Unwrap& u, store::Labels& labels, double* value) {
  std::string v(store::GetLabel(labels, u.label));
  *value = 0;
  if (v.empty()) return false;  // Loki: an entry without the label gives no sample
  std::string error;
  bool ok = false;
  switch (u.conv) {
    case Unwrap::Conv::kNone:
      ok = ParseGoFloat(v, value, &error);
      break;
    case Unwrap::Conv::kBytes:
      ok = ParseHumanBytes(v, value, &error);
      break;
    case Unwrap::Conv::kDuration:
    case Unwrap::Conv::kDurationSeconds: {
      int64_t ns = 0;
      ok = ParseGoDuration(v, &ns, &error);
      *value = DurationSeconds(ns);
      break;
    }
  }
  if (!ok) {
    *value = 0;
    store::SetLabel(labels, kErrorLabel, "SampleExtractionErr");
    store::SetLabel(labels, kErrorDetailsLabel, error);
  }
  return true;
}

bool Pipeline::NeverFilters() const {
  for (const Stage& s : *stages_)
    if (s.kind == Stage::Kind::kLineFilters || s.kind == Stage::Kind::kLabelFilter) return false;
  return true;
}

bool Pipeline::Process(int64_t ts_ns, std::string_view line, const store::Labels& stream,
                       const store::Labels& metadata, std::string* out_line,
                       store::Labels* out_labels) const {
  store::Labels& labels = *out_labels;
  labels = stream;
  for (const auto& l : metadata) store::SetLabel(labels, l.name, l.value);
  std::string& cur = *out_line;
  cur.assign(line);
  auto set = [&](std::string key, std::string value) {
    SetParsed(labels, stream, metadata, key, value);
  };
  // Loki's json / logfmt with parameters only avoid the stream's labels.
  const store::Labels no_metadata;
  auto set_param = [&](const std::string& key, std::string_view value) {
    SetParsed(labels, stream, no_metadata, key, value);
  };
  for (const Stage& s : *stages_) {
    switch (s.kind) {
      case Stage::Kind::kLineFilters:
        for (const LineFilter& f : s.line_filters)
          if (!MatchLineFilter(f, cur)) return false;
        break;
      case Stage::Kind::kJson: {
        Status st;
        if (s.extractions.empty()) {
          st = ParseJsonLine(cur, set);
        } else {
          std::vector<std::string> paths, values;
          for (const auto& e : s.extractions) paths.push_back(e.path);
          // Loki leaves an empty line alone, and gives no details for a line that cannot
          // start a JSON value.
          if (cur.empty()) break;
          st = ExtractJsonPaths(cur, paths, &values);
          if (st.ok())
            for (size_t i = 0; i < values.size(); ++i) set_param(s.extractions[i].label, values[i]);
          if (!st.ok() && cur[0] != '{' && cur[0] != '[' && cur[0] != '"') st = InvalidArgument("");
        }
        if (!st.ok()) SetError(labels, "JSONParserErr", st.message());
        break;
      }
      case Stage::Kind::kLogfmt: {
        // Loki: without --strict a syntax error only skips the broken pair.
        Status st;
        if (s.extractions.empty()) {
          st = ParseLogfmtLine(cur, s.strict, [&](std::string k, std::string v) {
            if (!v.empty() || s.keep_empty) set(std::move(k), std::move(v));
          });
        } else {
          store::Labels parsed;
          st = ParseLogfmtLine(
              cur, s.strict, [&](std::string k, std::string v) { store::SetLabel(parsed, k, v); });
          for (const auto& e : s.extractions) set_param(e.label, store::GetLabel(parsed, e.path));
        }
        if (!st.ok() && s.strict) SetError(labels, "LogfmtParserErr", st.message());
        break;
      }
      case Stage::Kind::kUnpack: {
        std::string entry;
        bool has_entry = false;
        Status st = UnpackJsonLine(cur, set, &entry, &has_entry);
        if (!st.ok()) {
          SetError(labels, "JSONParserErr", st.message());
        } else if (has_entry) {
          cur = std::move(entry);
        }
        break;
      }
      case Stage::Kind::kRegexp: {
        const RE2& re = *s.regexp;
        int n = re.NumberOfCapturingGroups();
        std::vector<re2::StringPiece> groups(n + 1);
        if (re.Match(re2::StringPiece(cur.data(), cur.size()), 0, cur.size(), RE2::UNANCHORED,
                     groups.data(), n + 1)) {
          for (const auto& [name, idx] : re.NamedCapturingGroups()) {
            std::string key = SanitizeLabelKey(name, true);
            // A group that took no part in the match gives an empty label, as in Loki.
            if (!key.empty())
              set(key, groups[idx].data() ? std::string(groups[idx].data(), groups[idx].size())
                                          : std::string());
          }
        }
        break;
      }
      case Stage::Kind::kPattern: {
        std::vector<std::string_view> values = s.pattern->Extract(cur);
        for (size_t i = 0; i < values.size(); ++i)
          set(s.pattern->names()[i], std::string(values[i]));
        break;
      }
      case Stage::Kind::kLabelFilter:
        if (!EvalLabelFilter(*s.label_filter, labels)) return false;
        break;
      case Stage::Kind::kLineFormat: {
        auto r = s.line_format->Execute(labels, cur, ts_ns);
        if (r.ok()) {
          cur = std::move(r).value();
        } else {
          SetError(labels, "TemplateFormatErr", r.status().message());
        }
        break;
      }
      case Stage::Kind::kLabelFormat: {
        // As Loki: a rename reads the labels as they are now and happens only when the source
        // exists; templates all see the labels as they were at the stage's first template.
        std::optional<store::Labels> snapshot;
        for (const LabelFormat& f : s.label_formats) {
          if (!f.tmpl) {
            if (!HasLabel(labels, f.rename_from)) continue;
            std::string v(store::GetLabel(labels, f.rename_from));
            SetKeepingEmpty(labels, f.name, v);
            store::SetLabel(labels, f.rename_from, "");
            continue;
          }
          if (!snapshot) snapshot = labels;
          auto r = f.tmpl->Execute(*snapshot, cur, ts_ns);
          if (!r.ok()) {
            SetError(labels, "TemplateFormatErr", r.status().message());
            continue;
          }
          SetKeepingEmpty(labels, f.name, *r);
        }
        break;
      }
      case Stage::Kind::kDrop: {
        for (const auto& n : s.names) store::SetLabel(labels, n, "");
        for (const auto& m : s.name_matchers)
          if (m.Matches(labels)) store::SetLabel(labels, m.name(), "");
        break;
      }
      case Stage::Kind::kKeep: {
        store::Labels kept;
        for (const auto& l : labels) {
          // Loki always keeps the error labels.
          bool keep = l.name == kErrorLabel || l.name == kErrorDetailsLabel;
          for (const auto& n : s.names) keep = keep || n == l.name;
          for (const auto& m : s.name_matchers)
            keep = keep || (m.name() == l.name && m.Matches(l.value));
          if (keep) kept.push_back(l);
        }
        labels = std::move(kept);
        break;
      }
      case Stage::Kind::kDecolorize:
        cur = Decolorize(cur);
        break;
    }
  }
  return true;
}

namespace {

bool IsLowerHex(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

// A trace_id="<hex>" term that must hold for the whole filter to pass (top level or under and).
std::optional<std::string> RequiredTraceId(const LabelFilter& f) {
  if (f.kind == LabelFilter::Kind::kString) {
    if (f.matcher.name() == "trace_id" && f.matcher.op() == store::LabelMatcher::Op::kEq &&
        IsLowerHex(f.matcher.value()))
      return f.matcher.value();
    return std::nullopt;
  }
  if (f.kind == LabelFilter::Kind::kAnd) {
    if (auto v = RequiredTraceId(*f.left)) return v;
    return RequiredTraceId(*f.right);
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> PushdownTraceId(const std::vector<Stage>& stages) {
  for (const Stage& s : stages) {
    if (s.kind == Stage::Kind::kLineFilters || s.kind == Stage::Kind::kLineFormat ||
        s.kind == Stage::Kind::kDecolorize)
      continue;
    if (s.kind != Stage::Kind::kLabelFilter) return std::nullopt;  // may set or drop labels
    if (auto v = RequiredTraceId(*s.label_filter)) return v;
  }
  return std::nullopt;
}

// Splits an entry's final label set as Loki's categorize-labels does: names from the entry's
// structured metadata, the stream's own labels (unchanged), and the rest (parsed). `labels` keeps
// the stream part.
void CategorizeLabels(const store::Labels& stream, const store::Labels& metadata,
                      store::Labels* labels, store::LogEntry* out) {
  store::Labels own;
  for (auto& l : *labels) {
    if (!store::GetLabel(metadata, l.name).empty()) {
      out->metadata.push_back(std::move(l));
    } else if (!l.value.empty() && store::GetLabel(stream, l.name) == l.value) {
      own.push_back(std::move(l));
    } else {
      out->parsed.push_back(std::move(l));
    }
  }
  *labels = std::move(own);
}

}  // namespace otter::query::logql
