// What http_server.cc and websocket_session.cc share: the server core (io_context, options, the
// registry of open connections that Stop() closes) and the interface of a registered connection.
// Included by those two files only; it pulls in Asio and Beast.
// Thread-safety: HttpServerCore::mu guards the registry; the rest is set before the I/O threads
// start, or atomic.
#pragma once

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "net/http_server.h"
#include "net/tls.h"

namespace otter::net::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;

// A registered connection: an HTTP session, or a WebSocket after its upgrade.
class SessionBase : public std::enable_shared_from_this<SessionBase> {
 public:
  virtual ~SessionBase() = default;
  virtual void Start() = 0;
  // Close now if idle between requests; otherwise close after the current answer.
  virtual void BeginShutdown() = 0;
  virtual void ForceClose() = 0;
  // From any thread: the handler's answer.
  virtual void Deliver(HttpResponse response) = 0;
  uint64_t id = 0;
};

struct HttpServerCore {
  explicit HttpServerCore(int threads) : ioc(threads) {}
  asio::io_context ioc;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  HttpServerOptions options;
  HttpHandler handler;
  std::shared_ptr<SslContextSource> ssl;  // null = plain HTTP
  std::atomic<bool> stopping{false};
  std::atomic<int64_t> refused_connections{0};
  std::atomic<int64_t> last_refusal_log{0};  // steady-clock seconds; logs at most every 10s

  std::mutex mu;
  std::condition_variable cv;                               // signalled when a session ends
  std::map<uint64_t, std::weak_ptr<SessionBase>> sessions;  // GUARDED_BY(mu)
  uint64_t next_id = 0;                                     // GUARDED_BY(mu)
  bool delivering = true;  // GUARDED_BY(mu): responders may still post to the I/O threads

  void Unregister(uint64_t id) {
    std::lock_guard lock(mu);
    sessions.erase(id);
    cv.notify_all();
  }
  void Log(spdlog::level::level_enum lvl, const std::string& msg) const {
    if (options.logger) options.logger->log(lvl, "{}", msg);
  }
};

using UpgradeRequest = beast::http::request<beast::http::string_body>;

// A WebSocket connection before and after its handshake (websocket_session.cc). The HTTP session
// that read the upgrade request creates it, offers it to the WebSocketHandler and, when accepted,
// hands over its stream with Accept(); the socket then registers under the HTTP session's id.
class WebSocketSession : public WebSocket, public SessionBase {
 public:
  // Only the overload for the stream type the session was made for is valid.
  virtual void Accept(beast::tcp_stream&& stream, UpgradeRequest&& request) = 0;
  virtual void Accept(beast::ssl_stream<beast::tcp_stream>&& stream, UpgradeRequest&& request) = 0;
  // The handler refused the upgrade: the socket ends without ever opening.
  virtual void Abandon() = 0;
};

std::shared_ptr<WebSocketSession> NewWebSocketSession(std::shared_ptr<HttpServerCore> core,
                                                      asio::any_io_executor executor,
                                                      std::string remote, bool tls);

}  // namespace otter::net::detail
