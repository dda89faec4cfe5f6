// The server side of a WebSocket connection (the only translation unit with Beast's WebSocket
// code). Runs on the strand of the HTTP session that read the upgrade request: accept the
// handshake → read (and discard) incoming messages, so pings are answered and a close is seen →
// write queued text messages one at a time → close. Beast's own timeout pings an idle peer and
// ends a connection that stays silent for websocket_idle_timeout.
#include <boost/asio/post.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <deque>
#include <vector>

#include "net/http_server_internal.h"

namespace otter::net::detail {

namespace {

namespace websocket = beast::websocket;

constexpr size_t kMaxIncomingMessage = 64 * 1024;

template <class Stream>
class WebSocketSessionImpl final : public WebSocketSession {
 public:
  WebSocketSessionImpl(std::shared_ptr<HttpServerCore> core, asio::any_io_executor executor,
                       std::string remote)
      : core_(std::move(core)), executor_(std::move(executor)), remote_(std::move(remote)) {}

  ~WebSocketSessionImpl() override {
    if (accepted_ && !finished_) core_->Unregister(id);
  }

  // ---- WebSocket (any thread)

  bool SendText(std::string message) override {
    {
      std::lock_guard lock(mu_);
      if (closed_ || close_requested_ ||
          queued_bytes_ + message.size() > core_->options.websocket_max_queued_bytes)
        return false;
      queued_bytes_ += message.size();
      queue_.push_back(std::move(message));
    }
    asio::post(executor_, [self = Self()] { self->WriteNext(); });
    return true;
  }

  void Close(uint16_t code, std::string reason) override {
    {
      std::lock_guard lock(mu_);
      if (closed_ || close_requested_) return;
      close_requested_ = true;
      close_reason_.code = code;
      // A close frame's payload holds at most 123 bytes of reason (RFC 6455 5.5).
      if (reason.size() > close_reason_.reason.max_size())
        reason.resize(close_reason_.reason.max_size());
      close_reason_.reason.assign(reason.data(), reason.size());
    }
    asio::post(executor_, [self = Self()] { self->WriteNext(); });
  }

  bool closed() const override {
    std::lock_guard lock(mu_);
    return closed_;
  }

  void OnClose(std::function<void()> fn) override {
    {
      std::lock_guard lock(mu_);
      if (!closed_) {
        on_close_.push_back(std::move(fn));
        return;
      }
    }
    fn();
  }

  // ---- WebSocketSession / SessionBase (the strand)

  void Accept(beast::tcp_stream&& stream, UpgradeRequest&& request) override {
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      Open(std::move(stream), std::move(request));
    } else {
      Finish();
    }
  }

  void Accept(beast::ssl_stream<beast::tcp_stream>&& stream, UpgradeRequest&& request) override {
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      Finish();
    } else {
      Open(std::move(stream), std::move(request));
    }
  }

  void Abandon() override { Finish(); }

  void Start() override {}
  void BeginShutdown() override {
    Close(websocket::close_code::going_away, "server shutting down");
  }
  void ForceClose() override {
    asio::post(executor_, [self = Self()] { self->Finish(); });
  }
  void Deliver(HttpResponse) override {}  // a WebSocket has no HTTP answers

 private:
  std::shared_ptr<WebSocketSessionImpl> Self() {
    return std::static_pointer_cast<WebSocketSessionImpl>(shared_from_this());
  }

  template <class S>
  void Open(S&& stream, UpgradeRequest&& request) {
    accepted_ = true;
    ws_.emplace(std::forward<S>(stream));
    beast::get_lowest_layer(*ws_).expires_never();  // the WebSocket timeout below takes over
    websocket::stream_base::timeout timeout{};
    timeout.handshake_timeout = core_->options.write_timeout;
    timeout.idle_timeout = core_->options.websocket_idle_timeout;
    timeout.keep_alive_pings = true;
    ws_->set_option(timeout);
    ws_->read_message_max(kMaxIncomingMessage);
    ws_->auto_fragment(false);  // a message goes out as one frame
    request_ = std::move(request);
    ws_->async_accept(request_, [self = Self()](beast::error_code ec) {
      if (ec) {
        self->core_->Log(spdlog::level::debug,
                         "WebSocket handshake with " + self->remote_ + " failed: " + ec.message());
        self->Finish();
        return;
      }
      self->request_ = {};
      self->open_ = true;
      self->Read();
      self->WriteNext();
    });
  }

  void Read() {
    ws_->async_read(read_buffer_, [self = Self()](beast::error_code ec, size_t) {
      if (ec) {
        self->Finish();  // closed by the peer, timed out, or failed
        return;
      }
      self->read_buffer_.clear();
      self->Read();
    });
  }

  // Starts the next write (a queued message, else the requested close) unless one is running.
  void WriteNext() {
    if (!open_ || writing_ || finished_) return;
    std::optional<websocket::close_reason> close;
    {
      std::lock_guard lock(mu_);
      if (!queue_.empty()) {
        writing_ = true;
        current_ = std::move(queue_.front());
        queue_.pop_front();
      } else if (close_requested_ && !close_sent_) {
        close_sent_ = true;
        close = close_reason_;
      }
    }
    if (writing_) {
      ws_->text(true);
      ws_->async_write(asio::buffer(current_), [self = Self()](beast::error_code ec, size_t) {
        {
          std::lock_guard lock(self->mu_);
          self->queued_bytes_ -= self->current_.size();
        }
        self->writing_ = false;
        self->current_.clear();
        if (ec) {
          self->Finish();
          return;
        }
        self->WriteNext();
      });
    } else if (close) {
      // After our close frame, the pending read sees the peer's answer and finishes.
      ws_->async_close(*close, [self = Self()](beast::error_code ec) {
        if (ec) self->Finish();
      });
    }
  }

  void Finish() {
    if (finished_) return;
    finished_ = true;
    std::vector<std::function<void()>> callbacks;
    {
      std::lock_guard lock(mu_);
      closed_ = true;
      callbacks.swap(on_close_);
      queue_.clear();
      queued_bytes_ = 0;
    }
    if (ws_) {
      beast::error_code ignored;
      auto& tcp = beast::get_lowest_layer(*ws_);
      tcp.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
      tcp.close();
    }
    if (accepted_) core_->Unregister(id);
    for (auto& fn : callbacks) fn();
  }

  std::shared_ptr<HttpServerCore> core_;  // first: destroyed last (owns the io_context)
  asio::any_io_executor executor_;
  std::string remote_;
  std::optional<websocket::stream<Stream>> ws_;
  UpgradeRequest request_;  // kept alive during the handshake
  beast::flat_buffer read_buffer_;
  std::string current_;  // the message being written
  // Strand only:
  bool accepted_ = false;
  bool open_ = false;
  bool writing_ = false;
  bool finished_ = false;

  mutable std::mutex mu_;
  std::deque<std::string> queue_;                // GUARDED_BY(mu_)
  size_t queued_bytes_ = 0;                      // GUARDED_BY(mu_), includes current_
  bool closed_ = false;                          // GUARDED_BY(mu_)
  bool close_requested_ = false;                 // GUARDED_BY(mu_)
  bool close_sent_ = false;                      // GUARDED_BY(mu_)
  websocket::close_reason close_reason_;         // GUARDED_BY(mu_)
  std::vector<std::function<void()>> on_close_;  // GUARDED_BY(mu_)
};

}  // namespace

std::shared_ptr<WebSocketSession> NewWebSocketSession(std::shared_ptr<HttpServerCore> core,
                                                      asio::any_io_executor executor,
                                                      std::string remote, bool tls) {
  if (tls)
    return std::make_shared<WebSocketSessionImpl<beast::ssl_stream<beast::tcp_stream>>>(
        std::move(core), std::move(executor), std::move(remote));
  return std::make_shared<WebSocketSessionImpl<beast::tcp_stream>>(
      std::move(core), std::move(executor), std::move(remote));
}

}  // namespace otter::net::detail
