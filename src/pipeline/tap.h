// Tap: what `otter tap` shows of a running pipeline. When service.admin.endpoint is set, Service
// puts a TapPoint in front of each pipeline's first processor and after every processor. A point
// costs one atomic load per batch until someone watches its pipeline (a poll of the admin
// listener, pipeline/admin_server.h, marks it watched for `watch_ttl`). While watched, each point
// captures at most `captures_per_second` batches: encoded as OTLP/JSON into a bounded ring per
// pipeline, from which polls read by sequence number. Data passes through unchanged.
// Thread-safety: TapPoint::Consume and TapHub's capture side run on pipeline threads; Poll and
// Describe on the admin server's thread; DefinePipeline on the service thread (Build).
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "component/component.h"

namespace otter::pipeline {

struct TapEvent {
  uint64_t seq = 0;
  int64_t time_unix_nano = 0;
  size_t stage = 0;       // 0 = as received; k = after the k-th processor
  std::string after;      // "receivers" or the processor id
  size_t items = 0;       // spans, metric points or log records
  std::string json;       // the batch as an OTLP/JSON request; empty when over max_json_bytes
  size_t json_bytes = 0;  // its size either way
};

class TapHub {
 public:
  struct Options {
    int captures_per_second = 2;         // per stage of a watched pipeline
    size_t ring_size = 128;              // events kept per pipeline
    size_t max_json_bytes = 256 * 1024;  // a larger batch is reported without its data
    std::chrono::seconds watch_ttl{30};  // a pipeline stays watched this long after a poll
  };
  TapHub() : TapHub(Options{}) {}
  explicit TapHub(Options options) : options_(options) {}

  static constexpr size_t kMaxPipelines = 256;
  static constexpr size_t kNoPipeline = SIZE_MAX;
  // Build time: the stages of `pipeline` ("receivers", then each processor id). Redefining a
  // pipeline (reload) keeps its index and events. Returns the pipeline's index, or kNoPipeline
  // past kMaxPipelines pipelines or kMaxStages stages (that pipeline is then not tapped).
  size_t DefinePipeline(const std::string& pipeline, std::vector<std::string> stages);

  // Capture side. Watched() is one atomic load; Admit() applies the per-stage rate.
  bool Watched(size_t pipeline) const;
  bool Admit(size_t pipeline, size_t stage);
  void Record(size_t pipeline, size_t stage, size_t items, std::string json);

  // Admin side. Poll marks the pipeline watched and returns its events after `after` (at most
  // `max`) plus the sequence number to ask from next; NotFound names the known pipelines.
  struct PollResult {
    std::vector<TapEvent> events;
    uint64_t next = 0;
  };
  StatusOr<PollResult> Poll(const std::string& pipeline, uint64_t after, size_t max);
  // {"pipelines":[{"pipeline":"traces","stages":["receivers","batch"]}, ...]}
  std::string DescribeJson() const;

 private:
  struct Pipeline {
    std::string name;
    std::vector<std::string> stages;                          // GUARDED_BY(mu_)
    std::deque<TapEvent> ring;                                // GUARDED_BY(mu_)
    std::atomic<int64_t> watched_until_ns{0};                 // steady clock
    std::unique_ptr<std::atomic<int64_t>[]> next_capture_ns;  // per stage; sized kMaxStages
  };
  static constexpr size_t kMaxStages = 64;
  static int64_t NowNs();
  Pipeline* Find(const std::string& name) const;  // mu_ held

  const Options options_;
  mutable std::mutex mu_;
  // Slots never move once set (capture threads read them without the lock); count_ publishes.
  std::array<std::unique_ptr<Pipeline>, kMaxPipelines> pipelines_;
  std::atomic<size_t> count_{0};
  uint64_t seq_ = 0;  // GUARDED_BY(mu_)
};

// OTLP/JSON of a batch (decoding an undecoded one first); "" if it cannot be rendered.
std::string TapJson(const pdata::TraceBatch& b);
std::string TapJson(const pdata::MetricBatch& b);
std::string TapJson(const pdata::LogBatch& b);

template <class B>
class TapPoint final : public Consumer<B> {
 public:
  TapPoint(TapHub& hub, size_t pipeline, size_t stage, Consumer<B>* next)
      : hub_(hub), pipeline_(pipeline), stage_(stage), next_(next) {}
  void Consume(B&& batch, Completion done) override {
    if (hub_.Watched(pipeline_) && hub_.Admit(pipeline_, stage_)) {
      const B& view = batch;  // read through const: the cached wire stays
      hub_.Record(pipeline_, stage_, view.ItemCount(), TapJson(view));
    }
    next_->Consume(std::move(batch), std::move(done));
  }
  bool MutatesData() const override { return next_->MutatesData(); }
  bool TakesUndecoded() const override { return next_->TakesUndecoded(); }

 private:
  TapHub& hub_;
  const size_t pipeline_, stage_;
  Consumer<B>* const next_;
};

}  // namespace otter::pipeline
