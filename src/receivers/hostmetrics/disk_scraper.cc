// The `disk` scraper (/proc/diskstats) and the `filesystem` scraper (the mounts of
// /proc/1/mountinfo, statvfs of each mount point below root_path), as otelcol-contrib reports
// them on Linux. Like gopsutil's partition list, the filesystem scraper skips file systems
// without a block device (the `nodev` types of /proc/filesystems) unless
// include_virtual_filesystems is set.
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "receivers/hostmetrics/scraper.h"

namespace otter::hostmetrics {
namespace {

class DiskScraper final : public Scraper {
 public:
  DiskScraper(const HostMetricsScraperConfig& cfg, const HostEnv& env)
      : Scraper(ScraperKind::kDisk, cfg, env), filter_(cfg.include, cfg.exclude) {}

  void Scrape(pdata::MetricBatch& batch, ScrapeErrors& errors) override {
    const uint64_t now = env_.now_ns();
    std::string_view text, line;
    if (!ReadOrReport("/proc/diskstats", &text, errors)) return;
    MetricSet m = Begin(batch, boot_ns_, now);
    while (NextLine(text, &line)) {
      SkipFields(line, 2);  // major, minor
      std::string_view name = NextField(line);
      uint64_t f[11];
      size_t n = 0;
      for (; n < 11; ++n) {
        std::string_view v = NextField(line);
        if (v.empty()) break;
        f[n] = ParseU64(v);
      }
      if (name.empty() || n < 11 || !filter_.Allows(name)) continue;  // malformed or filtered
      std::string_view dev = batch.arenas().Copy(name);
      auto i64 = [](uint64_t v) { return static_cast<int64_t>(v); };
      auto secs = [](uint64_t ms) { return static_cast<double>(ms) / 1000.0; };
      pdata::KeyValue d = Attr("device", dev);
      pdata::KeyValue r = Attr("direction", "read"), w = Attr("direction", "write");
      m.Int(disk::kIo, i64(f[2] * 512), {d, r});
      m.Int(disk::kIo, i64(f[6] * 512), {d, w});
      m.Double(disk::kIoTime, secs(f[9]), {d});
      m.Int(disk::kMerged, i64(f[1]), {d, r});
      m.Int(disk::kMerged, i64(f[5]), {d, w});
      m.Double(disk::kOperationTime, secs(f[3]), {d, r});
      m.Double(disk::kOperationTime, secs(f[7]), {d, w});
      m.Int(disk::kOperations, i64(f[0]), {d, r});
      m.Int(disk::kOperations, i64(f[4]), {d, w});
      m.Int(disk::kPendingOperations, i64(f[8]), {d});
      m.Double(disk::kWeightedIoTime, secs(f[10]), {d});
    }
    m.Finish();
  }

 private:
  IncludeExclude filter_;
};

struct Partition {
  std::string device, mountpoint, fstype;
  std::string_view mode;
  FsStat stat;
};

class FilesystemScraper final : public Scraper {
 public:
  FilesystemScraper(const HostMetricsScraperConfig& cfg, const HostEnv& env)
      : Scraper(ScraperKind::kFilesystem, cfg, env),
        devices_(cfg.include_devices, cfg.exclude_devices),
        fs_types_(cfg.include_fs_types, cfg.exclude_fs_types),
        mount_points_(cfg.include_mount_points, cfg.exclude_mount_points) {}

  void Scrape(pdata::MetricBatch& batch, ScrapeErrors& errors) override {
    const uint64_t now = env_.now_ns();
    if (!cfg_.include_virtual_filesystems && !ReadDeviceFsTypes(errors)) return;
    std::string_view text, line;
    if (!reader_.Read("/proc/1/mountinfo", &text) &&
        !ReadOrReport("/proc/self/mountinfo", &text, errors,
                      "failed collecting partitions information: reading"))
      return;
    used_ = 0;
    while (NextLine(text, &line)) ParseMount(line);
    MetricSet m = Begin(batch, boot_ns_, now);
    for (size_t i = 0; i < used_; ++i) {
      Partition& p = parts_[i];
      if (!env_.statvfs(reader_.Path(p.mountpoint), &p.stat)) {
        errors.Add("filesystem: failed to read usage at " + reader_.root() + p.mountpoint + ": " +
                   std::strerror(errno));
        continue;
      }
      pdata::KeyValue a[] = {Attr("device", batch.arenas().Copy(p.device)), Attr("mode", p.mode),
                             Attr("mountpoint", batch.arenas().Copy(p.mountpoint)),
                             Attr("type", batch.arenas().Copy(p.fstype))};
      const FsStat& s = p.stat;
      uint64_t reserved = s.total > s.used + s.free ? s.total - s.used - s.free : 0;
      m.Int(filesystem::kUsage, int64_t(s.used), {a[0], a[1], a[2], a[3], Attr("state", "used")});
      m.Int(filesystem::kUsage, int64_t(s.free), {a[0], a[1], a[2], a[3], Attr("state", "free")});
      m.Int(filesystem::kUsage, int64_t(reserved),
            {a[0], a[1], a[2], a[3], Attr("state", "reserved")});
      double denom = double(s.used) + double(s.free);
      m.Double(filesystem::kUtilization, denom > 0 ? double(s.used) / denom : 0,
               {a[0], a[1], a[2], a[3]});
      uint64_t iused = s.inodes_total > s.inodes_free ? s.inodes_total - s.inodes_free : 0;
      m.Int(filesystem::kInodesUsage, int64_t(iused),
            {a[0], a[1], a[2], a[3], Attr("state", "used")});
      m.Int(filesystem::kInodesUsage, int64_t(s.inodes_free),
            {a[0], a[1], a[2], a[3], Attr("state", "free")});
    }
    m.Finish();
  }

 private:
  // The file system types backed by a device: /proc/filesystems lines without "nodev" (zfs
  // counts too, as gopsutil has it).
  bool ReadDeviceFsTypes(ScrapeErrors& errors) {
    std::string_view text, line;
    if (!ReadOrReport("/proc/filesystems", &text, errors)) return false;
    fs_text_.assign(text);  // the views below point into it until the next scrape
    text = fs_text_;
    device_types_.clear();
    while (NextLine(text, &line)) {
      std::string_view first = NextField(line);
      if (first == "nodev") {
        if (NextField(line) == "zfs") device_types_.push_back("zfs");
      } else if (!first.empty()) {
        device_types_.push_back(first);
      }
    }
    return true;
  }

  // "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue"
  void ParseMount(std::string_view line) {
    size_t sep = line.find(" - ");
    if (sep == std::string_view::npos) return;
    std::string_view head = line.substr(0, sep), tail = line.substr(sep + 3);
    SkipFields(head, 2);
    std::string_view majmin = NextField(head);
    NextField(head);  // root of the mount within its file system
    std::string_view mountpoint = NextField(head);
    std::string_view opts = NextField(head);
    std::string_view fstype = NextField(tail);
    std::string_view device = NextField(tail);
    if (mountpoint.empty() || fstype.empty()) return;
    if (!cfg_.include_virtual_filesystems) {
      bool physical = false;
      for (const auto& t : device_types_) physical |= t == fstype;
      if (device == "none" || !physical) return;
    }
    // Partitions are reused from scrape to scrape: their strings keep their capacity.
    if (used_ == parts_.size()) parts_.emplace_back();
    Partition& p = parts_[used_];
    UnescapeOctal(device, &p.device);
    if (p.device == "/dev/root") ResolveRootDevice(majmin, &p.device);
    UnescapeOctal(mountpoint, &p.mountpoint);
    p.fstype.assign(fstype);
    p.mode = "unknown";
    for (std::string_view o = opts; !o.empty();) {
      size_t comma = o.find(',');
      std::string_view opt = o.substr(0, comma);
      if (opt == "rw") {
        p.mode = "rw";
        break;
      }
      if (opt == "ro") p.mode = "ro";
      o = comma == std::string_view::npos ? std::string_view() : o.substr(comma + 1);
    }
    if (!devices_.Allows(p.device) || !fs_types_.Allows(p.fstype) ||
        !mount_points_.Allows(p.mountpoint))
      return;
    ++used_;
  }

  // /dev/root names no real device: the kernel's link for its major:minor does.
  void ResolveRootDevice(std::string_view majmin, std::string* device) {
    char target[256];
    ssize_t n = ::readlink(reader_.Path("/sys/dev/block/", majmin), target, sizeof target - 1);
    if (n <= 0) return;
    std::string_view t(target, static_cast<size_t>(n));
    size_t slash = t.rfind('/');
    *device = "/dev/" + std::string(slash == std::string_view::npos ? t : t.substr(slash + 1));
  }

  IncludeExclude devices_, fs_types_, mount_points_;
  std::string fs_text_;
  std::vector<std::string_view> device_types_;  // into fs_text_
  std::vector<Partition> parts_;
  size_t used_ = 0;  // parts_[0, used_) are this scrape's
};

}  // namespace

std::unique_ptr<Scraper> NewDiskScraper(const HostMetricsScraperConfig& cfg, const HostEnv& env) {
  return std::make_unique<DiskScraper>(cfg, env);
}
std::unique_ptr<Scraper> NewFilesystemScraper(const HostMetricsScraperConfig& cfg,
                                              const HostEnv& env) {
  return std::make_unique<FilesystemScraper>(cfg, env);
}

}  // namespace otter::hostmetrics
