#include "processors/batch/batch_processor.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

#include "config/loader.h"
#include "otlp/proto_codec.h"

namespace otter {
namespace {

using namespace std::chrono_literals;
using pdata::LogBatch;
using pdata::MetricBatch;
using pdata::TraceBatch;

// Items carry consecutive sequence numbers (in span ids / values), so a test can check that
// every item arrives exactly once.
void PutSeq(pdata::SpanId& id, uint64_t seq) { std::memcpy(id.bytes.data(), &seq, 8); }
uint64_t GetSeq(const pdata::SpanId& id) {
  uint64_t seq;
  std::memcpy(&seq, id.bytes.data(), 8);
  return seq;
}

TraceBatch MakeTraces(size_t n, uint64_t first_seq) {
  TraceBatch b;
  pdata::ResourceSpans rs;
  rs.resource.attributes.push_back(
      {"service.name", pdata::AnyValue::String(b.arenas().Copy("svc"))});
  pdata::ScopeSpans ss;
  for (size_t i = 0; i < n; ++i) {
    pdata::Span span;
    PutSeq(span.span_id, first_seq + i);
    span.name = b.arenas().Copy("op");
    ss.spans.push_back(std::move(span));
  }
  rs.scope_spans.push_back(std::move(ss));
  b.resources().push_back(std::move(rs));
  return b;
}

MetricBatch MakeMetrics(size_t n, uint64_t first_seq) {
  MetricBatch b;
  pdata::ResourceMetrics rm;
  pdata::ScopeMetrics sm;
  pdata::Metric m;
  m.name = b.arenas().Copy("requests");
  m.type = pdata::MetricType::kSum;
  for (size_t i = 0; i < n; ++i) {
    pdata::NumberDataPoint p;
    p.value_type = pdata::NumberDataPoint::ValueType::kInt;
    p.as_int = static_cast<int64_t>(first_seq + i);
    m.number_points.push_back(std::move(p));
  }
  sm.metrics.push_back(std::move(m));
  rm.scope_metrics.push_back(std::move(sm));
  b.resources().push_back(std::move(rm));
  return b;
}

LogBatch MakeLogs(size_t n, uint64_t first_seq) {
  LogBatch b;
  pdata::ResourceLogs rl;
  pdata::ScopeLogs sl;
  for (size_t i = 0; i < n; ++i) {
    pdata::LogRecord r;
    PutSeq(r.span_id, first_seq + i);
    sl.log_records.push_back(std::move(r));
  }
  rl.scope_logs.push_back(std::move(sl));
  b.resources().push_back(std::move(rl));
  return b;
}

template <class B>
B Make(size_t n, uint64_t first_seq);
template <>
TraceBatch Make<TraceBatch>(size_t n, uint64_t s) {
  return MakeTraces(n, s);
}
template <>
MetricBatch Make<MetricBatch>(size_t n, uint64_t s) {
  return MakeMetrics(n, s);
}
template <>
LogBatch Make<LogBatch>(size_t n, uint64_t s) {
  return MakeLogs(n, s);
}

std::vector<uint64_t> Seqs(const TraceBatch& b) {
  if (b.undecoded()) {  // the batch processor's bytes mode
    auto decoded = otlp::DecodeTraces(std::string(b.wire()));
    EXPECT_TRUE(decoded.ok()) << decoded.status().ToString();
    EXPECT_EQ(decoded.ok() ? decoded->ItemCount() : 0, b.ItemCount());
    return decoded.ok() ? Seqs(*decoded) : std::vector<uint64_t>{};
  }
  std::vector<uint64_t> out;
  for (const auto& rs : b.resources())
    for (const auto& ss : rs.scope_spans)
      for (const auto& sp : ss.spans) out.push_back(GetSeq(sp.span_id));
  return out;
}
std::vector<uint64_t> Seqs(const MetricBatch& b) {
  std::vector<uint64_t> out;
  for (const auto& rm : b.resources())
    for (const auto& sm : rm.scope_metrics)
      for (const auto& m : sm.metrics)
        for (const auto& p : m.number_points) out.push_back(static_cast<uint64_t>(p.as_int));
  return out;
}
std::vector<uint64_t> Seqs(const LogBatch& b) {
  if (b.undecoded()) {  // the batch processor's bytes mode
    auto decoded = otlp::DecodeLogs(std::string(b.wire()));
    EXPECT_TRUE(decoded.ok()) << decoded.status().ToString();
    EXPECT_EQ(decoded.ok() ? decoded->ItemCount() : 0, b.ItemCount());
    return decoded.ok() ? Seqs(*decoded) : std::vector<uint64_t>{};
  }
  std::vector<uint64_t> out;
  for (const auto& rl : b.resources())
    for (const auto& sl : rl.scope_logs)
      for (const auto& r : sl.log_records) out.push_back(GetSeq(r.span_id));
  return out;
}

// A downstream consumer whose answer the test controls. Records what it accepted.
template <class B>
class FakeDownstream : public Consumer<B> {
 public:
  enum class Mode { kAccept, kRefuseRetryable, kRefusePermanent, kHold };

  void set_mode(Mode m) {
    std::lock_guard lock(mu_);
    mode_ = m;
  }
  // Set before the processor is built (it asks once).
  void set_takes_undecoded(bool take) { takes_undecoded_ = take; }
  bool TakesUndecoded() const override { return takes_undecoded_; }

  void Consume(B&& batch, Completion done) override {
    std::unique_lock lock(mu_);
    ++calls_;
    switch (mode_) {
      // Counters move (and waiters wake) only after `done` returned, so a test that waited for
      // them sees the processor's state after it handled the answer.
      case Mode::kAccept: {
        const size_t n = batch.ItemCount();
        sizes_.push_back(n);
        undecoded_ += batch.undecoded();
        client_ips_.push_back(batch.client_ip());
        for (uint64_t s : Seqs(batch)) seqs_.push_back(s);
        arrival_.push_back(std::chrono::steady_clock::now());
        lock.unlock();
        done(Status::Ok());
        lock.lock();
        accepted_items_ += n;
        cv_.notify_all();
        return;
      }
      case Mode::kRefuseRetryable:
      case Mode::kRefusePermanent: {
        const bool retryable = mode_ == Mode::kRefuseRetryable;
        lock.unlock();
        done(retryable ? Unavailable("queue is full") : InvalidArgument("bad data"));
        lock.lock();
        ++refusals_;
        cv_.notify_all();
        return;
      }
      case Mode::kHold:
        held_.push_back(std::move(done));
        held_items_.push_back(batch.ItemCount());
        cv_.notify_all();
        return;
    }
  }

  // Waits (bounded) until `items` items have been accepted.
  bool WaitAccepted(size_t items, std::chrono::milliseconds limit = 10s) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, limit, [&] { return accepted_items_ >= items; });
  }
  bool WaitRefusals(size_t n, std::chrono::milliseconds limit = 10s) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, limit, [&] { return refusals_ >= n; });
  }
  bool WaitHeld(size_t n, std::chrono::milliseconds limit = 10s) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, limit, [&] { return held_.size() >= n; });
  }
  // Answers every held completion with `s`.
  void AnswerHeld(const Status& s) {
    std::vector<Completion> held;
    {
      std::lock_guard lock(mu_);
      held.swap(held_);
      held_items_.clear();
    }
    for (auto& c : held) c(s);
  }

  std::vector<size_t> sizes() const {
    std::lock_guard lock(mu_);
    return sizes_;
  }
  std::vector<uint64_t> seqs() const {
    std::lock_guard lock(mu_);
    return seqs_;
  }
  std::vector<std::chrono::steady_clock::time_point> arrivals() const {
    std::lock_guard lock(mu_);
    return arrival_;
  }
  size_t accepted_items() const {
    std::lock_guard lock(mu_);
    return accepted_items_;
  }
  size_t refusals() const {
    std::lock_guard lock(mu_);
    return refusals_;
  }
  std::vector<std::string> client_ips() const {
    std::lock_guard lock(mu_);
    return client_ips_;
  }
  size_t undecoded() const {  // accepted batches that came undecoded
    std::lock_guard lock(mu_);
    return undecoded_;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  Mode mode_ = Mode::kAccept;
  std::vector<size_t> sizes_;
  std::vector<uint64_t> seqs_;
  std::vector<std::chrono::steady_clock::time_point> arrival_;
  size_t accepted_items_ = 0;
  size_t refusals_ = 0;
  size_t calls_ = 0;
  size_t undecoded_ = 0;
  std::vector<std::string> client_ips_;
  bool takes_undecoded_ = false;
  std::vector<Completion> held_;
  std::vector<size_t> held_items_;
};

// Captures the answer of one incoming request.
struct Answer {
  std::shared_ptr<std::optional<Status>> status = std::make_shared<std::optional<Status>>();
  Completion completion() {
    auto s = status;
    return Completion([s](Status st) { *s = std::move(st); });
  }
};

std::vector<uint64_t> Iota(uint64_t n) {
  std::vector<uint64_t> v(n);
  for (uint64_t i = 0; i < n; ++i) v[i] = i;
  return v;
}

std::vector<uint64_t> Sorted(std::vector<uint64_t> v) {
  std::sort(v.begin(), v.end());
  return v;
}

// Every BatchProcessorTest runs twice: with a downstream that decodes (pdata batches merged and
// split), and with one that takes undecoded batches (the processor's bytes mode: protobuf
// requests appended and split at span boundaries, never decoded).
class BatchProcessorTest : public ::testing::TestWithParam<bool> {
 protected:
  BatchProcessorTest() { down_.set_takes_undecoded(GetParam()); }
  ComponentContext Context() {
    ComponentContext ctx;
    ctx.id = ComponentId{"batch", ""};
    ctx.kind = ComponentKind::kProcessor;
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log_);
    ctx.logger = std::make_shared<spdlog::logger>("batch", sink);
    ctx.logger->set_pattern("%l %v");
    ctx.metrics = &metrics_;
    return ctx;
  }
  double Metric(const std::string& name) { return metrics_.Value(name, {{"processor", "batch"}}); }

  std::ostringstream log_;  // read only when no processor thread can write
  telemetry::SelfMetrics metrics_;
  FakeDownstream<TraceBatch> down_;
};

BatchConfig Cfg(uint32_t size, uint32_t max, std::chrono::milliseconds timeout) {
  BatchConfig c;
  c.send_batch_size = size;
  c.send_batch_max_size = max;
  c.timeout = timeout;
  return c;
}

TEST_P(BatchProcessorTest, SendsWhenSendBatchSizeIsReached) {
  BatchProcessor<TraceBatch> p(Context(), Cfg(10, 0, 1h), &down_);
  ASSERT_TRUE(p.Start().ok());
  Answer a1, a2, a3;
  p.Consume(MakeTraces(4, 0), a1.completion());
  p.Consume(MakeTraces(4, 4), a2.completion());
  EXPECT_TRUE(down_.sizes().empty());
  EXPECT_EQ(p.held().pending, 8u);
  p.Consume(MakeTraces(4, 8), a3.completion());  // 12 >= 10: all 12 go (no max size)
  EXPECT_EQ(down_.sizes(), std::vector<size_t>{12});
  EXPECT_EQ(down_.seqs(), Iota(12));
  for (Answer* a : {&a1, &a2, &a3}) ASSERT_TRUE(a->status->has_value() && (*a->status)->ok());
  EXPECT_EQ(Metric("otelcol_processor_batch_batch_size_trigger_send"), 1);
  EXPECT_EQ(Metric("otelcol_processor_batch_timeout_trigger_send"), 0);
  EXPECT_EQ(Metric("otelcol_processor_batch_batch_send_size_count"), 1);
  EXPECT_EQ(Metric("otelcol_processor_batch_batch_send_size_sum"), 12);
  p.Shutdown();
}

TEST_P(BatchProcessorTest, SendBatchMaxSizeSplitsIntoExactSizes) {
  BatchProcessor<TraceBatch> p(Context(), Cfg(10, 15, 1h), &down_);
  ASSERT_TRUE(p.Start().ok());
  p.Consume(MakeTraces(37, 0), Completion());
  // While >= 10 pending: send 15 (the max), 15, then 7 < 10 stay pending.
  EXPECT_EQ(down_.sizes(), (std::vector<size_t>{15, 15}));
  EXPECT_EQ(p.held().pending, 7u);
  p.Shutdown();  // flushes the rest
  EXPECT_EQ(down_.sizes(), (std::vector<size_t>{15, 15, 7}));
  EXPECT_EQ(down_.seqs(), Iota(37));
  EXPECT_EQ(Metric("otelcol_processor_dropped_spans"), 0);
}

TEST_P(BatchProcessorTest, ZeroTimeoutSendsImmediatelySplitAtMaxSize) {
  BatchProcessor<TraceBatch> p(Context(), Cfg(8192, 5, 0ms), &down_);
  ASSERT_TRUE(p.Start().ok());
  p.Consume(MakeTraces(12, 0), Completion());
  EXPECT_EQ(down_.sizes(), (std::vector<size_t>{5, 5, 2}));
  p.Consume(MakeTraces(1, 12), Completion());
  EXPECT_EQ(down_.sizes(), (std::vector<size_t>{5, 5, 2, 1}));
  EXPECT_EQ(down_.seqs(), Iota(13));
  p.Shutdown();
}

TEST_P(BatchProcessorTest, TimeoutSendsAPartialBatch) {
  BatchProcessor<TraceBatch> p(Context(), Cfg(1000, 0, 50ms), &down_);
  ASSERT_TRUE(p.Start().ok());
  auto sent_at = std::chrono::steady_clock::now();
  p.Consume(MakeTraces(3, 0), Completion());
  ASSERT_TRUE(down_.WaitAccepted(3));
  EXPECT_EQ(down_.sizes(), std::vector<size_t>{3});
  EXPECT_GE(down_.arrivals()[0] - sent_at, 50ms);
  EXPECT_EQ(Metric("otelcol_processor_batch_timeout_trigger_send"), 1);
  EXPECT_EQ(Metric("otelcol_processor_batch_batch_size_trigger_send"), 0);
  p.Shutdown();
}

TEST_P(BatchProcessorTest, TimeoutSendsEverythingPendingInMaxSizeChunks) {
  BatchProcessor<TraceBatch> p(Context(), Cfg(0, 4, 30ms), &down_);  // size 0: timeout only
  ASSERT_TRUE(p.Start().ok());
  p.Consume(MakeTraces(10, 0), Completion());
  ASSERT_TRUE(down_.WaitAccepted(10));
  EXPECT_EQ(down_.sizes(), (std::vector<size_t>{4, 4, 2}));
  EXPECT_EQ(Metric("otelcol_processor_batch_timeout_trigger_send"), 3);
  p.Shutdown();
}

TEST_P(BatchProcessorTest, AnswersOnAcceptWithoutWaitingForTheDownstream) {
  down_.set_mode(FakeDownstream<TraceBatch>::Mode::kHold);
  BatchProcessor<TraceBatch> p(Context(), Cfg(2, 0, 1h), &down_);
  ASSERT_TRUE(p.Start().ok());
  Answer a;
  p.Consume(MakeTraces(5, 0), a.completion());
  ASSERT_TRUE(down_.WaitHeld(1));
  ASSERT_TRUE(a.status->has_value());
  EXPECT_TRUE((*a.status)->ok());
  EXPECT_EQ(p.held().in_flight, 5u);  // retained until the downstream answers
  down_.AnswerHeld(Status::Ok());
  EXPECT_EQ(p.held().total(), 0u);
  p.Shutdown();
}

TEST_P(BatchProcessorTest, BackPressureHoldsRefusedDataThenDeliversItExactlyOnce) {
  down_.set_mode(FakeDownstream<TraceBatch>::Mode::kRefuseRetryable);
  BatchConfig cfg = Cfg(10, 10, 0ms);
  cfg.max_held_batches = 2;  // hold at most 20 spans
  BatchOptions opts;
  opts.min_retry_delay = 5ms;
  opts.max_retry_delay = 20ms;
  BatchProcessor<TraceBatch> p(Context(), cfg, &down_, opts);
  ASSERT_TRUE(p.Start().ok());

  Answer a1, a2, a3;
  p.Consume(MakeTraces(10, 0), a1.completion());   // sent, refused, kept for retry
  p.Consume(MakeTraces(10, 10), a2.completion());  // accepted: held 10 < 20
  ASSERT_TRUE((*a1.status)->ok());
  ASSERT_TRUE((*a2.status)->ok());
  ASSERT_TRUE(down_.WaitRefusals(3));  // the timer keeps retrying while refused
  EXPECT_EQ(p.held().total(), 20u);

  p.Consume(MakeTraces(10, 20), a3.completion());  // over the bound: refused retryably
  ASSERT_TRUE(a3.status->has_value());
  const Status& refused = **a3.status;
  EXPECT_EQ(refused.code(), StatusCode::kUnavailable);
  EXPECT_TRUE(refused.retryable());
  EXPECT_EQ(refused.message(), "batch processor is full: downstream refusing");
  EXPECT_EQ(Metric("otelcol_processor_refused_spans"), 10);
  EXPECT_EQ(down_.accepted_items(), 0u);

  down_.set_mode(FakeDownstream<TraceBatch>::Mode::kAccept);
  ASSERT_TRUE(down_.WaitAccepted(20));
  p.Shutdown();
  EXPECT_EQ(Sorted(down_.seqs()), Iota(20));  // each of the 20 accepted spans exactly once
  EXPECT_EQ(down_.accepted_items(), 20u);
  EXPECT_EQ(Metric("otelcol_processor_dropped_spans"), 0);
}

TEST_P(BatchProcessorTest, AcceptsAgainOnceTheDownstreamRecovers) {
  down_.set_mode(FakeDownstream<TraceBatch>::Mode::kRefuseRetryable);
  BatchConfig cfg = Cfg(5, 5, 0ms);
  cfg.max_held_batches = 1;
  BatchOptions opts;
  opts.min_retry_delay = 5ms;
  BatchProcessor<TraceBatch> p(Context(), cfg, &down_, opts);
  ASSERT_TRUE(p.Start().ok());
  p.Consume(MakeTraces(5, 0), Completion());
  Answer refused;
  p.Consume(MakeTraces(5, 5), refused.completion());
  EXPECT_FALSE((*refused.status)->ok());
  down_.set_mode(FakeDownstream<TraceBatch>::Mode::kAccept);
  ASSERT_TRUE(down_.WaitAccepted(5));
  Answer again;
  p.Consume(MakeTraces(5, 5), again.completion());
  EXPECT_TRUE((*again.status)->ok());
  ASSERT_TRUE(down_.WaitAccepted(10));
  EXPECT_EQ(Sorted(down_.seqs()), Iota(10));
  p.Shutdown();
}

TEST_P(BatchProcessorTest, RetryAfterFromTheDownstreamDelaysTheRetry) {
  // A downstream that refuses once with a retry-after hint, then accepts.
  class RefuseOnce : public Consumer<TraceBatch> {
   public:
    void Consume(TraceBatch&& b, Completion done) override {
      std::lock_guard lock(mu);
      times.push_back(std::chrono::steady_clock::now());
      if (times.size() == 1) {
        done(Unavailable("busy").WithRetryAfter(60ms));
      } else {
        done(Status::Ok());
        cv.notify_all();
      }
    }
    std::mutex mu;
    std::condition_variable cv;
    std::vector<std::chrono::steady_clock::time_point> times;
  } down;
  BatchOptions opts;
  opts.min_retry_delay = 1ms;
  BatchProcessor<TraceBatch> p(Context(), Cfg(1, 0, 0ms), &down, opts);
  ASSERT_TRUE(p.Start().ok());
  p.Consume(MakeTraces(1, 0), Completion());
  {
    std::unique_lock lock(down.mu);
    ASSERT_TRUE(down.cv.wait_for(lock, 10s, [&] { return down.times.size() >= 2; }));
    EXPECT_GE(down.times[1] - down.times[0], 60ms);
  }
  p.Shutdown();
}

TEST_P(BatchProcessorTest, PermanentRefusalDropsCountsAndLogs) {
  down_.set_mode(FakeDownstream<TraceBatch>::Mode::kRefusePermanent);
  BatchProcessor<TraceBatch> p(Context(), Cfg(7, 0, 1h), &down_);
  ASSERT_TRUE(p.Start().ok());
  Answer a;
  p.Consume(MakeTraces(7, 0), a.completion());
  EXPECT_TRUE((*a.status)->ok());  // accepted before the downstream decided
  EXPECT_EQ(Metric("otelcol_processor_dropped_spans"), 7);
  EXPECT_EQ(p.held().total(), 0u);
  EXPECT_NE(log_.str().find("dropped 7 spans that the downstream rejected permanently: "
                            "INVALID_ARGUMENT: bad data"),
            std::string::npos)
      << log_.str();
  // Later drops within the same second are folded into one line at shutdown.
  p.Consume(MakeTraces(7, 7), Completion());
  p.Consume(MakeTraces(7, 14), Completion());
  EXPECT_EQ(Metric("otelcol_processor_dropped_spans"), 21);
  p.Shutdown();
  EXPECT_NE(log_.str().find("dropped 14 more spans in 2 batches"), std::string::npos) << log_.str();
}

TEST_P(BatchProcessorTest, ShutdownFlushesPendingData) {
  BatchProcessor<TraceBatch> p(Context(), Cfg(100, 0, 1h), &down_);
  ASSERT_TRUE(p.Start().ok());
  p.Consume(MakeTraces(7, 0), Completion());
  p.Consume(MakeTraces(2, 7), Completion());
  EXPECT_TRUE(down_.sizes().empty());
  p.Shutdown();
  EXPECT_EQ(down_.seqs(), Iota(9));
  EXPECT_EQ(Metric("otelcol_processor_dropped_spans"), 0);
  Answer late;
  p.Consume(MakeTraces(1, 9), late.completion());
  EXPECT_EQ((*late.status)->code(), StatusCode::kUnavailable);
}

TEST_P(BatchProcessorTest, ShutdownCountsAndLogsExactlyWhatCouldNotBeDelivered) {
  down_.set_mode(FakeDownstream<TraceBatch>::Mode::kRefuseRetryable);
  BatchOptions opts;
  opts.shutdown_timeout = 100ms;
  opts.min_retry_delay = 5ms;
  opts.max_retry_delay = 10ms;
  BatchProcessor<TraceBatch> p(Context(), Cfg(5, 0, 0ms), &down_, opts);
  ASSERT_TRUE(p.Start().ok());
  p.Consume(MakeTraces(5, 0), Completion());  // sent and refused
  p.Consume(MakeTraces(7, 5), Completion());  // held while backing off (or refused again)
  size_t before = down_.refusals();
  p.Shutdown();
  EXPECT_GT(down_.refusals(), before);  // shutdown retried
  EXPECT_EQ(Metric("otelcol_processor_dropped_spans"), 12);
  EXPECT_NE(log_.str().find("shutdown: dropped 12 spans that the downstream did not accept "
                            "within 100ms (last refusal: UNAVAILABLE: queue is full)"),
            std::string::npos)
      << log_.str();
}

TEST_P(BatchProcessorTest, ShutdownWaitsForAnswersAndCountsLateRefusals) {
  down_.set_mode(FakeDownstream<TraceBatch>::Mode::kHold);
  BatchOptions opts;
  opts.shutdown_timeout = 20ms;
  BatchProcessor<TraceBatch> p(Context(), Cfg(4, 0, 0ms), &down_, opts);
  ASSERT_TRUE(p.Start().ok());
  p.Consume(MakeTraces(4, 0), Completion());
  p.Shutdown();
  EXPECT_NE(log_.str().find("shutdown: 4 spans sent downstream were not answered within 20ms"),
            std::string::npos)
      << log_.str();
  EXPECT_EQ(Metric("otelcol_processor_dropped_spans"), 0);
  down_.AnswerHeld(Unavailable("gave up"));  // refused after shutdown: nobody retries it now
  EXPECT_EQ(Metric("otelcol_processor_dropped_spans"), 4);
}

TEST_P(BatchProcessorTest, ConcurrentProducersDeliverEverythingExactlyOnce) {
  BatchProcessor<TraceBatch> p(Context(), Cfg(100, 128, 5ms), &down_);
  ASSERT_TRUE(p.Start().ok());
  constexpr int kThreads = 4, kPerThread = 500, kSpans = 3;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        uint64_t seq = (uint64_t(t) * kPerThread + i) * kSpans;
        p.Consume(MakeTraces(kSpans, seq), Completion());
      }
    });
  }
  for (auto& t : threads) t.join();
  p.Shutdown();
  const uint64_t total = uint64_t{kThreads} * kPerThread * kSpans;
  EXPECT_EQ(Sorted(down_.seqs()), Iota(total));
  for (size_t s : down_.sizes()) EXPECT_LE(s, 128u);
  EXPECT_EQ(Metric("otelcol_processor_batch_batch_send_size_sum"), double(total));
}

INSTANTIATE_TEST_SUITE_P(Downstream, BatchProcessorTest, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "Undecoded" : "Decoded"; });

TEST_P(BatchProcessorTest, BytesModeOnlyWhenTheDownstreamTakesUndecodedTraces) {
  BatchProcessor<TraceBatch> p(Context(), Cfg(20, 15, 1h), &down_);
  EXPECT_EQ(p.TakesUndecoded(), GetParam());
  ASSERT_TRUE(p.Start().ok());
  // Undecoded requests (as the OTLP receiver hands them over) and a decoded batch, mixed.
  std::string body;
  otlp::EncodeTraces(MakeTraces(12, 0), &body);
  if (GetParam()) {
    p.Consume(TraceBatch::Undecoded(std::move(body), 12), Completion());
  } else {
    p.Consume(MakeTraces(12, 0), Completion());
  }
  p.Consume(MakeTraces(9, 12), Completion());  // 21: 15 go, cut inside the second request
  p.Shutdown();
  EXPECT_EQ(down_.sizes(), (std::vector<size_t>{15, 6}));
  EXPECT_EQ(down_.seqs(), Iota(21));
  EXPECT_EQ(down_.undecoded(), GetParam() ? 2u : 0u);
  FakeDownstream<MetricBatch> metrics;  // metrics are always decoded
  metrics.set_takes_undecoded(true);
  EXPECT_FALSE(BatchProcessor<MetricBatch>(Context(), Cfg(10, 15, 1h), &metrics).TakesUndecoded());
}

// Batch::Append's rule, in both modes: a merged batch keeps the client address only when every
// part came from the same client.
TEST_P(BatchProcessorTest, KeepsTheClientAddressOnlyWhileItIsTheSame) {
  BatchProcessor<TraceBatch> p(Context(), Cfg(4, 0, 1h), &down_);
  ASSERT_TRUE(p.Start().ok());
  auto from = [](const char* ip, uint64_t seq) {
    TraceBatch b = MakeTraces(2, seq);
    b.set_client_ip(ip);
    return b;
  };
  p.Consume(from("10.0.0.1", 0), Completion());
  p.Consume(from("10.0.0.1", 2), Completion());  // 4: sent, one client
  p.Consume(from("10.0.0.1", 4), Completion());
  p.Consume(from("10.0.0.2", 6), Completion());  // 4: sent, two clients
  p.Consume(from("10.0.0.3", 8), Completion());
  p.Consume(from("10.0.0.3", 10), Completion());  // 4: sent, one client again
  p.Shutdown();
  EXPECT_EQ(down_.seqs(), Iota(12));
  EXPECT_EQ(down_.client_ips(), (std::vector<std::string>{"10.0.0.1", "", "10.0.0.3"}));
}

// The same processor works for every signal; metric data points split exactly too.
template <class B>
class BatchProcessorSignalTest : public ::testing::Test {};
using BatchTypes = ::testing::Types<TraceBatch, MetricBatch, LogBatch>;
TYPED_TEST_SUITE(BatchProcessorSignalTest, BatchTypes);

// Both with a downstream that decodes and with one that takes undecoded batches (bytes mode for
// traces and logs; metrics stay pdata).
TYPED_TEST(BatchProcessorSignalTest, SplitsAndDeliversEveryItem) {
  for (bool undecoded : {false, true}) {
    FakeDownstream<TypeParam> down;
    down.set_takes_undecoded(undecoded);
    ComponentContext ctx;
    ctx.id = ComponentId{"batch", "x"};
    BatchProcessor<TypeParam> p(ctx, Cfg(6, 6, 1h), &down);
    ASSERT_TRUE(p.Start().ok());
    p.Consume(Make<TypeParam>(4, 0), Completion());
    p.Consume(Make<TypeParam>(9, 4), Completion());  // 13 pending: 6, 6 sent, 1 held
    EXPECT_EQ(down.sizes(), (std::vector<size_t>{6, 6}));
    p.Shutdown();
    EXPECT_EQ(down.sizes(), (std::vector<size_t>{6, 6, 1}));
    EXPECT_EQ(down.seqs(), Iota(13));
    const bool bytes = undecoded && !std::is_same_v<TypeParam, MetricBatch>;
    EXPECT_EQ(down.undecoded(), bytes ? 3u : 0u) << undecoded;
  }
}

// ---- config ------------------------------------------------------------------------------------

std::unique_ptr<BatchConfig> Parse(const std::string& yaml, config::Diagnostics& d) {
  auto node = config::ParseYaml(yaml, "test.yaml");
  EXPECT_TRUE(node.ok()) << node.status().ToString();
  Registry r;
  RegisterBuiltins(r);
  const Factory* f = r.Find(ComponentKind::kProcessor, "batch");
  EXPECT_NE(f, nullptr);
  auto cfg = f->parse_config(*node, d);
  return std::unique_ptr<BatchConfig>(static_cast<BatchConfig*>(cfg.release()));
}

TEST(BatchProcessorConfigTest, DefaultsMatchOtelcol) {
  config::Diagnostics d;
  auto cfg = Parse("{}", d);
  ASSERT_TRUE(d.ok()) << d.ErrorsText();
  EXPECT_EQ(cfg->send_batch_size, 8192u);
  EXPECT_EQ(cfg->send_batch_max_size, 0u);
  EXPECT_EQ(cfg->timeout, std::chrono::milliseconds(200));
  EXPECT_EQ(cfg->HeldItemLimit(), 10u * 8192u);
}

TEST(BatchProcessorConfigTest, ParsesEveryKey) {
  config::Diagnostics d;
  auto cfg = Parse(
      "send_batch_size: 100\nsend_batch_max_size: 150\ntimeout: 2s\n"
      "max_held_batches: 3\n",
      d);
  ASSERT_TRUE(d.ok()) << d.ErrorsText();
  EXPECT_EQ(cfg->send_batch_size, 100u);
  EXPECT_EQ(cfg->send_batch_max_size, 150u);
  EXPECT_EQ(cfg->timeout, std::chrono::seconds(2));
  EXPECT_EQ(cfg->HeldItemLimit(), 450u);
}

TEST(BatchProcessorConfigTest, MaxSizeBelowSizeIsAnErrorNamingTheKeys) {
  config::Diagnostics d;
  Parse("send_batch_size: 100\nsend_batch_max_size: 50\n", d);
  ASSERT_EQ(d.errors().size(), 1u);
  EXPECT_NE(d.errors()[0].find("send_batch_max_size (50) must be greater than or equal to "
                               "send_batch_size (100)"),
            std::string::npos)
      << d.errors()[0];
}

TEST(BatchProcessorConfigTest, MetadataKeys) {
  config::Diagnostics d;
  auto cfg = Parse("metadata_keys: [tenant, X-Region]\nmetadata_cardinality_limit: 10\n", d);
  ASSERT_TRUE(d.ok()) << d.ErrorsText();
  EXPECT_EQ(cfg->metadata_keys, (std::vector<std::string>{"tenant", "X-Region"}));
  EXPECT_EQ(cfg->metadata_cardinality_limit, 10u);
  EXPECT_EQ(BatchConfig().metadata_cardinality_limit, 1000u);  // otelcol's default
  cfg->metadata_keys = {"Tenant", "tenant"};
  EXPECT_EQ(cfg->Validate().message(),
            "metadata_keys: duplicate entry \"tenant\" (case-insensitive)");
}

TEST(BatchProcessorConfigTest, FactoryCreatesAProcessorPerSignal) {
  Registry r;
  RegisterBuiltins(r);
  const Factory* f = r.Find(ComponentKind::kProcessor, "batch");
  ASSERT_NE(f, nullptr);
  BatchConfig cfg;
  FakeDownstream<MetricBatch> down;
  Consumers next;
  next.metrics = &down;
  ComponentContext ctx;
  auto proc = f->create_processor(ctx, cfg, Signal::kMetrics, next);
  ASSERT_TRUE(proc.ok()) << proc.status().ToString();
  EXPECT_NE((*proc)->consumers().metrics, nullptr);
  EXPECT_EQ((*proc)->consumers().traces, nullptr);
  EXPECT_FALSE(f->create_processor(ctx, cfg, Signal::kTraces, next).ok());
}

}  // namespace
}  // namespace otter
