// The `memory` scraper (/proc/meminfo) and the `paging` scraper (/proc/swaps, /proc/vmstat), as
// otelcol-contrib reports them on Linux.
#include <cerrno>
#include <cstring>

#include "receivers/hostmetrics/scraper.h"

namespace otter::hostmetrics {
namespace {

class MemoryScraper final : public Scraper {
 public:
  MemoryScraper(const HostMetricsScraperConfig& cfg, const HostEnv& env)
      : Scraper(ScraperKind::kMemory, cfg, env) {}

  void Scrape(pdata::MetricBatch& batch, ScrapeErrors& errors) override {
    const uint64_t now = env_.now_ns();
    std::string_view text, line, v;
    if (!ReadOrReport("/proc/meminfo", &text, errors)) return;
    uint64_t total = 0, free = 0, available = 0, buffers = 0, cached = 0, sreclaimable = 0,
             sunreclaim = 0, dirty = 0;
    struct Field {
      std::string_view key;
      uint64_t* out;
    };
    const Field fields[] = {{"MemTotal", &total},         {"MemFree", &free},
                            {"MemAvailable", &available}, {"Buffers", &buffers},
                            {"Cached", &cached},          {"SReclaimable", &sreclaimable},
                            {"SUnreclaim", &sunreclaim},  {"Dirty", &dirty}};
    while (NextLine(text, &line)) {
      for (const auto& f : fields)
        if (KeyValue(line, f.key, &v)) *f.out = ParseU64(v) * 1024;
    }
    // As gopsutil (and `free`) count them: reclaimable slab is cache, used is what is left.
    cached += sreclaimable;
    uint64_t accounted = free + buffers + cached;
    uint64_t used = total > accounted ? total - accounted : 0;
    MetricSet m = Begin(batch, boot_ns_, now);
    m.Int(memory::kLinuxAvailable, static_cast<int64_t>(available));
    m.Int(memory::kLinuxDirty, static_cast<int64_t>(dirty));
    m.Int(memory::kLimit, static_cast<int64_t>(total));
    const std::pair<std::string_view, uint64_t> states[] = {{"used", used},
                                                            {"free", free},
                                                            {"buffered", buffers},
                                                            {"cached", cached},
                                                            {"slab_reclaimable", sreclaimable},
                                                            {"slab_unreclaimable", sunreclaim}};
    for (const auto& [state, bytes] : states)
      m.Int(memory::kUsage, static_cast<int64_t>(bytes), {Attr("state", state)});
    if (total > 0)
      for (const auto& [state, bytes] : states)
        m.Double(memory::kUtilization, static_cast<double>(bytes) / static_cast<double>(total),
                 {Attr("state", state)});
    m.Finish();
  }
};

class PagingScraper final : public Scraper {
 public:
  PagingScraper(const HostMetricsScraperConfig& cfg, const HostEnv& env)
      : Scraper(ScraperKind::kPaging, cfg, env) {}

  void Scrape(pdata::MetricBatch& batch, ScrapeErrors& errors) override {
    const uint64_t now = env_.now_ns();
    MetricSet m = Begin(batch, boot_ns_, now);
    std::string_view text, line;
    if (m.on(paging::kFaults) || m.on(paging::kOperations)) {
      if (ReadOrReport("/proc/vmstat", &text, errors)) {
        uint64_t pswpin = 0, pswpout = 0, pgpgin = 0, pgpgout = 0, pgfault = 0, pgmajfault = 0;
        struct Field {
          std::string_view key;
          uint64_t* out;
        };
        const Field fields[] = {{"pswpin", &pswpin},   {"pswpout", &pswpout},
                                {"pgpgin", &pgpgin},   {"pgpgout", &pgpgout},
                                {"pgfault", &pgfault}, {"pgmajfault", &pgmajfault}};
        while (NextLine(text, &line)) {
          std::string_view key = NextField(line);
          for (const auto& f : fields)
            if (key == f.key) *f.out = ParseU64(NextField(line));
        }
        m.Int(paging::kFaults, static_cast<int64_t>(pgmajfault), {Attr("type", "major")});
        m.Int(paging::kFaults,
              static_cast<int64_t>(pgfault >= pgmajfault ? pgfault - pgmajfault : 0),
              {Attr("type", "minor")});
        m.Int(paging::kOperations, static_cast<int64_t>(pswpin),
              {Attr("direction", "page_in"), Attr("type", "major")});
        m.Int(paging::kOperations, static_cast<int64_t>(pswpout),
              {Attr("direction", "page_out"), Attr("type", "major")});
        m.Int(paging::kOperations, static_cast<int64_t>(pgpgin),
              {Attr("direction", "page_in"), Attr("type", "minor")});
        m.Int(paging::kOperations, static_cast<int64_t>(pgpgout),
              {Attr("direction", "page_out"), Attr("type", "minor")});
      }
    }
    if (m.on(paging::kUsage) || m.on(paging::kUtilization)) {
      if (ReadOrReport("/proc/swaps", &text, errors)) {
        NextLine(text, &line);  // the header
        while (NextLine(text, &line)) {
          std::string_view device = NextField(line);
          if (device.empty()) continue;
          NextField(line);  // type
          uint64_t size = ParseU64(NextField(line)) * 1024;
          uint64_t used = ParseU64(NextField(line)) * 1024;
          uint64_t free = size > used ? size - used : 0;
          std::string_view dev = batch.arenas().Copy(device);  // as written, like contrib
          m.Int(paging::kUsage, static_cast<int64_t>(used),
                {Attr("device", dev), Attr("state", "used")});
          m.Int(paging::kUsage, static_cast<int64_t>(free),
                {Attr("device", dev), Attr("state", "free")});
          if (size > 0) {
            m.Double(paging::kUtilization, double(used) / double(size),
                     {Attr("device", dev), Attr("state", "used")});
            m.Double(paging::kUtilization, double(free) / double(size),
                     {Attr("device", dev), Attr("state", "free")});
          }
        }
      }
    }
    m.Finish();
  }
};

}  // namespace

std::unique_ptr<Scraper> NewMemoryScraper(const HostMetricsScraperConfig& cfg, const HostEnv& env) {
  return std::make_unique<MemoryScraper>(cfg, env);
}
std::unique_ptr<Scraper> NewPagingScraper(const HostMetricsScraperConfig& cfg, const HostEnv& env) {
  return std::make_unique<PagingScraper>(cfg, env);
}

}  // namespace otter::hostmetrics
