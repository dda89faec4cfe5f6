// The exporterhelper settings every queued exporter shares, with otelcol's key names and defaults
// (OTLP-FACTS 7.5): `sending_queue`, `retry_on_failure` and the per-attempt `timeout`. Exporter
// configs embed these structs and their tables as sections, and call Validate() from their own.
// Plain data; copyable.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "common/status.h"
#include "config/table.h"

namespace otter::exporterhelper {

using Duration = config::Duration;

struct QueueSettings {
  bool enabled = true;
  int64_t num_consumers = 10;      // sender threads
  int64_t queue_size = 1000;       // capacity, in `sizer` units
  std::string sizer = "requests";  // "requests" (batches) or "items" (spans / points / records)
  bool block_on_overflow = false;  // full queue: wait for room instead of refusing
  bool wait_for_result = false;    // answer the caller when the send finishes, not on enqueue
  std::string storage;             // storage extension id (file_storage/x): persistent queue
  Status Validate() const;
  bool items_sizer() const { return sizer == "items"; }
};

struct RetrySettings {
  bool enabled = true;
  Duration initial_interval = std::chrono::seconds(5);
  double randomization_factor = 0.5;
  double multiplier = 1.5;
  Duration max_interval = std::chrono::seconds(30);
  Duration max_elapsed_time = std::chrono::seconds(300);  // 0 = retry forever
  Status Validate() const;
};

// What a QueuedRetrySender needs; exporters copy it out of their typed config.
struct SenderSettings {
  QueueSettings queue;
  RetrySettings retry;
  Duration timeout = std::chrono::seconds(5);  // per attempt; 0 = none
  Status Validate() const;
};

const config::Table<QueueSettings>& QueueTable();
const config::Table<RetrySettings>& RetryTable();

}  // namespace otter::exporterhelper
