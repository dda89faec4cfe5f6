#include "processors/memory_limiter/memory_limiter.h"

#include <malloc.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <charconv>
#include <fstream>
#include <sstream>

namespace otter {
namespace {

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream f(path);
  if (!f) return false;
  std::ostringstream ss;
  ss << f.rdbuf();
  *out = ss.str();
  return true;
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
  size_t i = 0;
  while (i < s.size() && s[i] == ' ') ++i;
  return s.substr(i);
}

// A cgroup limit file's value; nullopt for "max" / absurdly large (= unlimited) / unreadable.
std::optional<uint64_t> ReadLimitFile(const std::string& path) {
  std::string text;
  if (!ReadFile(path, &text)) return std::nullopt;
  text = Trim(text);
  if (text.empty() || text == "max") return std::nullopt;
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size()) return std::nullopt;
  if (v >= (uint64_t{1} << 60)) return std::nullopt;  // v1 reports "unlimited" as ~2^63
  return v;
}

std::optional<uint64_t> CgroupLimit(const std::string& root) {
  std::string cgroups;
  if (!ReadFile(root + "/proc/self/cgroup", &cgroups)) return std::nullopt;
  std::istringstream lines(cgroups);
  std::string line;
  while (std::getline(lines, line)) {
    // "hierarchy-id:controllers:path"
    size_t a = line.find(':');
    size_t b = a == std::string::npos ? a : line.find(':', a + 1);
    if (b == std::string::npos) continue;
    std::string controllers = line.substr(a + 1, b - a - 1);
    std::string path = line.substr(b + 1);
    if (path == "/") path.clear();
    if (line.compare(0, 3, "0::") == 0) {  // cgroup v2
      for (const std::string& f :
           {root + "/sys/fs/cgroup" + path + "/memory.max", root + "/sys/fs/cgroup/memory.max"}) {
        if (auto v = ReadLimitFile(f)) return v;
      }
    } else if (("," + controllers + ",").find(",memory,") != std::string::npos) {  // v1
      for (const std::string& f : {root + "/sys/fs/cgroup/memory" + path + "/memory.limit_in_bytes",
                                   root + "/sys/fs/cgroup/memory/memory.limit_in_bytes"}) {
        if (auto v = ReadLimitFile(f)) return v;
      }
    }
  }
  return std::nullopt;
}

uint64_t Mib(uint64_t bytes) { return bytes / kMiB; }

}  // namespace

uint64_t ProcessRssBytes() {
  std::string text;
  if (!ReadFile("/proc/self/statm", &text)) return 0;
  std::istringstream in(text);
  uint64_t size = 0, resident = 0;
  if (!(in >> size >> resident)) return 0;
  return resident * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

StatusOr<uint64_t> TotalMemoryBytes(const std::string& root) {
  std::string meminfo;
  uint64_t total = 0;
  if (ReadFile(root + "/proc/meminfo", &meminfo)) {
    std::istringstream lines(meminfo);
    std::string key;
    uint64_t kb = 0;
    while (lines >> key) {
      if (key == "MemTotal:" && (lines >> kb)) {
        total = kb * 1024;
        break;
      }
      lines.ignore(1 << 20, '\n');
    }
  }
  std::optional<uint64_t> cgroup = CgroupLimit(root);
  if (cgroup && (total == 0 || *cgroup < total)) return *cgroup;
  if (total == 0) {
    return FailedPrecondition("cannot determine total memory (no cgroup limit, no MemTotal in " +
                              root + "/proc/meminfo); use limit_mib");
  }
  return total;
}

StatusOr<MemoryLimits> ComputeMemoryLimits(
    const MemoryLimiterConfig& cfg, const std::function<StatusOr<uint64_t>()>& total_memory) {
  MemoryLimits l;
  if (cfg.limit_mib > 0) {
    l.limit_bytes = uint64_t{cfg.limit_mib} * kMiB;
    l.spike_bytes = uint64_t{cfg.spike_limit_mib} * kMiB;
  } else {
    StatusOr<uint64_t> total = total_memory();
    if (!total.ok()) return total.status().Annotate("limit_percentage");
    l.limit_bytes = *total * cfg.limit_percentage / 100;
    l.spike_bytes = *total * cfg.spike_limit_percentage / 100;
  }
  if (l.spike_bytes == 0) l.spike_bytes = l.limit_bytes / 5;
  if (l.limit_bytes == 0 || l.spike_bytes >= l.limit_bytes) {
    return InvalidArgument("memory limit " + std::to_string(l.limit_bytes) +
                           " bytes is too small for the spike limit " +
                           std::to_string(l.spike_bytes) + " bytes");
  }
  return l;
}

StatusOr<std::unique_ptr<MemoryLimiter>> MemoryLimiter::Create(
    const MemoryLimiterConfig& cfg, std::shared_ptr<spdlog::logger> logger,
    MemoryLimiterOptions options) {
  if (!logger) {
    logger = std::make_shared<spdlog::logger>("memory_limiter",
                                              std::make_shared<spdlog::sinks::null_sink_mt>());
  }
  if (!options.release_memory) options.release_memory = [] { malloc_trim(0); };
  ASSIGN_OR_RETURN(MemoryLimits limits, ComputeMemoryLimits(cfg, options.total_memory));
  logger->info(
      "memory limiter: limit {} MiB, spike {} MiB, refusing data above {} MiB (process "
      "RSS), checked every {}",
      Mib(limits.limit_bytes), Mib(limits.spike_bytes), Mib(limits.soft_bytes()),
      config::FormatDuration(cfg.check_interval));
  return std::unique_ptr<MemoryLimiter>(
      new MemoryLimiter(cfg, limits, std::move(logger), std::move(options)));
}

MemoryLimiter::MemoryLimiter(const MemoryLimiterConfig& cfg, MemoryLimits limits,
                             std::shared_ptr<spdlog::logger> logger, MemoryLimiterOptions options)
    : cfg_(cfg), limits_(limits), logger_(std::move(logger)), options_(std::move(options)) {}

MemoryLimiter::~MemoryLimiter() { Shutdown(); }

void MemoryLimiter::Start() {
  if (checker_.joinable()) return;
  CheckNow();
  {
    std::lock_guard lock(mu_);
    stop_ = false;
  }
  checker_ = std::thread([this] { CheckerLoop(); });
}

void MemoryLimiter::Shutdown() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  stop_cv_.notify_all();
  if (checker_.joinable()) checker_.join();
}

void MemoryLimiter::CheckerLoop() {
  std::unique_lock lock(mu_);
  while (true) {
    if (stop_cv_.wait_for(lock, cfg_.check_interval, [&] { return stop_; })) return;
    lock.unlock();
    CheckNow();
    lock.lock();
  }
}

void MemoryLimiter::Release() {
  options_.release_memory();
  last_release_ = Clock::now();
}

void MemoryLimiter::CheckNow() {
  uint64_t usage = options_.read_usage();
  const Clock::time_point now = Clock::now();
  auto release_due = [&](config::Duration min_interval) {
    return !last_release_ || now - *last_release_ >= min_interval;
  };

  if (usage >= limits_.limit_bytes) {
    logger_->warn("memory usage {} MiB is above the hard limit {} MiB", Mib(usage),
                  Mib(limits_.limit_bytes));
    if (release_due(cfg_.min_gc_interval_when_hard_limited)) {
      Release();
      usage = options_.read_usage();
      logger_->info("memory usage after returning free memory to the OS: {} MiB", Mib(usage));
    }
  }

  const bool was_refusing = refusing_.load(std::memory_order_relaxed);
  bool must_refuse = usage >= limits_.soft_bytes();
  if (was_refusing && !must_refuse) {
    logger_->info("memory usage {} MiB is back below the soft limit {} MiB; accepting data again",
                  Mib(usage), Mib(limits_.soft_bytes()));
  }
  if (!was_refusing && must_refuse) {
    if (release_due(cfg_.min_gc_interval_when_soft_limited)) {
      Release();
      usage = options_.read_usage();
      must_refuse = usage >= limits_.soft_bytes();
    }
    if (must_refuse) {
      logger_->warn("memory usage {} MiB is above the soft limit {} MiB; refusing data", Mib(usage),
                    Mib(limits_.soft_bytes()));
    }
  }
  last_usage_.store(usage, std::memory_order_relaxed);
  if (must_refuse) {
    std::lock_guard lock(mu_);
    refusal_ =
        Unavailable("memory usage " + std::to_string(Mib(usage)) + " MiB is above the soft limit " +
                    std::to_string(Mib(limits_.soft_bytes())) + " MiB");
  }
  refusing_.store(must_refuse, std::memory_order_release);
}

}  // namespace otter
