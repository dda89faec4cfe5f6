#include "query/go_regex.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>

namespace otter::query {

std::string ExpandTemplate(std::string_view tmpl, const RE2& re,
                           const std::vector<re2::StringPiece>& groups) {
  std::string out;
  const auto& named = re.NamedCapturingGroups();
  auto is_name_char = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  };
  for (size_t i = 0; i < tmpl.size(); ++i) {
    if (tmpl[i] != '$' || i + 1 >= tmpl.size()) {
      out += tmpl[i];
      continue;
    }
    if (tmpl[i + 1] == '$') {
      out += '$';
      ++i;
      continue;
    }
    std::string_view name;
    size_t next;
    if (tmpl[i + 1] == '{') {
      size_t close = tmpl.find('}', i + 2);
      if (close == std::string_view::npos) {
        out += tmpl[i];
        continue;
      }
      name = tmpl.substr(i + 2, close - i - 2);
      bool ok = !name.empty();
      for (char c : name) ok = ok && is_name_char(c);
      if (!ok) {
        out += tmpl[i];
        continue;
      }
      next = close + 1;
    } else {
      size_t j = i + 1;
      while (j < tmpl.size() && is_name_char(tmpl[j])) ++j;
      if (j == i + 1) {
        out += tmpl[i];
        continue;
      }
      name = tmpl.substr(i + 1, j - i - 1);
      next = j;
    }
    bool numeric =
        std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; });
    int idx = -1;
    if (numeric) {
      idx = name.size() < 6 ? std::atoi(std::string(name).c_str()) : -1;
    } else {
      auto it = named.find(std::string(name));
      if (it != named.end()) idx = it->second;
    }
    if (idx >= 0 && static_cast<size_t>(idx) < groups.size() && groups[idx].data() != nullptr)
      out.append(groups[idx].data(), groups[idx].size());
    i = next - 1;
  }
  return out;
}

std::string GoRegexError(const RE2& re) {
  std::string_view code;
  switch (re.error_code()) {
    case RE2::ErrorBadEscape:
      code = "invalid escape sequence";
      break;
    case RE2::ErrorBadCharClass:
      code = "invalid character class";
      break;
    case RE2::ErrorBadCharRange:
      code = "invalid character class range";
      break;
    case RE2::ErrorMissingBracket:
      code = "missing closing ]";
      break;
    case RE2::ErrorMissingParen:
      code = "missing closing )";
      break;
    case RE2::ErrorUnexpectedParen:
      code = "unexpected )";
      break;
    case RE2::ErrorTrailingBackslash:
      code = "trailing backslash at end of expression";
      break;
    case RE2::ErrorRepeatArgument:
      code = "missing argument to repetition operator";
      break;
    case RE2::ErrorRepeatSize:
      code = "invalid repeat count";
      break;
    case RE2::ErrorRepeatOp:
      code = "invalid nested repetition operator";
      break;
    case RE2::ErrorBadPerlOp:
      code = "invalid or unsupported Perl syntax";
      break;
    case RE2::ErrorBadUTF8:
      code = "invalid UTF-8";
      break;
    case RE2::ErrorBadNamedCapture:
      code = "invalid named capture";
      break;
    default:
      return re.error();
  }
  return fmt::format("error parsing regexp: {}: `{}`", code, re.error_arg());
}

}  // namespace otter::query
