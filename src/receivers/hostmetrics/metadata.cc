#include "receivers/hostmetrics/metadata.h"

namespace otter::hostmetrics {
namespace {

// {name, description, unit, sum, monotonic, double, enabled}; sorted by name (the order the
// Go collector's generated builders emit them in), matching the index enums in metadata.h.
constexpr MetricDef kCpu[] = {
    {"system.cpu.frequency", "Current frequency of the CPU core in Hz.", "Hz", false, false, true,
     false},
    {"system.cpu.logical.count", "Number of available logical CPUs.", "{cpu}", true, false, false,
     false},
    {"system.cpu.physical.count", "Number of available physical CPUs.", "{cpu}", true, false, false,
     false},
    {"system.cpu.time", "Total seconds each logical CPU spent on each mode.", "s", true, true, true,
     true},
    {"system.cpu.utilization",
     "Difference in system.cpu.time since the last measurement per logical CPU, divided by the "
     "elapsed time (value in interval [0,1]).",
     "1", false, false, true, false},
};

constexpr MetricDef kDisk[] = {
    {"system.disk.io", "Disk bytes transferred.", "By", true, true, false, true},
    {"system.disk.io_time", "Time disk spent activated.", "s", true, true, true, true},
    {"system.disk.merged",
     "The number of disk reads/writes merged into single physical disk access operations.",
     "{operations}", true, true, false, true},
    {"system.disk.operation_time", "Time spent in disk operations.", "s", true, true, true, true},
    {"system.disk.operations", "Disk operations count.", "{operations}", true, true, false, true},
    {"system.disk.pending_operations", "The queue size of pending I/O operations.", "{operations}",
     true, false, false, true},
    {"system.disk.weighted_io_time", "Time disk spent activated multiplied by the queue length.",
     "s", true, true, true, true},
};

constexpr MetricDef kFilesystem[] = {
    {"system.filesystem.inodes.usage", "FileSystem inodes used.", "{inodes}", true, false, false,
     true},
    {"system.filesystem.usage", "Filesystem bytes used.", "By", true, false, false, true},
    {"system.filesystem.utilization", "Fraction of filesystem bytes used.", "1", false, false, true,
     false},
};

constexpr MetricDef kLoad[] = {
    {"system.cpu.load_average.15m", "Average CPU Load over 15 minutes.", "{thread}", false, false,
     true, true},
    {"system.cpu.load_average.1m", "Average CPU Load over 1 minute.", "{thread}", false, false,
     true, true},
    {"system.cpu.load_average.5m", "Average CPU Load over 5 minutes.", "{thread}", false, false,
     true, true},
};

constexpr MetricDef kMemory[] = {
    {"system.linux.memory.available",
     "An estimate of how much memory is available for starting new applications, without "
     "swapping.",
     "By", true, false, false, false},
    {"system.linux.memory.dirty", "The amount of dirty memory according to `/proc/meminfo`.", "By",
     true, false, false, false},
    {"system.memory.limit", "Total bytes of memory available.", "By", true, false, false, false},
    {"system.memory.usage", "Bytes of memory in use.", "By", true, false, false, true},
    {"system.memory.utilization", "Percentage of memory bytes in use.", "1", false, false, true,
     false},
};

constexpr MetricDef kNetwork[] = {
    {"system.network.connections", "The number of connections.", "{connections}", true, false,
     false, true},
    {"system.network.conntrack.count", "The count of entries in conntrack table.", "{entries}",
     true, false, false, false},
    {"system.network.conntrack.max", "The limit for entries in the conntrack table.", "{entries}",
     true, false, false, false},
    {"system.network.dropped", "The number of packets dropped.", "{packets}", true, true, false,
     true},
    {"system.network.errors", "The number of errors encountered.", "{errors}", true, true, false,
     true},
    {"system.network.io", "The number of bytes transmitted and received.", "By", true, true, false,
     true},
    {"system.network.packets", "The number of packets transferred.", "{packets}", true, true, false,
     true},
};

constexpr MetricDef kPaging[] = {
    {"system.paging.faults", "The number of page faults.", "{faults}", true, true, false, true},
    {"system.paging.operations", "The number of paging operations.", "{operations}", true, true,
     false, true},
    {"system.paging.usage", "Swap (unix) or pagefile (windows) usage.", "By", true, false, false,
     true},
    {"system.paging.utilization", "Swap (unix) or pagefile (windows) utilization.", "1", false,
     false, true, false},
};

constexpr MetricDef kProcesses[] = {
    {"system.processes.count", "Total number of processes in each state.", "{processes}", true,
     false, false, true},
    {"system.processes.created", "Total number of created processes.", "{processes}", true, true,
     false, true},
};

constexpr MetricDef kProcess[] = {
    {"process.context_switches", "Number of times the process has been context switched.",
     "{count}", true, true, false, false},
    {"process.cpu.time", "Total CPU seconds broken down by different states.", "s", true, true,
     true, true},
    {"process.cpu.utilization",
     "Percentage of total CPU time used by the process since last scrape, expressed as a value "
     "between 0 and 1. On the first scrape, no data point is emitted for this metric.",
     "1", false, false, true, false},
    {"process.disk.io", "Disk bytes transferred.", "By", true, true, false, true},
    {"process.disk.operations", "Number of disk operations performed by the process.",
     "{operations}", true, true, false, false},
    {"process.memory.usage", "The amount of physical memory in use.", "By", true, false, false,
     true},
    {"process.memory.utilization",
     "Percentage of total physical memory that is used by the process.", "1", false, false, true,
     false},
    {"process.memory.virtual", "Virtual memory size.", "By", true, false, false, true},
    {"process.open_file_descriptors", "Number of file descriptors in use by the process.",
     "{count}", true, false, false, false},
    {"process.paging.faults", "Number of page faults the process has made.", "{faults}", true, true,
     false, false},
    {"process.signals_pending", "Number of pending signals for the process.", "{signals}", true,
     false, false, false},
    {"process.threads", "Process threads count.", "{threads}", true, false, false, false},
    {"process.uptime", "The time the process has been running.", "s", false, false, true, false},
};

constexpr ResourceAttrDef kProcessAttrs[] = {
    {"process.command", true},
    {"process.command_line", true},
    {"process.executable.name", true},
    {"process.executable.path", true},
    {"process.owner", true},
    {"process.parent_pid", true},
    {"process.pid", true},
};

}  // namespace

std::string_view ScraperName(ScraperKind k) {
  switch (k) {
    case ScraperKind::kCpu:
      return "cpu";
    case ScraperKind::kDisk:
      return "disk";
    case ScraperKind::kFilesystem:
      return "filesystem";
    case ScraperKind::kLoad:
      return "load";
    case ScraperKind::kMemory:
      return "memory";
    case ScraperKind::kNetwork:
      return "network";
    case ScraperKind::kPaging:
      return "paging";
    case ScraperKind::kProcesses:
      return "processes";
    case ScraperKind::kProcess:
      return "process";
  }
  return "";
}

std::string_view ScopeName(ScraperKind k) {
  switch (k) {
#define OTTER_SCOPE(kind, pkg)                                                   \
  case ScraperKind::kind:                                                        \
    return "github.com/open-telemetry/opentelemetry-collector-contrib/receiver/" \
           "hostmetricsreceiver/internal/scraper/" pkg;
    OTTER_SCOPE(kCpu, "cpuscraper")
    OTTER_SCOPE(kDisk, "diskscraper")
    OTTER_SCOPE(kFilesystem, "filesystemscraper")
    OTTER_SCOPE(kLoad, "loadscraper")
    OTTER_SCOPE(kMemory, "memoryscraper")
    OTTER_SCOPE(kNetwork, "networkscraper")
    OTTER_SCOPE(kPaging, "pagingscraper")
    OTTER_SCOPE(kProcesses, "processesscraper")
    OTTER_SCOPE(kProcess, "processscraper")
#undef OTTER_SCOPE
  }
  return "";
}

std::span<const MetricDef> MetricDefs(ScraperKind k) {
  switch (k) {
    case ScraperKind::kCpu:
      return kCpu;
    case ScraperKind::kDisk:
      return kDisk;
    case ScraperKind::kFilesystem:
      return kFilesystem;
    case ScraperKind::kLoad:
      return kLoad;
    case ScraperKind::kMemory:
      return kMemory;
    case ScraperKind::kNetwork:
      return kNetwork;
    case ScraperKind::kPaging:
      return kPaging;
    case ScraperKind::kProcesses:
      return kProcesses;
    case ScraperKind::kProcess:
      return kProcess;
  }
  return {};
}

std::span<const ResourceAttrDef> ResourceAttrDefs(ScraperKind k) {
  if (k == ScraperKind::kProcess) return kProcessAttrs;
  return {};
}

}  // namespace otter::hostmetrics
