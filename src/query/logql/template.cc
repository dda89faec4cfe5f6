#include "query/logql/template.h"

#include <fmt/format.h>

#include <cctype>
#include <ctime>

#include "query/logql/template_funcs.h"

namespace otter::query::logql {

namespace {

std::string Trim(std::string_view s, std::string_view cut) {
  size_t b = s.find_first_not_of(cut);
  if (b == std::string_view::npos) return "";
  size_t e = s.find_last_not_of(cut);
  return std::string(s.substr(b, e - b + 1));
}

constexpr std::string_view kSpace = " \t\n\r\v\f";

std::string ReplaceAll(std::string s, std::string_view from, std::string_view to, long n) {
  if (from.empty()) return s;
  std::string out;
  size_t pos = 0;
  long done = 0;
  while (n < 0 || done < n) {
    size_t hit = s.find(from, pos);
    if (hit == std::string::npos) break;
    out.append(s, pos, hit - pos);
    out += to;
    pos = hit + from.size();
    ++done;
  }
  out.append(s, pos);
  return out;
}

// Go's time.Time.String() in UTC: "2006-01-02 15:04:05.999999999 +0000 UTC".
std::string FormatGoTime(int64_t ts_ns) {
  int64_t secs = ts_ns / 1000000000;
  int64_t frac = ts_ns % 1000000000;
  if (frac < 0) {
    frac += 1000000000;
    --secs;
  }
  std::time_t tt = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  std::string out = fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}", tm.tm_year + 1900,
                                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  if (frac != 0) {
    std::string f = fmt::format("{:09}", frac);
    while (!f.empty() && f.back() == '0') f.pop_back();
    out += "." + f;
  }
  return out + " +0000 UTC";
}

StatusOr<std::string> CallFunc(const std::string& name, const std::vector<std::string>& a) {
  auto want = [&](size_t n) -> Status {
    if (a.size() != n)
      return InvalidArgument(
          fmt::format("wrong number of args for {}: want {} got {}", name, n, a.size()));
    return Status::Ok();
  };
  if (name == "ToUpper" || name == "upper" || name == "ToLower" || name == "lower") {
    RETURN_IF_ERROR(want(1));
    std::string s = a[0];
    bool up = name == "ToUpper" || name == "upper";
    for (char& c : s)
      c = static_cast<char>(up ? std::toupper(static_cast<unsigned char>(c))
                               : std::tolower(static_cast<unsigned char>(c)));
    return s;
  }
  if (name == "title") {
    RETURN_IF_ERROR(want(1));
    std::string s = a[0];
    bool start = true;
    for (char& c : s) {
      if (start && std::isalpha(static_cast<unsigned char>(c)))
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      start = std::isspace(static_cast<unsigned char>(c));
    }
    return s;
  }
  if (name == "TrimSpace" || name == "trim") {
    RETURN_IF_ERROR(want(1));
    return Trim(a[0], kSpace);
  }
  if (name == "Trim") {  // Trim(s, cutset)
    RETURN_IF_ERROR(want(2));
    return Trim(a[0], a[1]);
  }
  if (name == "TrimPrefix" || name == "TrimSuffix") {  // (s, affix)
    RETURN_IF_ERROR(want(2));
    std::string_view s = a[0];
    if (name == "TrimPrefix" && s.substr(0, a[1].size()) == a[1]) s.remove_prefix(a[1].size());
    if (name == "TrimSuffix" && s.size() >= a[1].size() && s.substr(s.size() - a[1].size()) == a[1])
      s.remove_suffix(a[1].size());
    return std::string(s);
  }
  if (name == "trimPrefix" || name == "trimSuffix") {  // sprig order: (affix, s)
    RETURN_IF_ERROR(want(2));
    return CallFunc(name == "trimPrefix" ? "TrimPrefix" : "TrimSuffix", {a[1], a[0]});
  }
  if (name == "Replace") {  // Replace(s, old, new, n)
    RETURN_IF_ERROR(want(4));
    return ReplaceAll(a[0], a[1], a[2], std::strtol(a[3].c_str(), nullptr, 10));
  }
  if (name == "replace") {  // sprig: replace old new s
    RETURN_IF_ERROR(want(3));
    return ReplaceAll(a[2], a[0], a[1], -1);
  }
  if (name == "default") {  // default def value
    RETURN_IF_ERROR(want(2));
    return a[1].empty() ? a[0] : a[1];
  }
  if (name == "trunc") {  // trunc n s
    RETURN_IF_ERROR(want(2));
    long n = std::strtol(a[0].c_str(), nullptr, 10);
    const std::string& s = a[1];
    if (n >= 0) return s.substr(0, std::min<size_t>(n, s.size()));
    size_t k = std::min<size_t>(-n, s.size());
    return s.substr(s.size() - k);
  }
  if (name == "repeat") {  // repeat n s
    RETURN_IF_ERROR(want(2));
    long n = std::strtol(a[0].c_str(), nullptr, 10);
    std::string out;
    for (long i = 0; i < n && out.size() < (1u << 20); ++i) out += a[1];
    return out;
  }
  return CallMoreFunc(name, a);
}

bool IsFunc(std::string_view name) {
  static const std::string_view kFuncs[] = {
      "ToUpper", "upper",   "ToLower",    "lower",      "title",      "TrimSpace",
      "trim",    "Trim",    "TrimPrefix", "TrimSuffix", "trimPrefix", "trimSuffix",
      "Replace", "replace", "default",    "trunc",      "repeat"};
  for (auto f : kFuncs)
    if (f == name) return true;
  return IsMoreFunc(name);
}

}  // namespace

StatusOr<LineTemplate> LineTemplate::Parse(std::string_view text) {
  auto parts = std::make_shared<std::vector<Part>>();
  auto err = [&](std::string_view msg) {
    return InvalidArgument(fmt::format("template: line:1: {}", msg));
  };
  size_t i = 0;
  while (i < text.size()) {
    size_t open = text.find("{{", i);
    if (open == std::string_view::npos) {
      parts->push_back({true, std::string(text.substr(i)), {}});
      break;
    }
    std::string lit(text.substr(i, open - i));
    size_t body = open + 2;
    if (body + 1 < text.size() && text[body] == '-' && text[body + 1] == ' ') {
      size_t e = lit.find_last_not_of(kSpace);
      lit = e == std::string::npos ? "" : lit.substr(0, e + 1);
      body += 1;
    }
    if (!lit.empty()) parts->push_back({true, std::move(lit), {}});
    size_t close = text.find("}}", body);
    if (close == std::string_view::npos) return err("unclosed action");
    std::string_view action = text.substr(body, close - body);
    bool trim_after = false;
    if (action.size() >= 2 && action.back() == '-' && action[action.size() - 2] == ' ') {
      trim_after = true;
      action.remove_suffix(1);
    }
    i = close + 2;
    if (trim_after) {
      while (i < text.size() && kSpace.find(text[i]) != std::string_view::npos) ++i;
    }
    // Tokenize the action: words, string literals, '|'.
    std::vector<std::string> words;
    std::vector<bool> quoted;
    size_t k = 0;
    while (k < action.size()) {
      char c = action[k];
      if (kSpace.find(c) != std::string_view::npos) {
        ++k;
      } else if (c == '|') {
        words.emplace_back("|");
        quoted.push_back(false);
        ++k;
      } else if (c == '"' || c == '`') {
        std::string s;
        size_t j = k + 1;
        bool closed = false;
        while (j < action.size()) {
          if (action[j] == c) {
            closed = true;
            break;
          }
          if (c == '"' && action[j] == '\\' && j + 1 < action.size()) {
            char e = action[++j];
            s += e == 'n' ? '\n' : e == 't' ? '\t' : e;
          } else {
            s += action[j];
          }
          ++j;
        }
        if (!closed) return err("unterminated quoted string");
        words.push_back(std::move(s));
        quoted.push_back(true);
        k = j + 1;
      } else {
        size_t j = k;
        while (j < action.size() && kSpace.find(action[j]) == std::string_view::npos &&
               action[j] != '|')
          ++j;
        words.emplace_back(action.substr(k, j - k));
        quoted.push_back(false);
        k = j;
      }
    }
    if (words.empty()) return err("missing value for command");
    Part part;
    part.literal = false;
    Command cmd;
    auto finish = [&]() -> Status {
      if (cmd.func.empty() && cmd.args.size() != 1) return err("missing value for command");
      part.pipeline.push_back(std::move(cmd));
      cmd = Command();
      return Status::Ok();
    };
    for (size_t w = 0; w < words.size(); ++w) {
      const std::string& word = words[w];
      if (!quoted[w] && word == "|") {
        RETURN_IF_ERROR(finish());
        continue;
      }
      Arg arg;
      if (quoted[w]) {
        arg.kind = Arg::kString;
        arg.value = word;
      } else if (word == "__line__") {
        arg.kind = Arg::kLine;
      } else if (word == "__timestamp__") {
        arg.kind = Arg::kTimestamp;
      } else if (word.size() > 1 && word[0] == '.') {
        arg.kind = Arg::kField;
        arg.value = word.substr(1);
      } else if (!word.empty() &&
                 (std::isdigit(static_cast<unsigned char>(word[0])) || word[0] == '-')) {
        arg.kind = Arg::kNumber;
        arg.value = word;
      } else if (cmd.func.empty() && cmd.args.empty() && IsFunc(word)) {
        cmd.func = word;
        continue;
      } else if (word == "if" || word == "range" || word == "with" || word == "end" ||
                 word == "else" || word == "define" || word == "template") {
        return err(fmt::format("unsupported action \"{}\"", word));
      } else {
        return err(fmt::format("function \"{}\" not defined", word));
      }
      cmd.args.push_back(std::move(arg));
    }
    RETURN_IF_ERROR(finish());
    parts->push_back(std::move(part));
  }
  LineTemplate t;
  t.source_ = std::string(text);
  t.parts_ = std::move(parts);
  return t;
}

StatusOr<std::string> LineTemplate::Execute(const store::Labels& labels, std::string_view line,
                                            int64_t ts_ns) const {
  std::string out;
  for (const Part& p : *parts_) {
    if (p.literal) {
      out += p.text;
      continue;
    }
    std::string value;
    bool have_piped = false;
    for (const Command& c : p.pipeline) {
      std::vector<std::string> args;
      for (const Arg& a : c.args) {
        switch (a.kind) {
          case Arg::kField:
            args.emplace_back(store::GetLabel(labels, a.value));
            break;
          case Arg::kString:
          case Arg::kNumber:
            args.push_back(a.value);
            break;
          case Arg::kLine:
            args.emplace_back(line);
            break;
          case Arg::kTimestamp:
            args.push_back(FormatGoTime(ts_ns));
            break;
        }
      }
      if (have_piped) args.push_back(value);
      if (c.func.empty()) {
        if (args.size() != 1)
          return InvalidArgument("template: can't give argument to non-function");
        value = std::move(args[0]);
      } else {
        ASSIGN_OR_RETURN(value, CallFunc(c.func, args));
      }
      have_piped = true;
    }
    out += value;
  }
  return out;
}

}  // namespace otter::query::logql
