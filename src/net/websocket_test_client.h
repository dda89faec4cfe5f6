// Test-only WebSocket client written from RFC 6455 over a plain socket (no Beast), so that tests
// check otter's server against the protocol rather than against the library it is built on:
// the handshake (Sec-WebSocket-Accept of the RFC's own example key), unmasked server frames,
// masked client frames, ping → pong, close frames. Blocking, with a receive timeout; one thread.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace otter::net::testing {

class WebSocketTestClient {
 public:
  // The RFC 6455 section 1.3 example key and the accept value it must produce.
  static constexpr std::string_view kKey = "dGhlIHNhbXBsZSBub25jZQ==";
  static constexpr std::string_view kAccept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

  struct Frame {
    int opcode = 0;  // 1 text, 8 close, 9 ping, 10 pong
    std::string payload;
    uint16_t close_code() const {
      return payload.size() >= 2 ? static_cast<uint16_t>((static_cast<uint8_t>(payload[0]) << 8) |
                                                         static_cast<uint8_t>(payload[1]))
                                 : 0;
    }
    std::string close_reason() const { return payload.size() > 2 ? payload.substr(2) : ""; }
  };

  ~WebSocketTestClient() {
    if (fd_ >= 0) ::close(fd_);
  }

  // Connects and sends the upgrade request for `target` (extra header lines end in \r\n).
  // Returns the server's HTTP answer head and body when it is not a 101, else "".
  std::string Connect(int port, const std::string& target, const std::string& extra_headers = "",
                      std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{static_cast<time_t>(timeout.count() / 1000),
               static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return "connect";
    SendAll("GET " + target +
            " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: " +
            std::string(kKey) + "\r\nSec-WebSocket-Version: 13\r\n" + extra_headers + "\r\n");
    size_t end;
    while ((end = buffer_.find("\r\n\r\n")) == std::string::npos)
      if (!Fill()) return "no answer: " + buffer_;
    head_ = buffer_.substr(0, end + 4);
    buffer_.erase(0, end + 4);
    if (head_.rfind("HTTP/1.1 101", 0) == 0) return "";
    // Not upgraded: read the body (Content-Length) for the caller's assertions.
    size_t cl = head_.find("Content-Length: ");
    if (cl == std::string::npos) cl = head_.find("content-length: ");
    size_t want = cl == std::string::npos ? 0 : std::stoul(head_.substr(cl + 16));
    while (buffer_.size() < want && Fill()) {
    }
    return head_ + buffer_;
  }

  const std::string& head() const { return head_; }

  // The next message (fragments joined) or close frame; answers pings. nullopt on timeout or a
  // closed connection.
  std::optional<Frame> Next() {
    std::optional<Frame> message;
    while (true) {
      bool fin = false;
      auto f = ReadFrame(&fin);
      if (!f) return std::nullopt;
      if (f->opcode == 9) {
        SendFrame(10, f->payload);
        continue;
      }
      if (f->opcode == 10) continue;
      if (f->opcode == 0 && message) {
        message->payload += f->payload;  // a continuation
      } else {
        message = std::move(f);
      }
      if (fin) return message;
    }
  }

  // Closes the TCP connection (after a close handshake, the client's part).
  void Disconnect() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  void SendClose(uint16_t code) {
    std::string p = {static_cast<char>(code >> 8), static_cast<char>(code & 0xff)};
    SendFrame(8, p);
  }
  void SendText(std::string_view text) { SendFrame(1, text); }

 private:
  bool Fill() {
    char buf[65536];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) return false;
    buffer_.append(buf, static_cast<size_t>(n));
    return true;
  }
  bool Need(size_t n) {
    while (buffer_.size() < n)
      if (!Fill()) return false;
    return true;
  }
  std::optional<Frame> ReadFrame(bool* fin) {
    if (!Need(2)) return std::nullopt;
    auto b0 = static_cast<uint8_t>(buffer_[0]), b1 = static_cast<uint8_t>(buffer_[1]);
    *fin = (b0 & 0x80) != 0;
    if (b1 & 0x80) return std::nullopt;  // a server must not mask
    uint64_t len = b1 & 0x7f;
    size_t hdr = 2;
    if (len == 126) {
      if (!Need(4)) return std::nullopt;
      len = (static_cast<uint8_t>(buffer_[2]) << 8) | static_cast<uint8_t>(buffer_[3]);
      hdr = 4;
    } else if (len == 127) {
      if (!Need(10)) return std::nullopt;
      len = 0;
      for (int i = 0; i < 8; ++i) len = (len << 8) | static_cast<uint8_t>(buffer_[2 + i]);
      hdr = 10;
    }
    if (!Need(hdr + len)) return std::nullopt;
    Frame f{b0 & 0x0f, buffer_.substr(hdr, len)};
    buffer_.erase(0, hdr + len);
    return f;
  }
  void SendFrame(int opcode, std::string_view payload) {
    std::string f;
    f.push_back(static_cast<char>(0x80 | opcode));
    const uint8_t mask[4] = {0x12, 0x34, 0x56, 0x78};
    if (payload.size() < 126) {
      f.push_back(static_cast<char>(0x80 | payload.size()));
    } else {
      f.push_back(static_cast<char>(0x80 | 126));
      f.push_back(static_cast<char>(payload.size() >> 8));
      f.push_back(static_cast<char>(payload.size() & 0xff));
    }
    f.append(reinterpret_cast<const char*>(mask), 4);
    for (size_t i = 0; i < payload.size(); ++i)
      f.push_back(static_cast<char>(payload[i] ^ mask[i % 4]));
    SendAll(f);
  }
  void SendAll(const std::string& s) {
    size_t off = 0;
    while (off < s.size()) {
      ssize_t n = ::send(fd_, s.data() + off, s.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return;
      off += static_cast<size_t>(n);
    }
  }

  int fd_ = -1;
  std::string buffer_;
  std::string head_;
};

}  // namespace otter::net::testing
