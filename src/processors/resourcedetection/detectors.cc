#include "processors/resourcedetection/detectors.h"

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

namespace otter::resourcedetection {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

int Hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string TrimSpaceAndNewlines(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  return s.substr(i);
}

}  // namespace

StatusOr<std::string> PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    int hi = i + 1 < s.size() ? Hex(s[i + 1]) : -1;
    int lo = i + 2 < s.size() ? Hex(s[i + 2]) : -1;
    if (hi < 0 || lo < 0)
      return InvalidArgument("invalid URL escape \"" +
                             std::string(s.substr(i, std::min<size_t>(3, s.size() - i))) + "\"");
    out += static_cast<char>(hi << 4 | lo);
    i += 2;
  }
  return out;
}

StatusOr<Detected> DetectEnv(const HostEnv& env) {
  std::string var = "OTEL_RESOURCE_ATTRIBUTES";
  std::optional<std::string> raw = env.getenv(var);
  if (!raw || Trim(*raw).empty()) {
    var = "OTEL_RESOURCE";
    raw = env.getenv(var);
    if (!raw || Trim(*raw).empty()) return Detected{};
  }
  const std::string_view all = Trim(*raw);
  Detected out;
  size_t start = 0;
  while (start <= all.size()) {
    size_t comma = all.find(',', start);
    if (comma == std::string_view::npos) comma = all.size();
    std::string_view item = all.substr(start, comma - start);
    if (comma == all.size() && start == all.size() && !out.empty()) break;  // "a=b," is fine
    size_t eq = item.find('=');
    std::string_view key = eq == std::string_view::npos ? item : Trim(item.substr(0, eq));
    if (eq == std::string_view::npos || key.empty())
      return InvalidArgument(var + ": invalid resource format, invalid text: \"" +
                             std::string(Trim(item)) + "\"");
    auto value = PercentDecode(Trim(item.substr(eq + 1)));
    if (!value.ok())
      return InvalidArgument(var + ": invalid resource format in attribute: \"" +
                             std::string(Trim(item)) +
                             "\", err: " + std::string(value.status().message()));
    auto it = std::find_if(out.begin(), out.end(), [&](const auto& kv) { return kv.first == key; });
    if (it != out.end())
      it->second = std::move(*value);  // a later duplicate wins, as a map put does
    else
      out.emplace_back(std::string(key), std::move(*value));
    start = comma + 1;
  }
  return out;
}

std::string HostArch(std::string_view m) {
  if (m == "x86_64" || m == "amd64") return "amd64";
  if (m == "aarch64" || m == "arm64" || m == "aarch64_be") return "arm64";
  if (m == "i386" || m == "i486" || m == "i586" || m == "i686" || m == "x86") return "x86";
  if (m.starts_with("arm")) return "arm32";
  if (m == "ppc64" || m == "ppc64le") return "ppc64";
  if (m == "ppc" || m == "ppcle") return "ppc32";
  if (m == "s390x") return "s390x";
  if (m == "ia64") return "ia64";
  return std::string(m);
}

StatusOr<Detected> DetectSystem(const SystemDetectorConfig& cfg, const HostEnv& env) {
  Detected out;
  if (cfg.Enabled("host.name")) {
    std::optional<std::string> name;
    std::string tried;
    for (const auto& source : cfg.hostname_sources) {
      if (source == "os") {
        name = env.hostname();
      } else if (source == "dns") {
        if (auto h = env.hostname()) name = env.canonical_name(*h);
      }
      if (name && !name->empty()) break;
      name.reset();
      tried += (tried.empty() ? "" : ", ") + source;
    }
    if (!name)
      return Unavailable("failed to get host name: all hostname sources failed (" + tried + ")");
    out.emplace_back("host.name", *name);
  }
  if (cfg.Enabled("host.id")) {
    std::optional<std::string> id;
    for (const char* path : {"/etc/machine-id", "/var/lib/dbus/machine-id"}) {
      if (auto text = env.read_file(path)) {
        std::string t = TrimSpaceAndNewlines(*text);
        if (!t.empty()) {
          id = std::move(t);
          break;
        }
      }
    }
    if (!id)
      return Unavailable(
          "failed to get host ID: neither /etc/machine-id nor /var/lib/dbus/machine-id is "
          "readable");
    out.emplace_back("host.id", *id);
  }
  if (cfg.Enabled("os.type"))
    out.emplace_back("os.type", env.system.empty() ? "linux" : env.system);
  if (cfg.Enabled("host.arch")) out.emplace_back("host.arch", HostArch(env.machine));
  return out;
}

StatusOr<Detected> DetectAll(const ResourceDetectionConfig& cfg, const HostEnv& env) {
  Detected merged;
  for (const auto& name : cfg.detectors) {
    StatusOr<Detected> got =
        name == "env" ? DetectEnv(env)
        : name == "system" || name == kHostDetectorAlias
            ? DetectSystem(cfg.system, env)
            : StatusOr<Detected>(InvalidArgument("invalid detector key: " + name));
    if (!got.ok()) return got.status().Annotate("detector \"" + name + "\"");
    for (auto& kv : *got) {
      const std::string& key = kv.first;
      bool present =
          std::any_of(merged.begin(), merged.end(), [&](const auto& m) { return m.first == key; });
      if (!present) merged.push_back(std::move(kv));
    }
  }
  return merged;
}

StatusOr<Detected> DetectWithTimeout(const ResourceDetectionConfig& cfg, HostEnv env) {
  struct Shared {
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;                                              // GUARDED_BY(mu)
    StatusOr<Detected> result = Internal("detection did not run");  // GUARDED_BY(mu)
  };
  auto shared = std::make_shared<Shared>();
  std::thread([shared, cfg, env = std::move(env)] {
    auto r = DetectAll(cfg, env);
    std::lock_guard<std::mutex> lock(shared->mu);
    shared->result = std::move(r);
    shared->done = true;
    shared->cv.notify_all();
  }).detach();
  std::unique_lock<std::mutex> lock(shared->mu);
  if (!shared->cv.wait_for(lock, cfg.timeout, [&] { return shared->done; }))
    return DeadlineExceeded("resource detection did not finish within timeout " +
                            config::FormatDuration(cfg.timeout));
  return std::move(shared->result);
}

}  // namespace otter::resourcedetection
