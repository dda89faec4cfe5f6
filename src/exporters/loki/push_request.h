// Loki push requests from OTLP logs, as otelcol-contrib's loki exporter builds them: a stream per
// label set (exporter="OTLP", job, instance, level, and the attributes named by the
// loki.resource.labels / loki.attribute.labels hints), each record one entry whose line is the
// record as JSON (or logfmt, or the raw body, per the loki.format hint), with trace_id and
// span_id as structured metadata. Records with a loki.tenant hint go to that tenant.
// Pure functions; thread-safe.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "exporters/loki/config.h"
#include "pdata/batch.h"

namespace otter::loki_exporter {

struct Entry {
  int64_t t_ns = 0;
  std::string line;
  std::vector<std::pair<std::string, std::string>> metadata;  // structured metadata
};
struct Stream {
  std::string labels;  // {a="b", c="d"}, names sorted
  std::vector<Entry> entries;
};
// Streams by tenant ("" = the default tenant), in first-seen order.
using Tenants = std::map<std::string, std::vector<Stream>>;

Tenants ToStreams(const pdata::LogBatch& batch, const LokiExporterConfig::DefaultLabels& labels);

// logproto.PushRequest (protobuf, before snappy).
std::string EncodePushRequest(const std::vector<Stream>& streams);

// The record as the loki exporter's JSON line: body, traceid, spanid, severity, flags,
// attributes, resources, instrumentation_scope (empty ones left out; map keys sorted).
std::string JsonLine(const pdata::LogRecord& r, const pdata::Attributes& record_attrs,
                     const pdata::Attributes& resource_attrs, const pdata::InstrumentationScope& s);

}  // namespace otter::loki_exporter
