#include "receivers/hostmetrics/config.h"

#include <re2/re2.h>
#include <sys/stat.h>

#include <cstring>

namespace otter {
namespace {

using hostmetrics::ScraperKind;
using C = HostMetricsScraperConfig;

const config::Table<HostMetricsMatchSet>& MatchSetTable(const std::string& list_key) {
  using M = HostMetricsMatchSet;
  auto make = [](const std::string& key) {
    return config::Table<M>()
        .Field(key, &M::items, "names to match")
        .Field("match_type", &M::match_type, "strict (exact names) or regexp (RE2, unanchored)");
  };
  static const config::Table<M> devices = make("devices");
  static const config::Table<M> interfaces = make("interfaces");
  static const config::Table<M> names = make("names");
  static const config::Table<M> fs_types = make("fs_types");
  static const config::Table<M> mount_points = make("mount_points");
  if (list_key == "devices") return devices;
  if (list_key == "interfaces") return interfaces;
  if (list_key == "names") return names;
  if (list_key == "fs_types") return fs_types;
  return mount_points;
}

// `metrics:` / `resource_attributes:`: a map of known names to `{enabled: bool}`.
template <class Defs>
config::Table<C>::ParseFn ToggleParser(Defs defs, std::map<std::string, bool> C::*member,
                                       std::string what) {
  return [defs, member, what](const config::Node& n, C& c, config::Diagnostics& d) {
    if (!n.IsMap()) {
      d.Error(n, "expected a map of " + what + " names");
      return;
    }
    std::vector<std::string> known;
    for (const auto& def : defs) known.emplace_back(def.name);
    for (const auto& [name, value] : n.map) {
      const config::Node& at = value.line ? value : n;
      bool found = false;
      for (const auto& k : known) found |= k == name;
      if (!found) {
        std::string near = config::NearestName(name, known);
        d.Error(at, "unknown " + what + " \"" + name + "\"" +
                        (near.empty() ? "" : "; did you mean \"" + near + "\"?"));
        continue;
      }
      if (value.IsNull()) continue;
      if (!value.IsMap()) {
        d.Error(at, what + " \"" + name + "\": expected a map with the key \"enabled\"");
        continue;
      }
      for (const auto& [key, v] : value.map) {
        if (key != "enabled") {
          d.Error(v.line ? v : at, "unknown key \"" + key + "\" for " + what + " \"" + name +
                                       "\" (valid keys: enabled)");
          continue;
        }
        bool on = false;
        if (config::ParseValue(v, on, d)) (c.*member)[name] = on;
      }
    }
  };
}

config::Table<C> BaseTable(ScraperKind kind) {
  return config::Table<C>().Custom(
      "metrics", "map", "see docs", "per-metric `<name>: {enabled: bool}` overrides",
      ToggleParser(hostmetrics::MetricDefs(kind), &C::metrics, "metric"));
}

config::Table<C> BuildTable(ScraperKind kind) {
  config::Table<C> t = BaseTable(kind);
  switch (kind) {
    case ScraperKind::kDisk:
      return std::move(t)
          .Section("include", &C::include, MatchSetTable("devices"), "devices to scrape")
          .Section("exclude", &C::exclude, MatchSetTable("devices"), "devices to skip");
    case ScraperKind::kNetwork:
      return std::move(t)
          .Section("include", &C::include, MatchSetTable("interfaces"), "interfaces to scrape")
          .Section("exclude", &C::exclude, MatchSetTable("interfaces"), "interfaces to skip");
    case ScraperKind::kFilesystem:
      return std::move(t)
          .Field("include_virtual_filesystems", &C::include_virtual_filesystems,
                 "also report file systems without a block device (tmpfs, proc, overlay, ...)")
          .Section("include_devices", &C::include_devices, MatchSetTable("devices"),
                   "devices to report")
          .Section("exclude_devices", &C::exclude_devices, MatchSetTable("devices"),
                   "devices to skip")
          .Section("include_fs_types", &C::include_fs_types, MatchSetTable("fs_types"),
                   "file system types to report")
          .Section("exclude_fs_types", &C::exclude_fs_types, MatchSetTable("fs_types"),
                   "file system types to skip")
          .Section("include_mount_points", &C::include_mount_points, MatchSetTable("mount_points"),
                   "mount points (host paths) to report")
          .Section("exclude_mount_points", &C::exclude_mount_points, MatchSetTable("mount_points"),
                   "mount points (host paths) to skip");
    case ScraperKind::kLoad:
      return std::move(t).Field("cpu_average", &C::cpu_average,
                                "divide the load averages by the number of logical CPUs");
    case ScraperKind::kProcess:
      return std::move(t)
          .Custom("resource_attributes", "map", "see docs",
                  "per-attribute `<name>: {enabled: bool}` overrides",
                  ToggleParser(hostmetrics::ResourceAttrDefs(kind), &C::resource_attributes,
                               "resource attribute"))
          .Section("include", &C::include, MatchSetTable("names"),
                   "executable names of the processes to scrape")
          .Section("exclude", &C::exclude, MatchSetTable("names"),
                   "executable names of the processes to skip")
          .Field("mute_process_all_errors", &C::mute_process_all_errors,
                 "report no per-process read errors at all")
          .Field("mute_process_name_error", &C::mute_process_name_error,
                 "do not report processes whose name cannot be read (they vanished)")
          .Field("mute_process_exe_error", &C::mute_process_exe_error,
                 "do not report unreadable /proc/<pid>/exe (other users' processes)")
          .Field("mute_process_io_error", &C::mute_process_io_error,
                 "do not report unreadable /proc/<pid>/io")
          .Field("mute_process_user_error", &C::mute_process_user_error,
                 "do not report owners whose user name cannot be found")
          .Field("mute_process_cgroup_error", &C::mute_process_cgroup_error,
                 "accepted for compatibility (process.cgroup is not collected)")
          .Field("scrape_process_delay", &C::scrape_process_delay,
                 "skip processes younger than this");
    default:
      return t;
  }
}

const config::Table<C>& ScraperTable(ScraperKind kind) {
  static const auto* tables = [] {
    auto* v = new std::vector<config::Table<C>>();
    for (size_t i = 0; i < hostmetrics::kScraperKinds; ++i)
      v->push_back(BuildTable(static_cast<ScraperKind>(i)));
    return v;
  }();
  return (*tables)[static_cast<size_t>(kind)];
}

void ParseScrapers(const config::Node& n, HostMetricsReceiverConfig& c, config::Diagnostics& d) {
  if (!n.IsMap()) {
    d.Error(n, "scrapers: expected a map of scraper names");
    return;
  }
  std::vector<std::string> names;
  for (size_t i = 0; i < hostmetrics::kScraperKinds; ++i)
    names.emplace_back(hostmetrics::ScraperName(static_cast<ScraperKind>(i)));
  for (const auto& [key, value] : n.map) {
    size_t i = 0;
    while (i < names.size() && names[i] != key) ++i;
    const config::Node& at = value.line ? value : n;
    if (i == names.size()) {
      std::string near = config::NearestName(key, names);
      d.Error(at, "invalid scraper key: " + key +
                      (near.empty() ? "" : "; did you mean \"" + near + "\"?"));
      continue;
    }
    auto& slot = c.scrapers[i];
    slot.emplace();
    ScraperTable(static_cast<ScraperKind>(i)).Parse(value, *slot, d);
  }
}

Status ValidateMatchSet(const HostMetricsMatchSet& m, const std::string& where) {
  if (m.items.empty()) return Status::Ok();
  if (m.match_type != "strict" && m.match_type != "regexp")
    return InvalidArgument(where + ": unrecognized match_type: '" + m.match_type +
                           "', valid types are: [regexp strict]");
  if (m.match_type == "regexp") {
    for (const auto& item : m.items) {
      RE2 re(item, RE2::Quiet);
      if (!re.ok())
        return InvalidArgument(where + ": error parsing regexp `" + item + "`: " + re.error());
    }
  }
  return Status::Ok();
}

}  // namespace

bool HostMetricsScraperConfig::MetricEnabled(ScraperKind kind, size_t i) const {
  const auto& def = hostmetrics::MetricDefs(kind)[i];
  auto it = metrics.find(std::string(def.name));
  return it == metrics.end() ? def.enabled : it->second;
}

bool HostMetricsScraperConfig::ResourceAttrEnabled(ScraperKind kind, size_t i) const {
  const auto& def = hostmetrics::ResourceAttrDefs(kind)[i];
  auto it = resource_attributes.find(std::string(def.name));
  return it == resource_attributes.end() ? def.enabled : it->second;
}

Status HostMetricsReceiverConfig::Validate() const {
  if (collection_interval <= config::Duration::zero())
    return InvalidArgument("collection_interval: requires positive value");
  if (initial_delay < config::Duration::zero())
    return InvalidArgument("initial_delay: must not be negative");
  if (timeout < config::Duration::zero())
    return InvalidArgument("timeout: requires positive value");
  bool any = false;
  for (const auto& s : scrapers) any |= s.has_value();
  if (!any)
    return InvalidArgument(
        "scrapers: must specify at least one scraper when using hostmetrics receiver");
  if (!root_path.empty() && root_path != "/") {
    struct stat st;
    if (::stat(root_path.c_str(), &st) != 0)
      return InvalidArgument("root_path: invalid root_path: stat " + root_path + ": " +
                             std::strerror(errno));
    if (!S_ISDIR(st.st_mode))
      return InvalidArgument("root_path: invalid root_path: " + root_path + " is not a directory");
  }
  for (size_t i = 0; i < scrapers.size(); ++i) {
    if (!scrapers[i]) continue;
    const auto& s = *scrapers[i];
    std::string p = "scrapers: " + std::string(hostmetrics::ScraperName(ScraperKind(i))) + ": ";
    RETURN_IF_ERROR(ValidateMatchSet(s.include, p + "include"));
    RETURN_IF_ERROR(ValidateMatchSet(s.exclude, p + "exclude"));
    RETURN_IF_ERROR(ValidateMatchSet(s.include_devices, p + "include_devices"));
    RETURN_IF_ERROR(ValidateMatchSet(s.exclude_devices, p + "exclude_devices"));
    RETURN_IF_ERROR(ValidateMatchSet(s.include_fs_types, p + "include_fs_types"));
    RETURN_IF_ERROR(ValidateMatchSet(s.exclude_fs_types, p + "exclude_fs_types"));
    RETURN_IF_ERROR(ValidateMatchSet(s.include_mount_points, p + "include_mount_points"));
    RETURN_IF_ERROR(ValidateMatchSet(s.exclude_mount_points, p + "exclude_mount_points"));
    if (s.scrape_process_delay < config::Duration::zero())
      return InvalidArgument(p + "scrape_process_delay: must not be negative");
  }
  return Status::Ok();
}

const config::Table<HostMetricsReceiverConfig>& HostMetricsReceiverConfigTable() {
  using R = HostMetricsReceiverConfig;
  static const config::Table<R> table =
      config::Table<R>()
          .Field("collection_interval", &R::collection_interval, "time between two scrapes")
          .Field("initial_delay", &R::initial_delay, "wait before the first scrape")
          .Field("timeout", &R::timeout, "accepted as in otelcol; reading /proc is never cut short")
          .Field("root_path", &R::root_path,
                 "the host's root directory: /proc, /sys, /etc and mount points are read "
                 "below it (e.g. /hostfs in a container)")
          .Custom("scrapers", "map", "none (required)",
                  "cpu, disk, filesystem, load, memory, network, paging, processes, process: "
                  "each key enables that scraper with its settings",
                  ParseScrapers);
  return table;
}

}  // namespace otter
