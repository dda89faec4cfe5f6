// Per-item limits for telemetry from untrusted senders, applied by receivers after decoding (the
// decoder itself stays strict about structure only): like the SDKs' attribute limits, extra
// attributes are dropped (and added to the item's dropped_attributes_count where OTLP has one),
// long arrays / kvlists and strings are truncated, and strings that are not valid UTF-8 are
// repaired (U+FFFD per bad byte). Each change is counted, for self-metrics.
// Deep AnyValue nesting is not handled here: the decoder rejects it (kMaxAnyValueDepth).
// Stateless functions; a batch is changed in place, new strings go to its arena.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "pdata/batch.h"

namespace otter::otlp {

struct ItemLimits {
  // Attributes per span, event, link, log record, data point, exemplar, resource and scope.
  uint32_t max_attributes = 4096;
  // Elements of one array value, entries of one kvlist value (at any depth).
  uint32_t max_array_length = 16384;
  // Bytes of one string: attribute keys and values, names, log bodies (cut at a UTF-8 boundary).
  uint32_t max_string_length = 1024 * 1024;
  bool repair_utf8 = true;
  // The defaults: none of it changes ordinary telemetry.
  static ItemLimits Defaults() { return {}; }
};

struct LimitCounts {
  uint64_t dropped_attributes = 0;
  uint64_t truncated_arrays = 0;
  uint64_t truncated_strings = 0;
  uint64_t repaired_utf8 = 0;
  bool any() const {
    return dropped_attributes + truncated_arrays + truncated_strings + repaired_utf8 > 0;
  }
};

LimitCounts ApplyItemLimits(pdata::TraceBatch& batch, const ItemLimits& limits);
LimitCounts ApplyItemLimits(pdata::MetricBatch& batch, const ItemLimits& limits);
LimitCounts ApplyItemLimits(pdata::LogBatch& batch, const ItemLimits& limits);

// Protobuf requests decoded (as otlp::DecodeTraces etc.) with the limits applied. The decoder
// checks them as it goes, so a request within them (the common case) costs no second walk; only
// one that exceeds them is walked again to be changed. *counts: what was changed.
StatusOr<pdata::TraceBatch> DecodeTracesWithinLimits(std::string body, const ItemLimits& limits,
                                                     LimitCounts* counts);
StatusOr<pdata::MetricBatch> DecodeMetricsWithinLimits(std::string body, const ItemLimits& limits,
                                                       LimitCounts* counts);
StatusOr<pdata::LogBatch> DecodeLogsWithinLimits(std::string body, const ItemLimits& limits,
                                                 LimitCounts* counts);

// For a protobuf traces request kept undecoded: its span count when no limit would change
// anything, nullopt when something would (or it does not decode): decode it and apply the limits.
std::optional<size_t> CountTracesWithinLimits(std::string_view bytes, const ItemLimits& limits);

// For a protobuf logs request kept undecoded: its log record count when DecodeLogs accepts it
// and no limit (when `limits` is given) would change anything; nullopt otherwise (decode it: the
// decoder reports the error, the limits are applied). It reads the request as the decoder does,
// without building a batch.
std::optional<size_t> CountLogs(std::string_view bytes, const ItemLimits* limits);

}  // namespace otter::otlp
