#include "store/prom_naming.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <vector>

namespace otter::store {
namespace promconv {
namespace {

struct UnitWord {
  std::string_view ucum;
  std::string_view word;
};

// UCUM → Prometheus unit words. TiBy follows the spec ("tebibytes"); older translator versions
// said "tibibytes". Both "KBy" (translator) and the UCUM spelling "kBy" map to kilobytes.
constexpr std::array<UnitWord, 28> kUnitWords = {{
    {"d", "days"},          {"h", "hours"},
    {"min", "minutes"},     {"s", "seconds"},
    {"ms", "milliseconds"}, {"us", "microseconds"},
    {"ns", "nanoseconds"},  {"By", "bytes"},
    {"KiBy", "kibibytes"},  {"MiBy", "mebibytes"},
    {"GiBy", "gibibytes"},  {"TiBy", "tebibytes"},
    {"KBy", "kilobytes"},   {"kBy", "kilobytes"},
    {"MBy", "megabytes"},   {"GBy", "gigabytes"},
    {"TBy", "terabytes"},   {"m", "meters"},
    {"V", "volts"},         {"A", "amperes"},
    {"J", "joules"},        {"W", "watts"},
    {"g", "grams"},         {"Cel", "celsius"},
    {"Hz", "hertz"},        {"1", ""},
    {"%", "percent"},       {"", ""},
}};

constexpr std::array<UnitWord, 7> kPerUnitWords = {{
    {"s", "second"},
    {"m", "minute"},
    {"h", "hour"},
    {"d", "day"},
    {"w", "week"},
    {"mo", "month"},
    {"y", "year"},
}};

template <size_t N>
std::string_view Lookup(const std::array<UnitWord, N>& table, std::string_view unit) {
  for (const auto& e : table)
    if (e.ucum == unit && !unit.empty()) return e.word;
  return unit;
}

bool IsAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

std::string_view TrimSpace(std::string_view s) {
  while (!s.empty() && IsAsciiSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsAsciiSpace(s.back())) s.remove_suffix(1);
  return s;
}

bool IsMetricChar(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ':';
}

bool IsLabelChar(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// A UTF-8 continuation byte: part of the previous rune (the translator works on runes, so one
// multi-byte character becomes a single "_").
bool IsContinuation(unsigned char c) { return (c & 0xC0) == 0x80; }

// The translator's cleanUpUnit: invalid runes → "_", runs of "_" collapsed, leading "_" dropped.
std::string CleanUpUnit(std::string_view unit) {
  std::string out;
  out.reserve(unit.size());
  for (unsigned char c : unit) {
    if (c >= 0x80 && IsContinuation(c)) continue;
    char m = IsMetricChar(c) ? static_cast<char>(c) : '_';
    if (m == '_' && !out.empty() && out.back() == '_') continue;
    out += m;
  }
  if (!out.empty() && out.front() == '_') out.erase(0, 1);
  return out;
}

// Main and "per" unit suffixes before clean-up ("m/s" → "meters", "per_second").
void UnitSuffixes(std::string_view unit, std::string* main, std::string* per) {
  main->clear();
  per->clear();
  size_t slash = unit.find('/');
  std::string_view main_unit = TrimSpace(unit.substr(0, slash));
  if (!main_unit.empty() && main_unit.find_first_of("{}") == std::string_view::npos) {
    *main = std::string(Lookup(kUnitWords, main_unit));
  }
  if (slash != std::string_view::npos && slash + 1 < unit.size()) {
    std::string_view per_unit = TrimSpace(unit.substr(slash + 1));
    if (!per_unit.empty() && per_unit.find_first_of("{}") == std::string_view::npos) {
      std::string_view word = Lookup(kPerUnitWords, per_unit);
      if (!word.empty()) *per = "per_" + std::string(word);
    }
  }
}

bool OnlyUnderscores(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == '_'; });
}

void RemoveToken(std::vector<std::string_view>& tokens, std::string_view token) {
  tokens.erase(std::remove(tokens.begin(), tokens.end(), token), tokens.end());
}

bool Contains(const std::vector<std::string_view>& tokens, std::string_view token) {
  return std::find(tokens.begin(), tokens.end(), token) != tokens.end();
}

void AppendBase64(std::string_view bytes, std::string* out) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t n = static_cast<uint8_t>(bytes[i]) << 16 | static_cast<uint8_t>(bytes[i + 1]) << 8 |
                 static_cast<uint8_t>(bytes[i + 2]);
    *out += kAlphabet[n >> 18];
    *out += kAlphabet[(n >> 12) & 63];
    *out += kAlphabet[(n >> 6) & 63];
    *out += kAlphabet[n & 63];
  }
  size_t rest = bytes.size() - i;
  if (rest == 1) {
    uint32_t n = static_cast<uint8_t>(bytes[i]) << 16;
    *out += kAlphabet[n >> 18];
    *out += kAlphabet[(n >> 12) & 63];
    *out += "==";
  } else if (rest == 2) {
    uint32_t n = static_cast<uint8_t>(bytes[i]) << 16 | static_cast<uint8_t>(bytes[i + 1]) << 8;
    *out += kAlphabet[n >> 18];
    *out += kAlphabet[(n >> 12) & 63];
    *out += kAlphabet[(n >> 6) & 63];
    *out += '=';
  }
}

// Go encoding/json float formatting (what pcommon uses for doubles).
void AppendEs6Float(double v, std::string* out) {
  if (std::isnan(v) || std::isinf(v)) {
    // pcommon renders these as a JSON error text; keep it recognisable rather than invent one.
    *out += "json: unsupported value: ";
    *out += std::isnan(v) ? "NaN" : (v > 0 ? "+Inf" : "-Inf");
    return;
  }
  double a = std::fabs(v);
  char buf[400];
  std::to_chars_result r;
  if (a != 0 && (a < 1e-6 || a >= 1e21)) {
    r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
    size_t n = r.ptr - buf;
    // "1e-07" → "1e-7" like Go's clean-up.
    if (n >= 4 && buf[n - 4] == 'e' && buf[n - 3] == '-' && buf[n - 2] == '0') {
      buf[n - 2] = buf[n - 1];
      --r.ptr;
    }
  } else {
    r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
  }
  out->append(buf, r.ptr);
}

}  // namespace

MetricKind KindOf(const pdata::Metric& metric) {
  switch (metric.type) {
    case pdata::MetricType::kGauge:
      return MetricKind::kGauge;
    case pdata::MetricType::kSum:
      return metric.is_monotonic ? MetricKind::kMonotonicCounter : MetricKind::kNonMonotonicCounter;
    case pdata::MetricType::kHistogram:
      return MetricKind::kHistogram;
    case pdata::MetricType::kExponentialHistogram:
      return MetricKind::kExponentialHistogram;
    case pdata::MetricType::kSummary:
      return MetricKind::kSummary;
    case pdata::MetricType::kEmpty:
      break;
  }
  return MetricKind::kUnknown;
}

std::string BuildMetricName(std::string_view name, std::string_view unit, MetricKind kind) {
  // Tokens are runs of [a-zA-Z0-9:]; everything else (including "_") separates them, which also
  // collapses "__" runs as the spec requires.
  std::vector<std::string_view> tokens;
  size_t start = std::string_view::npos;
  for (size_t i = 0; i <= name.size(); ++i) {
    bool valid = i < name.size() && IsMetricChar(static_cast<unsigned char>(name[i]));
    if (valid && start == std::string_view::npos) start = i;
    if (!valid && start != std::string_view::npos) {
      tokens.push_back(name.substr(start, i - start));
      start = std::string_view::npos;
    }
  }

  std::string main_raw, per_raw;
  UnitSuffixes(unit, &main_raw, &per_raw);
  std::string main = CleanUpUnit(main_raw);
  std::string per = CleanUpUnit(per_raw);
  if (Contains(tokens, main)) main.clear();
  if (per == "per_") {
    per.clear();
  } else {
    if (!per.empty() && per.back() == '_') per.pop_back();
    if (Contains(tokens, per)) per.clear();
  }
  if (!per.empty() && !main.empty() && main.back() == '_') main.pop_back();
  if (!main.empty()) tokens.push_back(main);
  if (!per.empty()) tokens.push_back(per);

  if (kind == MetricKind::kMonotonicCounter) {
    RemoveToken(tokens, "total");
    tokens.push_back("total");
  }
  if (unit == "1" && kind == MetricKind::kGauge) {
    RemoveToken(tokens, "ratio");
    tokens.push_back("ratio");
  }

  std::string out;
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (i) out += '_';
    out += tokens[i];
  }
  if (!out.empty() && IsDigit(out[0])) out.insert(out.begin(), '_');
  if (out != name && OnlyUnderscores(out)) out.clear();
  return out;
}

std::string PrometheusUnit(std::string_view unit) {
  std::string main_raw, per_raw;
  UnitSuffixes(unit, &main_raw, &per_raw);
  std::string main = CleanUpUnit(main_raw);
  std::string per = CleanUpUnit(per_raw);
  std::string u;
  if (!main.empty() && !per.empty()) {
    u = main + "_" + per;
  } else if (!main.empty()) {
    u = main;
  } else {
    u = per;
  }
  if (!u.empty() && u.front() == '_') u.erase(0, 1);
  if (!u.empty() && u.back() == '_') u.pop_back();
  return u;
}

std::string UnitWordToUcum(std::string_view word) {
  if (word.empty()) return "";
  auto to_ucum = [](const auto& table, std::string_view w) {
    for (const auto& e : table)
      if (e.word == w && !w.empty()) return e.ucum;
    return w;
  };
  size_t per = word.find("_per_");
  std::string out(to_ucum(kUnitWords, word.substr(0, per)));
  if (per != std::string_view::npos && per + 5 < word.size())
    out += "/" + std::string(to_ucum(kPerUnitWords, word.substr(per + 5)));
  return out;
}

void AppendPromFloat(double v, std::string* out) {
  if (std::isnan(v)) {
    *out += "NaN";
    return;
  }
  if (std::isinf(v)) {
    *out += v > 0 ? "+Inf" : "-Inf";
    return;
  }
  char buf[400];  // fixed notation of DBL_MAX needs 309 digits
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
  out->append(buf, r.ptr);
}

std::string FormatPromFloat(double v) {
  std::string s;
  AppendPromFloat(v, &s);
  return s;
}

void AppendAttributeValueString(const pdata::AnyValue& v, std::string* out) {
  using T = pdata::AnyValue::Type;
  switch (v.type) {
    case T::kEmpty:
      return;
    case T::kString:
      *out += v.string_value;
      return;
    case T::kBool:
      *out += v.bool_value ? "true" : "false";
      return;
    case T::kInt: {
      char buf[24];
      auto r = std::to_chars(buf, buf + sizeof buf, v.int_value);
      out->append(buf, r.ptr);
      return;
    }
    case T::kDouble:
      AppendEs6Float(v.double_value, out);
      return;
    case T::kBytes:
      AppendBase64(v.string_value, out);
      return;
    case T::kArray:
    case T::kKvList:
      *out += v.ToString();
      return;
  }
}

}  // namespace promconv

std::string PrometheusMetricName(const pdata::Metric& metric) {
  return promconv::BuildMetricName(metric.name, metric.unit, promconv::KindOf(metric));
}

std::string PrometheusLabelName(std::string_view key) {
  if (key.empty()) return {};
  std::string out;
  out.reserve(key.size() + 4);
  for (unsigned char c : key) {
    if (c >= 0x80 && promconv::IsContinuation(c)) continue;  // one "_" per multi-byte rune
    out += promconv::IsLabelChar(c) ? static_cast<char>(c) : '_';
  }
  if (promconv::IsDigit(out[0])) {
    out.insert(0, "key_");
  } else if (out[0] == '_' && (out.size() < 2 || out[1] != '_')) {
    out.insert(0, "key");
  }
  if (out != key && promconv::OnlyUnderscores(out)) out.clear();
  return out;
}

}  // namespace otter::store
