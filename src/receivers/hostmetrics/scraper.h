// The hostmetrics scraper interface and what every scraper shares: the host environment (root
// path, clock ticks, page size, statvfs and the wall clock, all injectable so tests run against
// a fake /proc tree with exact expected values), include/exclude name filters (otelcol's
// filterset: strict or RE2 regexp), the partial-error collector, and a builder that appends a
// scraper's enabled metrics to a batch in definition order.
// A scraper is created and started by the receiver and then called from its one scrape thread;
// scrapers are not thread-safe.
#pragma once

#include <re2/re2.h>

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "pdata/batch.h"
#include "receivers/hostmetrics/config.h"
#include "receivers/hostmetrics/metadata.h"
#include "receivers/hostmetrics/proc_reader.h"

namespace otter::hostmetrics {

// statvfs(3) of a mount point, in bytes and inodes.
struct FsStat {
  uint64_t total = 0;  // f_blocks * f_frsize
  uint64_t free = 0;   // f_bavail * f_frsize (what unprivileged users can still write)
  uint64_t used = 0;   // (f_blocks - f_bfree) * f_frsize
  uint64_t inodes_total = 0;
  uint64_t inodes_free = 0;
};

struct HostEnv {
  std::string root;  // "" = "/"
  uint64_t clock_ticks = 100;
  uint64_t page_size = 4096;
  std::function<bool(const char* path, FsStat* out)> statvfs;  // false + errno on failure
  std::function<uint64_t()> now_ns;                            // wall clock, Unix ns

  // The running host's values (sysconf, statvfs(3), the system clock).
  static HostEnv Real(std::string root);
};

// Per-scrape partial errors: counted, the first few kept for the log line.
class ScrapeErrors {
 public:
  void Add(std::string message);
  size_t count() const { return count_; }
  const std::vector<std::string>& messages() const { return messages_; }
  void Clear() {
    count_ = 0;
    messages_.clear();
  }

 private:
  static constexpr size_t kKept = 5;
  size_t count_ = 0;
  std::vector<std::string> messages_;
};

// A list of names matched strictly or by (unanchored) RE2 regexps.
class NameFilter {
 public:
  NameFilter() = default;
  explicit NameFilter(const HostMetricsMatchSet& m);  // `m` validated by the config
  bool empty() const { return strict_.empty() && regexps_.empty(); }
  bool Matches(std::string_view s) const;

 private:
  std::vector<std::string> strict_;
  std::vector<std::unique_ptr<RE2>> regexps_;
};

// include/exclude: a name passes if include is empty or matches it, and exclude does not.
struct IncludeExclude {
  NameFilter include, exclude;
  IncludeExclude() = default;
  IncludeExclude(const HostMetricsMatchSet& inc, const HostMetricsMatchSet& exc)
      : include(inc), exclude(exc) {}
  bool Allows(std::string_view s) const {
    return (include.empty() || include.Matches(s)) && (exclude.empty() || !exclude.Matches(s));
  }
};

inline pdata::KeyValue Attr(std::string_view key, std::string_view value) {
  return {key, pdata::AnyValue::String(value)};
}
inline pdata::KeyValue IntAttr(std::string_view key, int64_t value) {
  return {key, pdata::AnyValue::Int(value)};
}

// The enabled metrics of one scraper within one scope, created in definition order; points are
// then appended to whichever metrics the scraper reads. Finish() drops metrics left without
// points, as the Go collector's builders emit only metrics that have data.
class MetricSet {
 public:
  static constexpr size_t kMax = 16;
  MetricSet(std::span<const MetricDef> defs, const std::array<bool, kMax>& enabled,
            pdata::ScopeMetrics& scope, uint64_t start_ns, uint64_t now_ns);
  bool on(size_t i) const { return m_[i] != nullptr; }
  // No-ops when metric `i` is disabled.
  void Int(size_t i, int64_t v, std::initializer_list<pdata::KeyValue> attrs = {});
  void Double(size_t i, double v, std::initializer_list<pdata::KeyValue> attrs = {});
  void Finish();
  uint64_t start_ns() const { return start_; }
  uint64_t now_ns() const { return now_; }

 private:
  pdata::NumberDataPoint& Point(size_t i, std::initializer_list<pdata::KeyValue> attrs);
  pdata::ScopeMetrics& scope_;
  std::array<pdata::Metric*, kMax> m_{};
  uint64_t start_, now_;
};

class Scraper {
 public:
  Scraper(ScraperKind kind, const HostMetricsScraperConfig& cfg, const HostEnv& env);
  virtual ~Scraper() = default;
  ScraperKind kind() const { return kind_; }
  // Called once before the first scrape (reads the boot time); an error stops start-up.
  virtual Status Start();
  // Appends this scraper's ResourceMetrics to `batch`. What could not be read is reported in
  // `errors`; everything that could is still appended (a partial scrape).
  virtual void Scrape(pdata::MetricBatch& batch, ScrapeErrors& errors) = 0;

 protected:
  // A new ResourceMetrics with this scraper's scope; its metrics in definition order.
  MetricSet Begin(pdata::MetricBatch& batch, uint64_t start_ns, uint64_t now_ns,
                  pdata::ResourceMetrics** resource = nullptr);
  bool enabled(size_t i) const { return enabled_[i]; }
  // Boot time from /proc/stat's btime (whole seconds, as the kernel gives it), in ns.
  Status ReadBootTime();
  // Reads <root>`path`; on failure adds "<scraper>: <context>: <path>: <error>" to `errors`.
  bool ReadOrReport(std::string_view path, std::string_view* out, ScrapeErrors& errors,
                    std::string_view context = "reading");

  const ScraperKind kind_;
  const HostMetricsScraperConfig cfg_;
  const HostEnv& env_;
  ProcReader reader_;
  std::array<bool, MetricSet::kMax> enabled_{};
  uint64_t boot_ns_ = 0;
};

// The number of "cpuN" lines of <root>/proc/stat (at least 1): the host's logical CPUs.
uint64_t CountCpus(ProcReader& reader);

// One per ScraperKind.
std::unique_ptr<Scraper> NewCpuScraper(const HostMetricsScraperConfig&, const HostEnv&);
std::unique_ptr<Scraper> NewDiskScraper(const HostMetricsScraperConfig&, const HostEnv&);
std::unique_ptr<Scraper> NewFilesystemScraper(const HostMetricsScraperConfig&, const HostEnv&);
std::unique_ptr<Scraper> NewLoadScraper(const HostMetricsScraperConfig&, const HostEnv&);
std::unique_ptr<Scraper> NewMemoryScraper(const HostMetricsScraperConfig&, const HostEnv&);
std::unique_ptr<Scraper> NewNetworkScraper(const HostMetricsScraperConfig&, const HostEnv&);
std::unique_ptr<Scraper> NewPagingScraper(const HostMetricsScraperConfig&, const HostEnv&);
std::unique_ptr<Scraper> NewProcessesScraper(const HostMetricsScraperConfig&, const HostEnv&);
std::unique_ptr<Scraper> NewProcessScraper(const HostMetricsScraperConfig&, const HostEnv&);
std::unique_ptr<Scraper> NewScraper(ScraperKind kind, const HostMetricsScraperConfig&,
                                    const HostEnv&);

}  // namespace otter::hostmetrics
