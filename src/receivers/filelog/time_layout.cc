#include "receivers/filelog/time_layout.h"

#include <absl/time/civil_time.h>
#include <absl/time/clock.h>

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstring>

namespace otter::filelog {
namespace {

constexpr const char* kMonths[] = {"January",   "February", "March",    "April",
                                   "May",       "June",     "July",     "August",
                                   "September", "October",  "November", "December"};
constexpr const char* kDays[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                 "Thursday", "Friday", "Saturday"};

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

// Index of the name (full, or its first 3 letters when abbr) at the start of *s; -1 if none.
int LookupName(std::string_view* s, const char* const* names, int n, bool abbr) {
  for (int i = 0; i < n; ++i) {
    std::string_view name = names[i];
    if (abbr) name = name.substr(0, 3);
    if (s->size() >= name.size() && IEquals(s->substr(0, name.size()), name)) {
      s->remove_prefix(name.size());
      return i;
    }
  }
  return -1;
}

bool IsDigit(std::string_view s, size_t i) { return i < s.size() && s[i] >= '0' && s[i] <= '9'; }

// Go's getnum: one or two digits (exactly two when fixed).
bool GetNum(std::string_view* s, bool fixed, int* out) {
  if (!IsDigit(*s, 0)) return false;
  if (!IsDigit(*s, 1)) {
    if (fixed) return false;
    *out = (*s)[0] - '0';
    s->remove_prefix(1);
    return true;
  }
  *out = ((*s)[0] - '0') * 10 + ((*s)[1] - '0');
  s->remove_prefix(2);
  return true;
}

bool GetDigits(std::string_view* s, size_t n, int* out) {
  if (s->size() < n) return false;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!IsDigit(*s, i)) return false;
    v = v * 10 + ((*s)[i] - '0');
  }
  *out = v;
  s->remove_prefix(n);
  return true;
}

// An optional fraction of a second: '.' or ',' then digits (nanosecond precision).
void ParseFraction(std::string_view* s, int64_t* nanos) {
  if (s->size() < 2 || ((*s)[0] != '.' && (*s)[0] != ',') || !IsDigit(*s, 1)) return;
  s->remove_prefix(1);
  int digits = 0;
  *nanos = 0;
  while (IsDigit(*s, 0)) {
    if (digits < 9) *nanos = *nanos * 10 + ((*s)[0] - '0'), ++digits;
    s->remove_prefix(1);
  }
  while (digits++ < 9) *nanos *= 10;
}

}  // namespace

struct TimeLayout::Fields {
  int year = 0, month = 1, day = 1, yday = 0, hour = 0, minute = 0, second = 0;
  int64_t nanos = 0;
  int pm = -1;  // -1 unknown, 0 am, 1 pm
  bool has_offset = false;
  int offset_s = 0;
  std::string_view zone;
};

Status TimeLayout::CompileStrptime(std::string_view layout, std::vector<Item>* items) {
  for (char c : layout)
    if (c >= '0' && c <= '9')
      return InvalidArgument("format string should not contain decimals: \"" + std::string(layout) +
                             "\"");
  std::string lit;
  auto flush = [&] {
    if (!lit.empty()) items->push_back({Tok::kLiteral, false, std::move(lit)});
    lit.clear();
  };
  auto add = [&](Tok t, bool z = false) {
    flush();
    items->push_back({t, z, {}});
  };
  for (size_t i = 0; i < layout.size(); ++i) {
    if (layout[i] != '%') {
      lit.push_back(layout[i]);
      continue;
    }
    if (i + 1 >= layout.size()) return InvalidArgument("layout ends with a lone %");
    char d = layout[++i];
    switch (d) {
      case 'Y':
        add(Tok::kYear4);
        break;
      case 'y':
        add(Tok::kYear2);
        break;
      case 'm':
        add(Tok::kMonth2);
        break;
      case 'o':
        add(Tok::kMonthSpace);
        break;
      case 'q':
        add(Tok::kMonth);
        break;
      case 'b':
      case 'h':
        add(Tok::kMonthAbbr);
        break;
      case 'B':
        add(Tok::kMonthName);
        break;
      case 'd':
        add(Tok::kDay2);
        break;
      case 'e':
        add(Tok::kDaySpace);
        break;
      case 'g':
        add(Tok::kDay);
        break;
      case 'a':
        add(Tok::kWeekdayAbbr);
        break;
      case 'A':
        add(Tok::kWeekdayName);
        break;
      case 'H':
        add(Tok::kHour24);
        break;
      case 'I':
        add(Tok::kHour12Zero);
        break;
      case 'l':
        add(Tok::kHour12);
        break;
      case 'p':
        add(Tok::kAmPmUpper);
        break;
      case 'P':
        add(Tok::kAmPmLower);
        break;
      case 'M':
        add(Tok::kMinute2);
        break;
      case 'S':
        add(Tok::kSecond2);
        break;
      case 'L':
      case 'f':
      case 's':
        // Go's ".999": the separator before it belongs to the (optional) fraction.
        if (!lit.empty() && (lit.back() == '.' || lit.back() == ',')) lit.pop_back();
        add(Tok::kFraction);
        break;
      case 'Z':
        add(Tok::kZoneName);
        break;
      case 'z':
        add(Tok::kOffsetHHMM, true);
        break;
      case 'w':
        add(Tok::kOffsetHHMMSS);
        break;
      case 'i':
        add(Tok::kOffsetHH);
        break;
      case 'j':
        add(Tok::kOffsetHH_MM);
        break;
      case 'k':
        add(Tok::kOffsetHH_MM_SS);
        break;
      case 'D':
      case 'x':
        add(Tok::kMonth2), lit = "/", add(Tok::kDay2), lit = "/", add(Tok::kYear4);
        break;
      case 'F':
        add(Tok::kYear4), lit = "-", add(Tok::kMonth2), lit = "-", add(Tok::kDay2);
        break;
      case 'T':
      case 'X':
        add(Tok::kHour24), lit = ":", add(Tok::kMinute2), lit = ":", add(Tok::kSecond2);
        break;
      case 'r':
        add(Tok::kHour12Zero), lit = ":", add(Tok::kMinute2), lit = ":", add(Tok::kSecond2);
        lit = " ", add(Tok::kAmPmLower);
        break;
      case 'R':
        add(Tok::kHour24), lit = ":", add(Tok::kMinute2);
        break;
      case 'c':
        add(Tok::kWeekdayAbbr), lit = " ", add(Tok::kMonthAbbr), lit = " ", add(Tok::kDay2);
        lit = " ", add(Tok::kHour24), lit = ":", add(Tok::kMinute2), lit = ":";
        add(Tok::kSecond2), lit = " ", add(Tok::kYear4);
        break;
      case 'n':
        lit.push_back('\n');
        break;
      case 't':
        lit.push_back('\t');
        break;
      case '%':
        lit.push_back('%');
        break;
      default:
        return InvalidArgument("unsupported strptime directive: %" + std::string(1, d));
    }
  }
  flush();
  return Status::Ok();
}

Status TimeLayout::CompileGo(std::string_view layout, std::vector<Item>* items) {
  struct Chunk {
    std::string_view text;
    Tok tok;
    bool z;
  };
  // Longest first where one is a prefix of another.
  static const Chunk kChunks[] = {
      {"January", Tok::kMonthName, false},
      {"Jan", Tok::kMonthAbbr, false},
      {"Monday", Tok::kWeekdayName, false},
      {"Mon", Tok::kWeekdayAbbr, false},
      {"MST", Tok::kZoneName, false},
      {"2006", Tok::kYear4, false},
      {"002", Tok::kDayOfYear, false},
      {"01", Tok::kMonth2, false},
      {"02", Tok::kDay2, false},
      {"03", Tok::kHour12Zero, false},
      {"04", Tok::kMinute2, false},
      {"05", Tok::kSecond2, false},
      {"06", Tok::kYear2, false},
      {"15", Tok::kHour24, false},
      {"__2", Tok::kDaySpace, false},
      {"_2", Tok::kDaySpace, false},
      {"1", Tok::kMonth, false},
      {"2", Tok::kDay, false},
      {"3", Tok::kHour12, false},
      {"4", Tok::kMinute, false},
      {"5", Tok::kSecond, false},
      {"PM", Tok::kAmPmUpper, false},
      {"pm", Tok::kAmPmLower, false},
      {"Z07:00:00", Tok::kOffsetHH_MM_SS, true},
      {"-07:00:00", Tok::kOffsetHH_MM_SS, false},
      {"Z070000", Tok::kOffsetHHMMSS, true},
      {"-070000", Tok::kOffsetHHMMSS, false},
      {"Z07:00", Tok::kOffsetHH_MM, true},
      {"-07:00", Tok::kOffsetHH_MM, false},
      {"Z0700", Tok::kOffsetHHMM, true},
      {"-0700", Tok::kOffsetHHMM, false},
      {"Z07", Tok::kOffsetHH, true},
      {"-07", Tok::kOffsetHH, false},
  };
  std::string lit;
  size_t i = 0;
  while (i < layout.size()) {
    std::string_view rest = layout.substr(i);
    // Fractional seconds: .000 / .999 / ,000 (any length).
    if ((rest[0] == '.' || rest[0] == ',') && rest.size() > 1 &&
        (rest[1] == '0' || rest[1] == '9')) {
      size_t j = 1;
      while (j < rest.size() && rest[j] == rest[1]) ++j;
      if (j == rest.size() || !std::isdigit(static_cast<unsigned char>(rest[j]))) {
        if (!lit.empty()) items->push_back({Tok::kLiteral, false, std::move(lit)});
        lit.clear();
        items->push_back({Tok::kFraction, false, {}});
        i += j;
        continue;
      }
    }
    bool matched = false;
    for (const Chunk& c : kChunks) {
      if (rest.starts_with(c.text)) {
        if (!lit.empty()) items->push_back({Tok::kLiteral, false, std::move(lit)});
        lit.clear();
        items->push_back({c.tok, c.z, {}});
        i += c.text.size();
        matched = true;
        break;
      }
    }
    if (!matched) lit.push_back(layout[i++]);
  }
  if (!lit.empty()) items->push_back({Tok::kLiteral, false, std::move(lit)});
  return Status::Ok();
}

StatusOr<TimeLayout> TimeLayout::Compile(Type type, std::string_view layout) {
  TimeLayout t;
  t.type_ = type;
  if (layout.empty()) return InvalidArgument("missing required configuration parameter `layout`");
  if (type == Type::kEpoch) {
    static const char* kEpoch[] = {"s", "ms", "us", "ns", "s.ms", "s.us", "s.ns"};
    for (const char* e : kEpoch)
      if (layout == e) t.epoch_ = e;
    if (t.epoch_.empty())
      return InvalidArgument("invalid epoch layout \"" + std::string(layout) +
                             "\" (one of s, ms, us, ns, s.ms, s.us, s.ns)");
    return t;
  }
  RETURN_IF_ERROR(type == Type::kStrptime ? CompileStrptime(layout, &t.items_)
                                          : CompileGo(layout, &t.items_));
  for (const auto& it : t.items_)
    if (it.tok == Tok::kYear4 || it.tok == Tok::kYear2 || it.tok == Tok::kDayOfYear)
      t.has_year_ = true;
  return t;
}

StatusOr<int64_t> TimeLayout::Parse(
    const pdata::AnyValue& value, const absl::TimeZone& location,
    const std::map<std::string, absl::TimeZone, std::less<>>& zones) const {
  if (type_ == Type::kEpoch) return ParseEpoch(value);
  if (value.type != pdata::AnyValue::Type::kString)
    return InvalidArgument("type " +
                           std::string(value.type == pdata::AnyValue::Type::kInt ? "int64"
                                       : value.type == pdata::AnyValue::Type::kDouble
                                           ? "float64"
                                           : "non-string") +
                           " cannot be parsed as a time");
  return ParseText(value.string_value, location, zones);
}

StatusOr<int64_t> TimeLayout::ParseEpoch(const pdata::AnyValue& value) const {
  const std::string& l = epoch_;
  auto scale = [&](std::string_view unit) -> int64_t {
    return unit == "s" ? 1'000'000'000 : unit == "ms" ? 1'000'000 : unit == "us" ? 1000 : 1;
  };
  if (value.type == pdata::AnyValue::Type::kInt) {
    int64_t v = value.int_value;
    if (l.starts_with("s.")) return v * 1'000'000'000;  // an int is whole seconds
    return v * scale(l);
  }
  if (value.type == pdata::AnyValue::Type::kDouble) {
    double v = value.double_value;
    if (l.starts_with("s.")) return static_cast<int64_t>(std::llround(v * 1e9));
    return static_cast<int64_t>(std::llround(v * static_cast<double>(scale(l))));
  }
  if (value.type != pdata::AnyValue::Type::kString)
    return InvalidArgument("type cannot be parsed as an epoch time");
  std::string_view s = value.string_value;
  auto bad = [&] {
    return InvalidArgument("invalid value '" + std::string(s) + "' for layout '" + l + "'");
  };
  if (!l.starts_with("s.")) {
    int64_t v = 0;
    auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    if (r.ec != std::errc() || r.ptr != s.data() + s.size()) return bad();
    return v * scale(l);
  }
  size_t dot = s.find('.');
  std::string_view whole = s.substr(0, dot),
                   frac = dot == std::string_view::npos ? "" : s.substr(dot + 1);
  int64_t sec = 0;
  auto r = std::from_chars(whole.data(), whole.data() + whole.size(), sec);
  if (r.ec != std::errc() || r.ptr != whole.data() + whole.size()) return bad();
  int64_t nanos = 0;
  int digits = 0;
  for (char c : frac) {
    if (c < '0' || c > '9') return bad();
    if (digits < 9) nanos = nanos * 10 + (c - '0'), ++digits;
  }
  while (digits++ < 9) nanos *= 10;
  return sec * 1'000'000'000 + (sec < 0 ? -nanos : nanos);
}

StatusOr<int64_t> TimeLayout::ParseText(
    std::string_view s, const absl::TimeZone& location,
    const std::map<std::string, absl::TimeZone, std::less<>>& zones) const {
  const std::string_view original = s;
  auto bad = [&](const char* what) {
    return InvalidArgument("parsing time \"" + std::string(original) + "\": " + what);
  };
  Fields f;
  for (size_t idx = 0; idx < items_.size(); ++idx) {
    const Item& it = items_[idx];
    switch (it.tok) {
      case Tok::kLiteral: {
        std::string_view lit = it.literal;
        // A run of spaces in the layout matches a run of one or more spaces in the value.
        while (!lit.empty()) {
          if (lit[0] == ' ') {
            if (!s.empty() && s[0] != ' ') return bad("literal mismatch");
            while (!lit.empty() && lit[0] == ' ') lit.remove_prefix(1);
            while (!s.empty() && s[0] == ' ') s.remove_prefix(1);
            continue;
          }
          if (s.empty() || s[0] != lit[0]) return bad("literal mismatch");
          s.remove_prefix(1);
          lit.remove_prefix(1);
        }
        break;
      }
      case Tok::kYear4:
        if (!GetDigits(&s, 4, &f.year)) return bad("bad year");
        break;
      case Tok::kYear2: {
        int y;
        if (!GetDigits(&s, 2, &y)) return bad("bad year");
        f.year = y >= 69 ? 1900 + y : 2000 + y;
        break;
      }
      case Tok::kMonth2:
      case Tok::kMonth:
      case Tok::kMonthSpace:
        if (it.tok == Tok::kMonthSpace && !s.empty() && s[0] == ' ') s.remove_prefix(1);
        if (!GetNum(&s, it.tok == Tok::kMonth2, &f.month) || f.month < 1 || f.month > 12)
          return bad("month out of range");
        break;
      case Tok::kMonthAbbr:
      case Tok::kMonthName: {
        int m = LookupName(&s, kMonths, 12, it.tok == Tok::kMonthAbbr);
        if (m < 0) return bad("bad month name");
        f.month = m + 1;
        break;
      }
      case Tok::kWeekdayAbbr:
      case Tok::kWeekdayName:
        if (LookupName(&s, kDays, 7, it.tok == Tok::kWeekdayAbbr) < 0) return bad("bad weekday");
        break;
      case Tok::kDay2:
      case Tok::kDay:
      case Tok::kDaySpace:
        if (it.tok == Tok::kDaySpace && !s.empty() && s[0] == ' ') s.remove_prefix(1);
        if (!GetNum(&s, it.tok == Tok::kDay2, &f.day)) return bad("bad day");
        break;
      case Tok::kDayOfYear:
        if (!GetDigits(&s, 3, &f.yday) || f.yday < 1 || f.yday > 366) return bad("bad day of year");
        break;
      case Tok::kHour24:
        if (!GetNum(&s, false, &f.hour) || f.hour > 23) return bad("hour out of range");
        break;
      case Tok::kHour12Zero:
      case Tok::kHour12:
        if (!GetNum(&s, it.tok == Tok::kHour12Zero, &f.hour) || f.hour > 12)
          return bad("hour out of range");
        break;
      case Tok::kAmPmUpper:
      case Tok::kAmPmLower: {
        if (s.size() < 2) return bad("bad AM/PM");
        std::string_view p = s.substr(0, 2);
        bool upper = it.tok == Tok::kAmPmUpper;
        if (p == (upper ? "AM" : "am"))
          f.pm = 0;
        else if (p == (upper ? "PM" : "pm"))
          f.pm = 1;
        else
          return bad("bad AM/PM");
        s.remove_prefix(2);
        break;
      }
      case Tok::kMinute2:
      case Tok::kMinute:
        if (!GetNum(&s, it.tok == Tok::kMinute2, &f.minute) || f.minute > 59)
          return bad("minute out of range");
        break;
      case Tok::kSecond2:
      case Tok::kSecond: {
        if (!GetNum(&s, it.tok == Tok::kSecond2, &f.second) || f.second > 59)
          return bad("second out of range");
        // Go: a fraction may follow the seconds even when the layout has none.
        bool next_is_fraction = idx + 1 < items_.size() && items_[idx + 1].tok == Tok::kFraction;
        if (!next_is_fraction) ParseFraction(&s, &f.nanos);
        break;
      }
      case Tok::kFraction:
        ParseFraction(&s, &f.nanos);  // optional
        break;
      case Tok::kZoneName: {
        size_t n = 0;
        while (n < s.size() && std::isupper(static_cast<unsigned char>(s[n]))) ++n;
        if (n < 3) return bad("bad time zone name");
        f.zone = s.substr(0, n);
        s.remove_prefix(n);
        break;
      }
      case Tok::kOffsetHHMM:
      case Tok::kOffsetHH:
      case Tok::kOffsetHH_MM:
      case Tok::kOffsetHH_MM_SS:
      case Tok::kOffsetHHMMSS: {
        if (!s.empty() && s[0] == 'Z' && it.z_ok) {
          s.remove_prefix(1);
          f.has_offset = true;
          f.offset_s = 0;
          break;
        }
        if (s.empty() || (s[0] != '+' && s[0] != '-')) return bad("bad zone offset");
        int sign = s[0] == '-' ? -1 : 1;
        s.remove_prefix(1);
        int hh = 0, mm = 0, ss = 0;
        if (!GetDigits(&s, 2, &hh)) return bad("bad zone offset");
        bool colon = it.tok == Tok::kOffsetHH_MM || it.tok == Tok::kOffsetHH_MM_SS;
        if (it.tok != Tok::kOffsetHH) {
          if (colon && (s.empty() || s[0] != ':')) return bad("bad zone offset");
          if (colon) s.remove_prefix(1);
          if (!GetDigits(&s, 2, &mm)) return bad("bad zone offset");
        }
        if (it.tok == Tok::kOffsetHH_MM_SS || it.tok == Tok::kOffsetHHMMSS) {
          if (colon && (s.empty() || s[0] != ':')) return bad("bad zone offset");
          if (colon) s.remove_prefix(1);
          if (!GetDigits(&s, 2, &ss)) return bad("bad zone offset");
        }
        f.has_offset = true;
        f.offset_s = sign * (hh * 3600 + mm * 60 + ss);
        break;
      }
    }
  }
  if (!s.empty()) return bad(("extra text: \"" + std::string(s) + "\"").c_str());
  if (f.pm == 1 && f.hour < 12) f.hour += 12;
  if (f.pm == 0 && f.hour == 12) f.hour = 0;

  const absl::TimeZone* zone = &location;
  bool unknown_zone = false;
  absl::TimeZone utc = absl::UTCTimeZone();
  if (!f.zone.empty()) {
    auto it = zones.find(f.zone);
    if (it != zones.end())
      zone = &it->second;
    else if (f.zone == "UTC" || f.zone == "GMT")
      zone = &utc;
    else
      unknown_zone = true;
  }
  if (!has_year_) f.year = static_cast<int>(absl::ToCivilYear(absl::Now(), *zone).year());
  absl::CivilSecond cs;
  if (f.yday > 0) {
    absl::CivilDay d = absl::CivilDay(f.year, 1, 1) + (f.yday - 1);
    cs = absl::CivilSecond(d.year(), d.month(), d.day(), f.hour, f.minute, f.second);
  } else {
    cs = absl::CivilSecond(f.year, f.month, f.day, f.hour, f.minute, f.second);
    if (cs.day() != f.day || cs.month() != f.month) return bad("day out of range");
  }
  absl::Time t;
  if (f.has_offset)
    t = absl::FromCivil(cs, utc) - absl::Seconds(f.offset_s);
  else
    t = absl::FromCivil(cs, *zone);
  // Go: an abbreviation the location does not use at that time means a zero offset.
  if (!f.has_offset && unknown_zone && zone->At(t).zone_abbr != f.zone)
    t = absl::FromCivil(cs, utc);
  return absl::ToUnixNanos(t) + f.nanos;
}

}  // namespace otter::filelog
