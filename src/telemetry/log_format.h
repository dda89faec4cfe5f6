// Log line formats for service.telemetry.logs.encoding: "console" (human-readable, the default)
// or "json" (one JSON object per line, as otelcol's zap JSON encoder writes: level, ts, logger,
// msg). Installed on the process logger's sinks by main; formatting runs on the logging thread
// and holds no shared state.
#pragma once

#include <spdlog/formatter.h>
#include <spdlog/logger.h>

#include <memory>
#include <string>

namespace otter::telemetry {

// Formats each record as {"level":"info","ts":"2026-01-02T03:04:05.678Z","logger":"otter",
// "msg":"..."} followed by a newline; the message is escaped so any payload stays one line.
class JsonLogFormatter : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override;
  std::unique_ptr<spdlog::formatter> clone() const override;
};

// Applies `encoding` ("console" or "json") to every sink of `logger` (clones share the sinks).
void ApplyLogEncoding(spdlog::logger& logger, const std::string& encoding);

}  // namespace otter::telemetry
