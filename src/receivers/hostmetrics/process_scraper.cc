// The `processes` scraper (process counts by state from /proc/<pid>/stat, overridden for
// running/blocked and completed by /proc/stat, as otelcol-contrib does) and the `process`
// scraper (one resource per process: /proc/<pid>/{status,cmdline,stat,io,fd}, the exe link and
// the owner's name from <root>/etc/passwd), as otelcol-contrib reports them on Linux.
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <unordered_map>

#include "receivers/hostmetrics/scraper.h"

namespace otter::hostmetrics {
namespace {

// Calls fn(proc_fd, pid) for every numeric entry of <root>/proc; proc_fd is the directory's
// descriptor, for openat.
template <class F>
bool ForEachPid(ProcReader& reader, F&& fn) {
  DIR* dir = ::opendir(reader.Path("/proc"));
  if (!dir) return false;
  const int proc_fd = ::dirfd(dir);
  while (struct dirent* e = ::readdir(dir)) {
    const char* n = e->d_name;
    if (*n < '1' || *n > '9') continue;
    bool digits = true;
    for (const char* p = n; *p; ++p) digits &= *p >= '0' && *p <= '9';
    if (digits) fn(proc_fd, n);
  }
  ::closedir(dir);
  return true;
}

// An O_PATH descriptor of /proc/<pid>, closed on scope exit.
class PidDir {
 public:
  PidDir(int proc_fd, const char* pid)
      : fd_(::openat(proc_fd, pid, O_PATH | O_DIRECTORY | O_CLOEXEC)) {}
  ~PidDir() {
    if (fd_ >= 0) ::close(fd_);
  }
  PidDir(const PidDir&) = delete;
  PidDir& operator=(const PidDir&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

// The fields of /proc/<pid>/stat after "(comm)", numbered as in proc(5) (state is field 3).
struct PidStat {
  char state = '?';
  uint64_t ppid = 0, minflt = 0, majflt = 0, utime = 0, stime = 0, threads = 0, starttime = 0,
           vsize = 0, rss_pages = 0, blkio_ticks = 0;
};

bool ParsePidStat(std::string_view text, PidStat* out) {
  size_t close = text.rfind(')');
  if (close == std::string_view::npos) return false;
  text.remove_prefix(close + 1);
  std::string_view f[40];  // fields 3..42
  for (auto& v : f) v = NextField(text);
  if (f[0].empty()) return false;
  out->state = f[0][0];
  auto at = [&](int field) { return ParseU64(f[field - 3]); };
  out->ppid = at(4);
  out->minflt = at(10);
  out->majflt = at(12);
  out->utime = at(14);
  out->stime = at(15);
  out->threads = at(20);
  out->starttime = at(22);
  out->vsize = at(23);
  out->rss_pages = at(24);
  out->blkio_ticks = at(42);
  return true;
}

class ProcessesScraper final : public Scraper {
 public:
  ProcessesScraper(const HostMetricsScraperConfig& cfg, const HostEnv& env)
      : Scraper(ScraperKind::kProcesses, cfg, env) {}

  void Scrape(pdata::MetricBatch& batch, ScrapeErrors& errors) override {
    const uint64_t now = env_.now_ns();
    // Indexed like kStatuses.
    static constexpr std::string_view kStatuses[] = {
        "blocked", "daemon",   "detached", "idle",   "locked",  "orphan", "paging",
        "running", "sleeping", "stopped",  "system", "unknown", "zombies"};
    enum {
      kBlocked = 0,
      kIdle = 3,
      kPaging = 6,
      kRunning = 7,
      kSleeping = 8,
      kStopped = 9,
      kUnknown = 11,
      kZombies = 12
    };
    int64_t counts[std::size(kStatuses)] = {};
    bool seen[std::size(kStatuses)] = {};
    MetricSet m = Begin(batch, boot_ns_, now);
    if (m.on(processes::kCount)) {
      ForEachPid(reader_, [&](int proc_fd, const char* pid) {
        std::string_view text;
        PidStat st;
        char rel[300];  // a d_name is at most 255 bytes
        std::snprintf(rel, sizeof rel, "%s/stat", pid);
        if (!reader_.ReadAt(proc_fd, rel, &text) || !ParsePidStat(text, &st))
          return;  // exited meanwhile
        int s = kUnknown;
        switch (st.state) {
          case 'R':
            s = kRunning;
            break;
          case 'S':
            s = kSleeping;
            break;
          case 'D':
            s = kBlocked;
            break;
          case 'Z':
            s = kZombies;
            break;
          case 'T':
          case 't':
            s = kStopped;
            break;
          case 'I':
            s = kIdle;
            break;
          case 'W':
            s = kPaging;
            break;
          default:
            break;
        }
        ++counts[s];
        seen[s] = true;
      });
    }
    // The directory walk races with processes changing state; /proc/stat's counts are one read.
    std::string_view text, line;
    bool have_created = false;
    uint64_t created = 0;
    if (ReadOrReport("/proc/stat", &text, errors)) {
      while (NextLine(text, &line)) {
        std::string_view key = NextField(line);
        if (key == "processes") {
          created = ParseU64(NextField(line));
          have_created = true;
        } else if (key == "procs_running") {
          counts[kRunning] = static_cast<int64_t>(ParseU64(NextField(line)));
          seen[kRunning] = true;
        } else if (key == "procs_blocked") {
          counts[kBlocked] = static_cast<int64_t>(ParseU64(NextField(line)));
          seen[kBlocked] = true;
        }
      }
    }
    for (size_t i = 0; i < std::size(kStatuses); ++i)
      if (seen[i]) m.Int(processes::kCount, counts[i], {Attr("status", kStatuses[i])});
    if (have_created) m.Int(processes::kCreated, static_cast<int64_t>(created));
    m.Finish();
  }
};

class ProcessScraper final : public Scraper {
 public:
  ProcessScraper(const HostMetricsScraperConfig& cfg, const HostEnv& env)
      : Scraper(ScraperKind::kProcess, cfg, env), filter_(cfg.include, cfg.exclude) {
    auto attrs = ResourceAttrDefs(ScraperKind::kProcess);
    for (size_t i = 0; i < attrs.size(); ++i) attr_on_[i] = cfg.ResourceAttrEnabled(kind_, i);
    mute_all_ = cfg.mute_process_all_errors;
  }

  Status Start() override {
    RETURN_IF_ERROR(ReadBootTime());
    cpus_ = CountCpus(reader_);
    LoadPasswd();
    return Status::Ok();
  }

  void Scrape(pdata::MetricBatch& batch, ScrapeErrors& errors) override {
    passwd_reloaded_ = false;
    mem_total_ = 0;
    if (enabled(process::kMemoryUtilization)) ReadMemTotal();
    ++generation_;
    bool listed = ForEachPid(
        reader_, [&](int proc_fd, const char* pid) { ScrapeOne(batch, errors, proc_fd, pid); });
    if (!listed)
      errors.Add(std::string("process: reading ") + reader_.Path("/proc") + ": " +
                 std::strerror(errno));
    // Forget the CPU times of processes that are gone.
    if (enabled(process::kCpuUtilization))
      for (auto it = prev_cpu_.begin(); it != prev_cpu_.end();)
        it = it->second.generation == generation_ ? std::next(it) : prev_cpu_.erase(it);
  }

 private:
  struct CpuSample {
    uint64_t generation = 0;  // the last scrape that saw the process
    uint64_t at_ns = 0;
    double user = 0, system = 0, wait = 0;
  };

  void Error(ScrapeErrors& errors, bool muted, std::string msg) {
    if (!mute_all_ && !muted) errors.Add("process: " + std::move(msg));
  }

  void ScrapeOne(pdata::MetricBatch& batch, ScrapeErrors& errors, int proc_fd,
                 const char* pid_cstr) {
    const std::string_view pid_text(pid_cstr);
    const int64_t pid = static_cast<int64_t>(ParseU64(pid_text));
    PidDir dir(proc_fd, pid_cstr);
    std::string_view text, line, v;
    // status: the name, the real uid, context switches, queued signals.
    if (dir.fd() < 0 || !reader_.ReadAt(dir.fd(), "status", &text)) {
      Error(errors, cfg_.mute_process_name_error,
            "error reading process name for pid " + std::string(pid_text) + ": " +
                std::strerror(errno));
      return;
    }
    uint64_t uid = 0, vol = 0, invol = 0, sigq = 0;
    bool have_uid = false;
    name_.clear();
    while (NextLine(text, &line)) {
      if (line.starts_with("Name:")) {
        line.remove_prefix(5);
        while (!line.empty() && (line.front() == '\t' || line.front() == ' '))
          line.remove_prefix(1);
        name_.assign(line);
      } else if (KeyValue(line, "Uid", &v)) {
        uid = ParseU64(v);
        have_uid = true;
      } else if (KeyValue(line, "voluntary_ctxt_switches", &v)) {
        vol = ParseU64(v);
      } else if (KeyValue(line, "nonvoluntary_ctxt_switches", &v)) {
        invol = ParseU64(v);
      } else if (KeyValue(line, "SigQ", &v)) {
        sigq = ParseU64(v.substr(0, v.find('/')));
      }
    }
    // cmdline: NUL-separated arguments; empty for kernel threads.
    cmdline_.clear();
    bool have_cmdline = reader_.ReadAt(dir.fd(), "cmdline", &text);
    if (have_cmdline) {
      while (!text.empty() && text.back() == '\0') text.remove_suffix(1);
      cmdline_.assign(text);
    }
    std::string_view command(cmdline_.data(), std::min(cmdline_.size(), cmdline_.find('\0')));
    // The status name is cut at 15 characters; the command's base name is the whole one.
    if (name_.size() >= 15 && !command.empty()) {
      std::string_view base = command.substr(command.rfind('/') + 1);
      if (base.starts_with(name_)) name_.assign(base);
    }
    if (!filter_.Allows(name_)) return;

    char exe[4096];
    ssize_t exe_len = ::readlinkat(dir.fd(), "exe", exe, sizeof exe);
    if (exe_len < 0) {
      const int err = errno;
      Error(errors, cfg_.mute_process_exe_error,
            "error reading process executable for pid " + std::string(pid_text) + ": readlink " +
                reader_.Path("/proc/", pid_text, "/exe") + ": " + std::strerror(err));
      exe_len = 0;
    }
    PidStat st;
    if (!reader_.ReadAt(dir.fd(), "stat", &text) || !ParsePidStat(text, &st)) {
      Error(errors, false,
            "error reading create time for process \"" + name_ + "\" (pid " +
                std::string(pid_text) + "): " + std::strerror(errno));
      return;
    }
    const uint64_t now = env_.now_ns();
    // Process start = boot time + start ticks, at gopsutil's millisecond precision.
    uint64_t create_ms = boot_ns_ / 1'000'000 + st.starttime * 1000 / env_.clock_ticks;
    uint64_t create_ns = create_ms * 1'000'000;
    if (cfg_.scrape_process_delay.count() > 0 &&
        now < create_ns + static_cast<uint64_t>(cfg_.scrape_process_delay.count()))
      return;

    pdata::ResourceMetrics* rm = nullptr;
    MetricSet m = Begin(batch, create_ns, now, &rm);
    auto& arenas = batch.arenas();
    auto& attrs = rm->resource.attributes;
    using process::kAttrCommand, process::kAttrCommandLine, process::kAttrExecutableName,
        process::kAttrExecutablePath, process::kAttrOwner, process::kAttrParentPid,
        process::kAttrPid;
    if (attr_on_[kAttrPid]) attrs.push_back(IntAttr("process.pid", pid));
    if (attr_on_[kAttrParentPid])
      attrs.push_back(IntAttr("process.parent_pid", static_cast<int64_t>(st.ppid)));
    if (attr_on_[kAttrExecutableName])
      attrs.push_back(Attr("process.executable.name", arenas.Copy(name_)));
    if (attr_on_[kAttrExecutablePath])
      attrs.push_back(Attr("process.executable.path",
                           arenas.Copy(std::string_view(exe, static_cast<size_t>(exe_len)))));
    if (have_cmdline) {
      if (attr_on_[kAttrCommand]) attrs.push_back(Attr("process.command", arenas.Copy(command)));
      if (attr_on_[kAttrCommandLine]) {
        std::string_view joined = arenas.Copy(cmdline_);
        // The arena's copy is ours to edit: arguments joined by spaces.
        char* p = const_cast<char*>(joined.data());
        for (size_t i = 0; i < joined.size(); ++i)
          if (p[i] == '\0') p[i] = ' ';
        attrs.push_back(Attr("process.command_line", joined));
      }
    }
    if (attr_on_[kAttrOwner]) {
      std::string_view owner = have_uid ? UserName(uid) : std::string_view();
      if (owner.empty())
        Error(errors, cfg_.mute_process_user_error,
              "error reading username for process \"" + name_ + "\" (pid " + std::string(pid_text) +
                  "): user: unknown userid " + std::to_string(uid));
      attrs.push_back(Attr("process.owner", arenas.Copy(owner)));
    }

    const double hz = static_cast<double>(env_.clock_ticks);
    const double user = double(st.utime) / hz, system = double(st.stime) / hz,
                 wait = double(st.blkio_ticks) / hz;
    const int64_t rss = static_cast<int64_t>(st.rss_pages * env_.page_size);
    m.Int(process::kContextSwitches, static_cast<int64_t>(invol), {Attr("type", "involuntary")});
    m.Int(process::kContextSwitches, static_cast<int64_t>(vol), {Attr("type", "voluntary")});
    m.Double(process::kCpuTime, user, {Attr("state", "user")});
    m.Double(process::kCpuTime, system, {Attr("state", "system")});
    m.Double(process::kCpuTime, wait, {Attr("state", "wait")});
    if (m.on(process::kCpuUtilization)) {
      CpuSample& prev = prev_cpu_[pid];
      if (prev.at_ns != 0 && now > prev.at_ns) {
        double elapsed = double(now - prev.at_ns) / 1e9 * double(cpus_);
        m.Double(process::kCpuUtilization, (user - prev.user) / elapsed, {Attr("state", "user")});
        m.Double(process::kCpuUtilization, (system - prev.system) / elapsed,
                 {Attr("state", "system")});
        m.Double(process::kCpuUtilization, (wait - prev.wait) / elapsed, {Attr("state", "wait")});
      }
      prev = {generation_, now, user, system, wait};
    }
    if (m.on(process::kDiskIo) || m.on(process::kDiskOperations))
      ReadIo(m, errors, dir.fd(), pid_text);
    m.Int(process::kMemoryUsage, rss);
    if (mem_total_ > 0)  // gopsutil's MemoryPercent: a percentage, as contrib reports it
      m.Double(process::kMemoryUtilization, 100.0 * double(rss) / double(mem_total_));
    m.Int(process::kMemoryVirtual, static_cast<int64_t>(st.vsize));
    if (m.on(process::kOpenFileDescriptors)) {
      int64_t fds = CountFds(dir.fd());
      if (fds >= 0)
        m.Int(process::kOpenFileDescriptors, fds);
      else
        Error(errors, false,
              "error reading open file descriptor count for process \"" + name_ + "\" (pid " +
                  std::string(pid_text) + "): " + std::strerror(errno));
    }
    m.Int(process::kPagingFaults, static_cast<int64_t>(st.majflt), {Attr("type", "major")});
    m.Int(process::kPagingFaults, static_cast<int64_t>(st.minflt), {Attr("type", "minor")});
    m.Int(process::kSignalsPending, static_cast<int64_t>(sigq));
    m.Int(process::kThreads, static_cast<int64_t>(st.threads));
    if (now > create_ns) m.Double(process::kUptime, double(now - create_ns) / 1e9);
    m.Finish();
  }

  void ReadIo(MetricSet& m, ScrapeErrors& errors, int dirfd, std::string_view pid_text) {
    std::string_view text, line, v;
    if (!reader_.ReadAt(dirfd, "io", &text)) {
      Error(errors, cfg_.mute_process_io_error,
            "error reading disk usage for process \"" + name_ + "\" (pid " + std::string(pid_text) +
                "): " + std::strerror(errno));
      return;
    }
    uint64_t rb = 0, wb = 0, rc = 0, wc = 0;
    while (NextLine(text, &line)) {
      if (KeyValue(line, "read_bytes", &v))
        rb = ParseU64(v);
      else if (KeyValue(line, "write_bytes", &v))
        wb = ParseU64(v);
      else if (KeyValue(line, "syscr", &v))
        rc = ParseU64(v);
      else if (KeyValue(line, "syscw", &v))
        wc = ParseU64(v);
    }
    m.Int(process::kDiskIo, static_cast<int64_t>(rb), {Attr("direction", "read")});
    m.Int(process::kDiskIo, static_cast<int64_t>(wb), {Attr("direction", "write")});
    m.Int(process::kDiskOperations, static_cast<int64_t>(rc), {Attr("direction", "read")});
    m.Int(process::kDiskOperations, static_cast<int64_t>(wc), {Attr("direction", "write")});
  }

  static int64_t CountFds(int dirfd) {
    int fd = ::openat(dirfd, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return -1;
    DIR* dir = ::fdopendir(fd);
    if (!dir) {
      ::close(fd);
      return -1;
    }
    int64_t n = 0;
    while (struct dirent* e = ::readdir(dir))
      if (e->d_name[0] != '.') ++n;
    ::closedir(dir);
    return n;
  }

  void ReadMemTotal() {
    std::string_view text, line, v;
    if (!reader_.Read("/proc/meminfo", &text)) return;
    while (NextLine(text, &line))
      if (KeyValue(line, "MemTotal", &v)) mem_total_ = ParseU64(v) * 1024;
  }

  // <root>/etc/passwd: "name:x:uid:gid:..." lines.
  void LoadPasswd() {
    users_.clear();
    std::string_view text, line;
    if (!reader_.Read("/etc/passwd", &text)) return;
    while (NextLine(text, &line)) {
      size_t c1 = line.find(':');
      if (c1 == std::string_view::npos) continue;
      size_t c2 = line.find(':', c1 + 1);
      if (c2 == std::string_view::npos) continue;
      size_t c3 = line.find(':', c2 + 1);
      std::string_view uid = line.substr(c2 + 1, c3 == std::string_view::npos ? c3 : c3 - c2 - 1);
      if (uid.empty()) continue;
      users_.emplace(ParseU64(uid), std::string(line.substr(0, c1)));
    }
  }

  // "" when unknown; a miss re-reads passwd at most once per scrape (a user added meanwhile).
  std::string_view UserName(uint64_t uid) {
    auto it = users_.find(uid);
    if (it == users_.end() && !passwd_reloaded_) {
      passwd_reloaded_ = true;
      LoadPasswd();
      it = users_.find(uid);
    }
    return it == users_.end() ? std::string_view() : std::string_view(it->second);
  }

  IncludeExclude filter_;
  std::array<bool, 8> attr_on_{};
  bool mute_all_ = false;
  uint64_t cpus_ = 1;
  uint64_t mem_total_ = 0;
  std::string name_, cmdline_;
  std::unordered_map<uint64_t, std::string> users_;
  bool passwd_reloaded_ = false;
  std::unordered_map<int64_t, CpuSample> prev_cpu_;
  uint64_t generation_ = 0;
};

}  // namespace

std::unique_ptr<Scraper> NewProcessesScraper(const HostMetricsScraperConfig& cfg,
                                             const HostEnv& env) {
  return std::make_unique<ProcessesScraper>(cfg, env);
}
std::unique_ptr<Scraper> NewProcessScraper(const HostMetricsScraperConfig& cfg,
                                           const HostEnv& env) {
  return std::make_unique<ProcessScraper>(cfg, env);
}

}  // namespace otter::hostmetrics
