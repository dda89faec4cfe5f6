#include "processors/batch/config.h"

#include <algorithm>
#include <cctype>

namespace otter {

Status BatchConfig::Validate() const {
  if (send_batch_max_size > 0 && send_batch_max_size < send_batch_size) {
    return InvalidArgument("send_batch_max_size (" + std::to_string(send_batch_max_size) +
                           ") must be greater than or equal to send_batch_size (" +
                           std::to_string(send_batch_size) + ")");
  }
  if (timeout.count() < 0) return InvalidArgument("timeout must not be negative");
  if (max_held_batches == 0) return InvalidArgument("max_held_batches must be at least 1");
  const std::vector<std::string> keys = LowerMetadataKeys();
  if (auto dup = std::adjacent_find(keys.begin(), keys.end()); dup != keys.end())
    return InvalidArgument("metadata_keys: duplicate entry \"" + *dup + "\" (case-insensitive)");
  return Status::Ok();
}

std::vector<std::string> BatchConfig::LowerMetadataKeys() const {
  std::vector<std::string> keys = metadata_keys;
  for (std::string& k : keys)
    for (char& c : k) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::sort(keys.begin(), keys.end());
  return keys;
}

const config::Table<BatchConfig>& BatchConfigTable() {
  static const config::Table<BatchConfig> table =
      config::Table<BatchConfig>()
          .Field("send_batch_size", &BatchConfig::send_batch_size,
                 "items (spans, metric data points, log records) that trigger sending a batch; "
                 "0 = send on timeout only")
          .Field("send_batch_max_size", &BatchConfig::send_batch_max_size,
                 "largest batch sent; bigger accumulations are split. 0 = no limit; when set it "
                 "must be >= send_batch_size")
          .Field("timeout", &BatchConfig::timeout,
                 "longest a partial batch waits before it is sent; 0 = send immediately "
                 "(split at send_batch_max_size)")
          .Field("max_held_batches", &BatchConfig::max_held_batches,
                 "otter extension: while the downstream refuses or has not answered, hold at most "
                 "this many batches (of send_batch_max_size, else send_batch_size items) before "
                 "refusing new data with a retryable error")
          .Field("metadata_keys", &BatchConfig::metadata_keys,
                 "request metadata keys (case-insensitive; receivers' include_metadata) whose "
                 "values keep batches apart; sent batches carry only these keys")
          .Field("metadata_cardinality_limit", &BatchConfig::metadata_cardinality_limit,
                 "most distinct combinations of metadata_keys values; data bringing a new one "
                 "beyond is refused permanently. 0 = no limit");
  return table;
}

}  // namespace otter
