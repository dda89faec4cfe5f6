// Test doubles for the otlp receiver tests: a Consumer that records batches and answers with a
// chosen Status (or holds the Completion until the test releases it), and request builders that
// use the protoc-generated OTLP classes (the test oracle) so the bytes are independent of otter's
// own encoder. Header-only; test code only.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "component/component.h"
#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

namespace otter::otlp_receiver::testing {

template <class B>
class FakeConsumer final : public Consumer<B> {
 public:
  void Consume(B&& batch, Completion done) override {
    std::unique_lock lock(mu_);
    items_ += batch.ItemCount();
    batches_.push_back(std::move(batch));
    if (hold_) {
      held_.push_back(std::move(done));
      cv_.notify_all();
      return;
    }
    Status answer = answer_;
    cv_.notify_all();
    lock.unlock();
    done(answer);
  }

  void AnswerWith(Status s) {
    std::lock_guard lock(mu_);
    answer_ = std::move(s);
  }
  // Ask for undecoded batches (Consumer::TakesUndecoded), as the store does.
  void TakeUndecoded(bool take) { takes_undecoded_ = take; }
  bool TakesUndecoded() const override { return takes_undecoded_; }
  // Keep completions instead of answering; Release() answers the oldest.
  void Hold(bool hold) {
    std::lock_guard lock(mu_);
    hold_ = hold;
  }
  // Waits until `n` completions are held.
  void WaitHeld(size_t n) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return held_.size() >= n; });
  }
  void Release(Status s) {
    Completion c;
    {
      std::lock_guard lock(mu_);
      c = std::move(held_.front());
      held_.pop_front();
    }
    c(std::move(s));
  }
  size_t batches() const {
    std::lock_guard lock(mu_);
    return batches_.size();
  }
  size_t items() const {
    std::lock_guard lock(mu_);
    return items_;
  }
  B TakeBatch(size_t i) {
    std::lock_guard lock(mu_);
    return std::move(batches_.at(i));
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<B> batches_;
  size_t items_ = 0;
  Status answer_;
  bool hold_ = false;
  std::deque<Completion> held_;
  std::atomic<bool> takes_undecoded_{false};
};

// An ExportTraceServiceRequest with `spans` spans (valid 16/8-byte ids), serialized.
inline std::string TraceRequest(int spans, const std::string& name = "op") {
  opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest req;
  auto* rs = req.add_resource_spans();
  auto* attr = rs->mutable_resource()->add_attributes();
  attr->set_key("service.name");
  attr->mutable_value()->set_string_value("checkout");
  auto* ss = rs->add_scope_spans();
  for (int i = 0; i < spans; ++i) {
    auto* span = ss->add_spans();
    span->set_trace_id(std::string(15, '\x01') + static_cast<char>(i + 1));
    span->set_span_id(std::string(7, '\x02') + static_cast<char>(i + 1));
    span->set_name(name);
    span->set_start_time_unix_nano(1000);
    span->set_end_time_unix_nano(2000);
  }
  return req.SerializeAsString();
}

inline std::string MetricsRequest(int points) {
  opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest req;
  auto* m = req.add_resource_metrics()->add_scope_metrics()->add_metrics();
  m->set_name("requests");
  for (int i = 0; i < points; ++i) {
    auto* p = m->mutable_gauge()->add_data_points();
    p->set_time_unix_nano(1000 + i);
    p->set_as_int(i);
  }
  return req.SerializeAsString();
}

inline std::string LogsRequest(int records) {
  opentelemetry::proto::collector::logs::v1::ExportLogsServiceRequest req;
  auto* sl = req.add_resource_logs()->add_scope_logs();
  for (int i = 0; i < records; ++i) sl->add_log_records()->mutable_body()->set_string_value("line");
  return req.SerializeAsString();
}

// The same spans as TraceRequest(2), in OTLP/JSON.
inline std::string TraceRequestJson() {
  return R"({"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"checkout"}}]},
    "scopeSpans":[{"spans":[
      {"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0102030405060708","name":"a","startTimeUnixNano":"1000","endTimeUnixNano":"2000"},
      {"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0102030405060709","name":"b","startTimeUnixNano":"1000","endTimeUnixNano":"2000"}]}]}]})";
}

}  // namespace otter::otlp_receiver::testing
