// The `cpu` scraper (/proc/stat per-CPU times, /proc/cpuinfo when the count/frequency metrics are
// on) and the `load` scraper (/proc/loadavg), as otelcol-contrib reports them on Linux.
#include <cerrno>
#include <cstring>
#include <set>
#include <utility>

#include "receivers/hostmetrics/scraper.h"

namespace otter::hostmetrics {
namespace {

// Ticks of one CPU line of /proc/stat, in the kernel's column order.
struct CpuTicks {
  uint64_t user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
};

class CpuScraper final : public Scraper {
 public:
  CpuScraper(const HostMetricsScraperConfig& cfg, const HostEnv& env)
      : Scraper(ScraperKind::kCpu, cfg, env) {}

  void Scrape(pdata::MetricBatch& batch, ScrapeErrors& errors) override {
    const uint64_t now = env_.now_ns();
    std::string_view text, line;
    if (!ReadOrReport("/proc/stat", &text, errors)) return;
    cur_.clear();
    while (NextLine(text, &line)) {
      if (!line.starts_with("cpu") || line.size() < 4 || line[3] < '0' || line[3] > '9') continue;
      std::string_view name = NextField(line);
      CpuTicks t;
      t.user = ParseU64(NextField(line));
      t.nice = ParseU64(NextField(line));
      t.system = ParseU64(NextField(line));
      t.idle = ParseU64(NextField(line));
      t.iowait = ParseU64(NextField(line));
      t.irq = ParseU64(NextField(line));
      t.softirq = ParseU64(NextField(line));
      t.steal = ParseU64(NextField(line));
      cur_.push_back({ParseU64(name.substr(3)), t});
    }
    MetricSet m = Begin(batch, boot_ns_, now);
    const double hz = static_cast<double>(env_.clock_ticks);
    auto secs = [hz](uint64_t ticks) { return static_cast<double>(ticks) / hz; };
    if (m.on(cpu::kFrequency) || m.on(cpu::kPhysicalCount)) ReadCpuInfo(m, batch, errors);
    m.Int(cpu::kLogicalCount, static_cast<int64_t>(cur_.size()));
    for (size_t i = 0; i < cur_.size(); ++i) {
      std::string_view label = CpuLabel(batch, cur_[i].first);
      const CpuTicks& t = cur_[i].second;
      // otelcol-contrib's state order on Linux.
      const std::pair<std::string_view, uint64_t> states[] = {
          {"user", t.user}, {"system", t.system},   {"idle", t.idle},   {"interrupt", t.irq},
          {"nice", t.nice}, {"softirq", t.softirq}, {"steal", t.steal}, {"wait", t.iowait}};
      for (const auto& [state, ticks] : states)
        m.Double(cpu::kTime, secs(ticks), {Attr("cpu", label), Attr("state", state)});
      if (!m.on(cpu::kUtilization) || prev_now_ == 0 || now <= prev_now_) continue;
      const CpuTicks* p = nullptr;
      for (const auto& [n, ticks] : prev_)
        if (n == cur_[i].first) p = &ticks;
      if (!p) continue;
      const double elapsed = static_cast<double>(now - prev_now_) / 1e9;
      const std::pair<std::string_view, double> deltas[] = {
          {"user", secs(t.user - p->user)},    {"system", secs(t.system - p->system)},
          {"idle", secs(t.idle - p->idle)},    {"interrupt", secs(t.irq - p->irq)},
          {"nice", secs(t.nice - p->nice)},    {"softirq", secs(t.softirq - p->softirq)},
          {"steal", secs(t.steal - p->steal)}, {"wait", secs(t.iowait - p->iowait)}};
      for (const auto& [state, d] : deltas)
        m.Double(cpu::kUtilization, d / elapsed, {Attr("cpu", label), Attr("state", state)});
    }
    m.Finish();
    if (enabled(cpu::kUtilization)) {
      std::swap(prev_, cur_);
      prev_now_ = now;
    }
  }

 private:
  static std::string_view CpuLabel(pdata::MetricBatch& batch, uint64_t n) {
    char buf[32];
    int len = std::snprintf(buf, sizeof buf, "cpu%llu", static_cast<unsigned long long>(n));
    return batch.arenas().Copy(std::string_view(buf, static_cast<size_t>(len)));
  }

  // /proc/cpuinfo: "cpu MHz" per processor, and distinct (physical id, core id) pairs.
  void ReadCpuInfo(MetricSet& m, pdata::MetricBatch& batch, ScrapeErrors& errors) {
    std::string_view text, line, v;
    if (!ReadOrReport("/proc/cpuinfo", &text, errors)) return;
    std::set<std::pair<uint64_t, uint64_t>> cores;
    uint64_t processor = 0, physical = 0;
    while (NextLine(text, &line)) {
      size_t colon = line.find(':');
      if (colon == std::string_view::npos) continue;
      std::string_view key = line.substr(0, colon);
      while (!key.empty() && (key.back() == ' ' || key.back() == '\t')) key.remove_suffix(1);
      std::string_view rest = line.substr(colon + 1);
      v = NextField(rest);
      if (key == "processor") {
        processor = ParseU64(v);
      } else if (key == "physical id") {
        physical = ParseU64(v);
      } else if (key == "core id") {
        cores.insert({physical, ParseU64(v)});
      } else if (key == "cpu MHz") {
        m.Double(cpu::kFrequency, ParseDouble(v) * 1e6, {Attr("cpu", CpuLabel(batch, processor))});
      }
    }
    if (!cores.empty()) m.Int(cpu::kPhysicalCount, static_cast<int64_t>(cores.size()));
  }

  std::vector<std::pair<uint64_t, CpuTicks>> cur_, prev_;
  uint64_t prev_now_ = 0;
};

class LoadScraper final : public Scraper {
 public:
  LoadScraper(const HostMetricsScraperConfig& cfg, const HostEnv& env)
      : Scraper(ScraperKind::kLoad, cfg, env) {}

  Status Start() override {
    RETURN_IF_ERROR(ReadBootTime());
    // The logical CPUs of the (possibly root_path) host, for cpu_average.
    cpus_ = static_cast<double>(CountCpus(reader_));
    return Status::Ok();
  }

  void Scrape(pdata::MetricBatch& batch, ScrapeErrors& errors) override {
    const uint64_t now = env_.now_ns();
    std::string_view text;
    if (!ReadOrReport("/proc/loadavg", &text, errors)) return;
    double l1 = ParseDouble(NextField(text));
    double l5 = ParseDouble(NextField(text));
    double l15 = ParseDouble(NextField(text));
    if (cfg_.cpu_average) {
      l1 /= cpus_;
      l5 /= cpus_;
      l15 /= cpus_;
    }
    MetricSet m = Begin(batch, boot_ns_, now);
    m.Double(load::k15m, l15);
    m.Double(load::k1m, l1);
    m.Double(load::k5m, l5);
    m.Finish();
  }

 private:
  double cpus_ = 1;
};

}  // namespace

std::unique_ptr<Scraper> NewCpuScraper(const HostMetricsScraperConfig& cfg, const HostEnv& env) {
  return std::make_unique<CpuScraper>(cfg, env);
}
std::unique_ptr<Scraper> NewLoadScraper(const HostMetricsScraperConfig& cfg, const HostEnv& env) {
  return std::make_unique<LoadScraper>(cfg, env);
}

}  // namespace otter::hostmetrics
