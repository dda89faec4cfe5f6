// The metrics each hostmetrics scraper can emit, as otelcol-contrib's metadata.yaml files define
// them: name, description, unit, type (gauge, or sum with its monotonicity), value type and
// whether it is on by default. Config (`metrics: <name>: enabled:`) toggles them by name; the
// scrapers append points through these definitions so names and units are written once.
// Constant tables; thread-safe.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

namespace otter::hostmetrics {

struct MetricDef {
  std::string_view name;
  std::string_view description;
  std::string_view unit;
  bool sum = false;        // false: gauge
  bool monotonic = false;  // sums only
  bool is_double = false;  // else int
  bool enabled = true;     // default
};

// A resource attribute the process scraper can set (toggled with `resource_attributes:`).
struct ResourceAttrDef {
  std::string_view name;
  bool enabled = true;
};

// The scrapers, in the order the receiver runs them.
enum class ScraperKind {
  kCpu,
  kDisk,
  kFilesystem,
  kLoad,
  kMemory,
  kNetwork,
  kPaging,
  kProcesses,
  kProcess
};
inline constexpr size_t kScraperKinds = 9;
std::string_view ScraperName(ScraperKind k);  // "cpu", "disk", ...
// The contrib scraper's instrumentation scope name.
std::string_view ScopeName(ScraperKind k);
std::span<const MetricDef> MetricDefs(ScraperKind k);
std::span<const ResourceAttrDef> ResourceAttrDefs(ScraperKind k);  // empty but for process

// Indices into MetricDefs(k), so scrapers name metrics without string compares.
namespace cpu {
enum : size_t { kFrequency, kLogicalCount, kPhysicalCount, kTime, kUtilization };
}
namespace disk {
enum : size_t {
  kIo,
  kIoTime,
  kMerged,
  kOperationTime,
  kOperations,
  kPendingOperations,
  kWeightedIoTime
};
}
namespace filesystem {
enum : size_t { kInodesUsage, kUsage, kUtilization };
}
namespace load {
enum : size_t { k15m, k1m, k5m };
}
namespace memory {
enum : size_t { kLinuxAvailable, kLinuxDirty, kLimit, kUsage, kUtilization };
}
namespace network {
enum : size_t { kConnections, kConntrackCount, kConntrackMax, kDropped, kErrors, kIo, kPackets };
}
namespace paging {
enum : size_t { kFaults, kOperations, kUsage, kUtilization };
}
namespace processes {
enum : size_t { kCount, kCreated };
}
namespace process {
enum : size_t {
  kContextSwitches,
  kCpuTime,
  kCpuUtilization,
  kDiskIo,
  kDiskOperations,
  kMemoryUsage,
  kMemoryUtilization,
  kMemoryVirtual,
  kOpenFileDescriptors,
  kPagingFaults,
  kSignalsPending,
  kThreads,
  kUptime
};
enum : size_t {
  kAttrCommand,
  kAttrCommandLine,
  kAttrExecutableName,
  kAttrExecutablePath,
  kAttrOwner,
  kAttrParentPid,
  kAttrPid
};
}  // namespace process

}  // namespace otter::hostmetrics
