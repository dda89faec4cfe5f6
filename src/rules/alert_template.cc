#include "rules/alert_template.h"

#include <fmt/format.h>
#include <re2/re2.h>

#include <cctype>
#include <cmath>
#include <ctime>
#include <optional>
#include <vector>

#include "query/go_parse.h"
#include "query/logql/go_fmt.h"
#include "query/promql/go_compat.h"
#include "query/promql/lexer.h"

namespace otter::rules {
namespace {

using query::logql::TemplateValue;

// Go's fmt "%.4g" of a float64, then a suffix.
std::string G4(double v, std::string_view suffix = "") {
  return query::logql::GoSprintf(
             "%.4g", {{query::logql::GoArg::kNumber, query::promql::FormatGoFloat(v)}}) +
         std::string(suffix);
}

constexpr std::string_view kFuncs[] = {"humanize",
                                       "humanize1024",
                                       "humanizePercentage",
                                       "humanizeDuration",
                                       "humanizeTimestamp",
                                       "toUpper",
                                       "toLower",
                                       "title",
                                       "match",
                                       "reReplaceAll",
                                       "stripPort",
                                       "stripDomain",
                                       "safeHtml",
                                       "parseDuration"};

bool IsAlertFunc(std::string_view name) {
  for (auto f : kFuncs)
    if (f == name) return true;
  return false;
}

bool IsAlertVariable(std::string_view name) {
  return name == "$labels" || name == "$value" || name == "$externalLabels" ||
         name == "$externalURL";
}

// Go's time.Time.String() of Unix seconds, in UTC.
std::string GoTimeString(double secs) {
  double whole = std::floor(secs);
  auto tt = static_cast<std::time_t>(whole);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  std::string out = fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}", tm.tm_year + 1900,
                                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  auto frac = static_cast<int64_t>(std::llround((secs - whole) * 1e9));
  if (frac > 0 && frac < 1000000000) {
    std::string f = fmt::format("{:09}", frac);
    while (!f.empty() && f.back() == '0') f.pop_back();
    out += "." + f;
  }
  return out + " +0000 UTC";
}

StatusOr<double> ToFloat(const std::string& fn, const TemplateValue& v) {
  char* end = nullptr;
  double d = std::strtod(v.text.c_str(), &end);
  if (v.kind == TemplateValue::kBool || end == v.text.c_str() || *end != '\0')
    return InvalidArgument(
        fmt::format("error calling {}: can't convert {} to float", fn, query::GoQuote(v.Render())));
  return d;
}

StatusOr<TemplateValue> CallAlertFunc(const std::string& fn, const std::vector<TemplateValue>& a) {
  auto want = [&](size_t n) -> Status {
    if (a.size() != n)
      return InvalidArgument(
          fmt::format("wrong number of args for {}: want {} got {}", fn, n, a.size()));
    return Status::Ok();
  };
  auto str = [](std::string s) { return TemplateValue{TemplateValue::kString, std::move(s)}; };
  if (fn.starts_with("humanize")) {
    RETURN_IF_ERROR(want(1));
    ASSIGN_OR_RETURN(double v, ToFloat(fn, a[0]));
    if (fn == "humanize") return str(Humanize(v));
    if (fn == "humanize1024") return str(Humanize1024(v));
    if (fn == "humanizePercentage") return str(HumanizePercentage(v));
    if (fn == "humanizeDuration") return str(HumanizeDuration(v));
    if (std::isnan(v) || std::isinf(v)) return str(G4(v));
    return str(GoTimeString(v));  // humanizeTimestamp
  }
  if (fn == "toUpper" || fn == "toLower") {
    RETURN_IF_ERROR(want(1));
    std::string s = a[0].Render();
    for (char& c : s)
      c = static_cast<char>(fn == "toUpper" ? std::toupper(static_cast<unsigned char>(c))
                                            : std::tolower(static_cast<unsigned char>(c)));
    return str(std::move(s));
  }
  if (fn == "title") {
    RETURN_IF_ERROR(want(1));
    std::string s = a[0].Render();
    bool start = true;
    for (char& c : s) {
      if (start && std::isalpha(static_cast<unsigned char>(c)))
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      start = !std::isalnum(static_cast<unsigned char>(c));
    }
    return str(std::move(s));
  }
  if (fn == "match" || fn == "reReplaceAll") {
    RETURN_IF_ERROR(want(fn == "match" ? 2 : 3));
    RE2 re(a[0].Render(), RE2::Quiet);
    if (!re.ok()) return InvalidArgument(fmt::format("error calling {}: {}", fn, re.error()));
    if (fn == "match")
      return TemplateValue{TemplateValue::kBool, "", RE2::PartialMatch(a[1].Render(), re)};
    // Go's ReplaceAllString expands $1 / ${1}; RE2 wants \1.
    std::string rewrite;
    const std::string repl = a[1].Render();
    for (size_t i = 0; i < repl.size(); ++i) {
      if (repl[i] == '\\') {
        rewrite += "\\\\";
      } else if (repl[i] == '$' && i + 1 < repl.size() &&
                 std::isdigit((unsigned char)repl[i + 1])) {
        rewrite += '\\';
        rewrite += repl[++i];
      } else if (repl[i] == '$' && i + 3 < repl.size() && repl[i + 1] == '{' &&
                 std::isdigit((unsigned char)repl[i + 2]) && repl[i + 3] == '}') {
        rewrite += '\\';
        rewrite += repl[i + 2];
        i += 3;
      } else {
        rewrite += repl[i];
      }
    }
    std::string s = a[2].Render();
    RE2::GlobalReplace(&s, re, rewrite);
    return str(std::move(s));
  }
  if (fn == "stripPort") {
    RETURN_IF_ERROR(want(1));
    std::string s = a[0].Render();
    if (!s.empty() && s[0] == '[') {
      size_t close = s.find(']');
      return str(close == std::string::npos ? s : s.substr(1, close - 1));
    }
    size_t colon = s.rfind(':');
    if (colon != std::string::npos && s.find(':') == colon) s.resize(colon);
    return str(std::move(s));
  }
  if (fn == "stripDomain") {
    RETURN_IF_ERROR(want(1));
    std::string s = a[0].Render();
    std::string port;
    size_t colon = s.rfind(':');
    if (colon != std::string::npos && s.find(':') == colon) {
      port = s.substr(colon);
      s.resize(colon);
    }
    size_t dot = s.find('.');
    bool ip = !s.empty() && std::isdigit(static_cast<unsigned char>(s[0])) &&
              s.find_first_not_of("0123456789.") == std::string::npos;
    if (dot != std::string::npos && !ip) s.resize(dot);
    return str(s + port);
  }
  if (fn == "safeHtml") {
    RETURN_IF_ERROR(want(1));
    return str(a[0].Render());
  }
  if (fn == "parseDuration") {
    RETURN_IF_ERROR(want(1));
    auto ms = query::promql::ParseDurationMillis(a[0].Render());
    if (!ms.ok()) return ms.status();
    return TemplateValue{TemplateValue::kNumber, query::promql::FormatGoFloat(*ms / 1000.0)};
  }
  return InvalidArgument(fmt::format("function \"{}\" is not available here", fn));
}

const query::logql::TemplateDialect kDialect{IsAlertFunc, CallAlertFunc, IsAlertVariable};

// "$labels.job" / ".Labels.job" → the label's value ("" when absent, Go's missingkey for maps).
StatusOr<TemplateValue> Lookup(const void* p, std::string_view path) {
  const auto& d = *static_cast<const AlertTemplateData*>(p);
  auto field = [&](std::string_view prefix) -> std::optional<std::string_view> {
    if (path == prefix) return std::string_view();
    if (path.size() > prefix.size() + 1 && path.starts_with(prefix) && path[prefix.size()] == '.')
      return path.substr(prefix.size() + 1);
    return std::nullopt;
  };
  auto label_map = [&](const store::Labels* labels,
                       std::optional<std::string_view> name) -> StatusOr<TemplateValue> {
    if (name->empty()) {  // the whole map, as Go prints a map[string]string
      std::string out = "map[";
      if (labels) {
        for (size_t i = 0; i < labels->size(); ++i)
          out += (i ? " " : "") + (*labels)[i].name + ":" + (*labels)[i].value;
      }
      return TemplateValue{TemplateValue::kString, out + "]"};
    }
    return TemplateValue{TemplateValue::kString,
                         labels ? std::string(store::GetLabel(*labels, *name)) : std::string()};
  };
  if (auto n = field("$labels")) return label_map(d.labels, n);
  if (auto n = field(".Labels")) return label_map(d.labels, n);
  if (auto n = field("$externalLabels")) return label_map(d.external_labels, n);
  if (auto n = field(".ExternalLabels")) return label_map(d.external_labels, n);
  if (path == "$value" || path == ".Value")
    return TemplateValue{TemplateValue::kNumber, query::promql::FormatGoFloat(d.value)};
  if (path == "$externalURL" || path == ".ExternalURL")
    return TemplateValue{TemplateValue::kString, std::string(d.external_url)};
  return InvalidArgument(fmt::format("can't evaluate field {}", path));
}

}  // namespace

std::string Humanize(double v) {
  if (v == 0 || std::isnan(v) || std::isinf(v)) return G4(v);
  static const char* kBig[] = {"k", "M", "G", "T", "P", "E", "Z", "Y"};
  static const char* kSmall[] = {"m", "u", "n", "p", "f", "a", "z", "y"};
  std::string prefix;
  if (std::fabs(v) >= 1) {
    for (const char* p : kBig) {
      if (std::fabs(v) < 1000) break;
      prefix = p;
      v /= 1000;
    }
    return G4(v, prefix);
  }
  for (const char* p : kSmall) {
    if (std::fabs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return G4(v, prefix);
}

std::string Humanize1024(double v) {
  if (std::fabs(v) <= 1 || std::isnan(v) || std::isinf(v)) return G4(v);
  static const char* kUnits[] = {"ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi"};
  std::string prefix;
  for (const char* p : kUnits) {
    if (std::fabs(v) < 1024) break;
    prefix = p;
    v /= 1024;
  }
  return G4(v, prefix);
}

std::string HumanizePercentage(double ratio) { return G4(ratio * 100, "%"); }

std::string HumanizeDuration(double v) {
  if (std::isnan(v) || std::isinf(v)) return G4(v);
  if (v == 0) return "0s";
  if (std::fabs(v) >= 1) {
    std::string sign;
    if (v < 0) {
      sign = "-";
      v = -v;
    }
    auto d = static_cast<int64_t>(v);
    int64_t s = d % 60, m = (d / 60) % 60, h = (d / 3600) % 24, days = d / 86400;
    if (days != 0) return fmt::format("{}{}d {}h {}m {}s", sign, days, h, m, s);
    if (h != 0) return fmt::format("{}{}h {}m {}s", sign, h, m, s);
    if (m != 0) return fmt::format("{}{}m {}s", sign, m, s);
    return sign + G4(v, "s");
  }
  static const char* kSmall[] = {"m", "u", "n", "p", "f", "a", "z", "y"};
  std::string prefix;
  for (const char* p : kSmall) {
    if (std::fabs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return G4(v, prefix + "s");
}

StatusOr<query::logql::LineTemplate> ParseAlertTemplate(std::string_view text,
                                                        std::string_view name) {
  return query::logql::LineTemplate::Parse(text, &kDialect, name);
}

StatusOr<std::string> ExpandAlertTemplate(const query::logql::LineTemplate& tmpl,
                                          const AlertTemplateData& data) {
  return tmpl.Execute(Lookup, &data);
}

}  // namespace otter::rules
