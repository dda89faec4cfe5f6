#include "receivers/hostmetrics/scraper.h"

#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace otter::hostmetrics {

HostEnv HostEnv::Real(std::string root) {
  HostEnv env;
  env.root = std::move(root);
  long ticks = ::sysconf(_SC_CLK_TCK);
  long page = ::sysconf(_SC_PAGESIZE);
  if (ticks > 0) env.clock_ticks = static_cast<uint64_t>(ticks);
  if (page > 0) env.page_size = static_cast<uint64_t>(page);
  env.statvfs = [](const char* path, FsStat* out) {
    struct statvfs s;
    if (::statvfs(path, &s) != 0) return false;
    uint64_t frsize = s.f_frsize ? s.f_frsize : s.f_bsize;
    out->total = uint64_t(s.f_blocks) * frsize;
    out->free = uint64_t(s.f_bavail) * frsize;
    out->used = (uint64_t(s.f_blocks) - uint64_t(s.f_bfree)) * frsize;
    out->inodes_total = s.f_files;
    out->inodes_free = s.f_ffree;
    return true;
  };
  env.now_ns = [] {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
  };
  return env;
}

void ScrapeErrors::Add(std::string message) {
  ++count_;
  if (messages_.size() < kKept) messages_.push_back(std::move(message));
}

NameFilter::NameFilter(const HostMetricsMatchSet& m) {
  for (const auto& item : m.items) {
    if (m.match_type == "regexp")
      regexps_.push_back(std::make_unique<RE2>(item, RE2::Quiet));
    else
      strict_.push_back(item);
  }
}

bool NameFilter::Matches(std::string_view s) const {
  for (const auto& x : strict_)
    if (x == s) return true;
  for (const auto& re : regexps_)
    if (RE2::PartialMatch(re2::StringPiece(s.data(), s.size()), *re)) return true;
  return false;
}

MetricSet::MetricSet(std::span<const MetricDef> defs, const std::array<bool, kMax>& enabled,
                     pdata::ScopeMetrics& scope, uint64_t start_ns, uint64_t now_ns)
    : scope_(scope), start_(start_ns), now_(now_ns) {
  size_t n = 0;
  for (size_t i = 0; i < defs.size(); ++i) n += enabled[i];
  scope.metrics.reserve(scope.metrics.size() + n);  // the pointers below stay valid
  for (size_t i = 0; i < defs.size(); ++i) {
    if (!enabled[i]) continue;
    const MetricDef& d = defs[i];
    pdata::Metric& m = scope.metrics.emplace_back();
    m.name = d.name;
    m.description = d.description;
    m.unit = d.unit;
    if (d.sum) {
      m.type = pdata::MetricType::kSum;
      m.temporality = pdata::AggregationTemporality::kCumulative;
      m.is_monotonic = d.monotonic;
    } else {
      m.type = pdata::MetricType::kGauge;
    }
    m_[i] = &m;
  }
}

pdata::NumberDataPoint& MetricSet::Point(size_t i, std::initializer_list<pdata::KeyValue> attrs) {
  pdata::NumberDataPoint& p = m_[i]->number_points.emplace_back();
  p.attributes.assign(attrs.begin(), attrs.end());
  p.start_time_unix_nano = start_;
  p.time_unix_nano = now_;
  return p;
}

void MetricSet::Int(size_t i, int64_t v, std::initializer_list<pdata::KeyValue> attrs) {
  if (!m_[i]) return;
  auto& p = Point(i, attrs);
  p.value_type = pdata::NumberDataPoint::ValueType::kInt;
  p.as_int = v;
}

void MetricSet::Double(size_t i, double v, std::initializer_list<pdata::KeyValue> attrs) {
  if (!m_[i]) return;
  auto& p = Point(i, attrs);
  p.value_type = pdata::NumberDataPoint::ValueType::kDouble;
  p.as_double = v;
}

void MetricSet::Finish() {
  auto& ms = scope_.metrics;
  size_t out = 0;
  for (size_t i = 0; i < ms.size(); ++i)
    if (!ms[i].number_points.empty()) {
      if (out != i) ms[out] = std::move(ms[i]);
      ++out;
    }
  ms.resize(out);
  m_.fill(nullptr);
}

Scraper::Scraper(ScraperKind kind, const HostMetricsScraperConfig& cfg, const HostEnv& env)
    : kind_(kind), cfg_(cfg), env_(env), reader_(env.root) {
  auto defs = MetricDefs(kind);
  for (size_t i = 0; i < defs.size() && i < MetricSet::kMax; ++i)
    enabled_[i] = cfg.MetricEnabled(kind, i);
}

Status Scraper::Start() { return ReadBootTime(); }

Status Scraper::ReadBootTime() {
  std::string_view text, line;
  if (!reader_.Read("/proc/stat", &text))
    return Unavailable(std::string("reading boot time: ") + reader_.Path("/proc/stat") + ": " +
                       std::strerror(errno));
  while (NextLine(text, &line)) {
    if (line.starts_with("btime ")) {
      line.remove_prefix(6);
      boot_ns_ = ParseU64(NextField(line)) * 1'000'000'000ull;
      return Status::Ok();
    }
  }
  return Unavailable(std::string("reading boot time: no btime line in ") +
                     reader_.Path("/proc/stat"));
}

bool Scraper::ReadOrReport(std::string_view path, std::string_view* out, ScrapeErrors& errors,
                           std::string_view context) {
  if (reader_.Read(path, out)) return true;
  const int err = errno;
  std::string msg(ScraperName(kind_));
  msg.append(": ").append(context).append(" ").append(reader_.Path(path));
  msg.append(": ").append(std::strerror(err));
  errors.Add(std::move(msg));
  return false;
}

uint64_t CountCpus(ProcReader& reader) {
  std::string_view text, line;
  uint64_t n = 0;
  if (reader.Read("/proc/stat", &text))
    while (NextLine(text, &line))
      if (line.starts_with("cpu") && line.size() > 3 && line[3] >= '0' && line[3] <= '9') ++n;
  return n ? n : 1;
}

MetricSet Scraper::Begin(pdata::MetricBatch& batch, uint64_t start_ns, uint64_t now_ns,
                         pdata::ResourceMetrics** resource) {
  pdata::ResourceMetrics& rm = batch.resources().emplace_back();
  if (resource) *resource = &rm;
  pdata::ScopeMetrics& sm = rm.scope_metrics.emplace_back();
  sm.scope.name = ScopeName(kind_);
  return MetricSet(MetricDefs(kind_), enabled_, sm, start_ns, now_ns);
}

std::unique_ptr<Scraper> NewScraper(ScraperKind kind, const HostMetricsScraperConfig& cfg,
                                    const HostEnv& env) {
  switch (kind) {
    case ScraperKind::kCpu:
      return NewCpuScraper(cfg, env);
    case ScraperKind::kDisk:
      return NewDiskScraper(cfg, env);
    case ScraperKind::kFilesystem:
      return NewFilesystemScraper(cfg, env);
    case ScraperKind::kLoad:
      return NewLoadScraper(cfg, env);
    case ScraperKind::kMemory:
      return NewMemoryScraper(cfg, env);
    case ScraperKind::kNetwork:
      return NewNetworkScraper(cfg, env);
    case ScraperKind::kPaging:
      return NewPagingScraper(cfg, env);
    case ScraperKind::kProcesses:
      return NewProcessesScraper(cfg, env);
    case ScraperKind::kProcess:
      return NewProcessScraper(cfg, env);
  }
  return nullptr;
}

}  // namespace otter::hostmetrics
