#include "query/jaeger_api.h"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "otlp/json_codec.h"
#include "query/jaeger_json.h"

namespace otter::query {
namespace {

using pdata::AnyValue;
using pdata::KeyValue;

constexpr uint64_t kT0 = 1700000000000000000;  // ns
constexpr uint64_t kMs = 1000000;

pdata::TraceId TraceIdOf(uint64_t hi, uint64_t lo) {
  pdata::TraceId id;
  for (int i = 0; i < 8; ++i) {
    id.bytes[i] = static_cast<uint8_t>(hi >> (56 - 8 * i));
    id.bytes[8 + i] = static_cast<uint8_t>(lo >> (56 - 8 * i));
  }
  return id;
}
pdata::SpanId SpanIdOf(uint8_t last) {
  pdata::SpanId id;
  id.bytes[7] = last;
  return id;
}

const pdata::TraceId kTrace1 = TraceIdOf(0, 0x0102030405060708);
const pdata::TraceId kTrace2 = TraceIdOf(0xaaaaaaaaaaaaaaaa, 2);

pdata::ResourceSpans Resource(std::string_view service, bool with_host) {
  pdata::ResourceSpans rs;
  if (with_host) rs.resource.attributes.push_back({"host.name", AnyValue::String("h1")});
  rs.resource.attributes.push_back({"service.name", AnyValue::String(service)});
  return rs;
}

pdata::Span MakeSpan(const pdata::TraceId& trace, uint8_t id, uint8_t parent, std::string_view name,
                     pdata::SpanKind kind, uint64_t start, uint64_t end) {
  pdata::Span s;
  s.trace_id = trace;
  s.span_id = SpanIdOf(id);
  if (parent) s.parent_span_id = SpanIdOf(parent);
  s.name = name;
  s.kind = kind;
  s.start_time_unix_nano = start;
  s.end_time_unix_nano = end;
  return s;
}

// Trace 1: frontend "GET /" (server) -> backend "SELECT" (client, ERROR, links) -> frontend
// "handle" (internal, in a second resource identical to the first).
pdata::TraceBatch Trace1() {
  pdata::TraceBatch b;
  pdata::ResourceSpans a = Resource("frontend", true);
  pdata::ScopeSpans lib;
  lib.scope.name = "lib";
  lib.scope.version = "1.0";
  pdata::Span s1 =
      MakeSpan(kTrace1, 0x11, 0, "GET /", pdata::SpanKind::kServer, kT0, kT0 + 5 * kMs);
  s1.flags = 1;
  s1.trace_state = "a=b";
  AnyValue arr;
  arr.type = AnyValue::Type::kArray;
  arr.array_value = {AnyValue::Int(1), AnyValue::String("a")};
  AnyValue blob;
  blob.type = AnyValue::Type::kBytes;
  blob.string_value = std::string_view("\x00\x01", 2);
  s1.attributes = {{"http.method", AnyValue::String("GET")},
                   {"http.status_code", AnyValue::Int(200)},
                   {"big", AnyValue::Int(9007199254740993)},
                   {"ratio", AnyValue::Double(0.25)},
                   {"ok", AnyValue::Bool(true)},
                   {"blob", blob},
                   {"arr", arr}};
  s1.status.code = pdata::StatusCode::kOk;
  pdata::SpanEvent ev;
  ev.time_unix_nano = kT0 + kMs;
  ev.name = "cache miss";
  ev.attributes = {{"key", AnyValue::String("k1")}};
  s1.events.push_back(ev);
  lib.spans.push_back(s1);
  a.scope_spans.push_back(lib);
  b.resources().push_back(a);

  pdata::ResourceSpans back = Resource("backend", false);
  pdata::ScopeSpans anon;
  pdata::Span s2 =
      MakeSpan(kTrace1, 0x22, 0x11, "SELECT", pdata::SpanKind::kClient, kT0 + kMs, kT0 + 3 * kMs);
  s2.status.code = pdata::StatusCode::kError;
  s2.status.message = "boom";
  pdata::SpanLink l1;
  l1.trace_id = kTrace2;
  l1.span_id = SpanIdOf(0x33);
  pdata::SpanLink l2 = l1;
  l2.span_id = SpanIdOf(0x44);
  l2.attributes = {{"opentracing.ref_type", AnyValue::String("child_of")}};
  s2.links = {l1, l2};
  anon.spans.push_back(s2);
  back.scope_spans.push_back(anon);
  b.resources().push_back(back);

  pdata::ResourceSpans c = Resource("frontend", true);
  pdata::ScopeSpans lib2;
  lib2.scope.name = "lib";
  lib2.scope.version = "1.0";
  // Stored before its parent's start order would put it: output is ordered by start time.
  lib2.spans.push_back(MakeSpan(kTrace1, 0x55, 0x22, "handle", pdata::SpanKind::kInternal,
                                kT0 + 2 * kMs, kT0 + 2 * kMs + 500000));
  c.scope_spans.push_back(lib2);
  b.resources().push_back(c);
  return b;
}

// Trace 2 (128-bit id), ten seconds later: backend "consume" -> frontend "render".
pdata::TraceBatch Trace2() {
  pdata::TraceBatch b;
  pdata::ResourceSpans back = Resource("backend", false);
  pdata::ScopeSpans ss;
  ss.spans.push_back(MakeSpan(kTrace2, 0x33, 0, "consume", pdata::SpanKind::kConsumer,
                              kT0 + 10000 * kMs, kT0 + 10001 * kMs));
  back.scope_spans.push_back(ss);
  b.resources().push_back(back);
  pdata::ResourceSpans front = Resource("frontend", true);
  pdata::ScopeSpans ss2;
  ss2.spans.push_back(MakeSpan(kTrace2, 0x44, 0x33, "render", pdata::SpanKind::kProducer,
                               kT0 + 10000 * kMs + 100000, kT0 + 10000 * kMs + 300000));
  front.scope_spans.push_back(ss2);
  b.resources().push_back(front);
  return b;
}

class FakeQuerier : public store::TraceQuerier {
 public:
  FakeQuerier() {
    traces_.push_back(Trace1());
    traces_.push_back(Trace2());
  }
  StatusOr<pdata::TraceBatch> GetTrace(const pdata::TraceId& id) override {
    for (const auto& t : traces_)
      if (t.resources()[0].scope_spans[0].spans[0].trace_id == id) return t.Clone();
    return NotFound("no such trace in fake");
  }
  StatusOr<std::vector<pdata::TraceBatch>> FindTraces(const store::TraceSearch& search) override {
    last_search = search;
    if (fail_find) return Unavailable("store is closing");
    RETURN_IF_ERROR(search.limits.CheckDeadline());
    RETURN_IF_ERROR(search.limits.CheckHeld(traces_.size(), "candidate traces"));
    std::vector<pdata::TraceBatch> out;
    for (const auto& t : traces_) out.push_back(t.Clone());  // oldest first, on purpose
    return out;
  }
  std::vector<std::string> Services() override { return {"backend", "frontend"}; }
  std::vector<store::Operation> Operations(const std::string& service) override {
    if (service == "frontend") return {{"GET /", "server"}, {"handle", "internal"}};
    if (service == "backend") return {{"SELECT", "client"}, {"consume", "consumer"}};
    return {};
  }
  Status ScanTraces(uint64_t start_ns, uint64_t end_ns,
                    const std::function<bool(const pdata::TraceBatch&)>& fn) override {
    for (const auto& t : traces_) {
      bool in = false;
      for (const auto& rs : t.resources())
        for (const auto& ss : rs.scope_spans)
          for (const auto& s : ss.spans)
            in |= s.start_time_unix_nano >= start_ns && s.start_time_unix_nano <= end_ns;
      if (in && !fn(t)) break;
    }
    return Status::Ok();
  }

  // The calls of the traces ScanTraces passes, from their OTLP form.
  StatusOr<std::vector<store::DependencyLink>> Dependencies(
      uint64_t start_ns, uint64_t end_ns, const store::QueryLimits& limits) override {
    RETURN_IF_ERROR(limits.CheckDeadline());
    std::map<std::pair<std::string, std::string>, uint64_t> links;
    Status scan = ScanTraces(start_ns, end_ns, [&](const pdata::TraceBatch& trace) {
      std::map<pdata::SpanId, std::string_view> service_of;
      for (const auto& rs : trace.resources())
        for (const auto& ss : rs.scope_spans)
          for (const auto& span : ss.spans) service_of[span.span_id] = ServiceOf(rs.resource);
      for (const auto& rs : trace.resources()) {
        for (const auto& ss : rs.scope_spans) {
          for (const auto& span : ss.spans) {
            auto it = service_of.find(span.parent_span_id);
            if (span.parent_span_id.empty() || it == service_of.end() ||
                it->second == ServiceOf(rs.resource))
              continue;
            ++links[{std::string(it->second), std::string(ServiceOf(rs.resource))}];
          }
        }
      }
      return true;
    });
    RETURN_IF_ERROR(scan);
    std::vector<store::DependencyLink> out;
    for (const auto& [k, n] : links) out.push_back({k.first, k.second, n});
    return out;
  }
  static std::string_view ServiceOf(const pdata::Resource& r) {
    const pdata::AnyValue* v = pdata::FindAttribute(r.attributes, "service.name");
    return v ? v->string_value : std::string_view();
  }

  std::optional<store::TraceSearch> last_search;
  bool fail_find = false;

 private:
  std::vector<pdata::TraceBatch> traces_;
};

class JaegerApiTest : public ::testing::Test {
 protected:
  JaegerApiTest() : api_(querier_, Options()) {}
  static JaegerApiOptions Options() {
    JaegerApiOptions o;
    o.now_ns = [] { return static_cast<int64_t>(kT0 + 3600000 * kMs); };  // t0 + 1h
    return o;
  }
  net::HttpResponse Get(std::string target, std::string method = "GET") {
    net::HttpRequest req;
    req.method = std::move(method);
    req.target = std::move(target);
    net::HttpResponse resp;
    api_.Handle(req, &resp);
    return resp;
  }
  static std::string Header(const net::HttpResponse& r, std::string_view name) {
    for (const auto& [k, v] : r.headers)
      if (k == name) return v;
    return "";
  }

  FakeQuerier querier_;
  JaegerApi api_;
};

std::string V1Error(int code, std::string_view msg) {
  return R"({"data":null,"total":0,"limit":0,"offset":0,"errors":[{"code":)" +
         std::to_string(code) + R"(,"msg":")" + std::string(msg) + "\"}]}\n";
}

const char kTrace1Json[] =
    R"({"traceID":"0102030405060708","spans":[)"
    R"({"traceID":"0102030405060708","spanID":"0000000000000011","flags":1,"operationName":"GET /",)"
    R"("references":[],"startTime":1700000000000000,"duration":5000,"tags":[)"
    R"({"key":"otel.scope.name","type":"string","value":"lib"},)"
    R"({"key":"otel.scope.version","type":"string","value":"1.0"},)"
    R"({"key":"arr","type":"string","value":"[1,\"a\"]"},)"
    R"({"key":"big","type":"int64","value":"9007199254740993"},)"
    R"({"key":"blob","type":"binary","value":"AAE="},)"
    R"({"key":"http.method","type":"string","value":"GET"},)"
    R"({"key":"http.status_code","type":"int64","value":200},)"
    R"({"key":"ok","type":"bool","value":true},)"
    R"({"key":"ratio","type":"float64","value":0.25},)"
    R"({"key":"span.kind","type":"string","value":"server"},)"
    R"({"key":"otel.status_code","type":"string","value":"OK"},)"
    R"({"key":"w3c.tracestate","type":"string","value":"a=b"}],)"
    R"("logs":[{"timestamp":1700000000001000,"fields":[)"
    R"({"key":"event","type":"string","value":"cache miss"},)"
    R"({"key":"key","type":"string","value":"k1"}]}],"processID":"p1","warnings":null},)"
    R"({"traceID":"0102030405060708","spanID":"0000000000000022","operationName":"SELECT",)"
    R"("references":[)"
    R"({"refType":"CHILD_OF","traceID":"0102030405060708","spanID":"0000000000000011"},)"
    R"({"refType":"FOLLOWS_FROM","traceID":"aaaaaaaaaaaaaaaa0000000000000002","spanID":"0000000000000033"},)"
    R"({"refType":"CHILD_OF","traceID":"aaaaaaaaaaaaaaaa0000000000000002","spanID":"0000000000000044"}],)"
    R"("startTime":1700000000001000,"duration":2000,"tags":[)"
    R"({"key":"span.kind","type":"string","value":"client"},)"
    R"({"key":"otel.status_code","type":"string","value":"ERROR"},)"
    R"({"key":"error","type":"bool","value":true},)"
    R"({"key":"otel.status_description","type":"string","value":"boom"}],)"
    R"("logs":[],"processID":"p2","warnings":null},)"
    R"({"traceID":"0102030405060708","spanID":"0000000000000055","operationName":"handle",)"
    R"("references":[{"refType":"CHILD_OF","traceID":"0102030405060708","spanID":"0000000000000022"}],)"
    R"("startTime":1700000000002000,"duration":500,"tags":[)"
    R"({"key":"otel.scope.name","type":"string","value":"lib"},)"
    R"({"key":"otel.scope.version","type":"string","value":"1.0"},)"
    R"({"key":"span.kind","type":"string","value":"internal"}],)"
    R"("logs":[],"processID":"p1","warnings":null}],)"
    R"("processes":{"p1":{"serviceName":"frontend","tags":[{"key":"host.name","type":"string","value":"h1"}]},)"
    R"("p2":{"serviceName":"backend","tags":[]}},"warnings":null})";

TEST_F(JaegerApiTest, Services) {
  auto r = Get("/api/services");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(Header(r, "Content-Type"), "application/json");
  EXPECT_EQ(r.body,
            R"({"data":["backend","frontend"],"total":2,"limit":0,"offset":0,"errors":null})"
            "\n");
}

TEST_F(JaegerApiTest, OperationsLegacyAndOperations) {
  EXPECT_EQ(Get("/api/services/front%65nd/operations").body,
            R"({"data":["GET /","handle"],"total":2,"limit":0,"offset":0,"errors":null})"
            "\n");
  EXPECT_EQ(Get("/api/services/nobody/operations").body,
            R"({"data":null,"total":0,"limit":0,"offset":0,"errors":null})"
            "\n");
  EXPECT_EQ(Get("/api/operations?service=backend&spanKind=client").body,
            R"({"data":[{"name":"SELECT","spanKind":"client"}],"total":1,"limit":0,"offset":0,)"
            R"("errors":null})"
            "\n");
  EXPECT_EQ(
      Get("/api/operations?service=backend").body,
      R"({"data":[{"name":"SELECT","spanKind":"client"},{"name":"consume","spanKind":"consumer"}],)"
      R"("total":2,"limit":0,"offset":0,"errors":null})"
      "\n");
  auto r = Get("/api/operations");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, V1Error(400, "parameter 'service' is required"));
}

TEST_F(JaegerApiTest, GetTraceFullShape) {
  auto r = Get("/api/traces/0102030405060708");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, std::string(R"({"data":[)") + kTrace1Json +
                        R"(],"total":0,"limit":0,"offset":0,"errors":null})"
                        "\n");
  // Shorter and zero-padded forms name the same trace.
  EXPECT_EQ(Get("/api/traces/102030405060708").body, r.body);
  EXPECT_EQ(Get("/api/traces/00000000000000000102030405060708").body, r.body);
}

TEST_F(JaegerApiTest, GetTrace128BitIdAndProcessDedup) {
  auto r = Get("/api/traces/aaaaaaaaaaaaaaaa0000000000000002");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body,
            R"({"data":[{"traceID":"aaaaaaaaaaaaaaaa0000000000000002","spans":[)"
            R"({"traceID":"aaaaaaaaaaaaaaaa0000000000000002","spanID":"0000000000000033",)"
            R"("operationName":"consume","references":[],"startTime":1700000010000000,)"
            R"("duration":1000,"tags":[{"key":"span.kind","type":"string","value":"consumer"}],)"
            R"("logs":[],"processID":"p1","warnings":null},)"
            R"({"traceID":"aaaaaaaaaaaaaaaa0000000000000002","spanID":"0000000000000044",)"
            R"("operationName":"render","references":[{"refType":"CHILD_OF",)"
            R"("traceID":"aaaaaaaaaaaaaaaa0000000000000002","spanID":"0000000000000033"}],)"
            R"("startTime":1700000010000100,"duration":200,"tags":[{"key":"span.kind",)"
            R"("type":"string","value":"producer"}],"logs":[],"processID":"p2","warnings":null}],)"
            R"("processes":{"p1":{"serviceName":"backend","tags":[]},"p2":{"serviceName":)"
            R"("frontend","tags":[{"key":"host.name","type":"string","value":"h1"}]}},)"
            R"("warnings":null}],"total":0,"limit":0,"offset":0,"errors":null})"
            "\n");
}

TEST_F(JaegerApiTest, GetTraceErrors) {
  auto r = Get("/api/traces/00ff");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, V1Error(404, "trace not found"));
  EXPECT_EQ(Header(r, "Content-Type"), "text/plain; charset=utf-8");
  r = Get("/api/traces/xyz");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, V1Error(400, R"(strconv.ParseUint: parsing \"xyz\": invalid syntax)"));
  r = Get("/api/traces/zz0000000000000000");  // 18 chars: the high part is parsed first
  EXPECT_EQ(r.body, V1Error(400, R"(strconv.ParseUint: parsing \"zz\": invalid syntax)"));
  r = Get("/api/traces/" + std::string(33, 'a'));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, V1Error(400, "TraceID cannot be longer than 32 hex characters: " +
                                     std::string(33, 'a')));
}

TEST_F(JaegerApiTest, SearchPassesParametersAndSortsMostRecentFirst) {
  auto r =
      Get("/api/traces?service=frontend&operation=GET+%2F&tag=http.method:GET&tag=url:http://x"
          "&tags=%7B%22a%22%3A%22b%22%2C%22http.method%22%3A%22POST%22%7D"
          "&start=1700000000000000&end=1700000020000000&minDuration=1.2ms&maxDuration=2s&limit=5");
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_TRUE(querier_.last_search.has_value());
  const store::TraceSearch& s = *querier_.last_search;
  EXPECT_EQ(s.service, "frontend");
  EXPECT_EQ(s.operation, "GET /");
  // ?tags= overrides ?tag= for the same key; keys come out sorted.
  std::vector<std::pair<std::string, std::string>> tags = {
      {"a", "b"}, {"http.method", "POST"}, {"url", "http://x"}};
  EXPECT_EQ(s.tags, tags);
  EXPECT_EQ(s.start_ns, 1700000000000000000u);
  EXPECT_EQ(s.end_ns, 1700000020000000000u);
  EXPECT_EQ(s.min_duration_ns, std::optional<uint64_t>(1200000));
  EXPECT_EQ(s.max_duration_ns, std::optional<uint64_t>(2000000000));
  EXPECT_EQ(s.limit, 5u);
  // Trace 2 (ten seconds later) first.
  EXPECT_EQ(r.body.find(R"({"data":[{"traceID":"aaaaaaaaaaaaaaaa0000000000000002")"), 0u);
  EXPECT_NE(r.body.find(std::string("},") + kTrace1Json + R"(],"total":0,)"), std::string::npos);
}

TEST_F(JaegerApiTest, SearchDefaultsWindowAndLimit) {
  ASSERT_EQ(Get("/api/traces?service=frontend").status, 200);
  EXPECT_EQ(querier_.last_search->end_ns, kT0 + 3600000 * kMs);
  EXPECT_EQ(querier_.last_search->start_ns, kT0);  // now - 1h
  EXPECT_EQ(querier_.last_search->limit, 100u);
  EXPECT_FALSE(querier_.last_search->min_duration_ns.has_value());
  ASSERT_EQ(Get("/api/traces?service=frontend&lookback=30m&limit=100000").status, 200);
  EXPECT_EQ(querier_.last_search->start_ns, kT0 + 1800000 * kMs);
  EXPECT_EQ(querier_.last_search->limit, 1500u);  // capped by max_limit
}

TEST_F(JaegerApiTest, SearchValidationErrors) {
  struct Case {
    std::string query;
    std::string msg;
  } cases[] = {
      {"", "parameter 'service' is required"},
      {"service=a&start=abc",
       R"(unable to parse param 'start': strconv.ParseInt: parsing \"abc\": invalid syntax)"},
      {"service=a&end=1.5",
       R"(unable to parse param 'end': strconv.ParseInt: parsing \"1.5\": invalid syntax)"},
      {"service=a&tag=novalue",
       "malformed 'tag' parameter, expecting key:value, received: novalue"},
      {"service=a&tags=%7B%22a%22%3A1%7D",
       "malformed 'tags' parameter, cannot unmarshal JSON: json: cannot unmarshal number into Go "
       "value of type string"},
      {"service=a&tags=%5B%5D",
       "malformed 'tags' parameter, cannot unmarshal JSON: json: cannot unmarshal array into Go "
       "value of type map[string]string"},
      {"service=a&limit=x", R"(strconv.ParseInt: parsing \"x\": invalid syntax)"},
      {"service=a&limit=3000000000",
       R"(strconv.ParseInt: parsing \"3000000000\": value out of range)"},
      {"service=a&minDuration=abc",
       R"(unable to parse param 'minDuration': time: invalid duration \"abc\")"},
      {"service=a&maxDuration=10",
       R"(unable to parse param 'maxDuration': time: missing unit in duration \"10\")"},
      {"service=a&minDuration=1d",
       R"(unable to parse param 'minDuration': time: unknown unit \"d\" in duration \"1d\")"},
      {"service=a&minDuration=2s&maxDuration=1s",
       "'maxDuration' should be greater than 'minDuration'"},
      {"traceID=xyz",
       R"(cannot parse traceID param: strconv.ParseUint: parsing \"xyz\": invalid syntax)"},
  };
  for (const Case& c : cases) {
    auto r = Get("/api/traces?" + c.query);
    EXPECT_EQ(r.status, 400) << c.query;
    EXPECT_EQ(r.body, V1Error(400, c.msg)) << c.query;
  }
}

TEST_F(JaegerApiTest, SearchStoreFailureIs503) {
  querier_.fail_find = true;
  auto r = Get("/api/traces?service=a");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body, V1Error(503, "store is closing"));
}

TEST_F(JaegerApiTest, SearchByTraceIds) {
  auto r = Get("/api/traces?traceID=0102030405060708&traceID=FF");
  EXPECT_EQ(r.status, 200);
  EXPECT_FALSE(querier_.last_search.has_value());  // no search, only lookups
  EXPECT_EQ(r.body, std::string(R"({"data":[)") + kTrace1Json +
                        R"(],"total":0,"limit":0,"offset":0,"errors":[{"msg":"trace not found",)"
                        R"("traceID":"00000000000000ff"}]})"
                        "\n");
}

TEST(JaegerApiLimits, TimeoutIs503AndBudgetIs422) {
  FakeQuerier querier;
  JaegerApiOptions o;
  o.timeout = std::chrono::milliseconds(0);
  JaegerApi timed_out(querier, o);
  net::HttpRequest req;
  req.method = "GET";
  net::HttpResponse resp;
  const std::string msg = "query timed out: narrow the time range or the lookback (query::timeout)";
  for (std::string target :
       {"/api/dependencies", "/api/traces?service=frontend", "/api/traces?traceID=0102030405060708",
        "/api/traces/0102030405060708", "/api/services", "/api/operations?service=frontend",
        "/api/services/frontend/operations"}) {
    req.target = target;
    timed_out.Handle(req, &resp);
    EXPECT_EQ(resp.status, 503) << target;
    EXPECT_EQ(resp.body, V1Error(503, msg)) << target;
  }
  req.target = "/api/v3/services";
  timed_out.Handle(req, &resp);
  EXPECT_EQ(resp.status, 503);
  EXPECT_NE(resp.body.find("\"httpCode\":503"), std::string::npos) << resp.body;
  // Two candidate traces against a budget of one.
  o.timeout = std::chrono::minutes(1);
  o.max_traces = 1;
  JaegerApi small(querier, o);
  req.target = "/api/traces?service=frontend";
  small.Handle(req, &resp);
  EXPECT_EQ(resp.status, 422);
  EXPECT_NE(resp.body.find("query::max_traces"), std::string::npos) << resp.body;
  ASSERT_TRUE(querier.last_search.has_value());
  EXPECT_EQ(querier.last_search->limits.max_items, 1u);
}

TEST_F(JaegerApiTest, Dependencies) {
  // Both traces: frontend→backend once (trace 1); backend→frontend in each trace.
  auto r = Get("/api/dependencies?endTs=1700000020000&lookback=3600000");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"data":[{"parent":"backend","child":"frontend","callCount":2},)"
                    R"({"parent":"frontend","child":"backend","callCount":1}],"total":0,"limit":0,)"
                    R"("offset":0,"errors":null})"
                    "\n");
  // A window ending before trace 2 sees trace 1 only.
  r = Get("/api/dependencies?endTs=1700000005000&lookback=10000");
  EXPECT_EQ(r.body, R"({"data":[{"parent":"backend","child":"frontend","callCount":1},)"
                    R"({"parent":"frontend","child":"backend","callCount":1}],"total":0,"limit":0,)"
                    R"("offset":0,"errors":null})"
                    "\n");
  // Defaults: now (t0 + 1h) and 24h back cover both traces; ?service= filters the links.
  r = Get("/api/dependencies?service=nobody");
  EXPECT_EQ(r.body, R"({"data":[],"total":0,"limit":0,"offset":0,"errors":null})"
                    "\n");
  r = Get("/api/dependencies?endTs=1");
  EXPECT_EQ(r.body, R"({"data":[],"total":0,"limit":0,"offset":0,"errors":null})"
                    "\n");
  r = Get("/api/dependencies?endTs=x");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(
      r.body,
      V1Error(400,
              R"(unable to parse param 'endTs': strconv.ParseInt: parsing \"x\": invalid syntax)"));
}

TEST_F(JaegerApiTest, V3TraceRoundTripsThroughOtlpJson) {
  auto r = Get("/api/v3/traces/0102030405060708");
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string prefix = R"({"result":{"resourceSpans":[)";
  ASSERT_EQ(r.body.compare(0, prefix.size(), prefix), 0) << r.body;
  ASSERT_EQ(r.body.back(), '}');
  std::string inner = r.body.substr(10, r.body.size() - 11);
  auto decoded = otlp::DecodeTracesJson(inner);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  pdata::TraceBatch original = Trace1();
  EXPECT_EQ(decoded->resources(), original.resources());
}

TEST_F(JaegerApiTest, V3ErrorsServicesOperations) {
  auto r = Get("/api/v3/traces/0000000000000abc");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, R"({"error":{"httpCode":404,"message":"No traces found"}})"
                    "\n");
  r = Get("/api/v3/traces/nothex");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, R"({"error":{"httpCode":400,"message":"malformed parameter trace_id: )"
                    R"(strconv.ParseUint: parsing \"nothex\": invalid syntax"}})"
                    "\n");
  EXPECT_EQ(Get("/api/v3/services").body, R"({"services":["backend","frontend"]})");
  EXPECT_EQ(Get("/api/v3/operations?service=frontend&span_kind=server").body,
            R"({"operations":[{"name":"GET /","spanKind":"server"}]})");
  EXPECT_EQ(Get("/api/v3/operations?service=nobody").body, R"({"operations":[]})");
}

TEST_F(JaegerApiTest, RoutingAndMethods) {
  EXPECT_TRUE(api_.Handles("/api/services"));
  EXPECT_TRUE(api_.Handles("/api/services/x/operations"));
  EXPECT_TRUE(api_.Handles("/api/traces/abc"));
  EXPECT_TRUE(api_.Handles("/api/v3/traces/abc"));
  EXPECT_TRUE(api_.Handles("/api/dependencies"));
  EXPECT_FALSE(api_.Handles("/api/traces/a/b"));
  EXPECT_FALSE(api_.Handles("/api/services//operations"));
  EXPECT_FALSE(api_.Handles("/api/v1/query"));
  EXPECT_FALSE(api_.Handles("/"));
  EXPECT_EQ(Get("/api/services", "POST").status, 405);
  EXPECT_EQ(Get("/api/nothing").status, 404);
}

TEST(JaegerJsonTest, GoDurations) {
  EXPECT_EQ(*jaeger::ParseGoDuration("1.2s"), 1200000000);
  EXPECT_EQ(*jaeger::ParseGoDuration("1h2m"), 3720000000000);
  EXPECT_EQ(*jaeger::ParseGoDuration("-1.5h"), -5400000000000);
  EXPECT_EQ(*jaeger::ParseGoDuration(".5us"), 500);
  EXPECT_EQ(*jaeger::ParseGoDuration("3\xc2\xb5s"), 3000);
  EXPECT_EQ(*jaeger::ParseGoDuration("0"), 0);
  EXPECT_EQ(jaeger::ParseGoDuration("").status().message(), R"(time: invalid duration "")");
  EXPECT_EQ(jaeger::ParseGoDuration("1.s.").status().message(), R"(time: invalid duration "1.s.")");
  EXPECT_EQ(jaeger::ParseGoDuration("99999999999h").status().message(),
            R"(time: invalid duration "99999999999h")");
}

TEST(JaegerJsonTest, GoFloatsAndValues) {
  EXPECT_EQ(jaeger::FormatGoJsonFloat(0.25), "0.25");
  EXPECT_EQ(jaeger::FormatGoJsonFloat(100), "100");
  EXPECT_EQ(jaeger::FormatGoJsonFloat(123456789), "123456789");
  EXPECT_EQ(jaeger::FormatGoJsonFloat(1e21), "1e+21");
  EXPECT_EQ(jaeger::FormatGoJsonFloat(1.5e-7), "1.5e-7");
  EXPECT_EQ(jaeger::FormatGoJsonFloat(-2e-10), "-2e-10");
  AnyValue map;
  map.type = AnyValue::Type::kKvList;
  map.kvlist_value = {
      {"z", AnyValue::Double(1.5)}, {"a", AnyValue::Bool(false)}, {"m", AnyValue()}};
  EXPECT_EQ(jaeger::AnyValueAsJson(map), R"({"a":false,"m":null,"z":1.5})");
  EXPECT_EQ(jaeger::FormatTraceId(TraceIdOf(0, 0xff)), "00000000000000ff");
  EXPECT_EQ(jaeger::FormatTraceId(TraceIdOf(1, 0)), "00000000000000010000000000000000");
}

}  // namespace
}  // namespace otter::query
