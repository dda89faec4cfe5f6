#include "query/go_parse.h"

#include <cstdint>
#include <string>

#include "common/civil_date.h"

namespace otter::query {
namespace {

constexpr std::string_view kRfc3339Nano = "2006-01-02T15:04:05.999999999Z07:00";

int DaysIn(int month, int64_t year) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

}  // namespace

std::string GoQuote(std::string_view s) {
  static const char* kHex = "0123456789abcdef";
  std::string out = "\"";
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t len = Utf8SequenceLength(s, i);
    if (len > 1) {  // valid multi-byte UTF-8 passes through
      out.append(s.substr(i, len));
      i += len;
      continue;
    }
    ++i;
    switch (c) {
      case '"':
        out += "\\\"";
        continue;
      case '\\':
        out += "\\\\";
        continue;
      case '\n':
        out += "\\n";
        continue;
      case '\r':
        out += "\\r";
        continue;
      case '\t':
        out += "\\t";
        continue;
      default:
        break;
    }
    if (len == 0 || c < 0x20 || c == 0x7f) {  // control bytes and bytes that are not UTF-8
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  out += '"';
  return out;
}

size_t Utf8SequenceLength(std::string_view s, size_t i) {
  auto c = static_cast<unsigned char>(s[i]);
  size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
  if (len == 0 || i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k)
    if ((static_cast<unsigned char>(s[i + k]) >> 6) != 2) return 0;
  return len;
}

StatusOr<int64_t> ParseGoInt(std::string_view s, int bits) {
  std::string_view digits = s;
  bool neg = false;
  if (!digits.empty() && (digits[0] == '+' || digits[0] == '-')) {
    neg = digits[0] == '-';
    digits.remove_prefix(1);
  }
  auto syntax = [&] {
    return InvalidArgument("strconv.ParseInt: parsing " + GoQuote(s) + ": invalid syntax");
  };
  if (digits.empty()) return syntax();
  uint64_t v = 0;
  bool overflow = false;
  const uint64_t limit = uint64_t{1} << (bits - 1);  // |min| for this bit size
  for (char c : digits) {
    if (c < '0' || c > '9') return syntax();
    if (v > (limit - (c - '0')) / 10) overflow = true;
    if (!overflow) v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (overflow || (!neg && v > limit - 1)) {
    return InvalidArgument("strconv.ParseInt: parsing " + GoQuote(s) + ": value out of range");
  }
  return neg ? static_cast<int64_t>(0 - v) : static_cast<int64_t>(v);
}

StatusOr<int64_t> ParseGoDuration(std::string_view orig) {
  auto invalid = [&] { return InvalidArgument("time: invalid duration " + GoQuote(orig)); };
  std::string_view s = orig;
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return int64_t{0};
  if (s.empty()) return invalid();
  constexpr uint64_t kMax = uint64_t{1} << 63;
  uint64_t d = 0;
  while (!s.empty()) {
    if (!(s[0] == '.' || (s[0] >= '0' && s[0] <= '9'))) return invalid();
    uint64_t v = 0;
    size_t i = 0;
    for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
      if (v > (kMax - 1) / 10) return invalid();
      v = v * 10 + static_cast<uint64_t>(s[i] - '0');
      if (v > kMax) return invalid();
    }
    bool pre = i > 0;
    s.remove_prefix(i);
    uint64_t f = 0;
    double scale = 1;
    bool post = false;
    if (!s.empty() && s[0] == '.') {
      s.remove_prefix(1);
      size_t j = 0;
      bool overflow = false;
      for (; j < s.size() && s[j] >= '0' && s[j] <= '9'; ++j) {
        if (overflow) continue;
        if (f > (kMax - 1) / 10) {
          overflow = true;  // Go drops the remaining digits
          continue;
        }
        uint64_t y = f * 10 + static_cast<uint64_t>(s[j] - '0');
        if (y > kMax) {
          overflow = true;
          continue;
        }
        f = y;
        scale *= 10;
      }
      post = j > 0;
      s.remove_prefix(j);
    }
    if (!pre && !post) return invalid();
    size_t u = 0;
    while (u < s.size() && s[u] != '.' && !(s[u] >= '0' && s[u] <= '9')) ++u;
    if (u == 0) return InvalidArgument("time: missing unit in duration " + GoQuote(orig));
    std::string_view unit_name = s.substr(0, u);
    s.remove_prefix(u);
    uint64_t unit;
    if (unit_name == "ns") {
      unit = 1;
    } else if (unit_name == "us" || unit_name == "\xc2\xb5s" || unit_name == "\xce\xbcs") {
      unit = 1000;
    } else if (unit_name == "ms") {
      unit = 1000000;
    } else if (unit_name == "s") {
      unit = 1000000000;
    } else if (unit_name == "m") {
      unit = 60ull * 1000000000;
    } else if (unit_name == "h") {
      unit = 3600ull * 1000000000;
    } else {
      return InvalidArgument("time: unknown unit " + GoQuote(unit_name) + " in duration " +
                             GoQuote(orig));
    }
    if (v > kMax / unit) return invalid();
    v *= unit;
    if (f > 0) {
      v += static_cast<uint64_t>(static_cast<double>(f) * (static_cast<double>(unit) / scale));
      if (v > kMax) return invalid();
    }
    d += v;
    if (d > kMax) return invalid();
  }
  if (neg) return static_cast<int64_t>(0 - d);
  if (d > kMax - 1) return invalid();
  return static_cast<int64_t>(d);
}

StatusOr<int64_t> ParseGoRfc3339Nano(std::string_view value) {
  const std::string prefix =
      "parsing time " + GoQuote(value) + " as " + GoQuote(kRfc3339Nano) + ": cannot parse ";
  auto bad = [&](std::string_view rest, std::string_view elem) {
    return InvalidArgument(prefix + GoQuote(rest) + " as " + GoQuote(elem));
  };
  auto range = [&](std::string_view what) {
    return InvalidArgument("parsing time " + GoQuote(value) + ": " + std::string(what) +
                           " out of range");
  };
  std::string_view v = value;
  auto digit = [&](size_t i) { return i < v.size() && v[i] >= '0' && v[i] <= '9'; };
  // Go's getnum: one or two digits (exactly two when fixed).
  auto number = [&](bool fixed, int* out) {
    if (!digit(0)) return false;
    if (!digit(1)) {
      if (fixed) return false;
      *out = v[0] - '0';
      v.remove_prefix(1);
      return true;
    }
    *out = (v[0] - '0') * 10 + (v[1] - '0');
    v.remove_prefix(2);
    return true;
  };
  auto literal = [&](char c) {
    if (v.empty() || v[0] != c) return false;
    v.remove_prefix(1);
    return true;
  };
  if (v.size() < 4 || !digit(0) || !digit(1) || !digit(2) || !digit(3)) return bad(v, "2006");
  int64_t year = (v[0] - '0') * 1000 + (v[1] - '0') * 100 + (v[2] - '0') * 10 + (v[3] - '0');
  v.remove_prefix(4);
  int month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!literal('-')) return bad(v, "-");
  std::string_view hold = v;
  if (!number(true, &month)) return bad(hold, "01");
  if (month < 1 || month > 12) return range("month");
  if (!literal('-')) return bad(v, "-");
  hold = v;
  if (!number(true, &day)) return bad(hold, "02");
  if (!literal('T')) return bad(v, "T");
  hold = v;
  if (!number(false, &hour)) return bad(hold, "15");
  if (hour > 23) return range("hour");
  if (!literal(':')) return bad(v, ":");
  hold = v;
  if (!number(true, &minute)) return bad(hold, "04");
  if (minute > 59) return range("minute");
  if (!literal(':')) return bad(v, ":");
  hold = v;
  if (!number(true, &second)) return bad(hold, "05");
  if (second > 59) return range("second");
  int64_t nanos = 0;
  if (v.size() >= 2 && (v[0] == '.' || v[0] == ',') && digit(1)) {
    size_t i = 1;
    int64_t scale = 100000000;
    while (digit(i)) {
      nanos += (v[i] - '0') * scale;
      scale /= 10;
      ++i;
    }
    v.remove_prefix(i);
  }
  int64_t offset_s = 0;
  hold = v;
  if (!v.empty() && v[0] == 'Z') {
    v.remove_prefix(1);
  } else {
    if (v.size() < 6 || (v[0] != '+' && v[0] != '-') || v[3] != ':') return bad(hold, "Z07:00");
    std::string_view sign = v.substr(0, 1);
    v.remove_prefix(1);
    int hh = 0, mm = 0;
    if (!number(true, &hh) || !literal(':') || !number(true, &mm)) return bad(hold, "Z07:00");
    if (hh > 24 || mm > 59) return range("time zone offset");
    offset_s = (hh * 3600 + mm * 60) * (sign == "-" ? -1 : 1);
  }
  if (!v.empty()) {
    return InvalidArgument("parsing time " + GoQuote(value) + ": extra text: " + GoQuote(v));
  }
  if (day < 1 || day > DaysIn(month, year)) return range("day");
  int64_t secs =
      DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86400 +
      hour * 3600 + minute * 60 + second - offset_s;
  return secs * 1000000000 + nanos;
}

StatusOr<int64_t> ParseGoAtoi(std::string_view s) {
  auto n = ParseGoInt(s, 64);
  if (n.ok()) return n;
  std::string msg(n.status().message());
  constexpr std::string_view kFrom = "strconv.ParseInt";
  if (msg.compare(0, kFrom.size(), kFrom) == 0) msg.replace(0, kFrom.size(), "strconv.Atoi");
  return InvalidArgument(msg);
}

StatusOr<bool> ParseGoBool(std::string_view s) {
  if (s == "1" || s == "t" || s == "T" || s == "TRUE" || s == "true" || s == "True") return true;
  if (s == "0" || s == "f" || s == "F" || s == "FALSE" || s == "false" || s == "False")
    return false;
  return InvalidArgument("strconv.ParseBool: parsing " + GoQuote(s) + ": invalid syntax");
}

}  // namespace otter::query
