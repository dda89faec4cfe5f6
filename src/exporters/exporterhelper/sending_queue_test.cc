#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <atomic>
#include <future>
#include <random>
#include <sstream>
#include <thread>

#include "component/status_hub.h"
#include "config/node.h"
#include "exporters/exporterhelper/backoff.h"
#include "exporters/exporterhelper/fake_clock.h"
#include "exporters/exporterhelper/queued_retry_sender.h"

namespace otter::exporterhelper {
namespace {

using namespace std::chrono_literals;
using pdata::TraceBatch;

TraceBatch Spans(size_t n) {
  TraceBatch b;
  pdata::ResourceSpans rs;
  pdata::ScopeSpans ss;
  ss.spans.resize(n);
  rs.scope_spans.push_back(std::move(ss));
  b.resources().push_back(std::move(rs));
  return b;
}

// Blocks senders until opened; counts how many are waiting.
class Gate {
 public:
  void Wait() {
    std::unique_lock l(mu_);
    ++waiting_;
    cv_.notify_all();
    cv_.wait(l, [&] { return open_; });
    --waiting_;
  }
  void Open() {
    std::lock_guard l(mu_);
    open_ = true;
    cv_.notify_all();
  }
  void AwaitWaiting(int n) {
    std::unique_lock l(mu_);
    cv_.wait(l, [&] { return waiting_ >= n; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
  int waiting_ = 0;
};

// A completion whose result can be awaited.
struct Answer {
  std::promise<Status> p;
  std::future<Status> f = p.get_future();
  Completion done() {
    return Completion([this](Status s) { p.set_value(std::move(s)); });
  }
  bool ready() { return f.wait_for(0s) == std::future_status::ready; }
  Status get() { return f.get(); }
};

class SendingQueueTest : public ::testing::Test {
 protected:
  SendingQueueTest() {
    ctx_.id = {"otlp_grpc", "t"};
    ctx_.kind = ComponentKind::kExporter;
    ctx_.logger = std::make_shared<spdlog::logger>(
        "t", std::make_shared<spdlog::sinks::ostream_sink_mt>(log_));
    ctx_.logger->set_pattern("%l %v");
    ctx_.metrics = &metrics_;
    ctx_.status = &hub_;
    settings_.retry.initial_interval = 100ms;
    settings_.retry.randomization_factor = 0;
    settings_.retry.multiplier = 2;
    settings_.retry.max_interval = 1s;
  }
  // Fake time for tests of the retry schedule. Its waits jump, so Shutdown()'s drain would give
  // up at once: such tests collect every answer before the sender shuts down.
  void UseFakeClock() { options_.clock = clock_; }

  double Metric(const std::string& name) {
    return metrics_.Value(name, {{"exporter", "otlp_grpc/t"}});
  }
  double Sent() { return Metric("otelcol_exporter_sent_spans"); }
  double Failed() { return Metric("otelcol_exporter_send_failed_spans"); }
  double Refused() { return Metric("otelcol_exporter_enqueue_failed_spans"); }
  double QueueSize() {
    return metrics_.Value("otelcol_exporter_queue_size",
                          {{"exporter", "otlp_grpc/t"}, {"data_type", "traces"}});
  }
  int CountLines(const std::string& needle) {
    std::string s = log_.str();
    int n = 0;
    for (size_t p = s.find(needle); p != std::string::npos; p = s.find(needle, p + 1)) ++n;
    return n;
  }

  ComponentContext ctx_;
  std::ostringstream log_;
  telemetry::SelfMetrics metrics_;
  StatusHub hub_;
  SenderSettings settings_;
  std::shared_ptr<FakeClock> clock_ = std::make_shared<FakeClock>();
  SenderOptions options_;
};

TEST_F(SendingQueueTest, SendsAndCounts) {
  std::atomic<size_t> got{0};
  settings_.queue.wait_for_result = true;
  QueuedRetrySender<TraceBatch> s(
      ctx_, settings_,
      [&](const TraceBatch& b, const Attempt& a) {
        got += b.ItemCount();
        EXPECT_EQ(a.number, 1);
        EXPECT_EQ(a.timeout, 5s);
        return Status::Ok();
      },
      options_);
  Answer a1, a2;
  s.Consume(Spans(3), a1.done());
  s.Consume(Spans(4), a2.done());
  EXPECT_TRUE(a1.get().ok());
  EXPECT_TRUE(a2.get().ok());
  EXPECT_EQ(got, 7u);
  EXPECT_EQ(Sent(), 7);
  EXPECT_EQ(Failed(), 0);
  EXPECT_EQ(QueueSize(), 0);
  EXPECT_EQ(metrics_.Value("otelcol_exporter_queue_capacity",
                           {{"exporter", "otlp_grpc/t"}, {"data_type", "traces"}}),
            1000);
}

TEST_F(SendingQueueTest, AnswersOkOnEnqueueWithoutWaitForResult) {
  Gate gate;
  QueuedRetrySender<TraceBatch> s(
      ctx_, settings_,
      [&](const TraceBatch&, const Attempt&) {
        gate.Wait();
        return Status::Ok();
      },
      options_);
  Answer a;
  s.Consume(Spans(2), a.done());
  EXPECT_TRUE(a.get().ok());  // answered while the send is still blocked
  gate.Open();
  s.Shutdown();
  EXPECT_EQ(Sent(), 2);
}

TEST_F(SendingQueueTest, WaitForResultAnswersWhenTheSendFinishes) {
  settings_.queue.wait_for_result = true;
  Gate gate;
  QueuedRetrySender<TraceBatch> s(
      ctx_, settings_,
      [&](const TraceBatch&, const Attempt&) {
        gate.Wait();
        return InvalidArgument("bad data");
      },
      options_);
  Answer a;
  s.Consume(Spans(2), a.done());
  gate.AwaitWaiting(1);
  EXPECT_FALSE(a.ready());
  gate.Open();
  Status st = a.get();
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(st.message(), "bad data");
  EXPECT_EQ(Failed(), 2);
}

TEST_F(SendingQueueTest, RetriesRetryableErrorsWithBackoffThenDeliversOnce) {
  UseFakeClock();
  settings_.queue.wait_for_result = true;
  std::atomic<int> calls{0};
  QueuedRetrySender<TraceBatch> s(
      ctx_, settings_,
      [&](const TraceBatch&, const Attempt& a) {
        EXPECT_EQ(a.number, calls + 1);
        if (a.number == 1)
          *a.scratch = "encoded";
        else
          EXPECT_EQ(*a.scratch, "encoded");  // the cache survives retries
        return ++calls < 4 ? Unavailable("down") : Status::Ok();
      },
      options_);
  Answer a;
  s.Consume(Spans(5), a.done());
  EXPECT_TRUE(a.get().ok());
  EXPECT_EQ(calls, 4);
  EXPECT_EQ(clock_->waits(), (std::vector<std::chrono::nanoseconds>{100ms, 200ms, 400ms}));
  EXPECT_EQ(Sent(), 5);
  EXPECT_EQ(Failed(), 0);
}

TEST_F(SendingQueueTest, HonoursServerRetryDelay) {
  UseFakeClock();
  settings_.queue.wait_for_result = true;
  int calls = 0;
  QueuedRetrySender<TraceBatch> s(
      ctx_, settings_,
      [&](const TraceBatch&, const Attempt&) {
        ++calls;
        if (calls == 1) return Unavailable("throttled").WithRetryAfter(7s);
        if (calls == 2) return Unavailable("throttled").WithRetryAfter(10ms);  // backoff is longer
        return Status::Ok();
      },
      options_);
  Answer a;
  s.Consume(Spans(1), a.done());
  EXPECT_TRUE(a.get().ok());
  EXPECT_EQ(clock_->waits(), (std::vector<std::chrono::nanoseconds>{7s, 200ms}));
}

TEST_F(SendingQueueTest, PermanentErrorsAreNotRetried) {
  UseFakeClock();
  settings_.queue.wait_for_result = true;
  int calls = 0;
  QueuedRetrySender<TraceBatch> s(
      ctx_, settings_,
      [&](const TraceBatch&, const Attempt&) {
        ++calls;
        return ResourceExhausted("too big");  // no RetryInfo: permanent
      },
      options_);
  Answer a;
  s.Consume(Spans(3), a.done());
  EXPECT_EQ(a.get().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(clock_->waits().empty());
  EXPECT_EQ(Failed(), 3);
  EXPECT_EQ(CountLines("exporting failed, rejecting 3 spans: RESOURCE_EXHAUSTED: too big"), 1);
}

TEST_F(SendingQueueTest, ResourceExhaustedWithRetryInfoIsRetried) {
  UseFakeClock();
  settings_.queue.wait_for_result = true;
  int calls = 0;
  QueuedRetrySender<TraceBatch> s(
      ctx_, settings_,
      [&](const TraceBatch&, const Attempt&) {
        return ++calls == 1 ? ResourceExhausted("slow down").WithRetryAfter(2s) : Status::Ok();
      },
      options_);
  Answer a;
  s.Consume(Spans(1), a.done());
  EXPECT_TRUE(a.get().ok());
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(clock_->waits(), (std::vector<std::chrono::nanoseconds>{2s}));
}

TEST_F(SendingQueueTest, GivesUpAfterMaxElapsedTime) {
  UseFakeClock();
  settings_.queue.wait_for_result = true;
  settings_.retry.max_elapsed_time = 1s;  // waits 100+200+400 = 700ms; the next (800ms) exceeds
  int calls = 0;
  QueuedRetrySender<TraceBatch> s(
      ctx_, settings_,
      [&](const TraceBatch&, const Attempt&) {
        ++calls;
        return Unavailable("down");
      },
      options_);
  Answer a;
  s.Consume(Spans(4), a.done());
  Status st = a.get();
  EXPECT_EQ(st.code(), StatusCode::kUnavailable);  // still retryable for the caller
  EXPECT_EQ(st.message(), "no more retries left after 4 attempts: down");
  EXPECT_EQ(calls, 4);
  EXPECT_EQ(Failed(), 4);
  EXPECT_EQ(Sent(), 0);
}

TEST_F(SendingQueueTest, RetryDisabledMeansOneAttempt) {
  settings_.queue.wait_for_result = true;
  settings_.retry.enabled = false;
  int calls = 0;
  QueuedRetrySender<TraceBatch> s(
      ctx_, settings_,
      [&](const TraceBatch&, const Attempt&) {
        ++calls;
        return Unavailable("down");
      },
      options_);
  Answer a;
  s.Consume(Spans(4), a.done());
  EXPECT_EQ(a.get().code(), StatusCode::kUnavailable);
  EXPECT_EQ(calls, 1);
}

TEST_F(SendingQueueTest, FullQueueRefusesWithRetryableErrorAndCounts) {
  settings_.queue.num_consumers = 1;
  settings_.queue.queue_size = 2;
  Gate gate;
  QueuedRetrySender<TraceBatch> s(
      ctx_, settings_,
      [&](const TraceBatch&, const Attempt&) {
        gate.Wait();
        return Status::Ok();
      },
      options_);
  Answer in_flight, q1, q2, refused;
  s.Consume(Spans(1), in_flight.done());
  gate.AwaitWaiting(1);  // the sender holds the first request
  s.Consume(Spans(2), q1.done());
  s.Consume(Spans(3), q2.done());
  EXPECT_EQ(QueueSize(), 2);
  s.Consume(Spans(7), refused.done());
  Status st = refused.get();
  EXPECT_EQ(st.code(), StatusCode::kUnavailable);
  EXPECT_TRUE(st.retryable());
  EXPECT_EQ(st.message(), "sending queue is full");
  EXPECT_EQ(Refused(), 7);
  gate.Open();
  s.Shutdown();
  EXPECT_EQ(Sent(), 6);
  EXPECT_EQ(Failed(), 0);
  EXPECT_EQ(QueueSize(), 0);
}

TEST_F(SendingQueueTest, ItemsSizerCountsItems) {
  settings_.queue.num_consumers = 1;
  settings_.queue.queue_size = 10;
  settings_.queue.sizer = "items";
  Gate gate;
  QueuedRetrySender<TraceBatch> s(
      ctx_, settings_,
      [&](const TraceBatch&, const Attempt&) {
        gate.Wait();
        return Status::Ok();
      },
      options_);
  Answer a, b, c, d, too_big;
  s.Consume(Spans(1), a.done());
  gate.AwaitWaiting(1);
  s.Consume(Spans(6), b.done());
  s.Consume(Spans(4), c.done());
  EXPECT_EQ(QueueSize(), 10);
  s.Consume(Spans(1), d.done());
  EXPECT_EQ(d.get().code(), StatusCode::kUnavailable);
  s.Consume(Spans(11), too_big.done());
  Status st = too_big.get();
  EXPECT_FALSE(st.retryable());
  EXPECT_EQ(st.message(), "a batch of 11 spans is larger than sending_queue.queue_size (10 items)");
  EXPECT_EQ(Refused(), 12);
  gate.Open();
  s.Shutdown();
  EXPECT_EQ(Sent(), 11);
}

TEST_F(SendingQueueTest, BlockOnOverflowWaitsForRoom) {
  settings_.queue.num_consumers = 1;
  settings_.queue.queue_size = 1;
  settings_.queue.block_on_overflow = true;
  Gate gate;
  QueuedRetrySender<TraceBatch> s(
      ctx_, settings_,
      [&](const TraceBatch&, const Attempt&) {
        gate.Wait();
        return Status::Ok();
      },
      options_);
  Answer a, b, c;
  s.Consume(Spans(1), a.done());
  gate.AwaitWaiting(1);
  s.Consume(Spans(1), b.done());  // fills the queue
  auto blocked = std::async(std::launch::async, [&] { s.Consume(Spans(1), c.done()); });
  EXPECT_EQ(blocked.wait_for(20ms), std::future_status::timeout);
  gate.Open();
  blocked.get();
  EXPECT_TRUE(c.get().ok());
  s.Shutdown();
  EXPECT_EQ(Sent(), 3);
  EXPECT_EQ(Refused(), 0);
}

TEST_F(SendingQueueTest, DisabledQueueHandsOverOnlyToIdleSenders) {
  settings_.queue.enabled = false;
  settings_.queue.num_consumers = 1;
  Gate gate;
  QueuedRetrySender<TraceBatch> s(
      ctx_, settings_,
      [&](const TraceBatch&, const Attempt&) {
        gate.Wait();
        return Status::Ok();
      },
      options_);
  Answer a, b;
  s.Consume(Spans(2), a.done());
  gate.AwaitWaiting(1);
  EXPECT_FALSE(a.ready());  // no queue: answered with the send's result
  s.Consume(Spans(3), b.done());
  Status st = b.get();
  EXPECT_TRUE(st.retryable());
  EXPECT_EQ(st.message(), "sending queue is disabled and all 1 senders are busy");
  gate.Open();
  EXPECT_TRUE(a.get().ok());
  EXPECT_EQ(Sent(), 2);
  EXPECT_EQ(Refused(), 3);
  EXPECT_EQ(metrics_.Value("otelcol_exporter_queue_size",
                           {{"exporter", "otlp_grpc/t"}, {"data_type", "traces"}}),
            -1);  // no queue, no queue metrics
}

TEST_F(SendingQueueTest, EmptyBatchIsAcceptedWithoutSending) {
  int calls = 0;
  QueuedRetrySender<TraceBatch> s(
      ctx_, settings_,
      [&](const TraceBatch&, const Attempt&) {
        ++calls;
        return Status::Ok();
      },
      options_);
  Answer a;
  s.Consume(TraceBatch(), a.done());
  EXPECT_TRUE(a.get().ok());
  s.Shutdown();
  EXPECT_EQ(calls, 0);
}

TEST_F(SendingQueueTest, ReportsHealth) {
  settings_.queue.wait_for_result = true;
  settings_.retry.enabled = false;
  std::atomic<bool> fail{true};
  QueuedRetrySender<TraceBatch> s(
      ctx_, settings_,
      [&](const TraceBatch&, const Attempt&) {
        return fail ? Unavailable("backend down") : Status::Ok();
      },
      options_);
  Answer a, b;
  s.Consume(Spans(1), a.done());
  (void)a.get();
  auto [who, st] = hub_.FirstFailure();
  EXPECT_EQ(who, "otlp_grpc/t:traces");
  EXPECT_EQ(st.message(), "backend down");
  // The component-status view (healthcheckv2): a recoverable error of the traces side.
  auto states = hub_.GetSnapshot().states;
  ASSERT_EQ(states.count("exporter:otlp_grpc/t#traces"), 1u);
  EXPECT_EQ(states["exporter:otlp_grpc/t#traces"].state, ComponentState::kRecoverableError);
  EXPECT_EQ(states["exporter:otlp_grpc/t#traces"].error, "backend down");
  fail = false;
  s.Consume(Spans(1), b.done());
  EXPECT_TRUE(b.get().ok());
  EXPECT_EQ(hub_.FirstFailure().first, "");
}

TEST_F(SendingQueueTest, RefusesAfterShutdown) {
  QueuedRetrySender<TraceBatch> s(
      ctx_, settings_, [&](const TraceBatch&, const Attempt&) { return Status::Ok(); }, options_);
  s.Shutdown();
  Answer a;
  s.Consume(Spans(2), a.done());
  EXPECT_EQ(a.get().code(), StatusCode::kUnavailable);
  EXPECT_EQ(Refused(), 2);
}

TEST_F(SendingQueueTest, ShutdownDeliversWhatIsQueued) {
  settings_.queue.num_consumers = 2;
  Gate gate;
  std::atomic<size_t> got{0};
  QueuedRetrySender<TraceBatch> s(
      ctx_, settings_,
      [&](const TraceBatch& b, const Attempt&) {
        gate.Wait();
        got += b.ItemCount();
        return Status::Ok();
      },
      options_);
  for (int i = 0; i < 20; ++i) s.Consume(Spans(3), Completion());
  gate.AwaitWaiting(2);
  auto shut = std::async(std::launch::async, [&] { s.Shutdown(); });
  gate.Open();
  shut.get();
  EXPECT_EQ(got, 60u);
  EXPECT_EQ(Sent(), 60);
  EXPECT_EQ(CountLines("at shutdown"), 0);
}

TEST_F(SendingQueueTest, ShutdownWithDeadBackendCountsEveryItemAndLogsOnce) {
  settings_.queue.num_consumers = 3;
  settings_.retry.initial_interval = 1h;  // every retry would fall after the drain deadline
  settings_.retry.max_interval = 1h;
  settings_.retry.max_elapsed_time = 0s;
  Gate gate;
  QueuedRetrySender<TraceBatch> s(
      ctx_, settings_,
      [&](const TraceBatch&, const Attempt&) {
        gate.Wait();
        return Unavailable("connection refused");
      },
      options_);
  size_t total = 0;
  for (size_t i = 1; i <= 30; ++i) {
    s.Consume(Spans(i), Completion());
    total += i;
  }
  gate.AwaitWaiting(3);
  gate.Open();
  auto t0 = std::chrono::steady_clock::now();
  s.Shutdown();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);  // backoff waits did not hold it up
  EXPECT_EQ(Sent(), 0);
  EXPECT_EQ(Failed(), double(total));
  EXPECT_EQ(CountLines("at shutdown"), 1);
  EXPECT_EQ(CountLines("dropped " + std::to_string(total) +
                       " spans at shutdown: UNAVAILABLE: connection refused"),
            1)
      << log_.str();
}

// Real time, but tells the test when someone starts a long wait (a backoff).
class WatchedClock final : public Clock {
 public:
  TimePoint Now() override { return std::chrono::steady_clock::now(); }
  void WaitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                 TimePoint deadline) override {
    if (deadline - Now() > 30min) {
      std::lock_guard l(mu_);
      ++long_waits_;
      cv_.notify_all();
    }
    cv.wait_until(lock, deadline);
  }
  void AwaitLongWait() {
    std::unique_lock l(mu_);
    cv_.wait(l, [&] { return long_waits_ > 0; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int long_waits_ = 0;
};

TEST_F(SendingQueueTest, ShutdownGivesABackingOffRequestOneFinalAttempt) {
  auto clock = std::make_shared<WatchedClock>();
  options_.clock = clock;
  settings_.retry.initial_interval = 1h;
  settings_.retry.max_interval = 1h;
  settings_.retry.max_elapsed_time = 0s;
  std::atomic<int> calls{0};
  QueuedRetrySender<TraceBatch> s(
      ctx_, settings_,
      [&](const TraceBatch&, const Attempt&) {
        return ++calls == 1 ? Unavailable("restarting") : Status::Ok();  // back before the retry
      },
      options_);
  s.Consume(Spans(4), Completion());
  clock->AwaitLongWait();  // the request is waiting out its 1h backoff
  auto t0 = std::chrono::steady_clock::now();
  s.Shutdown();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(Sent(), 4);
  EXPECT_EQ(Failed(), 0);
  EXPECT_EQ(CountLines("at shutdown"), 0);
}

TEST_F(SendingQueueTest, ShutdownAbortsInFlightSendsAtTheDrainDeadline) {
  options_.drain_timeout = 50ms;
  settings_.queue.num_consumers = 2;
  settings_.queue.wait_for_result = true;
  std::atomic<int> aborted{0};
  Gate entered;
  QueuedRetrySender<TraceBatch> s(
      ctx_, settings_,
      [&](const TraceBatch&, const Attempt& a) {
        // A send that hangs until shutdown cancels it (as a blackholed connection would).
        std::mutex mu;
        std::condition_variable cv;
        bool cancelled = false;
        auto sub = a.cancel->OnCancel([&] {
          std::lock_guard l(mu);
          cancelled = true;
          cv.notify_all();
        });
        std::unique_lock l(mu);
        cv.wait(l, [&] { return cancelled; });
        ++aborted;
        return Status(StatusCode::kCancelled, "cancelled");
      },
      options_);
  std::vector<std::unique_ptr<Answer>> answers;
  for (int i = 0; i < 5; ++i) {
    answers.push_back(std::make_unique<Answer>());
    s.Consume(Spans(2), answers.back()->done());
  }
  s.Shutdown();
  for (auto& a : answers) {
    Status st = a->get();
    EXPECT_EQ(st.code(), StatusCode::kUnavailable);
    EXPECT_NE(st.message().find("shut down before the data could be sent"), std::string::npos);
  }
  EXPECT_EQ(aborted, 2);
  EXPECT_EQ(Failed(), 10);
  EXPECT_EQ(CountLines("dropped 10 spans at shutdown"), 1) << log_.str();
}

TEST_F(SendingQueueTest, EveryAcceptedItemIsSentOrFailedExactlyOnce) {
  settings_.queue.num_consumers = 4;
  settings_.queue.queue_size = 8;
  settings_.retry.initial_interval = 1ms;
  settings_.retry.max_interval = 2ms;
  settings_.retry.max_elapsed_time = 20ms;
  std::atomic<uint64_t> rnd{1};
  QueuedRetrySender<TraceBatch> s(
      ctx_, settings_,
      [&](const TraceBatch&, const Attempt&) {
        uint64_t r = rnd.fetch_add(0x9E3779B97F4A7C15ull) * 0xBF58476D1CE4E5B9ull >> 60;
        if (r < 6) return Status::Ok();
        if (r < 13) return Unavailable("flaky");
        return InvalidArgument("bad");
      },
      options_);
  std::atomic<uint64_t> offered{0}, refused_by_answer{0};
  std::vector<std::thread> producers;
  for (int t = 0; t < 4; ++t) {
    producers.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        size_t n = 1 + (t * 7 + i) % 5;
        offered += n;
        s.Consume(Spans(n), Completion([&, n](Status st) {
                    if (!st.ok()) refused_by_answer += n;
                  }));
      }
    });
  }
  for (auto& p : producers) p.join();
  s.Shutdown();
  EXPECT_EQ(Refused(), double(refused_by_answer));
  EXPECT_EQ(Sent() + Failed() + Refused(), double(offered));
  EXPECT_EQ(QueueSize(), 0);
}

TEST(ExponentialBackoffTest, FollowsTheGoSchedule) {
  RetrySettings r;  // 5s, x1.5, max 30s, max elapsed 300s, randomization 0.5
  double u = 0;
  ExponentialBackoff b(r, [&] { return u; });
  // Lowest draws: interval * 0.5.
  EXPECT_EQ(*b.Next(0s), 2500ms);
  EXPECT_EQ(*b.Next(0s), 3750ms);
  u = 0.5;  // middle draw: the interval itself (+0.5ns from the inclusive upper bound)
  EXPECT_NEAR(std::chrono::duration<double>(*b.Next(0s)).count(), 11.25, 1e-6);
  u = 0.999999;  // highest draws: interval * 1.5
  EXPECT_NEAR(std::chrono::duration<double>(*b.Next(0s)).count(), 16.875 * 1.5, 1e-3);
  EXPECT_NEAR(std::chrono::duration<double>(*b.Next(0s)).count(), 25.3125 * 1.5, 1e-3);
  EXPECT_NEAR(std::chrono::duration<double>(*b.Next(0s)).count(), 30 * 1.5, 1e-3);  // capped
  EXPECT_FALSE(b.Next(260s).has_value());  // 260 + 45 > 300
}

TEST(RetrySettingsTest, ParsesAndValidates) {
  config::Node n;
  n.kind = config::Node::Kind::kMap;
  config::Node v;
  v.kind = config::Node::Kind::kScalar;
  v.scalar = "250ms";
  n.map.push_back({"initial_interval", v});
  config::Diagnostics d;
  RetrySettings r;
  RetryTable().Parse(n, r, d);
  EXPECT_TRUE(d.ok()) << d.ErrorsText();
  EXPECT_EQ(r.initial_interval, 250ms);
  EXPECT_EQ(r.max_elapsed_time, 300s);
  r.randomization_factor = 2;
  EXPECT_FALSE(r.Validate().ok());
}

TEST(QueueSettingsTest, RejectsUnsupportedKeysAndSizers) {
  config::Node n;
  n.kind = config::Node::Kind::kMap;
  config::Node v;
  v.kind = config::Node::Kind::kScalar;
  v.scalar = "file_storage/q";
  n.map.push_back({"storage", v});
  config::Diagnostics d;
  QueueSettings q;
  QueueTable().Parse(n, q, d);
  ASSERT_TRUE(d.ok()) << d.ErrorsText();
  EXPECT_EQ(q.storage, "file_storage/q");
  EXPECT_TRUE(q.Validate().ok());
  q.storage = "/q";
  EXPECT_EQ(q.Validate().message().substr(0, 23), "sending_queue.storage: ");
  q.storage.clear();
  n.map[0].first = "batch";
  config::Diagnostics d2;
  QueueTable().Parse(n, q, d2);
  ASSERT_FALSE(d2.ok());
  EXPECT_NE(d2.ErrorsText().find("\"batch\" is not supported yet"), std::string::npos);
  q.sizer = "bytes";
  EXPECT_NE(q.Validate().message().find("not supported yet"), std::string::npos);
  q.sizer = "items";
  EXPECT_TRUE(q.Validate().ok());
  q.queue_size = 0;
  EXPECT_FALSE(q.Validate().ok());
}

}  // namespace
}  // namespace otter::exporterhelper
