// Turns a batch into the Kafka messages the kafka exporter produces: the encoding (OTLP
// protobuf, OTLP JSON, or raw log bodies), the split (one message per trace with
// partition_traces_by_id, per resource with partition_*_by_resource_attributes), the message key
// (trace id in hex, or a 16-byte hash of the resource attributes) and the `traceparent` header
// of a message holding one trace. A message larger than `max_bytes` is split in halves until
// every part fits; only a single item that alone is too large is an error (permanent).
// Stateless; safe to call concurrently. No librdkafka types.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "common/status.h"
#include "pdata/batch.h"

namespace otter::kafka_exporter {

enum class Encoding { kOtlpProto, kOtlpJson, kRaw };
Encoding ParseEncoding(const std::string& name);  // a name Validate() accepted

struct Message {
  std::string key;  // empty = no key (librdkafka's partitioner spreads them)
  std::string value;
  std::string traceparent;  // empty = no header
  size_t items = 0;
};

struct MessageOptions {
  Encoding encoding = Encoding::kOtlpProto;
  bool partition = false;  // by trace id (traces) or by resource attributes (metrics, logs)
  size_t max_bytes = 1000000;
};

StatusOr<std::vector<Message>> TraceMessages(const pdata::TraceBatch& batch,
                                             const MessageOptions& options);
StatusOr<std::vector<Message>> MetricMessages(const pdata::MetricBatch& batch,
                                              const MessageOptions& options);
StatusOr<std::vector<Message>> LogMessages(const pdata::LogBatch& batch,
                                           const MessageOptions& options);

// "00-<trace id>-<root span id, else the first span's>-01" when every span of the batch has one
// trace id; "" otherwise.
std::string TraceParent(const pdata::TraceBatch& batch);
// A 16-byte hash of the attributes, independent of their order.
std::string ResourceKey(const pdata::Resource& resource);

}  // namespace otter::kafka_exporter
