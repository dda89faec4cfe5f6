#include "pipeline/tap.h"

#include <algorithm>

#include "otlp/json_codec.h"
#include "otlp/proto_codec.h"

namespace otter::pipeline {

int64_t TapHub::NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

size_t TapHub::DefinePipeline(const std::string& pipeline, std::vector<std::string> stages) {
  if (stages.size() > kMaxStages) return kNoPipeline;
  std::lock_guard lock(mu_);
  const size_t n = count_.load(std::memory_order_relaxed);
  for (size_t i = 0; i < n; ++i) {
    if (pipelines_[i]->name == pipeline) {
      pipelines_[i]->stages = std::move(stages);
      return i;
    }
  }
  if (n == kMaxPipelines) return kNoPipeline;
  auto p = std::make_unique<Pipeline>();
  p->name = pipeline;
  p->stages = std::move(stages);
  p->next_capture_ns.reset(new std::atomic<int64_t>[kMaxStages]);
  for (size_t s = 0; s < kMaxStages; ++s) p->next_capture_ns[s] = 0;
  pipelines_[n] = std::move(p);
  count_.store(n + 1, std::memory_order_release);
  return n;
}

bool TapHub::Watched(size_t pipeline) const {
  if (pipeline >= count_.load(std::memory_order_acquire)) return false;
  return pipelines_[pipeline]->watched_until_ns.load(std::memory_order_relaxed) > NowNs();
}

bool TapHub::Admit(size_t pipeline, size_t stage) {
  if (stage >= kMaxStages || options_.captures_per_second <= 0) return false;
  std::atomic<int64_t>& next = pipelines_[pipeline]->next_capture_ns[stage];
  const int64_t now = NowNs();
  int64_t at = next.load(std::memory_order_relaxed);
  if (now < at) return false;
  // One thread wins the slot; the interval is measured from now, so bursts never accumulate.
  return next.compare_exchange_strong(at, now + 1'000'000'000 / options_.captures_per_second,
                                      std::memory_order_relaxed);
}

void TapHub::Record(size_t pipeline, size_t stage, size_t items, std::string json) {
  TapEvent e;
  e.time_unix_nano = std::chrono::duration_cast<std::chrono::nanoseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  e.stage = stage;
  e.items = items;
  e.json_bytes = json.size();
  if (json.size() <= options_.max_json_bytes) e.json = std::move(json);
  std::lock_guard lock(mu_);
  Pipeline& p = *pipelines_[pipeline];
  e.after = stage < p.stages.size() ? p.stages[stage] : "?";
  e.seq = ++seq_;
  p.ring.push_back(std::move(e));
  while (p.ring.size() > options_.ring_size) p.ring.pop_front();
}

TapHub::Pipeline* TapHub::Find(const std::string& name) const {
  const size_t n = count_.load(std::memory_order_relaxed);
  for (size_t i = 0; i < n; ++i)
    if (pipelines_[i]->name == name) return pipelines_[i].get();
  return nullptr;
}

StatusOr<TapHub::PollResult> TapHub::Poll(const std::string& pipeline, uint64_t after, size_t max) {
  std::lock_guard lock(mu_);
  Pipeline* p = Find(pipeline);
  if (!p) {
    std::string known;
    for (size_t i = 0; i < count_.load(std::memory_order_relaxed); ++i)
      known += (known.empty() ? "" : ", ") + pipelines_[i]->name;
    return NotFound("no pipeline \"" + pipeline + "\" (pipelines: " + known + ")");
  }
  p->watched_until_ns.store(NowNs() + std::chrono::nanoseconds(options_.watch_ttl).count(),
                            std::memory_order_relaxed);
  PollResult r;
  r.next = after;
  for (const TapEvent& e : p->ring) {
    if (e.seq <= after) continue;
    if (r.events.size() == max) break;
    r.events.push_back(e);
    r.next = e.seq;
  }
  return r;
}

std::string TapHub::DescribeJson() const {
  std::lock_guard lock(mu_);
  std::string out = "{\"pipelines\":[";
  for (size_t i = 0; i < count_.load(std::memory_order_relaxed); ++i) {
    const Pipeline& p = *pipelines_[i];
    out += i ? ",{\"pipeline\":" : "{\"pipeline\":";
    otlp::AppendJsonString(out, p.name);
    out += ",\"stages\":[";
    for (size_t s = 0; s < p.stages.size(); ++s) {
      if (s) out += ',';
      otlp::AppendJsonString(out, p.stages[s]);
    }
    out += "]}";
  }
  return out + "]}";
}

namespace {

template <class B, class Decode, class Encode>
std::string Render(const B& b, Decode decode, Encode encode) {
  std::string out;
  if (!b.undecoded()) {
    encode(b, &out);
    return out;
  }
  auto decoded = decode(std::string(b.wire()));
  if (decoded.ok()) encode(*decoded, &out);
  return out;
}

}  // namespace

std::string TapJson(const pdata::TraceBatch& b) {
  return Render(b, otlp::DecodeTraces, otlp::EncodeTracesJson);
}
std::string TapJson(const pdata::MetricBatch& b) {
  return Render(b, otlp::DecodeMetrics, otlp::EncodeMetricsJson);
}
std::string TapJson(const pdata::LogBatch& b) {
  return Render(b, otlp::DecodeLogs, otlp::EncodeLogsJson);
}

}  // namespace otter::pipeline
