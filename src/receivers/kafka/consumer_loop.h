// ConsumerLoop: one librdkafka consumer and the thread that polls it, for the kafka receiver
// (one per signal) and `otter kafka replay`. It hands every message to a deliver function with a
// Completion and tracks the answers per partition:
//  - offsets are stored (and so committed) only up to the first message not yet accepted
//    (message_marking.after), or before delivery (after: false);
//  - a refused message pauses its partition (rd_kafka_pause_partitions), and after a backoff
//    the partition is rewound to it and resumed: nothing is dropped and nothing spins. Messages
//    after it that were already accepted are delivered again (at-least-once: duplicates);
//  - at most max_in_flight messages wait for answers; beyond that every partition pauses.
// Group mode subscribes to topics and follows rebalances (offsets of revoked partitions are
// committed first); replay mode assigns explicit [start, end) ranges, commits nothing and
// finishes when every range was accepted.
// Thread-safety: Start/Stop from one thread; the deliver function runs on the poll thread;
// completions may be called from any thread, also after Stop (they are then ignored).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "component/completion.h"
#include "kafka/client_config.h"

namespace spdlog {
class logger;
}

namespace otter::kafka_receiver {

// A consumed message, valid during the deliver call.
struct Record {
  std::string_view topic;
  int32_t partition = 0;
  int64_t offset = 0;
  int64_t timestamp_ms = -1;
  std::string_view key, value;
  std::vector<std::pair<std::string_view, std::string_view>> headers;
};

struct PartitionRange {
  std::string topic;
  int32_t partition = 0;
  int64_t start = 0;  // first offset to read
  int64_t end = 0;    // one past the last offset to read
};

struct ConsumerOptions {
  kafka::Properties properties;        // client and consumer properties (group.id, ...)
  std::vector<std::string> topics;     // group mode
  std::vector<PartitionRange> ranges;  // replay mode (when non-empty; topics unused)
  int64_t min_timestamp_ms = -1;       // replay: skip (as done) messages older than this
  bool mark_after = true;
  bool skip_on_error = false;            // message_marking.on_error
  bool skip_on_permanent_error = false;  // message_marking.on_permanent_error
  bool autocommit = true;                // false: commit after every stored offset
  size_t max_in_flight = 256;
  std::function<std::chrono::milliseconds(int attempt)> backoff;  // pause before a rewind
};

struct ConsumerStats {
  std::atomic<uint64_t> delivered{0};  // messages handed to the deliver function
  std::atomic<uint64_t> accepted{0};   // answered OK
  std::atomic<uint64_t> refused{0};    // answered with an error (then retried or skipped)
  std::atomic<uint64_t> skipped{0};    // marked despite an error (on_error / permanent)
  std::atomic<uint64_t> rewinds{0};    // partition pauses after a refusal
  std::atomic<uint64_t> filtered{0};   // replay: older than min_timestamp_ms
};

class ConsumerLoop {
 public:
  using DeliverFn = std::function<void(const Record& record, Completion done)>;

  ConsumerLoop(std::shared_ptr<spdlog::logger> log, ConsumerOptions options, DeliverFn deliver);
  ~ConsumerLoop();  // Stop()
  ConsumerLoop(const ConsumerLoop&) = delete;
  ConsumerLoop& operator=(const ConsumerLoop&) = delete;

  // Creates the consumer, subscribes or assigns, starts the poll thread.
  Status Start();
  // Stops polling, waits up to `drain` for answers of in-flight messages, stores and commits
  // what was accepted, leaves the group.
  void Stop(std::chrono::milliseconds drain = std::chrono::seconds(5));

  // Replay mode: true once every range was read and accepted.
  bool finished() const { return finished_.load(); }
  // Replay mode: messages accepted or filtered so far, of `total` in the ranges.
  uint64_t progress() const { return progress_.load(); }
  const ConsumerStats& stats() const { return stats_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  ConsumerStats stats_;
  std::atomic<bool> finished_{false};
  std::atomic<uint64_t> progress_{0};
};

}  // namespace otter::kafka_receiver
