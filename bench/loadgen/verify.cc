// --verify: builds requests exactly as a run would (pool or fresh), decodes each with otter's own
// OTLP decoder and checks what the loadgen promises: every request parses, has the requested item
// count, trace and span ids never repeat across requests, parent ids point at a span of the same
// trace in the same request, timestamps are near now and ordered, request-id tokens are fresh.
#include "verify.h"

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <set>
#include <unordered_set>

#include "driver.h"
#include "otlp/proto_codec.h"

namespace otter::loadgen {
namespace {

uint64_t WallNanos() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

struct Checker {
  bool ours = true;  // Generator::kLoadgen: body lengths and request-id tokens are checked too
  uint64_t future_ns = 0;                  // how far ahead of now timestamps may be
  std::set<pdata::TraceId> traces_before;  // trace ids of earlier requests
  std::set<pdata::SpanId> spans;
  std::unordered_set<std::string> tokens;
  uint64_t items = 0, bytes = 0, with_ids = 0;
  std::vector<std::string> problems;

  void Problem(std::string p) {
    if (problems.size() < 20) problems.push_back(std::move(p));
  }

  void CheckTime(uint64_t t, uint64_t now, std::string_view what) {
    // Spans may start up to a few seconds before now (lognormal durations have a long tail).
    if (t > now + future_ns || t + 600'000'000'000ULL < now) {
      Problem(fmt::format("{} {} is not within [now - 10 min, now + {} ms]", what, t,
                          future_ns / 1000000));
    }
  }

  void CheckToken(const pdata::Attributes& attrs) {
    if (!ours) return;
    const pdata::AnyValue* v = pdata::FindAttribute(attrs, "app.request_id");
    if (!v || v->string_value.size() != kTokenSize) return Problem("app.request_id missing");
    if (!tokens.emplace(v->string_value).second) Problem("app.request_id repeated");
  }

  void Traces(const pdata::TraceBatch& b, uint64_t now) {
    std::set<pdata::TraceId> mine;
    std::map<pdata::SpanId, pdata::TraceId> span_trace;
    for (const auto& rs : b.resources())
      for (const auto& ss : rs.scope_spans)
        for (const pdata::Span& sp : ss.spans) {
          if (sp.trace_id.empty() || sp.span_id.empty()) Problem("empty id");
          if (traces_before.count(sp.trace_id))
            Problem("trace id " + sp.trace_id.Hex() + " reused");
          mine.insert(sp.trace_id);
          if (!spans.insert(sp.span_id).second) Problem("span id " + sp.span_id.Hex() + " reused");
          span_trace[sp.span_id] = sp.trace_id;
          if (sp.start_time_unix_nano > sp.end_time_unix_nano) Problem("span starts after it ends");
          CheckTime(sp.end_time_unix_nano, now, "end_time_unix_nano");
          for (const auto& ev : sp.events) {
            if (ev.time_unix_nano < sp.start_time_unix_nano ||
                ev.time_unix_nano > sp.end_time_unix_nano) {
              Problem("event outside its span");
            }
          }
          CheckToken(sp.attributes);
        }
    for (const auto& rs : b.resources())
      for (const auto& ss : rs.scope_spans)
        for (const pdata::Span& sp : ss.spans) {
          if (sp.parent_span_id.empty()) continue;
          auto it = span_trace.find(sp.parent_span_id);
          if (it == span_trace.end() || it->second != sp.trace_id) {
            Problem("parent " + sp.parent_span_id.Hex() + " is not a span of the same trace");
          }
        }
    traces_before.insert(mine.begin(), mine.end());
  }

  void Logs(const pdata::LogBatch& b, uint64_t now) {
    std::set<pdata::TraceId> mine;
    for (const auto& rl : b.resources())
      for (const auto& sl : rl.scope_logs)
        for (const pdata::LogRecord& r : sl.log_records) {
          CheckTime(r.time_unix_nano, now, "time_unix_nano");
          CheckTime(r.observed_time_unix_nano, now, "observed_time_unix_nano");
          if (ours && (r.body.string_value.size() < 60 || r.body.string_value.size() > 200)) {
            Problem(fmt::format("body of {} chars", r.body.string_value.size()));
          }
          CheckToken(r.attributes);
          if (r.trace_id.empty() != r.span_id.empty()) Problem("trace id without span id");
          if (r.trace_id.empty()) continue;
          ++with_ids;
          if (traces_before.count(r.trace_id) || !mine.insert(r.trace_id).second) {
            Problem("trace id " + r.trace_id.Hex() + " reused");
          }
          if (!spans.insert(r.span_id).second) Problem("span id " + r.span_id.Hex() + " reused");
        }
    traces_before.insert(mine.begin(), mine.end());
  }

  void Metrics(const pdata::MetricBatch& b, uint64_t now) {
    for (const auto& rm : b.resources())
      for (const auto& sm : rm.scope_metrics)
        for (const pdata::Metric& m : sm.metrics) {
          for (const auto& p : m.number_points) CheckTime(p.time_unix_nano, now, "time_unix_nano");
          for (const auto& p : m.histogram_points) {
            CheckTime(p.time_unix_nano, now, "time_unix_nano");
            uint64_t n = 0;
            for (uint64_t c : p.bucket_counts) n += c;
            if (n != p.count) Problem("histogram bucket counts do not add up to count");
          }
        }
  }
};

}  // namespace

int RunVerify(const RunContext& ctx, int requests_per_connection) {
  const Options& o = ctx.opts;
  Checker check;
  check.ours = o.generator == Generator::kLoadgen;
  // otlp::MakeSynthetic* lays items out 1 ms apart after its base time.
  check.future_ns =
      1'000'000'000ULL + (check.ours ? 0 : uint64_t{1'000'000} * static_cast<uint64_t>(o.items));
  StatsSink sink(ctx.schedule);
  int connections = std::min(o.connections, 4);
  std::vector<std::unique_ptr<RequestBuilder>> builders;
  for (int c = 0; c < connections; ++c) {
    builders.push_back(std::make_unique<RequestBuilder>(ctx, static_cast<uint32_t>(c), false));
  }
  uint64_t requests = 0;
  for (int i = 0; i < requests_per_connection; ++i) {
    for (auto& b : builders) {
      size_t items = b->Build(sink);
      std::string body = b->body();
      uint64_t now = WallNanos();
      ++requests;
      check.bytes += body.size();
      size_t got = 0;
      Status st;
      switch (o.signal) {
        case Signal::kTraces: {
          StatusOr<pdata::TraceBatch> d = otlp::DecodeTraces(std::move(body));
          st = d.status();
          if (d.ok()) {
            got = d->ItemCount();
            check.Traces(*d, now);
          }
          break;
        }
        case Signal::kLogs: {
          StatusOr<pdata::LogBatch> d = otlp::DecodeLogs(std::move(body));
          st = d.status();
          if (d.ok()) {
            got = d->ItemCount();
            check.Logs(*d, now);
          }
          break;
        }
        case Signal::kMetrics: {
          StatusOr<pdata::MetricBatch> d = otlp::DecodeMetrics(std::move(body));
          st = d.status();
          if (d.ok()) {
            got = d->ItemCount();
            check.Metrics(*d, now);
          }
          break;
        }
      }
      if (!st.ok()) check.Problem("does not decode: " + st.ToString());
      if (got != items || got != static_cast<size_t>(o.items)) {
        check.Problem(fmt::format("{} items decoded, {} expected", got, o.items));
      }
      check.items += got;
    }
  }
  std::printf(
      "verify: %s, %llu requests from %d connections (%s): %llu items, %.0f bytes/item",
      std::string(SignalName(o.signal)).c_str(), static_cast<unsigned long long>(requests),
      connections, ctx.pool ? "pool" : "fresh encode", static_cast<unsigned long long>(check.items),
      check.items ? static_cast<double>(check.bytes) / static_cast<double>(check.items) : 0);
  if (o.signal == Signal::kLogs && check.items) {
    std::printf(", %.1f%% with trace ids",
                100.0 * static_cast<double>(check.with_ids) / static_cast<double>(check.items));
  }
  std::printf("\n");
  if (check.problems.empty()) {
    std::printf("verify: OK\n");
    return 0;
  }
  for (const std::string& p : check.problems) std::printf("verify: FAIL %s\n", p.c_str());
  return 1;
}

}  // namespace otter::loadgen
