#include "query/logql/template.h"

#include <fmt/format.h>

#include <cctype>
#include <ctime>

#include "query/logql/go_fmt.h"
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

namespace {

// Go's builtins that the evaluator implements itself (typed comparisons and truthiness).
bool IsBuiltin(std::string_view name) {
  return name == "eq" || name == "ne" || name == "lt" || name == "le" || name == "gt" ||
         name == "ge" || name == "and" || name == "or" || name == "not" || name == "printf" ||
         name == "print" || name == "len";
}

struct Token {
  enum Kind { kWord, kString, kPipe, kOpen, kClose } kind;
  std::string text;
};

StatusOr<std::vector<Token>> TokenizeAction(std::string_view action) {
  std::vector<Token> out;
  size_t k = 0;
  while (k < action.size()) {
    char c = action[k];
    if (kSpace.find(c) != std::string_view::npos) {
      ++k;
    } else if (c == '|' || c == '(' || c == ')') {
      out.push_back({c == '|' ? Token::kPipe : c == '(' ? Token::kOpen : Token::kClose, ""});
      ++k;
    } else if (c == '"' || c == '`') {
      std::string str;
      size_t j = k + 1;
      bool closed = false;
      for (; j < action.size(); ++j) {
        if (action[j] == c) {
          closed = true;
          break;
        }
        if (c == '"' && action[j] == '\\' && j + 1 < action.size()) {
          char e = action[++j];
          str += e == 'n' ? '\n' : e == 't' ? '\t' : e;
        } else {
          str += action[j];
        }
      }
      if (!closed) return InvalidArgument("template: line:1: unterminated quoted string");
      out.push_back({Token::kString, std::move(str)});
      k = j + 1;
    } else {
      size_t j = k;
      while (j < action.size() && kSpace.find(action[j]) == std::string_view::npos &&
             action[j] != '|' && action[j] != '(' && action[j] != ')')
        ++j;
      out.push_back({Token::kWord, std::string(action.substr(k, j - k))});
      k = j;
    }
  }
  return out;
}

}  // namespace

// A pipeline of commands from tokens[*pos], up to the end or (when `nested`) a ')'.
template <class Command, class Arg>
static StatusOr<std::vector<Command>> ParsePipeline(const std::vector<Token>& t, size_t* pos,
                                                    bool nested, const TemplateDialect* dialect,
                                                    std::string_view where) {
  auto err = [where](std::string_view msg) {
    return InvalidArgument(fmt::format("template: {}: {}", where, msg));
  };
  std::vector<Command> pipeline;
  Command cmd;
  auto finish = [&]() -> Status {
    if (cmd.func.empty() && cmd.args.size() != 1) return err("missing value for command");
    pipeline.push_back(std::move(cmd));
    cmd = Command();
    return Status::Ok();
  };
  for (; *pos < t.size(); ++*pos) {
    const Token& tok = t[*pos];
    if (tok.kind == Token::kClose) {
      if (!nested) return err("unexpected \")\" in command");
      break;
    }
    if (tok.kind == Token::kPipe) {
      RETURN_IF_ERROR(finish());
      continue;
    }
    Arg arg;
    const std::string& word = tok.text;
    if (tok.kind == Token::kOpen) {
      ++*pos;
      auto sub = ParsePipeline<Command, Arg>(t, pos, true, dialect, where);
      if (!sub.ok()) return sub.status();
      if (*pos >= t.size()) return err("unclosed left paren");
      arg.kind = Arg::kPipeline;
      arg.pipeline = std::make_shared<const std::vector<Command>>(std::move(sub).value());
    } else if (tok.kind == Token::kString) {
      arg.kind = Arg::kString;
      arg.value = word;
    } else if (word == "__line__") {
      arg.kind = Arg::kLine;
    } else if (word == "__timestamp__") {
      arg.kind = Arg::kTimestamp;
    } else if (word.size() > 1 && word[0] == '.') {
      arg.kind = Arg::kField;
      arg.value = word.substr(1);
    } else if (!word.empty() && word[0] == '$') {
      std::string_view var = std::string_view(word).substr(0, word.find('.'));
      if (!dialect || !dialect->is_variable || !dialect->is_variable(var))
        return err(fmt::format("undefined variable \"{}\"", var));
      arg.kind = Arg::kVariable;
      arg.value = word;
    } else if (!word.empty() &&
               (std::isdigit(static_cast<unsigned char>(word[0])) || word[0] == '-')) {
      arg.kind = Arg::kNumber;
      arg.value = word;
    } else if (cmd.func.empty() && cmd.args.empty() &&
               ((dialect && dialect->is_func && dialect->is_func(word)) || IsFunc(word) ||
                IsBuiltin(word))) {
      cmd.func = word;
      continue;
    } else if (word == "if" || word == "else" || word == "end" || word == "range" ||
               word == "with" || word == "define" || word == "template") {
      return err(fmt::format("unexpected <{}> in command", word));
    } else {
      return err(fmt::format("function \"{}\" not defined", word));
    }
    cmd.args.push_back(std::move(arg));
  }
  if (nested && *pos >= t.size()) return err("unclosed left paren");
  RETURN_IF_ERROR(finish());
  return pipeline;
}

StatusOr<LineTemplate> LineTemplate::Parse(std::string_view text) {
  return Parse(text, nullptr, "line");
}

StatusOr<LineTemplate> LineTemplate::Parse(std::string_view text, const TemplateDialect* dialect,
                                           std::string_view name) {
  auto parts = std::make_shared<std::vector<Part>>();
  const std::string where = std::string(name) + ":1";
  auto err = [&](std::string_view msg) {
    return InvalidArgument(fmt::format("template: {}: {}", where, msg));
  };
  std::vector<bool> has_else;  // open {{if}}s
  size_t i = 0;
  while (i < text.size()) {
    size_t open = text.find("{{", i);
    if (open == std::string_view::npos) {
      parts->push_back({Part::kLiteral, std::string(text.substr(i)), {}});
      break;
    }
    std::string lit(text.substr(i, open - i));
    size_t body = open + 2;
    if (body + 1 < text.size() && text[body] == '-' && text[body + 1] == ' ') {
      size_t e = lit.find_last_not_of(kSpace);
      lit = e == std::string::npos ? "" : lit.substr(0, e + 1);
      body += 1;
    }
    if (!lit.empty()) parts->push_back({Part::kLiteral, std::move(lit), {}});
    size_t close = text.find("}}", body);
    if (close == std::string_view::npos) return err("unclosed action");
    std::string_view action = text.substr(body, close - body);
    if (action.starts_with("/*") || action.starts_with(" /*")) {  // a comment
      i = close + 2;
      continue;
    }
    bool trim_after = false;
    if (action.size() >= 2 && action.back() == '-' && action[action.size() - 2] == ' ') {
      trim_after = true;
      action.remove_suffix(1);
    }
    i = close + 2;
    if (trim_after) {
      while (i < text.size() && kSpace.find(text[i]) != std::string_view::npos) ++i;
    }
    ASSIGN_OR_RETURN(std::vector<Token> tokens, TokenizeAction(action));
    if (tokens.empty()) return err("missing value for command");
    Part part;
    part.kind = Part::kAction;
    size_t pos = 0;
    const bool word0 = tokens[0].kind == Token::kWord;
    if (word0 && tokens[0].text == "end") {
      if (has_else.empty()) return err("unexpected {{end}}");
      has_else.pop_back();
      parts->push_back({Part::kEnd, "", {}});
      continue;
    }
    if (word0 && tokens[0].text == "else") {
      if (has_else.empty() || has_else.back()) return err("unexpected {{else}}");
      if (tokens.size() == 1) {
        has_else.back() = true;
        parts->push_back({Part::kElse, "", {}});
        continue;
      }
      if (tokens[1].kind != Token::kWord || tokens[1].text != "if")
        return err("unexpected {{else}}");
      part.kind = Part::kElseIf;
      pos = 2;
    } else if (word0 && tokens[0].text == "if") {
      part.kind = Part::kIf;
      pos = 1;
      has_else.push_back(false);
    }
    if (part.kind != Part::kAction && pos >= tokens.size()) return err("missing value for if");
    ASSIGN_OR_RETURN(part.pipeline,
                     (ParsePipeline<Command, Arg>(tokens, &pos, false, dialect, where)));
    parts->push_back(std::move(part));
  }
  if (!has_else.empty()) return err("unexpected EOF");
  LineTemplate t;
  t.source_ = std::string(text);
  t.dialect_ = dialect;
  t.parts_ = std::move(parts);
  return t;
}

bool TemplateValue::Truthy() const {
  if (kind == kBool) return b;
  if (kind == kNumber) return std::strtod(text.c_str(), nullptr) != 0;
  return !text.empty();
}

namespace {

// Go's eq/ne/lt/le/gt/ge on two basic values: strings with strings, numbers with numbers.
template <class Value>
StatusOr<int> CompareValues(const std::string& fn, const Value& a, const Value& b) {
  if (a.kind != b.kind || a.kind == Value::kBool) {
    if (a.kind == b.kind && (fn == "eq" || fn == "ne")) return a.b == b.b ? 0 : 1;
    return InvalidArgument(
        fmt::format("template: line:1: error calling {}: incompatible types for comparison", fn));
  }
  if (a.kind == Value::kNumber) {
    double x = std::strtod(a.text.c_str(), nullptr), y = std::strtod(b.text.c_str(), nullptr);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  return a.text < b.text ? -1 : a.text > b.text ? 1 : 0;
}

}  // namespace

StatusOr<LineTemplate::Value> LineTemplate::Run(const std::vector<Command>& pipeline,
                                                const Env& env) const {
  Value value;
  bool have_piped = false;
  for (const Command& c : pipeline) {
    std::vector<Value> args;
    for (const Arg& a : c.args) {
      switch (a.kind) {
        case Arg::kField:
          if (env.lookup) {
            ASSIGN_OR_RETURN(Value v, env.lookup(env.data, "." + a.value));
            args.push_back(std::move(v));
          } else {
            args.push_back({Value::kString, std::string(store::GetLabel(*env.labels, a.value))});
          }
          break;
        case Arg::kVariable: {
          if (!env.lookup) return InvalidArgument("template: no variables here");
          ASSIGN_OR_RETURN(Value v, env.lookup(env.data, a.value));
          args.push_back(std::move(v));
          break;
        }
        case Arg::kString:
          args.push_back({Value::kString, a.value});
          break;
        case Arg::kNumber:
          args.push_back({Value::kNumber, a.value});
          break;
        case Arg::kLine:
          args.push_back({Value::kString, std::string(env.line)});
          break;
        case Arg::kTimestamp:
          args.push_back({Value::kString, FormatGoTime(env.ts_ns)});
          break;
        case Arg::kPipeline: {
          ASSIGN_OR_RETURN(Value v, Run(*a.pipeline, env));
          args.push_back(std::move(v));
          break;
        }
      }
    }
    if (have_piped) args.push_back(value);
    have_piped = true;
    const std::string& fn = c.func;
    if (fn.empty()) {
      if (args.size() != 1) return InvalidArgument("template: can't give argument to non-function");
      value = std::move(args[0]);
    } else if (dialect_ && dialect_->is_func && dialect_->is_func(fn)) {
      ASSIGN_OR_RETURN(value, dialect_->call(fn, args));
    } else if (fn == "not") {
      if (args.size() != 1)
        return InvalidArgument(
            fmt::format("wrong number of args for not: want 1 got {}", args.size()));
      value = {Value::kBool, "", !args[0].Truthy()};
    } else if (fn == "and" || fn == "or") {
      if (args.empty())
        return InvalidArgument(
            fmt::format("wrong number of args for {}: want at least 1 got 0", fn));
      // Go: the first argument that decides, else the last.
      size_t k = 0;
      while (k + 1 < args.size() && args[k].Truthy() == (fn == "and")) ++k;
      value = args[k];
    } else if (fn == "len") {
      if (args.size() != 1)
        return InvalidArgument(
            fmt::format("wrong number of args for len: want 1 got {}", args.size()));
      if (args[0].kind != Value::kString)
        return InvalidArgument("template: line:1: error calling len: len of type int");
      value = {Value::kNumber, std::to_string(args[0].text.size())};
    } else if (fn == "print" || fn == "printf") {
      std::vector<GoArg> go;
      for (const Value& v : args)
        go.push_back({v.kind == Value::kString ? GoArg::kString
                      : v.kind == Value::kBool ? GoArg::kBool
                                               : GoArg::kNumber,
                      v.Render()});
      if (fn == "print") {
        value = {Value::kString, GoSprint(go)};
      } else {
        if (go.empty())
          return InvalidArgument("wrong number of args for printf: want at least 1 got 0");
        GoArg format = go.front();
        go.erase(go.begin());
        value = {Value::kString, GoSprintf(format.text, go)};
      }
    } else if (IsBuiltin(fn)) {  // comparisons
      if (args.size() < 2)
        return InvalidArgument(
            fmt::format("template: line:1: error calling {}: missing argument for comparison", fn));
      bool result = false;
      if (fn == "eq") {
        for (size_t k = 1; k < args.size() && !result; ++k) {
          ASSIGN_OR_RETURN(int cmp, CompareValues(fn, args[0], args[k]));
          result = cmp == 0;
        }
      } else {
        ASSIGN_OR_RETURN(int cmp, CompareValues(fn, args[0], args[1]));
        result = fn == "ne"   ? cmp != 0
                 : fn == "lt" ? cmp < 0
                 : fn == "le" ? cmp <= 0
                 : fn == "gt" ? cmp > 0
                              : cmp >= 0;
      }
      value = {Value::kBool, "", result};
    } else {
      std::vector<std::string> strs;
      for (const Value& v : args) strs.push_back(v.Render());
      ASSIGN_OR_RETURN(std::string out, CallFunc(fn, strs));
      bool boolean = (fn == "contains" || fn == "hasPrefix" || fn == "hasSuffix");
      value = boolean ? Value{Value::kBool, "", out == "true"} : Value{Value::kString, out};
    }
  }
  return value;
}

StatusOr<std::string> LineTemplate::Execute(const store::Labels& labels, std::string_view line,
                                            int64_t ts_ns) const {
  Env env;
  env.labels = &labels;
  env.line = line;
  env.ts_ns = ts_ns;
  return Render(env);
}

StatusOr<std::string> LineTemplate::Execute(TemplateLookup lookup, const void* data) const {
  Env env;
  env.lookup = lookup;
  env.data = data;
  return Render(env);
}

StatusOr<std::string> LineTemplate::Render(const Env& env) const {
  struct Frame {
    bool parent_active;
    bool taken;  // a branch of this if ran (or is running)
  };
  std::vector<Frame> frames;
  bool active = true;
  std::string out;
  for (const Part& p : *parts_) {
    switch (p.kind) {
      case Part::kLiteral:
        if (active) out += p.text;
        break;
      case Part::kAction:
        if (active) {
          ASSIGN_OR_RETURN(Value v, Run(p.pipeline, env));
          out += v.Render();
        }
        break;
      case Part::kIf: {
        bool cond = false;
        if (active) {
          ASSIGN_OR_RETURN(Value v, Run(p.pipeline, env));
          cond = v.Truthy();
        }
        frames.push_back({active, cond});
        active = active && cond;
        break;
      }
      case Part::kElseIf: {
        Frame& f = frames.back();
        active = false;
        if (f.parent_active && !f.taken) {
          ASSIGN_OR_RETURN(Value v, Run(p.pipeline, env));
          f.taken = active = v.Truthy();
        }
        break;
      }
      case Part::kElse: {
        Frame& f = frames.back();
        active = f.parent_active && !f.taken;
        f.taken = true;
        break;
      }
      case Part::kEnd:
        active = frames.back().parent_active;
        frames.pop_back();
        break;
    }
  }
  return out;
}

}  // namespace otter::query::logql
