#include "query/promql/script.h"

#include <re2/re2.h>

#include <array>
#include <bit>
#include <cmath>
#include <cstring>
#include <deque>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include "query/json_writer.h"
#include "query/promql/engine.h"
#include "query/promql/lexer.h"
#include "query/promql/parser.h"
#include "store/metric_table.h"

namespace otter::query::promql::script {
namespace {

constexpr double kEpsilon = 0.000001;  // relative, as Prometheus's test scripts allow
constexpr uint64_t kStaleBits = 0x7ff0000000000002ull;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// Splits off the first whitespace-separated word.
std::string_view NextWord(std::string_view* s) {
  *s = Trim(*s);
  size_t end = s->find_first_of(" \t");
  std::string_view w = s->substr(0, end);
  *s = end == std::string_view::npos ? std::string_view() : Trim(s->substr(end));
  return w;
}

// Times and durations of commands: Prometheus durations ("1m30s") or "0".
std::optional<int64_t> ParseTime(std::string_view s) {
  auto d = ParseDurationMillis(s);
  if (!d.ok()) return std::nullopt;
  return *d;
}

// ------------------------------------------------------------------ series descriptions

class DescParser {
 public:
  explicit DescParser(std::string_view s) : s_(s) {}

  bool Parse(store::Labels* labels, std::vector<SequenceValue>* values, std::string* error) {
    if (!ParseMetric(labels, error)) return false;
    std::string_view rest = Trim(s_.substr(i_));
    while (!rest.empty()) {
      std::string_view item = NextWord(&rest);
      if (!ParseItem(item, values)) {
        *error = "bad value " + std::string(item);
        return false;
      }
    }
    return true;
  }

  static bool IsNameChar(char c, bool first) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
           (!first && c >= '0' && c <= '9');
  }

  void SkipSpace() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t')) ++i_;
  }

  std::string Name() {
    size_t start = i_;
    while (i_ < s_.size() && IsNameChar(s_[i_], i_ == start)) ++i_;
    return std::string(s_.substr(start, i_ - start));
  }

  bool UnquoteAll(std::string* out) { return Quoted(out) && i_ == s_.size(); }

 private:
  // A Go-style quoted string ("..." with escapes, '...', or `...`).
  bool Quoted(std::string* out) {
    if (i_ >= s_.size()) return false;
    char q = s_[i_++];
    if (q != '"' && q != '\'' && q != '`') return false;
    out->clear();
    while (i_ < s_.size() && s_[i_] != q) {
      char c = s_[i_++];
      if (c == '\\' && q != '`' && i_ < s_.size()) {
        char e = s_[i_++];
        switch (e) {
          case 'n':
            c = '\n';
            break;
          case 't':
            c = '\t';
            break;
          case 'r':
            c = '\r';
            break;
          default:
            c = e;
        }
      }
      *out += c;
    }
    if (i_ >= s_.size()) return false;
    ++i_;
    return true;
  }

  bool ParseMetric(store::Labels* labels, std::string* error) {
    labels->clear();
    SkipSpace();
    std::string name = Name();
    if (!name.empty()) labels->push_back(store::Label{"__name__", name});
    if (i_ < s_.size() && s_[i_] == '{') {
      ++i_;
      while (true) {
        SkipSpace();
        if (i_ < s_.size() && s_[i_] == '}') {
          ++i_;
          break;
        }
        std::string lname;
        bool quoted = i_ < s_.size() && s_[i_] == '"';
        if (quoted ? !Quoted(&lname) : (lname = Name()).empty()) {
          *error = "bad label name in " + std::string(s_);
          return false;
        }
        SkipSpace();
        if (quoted && i_ < s_.size() && (s_[i_] == ',' || s_[i_] == '}')) {
          labels->push_back(store::Label{"__name__", lname});  // {"metric.name", ...}
        } else {
          std::string value;
          if (i_ >= s_.size() || s_[i_] != '=' || (++i_, SkipSpace(), !Quoted(&value))) {
            *error = "bad label value in " + std::string(s_);
            return false;
          }
          labels->push_back(store::Label{lname, value});
        }
        SkipSpace();
        if (i_ < s_.size() && s_[i_] == ',') ++i_;
      }
    }
    if (labels->empty() && (i_ == 0)) {
      *error = "no metric in " + std::string(s_);
      return false;
    }
    store::SortLabels(*labels);
    return true;
  }

  // A number as the series notation writes it: [+-](Inf|NaN|decimal). Stops at 'x' (repeat).
  static bool Number(std::string_view s, size_t* i, double* out) {
    size_t start = *i, j = *i;
    if (j < s.size() && (s[j] == '+' || s[j] == '-')) ++j;
    auto word_is = [&](std::string_view w) {
      if (s.size() - j < w.size()) return false;
      for (size_t k = 0; k < w.size(); ++k)
        if (std::tolower(static_cast<unsigned char>(s[j + k])) != w[k]) return false;
      return true;
    };
    if (word_is("inf")) {
      j += 3;
    } else if (word_is("nan")) {
      j += 3;
    } else {
      size_t digits = j;
      while (j < s.size() && ((s[j] >= '0' && s[j] <= '9') || s[j] == '.')) ++j;
      if (j == digits) return false;
      if (j < s.size() && (s[j] == 'e' || s[j] == 'E')) {
        size_t k = j + 1;
        if (k < s.size() && (s[k] == '+' || s[k] == '-')) ++k;
        if (k < s.size() && s[k] >= '0' && s[k] <= '9') {
          while (k < s.size() && s[k] >= '0' && s[k] <= '9') ++k;
          j = k;
        }
      }
    }
    std::string text(s.substr(start, j - start));
    *out = std::strtod(text.c_str(), nullptr);
    *i = j;
    return true;
  }

  static bool Count(std::string_view s, uint64_t* n) {
    if (s.empty() || s.size() > 9) return false;
    *n = 0;
    for (char c : s) {
      if (c < '0' || c > '9') return false;
      *n = *n * 10 + static_cast<uint64_t>(c - '0');
    }
    return true;
  }

  static bool ParseItem(std::string_view item, std::vector<SequenceValue>* values) {
    if (item == "_") {
      values->push_back(SequenceValue{0, true});
      return true;
    }
    if (StartsWith(item, "_x")) {
      uint64_t n;
      if (!Count(item.substr(2), &n)) return false;
      for (uint64_t k = 0; k < n; ++k) values->push_back(SequenceValue{0, true});
      return true;
    }
    if (item == "stale") {
      values->push_back(SequenceValue{std::bit_cast<double>(kStaleBits), false});
      return true;
    }
    size_t i = 0;
    double start;
    if (!Number(item, &i, &start)) return false;
    if (i == item.size()) {
      values->push_back(SequenceValue{start, false});
      return true;
    }
    double inc = 0;
    if (item[i] == '+' || item[i] == '-') {
      if (!Number(item, &i, &inc)) return false;
    }
    if (i >= item.size() || item[i] != 'x') return false;
    uint64_t n;
    if (!Count(item.substr(i + 1), &n)) return false;
    // "a+bxN" is N+1 values; each is computed from the start, as Prometheus does.
    double v = start;
    for (uint64_t k = 0; k <= n; ++k) {
      values->push_back(SequenceValue{v, false});
      v += inc;
    }
    return true;
  }

  std::string_view s_;
  size_t i_ = 0;
};

// A whole Go-quoted string literal.
bool UnquoteGo(std::string_view s, std::string* out) { return DescParser(s).UnquoteAll(out); }

// ------------------------------------------------------------------ commands

struct LoadedSeries {
  store::Labels labels;
  std::vector<SequenceValue> values;
};

struct Expectation {
  enum class Match { kAny, kMessage, kRegex } match = Match::kAny;
  std::string text;
  bool Matches(const std::string& s) const {
    if (match == Match::kAny) return true;
    if (match == Match::kMessage) return s == text;
    return RE2::PartialMatch(s, text);
  }
};

struct Command {
  enum class Kind { kLoad, kClear, kEval } kind = Kind::kClear;
  int line = 0;
  // load
  int64_t step_ms = 0;
  std::vector<LoadedSeries> series;
  // eval
  bool range = false;
  int64_t start_ms = 0, end_ms = 0;  // instant: both the evaluation time
  std::string expr;
  bool ordered = false, warn = false, info = false, no_warn = false, no_info = false;
  std::optional<Expectation> fail;
  std::vector<Expectation> warnings, infos;
  std::optional<double> scalar;
  std::optional<std::string> string;
  // `expect range vector from .. to .. step ..` for an instant query returning a matrix.
  std::optional<std::array<int64_t, 3>> matrix_range;
  std::vector<LoadedSeries> expected;  // in the order written
};

class ScriptParser {
 public:
  explicit ScriptParser(std::string_view text) {
    size_t pos = 0;
    while (pos <= text.size()) {
      size_t nl = text.find('\n', pos);
      if (nl == std::string_view::npos) nl = text.size();
      std::string_view l = Trim(text.substr(pos, nl - pos));
      if (StartsWith(l, "#")) l = {};
      lines_.push_back(l);
      pos = nl + 1;
    }
  }

  bool Parse(std::vector<Command>* out, Failure* error) {
    for (i_ = 0; i_ < lines_.size(); ++i_) {
      std::string_view l = lines_[i_];
      if (l.empty()) continue;
      Command c;
      c.line = static_cast<int>(i_) + 1;
      std::string_view rest = l;
      std::string word(NextWord(&rest));
      for (auto& ch : word) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      std::string err;
      if (word == "clear") {
        c.kind = Command::Kind::kClear;
      } else if (word == "load") {
        c.kind = Command::Kind::kLoad;
        if (!ParseLoad(rest, &c, &err)) return Fail(error, err);
      } else if (StartsWith(word, "eval")) {
        c.kind = Command::Kind::kEval;
        if (!ParseEval(word, rest, &c, &err)) return Fail(error, err);
      } else {
        return Fail(error, "invalid command \"" + std::string(l) + "\"");
      }
      out->push_back(std::move(c));
    }
    return true;
  }

 private:
  bool Fail(Failure* error, std::string msg) {
    error->line = static_cast<int>(i_) + 1;
    error->message = std::move(msg);
    return false;
  }

  bool ParseLoad(std::string_view rest, Command* c, std::string* err) {
    auto step = ParseTime(Trim(rest));
    if (!step || *step <= 0) {
      *err = "invalid step definition \"" + std::string(rest) + "\"";
      return false;
    }
    c->step_ms = *step;
    while (i_ + 1 < lines_.size() && !lines_[i_ + 1].empty()) {
      ++i_;
      LoadedSeries s;
      if (!ParseSeriesDesc(lines_[i_], &s.labels, &s.values, err)) return false;
      c->series.push_back(std::move(s));
    }
    return true;
  }

  static bool ParseExpect(std::string_view rest, Command* c, std::string* err) {
    std::string_view type = NextWord(&rest);
    Expectation e;
    if (!rest.empty()) {
      if (StartsWith(rest, "msg:")) {
        e.match = Expectation::Match::kMessage;
        e.text = std::string(Trim(rest.substr(4)));
      } else if (StartsWith(rest, "regex:")) {
        e.match = Expectation::Match::kRegex;
        e.text = std::string(Trim(rest.substr(6)));
      } else {
        *err = "invalid expect line, expected msg: or regex: after " + std::string(type);
        return false;
      }
    }
    if (type == "fail") {
      c->fail = e;
    } else if (type == "warn") {
      c->warnings.push_back(e);
    } else if (type == "info") {
      c->infos.push_back(e);
    } else if (type == "no_warn") {
      c->no_warn = true;
    } else if (type == "no_info") {
      c->no_info = true;
    } else if (type == "ordered") {
      c->ordered = true;
    } else {
      *err = "invalid expected error/annotation type " + std::string(type);
      return false;
    }
    return true;
  }

  bool ParseEval(const std::string& word, std::string_view rest, Command* c, std::string* err) {
    if (word == "eval_fail") {
      c->fail = Expectation{};
    } else if (word == "eval_ordered") {
      c->ordered = true;
    } else if (word == "eval_warn") {
      c->warn = true;
    } else if (word == "eval_info") {
      c->info = true;
    } else if (word != "eval") {
      *err = "invalid evaluation command " + word;
      return false;
    }
    std::string_view mode = NextWord(&rest);
    auto time_word = [&](std::string_view keyword, int64_t* out) {
      if (NextWord(&rest) != keyword) return false;
      auto t = ParseTime(NextWord(&rest));
      if (!t) return false;
      *out = *t;
      return true;
    };
    if (mode == "instant") {
      if (!time_word("at", &c->start_ms)) {
        *err = "invalid evaluation command: eval instant at <time> <query>";
        return false;
      }
      c->end_ms = c->start_ms;
    } else if (mode == "range") {
      c->range = true;
      if (!time_word("from", &c->start_ms) || !time_word("to", &c->end_ms) ||
          !time_word("step", &c->step_ms) || c->end_ms < c->start_ms) {
        *err = "invalid evaluation command: eval range from <t> to <t> step <d> <query>";
        return false;
      }
    } else {
      *err = "invalid evaluation command: expected instant or range";
      return false;
    }
    c->expr = std::string(rest);
    if (c->expr.empty()) {
      *err = "eval without an expression";
      return false;
    }
    while (i_ + 1 < lines_.size() && !lines_[i_ + 1].empty()) {
      std::string_view l = lines_[++i_];
      if (c->fail && StartsWith(l, "expected_fail_message")) {
        c->fail->match = Expectation::Match::kMessage;
        c->fail->text = std::string(Trim(l.substr(21)));
        continue;
      }
      if (c->fail && StartsWith(l, "expected_fail_regexp")) {
        c->fail->match = Expectation::Match::kRegex;
        c->fail->text = std::string(Trim(l.substr(20)));
        continue;
      }
      if (StartsWith(l, "expect range vector")) {
        std::string_view r = l.substr(19);
        std::array<int64_t, 3> fts;
        auto tw = [&](std::string_view keyword, int64_t* out) {
          std::string_view saved = rest;
          rest = r;
          bool ok = time_word(keyword, out);
          r = rest;
          rest = saved;
          return ok;
        };
        if (!tw("from", &fts[0]) || !tw("to", &fts[1]) || !tw("step", &fts[2])) {
          *err = "invalid range vector definition";
          return false;
        }
        c->matrix_range = fts;
        continue;
      }
      if (StartsWith(l, "expect string")) {
        std::string value;
        if (!UnquoteGo(Trim(l.substr(13)), &value)) {
          *err = "expected string literal not valid - check that the string is correctly quoted";
          return false;
        }
        c->string = std::move(value);
        continue;
      }
      if (StartsWith(l, "expect ")) {
        if (!ParseExpect(l.substr(7), c, err)) return false;
        continue;
      }
      char* end = nullptr;
      std::string text(l);
      double num = std::strtod(text.c_str(), &end);
      bool is_number = end == text.c_str() + text.size() && !text.empty() &&
                       text.find_first_of("xX") == std::string::npos;
      if (is_number) {
        c->scalar = num;
        continue;
      }
      LoadedSeries s;
      if (!ParseSeriesDesc(l, &s.labels, &s.values, err)) return false;
      if (s.values.size() > 1 && !c->range && !c->matrix_range) {
        *err = "expecting multiple values in instant evaluation not allowed";
        return false;
      }
      c->expected.push_back(std::move(s));
    }
    return true;
  }

  std::vector<std::string_view> lines_;
  size_t i_ = 0;
};

// ------------------------------------------------------------------ execution

std::string Show(double v) {
  if (IsStaleMarker(v)) return "stale";
  return FormatPromFloat(v);
}

std::string ShowPoints(const std::vector<Point>& pts) {
  std::string s = "[";
  for (size_t i = 0; i < pts.size(); ++i) {
    if (i) s += " ";
    s += Show(pts[i].v) + "@" + std::to_string(pts[i].t_ms);
  }
  return s + "]";
}

class Runner {
 public:
  Runner() { Clear(); }

  std::optional<std::string> Exec(const Command& c) {
    switch (c.kind) {
      case Command::Kind::kClear:
        Clear();
        return std::nullopt;
      case Command::Kind::kLoad:
        return Load(c);
      case Command::Kind::kEval:
        return Eval(c);
    }
    return std::nullopt;
  }

 private:
  void Clear() {
    table_ = std::make_unique<store::MetricTable>();
    engine_ = std::make_unique<Engine>(*table_, EngineOptions{});
  }

  // Sends the series as OTLP gauges (one per series, its labels as point attributes) through
  // the store's conversion, and checks they arrive with exactly the script's labels.
  std::optional<std::string> Load(const Command& c) {
    std::deque<std::string> strings;  // the batch's strings
    auto keep = [&](std::string s) -> std::string_view { return strings.emplace_back(s); };
    pdata::MetricBatch batch;
    pdata::ResourceMetrics rm;
    pdata::ScopeMetrics sm;
    std::set<store::Labels> want;
    for (const auto& s : c.series) {
      std::string_view name = store::GetLabel(s.labels, "__name__");
      if (name.empty()) return "load: series without a metric name cannot be sent over OTLP";
      pdata::Metric m;
      m.name = keep(std::string(name));
      m.type = pdata::MetricType::kGauge;
      int64_t t = 0;
      for (const auto& v : s.values) {
        if (!v.omitted) {
          pdata::NumberDataPoint p;
          p.time_unix_nano = static_cast<uint64_t>(t) * 1000000ull;
          p.value_type = pdata::NumberDataPoint::ValueType::kDouble;
          if (IsStaleMarker(v.v)) {
            p.flags = pdata::kNoRecordedValueFlag;
          } else {
            p.as_double = v.v;
          }
          for (const auto& l : s.labels) {
            if (l.name == "__name__") continue;
            p.attributes.push_back(
                pdata::KeyValue{keep(l.name), pdata::AnyValue::String(keep(l.value))});
          }
          m.number_points.push_back(std::move(p));
        }
        t += c.step_ms;
      }
      if (!m.number_points.empty()) want.insert(s.labels);
      sm.metrics.push_back(std::move(m));
    }
    rm.scope_metrics.push_back(std::move(sm));
    batch.resources().push_back(std::move(rm));
    store::ConvertedMetrics converted = table_->Convert(batch);
    std::set<store::Labels> got;
    for (const auto& s : converted.series) got.insert(s.labels);
    if (got != want) {
      std::string msg = "load: the series do not arrive through OTLP as written; stored:";
      for (const auto& l : got) msg += " " + store::LabelsToString(l);
      return msg;
    }
    table_->Apply(std::move(converted));
    return std::nullopt;
  }

  std::optional<std::string> Eval(const Command& c) {
    Deadline deadline = std::chrono::steady_clock::now() + std::chrono::seconds(100);
    // Annotations without the query text carry no position, as in Prometheus's test scripts.
    Annotations annos;
    Value result;
    Status status = Status::Ok();
    auto expr = ParseExpr(c.expr);
    if (!expr.ok()) {
      status = expr.status();
    } else if (c.range) {
      auto m = engine_->ExecRange(**expr, c.start_ms, c.end_ms, c.step_ms, deadline, &annos);
      if (m.ok()) {
        result.type = ValueType::kMatrix;
        result.matrix = std::move(*m);
      } else {
        status = m.status();
      }
    } else {
      auto v = engine_->ExecInstant(**expr, c.start_ms, deadline, &annos);
      if (v.ok()) {
        result = std::move(*v);
      } else {
        status = v.status();
      }
    }
    std::string q = "query \"" + c.expr + "\"";
    if (c.fail) {
      if (status.ok()) return "expected error evaluating " + q + " but got none";
      std::string msg(status.message());
      if (!c.fail->Matches(msg))
        return "expected error " + c.fail->text + " evaluating " + q + ", got: " + msg;
      return std::nullopt;
    }
    if (!status.ok()) return "error evaluating " + q + ": " + std::string(status.message());
    if (auto e = CheckAnnotations(c, annos, q)) return e;
    if (auto e = Compare(c, result)) return e;
    if (c.range && !DependsOnQueryRange(**expr)) return SameAsInstants(c, **expr, result.matrix, q);
    return std::nullopt;
  }

  // `@ start()`, `@ end()` and duration expressions (step()) mean something else in an instant
  // query.
  static bool DependsOnQueryRange(const Node& n) {
    if (n.at.kind == AtModifier::Kind::kStart || n.at.kind == AtModifier::Kind::kEnd ||
        n.offset_expr || n.range_expr || n.step_expr)
      return true;
    if (n.param && DependsOnQueryRange(*n.param)) return true;
    for (const auto& c : n.children)
      if (DependsOnQueryRange(*c)) return true;
    return false;
  }

  // A range query's result must be, step by step, exactly the instant query's at that time (the
  // engine computes some calls for all steps at once: this holds it to the per-step semantics).
  std::optional<std::string> SameAsInstants(const Command& c, const Node& expr, const Matrix& m,
                                            const std::string& q) {
    Deadline deadline = std::chrono::steady_clock::now() + std::chrono::seconds(100);
    auto same = [](const Point& a, const Point& b) {
      if (a.h || b.h) return a.h && b.h && *a.h == *b.h;
      return std::bit_cast<uint64_t>(a.v) == std::bit_cast<uint64_t>(b.v) ||
             (std::isnan(a.v) && std::isnan(b.v));
    };
    std::map<int64_t, std::map<store::Labels, Point>> by_step;
    for (const auto& s : m)
      for (const auto& p : s.points) by_step[p.t_ms].emplace(s.metric, p);
    for (int64_t t = c.start_ms; t <= c.end_ms; t += c.step_ms) {
      auto v = engine_->ExecInstant(expr, t, deadline, nullptr);
      if (!v.ok())
        return q + " at " + std::to_string(t) +
               " as an instant query: " + std::string(v.status().message());
      std::map<store::Labels, Point> got;
      if (v->type == ValueType::kScalar) got.emplace(store::Labels{}, Point{t, v->scalar});
      for (const auto& e : v->vector) got.emplace(e.metric, Point{t, e.v, e.h});
      const auto& want = by_step[t];
      bool equal = got.size() == want.size();
      for (auto i = got.cbegin(), j = want.cbegin(); equal && i != got.cend(); ++i, ++j)
        equal = i->first == j->first && same(i->second, j->second);
      if (!equal) {
        std::string msg = q + " at " + std::to_string(t) + ": the range query has";
        for (const auto& [l, p] : want) msg += " " + store::LabelsToString(l) + " " + Show(p.v);
        msg += ", the instant query";
        for (const auto& [l, p] : got) msg += " " + store::LabelsToString(l) + " " + Show(p.v);
        return msg;
      }
    }
    return std::nullopt;
  }

  static std::optional<std::string> CheckAnnotationsOf(const std::vector<Expectation>& expected,
                                                       const std::vector<std::string>& actual,
                                                       bool no_more, std::string_view kind,
                                                       const std::string& q) {
    if (no_more && !actual.empty())
      return "unexpected " + std::string(kind) + " annotations for " + q + ": " + actual[0];
    if (expected.empty()) return std::nullopt;
    for (const auto& e : expected) {
      bool found = false;
      for (const auto& a : actual) found = found || e.Matches(a);
      if (!found)
        return "expected " + std::string(kind) + " annotation \"" + e.text + "\" for " + q +
               (actual.empty() ? ", got none" : ", got: " + actual[0]);
    }
    for (const auto& a : actual) {
      bool found = false;
      for (const auto& e : expected) found = found || e.Matches(a);
      if (!found) return "unexpected " + std::string(kind) + " annotation \"" + a + "\" for " + q;
    }
    return std::nullopt;
  }

  static std::optional<std::string> CheckAnnotations(const Command& c, const Annotations& a,
                                                     const std::string& q) {
    if (c.warn && a.warnings.empty()) return "expected warnings evaluating " + q + " but got none";
    if (c.info && a.infos.empty()) return "expected info annotations evaluating " + q;
    if (auto e = CheckAnnotationsOf(c.warnings, a.warnings, c.no_warn, "warn", q)) return e;
    return CheckAnnotationsOf(c.infos, a.infos, c.no_info, "info", q);
  }

  static std::optional<std::string> Compare(const Command& c, const Value& v) {
    if (c.string) {
      if (v.type != ValueType::kString) return "expected a string result";
      if (v.str != *c.string)
        return "expected string \"" + *c.string + "\" but got \"" + v.str + "\"";
      return std::nullopt;
    }
    if (c.scalar) {
      if (v.type != ValueType::kScalar)
        return "expected scalar result, but got " + std::string(ResultTypeName(v.type));
      if (!AlmostEqual(*c.scalar, v.scalar, kEpsilon))
        return "expected scalar " + Show(*c.scalar) + " but got " + Show(v.scalar);
      return std::nullopt;
    }
    std::map<store::Labels, std::pair<size_t, const LoadedSeries*>> want;
    for (size_t i = 0; i < c.expected.size(); ++i) {
      if (!want.emplace(c.expected[i].labels, std::make_pair(i, &c.expected[i])).second)
        return "series " + store::LabelsToString(c.expected[i].labels) + " expected twice";
    }
    if (v.type == ValueType::kScalar) return "expected vector or matrix result, but got a scalar";
    if (v.type == ValueType::kString) return "expected vector or matrix result, but got a string";
    std::set<store::Labels> seen;
    if (v.type == ValueType::kVector) {
      if (c.range) return "range query returned a vector";
      for (size_t pos = 0; pos < v.vector.size(); ++pos) {
        const Element& e = v.vector[pos];
        auto it = want.find(e.metric);
        if (it == want.end())
          return "unexpected metric " + store::LabelsToString(e.metric) + " in result, has value " +
                 Show(e.v);
        if (c.ordered && it->second.first != pos)
          return "expected metric " + store::LabelsToString(e.metric) + " at position " +
                 std::to_string(it->second.first + 1) + " but was at " + std::to_string(pos + 1);
        const SequenceValue& x = it->second.second->values.at(0);
        if (!AlmostEqual(x.v, e.v, kEpsilon))
          return "expected " + Show(x.v) + " for " + store::LabelsToString(e.metric) + " but got " +
                 Show(e.v);
        seen.insert(e.metric);
      }
    } else {
      if (c.ordered) return "expected ordered result, but query returned a matrix";
      int64_t start = c.start_ms, end = c.end_ms, step = c.step_ms;
      if (!c.range) {
        if (!c.matrix_range) return "instant query returned a matrix; use expect range vector";
        start = (*c.matrix_range)[0];
        end = (*c.matrix_range)[1];
        step = (*c.matrix_range)[2];
      }
      for (size_t k = 1; k < v.matrix.size(); ++k)
        if (!(v.matrix[k - 1].metric < v.matrix[k].metric))
          return "matrix result is not sorted by labels";
      for (const auto& s : v.matrix) {
        auto it = want.find(s.metric);
        if (it == want.end())
          return "unexpected metric " + store::LabelsToString(s.metric) + " in result, has " +
                 ShowPoints(s.points);
        std::vector<Point> exp;
        const auto& vals = it->second.second->values;
        for (size_t i = 0; i < vals.size(); ++i) {
          int64_t t = start + static_cast<int64_t>(i) * step;
          if (t > end)
            return "expected " + std::to_string(vals.size()) + " points for " +
                   store::LabelsToString(s.metric) + ", more than the time range has";
          if (!vals[i].omitted) exp.push_back(Point{t, vals[i].v});
        }
        std::string where = " for " + store::LabelsToString(s.metric) + " (result has " +
                            ShowPoints(s.points) + ")";
        if (exp.size() != s.points.size())
          return "expected " + std::to_string(exp.size()) + " points" + where;
        for (size_t i = 0; i < exp.size(); ++i) {
          if (exp[i].t_ms != s.points[i].t_ms)
            return "expected a point at " + std::to_string(exp[i].t_ms) + where;
          if (!AlmostEqual(exp[i].v, s.points[i].v, kEpsilon))
            return "expected " + Show(exp[i].v) + " at " + std::to_string(exp[i].t_ms) + where;
        }
        seen.insert(s.metric);
      }
    }
    for (const auto& [labels, w] : want)
      if (!seen.count(labels))
        return "expected metric " + store::LabelsToString(labels) + " not found";
    return std::nullopt;
  }

  std::unique_ptr<store::MetricTable> table_;
  std::unique_ptr<Engine> engine_;
};

}  // namespace

bool AlmostEqual(double a, double b, double epsilon) {
  if (a == b) return true;
  // A stale marker equals only a stale marker; other NaNs equal each other.
  if (std::isnan(a) || std::isnan(b))
    return std::isnan(a) && std::isnan(b) && IsStaleMarker(a) == IsStaleMarker(b);
  double diff = std::fabs(a - b);
  double sum = std::fabs(a) + std::fabs(b);
  constexpr double kMinNormal = std::numeric_limits<double>::min();
  if (a == 0 || b == 0 || sum < kMinNormal) return diff < epsilon * kMinNormal;
  return diff / std::min(sum, std::numeric_limits<double>::max()) < epsilon;
}

bool ParseSeriesDesc(std::string_view line, store::Labels* labels,
                     std::vector<SequenceValue>* values, std::string* error) {
  values->clear();
  return DescParser(line).Parse(labels, values, error);
}

std::vector<Failure> RunScript(std::string_view text) {
  std::vector<Command> cmds;
  Failure parse_error;
  if (!ScriptParser(text).Parse(&cmds, &parse_error)) return {parse_error};
  std::vector<Failure> out;
  Runner runner;
  for (const auto& c : cmds) {
    if (auto err = runner.Exec(c)) out.push_back(Failure{c.line, std::move(*err)});
  }
  return out;
}

}  // namespace otter::query::promql::script
