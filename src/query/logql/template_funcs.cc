#include "query/logql/template_funcs.h"

#include <fmt/format.h>
#include <re2/re2.h>

#include <algorithm>
#include <cstdlib>
#include <set>

#include "query/go_regex.h"

namespace otter::query::logql {

namespace {

const std::set<std::string_view>& Names() {
  static const std::set<std::string_view> kNames = {"TrimLeft",
                                                    "TrimRight",
                                                    "regexReplaceAll",
                                                    "regexReplaceAllLiteral",
                                                    "count",
                                                    "urlencode",
                                                    "urldecode",
                                                    "alignLeft",
                                                    "alignRight",
                                                    "b64enc",
                                                    "b64dec",
                                                    "substr",
                                                    "contains",
                                                    "hasPrefix",
                                                    "hasSuffix",
                                                    "trimAll",
                                                    "indent",
                                                    "nindent",
                                                    "int",
                                                    "add",
                                                    "sub",
                                                    "mul",
                                                    "div",
                                                    "mod",
                                                    "max",
                                                    "min"};
  return kNames;
}

// sprig's toInt64 for a string: strconv.ParseInt, else a float truncated, else 0.
int64_t ToInt(const std::string& s) {
  char* end = nullptr;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (!s.empty() && end == s.c_str() + s.size()) return v;
  double d = std::strtod(s.c_str(), &end);
  if (!s.empty() && end == s.c_str() + s.size()) return static_cast<int64_t>(d);
  return 0;
}

StatusOr<std::shared_ptr<RE2>> Compile(const std::string& pattern) {
  RE2::Options opts;
  opts.set_log_errors(false);
  auto re = std::make_shared<RE2>(pattern, opts);
  if (!re->ok()) return InvalidArgument(GoRegexError(*re));
  return re;
}

// Go's regexp ReplaceAllString (with $ expansion) / ReplaceAllLiteralString.
StatusOr<std::string> RegexReplace(const std::string& pattern, const std::string& s,
                                   const std::string& repl, bool expand) {
  ASSIGN_OR_RETURN(auto re, Compile(pattern));
  std::vector<re2::StringPiece> groups(static_cast<size_t>(re->NumberOfCapturingGroups()) + 1);
  std::string out;
  size_t pos = 0, last_match_end = std::string::npos;
  while (pos <= s.size()) {
    if (!re->Match(s, pos, s.size(), RE2::UNANCHORED, groups.data(),
                   static_cast<int>(groups.size())))
      break;
    size_t start = static_cast<size_t>(groups[0].data() - s.data());
    size_t end = start + groups[0].size();
    // Go skips an empty match right after the previous match.
    if (!(groups[0].empty() && start == last_match_end)) {
      out.append(s, pos, start - pos);
      out += expand ? ExpandTemplate(repl, *re, groups) : repl;
    } else {
      out.append(s, pos, start - pos);
    }
    last_match_end = end;
    if (end == start) {
      if (start < s.size()) out += s[start];
      pos = start + 1;
    } else {
      pos = end;
    }
  }
  if (pos < s.size()) out.append(s, pos);
  return out;
}

std::string UrlEncode(std::string_view s) {  // Go's url.QueryEscape
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else if (c == ' ') {
      out += '+';
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

StatusOr<std::string> UrlDecode(std::string_view s) {  // Go's url.QueryUnescape
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%') {
      auto hex = [](char c) {
        return std::isdigit(static_cast<unsigned char>(c)) ? c - '0'
               : (c >= 'a' && c <= 'f')                    ? c - 'a' + 10
               : (c >= 'A' && c <= 'F')                    ? c - 'A' + 10
                                                           : -1;
      };
      if (i + 2 >= s.size() || hex(s[i + 1]) < 0 || hex(s[i + 2]) < 0) {
        std::string_view bad = s.substr(i, std::min<size_t>(3, s.size() - i));
        return InvalidArgument(fmt::format("invalid URL escape \"{}\"", bad));
      }
      out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

constexpr std::string_view kB64 =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string B64Encode(std::string_view s) {
  std::string out;
  size_t i = 0;
  for (; i + 2 < s.size(); i += 3) {
    uint32_t v = (static_cast<unsigned char>(s[i]) << 16) |
                 (static_cast<unsigned char>(s[i + 1]) << 8) | static_cast<unsigned char>(s[i + 2]);
    for (int k = 18; k >= 0; k -= 6) out += kB64[(v >> k) & 63];
  }
  if (i < s.size()) {
    uint32_t v = static_cast<unsigned char>(s[i]) << 16;
    if (i + 1 < s.size()) v |= static_cast<unsigned char>(s[i + 1]) << 8;
    out += kB64[(v >> 18) & 63];
    out += kB64[(v >> 12) & 63];
    out += i + 1 < s.size() ? kB64[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

// Loki's b64dec: pads the input; an invalid input renders Go's error text.
std::string B64Decode(std::string v) {
  size_t rem = v.size() % 4;
  if (rem != 0 && rem != 1) v.append(4 - rem, '=');
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    char c = v[i];
    if (c == '=') {
      bool tail_ok = v.size() % 4 == 0 && i >= v.size() - 2;
      for (size_t j = i; j < v.size(); ++j) tail_ok = tail_ok && v[j] == '=';
      if (!tail_ok) return fmt::format("illegal base64 data at input byte {}", i);
      break;
    }
    size_t d = kB64.find(c);
    if (d == std::string_view::npos) return fmt::format("illegal base64 data at input byte {}", i);
    acc = (acc << 6) | static_cast<uint32_t>(d);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  if (v.size() % 4 != 0) return fmt::format("illegal base64 data at input byte {}", v.size());
  return out;
}

std::string Indent(int64_t n, std::string_view s) {
  std::string pad(static_cast<size_t>(std::max<int64_t>(n, 0)), ' ');
  std::string out = pad;
  for (char c : s) {
    out += c;
    if (c == '\n') out += pad;
  }
  return out;
}

// Unicode-unaware rune count is enough for ASCII; multi-byte characters count per code point.
size_t RuneCount(std::string_view s) {
  return static_cast<size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// The byte offset of rune `n` of `s` (s.size() past the end).
size_t RuneOffset(std::string_view s, size_t n) {
  size_t runes = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) continue;
    if (runes++ == n) return i;
  }
  return s.size();
}

}  // namespace

bool IsMoreFunc(std::string_view name) { return Names().count(name) > 0; }

StatusOr<std::string> CallMoreFunc(const std::string& name, const std::vector<std::string>& a) {
  auto want = [&](size_t n) -> Status {
    if (a.size() != n)
      return InvalidArgument(
          fmt::format("wrong number of args for {}: want {} got {}", name, n, a.size()));
    return Status::Ok();
  };
  auto boolean = [](bool b) { return std::string(b ? "true" : "false"); };
  if (name == "TrimLeft" || name == "TrimRight") {  // (s, cutset)
    RETURN_IF_ERROR(want(2));
    std::string_view v = a[0];
    if (name == "TrimLeft") {
      size_t b = v.find_first_not_of(a[1]);
      return b == std::string_view::npos ? "" : std::string(v.substr(b));
    }
    size_t e = v.find_last_not_of(a[1]);
    return e == std::string_view::npos ? "" : std::string(v.substr(0, e + 1));
  }
  if (name == "trimAll") {  // (cutset, s)
    RETURN_IF_ERROR(want(2));
    std::string_view v = a[1];
    size_t b = v.find_first_not_of(a[0]);
    if (b == std::string_view::npos) return std::string();
    size_t e = v.find_last_not_of(a[0]);
    return std::string(v.substr(b, e - b + 1));
  }
  if (name == "regexReplaceAll" || name == "regexReplaceAllLiteral") {  // (regex, s, repl)
    RETURN_IF_ERROR(want(3));
    return RegexReplace(a[0], a[1], a[2], name == "regexReplaceAll");
  }
  if (name == "count") {  // (regex, s)
    RETURN_IF_ERROR(want(2));
    ASSIGN_OR_RETURN(auto re, Compile(a[0]));
    size_t n = 0, pos = 0;
    re2::StringPiece m;
    size_t last_end = std::string::npos;
    while (pos <= a[1].size() && re->Match(a[1], pos, a[1].size(), RE2::UNANCHORED, &m, 1)) {
      size_t start = static_cast<size_t>(m.data() - a[1].data());
      if (!(m.empty() && start == last_end)) ++n;
      last_end = start + m.size();
      pos = m.empty() ? start + 1 : last_end;
    }
    return std::to_string(n);
  }
  if (name == "urlencode") {
    RETURN_IF_ERROR(want(1));
    return UrlEncode(a[0]);
  }
  if (name == "urldecode") {
    RETURN_IF_ERROR(want(1));
    return UrlDecode(a[0]);
  }
  if (name == "b64enc") {
    RETURN_IF_ERROR(want(1));
    return B64Encode(a[0]);
  }
  if (name == "b64dec") {
    RETURN_IF_ERROR(want(1));
    return B64Decode(a[0]);
  }
  if (name == "alignLeft" || name == "alignRight") {  // (count, src)
    RETURN_IF_ERROR(want(2));
    int64_t n = ToInt(a[0]);
    const std::string& src = a[1];
    size_t len = RuneCount(src);
    if (n < 0 || static_cast<size_t>(n) == len) return src;
    size_t count = static_cast<size_t>(n);
    if (count > len) {
      std::string pad(count - len, ' ');
      return name == "alignLeft" ? src + pad : pad + src;
    }
    return name == "alignLeft" ? src.substr(0, RuneOffset(src, count))
                               : src.substr(RuneOffset(src, len - count));
  }
  if (name == "substr") {  // sprig: (start, end, s), byte offsets
    RETURN_IF_ERROR(want(3));
    int64_t start = ToInt(a[0]), end = ToInt(a[1]);
    const std::string& s = a[2];
    const int64_t size = static_cast<int64_t>(s.size());
    if (start < 0) return s.substr(0, static_cast<size_t>(std::clamp<int64_t>(end, 0, size)));
    if (end < 0 || end > size) return start > size ? "" : s.substr(static_cast<size_t>(start));
    if (start > end) return std::string();
    return s.substr(static_cast<size_t>(start), static_cast<size_t>(end - start));
  }
  if (name == "contains" || name == "hasPrefix" || name == "hasSuffix") {  // (needle, s)
    RETURN_IF_ERROR(want(2));
    std::string_view s = a[1], n = a[0];
    if (name == "contains") return boolean(s.find(n) != std::string_view::npos);
    if (name == "hasPrefix") return boolean(s.substr(0, n.size()) == n);
    return boolean(s.size() >= n.size() && s.substr(s.size() - n.size()) == n);
  }
  if (name == "indent" || name == "nindent") {  // (n, s)
    RETURN_IF_ERROR(want(2));
    std::string out = Indent(ToInt(a[0]), a[1]);
    return name == "nindent" ? "\n" + out : out;
  }
  if (name == "int") {
    RETURN_IF_ERROR(want(1));
    return std::to_string(ToInt(a[0]));
  }
  // Integer arithmetic (sprig): add/mul/max/min take any number of arguments.
  if (a.empty()) return InvalidArgument(fmt::format("wrong number of args for {}", name));
  if (name == "sub" || name == "div" || name == "mod") {
    RETURN_IF_ERROR(want(2));
    int64_t x = ToInt(a[0]), y = ToInt(a[1]);
    if (name == "sub") return std::to_string(x - y);
    if (y == 0) return InvalidArgument("runtime error: integer divide by zero");
    return std::to_string(name == "div" ? x / y : x % y);
  }
  int64_t acc = ToInt(a[0]);
  for (size_t i = 1; i < a.size(); ++i) {
    int64_t v = ToInt(a[i]);
    if (name == "add") acc += v;
    if (name == "mul") acc *= v;
    if (name == "max") acc = std::max(acc, v);
    if (name == "min") acc = std::min(acc, v);
  }
  return std::to_string(acc);
}

}  // namespace otter::query::logql
