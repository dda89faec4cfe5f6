#include "query/logql/go_fmt.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>

#include "query/go_parse.h"

namespace otter::query::logql {

namespace {

// A number literal of a template is an int unless it has a '.', an exponent or is hex float.
bool IsInt(const GoArg& a) {
  return a.kind == GoArg::kNumber && a.text.find_first_of(".eEpP") == std::string::npos;
}

std::string TypeName(const GoArg& a) {
  if (a.kind == GoArg::kString) return "string";
  if (a.kind == GoArg::kBool) return "bool";
  return IsInt(a) ? "int" : "float64";
}

struct Spec {
  bool minus = false, plus = false, zero = false, space = false;
  int width = -1, precision = -1;
};

std::string Pad(std::string s, const Spec& spec, bool numeric) {
  if (spec.width < 0 || static_cast<int>(s.size()) >= spec.width) return s;
  size_t pad = static_cast<size_t>(spec.width) - s.size();
  if (spec.minus) return s + std::string(pad, ' ');
  if (spec.zero && numeric) {
    size_t sign = (!s.empty() && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
    return s.substr(0, sign) + std::string(pad, '0') + s.substr(sign);
  }
  return std::string(pad, ' ') + s;
}

std::string Bad(char verb, const GoArg& a) {
  return fmt::format("%!{}({}={})", verb, TypeName(a), a.text);
}

std::string FormatOne(char verb, const Spec& spec, const GoArg& a) {
  const double num = a.kind == GoArg::kNumber ? std::strtod(a.text.c_str(), nullptr) : 0;
  const long long inum = IsInt(a) ? std::strtoll(a.text.c_str(), nullptr, 0) : 0;
  auto sign = [&](std::string s) {
    if (!s.empty() && s[0] != '-' && (spec.plus || spec.space)) s = (spec.plus ? "+" : " ") + s;
    return s;
  };
  switch (verb) {
    case 'v':
      return Pad(a.text, spec, a.kind == GoArg::kNumber);
    case 's':
    case 'q': {
      if (a.kind != GoArg::kString) return Bad(verb, a);
      std::string s = a.text;
      if (spec.precision >= 0 && verb == 's' && static_cast<int>(s.size()) > spec.precision)
        s.resize(static_cast<size_t>(spec.precision));
      return Pad(verb == 'q' ? GoQuote(s) : s, spec, false);
    }
    case 't':
      if (a.kind != GoArg::kBool) return Bad(verb, a);
      return Pad(a.text, spec, false);
    case 'd':
      if (!IsInt(a)) return Bad(verb, a);
      return Pad(sign(std::to_string(inum)), spec, true);
    case 'x':
    case 'X':
      if (IsInt(a)) {
        std::string s = verb == 'x' ? fmt::format("{:x}", std::llabs(inum))
                                    : fmt::format("{:X}", std::llabs(inum));
        return Pad(sign(inum < 0 ? "-" + s : s), spec, true);
      }
      if (a.kind == GoArg::kString) {
        std::string s;
        for (unsigned char c : a.text)
          s += verb == 'x' ? fmt::format("{:02x}", c) : fmt::format("{:02X}", c);
        return Pad(s, spec, false);
      }
      return Bad(verb, a);
    case 'f':
    case 'F':
    case 'e':
    case 'g':
      if (a.kind != GoArg::kNumber) return Bad(verb, a);
      if (verb == 'g') {
        std::string s = spec.precision >= 0 ? fmt::format("{:.{}g}", num, spec.precision)
                                            : fmt::format("{}", num);
        return Pad(sign(s), spec, true);
      }
      {
        int p = spec.precision >= 0 ? spec.precision : 6;
        std::string s =
            verb == 'e' ? fmt::format("{:.{}e}", num, p) : fmt::format("{:.{}f}", num, p);
        return Pad(sign(s), spec, true);
      }
    default:
      return fmt::format("%!{}({}={})", verb, TypeName(a), a.text);
  }
}

}  // namespace

std::string GoSprint(const std::vector<GoArg>& args) {
  // Spaces go between operands when neither is a string.
  std::string out;
  for (size_t i = 0; i < args.size(); ++i) {
    if (i > 0 && args[i].kind != GoArg::kString && args[i - 1].kind != GoArg::kString) out += ' ';
    out += args[i].text;
  }
  return out;
}

std::string GoSprintf(const std::string& format, const std::vector<GoArg>& args) {
  std::string out;
  size_t next = 0;
  for (size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%') {
      out += format[i];
      continue;
    }
    Spec spec;
    size_t j = i + 1;
    for (; j < format.size(); ++j) {
      char c = format[j];
      if (c == '-') {
        spec.minus = true;
      } else if (c == '+') {
        spec.plus = true;
      } else if (c == '0') {
        spec.zero = true;
      } else if (c == ' ') {
        spec.space = true;
      } else {
        break;
      }
    }
    while (j < format.size() && std::isdigit(static_cast<unsigned char>(format[j])))
      spec.width = std::max(spec.width, 0) * 10 + (format[j++] - '0');
    if (j < format.size() && format[j] == '.') {
      spec.precision = 0;
      ++j;
      while (j < format.size() && std::isdigit(static_cast<unsigned char>(format[j])))
        spec.precision = spec.precision * 10 + (format[j++] - '0');
    }
    if (j >= format.size()) {
      out += "%!(NOVERB)";
      break;
    }
    const char verb = format[j];
    i = j;
    if (verb == '%') {
      out += '%';
      continue;
    }
    if (next >= args.size()) {
      out += fmt::format("%!{}(MISSING)", verb);
      continue;
    }
    out += FormatOne(verb, spec, args[next++]);
  }
  if (next < args.size()) {
    out += "%!(EXTRA ";
    for (size_t k = next; k < args.size(); ++k) {
      if (k > next) out += ", ";
      out += TypeName(args[k]) + "=" + args[k].text;
    }
    out += ")";
  }
  return out;
}

}  // namespace otter::query::logql
