#include "processors/resourcedetection/host_env.h"

#include <netdb.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace otter::resourcedetection {

HostEnv RealHostEnv() {
  HostEnv e;
  e.getenv = [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (!v) return std::nullopt;
    return std::string(v);
  };
  e.read_file = [](const std::string& path) -> std::optional<std::string> {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };
  e.hostname = []() -> std::optional<std::string> {
    char buf[256];
    if (gethostname(buf, sizeof buf) != 0) return std::nullopt;
    buf[sizeof buf - 1] = '\0';
    return std::string(buf);
  };
  e.canonical_name = [](const std::string& host) -> std::optional<std::string> {
    addrinfo hints{};
    hints.ai_flags = AI_CANONNAME;
    hints.ai_family = AF_UNSPEC;
    addrinfo* res = nullptr;
    if (getaddrinfo(host.c_str(), nullptr, &hints, &res) != 0 || !res) return std::nullopt;
    std::optional<std::string> out;
    if (res->ai_canonname && *res->ai_canonname) out = std::string(res->ai_canonname);
    freeaddrinfo(res);
    return out;
  };
  utsname u{};
  if (uname(&u) == 0) {
    e.machine = u.machine;
    for (const char* p = u.sysname; *p; ++p)
      e.system += static_cast<char>(std::tolower(static_cast<unsigned char>(*p)));
  }
  return e;
}

}  // namespace otter::resourcedetection
