// HostEnv: what the resourcedetection detectors read from the host — environment variables,
// files, the OS host name, name resolution and the machine type — behind one small seam so
// tests pass a fake (no global state). RealHostEnv() reads the running host.
// Thread-safety: the real functions are thread-safe; a HostEnv is copied into the detection thread.
#pragma once

#include <functional>
#include <optional>
#include <string>

namespace otter::resourcedetection {

struct HostEnv {
  // The value of an environment variable, or nullopt when unset.
  std::function<std::optional<std::string>(const std::string& name)> getenv;
  // A whole (small) file, or nullopt when unreadable.
  std::function<std::optional<std::string>(const std::string& path)> read_file;
  // The kernel's host name (gethostname), or nullopt.
  std::function<std::optional<std::string>()> hostname;
  // The canonical (fully qualified) name of `host` from the resolver (/etc/hosts, then DNS), or
  // nullopt.
  std::function<std::optional<std::string>(const std::string& host)> canonical_name;
  // uname's machine ("x86_64", "aarch64", ...).
  std::string machine;
  // uname's system, lowercased ("linux").
  std::string system;
};

HostEnv RealHostEnv();

}  // namespace otter::resourcedetection
