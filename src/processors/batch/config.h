// Typed config of the batch processor (otelcol's `batch`), its config table and validation.
// Parsed once at start-up; read-only afterwards.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "component/registry.h"
#include "config/table.h"

namespace otter {

struct BatchConfig : ComponentConfig {
  // Items (spans / metric data points / log records) that trigger a send; 0 = only the timeout.
  uint32_t send_batch_size = 8192;
  // Upper bound of a sent batch; larger accumulations are split. 0 = no limit.
  uint32_t send_batch_max_size = 0;
  // Longest a partial batch waits before it is sent; 0 = send at once (split at the max size).
  config::Duration timeout = std::chrono::milliseconds(200);
  // otter extension: how much the processor holds (pending, being retried or awaiting the
  // downstream's answer), in batches of HeldBatchUnit() items, before it refuses new data.
  uint32_t max_held_batches = 10;
  // Request metadata keys (case-insensitive) whose values keep batches apart: one batch in the
  // making per distinct combination, sent with those keys as its metadata. Empty: one batch, and
  // the metadata is dropped (as in otelcol).
  std::vector<std::string> metadata_keys;
  // metadata_keys lower-cased and sorted, the form the processor matches them in.
  std::vector<std::string> LowerMetadataKeys() const;
  // Most distinct combinations of metadata_keys values; beyond, data is refused permanently.
  // 0 = no limit.
  uint32_t metadata_cardinality_limit = 1000;

  // Items in one "batch" for the max_held_batches bound.
  uint64_t HeldBatchUnit() const {
    if (send_batch_max_size > 0) return send_batch_max_size;
    if (send_batch_size > 0) return send_batch_size;
    return 8192;
  }
  uint64_t HeldItemLimit() const { return uint64_t{max_held_batches} * HeldBatchUnit(); }

  Status Validate() const override;
};

const config::Table<BatchConfig>& BatchConfigTable();

}  // namespace otter
