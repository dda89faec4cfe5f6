#include "net/reset_flood_guard.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <cstring>

namespace otter::net {

ResetFloodGuard::ResetFloodGuard(Options options,
                                 std::function<bool(std::string_view peer)> shut_down,
                                 telemetry::Counter* cut, std::shared_ptr<spdlog::logger> logger,
                                 std::string server)
    : options_(std::move(options)),
      shut_down_(std::move(shut_down)),
      cut_(cut),
      logger_(std::move(logger)),
      server_(std::move(server)) {}

bool ResetFloodGuard::CallEnded(std::string_view peer, bool premature_reset) {
  if (!premature_reset && tracked_.load(std::memory_order_relaxed) == 0) return false;
  uint64_t calls, resets;
  bool log = false;
  {
    std::lock_guard lock(mu_);
    const TimePoint now = options_.now();
    auto it = conns_.find(std::string(peer));
    if (it == conns_.end()) {
      if (!premature_reset) return false;
      it = conns_.try_emplace(std::string(peer)).first;
      it->second.last_seen = now;  // so that the sweep keeps it (and `it` stays valid)
      tracked_.store(conns_.size(), std::memory_order_relaxed);
      if (conns_.size() >= next_sweep_) ForgetIdle(now);
    }
    Connection& c = it->second;
    c.last_seen = now;
    ++c.calls;
    if (!premature_reset) return false;
    ++c.resets;
    if (c.cut || c.resets < options_.min_resets || c.resets * 2 < c.calls) return false;
    c.cut = true;
    calls = c.calls;
    resets = c.resets;
    if (now - last_log_ >= std::chrono::seconds(10) || last_log_ == TimePoint{}) {
      last_log_ = now;
      log = true;
    }
  }
  // Outside the lock: the descriptor scan takes a while.
  bool done = shut_down_(peer);
  if (done && cut_) cut_->Add(1);
  if (log && logger_)
    logger_->warn(
        "{}: {} the connection from {}: the client cancelled {} of its {} calls before sending "
        "a request (HTTP/2 rapid reset; counted in "
        "otter_receiver_grpc_dropped_connections_total, logged at most every 10s)",
        server_, done ? "closed" : "could not close", peer, resets, calls);
  return done;
}

void ResetFloodGuard::ForgetIdle(TimePoint now) {
  for (auto it = conns_.begin(); it != conns_.end();) {
    if (now - it->second.last_seen >= options_.forget_after)
      it = conns_.erase(it);
    else
      ++it;
  }
  tracked_.store(conns_.size(), std::memory_order_relaxed);
  next_sweep_ = std::max<size_t>(64, 2 * conns_.size());
}

namespace {

// gRPC's peer string → socket address; false if it is not "ipv4:a.b.c.d:port" or
// "ipv6:[addr]:port" (brackets possibly written %5B / %5D).
bool ParsePeer(std::string_view peer, sockaddr_storage* out) {
  std::string s(peer);
  for (auto [enc, dec] :
       {std::pair{"%5B", "["}, std::pair{"%5D", "]"}, std::pair{"%5b", "["}, std::pair{"%5d", "]"}})
    for (size_t at; (at = s.find(enc)) != std::string::npos;) s.replace(at, 3, dec);
  bool v6 = s.rfind("ipv6:", 0) == 0;
  if (!v6 && s.rfind("ipv4:", 0) != 0) return false;
  s.erase(0, 5);
  size_t colon = s.rfind(':');
  if (colon == std::string::npos) return false;
  std::string host = s.substr(0, colon);
  uint16_t port = 0;
  const char* p = s.data() + colon + 1;
  auto [end, ec] = std::from_chars(p, s.data() + s.size(), port);
  if (ec != std::errc() || end != s.data() + s.size()) return false;
  std::memset(out, 0, sizeof *out);
  if (v6) {
    if (host.size() < 2 || host.front() != '[' || host.back() != ']') return false;
    host = host.substr(1, host.size() - 2);
    if (size_t zone = host.find('%'); zone != std::string::npos) host.resize(zone);
    auto* a = reinterpret_cast<sockaddr_in6*>(out);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(port);
    return inet_pton(AF_INET6, host.c_str(), &a->sin6_addr) == 1;
  }
  auto* a = reinterpret_cast<sockaddr_in*>(out);
  a->sin_family = AF_INET;
  a->sin_port = htons(port);
  return inet_pton(AF_INET, host.c_str(), &a->sin_addr) == 1;
}

// Same address and port; an IPv4 peer also matches its v4-mapped IPv6 form (dual-stack sockets).
bool SameAddress(const sockaddr_storage& want, const sockaddr_storage& got) {
  if (want.ss_family == AF_INET && got.ss_family == AF_INET) {
    auto& w = reinterpret_cast<const sockaddr_in&>(want);
    auto& g = reinterpret_cast<const sockaddr_in&>(got);
    return w.sin_port == g.sin_port && w.sin_addr.s_addr == g.sin_addr.s_addr;
  }
  if (got.ss_family != AF_INET6) return false;
  auto& g = reinterpret_cast<const sockaddr_in6&>(got);
  if (want.ss_family == AF_INET6) {
    auto& w = reinterpret_cast<const sockaddr_in6&>(want);
    return w.sin6_port == g.sin6_port &&
           std::memcmp(&w.sin6_addr, &g.sin6_addr, sizeof g.sin6_addr) == 0;
  }
  if (want.ss_family != AF_INET || !IN6_IS_ADDR_V4MAPPED(&g.sin6_addr)) return false;
  auto& w = reinterpret_cast<const sockaddr_in&>(want);
  return w.sin_port == g.sin6_port && std::memcmp(&w.sin_addr, &g.sin6_addr.s6_addr[12], 4) == 0;
}

int LocalPort(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return -1;
  if (ss.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in&>(ss).sin_port);
  if (ss.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6&>(ss).sin6_port);
  return -1;
}

}  // namespace

bool ShutdownTcpConnection(std::string_view peer, int local_port) {
  sockaddr_storage want;
  if (!ParsePeer(peer, &want)) return false;
  DIR* dir = opendir("/proc/self/fd");
  if (!dir) return false;
  bool found = false;
  const int own = dirfd(dir);
  while (dirent* e = readdir(dir)) {
    int fd = std::atoi(e->d_name);
    if (e->d_name[0] < '0' || e->d_name[0] > '9' || fd == own) continue;
    sockaddr_storage got{};
    socklen_t len = sizeof got;
    if (getpeername(fd, reinterpret_cast<sockaddr*>(&got), &len) != 0) continue;
    if (!SameAddress(want, got) || LocalPort(fd) != local_port) continue;
    // Abortive: a flooding client has filled our receive window and only probes it now; a FIN
    // would leave it waiting for the window to open, a reset ends its connection at once.
    linger abort{1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort, sizeof abort);
    found = shutdown(fd, SHUT_RDWR) == 0;
    break;
  }
  closedir(dir);
  return found;
}

}  // namespace otter::net
