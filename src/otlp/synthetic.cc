#include "otlp/synthetic.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <random>
#include <string>

namespace otter::otlp {
namespace {

using pdata::AnyValue;
using pdata::Attributes;
using pdata::KeyValue;

constexpr uint64_t kDefaultEpoch = 1'700'000'000'000'000'000ull;
constexpr uint64_t kMs = 1'000'000;

constexpr std::array<std::string_view, 8> kRoutes = {
    "/api/v1/users/{id}", "/api/v1/orders",   "/api/v1/orders/{id}",
    "/api/v1/cart",       "/api/v1/checkout", "/api/v1/products/{id}",
    "/healthz",           "/api/v1/search"};
constexpr std::array<std::string_view, 8> kSpanNames = {
    "GET /api/v1/users/{id}", "GET /api/v1/orders",    "POST /api/v1/orders/{id}",
    "GET /api/v1/cart",       "POST /api/v1/checkout", "GET /api/v1/products/{id}",
    "GET /healthz",           "GET /api/v1/search"};
constexpr std::array<std::string_view, 4> kMethods = {"GET", "GET", "POST", "PUT"};
constexpr std::array<std::string_view, 4> kServices = {"checkout", "cart", "frontend", "orders"};

class Gen {
 public:
  explicit Gen(uint64_t seed) : rng_(seed * 0x9E3779B97F4A7C15ull + 1) {}
  uint64_t U64() { return rng_(); }
  uint64_t Below(uint64_t n) { return rng_() % n; }
  double Unit() { return static_cast<double>(rng_() >> 11) * 0x1.0p-53; }
  template <size_t N>
  pdata::Id<N> Id() {
    pdata::Id<N> id;
    do {
      for (auto& b : id.bytes) b = static_cast<uint8_t>(rng_());
    } while (id.empty());
    return id;
  }

 private:
  std::mt19937_64 rng_;
};

template <class Batch>
std::string_view Printf(Batch& b, const char* fmt, auto... args) {
  char buf[160];
  int n = std::snprintf(buf, sizeof buf, fmt, args...);
  return b.arenas().Copy(std::string_view(buf, static_cast<size_t>(std::max(0, n))));
}

KeyValue Str(std::string_view k, std::string_view v) { return {k, AnyValue::String(v)}; }
KeyValue Int(std::string_view k, int64_t v) { return {k, AnyValue::Int(v)}; }
KeyValue Dbl(std::string_view k, double v) { return {k, AnyValue::Double(v)}; }
KeyValue Bool(std::string_view k, bool v) { return {k, AnyValue::Bool(v)}; }

template <class Batch>
pdata::Resource MakeResource(Batch& b, Gen& g, uint64_t seed) {
  pdata::Resource r;
  r.attributes = {
      Str("service.name", kServices[seed % kServices.size()]),
      Str("service.version", "1.4.2"),
      Str("service.instance.id", Printf(b, "%016llx", static_cast<unsigned long long>(g.U64()))),
      Str("host.name", Printf(b, "node-%02d", static_cast<int>(seed % 32))),
      Str("deployment.environment.name", "production"),
      Str("telemetry.sdk.language", "go"),
      Str("telemetry.sdk.name", "opentelemetry"),
      Str("telemetry.sdk.version", "1.28.0"),
  };
  return r;
}

pdata::InstrumentationScope MakeScope() {
  pdata::InstrumentationScope s;
  s.name = "go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp";
  s.version = "0.53.0";
  return s;
}

uint64_t BaseTime(uint64_t base, uint64_t seed) {
  return base ? base : kDefaultEpoch + (seed % 1'000'000) * 1'000 * kMs;
}

}  // namespace

pdata::TraceBatch MakeSyntheticTraces(int spans, uint64_t seed, uint64_t base_time_unix_nano) {
  pdata::TraceBatch b;
  Gen g(seed);
  uint64_t t0 = BaseTime(base_time_unix_nano, seed);
  pdata::ResourceSpans rs;
  rs.resource = MakeResource(b, g, seed);
  rs.schema_url = "https://opentelemetry.io/schemas/1.26.0";
  pdata::ScopeSpans ss;
  ss.scope = MakeScope();
  ss.spans.reserve(static_cast<size_t>(std::max(spans, 0)));
  pdata::TraceId trace_id;
  pdata::SpanId parent;
  for (int i = 0; i < spans; ++i) {
    if (i % 10 == 0) {  // traces of ten spans: a root and a chain of children
      trace_id = g.Id<16>();
      parent = {};
    }
    size_t route = g.Below(kRoutes.size());
    int status = g.Below(20) == 0 ? 500 : (g.Below(10) == 0 ? 404 : 200);
    pdata::Span sp;
    sp.trace_id = trace_id;
    sp.span_id = g.Id<8>();
    sp.parent_span_id = parent;
    parent = sp.span_id;
    sp.name = kSpanNames[route];
    sp.kind = i % 10 == 0 ? pdata::SpanKind::kServer : pdata::SpanKind::kClient;
    sp.start_time_unix_nano = t0 + static_cast<uint64_t>(i) * kMs + g.Below(kMs);
    uint64_t duration = 200'000 + g.Below(50 * kMs);
    sp.end_time_unix_nano = sp.start_time_unix_nano + duration;
    sp.flags = 0x101;  // sampled, parent-is-remote known
    sp.attributes = {
        Str("http.request.method", kMethods[route % kMethods.size()]),
        Str("http.route", kRoutes[route]),
        Str("url.path", Printf(b, "/api/v1/items/%u", static_cast<unsigned>(g.Below(100000)))),
        Str("url.scheme", "https"),
        Int("http.response.status_code", status),
        Str("server.address", "api.internal"),
        Int("server.port", 8443),
        Str("client.address",
            Printf(b, "10.%u.%u.%u", static_cast<unsigned>(g.Below(256)),
                   static_cast<unsigned>(g.Below(256)), static_cast<unsigned>(g.Below(256)))),
        Str("network.protocol.version", "2"),
        Str("user_agent.original", "grpc-go/1.64.0"),
        Int("http.response.body.size", static_cast<int64_t>(g.Below(20000))),
        Dbl("app.cache.ratio", g.Unit()),
        Bool("app.cache.hit", g.Below(2) == 0),
        Dbl("app.queue.seconds", static_cast<double>(g.Below(5000)) / 1000.0),
    };
    pdata::SpanEvent ev;
    ev.time_unix_nano = sp.start_time_unix_nano + duration / 2;
    ev.name = status >= 500 ? "exception" : "message";
    ev.attributes = {Str("message.type", "RECEIVED"),
                     Int("message.id", static_cast<int64_t>(g.Below(1000)))};
    sp.events.push_back(std::move(ev));
    if (status >= 500) {
      sp.status.code = pdata::StatusCode::kError;
      sp.status.message = "upstream failed";
    }
    ss.spans.push_back(std::move(sp));
  }
  rs.scope_spans.push_back(std::move(ss));
  b.resources().push_back(std::move(rs));
  return b;
}

pdata::LogBatch MakeSyntheticLogs(int records, uint64_t seed, uint64_t base_time_unix_nano) {
  static constexpr std::array<std::pair<int, std::string_view>, 4> kSeverities = {
      {{9, "INFO"}, {9, "INFO"}, {13, "WARN"}, {17, "ERROR"}}};
  pdata::LogBatch b;
  Gen g(seed);
  uint64_t t0 = BaseTime(base_time_unix_nano, seed);
  pdata::ResourceLogs rl;
  rl.resource = MakeResource(b, g, seed);
  pdata::ScopeLogs sl;
  sl.scope.name = "app.logger";
  sl.log_records.reserve(static_cast<size_t>(std::max(records, 0)));
  for (int i = 0; i < records; ++i) {
    const auto& [severity, text] = kSeverities[g.Below(kSeverities.size())];
    size_t route = g.Below(kRoutes.size());
    pdata::LogRecord r;
    r.time_unix_nano = t0 + static_cast<uint64_t>(i) * kMs + g.Below(kMs);
    r.observed_time_unix_nano = r.time_unix_nano + g.Below(5 * kMs);
    r.severity_number = severity;
    r.severity_text = text;
    r.body = AnyValue::String(Printf(
        b, "%s %s completed in %u ms (user=%u, items=%u, bytes=%u)",
        std::string(kMethods[route % kMethods.size()]).c_str(), std::string(kRoutes[route]).c_str(),
        static_cast<unsigned>(g.Below(500)), static_cast<unsigned>(g.Below(100000)),
        static_cast<unsigned>(g.Below(50)), static_cast<unsigned>(g.Below(1 << 20))));
    r.attributes = {
        Str("code.function.name", "handler.ServeHTTP"),
        Int("thread.id", static_cast<int64_t>(g.Below(64))),
        Str("http.route", kRoutes[route]),
        Int("http.response.status_code", severity >= 17 ? 500 : 200),
        Str("enduser.id", Printf(b, "user-%u", static_cast<unsigned>(g.Below(100000)))),
    };
    if (g.Below(2) == 0) {
      r.trace_id = g.Id<16>();
      r.span_id = g.Id<8>();
      r.flags = 1;
    }
    sl.log_records.push_back(std::move(r));
  }
  rl.scope_logs.push_back(std::move(sl));
  b.resources().push_back(std::move(rl));
  return b;
}

pdata::MetricBatch MakeSyntheticMetrics(int points, uint64_t seed, uint64_t base_time_unix_nano) {
  static constexpr std::array<std::string_view, 3> kNames = {
      "process.runtime.memory.usage", "http.server.requests", "http.server.request.duration"};
  static const std::vector<double> kBounds = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};
  pdata::MetricBatch b;
  Gen g(seed);
  uint64_t t0 = BaseTime(base_time_unix_nano, seed);
  uint64_t start = t0 - 60'000 * kMs;
  pdata::ResourceMetrics rm;
  rm.resource = MakeResource(b, g, seed);
  pdata::ScopeMetrics sm;
  sm.scope = MakeScope();
  constexpr int kPointsPerMetric = 10;
  for (int done = 0, m = 0; done < points; ++m) {
    int n = std::min(kPointsPerMetric, points - done);
    pdata::Metric metric;
    int kind = m % 3;
    metric.name = kNames[static_cast<size_t>(kind)];
    switch (kind) {
      case 0:
        metric.type = pdata::MetricType::kGauge;
        metric.unit = "By";
        metric.description = "Memory in use.";
        break;
      case 1:
        metric.type = pdata::MetricType::kSum;
        metric.unit = "{request}";
        metric.description = "Requests served.";
        metric.temporality = pdata::AggregationTemporality::kCumulative;
        metric.is_monotonic = true;
        break;
      default:
        metric.type = pdata::MetricType::kHistogram;
        metric.unit = "s";
        metric.description = "Duration of HTTP server requests.";
        metric.temporality = pdata::AggregationTemporality::kDelta;
        break;
    }
    for (int i = 0; i < n; ++i) {
      size_t route = g.Below(kRoutes.size());
      Attributes attrs = {Str("http.route", kRoutes[route]),
                          Str("http.request.method", kMethods[route % kMethods.size()]),
                          Int("http.response.status_code", g.Below(10) == 0 ? 500 : 200)};
      uint64_t t = t0 + static_cast<uint64_t>(m) * kMs;
      if (kind == 2) {
        pdata::HistogramDataPoint p;
        p.attributes = std::move(attrs);
        p.start_time_unix_nano = t - 10'000 * kMs;
        p.time_unix_nano = t;
        p.explicit_bounds = kBounds;
        p.bucket_counts.resize(kBounds.size() + 1);
        double sum = 0, mn = 1e9, mx = 0;
        for (int k = 0; k < 20; ++k) {
          double v = g.Unit() * g.Unit() * 3;
          size_t bucket = 0;
          while (bucket < kBounds.size() && v > kBounds[bucket]) ++bucket;
          ++p.bucket_counts[bucket];
          sum += v;
          mn = std::min(mn, v);
          mx = std::max(mx, v);
        }
        p.count = 20;
        p.sum = sum;
        p.min = mn;
        p.max = mx;
        pdata::Exemplar e;
        e.time_unix_nano = t - g.Below(10'000 * kMs);
        e.as_double = mx;
        e.trace_id = g.Id<16>();
        e.span_id = g.Id<8>();
        p.exemplars.push_back(std::move(e));
        metric.histogram_points.push_back(std::move(p));
      } else {
        pdata::NumberDataPoint p;
        p.attributes = std::move(attrs);
        p.start_time_unix_nano = kind == 1 ? start : 0;
        p.time_unix_nano = t;
        if (kind == 0) {
          p.value_type = pdata::NumberDataPoint::ValueType::kDouble;
          p.as_double = 1e8 + g.Unit() * 1e7;
        } else {
          p.value_type = pdata::NumberDataPoint::ValueType::kInt;
          p.as_int = static_cast<int64_t>(g.Below(1'000'000));
        }
        metric.number_points.push_back(std::move(p));
      }
    }
    sm.metrics.push_back(std::move(metric));
    done += n;
  }
  rm.scope_metrics.push_back(std::move(sm));
  b.resources().push_back(std::move(rm));
  return b;
}

}  // namespace otter::otlp
