// Turns OTLP logs and spans into Elasticsearch bulk NDJSON, one `create` action line and one
// source line per document, in the shape of otelcol-contrib's mapping modes (otel, ecs, none,
// raw; docs/exporters/elasticsearch.md lists every field) and routed to an index or data stream
// as contrib's router does. Pure functions over a batch; thread-safe (no shared state).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "exporters/elasticsearch/config.h"
#include "pdata/batch.h"

namespace otter::elasticsearch_exporter {

// One document inside a bulk body: its two lines are ndjson[offset, offset + size).
struct BulkDoc {
  uint32_t offset = 0;
  uint32_t size = 0;
  uint32_t items = 0;  // pipeline items it stands for: 1 per record/span, 0 for a span event
};

// An NDJSON bulk body under construction or in flight.
struct BulkBody {
  std::string ndjson;
  std::vector<BulkDoc> docs;
  size_t items = 0;
  void Clear() {
    ndjson.clear();
    docs.clear();
    items = 0;
  }
};

// Where a document goes: a plain index, or a data stream type-dataset-namespace.
struct IndexTarget {
  std::string index;
  bool data_stream = false;
  std::string type, dataset, ns;
};

// The routing rule: a static `*_index` wins; else the elasticsearch.index attribute (record >
// scope > resource); else data_stream.dataset / .namespace attributes (record > scope >
// resource; receiver name from the scope name; ".otel" appended in otel mode; sanitized), with
// defaults generic / default.
IndexTarget Route(EsMappingMode mode, std::string_view static_index, std::string_view type,
                  const pdata::Attributes& resource, const pdata::InstrumentationScope& scope,
                  const pdata::Attributes& record);

class DocumentEncoder {
 public:
  explicit DocumentEncoder(const ElasticsearchExporterConfig& cfg);
  // Appends every record (span; in otel mode also each span event) to `out`.
  void EncodeLogs(const pdata::LogBatch& batch, BulkBody* out) const;
  void EncodeTraces(const pdata::TraceBatch& batch, BulkBody* out) const;

 private:
  EsMappingMode mode_;
  std::string logs_index_, traces_index_;
};

// Timestamp forms: "2023-11-14T22:13:20.123456789Z" (none/ecs/raw) and the otel mode's epoch
// milliseconds with a nanosecond fraction, "1700000000123.456789".
void AppendIsoTimestamp(uint64_t unix_nano, std::string& out);
void AppendEpochMillis(uint64_t unix_nano, std::string& out);

}  // namespace otter::elasticsearch_exporter
