// `otter tap`: the client side of the pipeline tap. Reads a running otter's admin listener
// (service.admin.endpoint, pipeline/admin_server.h) and writes what it sees: without a pipeline,
// each pipeline and its stages; with one, every captured batch as one JSON line
// ({"seq","time_unix_nano","stage","after","items","bytes","data": OTLP/JSON}) as it arrives.
// Runs on the caller's thread until `count` events were written, `stop()` says so, or the
// listener fails (exit code 1, the reason on `err`).
#pragma once

#include <chrono>
#include <cstdio>
#include <functional>
#include <optional>
#include <string>

namespace otter::pipeline {

struct TapCommandOptions {
  std::string admin = "localhost:55690";  // host:port of service.admin.endpoint
  std::string pipeline;                   // "" = list the pipelines
  std::optional<size_t> stage;            // only this stage (0 = as received)
  size_t count = 0;                       // stop after this many events; 0 = never
  std::chrono::milliseconds poll_interval{250};
};

int RunTapCommand(const TapCommandOptions& options, std::FILE* out, std::FILE* err,
                  const std::function<bool()>& stop);

}  // namespace otter::pipeline
