// Synthetic OTLP payloads for otter-loadgen.
//
// THE DISTRIBUTION (keep README.md in step). Every draw comes from a splitmix64 stream seeded with
// Mix64(seed, connection), so a (seed, connection) pair always produces the same attribute values;
// ids and timestamps are fresh in every request:
//  - ids: from the connection's IdSequence (sampling.h): no trace id or span id repeats within a
//    run of one seed. Two loadgens sending to the same place at once need different --seed.
//  - timestamps: every request gets a base T = wall clock now in ns, forced strictly increasing
//    per connection; items are placed just before T as described below.
//  - resource (1 per request): service.name uniform from 10, service.instance.id
//    "loadgen-<connection>", host.name "host-<connection % 64>", deployment.environment "bench",
//    telemetry.sdk.name/language; one scope "otter.loadgen" 1.0.0.
//
// Traces: spans come in traces of --spans-per-trace (default 5; the last trace of a request may be
// shorter); span i > 0 of a trace is the child of span (i-1)/2 (a binary tree). Root kind SERVER,
// others CLIENT. Root duration ~ lognormal(median 20 ms, sigma 1), root ends at T; a child lasts
// U(0.1, 0.9) x its parent and starts at a uniform point inside it. Per span:
//    name        one of 20 operation names, Zipf(s = 1)
//    14 attributes:
//      http.request.method        GET .60, POST .25, PUT .08, DELETE .05, PATCH .02
//      http.route                 one of 50 routes, Zipf(s = 1)
//      http.response.status_code  int: 200 .85, 201 .05, 204 .02, 400 .02, 401 .01, 404 .03,
//                                 500 .015, 503 .005
//      enduser.id                 int uniform in [0, 1e6)
//      app.request_id             16 lowercase hex chars (64 random bits)
//      app.latency_ms             double: the span's duration in ms (so lognormal for roots)
//      app.cache_hit              bool, true with p = 0.3
//      server.address             one of 20 host names, uniform
//      server.port                int: 443 .7, 8080 .2, 80 .1
//      url.scheme                 "https" for port 443, else "http"
//      network.protocol.version   "1.1" .6, "2" .4
//      user_agent.original        one of 8 strings, Zipf(s = 1)
//      cloud.region               one of 6, uniform
//      app.retry_count            int, geometric: P(k) = 0.8 * 0.2^k
//    1 event at a uniform time inside the span: name uniform from 4; attributes event.sequence
//      (int: the span's index in the request) and message (one of 8 strings, Zipf(s = 1))
//    status ERROR with message "upstream returned 5xx" when status_code >= 500, else unset;
//    flags 1 (sampled).
//    About 620 bytes per span on the wire (printed by --dry-run and --verify).
//
// Logs, per record: time = T - U[0, 1 ms), observed time = T; severity TRACE .02, DEBUG .10,
// INFO .70, WARN .12, ERROR .05, FATAL .01 (number and text); body a string of length
// U[60, 200]: one of 16 message templates (Zipf(s = 1)) with its {} filled by ints uniform in
// [0, 1e5), then words uniform from a 64-word vocabulary, cut to the length; 6 attributes:
// log.logger (20 names, Zipf(s = 1)), thread.name (16, uniform), enduser.id (int uniform in
// [0, 1e6)), http.route (as for spans), app.request_id (16 chars), app.duration_ms (double
// lognormal, median 20, sigma 1); a fresh unique trace id + span id (and flags 1) on 50% of them.
// About 385 bytes per record.
//
// Metrics (items = data points): the request holds ceil(K / 5) metrics of 5 points each (the last
// may have fewer), taken in order from a uniform random start in a table of 20 metrics:
// 8 gauges, 8 monotonic cumulative sums, 4 cumulative histograms (explicit bounds 5, 10, 25, 50,
// 75, 100, 250, 500, 1000, 2500 ms). Each point has 3 attributes (http.request.method,
// http.route, http.response.status_code, drawn as for spans) and time T; sums and histograms
// start at the generator's creation. Gauge: double uniform in [0, 100). Sum: int = ms since start
// + uniform [0, 1000). Histogram: count uniform in [1, 20] samples, each lognormal(median 20 ms,
// sigma 1), with their bucket counts, sum, min and max. About 180 bytes per point.
//
// With --generator synthetic the requests come from otlp::MakeSynthetic* instead, with a fresh
// seed per request and T as base time.
#include "payload.h"

#include <zlib.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "otlp/proto_codec.h"
#include "otlp/synthetic.h"
#include "pdata/batch.h"
#include "sampling.h"

namespace otter::loadgen {
namespace {

using pdata::AnyValue;
using pdata::KeyValue;

constexpr std::array<std::string_view, 20> kOperations = {"GET /api/v1/users/{id}",
                                                          "POST /api/v1/orders",
                                                          "GET /api/v1/products",
                                                          "SELECT orders",
                                                          "GET /api/v1/carts/{id}",
                                                          "redis GET",
                                                          "PUT /api/v1/carts/{id}",
                                                          "SELECT users",
                                                          "grpc.health.v1.Health/Check",
                                                          "kafka produce orders",
                                                          "GET /api/v1/search",
                                                          "auth.verify_token",
                                                          "INSERT payments",
                                                          "POST /api/v1/checkout",
                                                          "render template",
                                                          "s3 GetObject",
                                                          "DELETE /api/v1/sessions",
                                                          "inventory.reserve",
                                                          "email.send",
                                                          "GET /healthz"};

constexpr std::array<std::string_view, 5> kMethods = {"GET", "POST", "PUT", "DELETE", "PATCH"};
constexpr std::array<int64_t, 8> kStatusCodes = {200, 201, 204, 400, 401, 404, 500, 503};
constexpr std::array<int64_t, 3> kPorts = {443, 8080, 80};
constexpr std::array<std::string_view, 2> kProtocolVersions = {"1.1", "2"};
constexpr std::array<std::string_view, 6> kRegions = {
    "us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-1", "ap-northeast-1"};
constexpr std::array<std::string_view, 8> kUserAgents = {
    "Mozilla/5.0 (X11; Linux x86_64) Firefox/126.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) Safari/605.1.15",
    "okhttp/4.12.0",
    "python-requests/2.32.3",
    "Go-http-client/2.0",
    "curl/8.8.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) Mobile/15E148",
    "grpc-java-netty/1.64.0"};
constexpr std::array<std::string_view, 4> kEventNames = {"cache.lookup", "db.query.retry",
                                                         "message", "exception"};
constexpr std::array<std::string_view, 8> kEventMessages = {"cache miss, loading from database",
                                                            "retrying after transient error",
                                                            "payload validated",
                                                            "falling back to replica",
                                                            "token refreshed",
                                                            "lock acquired",
                                                            "partial result returned",
                                                            "deadline nearly exceeded"};
constexpr std::array<std::string_view, 10> kServices = {
    "frontend", "checkout", "cart",   "payment", "inventory",
    "shipping", "auth",     "search", "email",   "recommendation"};
constexpr std::array<std::string_view, 20> kLoggers = {
    "com.example.api.UserController",  "com.example.api.OrderController",
    "com.example.db.ConnectionPool",   "com.example.cache.RedisClient",
    "com.example.auth.TokenVerifier",  "com.example.payment.Gateway",
    "com.example.search.QueryPlanner", "com.example.inventory.Reserver",
    "com.example.mail.Sender",         "com.example.http.AccessLog",
    "com.example.kafka.Producer",      "com.example.config.Loader",
    "com.example.jobs.Scheduler",      "com.example.metrics.Reporter",
    "com.example.storage.S3Client",    "com.example.session.Store",
    "com.example.render.Templates",    "com.example.flags.Evaluator",
    "com.example.ratelimit.Limiter",   "com.example.health.Checker"};
constexpr std::array<std::string_view, 16> kLogTemplates = {
    "user {} logged in",
    "order {} created with {} items",
    "payment {} declined: insufficient funds",
    "cache miss for key session:{}",
    "request {} took {} ms",
    "connection pool exhausted, waited {} ms",
    "retrying upstream call, attempt {}",
    "inventory for sku {} below threshold {}",
    "shipment {} dispatched",
    "failed to parse header in request {}",
    "slow query detected ({} ms)",
    "session {} expired",
    "gc pause of {} ms",
    "email queued for user {}",
    "feature flag {} evaluated to true",
    "rate limit exceeded for client {}"};
constexpr std::array<std::string_view, 64> kWords = {
    "alpha",  "bravo",   "charlie", "delta",     "echo",     "foxtrot",    "golf",     "hotel",
    "india",  "juliet",  "kilo",    "lima",      "mike",     "november",   "oscar",    "papa",
    "quebec", "romeo",   "sierra",  "tango",     "uniform",  "victor",     "whiskey",  "xray",
    "yankee", "zulu",    "request", "response",  "upstream", "downstream", "tenant",   "region",
    "shard",  "replica", "primary", "timeout",   "latency",  "throughput", "queue",    "worker",
    "batch",  "commit",  "offset",  "partition", "leader",   "follower",   "snapshot", "index",
    "cursor", "token",   "session", "cookie",    "header",   "payload",    "checksum", "digest",
    "retry",  "backoff", "circuit", "breaker",   "quota",    "budget",     "window",   "bucket"};
constexpr std::array<std::string_view, 16> kThreads = {
    "worker-0",  "worker-1",  "worker-2",  "worker-3", "worker-4",  "worker-5",
    "worker-6",  "worker-7",  "worker-8",  "worker-9", "worker-10", "worker-11",
    "worker-12", "worker-13", "worker-14", "worker-15"};
constexpr std::array<std::string_view, 6> kSeverityText = {"TRACE", "DEBUG", "INFO",
                                                           "WARN",  "ERROR", "FATAL"};
constexpr std::array<int32_t, 6> kSeverityNumber = {1, 5, 9, 13, 17, 21};
constexpr std::array<std::string_view, 20> kServerHosts = {
    "api-00.prod.internal", "api-01.prod.internal", "api-02.prod.internal", "api-03.prod.internal",
    "api-04.prod.internal", "api-05.prod.internal", "api-06.prod.internal", "api-07.prod.internal",
    "api-08.prod.internal", "api-09.prod.internal", "api-10.prod.internal", "api-11.prod.internal",
    "api-12.prod.internal", "api-13.prod.internal", "api-14.prod.internal", "api-15.prod.internal",
    "api-16.prod.internal", "api-17.prod.internal", "api-18.prod.internal", "api-19.prod.internal"};

struct MetricDef {
  std::string_view name;
  std::string_view unit;
  pdata::MetricType type;
};
constexpr std::array<MetricDef, 20> kMetrics = {{
    {"system.cpu.utilization", "1", pdata::MetricType::kGauge},
    {"system.memory.utilization", "1", pdata::MetricType::kGauge},
    {"process.runtime.heap.size", "By", pdata::MetricType::kGauge},
    {"db.client.connections.usage", "{connection}", pdata::MetricType::kGauge},
    {"queue.depth", "{message}", pdata::MetricType::kGauge},
    {"http.server.active_requests", "{request}", pdata::MetricType::kGauge},
    {"jvm.thread.count", "{thread}", pdata::MetricType::kGauge},
    {"disk.free", "By", pdata::MetricType::kGauge},
    {"http.server.request.count", "{request}", pdata::MetricType::kSum},
    {"http.server.request.body.size.total", "By", pdata::MetricType::kSum},
    {"db.client.operations", "{operation}", pdata::MetricType::kSum},
    {"cache.hits", "{hit}", pdata::MetricType::kSum},
    {"cache.misses", "{miss}", pdata::MetricType::kSum},
    {"messaging.publish.messages", "{message}", pdata::MetricType::kSum},
    {"app.errors", "{error}", pdata::MetricType::kSum},
    {"network.io", "By", pdata::MetricType::kSum},
    {"http.server.request.duration", "ms", pdata::MetricType::kHistogram},
    {"http.client.request.duration", "ms", pdata::MetricType::kHistogram},
    {"db.client.operation.duration", "ms", pdata::MetricType::kHistogram},
    {"rpc.server.duration", "ms", pdata::MetricType::kHistogram},
}};
constexpr int kPointsPerMetric = 5;

// 50 routes: 10 resources x 5 shapes, built once.
const std::vector<std::string>& Routes() {
  static const std::vector<std::string> routes = [] {
    constexpr std::array<std::string_view, 10> kResources = {
        "users",    "orders", "products", "carts",     "payments",
        "sessions", "search", "reviews",  "inventory", "shipments"};
    constexpr std::array<std::string_view, 5> kShapes = {"", "/{id}", "/{id}/items",
                                                         "/{id}/history", "/export"};
    std::vector<std::string> r;
    for (std::string_view res : kResources)
      for (std::string_view shape : kShapes)
        r.push_back("/api/v1/" + std::string(res) + std::string(shape));
    return r;
  }();
  return routes;
}

uint64_t WallNanos() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

// Attribute lists are built once with their keys; requests only overwrite the values.
void SetString(KeyValue& kv, std::string_view v) {
  kv.value.type = AnyValue::Type::kString;
  kv.value.string_value = v;
}
void SetInt(KeyValue& kv, int64_t v) {
  kv.value.type = AnyValue::Type::kInt;
  kv.value.int_value = v;
}
void SetDouble(KeyValue& kv, double v) {
  kv.value.type = AnyValue::Type::kDouble;
  kv.value.double_value = v;
}
void SetBool(KeyValue& kv, bool v) {
  kv.value.type = AnyValue::Type::kBool;
  kv.value.bool_value = v;
}
void SetKeys(pdata::Attributes& a, std::initializer_list<std::string_view> keys) {
  a.resize(keys.size());
  size_t i = 0;
  for (std::string_view k : keys) a[i++].key = k;
}

// Span attribute slots, in the order of the documented table.
enum SpanAttr {
  kMethod,
  kRoute,
  kStatusCode,
  kUserId,
  kRequestId,
  kLatency,
  kCacheHit,
  kServerAddress,
  kServerPort,
  kScheme,
  kProtocolVersion,
  kUserAgent,
  kRegion,
  kRetryCount
};
enum LogAttr { kLogger, kThread, kLogUserId, kLogRoute, kLogRequestId, kLogDuration };

}  // namespace

class PayloadGenerator::Impl {
 public:
  Impl(const Options& opts, uint32_t connection)
      : Impl(opts.signal, opts.items, opts.spans_per_trace, connection, opts.seed) {
    synthetic_ = opts.generator == Generator::kSynthetic;
  }

  Impl(Signal signal, int items, int spans_per_trace, uint32_t connection, uint64_t seed)
      : signal_(signal),
        items_(static_cast<size_t>(items)),
        spans_per_trace_(static_cast<size_t>(spans_per_trace)),
        seed_(seed),
        connection_(connection),
        ids_(connection, seed),
        rng_(Mix64(seed) ^ Mix64(0xc0ffee00ULL + connection)),
        instance_id_("loadgen-" + std::to_string(connection)),
        host_name_("host-" + std::to_string(connection % 64)),
        start_ns_(WallNanos()) {
    // Views into scratch_ must stay valid, so it is sized once: request ids and log bodies.
    scratch_.resize(items_ * (kTokenSize + 208));
    BuildSkeleton();
  }

  size_t Next(std::string* out) {
    uint64_t now = WallNanos();
    base_ns_ = now > base_ns_ ? now : base_ns_ + 1;
    scratch_pos_ = 0;
    out->clear();
    if (synthetic_) return NextSynthetic(out);
    SetString(resource().attributes[0], kServices[rng_.Below(kServices.size())]);
    switch (signal_) {
      case Signal::kTraces:
        FillSpans();
        otlp::EncodeTraces(traces_, out);
        break;
      case Signal::kLogs:
        FillLogs();
        otlp::EncodeLogs(logs_, out);
        break;
      case Signal::kMetrics:
        FillMetrics();
        otlp::EncodeMetrics(metrics_, out);
        break;
    }
    return items_;
  }

  uint64_t base_ns() const { return base_ns_; }

 private:
  // otlp::MakeSynthetic* derives every id and value from its seed: a fresh seed per request.
  size_t NextSynthetic(std::string* out) {
    uint64_t seed = Mix64(seed_ ^ Mix64((uint64_t{connection_} << 40) | synthetic_requests_++));
    int n = static_cast<int>(items_);
    switch (signal_) {
      case Signal::kTraces:
        otlp::EncodeTraces(otlp::MakeSyntheticTraces(n, seed, base_ns_), out);
        break;
      case Signal::kLogs:
        otlp::EncodeLogs(otlp::MakeSyntheticLogs(n, seed, base_ns_), out);
        break;
      case Signal::kMetrics:
        otlp::EncodeMetrics(otlp::MakeSyntheticMetrics(n, seed, base_ns_), out);
        break;
    }
    return items_;
  }

  template <class R>
  void Skeleton(pdata::Batch<R>& b) {
    b.resources().resize(1);
    (b.resources()[0].*R::kScopes).resize(1);
    auto& scope = (b.resources()[0].*R::kScopes)[0].scope;
    scope.name = "otter.loadgen";
    scope.version = "1.0.0";
  }

  void BuildSkeleton() {
    switch (signal_) {
      case Signal::kTraces: {
        Skeleton(traces_);
        auto& spans = traces_.resources()[0].scope_spans[0].spans;
        spans.resize(items_);
        for (pdata::Span& sp : spans) {
          SetKeys(sp.attributes,
                  {"http.request.method", "http.route", "http.response.status_code", "enduser.id",
                   "app.request_id", "app.latency_ms", "app.cache_hit", "server.address",
                   "server.port", "url.scheme", "network.protocol.version", "user_agent.original",
                   "cloud.region", "app.retry_count"});
          sp.events.resize(1);
          SetKeys(sp.events[0].attributes, {"event.sequence", "message"});
          sp.flags = 1;  // sampled
        }
        break;
      }
      case Signal::kLogs: {
        Skeleton(logs_);
        auto& records = logs_.resources()[0].scope_logs[0].log_records;
        records.resize(items_);
        for (pdata::LogRecord& r : records) {
          SetKeys(r.attributes, {"log.logger", "thread.name", "enduser.id", "http.route",
                                 "app.request_id", "app.duration_ms"});
        }
        break;
      }
      case Signal::kMetrics:
        Skeleton(metrics_);
        break;
    }
    pdata::Attributes& a = resource().attributes;
    SetKeys(a, {"service.name", "service.instance.id", "host.name", "deployment.environment",
                "telemetry.sdk.name", "telemetry.sdk.language"});
    SetString(a[1], instance_id_);
    SetString(a[2], host_name_);
    SetString(a[3], "bench");
    SetString(a[4], "otter-loadgen");
    SetString(a[5], "cpp");
  }

  pdata::Resource& resource() {
    switch (signal_) {
      case Signal::kTraces:
        return traces_.resources()[0].resource;
      case Signal::kLogs:
        return logs_.resources()[0].resource;
      case Signal::kMetrics:
        break;
    }
    return metrics_.resources()[0].resource;
  }

  std::string_view RandomToken() {
    char* p = scratch_.data() + scratch_pos_;
    FillToken(rng_, p);
    scratch_pos_ += kTokenSize;
    return {p, kTokenSize};
  }

  std::string_view Route() { return Routes()[route_.Sample(rng_)]; }
  int64_t StatusCode() { return kStatusCodes[status_.Sample(rng_)]; }
  std::string_view Method() { return kMethods[method_.Sample(rng_)]; }

  void FillSpans() {
    auto& spans = traces_.resources()[0].scope_spans[0].spans;
    pdata::TraceId trace_id;
    size_t root = 0;
    for (size_t i = 0; i < items_; ++i) {
      pdata::Span& sp = spans[i];
      size_t pos = i % spans_per_trace_;  // position within its trace
      if (pos == 0) {
        ids_.NextTraceId(trace_id.bytes.data());
        root = i;
      }
      sp.trace_id = trace_id;
      ids_.NextSpanId(sp.span_id.bytes.data());
      if (pos == 0) {
        sp.parent_span_id = {};
        sp.kind = pdata::SpanKind::kServer;
        uint64_t dur = static_cast<uint64_t>(rng_.Lognormal(kLn20ms, 1.0));
        sp.end_time_unix_nano = base_ns_;
        sp.start_time_unix_nano = base_ns_ - dur;
      } else {
        const pdata::Span& parent = spans[root + (pos - 1) / 2];
        sp.parent_span_id = parent.span_id;
        sp.kind = pdata::SpanKind::kClient;
        double pdur = static_cast<double>(parent.end_time_unix_nano - parent.start_time_unix_nano);
        double dur = pdur * (0.1 + 0.8 * rng_.Uniform());
        sp.start_time_unix_nano =
            parent.start_time_unix_nano + static_cast<uint64_t>((pdur - dur) * rng_.Uniform());
        sp.end_time_unix_nano = sp.start_time_unix_nano + static_cast<uint64_t>(dur);
      }
      sp.name = kOperations[operation_.Sample(rng_)];
      uint64_t dur = sp.end_time_unix_nano - sp.start_time_unix_nano;

      int64_t status = StatusCode();
      int64_t port = kPorts[port_.Sample(rng_)];
      int64_t retries = 0;
      while (rng_.Bernoulli(0.2)) ++retries;
      pdata::Attributes& a = sp.attributes;
      SetString(a[kMethod], Method());
      SetString(a[kRoute], Route());
      SetInt(a[kStatusCode], status);
      SetInt(a[kUserId], static_cast<int64_t>(rng_.Below(1000000)));
      SetString(a[kRequestId], RandomToken());
      SetDouble(a[kLatency], static_cast<double>(dur) / 1e6);
      SetBool(a[kCacheHit], rng_.Bernoulli(0.3));
      SetString(a[kServerAddress], kServerHosts[rng_.Below(kServerHosts.size())]);
      SetInt(a[kServerPort], port);
      SetString(a[kScheme], port == 443 ? "https" : "http");
      SetString(a[kProtocolVersion], kProtocolVersions[rng_.Bernoulli(0.4) ? 1 : 0]);
      SetString(a[kUserAgent], kUserAgents[agent_.Sample(rng_)]);
      SetString(a[kRegion], kRegions[rng_.Below(kRegions.size())]);
      SetInt(a[kRetryCount], retries);

      pdata::SpanEvent& ev = sp.events[0];
      ev.time_unix_nano = sp.start_time_unix_nano +
                          static_cast<uint64_t>(static_cast<double>(dur) * rng_.Uniform());
      ev.name = kEventNames[rng_.Below(kEventNames.size())];
      SetInt(ev.attributes[0], static_cast<int64_t>(i));
      SetString(ev.attributes[1], kEventMessages[event_message_.Sample(rng_)]);

      if (status >= 500) {
        sp.status = {"upstream returned 5xx", pdata::StatusCode::kError};
      } else {
        sp.status = {};
      }
    }
  }

  std::string_view LogBody() {
    char* begin = scratch_.data() + scratch_pos_;
    size_t want = static_cast<size_t>(rng_.Between(60, 200));
    char* p = begin;
    char* end = begin + want;
    auto put = [&](std::string_view s) {
      size_t n = std::min(s.size(), static_cast<size_t>(end - p));
      std::memcpy(p, s.data(), n);
      p += n;
    };
    std::string_view tmpl = kLogTemplates[log_template_.Sample(rng_)];
    for (size_t at = 0; at < tmpl.size();) {
      size_t hole = tmpl.find("{}", at);
      put(tmpl.substr(at, hole == std::string_view::npos ? std::string_view::npos : hole - at));
      if (hole == std::string_view::npos) break;
      char num[24];
      int n = std::snprintf(num, sizeof num, "%llu",
                            static_cast<unsigned long long>(rng_.Below(100000)));
      put({num, static_cast<size_t>(n)});
      at = hole + 2;
    }
    put(";");
    while (p < end) {
      put(" ");
      put(kWords[rng_.Below(kWords.size())]);
    }
    scratch_pos_ += want;
    return {begin, want};
  }

  void FillLogs() {
    auto& records = logs_.resources()[0].scope_logs[0].log_records;
    for (size_t i = 0; i < items_; ++i) {
      pdata::LogRecord& r = records[i];
      r.observed_time_unix_nano = base_ns_;
      r.time_unix_nano = base_ns_ - rng_.Below(1000000);
      size_t sev = severity_.Sample(rng_);
      r.severity_number = kSeverityNumber[sev];
      r.severity_text = kSeverityText[sev];
      r.body.type = AnyValue::Type::kString;
      r.body.string_value = LogBody();
      pdata::Attributes& a = r.attributes;
      SetString(a[kLogger], kLoggers[logger_.Sample(rng_)]);
      SetString(a[kThread], kThreads[rng_.Below(kThreads.size())]);
      SetInt(a[kLogUserId], static_cast<int64_t>(rng_.Below(1000000)));
      SetString(a[kLogRoute], Route());
      SetString(a[kLogRequestId], RandomToken());
      SetDouble(a[kLogDuration], rng_.Lognormal(kLn20, 1.0));
      if (rng_.Bernoulli(0.5)) {
        ids_.NextTraceId(r.trace_id.bytes.data());
        ids_.NextSpanId(r.span_id.bytes.data());
        r.flags = 1;
      } else {
        r.trace_id = {};
        r.span_id = {};
        r.flags = 0;
      }
    }
  }

  void FillPointAttributes(pdata::Attributes& a) {
    if (a.size() != 3) {
      SetKeys(a, {"http.request.method", "http.route", "http.response.status_code"});
    }
    SetString(a[0], Method());
    SetString(a[1], Route());
    SetInt(a[2], StatusCode());
  }

  void FillMetrics() {
    static constexpr std::array<double, 10> kBounds = {5,   10,  25,  50,   75,
                                                       100, 250, 500, 1000, 2500};
    auto& metrics = metrics_.resources()[0].scope_metrics[0].metrics;
    size_t n_metrics = (items_ + kPointsPerMetric - 1) / kPointsPerMetric;
    metrics.resize(n_metrics);
    size_t first = rng_.Below(kMetrics.size());
    size_t left = items_;
    for (size_t j = 0; j < n_metrics; ++j) {
      const MetricDef& def = kMetrics[(first + j) % kMetrics.size()];
      pdata::Metric& m = metrics[j];
      m.name = def.name;
      m.unit = def.unit;
      m.type = def.type;
      size_t points = std::min<size_t>(left, kPointsPerMetric);
      left -= points;
      m.number_points.clear();
      m.histogram_points.clear();
      switch (def.type) {
        case pdata::MetricType::kGauge:
        case pdata::MetricType::kSum: {
          bool sum = def.type == pdata::MetricType::kSum;
          m.temporality = sum ? pdata::AggregationTemporality::kCumulative
                              : pdata::AggregationTemporality::kUnspecified;
          m.is_monotonic = sum;
          m.number_points.resize(points);
          for (pdata::NumberDataPoint& p : m.number_points) {
            FillPointAttributes(p.attributes);
            p.time_unix_nano = base_ns_;
            if (sum) {
              p.start_time_unix_nano = start_ns_;
              p.value_type = pdata::NumberDataPoint::ValueType::kInt;
              p.as_int = static_cast<int64_t>((base_ns_ - start_ns_) / 1000000 + rng_.Below(1000));
            } else {
              p.value_type = pdata::NumberDataPoint::ValueType::kDouble;
              p.as_double = 100.0 * rng_.Uniform();
            }
          }
          break;
        }
        case pdata::MetricType::kHistogram: {
          m.temporality = pdata::AggregationTemporality::kCumulative;
          m.is_monotonic = false;
          m.histogram_points.resize(points);
          for (pdata::HistogramDataPoint& p : m.histogram_points) {
            FillPointAttributes(p.attributes);
            p.start_time_unix_nano = start_ns_;
            p.time_unix_nano = base_ns_;
            p.explicit_bounds.assign(kBounds.begin(), kBounds.end());
            p.bucket_counts.assign(kBounds.size() + 1, 0);
            p.count = static_cast<uint64_t>(rng_.Between(1, 20));
            double sum = 0, lo = 0, hi = 0;
            for (uint64_t s = 0; s < p.count; ++s) {
              double v = rng_.Lognormal(kLn20, 1.0);
              sum += v;
              lo = s == 0 ? v : std::min(lo, v);
              hi = std::max(hi, v);
              size_t b = static_cast<size_t>(std::lower_bound(kBounds.begin(), kBounds.end(), v) -
                                             kBounds.begin());
              ++p.bucket_counts[b];
            }
            p.sum = sum;
            p.min = lo;
            p.max = hi;
          }
          break;
        }
        default:
          break;
      }
    }
  }

  static constexpr double kLn20 = 2.995732273553991;     // ln(20)
  static constexpr double kLn20ms = 16.811242831518264;  // ln(20e6 ns)

  const Signal signal_;
  const size_t items_;
  const size_t spans_per_trace_;
  const uint64_t seed_;
  const uint32_t connection_;
  bool synthetic_ = false;
  uint64_t synthetic_requests_ = 0;
  IdSequence ids_;
  Rng rng_;
  const std::string instance_id_;
  const std::string host_name_;
  const uint64_t start_ns_;
  uint64_t base_ns_ = 0;
  std::string scratch_;
  size_t scratch_pos_ = 0;

  const DiscreteTable operation_ = DiscreteTable::Zipf(kOperations.size(), 1.0);
  const DiscreteTable route_ = DiscreteTable::Zipf(50, 1.0);
  const DiscreteTable method_ = {0.60, 0.25, 0.08, 0.05, 0.02};
  const DiscreteTable status_ = {0.85, 0.05, 0.02, 0.02, 0.01, 0.03, 0.015, 0.005};
  const DiscreteTable port_ = {0.7, 0.2, 0.1};
  const DiscreteTable agent_ = DiscreteTable::Zipf(kUserAgents.size(), 1.0);
  const DiscreteTable event_message_ = DiscreteTable::Zipf(kEventMessages.size(), 1.0);
  const DiscreteTable severity_ = {0.02, 0.10, 0.70, 0.12, 0.05, 0.01};
  const DiscreteTable logger_ = DiscreteTable::Zipf(kLoggers.size(), 1.0);
  const DiscreteTable log_template_ = DiscreteTable::Zipf(kLogTemplates.size(), 1.0);

  pdata::TraceBatch traces_;
  pdata::LogBatch logs_;
  pdata::MetricBatch metrics_;
};

PayloadGenerator::PayloadGenerator(const Options& opts, uint32_t connection)
    : impl_(std::make_unique<Impl>(opts, connection)) {}
PayloadGenerator::~PayloadGenerator() = default;
size_t PayloadGenerator::Next(std::string* out) { return impl_->Next(out); }
uint64_t PayloadGenerator::base_ns() const { return impl_->base_ns(); }

// ---- gzip
// ----------------------------------------------------------------------------------------

struct Gzipper::State {
  z_stream z{};
};

Gzipper::Gzipper(int level) : state_(std::make_unique<State>()) {
  // windowBits 15 + 16: a gzip wrapper rather than zlib's.
  if (deflateInit2(&state_->z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw std::runtime_error("deflateInit2 failed");
}

Gzipper::~Gzipper() { deflateEnd(&state_->z); }

bool Gzipper::Compress(std::string_view in, std::string* out) {
  z_stream& z = state_->z;
  deflateReset(&z);
  out->resize(deflateBound(&z, static_cast<uLong>(in.size())));
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out->data());
  z.avail_out = static_cast<uInt>(out->size());
  if (deflate(&z, Z_FINISH) != Z_STREAM_END) return false;  // cannot happen with deflateBound room
  out->resize(z.total_out);
  return true;
}

}  // namespace otter::loadgen
