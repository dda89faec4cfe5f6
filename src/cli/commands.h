// `otter span` and `otter log`: telemetry for shell scripts and cron jobs without an SDK.
// `otter span` runs a command as a span (parent from TRACEPARENT, its own span id handed to the
// command in TRACEPARENT, exit status → span status, stdout/stderr tail as an event) and exits
// with the command's status; `otter log` sends one log record carrying TRACEPARENT's context.
// Both export once over OTLP/HTTP (cli/otlp_env.h). Called from exe/main.cc on the main thread.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "cli/otlp_env.h"
#include "cli/traceparent.h"
#include "pdata/batch.h"

namespace otter::cli {

struct SpanOptions {
  std::string name;                     // default: the command's file name
  std::string kind = "internal";        // internal, server, client, producer, consumer
  std::vector<std::string> attributes;  // key=value (string values)
  size_t tail_bytes = 1024;             // of stdout and of stderr, kept for the event
  bool capture = true;                  // false: the command writes to our stdout/stderr directly
};

// What running the command gave, the input of the span.
struct CommandOutcome {
  int exit_code = 0;  // the shell's convention: 128+N when killed by signal N
  int signal = 0;     // the signal that killed it, or 0
  int64_t pid = 0;
  std::string error;        // could not run it at all (exit_code 126/127)
  std::string stdout_tail;  // last tail_bytes of each stream
  std::string stderr_tail;
  uint64_t start_unix_nano = 0;
  uint64_t end_unix_nano = 0;
};

// The span `otter span` exports for `command` (pure; tests check it field by field).
pdata::TraceBatch BuildSpanBatch(const SpanOptions& options,
                                 const std::vector<std::string>& command,
                                 const ExportSettings& settings, const TraceParent& self,
                                 const pdata::SpanId& parent, const CommandOutcome& outcome);

// Runs `command` as a span; returns the exit status to exit with. Diagnostics go to `err`.
int RunSpan(const SpanOptions& options, const std::vector<std::string>& command,
            const EnvLookup& env, FILE* err);

struct LogOptions {
  std::string severity = "info";  // trace, debug, info, warn, error, fatal (or 1..24)
  std::vector<std::string> attributes;
  std::string message;
};

// Sends one log record; 0 when accepted, 1 when the export failed, 2 on a usage error.
int RunLog(const LogOptions& options, const EnvLookup& env, FILE* err);

}  // namespace otter::cli
