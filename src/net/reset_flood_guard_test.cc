#include "net/reset_flood_guard.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

namespace otter::net {
namespace {

using namespace std::chrono_literals;

struct Fixture {
  ResetFloodGuard::TimePoint now{std::chrono::hours(1)};
  std::vector<std::string> shut;
  telemetry::Counter cut;
  std::unique_ptr<ResetFloodGuard> guard;

  explicit Fixture(uint32_t min_resets = 4) {
    ResetFloodGuard::Options o;
    o.min_resets = min_resets;
    o.forget_after = 60s;
    o.now = [this] { return now; };
    guard = std::make_unique<ResetFloodGuard>(
        o,
        [this](std::string_view peer) {
          shut.emplace_back(peer);
          return true;
        },
        &cut, nullptr, "test");
  }
};

TEST(ResetFloodGuardTest, CutsAConnectionWhoseCallsAreMostlyResetEarly) {
  Fixture f;
  const std::string attacker = "ipv4:10.0.0.1:4000", other = "ipv4:10.0.0.2:4000";
  for (int i = 0; i < 3; ++i) {
    EXPECT_FALSE(f.guard->CallEnded(attacker, true));
    EXPECT_FALSE(f.guard->CallEnded(other, false));
  }
  EXPECT_TRUE(f.shut.empty());
  EXPECT_TRUE(f.guard->CallEnded(attacker, true));  // the 4th: at min_resets
  EXPECT_EQ(f.shut, std::vector<std::string>{attacker});
  EXPECT_EQ(f.cut.value(), 1u);
  // Once cut, later calls of the same connection (gRPC's backlog) do not cut again.
  EXPECT_FALSE(f.guard->CallEnded(attacker, true));
  EXPECT_EQ(f.shut.size(), 1u);
}

TEST(ResetFloodGuardTest, KeepsAConnectionWhoseResetsAreUnderHalfItsCalls) {
  Fixture f;
  const std::string client = "ipv6:[::1]:5000";
  // 1 reset per 2 normal calls: 10 resets in 30 calls, never half.
  for (int i = 0; i < 10; ++i) {
    EXPECT_FALSE(f.guard->CallEnded(client, true));
    EXPECT_FALSE(f.guard->CallEnded(client, false));
    EXPECT_FALSE(f.guard->CallEnded(client, false));
  }
  EXPECT_TRUE(f.shut.empty());
  // A run of resets brings it to half: 10 + 20 resets in 30 + 20 calls.
  bool cut = false;
  for (int i = 0; i < 20; ++i) cut = f.guard->CallEnded(client, true) || cut;
  EXPECT_TRUE(cut);
  EXPECT_EQ(f.shut, std::vector<std::string>{client});
}

TEST(ResetFloodGuardTest, NormalCallsAloneAreNotTracked) {
  Fixture f;
  for (int i = 0; i < 100; ++i) f.guard->CallEnded("ipv4:10.0.0.1:" + std::to_string(i), false);
  EXPECT_EQ(f.guard->tracked(), 0u);
}

TEST(ResetFloodGuardTest, ForgetsIdleConnections) {
  Fixture f(/*min_resets=*/1000);
  for (int i = 0; i < 63; ++i) f.guard->CallEnded("ipv4:10.0.0.1:" + std::to_string(i), true);
  EXPECT_EQ(f.guard->tracked(), 63u);
  f.now += 61s;
  f.guard->CallEnded("ipv4:10.0.0.2:1", true);  // the 64th entry sweeps the idle ones
  EXPECT_EQ(f.guard->tracked(), 1u);
}

// A loopback listener and one connection to it; `server` is the accepted end. With `dual_stack`
// the listener is [::] and the client connects to `client_host` over IPv4 or IPv6.
struct Loopback {
  int listener = -1, client = -1, server = -1;
  int port = 0;
  std::string client_address;  // host part of the client's address, e.g. "127.0.0.1", "::1"
  uint16_t client_port = 0;
  explicit Loopback(bool dual_stack = false, const char* client_host = "127.0.0.1") {
    sockaddr_in6 l{};
    l.sin6_family = AF_INET6;
    l.sin6_addr = in6addr_any;
    sockaddr_in l4{};
    l4.sin_family = AF_INET;
    l4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    listener = socket(dual_stack ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
    sockaddr* la = dual_stack ? reinterpret_cast<sockaddr*>(&l) : reinterpret_cast<sockaddr*>(&l4);
    socklen_t len = dual_stack ? sizeof l : sizeof l4;
    if (bind(listener, la, len) != 0 || listen(listener, 4) != 0) return;
    getsockname(listener, la, &len);
    port = ntohs(dual_stack ? l.sin6_port : l4.sin_port);
    sockaddr_storage to{};
    bool v6 = std::string(client_host).find(':') != std::string::npos;
    if (v6) {
      auto* t = reinterpret_cast<sockaddr_in6*>(&to);
      t->sin6_family = AF_INET6;
      t->sin6_port = htons(static_cast<uint16_t>(port));
      inet_pton(AF_INET6, client_host, &t->sin6_addr);
    } else {
      auto* t = reinterpret_cast<sockaddr_in*>(&to);
      t->sin_family = AF_INET;
      t->sin_port = htons(static_cast<uint16_t>(port));
      inet_pton(AF_INET, client_host, &t->sin_addr);
    }
    client = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
    if (connect(client, reinterpret_cast<sockaddr*>(&to),
                v6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in)) != 0) {
      close(client);
      client = -1;
      return;
    }
    server = accept(listener, nullptr, nullptr);
    sockaddr_storage c{};
    len = sizeof c;
    getsockname(client, reinterpret_cast<sockaddr*>(&c), &len);
    client_address = client_host;
    client_port = ntohs(v6 ? reinterpret_cast<sockaddr_in6&>(c).sin6_port
                           : reinterpret_cast<sockaddr_in&>(c).sin_port);
  }
  ~Loopback() {
    for (int fd : {listener, client, server})
      if (fd >= 0) close(fd);
  }
  // The client's address as gRPC's peer() writes it.
  std::string Peer() const {
    return client_address.find(':') == std::string::npos
               ? "ipv4:" + client_address + ":" + std::to_string(client_port)
               : "ipv6:%5B" + client_address + "%5D:" + std::to_string(client_port);
  }
  // True if the client has been reset, not just sent a FIN, once the server's owner closed its
  // descriptor: its very first send fails (after a FIN it would succeed).
  bool ClientWasReset() {
    char c;
    EXPECT_EQ(recv(server, &c, 1, 0), 0);  // the owner's reads end...
    close(server);                         // ...so it closes, as gRPC does
    server = -1;
    EXPECT_EQ(recv(client, &c, 1, MSG_DONTWAIT), 0);  // the FIN of the shutdown came first
    return send(client, "x", 1, MSG_NOSIGNAL) == -1 && (errno == ECONNRESET || errno == EPIPE);
  }
};

TEST(ShutdownTcpConnectionTest, ResetsTheConnectionFromThatPeerOnly) {
  Loopback a, b;
  ASSERT_GE(a.server, 0);
  ASSERT_GE(b.server, 0);
  EXPECT_FALSE(ShutdownTcpConnection(a.Peer(), b.port));  // right peer, wrong local port
  EXPECT_FALSE(ShutdownTcpConnection("ipv4:127.0.0.1:1", a.port));
  EXPECT_FALSE(ShutdownTcpConnection("unix:/tmp/x.sock", a.port));
  EXPECT_FALSE(ShutdownTcpConnection("ipv4:127.0.0.1", a.port));
  ASSERT_TRUE(ShutdownTcpConnection(a.Peer(), a.port));
  EXPECT_TRUE(a.ClientWasReset());
  // The other connection is untouched.
  char c;
  ASSERT_EQ(send(b.client, "x", 1, MSG_NOSIGNAL), 1);
  EXPECT_EQ(recv(b.server, &c, 1, 0), 1);
}

// gRPC listens on [::] and reports an IPv4 client as "ipv4:..." (the socket says ::ffff:a.b.c.d).
TEST(ShutdownTcpConnectionTest, FindsIpv4ClientsOfADualStackListener) {
  Loopback a(/*dual_stack=*/true, "127.0.0.1");
  ASSERT_GE(a.server, 0);
  ASSERT_TRUE(ShutdownTcpConnection(a.Peer(), a.port));
  EXPECT_TRUE(a.ClientWasReset());
}

TEST(ShutdownTcpConnectionTest, FindsIpv6ClientsWithEncodedBrackets) {
  Loopback a(/*dual_stack=*/true, "::1");
  if (a.server < 0) GTEST_SKIP() << "no IPv6 loopback here";
  EXPECT_FALSE(ShutdownTcpConnection("ipv6:[::1]:1", a.port));
  ASSERT_TRUE(ShutdownTcpConnection(a.Peer(), a.port));  // "ipv6:%5B::1%5D:port"
  EXPECT_TRUE(a.ClientWasReset());
}

}  // namespace
}  // namespace otter::net
