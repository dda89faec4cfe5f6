// Loki push requests as the `loki` receiver reads them: logproto.PushRequest (protobuf, snappy
// on the wire) or the JSON push body, into streams of entries, and their translation to OTLP
// logs. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "pdata/batch.h"

namespace otter::loki_receiver {

struct PushEntry {
  int64_t t_ns = 0;
  std::string line;
  std::vector<std::pair<std::string, std::string>> metadata;  // structured metadata
};
struct PushStream {
  std::vector<std::pair<std::string, std::string>> labels;  // as pushed, in order
  std::vector<PushEntry> entries;
};

// `{a="b", c="d"}` (Go-quoted values). Errors name the position.
StatusOr<std::vector<std::pair<std::string, std::string>>> ParseStreamLabels(std::string_view s);

StatusOr<std::vector<PushStream>> DecodePushProtobuf(std::string_view body);
// {"streams":[{"stream":{"k":"v"},"values":[["<ns>","line",{"k":"v"}], ...]}]}
StatusOr<std::vector<PushStream>> DecodePushJson(std::string_view body);

// One resource per stream: its labels as resource attributes (those starting "__" left out)
// plus the loki.resource.labels hint naming them, so otter's store keeps them as stream labels.
// Each entry is a record: body = line, structured metadata = attributes (trace_id / span_id
// become the record's ids), time = the entry's when `use_incoming_timestamp`, else `now_ns`
// (observed time is always `now_ns`).
pdata::LogBatch ToLogs(const std::vector<PushStream>& streams, bool use_incoming_timestamp,
                       uint64_t now_ns, size_t* records);

}  // namespace otter::loki_receiver
