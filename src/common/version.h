// otter's release version: the CLI's --version and the query APIs' build information
// (Prometheus's /api/v1/status/buildinfo) read it from here.
#pragma once

namespace otter {

inline constexpr const char* kVersion = "0.1.0";

}  // namespace otter
