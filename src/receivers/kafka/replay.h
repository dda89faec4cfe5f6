// `otter kafka replay`: re-processes a range of a Kafka topic through the pipelines of a config.
// The config's kafka receivers that read the topic are replaced by replay receivers (same keys,
// same decoding) that read every partition from --from (an offset, or an RFC 3339 time looked up
// with offsets_for_times) up to the end offsets the topic had at start, commit nothing to the
// consumer group, and finish when the pipeline accepted every message of the range.
// Thread-safety: ReplayJob is shared by the replay receivers (service thread) and the command
// (main thread); its state is guarded by mu_.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "component/registry.h"

namespace otter::kafka_receiver {

class ConsumerLoop;

struct ReplayFrom {
  std::optional<int64_t> offset;        // a per-partition offset
  std::optional<int64_t> timestamp_ms;  // or a time
};
// "12345" (an offset) or an RFC 3339 time ("2026-01-02T03:04:05Z", "...+01:00", fractions).
StatusOr<ReplayFrom> ParseReplayFrom(const std::string& text);

class ReplayJob {
 public:
  ReplayJob(std::string topic, ReplayFrom from) : topic_(std::move(topic)), from_(from) {}
  const std::string& topic() const { return topic_; }
  const ReplayFrom& from() const { return from_; }

  void Add(ConsumerLoop* loop, uint64_t total);
  void Remove(ConsumerLoop* loop);
  size_t consumers() const;
  // Messages done (accepted or older than --from) and in the ranges, over every consumer.
  uint64_t done() const;
  uint64_t total() const;
  bool finished() const;
  uint64_t filtered() const;  // skipped as older than --from

 private:
  const std::string topic_;
  const ReplayFrom from_;
  mutable std::mutex mu_;
  std::vector<std::pair<ConsumerLoop*, uint64_t>> loops_;  // GUARDED_BY(mu_)
};

// Adds a `kafka` receiver factory that replays `job` (it must be added before the built-ins, so
// that it is the one found by type).
void RegisterKafkaReplayReceiver(Registry& registry, std::shared_ptr<ReplayJob> job);

// "[#########.........]  45%  4500/10000 messages" (no newline).
std::string ProgressBar(uint64_t done, uint64_t total, int width = 30);

}  // namespace otter::kafka_receiver
