// LogQL script runner: executes the scripts in testdata/*.test against the engine over a real
// store::LogTable, with the logs loaded as OTLP records (resource attributes, record attributes,
// body). Each script is one GoogleTest case; the format is described in testdata/README.md.
// A failure names the script line whose expectation did not hold.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "query/logql/engine.h"
#include "query/logql/lexer.h"
#include "query/logql/parser.h"
#include "store/log_table.h"

namespace otter::query::logql {
namespace {

// ---------------------------------------------------------------- script text

// A cursor over one script line.
struct Cursor {
  std::string_view s;
  size_t i = 0;

  void SkipSpace() {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  }
  bool AtEnd() {
    SkipSpace();
    return i >= s.size() || s[i] == '#';
  }
  bool Consume(std::string_view word) {
    SkipSpace();
    if (s.substr(i, word.size()) != word) return false;
    size_t end = i + word.size();
    if (end < s.size() && std::isalnum(static_cast<unsigned char>(s[end])) &&
        std::isalnum(static_cast<unsigned char>(word.back())))
      return false;
    i = end;
    return true;
  }
  std::string_view Word() {
    SkipSpace();
    size_t start = i;
    while (i < s.size() && s[i] != ' ' && s[i] != '\t') ++i;
    return s.substr(start, i - start);
  }
  std::string_view Rest() {
    SkipSpace();
    return s.substr(i);
  }
};

Status ScriptError(std::string_view what, const Cursor& c) {
  return InvalidArgument(fmt::format("{} at column {}", what, c.i + 1));
}

// A double-quoted string with \" \\ \n \t \xHH escapes.
StatusOr<std::string> ReadQuoted(Cursor& c) {
  c.SkipSpace();
  if (c.i >= c.s.size() || c.s[c.i] != '"') return ScriptError("expected a quoted string", c);
  std::string out;
  for (++c.i; c.i < c.s.size(); ++c.i) {
    char ch = c.s[c.i];
    if (ch == '"') {
      ++c.i;
      return out;
    }
    if (ch != '\\' || c.i + 1 >= c.s.size()) {
      out += ch;
      continue;
    }
    char e = c.s[++c.i];
    if (e == 'n') {
      out += '\n';
    } else if (e == 't') {
      out += '\t';
    } else if (e == 'x' && c.i + 2 < c.s.size()) {
      out += static_cast<char>(std::stoi(std::string(c.s.substr(c.i + 1, 2)), nullptr, 16));
      c.i += 2;
    } else {
      out += e;
    }
  }
  return ScriptError("unterminated string", c);
}

// {a="x", b.c="y"}: names may hold dots (resource attribute keys). Not sorted.
StatusOr<store::Labels> ReadLabels(Cursor& c) {
  store::Labels out;
  c.SkipSpace();
  if (c.i >= c.s.size() || c.s[c.i] != '{') return ScriptError("expected '{'", c);
  ++c.i;
  while (true) {
    c.SkipSpace();
    if (c.i < c.s.size() && c.s[c.i] == '}') {
      ++c.i;
      return out;
    }
    size_t start = c.i;
    while (c.i < c.s.size() && (std::isalnum(static_cast<unsigned char>(c.s[c.i])) ||
                                c.s[c.i] == '_' || c.s[c.i] == '.'))
      ++c.i;
    std::string name(c.s.substr(start, c.i - start));
    if (name.empty() || !c.Consume("=")) return ScriptError("expected name=\"value\"", c);
    ASSIGN_OR_RETURN(std::string value, ReadQuoted(c));
    out.push_back({std::move(name), std::move(value)});
    c.SkipSpace();
    if (c.i < c.s.size() && c.s[c.i] == ',') ++c.i;
  }
}

StatusOr<int64_t> ReadTime(Cursor& c) {
  std::string_view w = c.Word();
  int64_t ns = 0;
  if (w == "0") return 0;
  if (!ParseDurationNs(w, &ns)) return ScriptError(fmt::format("bad time \"{}\"", w), c);
  return ns;
}

// An expected value: a number, NaN, Inf, -Inf, or a fraction "a/b" (evaluated in double, so
// that rates can be written exactly).
std::optional<double> ParseValue(std::string_view w) {
  auto number = [](std::string_view s) -> std::optional<double> {
    std::string t(s);
    if (t == "NaN") return std::nan("");
    if (t == "Inf" || t == "+Inf") return INFINITY;
    if (t == "-Inf") return -INFINITY;
    char* end = nullptr;
    double v = std::strtod(t.c_str(), &end);
    if (t.empty() || end != t.c_str() + t.size()) return std::nullopt;
    return v;
  };
  size_t slash = w.find('/');
  if (slash == std::string_view::npos) return number(w);
  auto a = number(w.substr(0, slash)), b = number(w.substr(slash + 1));
  if (!a || !b) return std::nullopt;
  return *a / *b;
}

bool SameValue(double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; }

std::string FormatValue(double v) {
  if (std::isnan(v)) return "NaN";
  return fmt::format("{}", v);
}

std::string FormatTime(int64_t ns) {
  if (ns % 1'000'000'000 == 0) return fmt::format("{}s", ns / 1'000'000'000);
  return fmt::format("{}ms", ns / 1'000'000);
}

// ---------------------------------------------------------------- the runner

class ScriptRunner {
 public:
  // Runs the whole script; returns one message per failed expectation ("line N: ...").
  std::vector<std::string> Run(std::string_view text) {
    std::vector<std::string> lines;
    std::istringstream in{std::string(text)};
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    size_t i = 0;
    while (i < lines.size()) {
      Cursor c{lines[i]};
      if (c.AtEnd()) {
        ++i;
        continue;
      }
      size_t first = i;
      // A command and its indented body.
      std::vector<std::pair<size_t, std::string_view>> body;
      for (++i;
           i < lines.size() && !lines[i].empty() && (lines[i][0] == ' ' || lines[i][0] == '\t');
           ++i) {
        Cursor b{lines[i]};
        if (!b.AtEnd()) body.emplace_back(i, lines[i]);
      }
      Status st = Command(c, body);
      if (!st.ok()) failures_.push_back(fmt::format("line {}: {}", first + 1, st.message()));
    }
    return failures_;
  }

 private:
  using Body = std::vector<std::pair<size_t, std::string_view>>;

  Status Command(Cursor& c, const Body& body) {
    if (c.Consume("load")) return Load(body);
    bool expect_fail = c.Consume("eval_fail");
    if (!expect_fail && !c.Consume("eval")) return ScriptError("unknown command", c);
    QueryParams params;
    bool logs = false;
    if (c.Consume("instant")) {
      if (!c.Consume("at")) return ScriptError("expected 'at'", c);
      ASSIGN_OR_RETURN(params.end_ns, ReadTime(c));
      params.start_ns = params.end_ns;
      params.instant = true;
    } else if (c.Consume("range") || (logs = c.Consume("logs"))) {
      if (!c.Consume("from")) return ScriptError("expected 'from'", c);
      ASSIGN_OR_RETURN(params.start_ns, ReadTime(c));
      if (!c.Consume("to")) return ScriptError("expected 'to'", c);
      ASSIGN_OR_RETURN(params.end_ns, ReadTime(c));
      if (!logs) {
        if (!c.Consume("step")) return ScriptError("expected 'step'", c);
        ASSIGN_OR_RETURN(params.step_ns, ReadTime(c));
      }
      while (logs) {
        if (c.Consume("limit")) {
          params.limit = std::stoul(std::string(c.Word()));
        } else if (c.Consume("forward")) {
          params.direction = store::Direction::kForward;
        } else if (c.Consume("backward")) {
          params.direction = store::Direction::kBackward;
        } else {
          break;
        }
      }
    } else {
      return ScriptError("expected instant, range or logs", c);
    }
    std::string_view query = c.Rest();
    StatusOr<QueryResult> result = Exec(query, params);
    if (expect_fail) {
      if (body.size() != 1) return InvalidArgument("eval_fail wants one 'error <message>' line");
      Cursor b{body[0].second};
      if (!b.Consume("error")) return ScriptError("expected 'error'", b);
      // The message as is, or quoted (for messages with line breaks).
      std::string want(b.Rest());
      if (!want.empty() && want[0] == '"') {
        ASSIGN_OR_RETURN(want, ReadQuoted(b));
      }
      if (result.ok()) return InvalidArgument(fmt::format("{}: succeeded, want error", query));
      if (result.status().message() != want)
        return InvalidArgument(
            fmt::format("{}:\n  error: {}\n  want:  {}", query, result.status().message(), want));
      return Status::Ok();
    }
    if (!result.ok())
      return InvalidArgument(fmt::format("{}: {}", query, result.status().message()));
    std::string got = logs ? RenderStreams(*result) : RenderSeries(*result, params);
    ASSIGN_OR_RETURN(std::string want,
                     logs ? ExpectedStreams(body) : ExpectedSeries(body, *result, params));
    if (got != want)
      return InvalidArgument(fmt::format("{}:\n--- got\n{}--- want\n{}", query, got, want));
    return Status::Ok();
  }

  StatusOr<QueryResult> Exec(std::string_view query, const QueryParams& params) {
    ASSIGN_OR_RETURN(auto expr, ParseQuery(query));
    if (expr->IsLogQuery() && params.instant)
      return InvalidArgument("log queries are evaluated with 'eval logs'");
    Engine engine(table_, EngineOptions{});
    return engine.Exec(*expr, params, store::QueryLimits{});
  }

  // load
  //   stream {resource attributes}
  //     <time> "<body>" [{record attributes}]
  // The attributes trace_id (hex), span_id (hex) and severity_text fill the record's fields.
  Status Load(const Body& body) {
    pdata::LogBatch batch;
    pdata::ResourceLogs* rl = nullptr;
    auto copy = [&](std::string_view s) { return batch.arenas().Copy(s); };
    for (const auto& [n, text] : body) {
      Cursor c{text};
      Status st = [&]() -> Status {
        if (c.Consume("stream")) {
          ASSIGN_OR_RETURN(store::Labels attrs, ReadLabels(c));
          rl = &batch.resources().emplace_back();
          for (const auto& a : attrs)
            rl->resource.attributes.push_back(
                {copy(a.name), pdata::AnyValue::String(copy(a.value))});
          rl->scope_logs.emplace_back();
          return Status::Ok();
        }
        if (!rl) return ScriptError("entry before the first 'stream'", c);
        pdata::LogRecord& r = rl->scope_logs.back().log_records.emplace_back();
        ASSIGN_OR_RETURN(int64_t t, ReadTime(c));
        r.time_unix_nano = static_cast<uint64_t>(t);
        ASSIGN_OR_RETURN(std::string line, ReadQuoted(c));
        r.body = pdata::AnyValue::String(copy(line));
        if (c.AtEnd()) return Status::Ok();
        ASSIGN_OR_RETURN(store::Labels attrs, ReadLabels(c));
        for (const auto& a : attrs) {
          if (a.name == "trace_id") {
            if (!pdata::ParseHexId(a.value, &r.trace_id)) return ScriptError("bad trace_id", c);
          } else if (a.name == "span_id") {
            if (!pdata::ParseHexId(a.value, &r.span_id)) return ScriptError("bad span_id", c);
          } else if (a.name == "severity_text") {
            r.severity_text = copy(a.value);
          } else {
            r.attributes.push_back({copy(a.name), pdata::AnyValue::String(copy(a.value))});
          }
        }
        return Status::Ok();
      }();
      if (!st.ok()) return InvalidArgument(fmt::format("line {}: {}", n + 1, st.message()));
    }
    table_.Apply(std::move(batch));
    return Status::Ok();
  }

  // Streams as the script writes them: the labels, then one indented line per entry.
  static std::string RenderStreams(const QueryResult& r) {
    std::string out;
    for (const auto& s : r.streams) {
      out += store::LabelsToString(s.labels) + "\n";
      for (const auto& e : s.entries)
        out += fmt::format("  {} {:?}\n", FormatTime(e.ts_ns), e.line);
    }
    return out;
  }

  static StatusOr<std::string> ExpectedStreams(const Body& body) {
    std::string out;
    for (const auto& [n, text] : body) {
      Cursor c{text};
      c.SkipSpace();
      Status st = [&]() -> Status {
        if (c.i < c.s.size() && c.s[c.i] == '{') {
          ASSIGN_OR_RETURN(store::Labels labels, ReadLabels(c));
          store::SortLabels(labels);
          out += store::LabelsToString(labels) + "\n";
          return Status::Ok();
        }
        ASSIGN_OR_RETURN(int64_t t, ReadTime(c));
        ASSIGN_OR_RETURN(std::string line, ReadQuoted(c));
        out += fmt::format("  {} {:?}\n", FormatTime(t), line);
        return Status::Ok();
      }();
      if (!st.ok()) return InvalidArgument(fmt::format("line {}: {}", n + 1, st.message()));
    }
    return out;
  }

  // One line per series: labels, then a value per step ('_' where the series has none).
  static std::string RenderSeries(const QueryResult& r, const QueryParams& p) {
    if (r.type == QueryResult::Type::kScalar) return "scalar " + FormatValue(r.scalar) + "\n";
    std::string out;
    for (const auto& s : r.series) {
      out += store::LabelsToString(s.labels);
      size_t k = 0;
      for (int64_t t = p.start_ns; t <= p.end_ns; t += p.instant ? 1 : p.step_ns) {
        if (k < s.points.size() && s.points[k].first == t) {
          out += " " + FormatValue(s.points[k++].second);
        } else {
          out += " _";
        }
        if (p.instant) break;
      }
      out += "\n";
    }
    return out;
  }

  // Expected values are parsed and put in the actual result's text form when they equal the
  // actual value (so fractions compare exactly), else printed as written.
  static StatusOr<std::string> ExpectedSeries(const Body& body, const QueryResult& r,
                                              const QueryParams& p) {
    std::string out;
    for (size_t row = 0; row < body.size(); ++row) {
      Cursor c{body[row].second};
      const ResultSeries* actual = row < r.series.size() ? &r.series[row] : nullptr;
      if (c.Consume("scalar")) {
        std::string_view w = c.Word();
        auto v = ParseValue(w);
        if (!v) return InvalidArgument(fmt::format("line {}: bad value", body[row].first + 1));
        bool same = r.type == QueryResult::Type::kScalar && SameValue(*v, r.scalar);
        out += "scalar " + (same ? FormatValue(r.scalar) : std::string(w)) + "\n";
        continue;
      }
      auto labels = ReadLabels(c);
      if (!labels.ok())
        return InvalidArgument(
            fmt::format("line {}: {}", body[row].first + 1, labels.status().message()));
      store::SortLabels(*labels);
      out += store::LabelsToString(*labels);
      size_t k = 0;
      for (int64_t t = p.start_ns; t <= p.end_ns; t += p.instant ? 1 : p.step_ns) {
        std::string_view w = c.Word();
        // "vxN": v repeated N times.
        size_t x = w.find('x');
        int repeat = 1;
        if (x != std::string_view::npos && w != "NaN") {
          repeat = std::stoi(std::string(w.substr(x + 1)));
          w = w.substr(0, x);
        }
        for (int rep = 0; rep < repeat; ++rep) {
          if (rep > 0) t += p.step_ns;
          const std::pair<int64_t, double>* point = nullptr;
          if (actual && k < actual->points.size() && actual->points[k].first == t)
            point = &actual->points[k++];
          if (w == "_") {
            out += " _";
            continue;
          }
          auto v = ParseValue(w);
          if (!v)
            return InvalidArgument(
                fmt::format("line {}: bad value \"{}\"", body[row].first + 1, w));
          out += " " + (point && SameValue(point->second, *v) ? FormatValue(point->second)
                                                              : std::string(w));
        }
        if (p.instant) break;
      }
      if (!c.AtEnd())
        return InvalidArgument(fmt::format("line {}: more values than steps", body[row].first + 1));
      out += "\n";
    }
    return out;
  }

  store::LogTable table_;
  std::vector<std::string> failures_;
};

// ---------------------------------------------------------------- the tests

std::filesystem::path TestdataDir() {
  return std::filesystem::path(OTTER_SOURCE_DIR) / "src/query/logql/testdata";
}

std::vector<std::string> ScriptNames() {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(TestdataDir()))
    if (e.path().extension() == ".test") names.push_back(e.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

class LogqlScriptTest : public ::testing::TestWithParam<std::string> {};

TEST_P(LogqlScriptTest, Passes) {
  std::ifstream f(TestdataDir() / (GetParam() + ".test"));
  ASSERT_TRUE(f) << GetParam();
  std::stringstream text;
  text << f.rdbuf();
  ScriptRunner runner;
  for (const std::string& failure : runner.Run(text.str()))
    ADD_FAILURE() << GetParam() << ".test " << failure;
}

INSTANTIATE_TEST_SUITE_P(Scripts, LogqlScriptTest, ::testing::ValuesIn(ScriptNames()),
                         [](const auto& info) { return info.param; });

constexpr std::string_view kSmallScript = R"(
load
  stream {service.name="api"}
    10s "a"
    20s "b"

eval instant at 30s count_over_time({service_name="api"}[1m])
  {detected_level="unknown", service_name="api"} 2

eval range from 0s to 30s step 15s count_over_time({service_name="api"}[15s])
  {detected_level="unknown", service_name="api"} _ 1 1

eval logs from 0s to 60s {service_name="api"}
  {detected_level="unknown", service_name="api"}
    20s "b"
    10s "a"

eval_fail instant at 10s rate({service_name="api"})
  error parse error at line 1, col 26: syntax error: unexpected )
)";

TEST(LogqlScriptRunnerTest, AcceptsMatchingExpectations) {
  ScriptRunner runner;
  EXPECT_EQ(runner.Run(kSmallScript), std::vector<std::string>{});
}

// Each flipped expectation must be reported on its own line.
TEST(LogqlScriptRunnerTest, ReportsEveryFlippedExpectation) {
  struct Flip {
    std::string_view from, to;
    int line;
  };
  for (const Flip& f : std::vector<Flip>{
           {"service_name=\"api\"} 2", "service_name=\"api\"} 3", 7},
           {"_ 1 1", "_ 1 2", 10},
           {"20s \"b\"\n    10s", "20s \"c\"\n    10s", 13},
           {"unexpected )", "unexpected (", 18},
           {"service_name=\"api\"}\n    20s", "service_name=\"web\"}\n    20s", 13}}) {
    std::string script(kSmallScript);
    size_t at = script.find(f.from);
    ASSERT_NE(at, std::string::npos) << f.from;
    script.replace(at, f.from.size(), f.to);
    ScriptRunner runner;
    auto failures = runner.Run(script);
    ASSERT_EQ(failures.size(), 1u) << f.to;
    EXPECT_EQ(failures[0].substr(0, failures[0].find(':')), fmt::format("line {}", f.line))
        << failures[0];
  }
}

}  // namespace
}  // namespace otter::query::logql
