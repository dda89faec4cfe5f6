// The only translation unit that includes Beast's server side. Each connection is a Session on
// its own strand: read header → (optional early answer) → read body → hand to the handler →
// wait for the HttpResponder → write → next request or close. Sessions register in Core so that
// Stop() can close idle ones, wait for busy ones and, after a deadline, force them closed.
//
// Lifetime: Core (owning the io_context) is shared by the server and every Session; a Session
// outlives the server only while a handler still holds its HttpResponder. Once Stop() has
// finished, responders no longer post to the (stopped) io_context, they just drop the answer.
#include "net/http_server.h"

#include <algorithm>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <cctype>
#include <condition_variable>
#include <ctime>
#include <future>
#include <map>
#include <mutex>

#include "net/endpoint.h"
#include "net/http_server_internal.h"
#include "net/tls.h"

namespace otter::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

using detail::SessionBase;

namespace {

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

// RFC 9110 IMF-fixdate, e.g. "Sun, 06 Nov 1994 08:49:37 GMT".
std::string HttpDate() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

bool IsHttpParseError(const beast::error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_method).category();
}

constexpr size_t kMaxDrainBytes = 4 * 1024 * 1024;
constexpr auto kDrainTimeout = std::chrono::seconds(2);
constexpr auto kTlsShutdownTimeout = std::chrono::seconds(1);

}  // namespace

// ---- request / response / responder ----------------------------------------------------------

std::string_view HttpRequest::path() const {
  return std::string_view(target).substr(0, target.find('?'));
}

std::string_view HttpRequest::Header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (IEquals(k, name)) return v;
  return {};
}

bool HttpRequest::HasHeader(std::string_view name) const {
  for (const auto& h : headers)
    if (IEquals(h.first, name)) return true;
  return false;
}

HttpResponse HttpResponse::Text(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
  return r;
}

HttpResponse& HttpResponse::SetHeader(std::string name, std::string value) {
  std::erase_if(headers, [&](const auto& h) { return IEquals(h.first, name); });
  headers.emplace_back(std::move(name), std::move(value));
  return *this;
}

HttpResponder& HttpResponder::operator=(HttpResponder&& o) noexcept {
  if (this != &o) {
    if (sink_)
      (*this)(HttpResponse::Text(500, "internal error: request dropped without an answer\n"));
    sink_ = std::move(o.sink_);
  }
  return *this;
}

HttpResponder::~HttpResponder() {
  if (sink_)
    (*this)(HttpResponse::Text(500, "internal error: request dropped without an answer\n"));
}

void HttpResponder::operator()(HttpResponse response) {
  if (auto sink = std::move(sink_)) sink->Send(std::move(response));
}

namespace {

class SessionSink final : public HttpResponder::Sink {
 public:
  explicit SessionSink(std::shared_ptr<SessionBase> s) : session_(std::move(s)) {}
  void Send(HttpResponse response) override { session_->Deliver(std::move(response)); }

 private:
  std::shared_ptr<SessionBase> session_;
};

template <class Stream>
class Session final : public SessionBase {
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;
  using Executor = asio::any_io_executor;  // the connection's strand

 public:
  Session(std::shared_ptr<detail::HttpServerCore> core, tcp::socket socket, Executor executor,
          std::string remote)
      : core_(std::move(core)),
        executor_(std::move(executor)),
        ssl_ctx_(kTls ? core_->ssl->Current() : nullptr),
        stream_(MakeStream(std::move(socket))),
        remote_(std::move(remote)) {}

  ~Session() override {
    if (state_ != State::kClosed) core_->Unregister(id);
  }

  void Start() override {
    asio::dispatch(executor_, [self = Self()] { self->OnStart(); });
  }

  void BeginShutdown() override {
    asio::post(executor_, [self = Self()] {
      if (self->state_ == State::kIdle || self->state_ == State::kHandshake) self->Close();
    });
  }

  void ForceClose() override {
    asio::post(executor_, [self = Self()] { self->Close(); });
  }

  void Deliver(HttpResponse response) override {
    std::lock_guard lock(core_->mu);
    if (!core_->delivering) return;  // the server has stopped; nobody will write it
    asio::post(executor_, [self = Self(), r = std::move(response)]() mutable {
      self->Write(std::move(r), /*close=*/false, /*linger=*/false);
    });
  }

 private:
  enum class State { kHandshake, kIdle, kReadingBody, kHandling, kWriting, kClosing, kClosed };

  Stream MakeStream(tcp::socket socket) {
    if constexpr (kTls)
      return Stream(std::move(socket), *ssl_ctx_);
    else
      return Stream(std::move(socket));
  }
  std::shared_ptr<Session> Self() { return std::static_pointer_cast<Session>(shared_from_this()); }
  beast::tcp_stream& Tcp() { return beast::get_lowest_layer(stream_); }
  const HttpServerOptions& opts() const { return core_->options; }

  void OnStart() {
    if constexpr (kTls) {
      state_ = State::kHandshake;
      Tcp().expires_after(opts().read_header_timeout);
      stream_.async_handshake(
          asio::ssl::stream_base::server, [self = Self()](beast::error_code ec) {
            if (ec) {
              self->core_->Log(spdlog::level::debug,
                               "TLS handshake with " + self->remote_ + " failed: " + ec.message());
              self->Close();
              return;
            }
            self->ReadHeader();
          });
    } else {
      ReadHeader();
    }
  }

  void ReadHeader() {
    if (core_->stopping) {
      Close();
      return;
    }
    state_ = State::kIdle;
    head_ = HttpRequest{};
    parser_.emplace();
    parser_->header_limit(opts().max_header_size);
    // The body limit is applied once the header is in, so errors can see every header.
    parser_->body_limit(boost::none);
    // A kept-alive connection first waits (idle_timeout) for its next request to begin; the
    // headers then get read_header_timeout. When that is not shorter, one wait does for both.
    if (requests_ > 0 && buffer_.size() == 0 && opts().read_header_timeout < opts().idle_timeout) {
      Tcp().expires_after(opts().idle_timeout);
      stream_.async_read_some(buffer_.prepare(4096),
                              [self = Self()](beast::error_code ec, size_t n) {
                                if (ec) {
                                  self->Close();  // peer closed, idle timeout, shutdown
                                  return;
                                }
                                self->buffer_.commit(n);
                                self->ReadHeaderNow(self->opts().read_header_timeout);
                              });
      return;
    }
    ReadHeaderNow(requests_ > 0 ? std::min(opts().idle_timeout, opts().read_header_timeout)
                                : opts().read_header_timeout);
  }

  void ReadHeaderNow(std::chrono::milliseconds timeout) {
    ++requests_;
    Tcp().expires_after(timeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = Self()](beast::error_code ec, size_t) { self->OnHeader(ec); });
  }

  void OnHeader(beast::error_code ec) {
    if (ec) {
      if (ec == http::error::header_limit) {
        SendError(431, "request header fields are larger than " +
                           std::to_string(opts().max_header_size) + " bytes");
      } else if (IsHttpParseError(ec) && ec != http::error::end_of_stream &&
                 ec != http::error::partial_message) {
        SendError(400, "malformed HTTP request: " + ec.message());
      } else {
        if (ec == beast::error::timeout && opts().on_connection_dropped)
          opts().on_connection_dropped("read_header_timeout");
        Close();  // peer closed, timeout, reset, shutdown
      }
      return;
    }
    state_ = State::kReadingBody;
    auto& msg = parser_->get();
    if (size_t n = std::distance(msg.begin(), msg.end()); n > opts().max_header_count) {
      SendError(431, "request has " + std::to_string(n) +
                         " header fields, more than the limit of " +
                         std::to_string(opts().max_header_count));
      return;
    }
    head_.method = std::string(msg.method_string());
    head_.target = std::string(msg.target());
    for (const auto& f : msg)
      head_.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    head_.remote_address = remote_;
    keep_alive_ = msg.keep_alive();
    version_ = msg.version();

    if (opts().on_headers) {
      if (std::optional<HttpResponse> early = opts().on_headers(head_)) {
        bool body_left = !parser_->is_done();
        state_ = State::kHandling;
        Write(std::move(*early), /*close=*/body_left, /*linger=*/body_left);
        return;
      }
    }
    if (auto cl = parser_->content_length(); cl && *cl > opts().max_request_body_size) {
      SendError(413, TooLargeMessage());
      return;
    }
    parser_->body_limit(opts().max_request_body_size);
    if (parser_->is_done()) {
      OnBody({});
      return;
    }
    if (IEquals(msg[http::field::expect], "100-continue")) {
      continue_.emplace(http::status::continue_, version_);
      Tcp().expires_after(opts().write_timeout);
      http::async_write(stream_, *continue_, [self = Self()](beast::error_code ec, size_t) {
        if (ec)
          self->Close();
        else
          self->ReadBody();
      });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    // Beast reads at most the buffer's free room per call (512 bytes when it has none): room for
    // the body keeps a 60 KB request to a few reads instead of ~120.
    uint64_t want = parser_->content_length().value_or(64 * 1024);
    buffer_.reserve(static_cast<size_t>(std::clamp<uint64_t>(want, 4096, 1 << 20)));
    Tcp().expires_after(opts().read_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = Self()](beast::error_code ec, size_t) { self->OnBody(ec); });
  }

  void OnBody(beast::error_code ec) {
    if (ec == http::error::body_limit) {
      SendError(413, TooLargeMessage());
      return;
    }
    if (ec) {
      if (IsHttpParseError(ec) && ec != http::error::end_of_stream &&
          ec != http::error::partial_message)
        SendError(400, "malformed HTTP request body: " + ec.message());
      else
        Close();
      return;
    }
    Tcp().expires_never();
    if (opts().websocket && beast::websocket::is_upgrade(parser_->get())) {
      Upgrade();
      return;
    }
    HttpRequest request = std::move(head_);
    request.body = std::move(parser_->get().body());
    parser_.reset();
    // An idle keep-alive connection does not hold on to room for a large body.
    if (buffer_.size() == 0 && buffer_.capacity() > 64 * 1024) buffer_.shrink_to_fit();
    state_ = State::kHandling;
    HttpResponder respond(std::make_shared<SessionSink>(Self()));
    try {
      core_->handler(std::move(request), std::move(respond));
    } catch (const std::exception& e) {
      // The responder (moved into the handler) answered 500 when it was destroyed.
      core_->Log(spdlog::level::err, std::string("HTTP handler threw: ") + e.what());
    }
  }

  // A WebSocket upgrade request: the handler refuses it with an HTTP answer, or the socket takes
  // over the connection (stream and registration) and this session ends without closing it.
  void Upgrade() {
    state_ = State::kHandling;
    auto socket = detail::NewWebSocketSession(core_, executor_, remote_, kTls);
    std::optional<HttpResponse> refusal;
    try {
      refusal = opts().websocket(head_, socket);
    } catch (const std::exception& e) {
      core_->Log(spdlog::level::err, std::string("WebSocket handler threw: ") + e.what());
      refusal = HttpResponse::Text(500, "internal error\n");
    }
    if (refusal) {
      socket->Abandon();
      Write(std::move(*refusal), /*close=*/true, /*linger=*/false);
      return;
    }
    socket->id = id;
    {
      std::lock_guard lock(core_->mu);
      core_->sessions[id] = socket;
    }
    state_ = State::kClosed;  // the registration and the stream belong to the socket now
    socket->Accept(std::move(stream_), parser_->release());
    parser_.reset();
  }

  std::string TooLargeMessage() const {
    return "request body is larger than the limit of " +
           std::to_string(opts().max_request_body_size) + " bytes";
  }

  // An error the server answers by itself; the connection closes afterwards (the rest of the
  // request, if any, is not read).
  void SendError(int status, const std::string& message) {
    HttpResponse r = opts().error_response ? opts().error_response(head_, status, message)
                                           : HttpResponse::Text(status, message + "\n");
    state_ = State::kHandling;
    Write(std::move(r), /*close=*/true, /*linger=*/true);
  }

  void Write(HttpResponse r, bool close, bool linger) {
    if (state_ != State::kHandling) return;  // closed meanwhile, or a second answer
    state_ = State::kWriting;
    res_.emplace();
    res_->version(version_);
    res_->result(static_cast<unsigned>(r.status));
    for (auto& [name, value] : r.headers) res_->insert(name, value);
    if (res_->find(http::field::date) == res_->end()) res_->set(http::field::date, HttpDate());
    bool keep = keep_alive_ && !close && !core_->stopping;
    res_->keep_alive(keep);
    if (IEquals(head_.method, "HEAD")) {
      res_->content_length(r.body.size());
    } else {
      res_->body() = std::move(r.body);
      res_->prepare_payload();
    }
    close_after_write_ = !keep;
    linger_ = linger;
    Tcp().expires_after(opts().write_timeout);
    http::async_write(stream_, *res_,
                      [self = Self()](beast::error_code ec, size_t) { self->OnWrite(ec); });
  }

  void OnWrite(beast::error_code ec) {
    res_.reset();
    if (ec) {
      Close();
      return;
    }
    if (!close_after_write_) {
      ReadHeader();
      return;
    }
    state_ = State::kClosing;
    if constexpr (kTls) {
      Tcp().expires_after(kTlsShutdownTimeout);
      stream_.async_shutdown([self = Self()](beast::error_code) { self->Close(); });
    } else {
      beast::error_code ignored;
      Tcp().socket().shutdown(tcp::socket::shutdown_send, ignored);
      if (!linger_) {
        Close();
        return;
      }
      // Read and discard what the client is still sending, so that closing does not reset the
      // connection before the client has read our answer.
      drained_ = 0;
      Tcp().expires_after(kDrainTimeout);
      Drain();
    }
  }

  void Drain() {
    drain_buf_.resize(64 * 1024);
    Tcp().async_read_some(asio::buffer(drain_buf_),
                          [self = Self()](beast::error_code ec, size_t n) {
                            self->drained_ += n;
                            if (ec || self->drained_ > kMaxDrainBytes)
                              self->Close();
                            else
                              self->Drain();
                          });
  }

  void Close() {
    if (state_ == State::kClosed) return;
    state_ = State::kClosed;
    beast::error_code ignored;
    Tcp().socket().shutdown(tcp::socket::shutdown_both, ignored);
    Tcp().close();
    core_->Unregister(id);
  }

  std::shared_ptr<detail::HttpServerCore> core_;  // first: destroyed last (owns the io_context)
  Executor executor_;
  std::shared_ptr<asio::ssl::context> ssl_ctx_;  // the one this connection started with
  Stream stream_;
  std::string remote_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::empty_body>> continue_;
  std::optional<http::response<http::string_body>> res_;
  HttpRequest head_;
  State state_ = State::kIdle;
  bool keep_alive_ = true;
  unsigned version_ = 11;
  uint64_t requests_ = 0;  // requests begun on this connection
  bool close_after_write_ = false;
  bool linger_ = false;
  size_t drained_ = 0;
  std::vector<char> drain_buf_;
};

}  // namespace

// ---- listener --------------------------------------------------------------------------------

class HttpServer::Listener {
 public:
  explicit Listener(std::shared_ptr<detail::HttpServerCore> core)
      : core_(std::move(core)),
        acceptor_(asio::make_strand(core_->ioc)),
        retry_timer_(acceptor_.get_executor()) {}

  Status Listen(const tcp::endpoint& ep, const std::string& shown) {
    beast::error_code ec;
    auto fail = [&](const char* op) {
      return FailedPrecondition("listen tcp " + shown + ": " + op + ": " + ec.message());
    };
    acceptor_.open(ep.protocol(), ec);
    if (ec) return fail("socket");
    if (ep.address().is_v6() && ep.address().is_unspecified()) {
      acceptor_.set_option(asio::ip::v6_only(false), ec);  // "::" also takes IPv4, as Go does
      if (ec) return fail("setsockopt");
    }
    acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (ec) return fail("setsockopt");
    acceptor_.bind(ep, ec);
    if (ec) return fail("bind");
    acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return fail("listen");
    return Status::Ok();
  }

  tcp::endpoint local_endpoint() const {
    beast::error_code ec;
    return acceptor_.local_endpoint(ec);
  }

  void Accept() {
    acceptor_.async_accept(
        asio::make_strand(core_->ioc),
        [this](beast::error_code ec, tcp::socket socket) { OnAccept(ec, std::move(socket)); });
  }

  // Closes the acceptor on its strand and waits until that has happened.
  void Close() {
    std::promise<void> done;
    asio::post(acceptor_.get_executor(), [&] {
      beast::error_code ignored;
      retry_timer_.cancel();
      acceptor_.close(ignored);
      done.set_value();
    });
    done.get_future().wait();
  }

 private:
  void OnAccept(beast::error_code ec, tcp::socket socket) {
    if (!acceptor_.is_open()) return;
    if (ec) {
      // E.g. out of file descriptors: back off a little instead of spinning.
      core_->Log(spdlog::level::warn, "HTTP accept failed: " + ec.message());
      retry_timer_.expires_after(std::chrono::milliseconds(100));
      retry_timer_.async_wait([this](beast::error_code wait_ec) {
        if (!wait_ec && acceptor_.is_open()) Accept();
      });
      return;
    }
    {
      // Responses are small and written at once: don't let Nagle hold them back (tens of ms).
      beast::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
    }
    if (core_->stopping) {
      beast::error_code ignored;
      socket.close(ignored);
    } else {
      StartSession(std::move(socket));
    }
    Accept();
  }

  void StartSession(tcp::socket socket) {
    beast::error_code ec;
    auto ep = socket.remote_endpoint(ec);
    std::string remote = ec ? "?" : ep.address().to_string() + ":" + std::to_string(ep.port());
    asio::any_io_executor executor = socket.get_executor();  // a strand: see Accept()
    std::shared_ptr<SessionBase> session;
    if (core_->ssl) {
      session = std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(
          core_, std::move(socket), executor, remote);
    } else {
      session =
          std::make_shared<Session<beast::tcp_stream>>(core_, std::move(socket), executor, remote);
    }
    {
      std::lock_guard lock(core_->mu);
      if (core_->sessions.size() >= core_->options.max_connections) {
        int64_t refused = ++core_->refused_connections;
        int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::steady_clock::now().time_since_epoch())
                          .count();
        int64_t last = core_->last_refusal_log.load();
        if (now - last >= 10 && core_->last_refusal_log.compare_exchange_strong(last, now)) {
          core_->Log(spdlog::level::warn, "HTTP server " + remote + ": connection refused, " +
                                              std::to_string(core_->options.max_connections) +
                                              " connections open (" + std::to_string(refused) +
                                              " refused so far)");
        }
        session->id = UINT64_MAX;  // never registered
        if (core_->options.on_connection_dropped)
          core_->options.on_connection_dropped("max_connections");
        return;  // destroying the session closes the socket
      }
      session->id = core_->next_id++;
      core_->sessions[session->id] = session;
    }
    session->Start();
  }

  std::shared_ptr<detail::HttpServerCore> core_;
  tcp::acceptor acceptor_;
  asio::steady_timer retry_timer_;
};

// ---- server ----------------------------------------------------------------------------------

HttpServer::HttpServer(HttpServerOptions options, HttpHandler handler)
    : options_(std::move(options)), handler_(std::move(handler)) {}

HttpServer::~HttpServer() { Stop(); }

Status HttpServer::Start() {
  if (started_) return FailedPrecondition("HTTP server already started");
  ASSIGN_OR_RETURN(HostPort hp, ParseEndpoint(options_.endpoint));
  int threads = std::max(1, options_.threads);
  core_ = std::make_shared<detail::HttpServerCore>(threads);
  core_->options = options_;
  core_->handler = handler_;
  if (options_.tls) {
    std::weak_ptr<detail::HttpServerCore> weak = core_;
    ASSIGN_OR_RETURN(core_->ssl,
                     SslContextSource::ForServer(*options_.tls, [weak](const Status& s) {
                       if (auto core = weak.lock())
                         core->Log(spdlog::level::warn, "HTTP server: " + std::string(s.message()));
                     }));
  }

  beast::error_code ec;
  asio::ip::address addr = asio::ip::make_address(hp.BindHost(), ec);
  if (ec) {
    tcp::resolver resolver(core_->ioc);
    auto results = resolver.resolve(hp.host, std::to_string(hp.port), ec);
    if (ec || results.empty())
      return FailedPrecondition("listen tcp " + options_.endpoint + ": cannot resolve host \"" +
                                hp.host + "\": " + (ec ? ec.message() : "no addresses"));
    addr = results.begin()->endpoint().address();
  }
  // Like Go's net.Listen, a wildcard IPv4 address listens on every interface, IPv6 included,
  // where the host has IPv6.
  if (addr.is_v4() && addr.is_unspecified()) {
    tcp::socket probe(core_->ioc);
    beast::error_code v6_ec;
    probe.open(tcp::v6(), v6_ec);
    if (!v6_ec) addr = asio::ip::address_v6::any();
  }
  listener_ = std::make_unique<Listener>(core_);
  HostPort shown{addr.to_string(), hp.port};
  RETURN_IF_ERROR(listener_->Listen(tcp::endpoint(addr, hp.port), shown.ToString()));
  port_ = listener_->local_endpoint().port();
  address_ = HostPort{addr.to_string(), static_cast<uint16_t>(port_)}.ToString();
  listener_->Accept();

  core_->work.emplace(core_->ioc.get_executor());
  for (int i = 0; i < threads; ++i) {
    threads_.emplace_back([core = core_] {
      for (;;) {
        try {
          core->ioc.run();
          return;
        } catch (const std::exception& e) {
          core->Log(spdlog::level::err, std::string("HTTP server I/O thread: ") + e.what());
        }
      }
    });
  }
  started_ = true;
  return Status::Ok();
}

void HttpServer::Stop() {
  if (!started_ || stopped_) return;
  stopped_ = true;
  core_->stopping = true;
  listener_->Close();

  auto for_each_session = [this](auto fn) {
    std::vector<std::shared_ptr<SessionBase>> live;
    {
      std::lock_guard lock(core_->mu);
      for (auto& [id, weak] : core_->sessions)
        if (auto s = weak.lock()) live.push_back(std::move(s));
    }
    for (auto& s : live) fn(*s);
  };
  auto wait_empty = [this](std::chrono::milliseconds timeout) {
    std::unique_lock lock(core_->mu);
    return core_->cv.wait_for(lock, timeout, [&] { return core_->sessions.empty(); });
  };

  for_each_session([](SessionBase& s) { s.BeginShutdown(); });
  if (!wait_empty(options_.shutdown_timeout)) {
    core_->Log(spdlog::level::warn,
               "HTTP server " + address_ +
                   ": requests still unanswered at shutdown; closing their connections");
    for_each_session([](SessionBase& s) { s.ForceClose(); });
    wait_empty(std::chrono::seconds(5));
  }
  {
    std::lock_guard lock(core_->mu);
    core_->delivering = false;
  }
  core_->work.reset();
  core_->ioc.stop();
  for (auto& t : threads_) t.join();
  threads_.clear();
  // Run what was queued before delivery stopped, so queued handlers release their sessions.
  core_->ioc.restart();
  core_->ioc.poll();
}

}  // namespace otter::net
