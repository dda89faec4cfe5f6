// pdata logs: ResourceLogs → ScopeLogs → LogRecord, mirroring OTLP logs.proto.
#pragma once

#include "pdata/common.h"

namespace otter::pdata {

struct LogRecord {
  uint64_t time_unix_nano = 0;
  uint64_t observed_time_unix_nano = 0;
  int32_t severity_number = 0;  // SeverityNumber 0..24
  std::string_view severity_text;
  AnyValue body;
  Attributes attributes;
  uint32_t dropped_attributes_count = 0;
  uint32_t flags = 0;
  TraceId trace_id;  // empty() when absent
  SpanId span_id;
  std::string_view event_name;
  bool operator==(const LogRecord&) const = default;
};

struct ScopeLogs {
  InstrumentationScope scope;
  std::vector<LogRecord> log_records;
  std::string_view schema_url;
  bool operator==(const ScopeLogs&) const = default;
};

struct ResourceLogs {
  Resource resource;
  std::vector<ScopeLogs> scope_logs;
  std::string_view schema_url;
  bool operator==(const ResourceLogs&) const = default;

  using Scope = ScopeLogs;
  static constexpr std::vector<ScopeLogs> ResourceLogs::*kScopes = &ResourceLogs::scope_logs;
  static size_t ItemCount(const ScopeLogs& s) { return s.log_records.size(); }
};

}  // namespace otter::pdata
