#include "query/logql/pipeline.h"

#include <re2/re2.h>

#include <cstdlib>

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

// A parsed label: a name already used by the stream or the entry's structured metadata gets
// "_extracted" (Loki's parsers all check both).
void SetParsed(store::Labels& labels, const store::Labels& stream, const store::Labels& metadata,
               const std::string& name, std::string_view value) {
  if (!store::GetLabel(stream, name).empty() || !store::GetLabel(metadata, name).empty()) {
    store::SetLabel(labels, name + "_extracted", value);
  } else {
    store::SetLabel(labels, name, value);
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

bool ParseFloatStrict(std::string_view s, double* out) {
  if (s.empty()) return false;
  std::string tmp(s);
  char* end = nullptr;
  *out = std::strtod(tmp.c_str(), &end);
  return end == tmp.c_str() + tmp.size();
}

bool ParseBytesOrNumber(std::string_view s, double* out) {
  uint64_t b = 0;
  if (ParseBytesValue(s, &b)) {
    *out = static_cast<double>(b);
    return true;
  }
  return ParseFloatStrict(s, out);
}

std::string Decolorize(std::string_view line) {
  std::string out;
  out.reserve(line.size());
  for (size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '\x1b' && i + 1 < line.size() && line[i + 1] == '[') {
      size_t j = i + 2;
      while (j < line.size() &&
             (std::isdigit(static_cast<unsigned char>(line[j])) || line[j] == ';'))
        ++j;
      if (j < line.size() && std::isalpha(static_cast<unsigned char>(line[j]))) {
        i = j;
        continue;
      }
    }
    out += line[i];
  }
  return out;
}

}  // namespace

bool MatchLineFilter(const LineFilter& f, std::string_view line) {
  bool any = false;
  for (size_t i = 0; i < f.values.size() && !any; ++i) {
    if (f.op == LineFilterOp::kContains || f.op == LineFilterOp::kNotContains) {
      any = line.find(f.values[i]) != std::string_view::npos;
    } else {
      any = RE2::PartialMatch(re2::StringPiece(line.data(), line.size()), *f.regexes[i]);
    }
  }
  bool negated = f.op == LineFilterOp::kNotContains || f.op == LineFilterOp::kNotRegex;
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
  // Only string matchers can filter an entry that already has an error.
  if (HasError(labels)) return true;
  std::string_view v = store::GetLabel(labels, f.name);
  if (v.empty()) return false;
  double x = 0;
  bool ok = false;
  if (f.kind == LabelFilter::Kind::kNumber) {
    ok = ParseFloatStrict(v, &x);
  } else if (f.kind == LabelFilter::Kind::kDuration) {
    int64_t ns = 0;
    ok = ParseDurationNs(v, &ns);
    x = static_cast<double>(ns) / 1e9;
  } else {
    ok = ParseBytesOrNumber(v, &x);
  }
  if (!ok) {
    std::string details = "cannot convert \"" + std::string(v) + "\"";
    SetError(labels, "LabelFilterErr", details);
    return true;
  }
  return Compare(x, f.op, f.value);
}

std::optional<double> ExtractUnwrapValue(const Unwrap& u, store::Labels& labels) {
  std::string v(store::GetLabel(labels, u.label));
  store::SetLabel(labels, u.label, "");
  double x = 0;
  bool ok = false;
  switch (u.conv) {
    case Unwrap::Conv::kNone:
      ok = ParseFloatStrict(v, &x);
      break;
    case Unwrap::Conv::kBytes:
      ok = ParseBytesOrNumber(v, &x);
      break;
    case Unwrap::Conv::kDuration:
    case Unwrap::Conv::kDurationSeconds: {
      int64_t ns = 0;
      ok = ParseDurationNs(v, &ns);
      x = static_cast<double>(ns) / 1e9;
      break;
    }
  }
  if (!ok) {
    SetError(labels, "SampleExtractionErr", "cannot convert \"" + v + "\"");
    return std::nullopt;
  }
  return x;
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
          st = ExtractJsonPaths(cur, paths, &values);
          if (st.ok())
            for (size_t i = 0; i < values.size(); ++i) set(s.extractions[i].label, values[i]);
        }
        if (!st.ok()) SetError(labels, "JSONParserErr", st.message());
        break;
      }
      case Stage::Kind::kLogfmt: {
        Status st;
        if (s.extractions.empty()) {
          st = ParseLogfmtLine(cur, set);
        } else {
          store::Labels parsed;
          st = ParseLogfmtLine(
              cur, [&](std::string k, std::string v) { store::SetLabel(parsed, k, v); });
          if (st.ok())
            for (const auto& e : s.extractions)
              set(e.label, std::string(store::GetLabel(parsed, e.path)));
        }
        if (!st.ok()) SetError(labels, "LogfmtParserErr", st.message());
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
            if (!key.empty() && groups[idx].data())
              set(key, std::string(groups[idx].data(), groups[idx].size()));
          }
        }
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
        const store::Labels snapshot = labels;
        for (const LabelFormat& f : s.label_formats) {
          if (f.tmpl) {
            auto r = f.tmpl->Execute(snapshot, cur, ts_ns);
            if (!r.ok()) {
              SetError(labels, "TemplateFormatErr", r.status().message());
              continue;
            }
            store::SetLabel(labels, f.name, *r);
          } else {
            std::string v(store::GetLabel(snapshot, f.rename_from));
            if (f.rename_from != f.name) store::SetLabel(labels, f.rename_from, "");
            store::SetLabel(labels, f.name, v);
          }
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
          bool keep = false;
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
