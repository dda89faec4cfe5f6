#include "receivers/prometheus/exposition_parser.h"

#include <charconv>
#include <cmath>
#include <limits>

namespace otter::promscrape {
namespace {

bool IsNameStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
}
bool IsNameChar(char c) { return IsNameStart(c) || (c >= '0' && c <= '9'); }
bool IsBlank(char c) { return c == ' ' || c == '\t'; }

bool EqualsFold(std::string_view a, std::string_view lower) {
  if (a.size() != lower.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char c = a[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower[i]) return false;
  }
  return true;
}

// The metric name at `*pos` ([a-zA-Z_:][a-zA-Z0-9_:]*); empty when there is none.
std::string_view ReadName(std::string_view line, size_t* pos, bool label) {
  size_t start = *pos;
  if (start >= line.size() || !IsNameStart(line[start]) || (label && line[start] == ':')) return {};
  size_t i = start + 1;
  while (i < line.size() && IsNameChar(line[i]) && !(label && line[i] == ':')) ++i;
  *pos = i;
  return line.substr(start, i - start);
}

void SkipBlanks(std::string_view line, size_t* pos) {
  while (*pos < line.size() && IsBlank(line[*pos])) ++*pos;
}

// The token at `*pos` up to the next blank (or the end of the line).
std::string_view ReadToken(std::string_view line, size_t* pos) {
  size_t start = *pos;
  while (*pos < line.size() && !IsBlank(line[*pos])) ++*pos;
  return line.substr(start, *pos - start);
}

bool ParseInt64(std::string_view s, int64_t* out) {
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size() && !s.empty();
}

// An OpenMetrics timestamp (float seconds) as Unix milliseconds; false when it is not finite or
// falls outside what int64 milliseconds hold (converting such a double is undefined).
bool SecondsToMillis(double secs, int64_t* ms) {
  const double v = secs * 1000;
  if (!(v >= -9223372036854775808.0 && v < 9223372036854775808.0)) return false;
  *ms = static_cast<int64_t>(v);
  return true;
}

bool ParseFamilyType(std::string_view s, ExpositionFormat f, FamilyType* out) {
  const bool om = f == ExpositionFormat::kOpenMetrics;
  if (s == "counter")
    *out = FamilyType::kCounter;
  else if (s == "gauge")
    *out = FamilyType::kGauge;
  else if (s == "histogram")
    *out = FamilyType::kHistogram;
  else if (s == "summary")
    *out = FamilyType::kSummary;
  else if (!om && s == "untyped")
    *out = FamilyType::kUnknown;
  else if (om && s == "unknown")
    *out = FamilyType::kUnknown;
  else if (om && s == "gaugehistogram")
    *out = FamilyType::kGaugeHistogram;
  else if (om && s == "info")
    *out = FamilyType::kInfo;
  else if (om && s == "stateset")
    *out = FamilyType::kStateset;
  else
    return false;
  return true;
}

}  // namespace

ExpositionFormat FormatFromContentType(std::string_view content_type) {
  return content_type.find("application/openmetrics-text") != std::string_view::npos
             ? ExpositionFormat::kOpenMetrics
             : ExpositionFormat::kText;
}

std::string_view FamilyTypeName(FamilyType t) {
  switch (t) {
    case FamilyType::kCounter:
      return "counter";
    case FamilyType::kGauge:
      return "gauge";
    case FamilyType::kHistogram:
      return "histogram";
    case FamilyType::kGaugeHistogram:
      return "gaugehistogram";
    case FamilyType::kSummary:
      return "summary";
    case FamilyType::kInfo:
      return "info";
    case FamilyType::kStateset:
      return "stateset";
    case FamilyType::kUnknown:
      break;
  }
  return "unknown";
}

bool ParsePromFloat(std::string_view s, double* out) {
  if (s.empty()) return false;
  std::string_view body = s;
  bool neg = false;
  if (body[0] == '+' || body[0] == '-') {
    neg = body[0] == '-';
    body.remove_prefix(1);
  }
  if (EqualsFold(body, "inf") || EqualsFold(body, "infinity")) {
    *out = neg ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
    return true;
  }
  if (EqualsFold(body, "nan")) {
    *out = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  if (body.empty() || !((body[0] >= '0' && body[0] <= '9') || body[0] == '.')) return false;
  double v = 0;
  auto [p, ec] = std::from_chars(body.data(), body.data() + body.size(), v);
  if (p != body.data() + body.size()) return false;
  if (ec == std::errc::result_out_of_range) {
    // Go answers ±Inf (overflow) or 0 (underflow) with an error; Prometheus rejects the line.
    return false;
  }
  if (ec != std::errc()) return false;
  *out = neg ? -v : v;
  return true;
}

ExpositionParser::ExpositionParser(std::string_view body, ExpositionFormat format,
                                   pdata::ArenaSet* unescape_arena)
    : body_(body), format_(format), arena_(unescape_arena) {}

Status ExpositionParser::Error(std::string what) const {
  return InvalidArgument("line " + std::to_string(line_no_) + ": " + std::move(what));
}

std::string_view ExpositionParser::Unescape(std::string_view raw, bool help_text) {
  if (raw.find('\\') == std::string_view::npos) return raw;
  std::string out;
  out.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (c != '\\' || i + 1 == raw.size()) {
      out.push_back(c);
      continue;
    }
    char n = raw[i + 1];
    if (n == '\\') {
      out.push_back('\\');
    } else if (n == 'n') {
      out.push_back('\n');
    } else if (n == '"' && (!help_text || format_ == ExpositionFormat::kOpenMetrics)) {
      out.push_back('"');
    } else {
      out.push_back('\\');
      out.push_back(n);
    }
    ++i;
  }
  return arena_->Copy(out);
}

StatusOr<ExpositionParser::Entry> ExpositionParser::Next() {
  const bool om = format_ == ExpositionFormat::kOpenMetrics;
  while (pos_ < body_.size()) {
    size_t end = body_.find('\n', pos_);
    if (end == std::string_view::npos) end = body_.size();
    std::string_view line = body_.substr(pos_, end - pos_);
    pos_ = end + 1;
    ++line_no_;
    if (saw_eof_) {
      if (line.empty() && pos_ >= body_.size()) break;
      return Error("unexpected data after # EOF");
    }
    if (!om) {
      size_t i = 0;
      SkipBlanks(line, &i);
      line.remove_prefix(i);
      if (line.empty()) continue;
    } else if (line.empty()) {
      return Error("unexpected empty line");
    }
    if (line[0] == '#') {
      auto e = ParseComment(line);
      if (!e.ok()) return e.status();
      if (*e == Entry::kEof) {
        saw_eof_ = true;
        continue;
      }
      if (*e == Entry::kSample) continue;  // a plain comment
      return *e;
    }
    RETURN_IF_ERROR(ParseSample(line));
    return Entry::kSample;
  }
  if (om && !saw_eof_) {
    ++line_no_;
    return Error("data does not end with # EOF");
  }
  return Entry::kEof;
}

// Returns kSample for a comment that carries nothing (the caller skips it), kEof for "# EOF".
StatusOr<ExpositionParser::Entry> ExpositionParser::ParseComment(std::string_view line) {
  const bool om = format_ == ExpositionFormat::kOpenMetrics;
  size_t pos = 1;
  if (om) {
    if (line == "# EOF") return Entry::kEof;
    if (line.size() < 2 || line[1] != ' ') return Error("expected a space after #");
    pos = 2;
  } else {
    SkipBlanks(line, &pos);
  }
  std::string_view keyword = ReadToken(line, &pos);
  Entry kind;
  if (keyword == "HELP") {
    kind = Entry::kHelp;
  } else if (keyword == "TYPE") {
    kind = Entry::kType;
  } else if (om && keyword == "UNIT") {
    kind = Entry::kUnit;
  } else {
    if (om) return Error("invalid metadata line; expected HELP, TYPE, UNIT or EOF");
    return Entry::kSample;  // an ordinary comment
  }
  if (om) {
    if (pos >= line.size() || line[pos] != ' ')
      return Error("expected a space after " + std::string(keyword));
    ++pos;
  } else {
    SkipBlanks(line, &pos);
  }
  family_ = ReadName(line, &pos, false);
  if (family_.empty()) {
    if (!om && pos >= line.size()) return Entry::kSample;  // "# HELP" alone: a comment
    return Error("invalid metric name in " + std::string(keyword) + " line");
  }
  std::string_view rest;
  if (pos < line.size()) {
    if (!IsBlank(line[pos]))
      return Error("invalid metric name in " + std::string(keyword) + " line");
    if (om) {
      rest = line.substr(pos + 1);
    } else {
      SkipBlanks(line, &pos);
      rest = line.substr(pos);
    }
  }
  switch (kind) {
    case Entry::kHelp:
      text_ = Unescape(rest, true);
      return kind;
    case Entry::kUnit:
      text_ = rest;
      return kind;
    default: {
      if (!om)
        while (!rest.empty() && IsBlank(rest.back())) rest.remove_suffix(1);
      if (!ParseFamilyType(rest, format_, &type_))
        return Error("invalid metric type \"" + std::string(rest) + "\"");
      return kind;
    }
  }
}

Status ExpositionParser::ParseLabels(std::string_view line, size_t* pos, std::vector<Label>* out) {
  const bool om = format_ == ExpositionFormat::kOpenMetrics;
  size_t i = *pos + 1;  // past '{'
  for (;;) {
    if (!om) SkipBlanks(line, &i);
    if (i >= line.size()) return Error("unexpected end of label set");
    if (line[i] == '}') {
      ++i;
      break;
    }
    std::string_view lname = ReadName(line, &i, true);
    if (lname.empty()) return Error("invalid label name");
    if (!om) SkipBlanks(line, &i);
    if (i >= line.size() || line[i] != '=')
      return Error("expected '=' after label name \"" + std::string(lname) + "\"");
    ++i;
    if (!om) SkipBlanks(line, &i);
    if (i >= line.size() || line[i] != '"')
      return Error("expected a quoted value for label \"" + std::string(lname) + "\"");
    ++i;
    size_t start = i;
    bool escaped = false;
    while (i < line.size() && line[i] != '"') {
      if (line[i] == '\\') {
        escaped = true;
        if (++i >= line.size()) break;
        if (om && line[i] != '\\' && line[i] != '"' && line[i] != 'n')
          return Error("invalid escape sequence in label value");
      }
      ++i;
    }
    if (i >= line.size()) return Error("unterminated label value");
    std::string_view raw = line.substr(start, i - start);
    ++i;  // closing quote
    out->push_back({lname, escaped ? Unescape(raw, false) : raw});
    if (!om) SkipBlanks(line, &i);
    if (i < line.size() && line[i] == ',') {
      ++i;
      continue;
    }
    if (i < line.size() && line[i] == '}') {
      ++i;
      break;
    }
    return Error("expected ',' or '}' after label value");
  }
  for (size_t a = 0; a < out->size(); ++a)
    for (size_t b = a + 1; b < out->size(); ++b)
      if ((*out)[a].name == (*out)[b].name)
        return Error("duplicate label name \"" + std::string((*out)[a].name) + "\"");
  *pos = i;
  return Status::Ok();
}

Status ExpositionParser::ParseSample(std::string_view line) {
  const bool om = format_ == ExpositionFormat::kOpenMetrics;
  labels_.clear();
  has_ts_ = false;
  has_exemplar_ = false;
  size_t pos = 0;
  name_ = ReadName(line, &pos, false);
  if (name_.empty()) return Error("invalid metric name");
  size_t before = pos;
  if (!om) SkipBlanks(line, &pos);
  if (pos < line.size() && line[pos] == '{') {
    RETURN_IF_ERROR(ParseLabels(line, &pos, &labels_));
    before = pos;
    if (!om) SkipBlanks(line, &pos);
  }
  if (om) {
    if (pos >= line.size() || !IsBlank(line[pos]))
      return Error("expected a value after the metric");
    if (line[pos] != ' ') return Error("expected a single space before the value");
    ++pos;
  } else if (pos == before || pos >= line.size()) {
    return Error("expected a value after the metric");
  }
  std::string_view v = ReadToken(line, &pos);
  if (!ParsePromFloat(v, &value_)) return Error("invalid value \"" + std::string(v) + "\"");
  if (!om)
    SkipBlanks(line, &pos);
  else if (pos < line.size())
    ++pos;  // the single space
  if (pos >= line.size()) return Status::Ok();
  if (!(om && line[pos] == '#')) {
    std::string_view ts = ReadToken(line, &pos);
    if (om) {
      double secs = 0;
      if (!ParsePromFloat(ts, &secs) || !SecondsToMillis(secs, &ts_ms_))
        return Error("invalid timestamp \"" + std::string(ts) + "\"");
    } else if (!ParseInt64(ts, &ts_ms_)) {
      return Error("invalid timestamp \"" + std::string(ts) + "\"");
    }
    has_ts_ = true;
    if (!om)
      SkipBlanks(line, &pos);
    else if (pos < line.size())
      ++pos;
    if (pos >= line.size()) return Status::Ok();
  }
  if (!om || line[pos] != '#') return Error("unexpected text after the sample");
  // OpenMetrics exemplar: "# {labels} value [timestamp]".
  if (line.substr(pos, 3) != "# {") return Error("invalid exemplar; expected \"# {\"");
  pos += 2;
  ex_labels_.clear();
  RETURN_IF_ERROR(ParseLabels(line, &pos, &ex_labels_));
  if (pos >= line.size() || line[pos] != ' ') return Error("expected a value in the exemplar");
  ++pos;
  std::string_view ev = ReadToken(line, &pos);
  if (!ParsePromFloat(ev, &ex_value_))
    return Error("invalid exemplar value \"" + std::string(ev) + "\"");
  ex_has_ts_ = false;
  if (pos < line.size()) {
    ++pos;
    std::string_view ets = ReadToken(line, &pos);
    double secs = 0;
    if (!ParsePromFloat(ets, &secs) || !SecondsToMillis(secs, &ex_ts_ms_))
      return Error("invalid exemplar timestamp \"" + std::string(ets) + "\"");
    ex_has_ts_ = true;
    if (pos < line.size()) return Error("unexpected text after the exemplar");
  }
  has_exemplar_ = true;
  return Status::Ok();
}

}  // namespace otter::promscrape
