#include "telemetry/process_metrics.h"

#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>

namespace otter::telemetry {

uint64_t ProcessRssBytes() {
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (!f) return 0;
  unsigned long long size = 0, resident = 0;
  int n = std::fscanf(f, "%llu %llu", &size, &resident);
  std::fclose(f);
  if (n != 2) return 0;
  return resident * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

void RegisterProcessMetrics(SelfMetrics& metrics) {
  auto start = std::chrono::steady_clock::now();
  metrics.AddCallbackGauge("otelcol_process_memory_rss",
                           "Total physical memory (resident set size) in bytes.", {},
                           [] { return static_cast<double>(ProcessRssBytes()); });
  metrics.AddCallbackGauge(
      "otelcol_process_uptime", "Uptime of the process in seconds.", {}, [start] {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      });
  metrics.AddCallbackGauge("otelcol_process_cpu_seconds",
                           "Total CPU user and system time in seconds.", {}, [] {
                             rusage ru{};
                             getrusage(RUSAGE_SELF, &ru);
                             return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
                                    (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
                           });
}

}  // namespace otter::telemetry
