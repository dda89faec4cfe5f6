// HttpServer: a small HTTP/1.1 server (Boost.Beast underneath, kept out of this header) for the
// OTLP/HTTP receiver, the health_check extension and the self-metrics endpoint. Keep-alive,
// chunked request bodies, a request-body limit enforced while reading (413), optional TLS / mTLS.
//
// Handlers are asynchronous: a handler gets the request and a move-only HttpResponder; it may
// answer at once or later from any thread (e.g. when the pipeline's Completion fires). The
// connection waits for that answer before it reads the next request; no thread is blocked.
//
// Thread-safety: Start/Stop/port are called by the owner (one thread). Handlers run on the
// server's I/O threads, possibly concurrently for different connections. HttpResponder may be
// called from any thread, once.
#pragma once

#include <spdlog/logger.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "common/status.h"
#include "net/tls_config.h"

namespace otter::net {

namespace detail {
struct HttpServerCore;  // http_server.cc
}

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method;          // "POST", as sent
  std::string target;          // "/v1/traces?x=1", as sent
  HttpHeaders headers;         // in arrival order, names as sent
  std::string body;            // de-chunked; Content-Encoding is NOT undone here
  std::string remote_address;  // "ip:port" of the peer

  // The path part of the target (before any '?').
  std::string_view path() const;
  // First header with this name (case-insensitive), or "" if absent.
  std::string_view Header(std::string_view name) const;
  bool HasHeader(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  HttpHeaders headers;  // Content-Length and Connection are set by the server
  std::string body;

  static HttpResponse Text(int status, std::string body);        // text/plain; charset=utf-8
  HttpResponse& SetHeader(std::string name, std::string value);  // replaces same-named ones
};

// The one answer to a request. Move-only; calling it more than once does nothing. Destroying it
// unanswered sends 500, so a connection is never left hanging.
class HttpResponder {
 public:
  // Where the answer goes (a connection, or a test double).
  class Sink {
   public:
    virtual ~Sink() = default;
    virtual void Send(HttpResponse response) = 0;
  };

  HttpResponder() = default;
  explicit HttpResponder(std::shared_ptr<Sink> sink) : sink_(std::move(sink)) {}
  HttpResponder(HttpResponder&&) noexcept = default;
  HttpResponder& operator=(HttpResponder&& o) noexcept;
  HttpResponder(const HttpResponder&) = delete;
  HttpResponder& operator=(const HttpResponder&) = delete;
  ~HttpResponder();

  void operator()(HttpResponse response);
  explicit operator bool() const { return sink_ != nullptr; }

 private:
  std::shared_ptr<Sink> sink_;
};

using HttpHandler = std::function<void(HttpRequest&& request, HttpResponder respond)>;

// The server side of a WebSocket connection (RFC 6455) after an upgrade; text messages out,
// incoming messages are read and discarded (pings are answered). Every method may be called from
// any thread.
class WebSocket {
 public:
  virtual ~WebSocket() = default;
  // Queues a text message. False, and nothing queued, once the connection is closed or while it
  // holds HttpServerOptions::websocket_max_queued_bytes unsent: the caller decides what to drop.
  virtual bool SendText(std::string message) = 0;
  // Sends the queued messages, then a close frame with `code` (RFC 6455 7.4) and `reason`.
  virtual void Close(uint16_t code, std::string reason) = 0;
  // False once the connection has ended (closed by either side, or failed).
  virtual bool closed() const = 0;
  // `fn` runs once when the connection has ended, on an I/O thread (at once when it already has).
  virtual void OnClose(std::function<void()> fn) = 0;
};

// Called on an I/O thread for a WebSocket upgrade request (a GET with "Upgrade: websocket").
// Returns the HTTP answer that refuses the upgrade, or nullopt to accept it: `socket` then carries
// the conversation (messages sent before the handshake has completed wait in its queue).
using WebSocketHandler = std::function<std::optional<HttpResponse>(
    const HttpRequest& request, std::shared_ptr<WebSocket> socket)>;

struct HttpServerOptions {
  std::string endpoint = "localhost:0";  // host:port (net/endpoint.h); port 0 = any free port
  int threads = 1;                       // I/O threads
  uint64_t max_request_body_size = 20 * 1024 * 1024;  // on the wire (before Content-Encoding)
  uint32_t max_header_size = 1024 * 1024;             // request line + headers (Go's default)
  uint32_t max_header_count = 1000;                   // header fields per request; more → 431
  size_t max_connections = 10000;                     // more are accepted and closed at once
  std::optional<TlsServerSettings> tls;               // set → HTTPS only
  // Keep-alive: how long a connection may wait for the first byte of its next request.
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(60)};
  // From a request's first byte (a new connection's start, TLS handshake included) to the end
  // of its headers: a client that trickles its headers (slowloris) is cut off after this.
  std::chrono::milliseconds read_header_timeout{std::chrono::seconds(60)};
  std::chrono::milliseconds read_timeout{std::chrono::seconds(60)};  // the body of one request
  std::chrono::milliseconds write_timeout{std::chrono::seconds(30)};
  // How long Stop() waits for in-flight requests to be answered before closing them.
  std::chrono::milliseconds shutdown_timeout{std::chrono::seconds(30)};
  std::shared_ptr<spdlog::logger> logger;  // optional

  // Optional: called with the request's line and headers (empty body) before the body is read.
  // Returning a response sends it without reading the body (the connection then closes), e.g. to
  // refuse a wrong method or content type before a large upload.
  std::function<std::optional<HttpResponse>(const HttpRequest& head)> on_headers;
  // Optional: formats the errors the server itself produces (413 body too large, 400 malformed
  // request, 431 headers too large) so a protocol can use its own error body.
  // `head` has the request's headers when they were parsed (empty otherwise).
  std::function<HttpResponse(const HttpRequest& head, int status, std::string_view message)>
      error_response;

  // Optional: called (on an I/O thread) when the server drops a connection on its own:
  // "max_connections" (refused at accept) or "read_header_timeout" (headers not complete in
  // time: slowloris). For self-metrics.
  std::function<void(const char* reason)> on_connection_dropped;

  // Optional: takes WebSocket upgrade requests (unset: they go to the handler as plain requests).
  WebSocketHandler websocket;
  size_t websocket_max_queued_bytes = 4 * 1024 * 1024;
  // A WebSocket that received nothing (not even a pong) for this long is closed; it is pinged
  // after half of it.
  std::chrono::milliseconds websocket_idle_timeout{std::chrono::seconds(10)};
};

class HttpServer {
 public:
  HttpServer(HttpServerOptions options, HttpHandler handler);
  ~HttpServer();  // Stop()s
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Loads TLS material, binds and listens, starts the I/O threads. Errors name the endpoint,
  // e.g. "listen tcp 127.0.0.1:4318: Address already in use".
  Status Start();
  // Stops accepting, closes idle connections, waits (up to shutdown_timeout) for in-flight
  // requests to be answered, then closes everything and joins the threads. Idempotent.
  void Stop();

  // The bound port (the real one when the endpoint said 0); 0 before Start.
  int port() const { return port_; }
  // "127.0.0.1:port" as bound.
  const std::string& address() const { return address_; }

 private:
  class Listener;
  HttpServerOptions options_;
  HttpHandler handler_;
  std::shared_ptr<detail::HttpServerCore> core_;
  std::unique_ptr<Listener> listener_;
  std::vector<std::thread> threads_;
  int port_ = 0;
  std::string address_;
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace otter::net
