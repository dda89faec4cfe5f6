// OTLP/HTTP driver: keep-alive HTTP/1.1 connections (Boost.Beast, asynchronous), each POSTing one
// application/x-protobuf request at a time to /v1/<signal>, optionally gzip-encoded. Thread t runs
// its own io_context with connections t, t + threads, ...; a connection's handlers all run there.
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <thread>

#include "driver.h"
#include "otlp/proto_codec.h"

namespace otter::loadgen {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

struct Target {
  tcp::resolver::results_type endpoints;
  std::string host;  // Host header
  std::string path;
};

// One keep-alive connection. Thread-safety: used only on its io_context's thread.
class HttpConnection {
 public:
  HttpConnection(asio::io_context& io, const RunContext& ctx, const Target& target, StatsSink& sink,
                 uint32_t index)
      : opts_(ctx.opts),
        schedule_(ctx.schedule),
        limiter_(ctx.limiter),
        target_(target),
        sink_(sink),
        stream_(io),
        timer_(io),
        builder_(ctx, index, ctx.opts.gzip),
        timeout_(std::chrono::duration_cast<Clock::duration>(
            std::chrono::duration<double>(ctx.opts.timeout_s))) {
    const Options& opts = ctx.opts;
    req_.method(http::verb::post);
    req_.target(target.path);
    req_.version(11);
    req_.set(http::field::host, target.host);
    req_.set(http::field::user_agent, "otter-loadgen");
    req_.set(http::field::content_type, "application/x-protobuf");
    if (opts.gzip) req_.set(http::field::content_encoding, "gzip");
    req_.keep_alive(true);
  }

  // Blocking connect, before the clock starts.
  Status ConnectNow() {
    error_code ec;
    stream_.connect(target_.endpoints, ec);
    if (ec) return Unavailable("connect to " + opts_.endpoint + ": " + ec.message());
    stream_.socket().set_option(tcp::no_delay(true), ec);
    return Status::Ok();
  }

  void Start() { ScheduleNext(Clock::time_point{}); }

  // At the end of the run: abandon whatever is outstanding.
  void Stop() {
    stopped_ = true;
    timer_.cancel();
    error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
  }

 private:
  void ScheduleNext(Clock::time_point not_before) {
    if (stopped_ || Clock::now() >= schedule_.end) return;
    Clock::time_point at = std::max(limiter_.Acquire(), not_before);
    if (at >= schedule_.end) return;
    if (at <= Clock::now()) return Send();
    timer_.expires_at(at);
    timer_.async_wait([this](error_code ec) {
      if (!ec && !stopped_) Send();
    });
  }

  void Send() {
    if (!stream_.socket().is_open()) return Reconnect();
    items_ = builder_.Build(sink_);
    raw_bytes_ = builder_.raw_size();
    // Swap buffers rather than copy: the builder reuses the previous body's capacity.
    std::swap(req_.body(), builder_.body());
    req_.prepare_payload();
    sent_ = Clock::now();
    stream_.expires_after(timeout_);
    http::async_write(stream_, req_, [this](error_code ec, size_t) {
      if (stopped_) return;
      if (ec) return Fail("http write", ec);
      res_ = {};
      buffer_.clear();
      stream_.expires_after(timeout_ - (Clock::now() - sent_));
      http::async_read(stream_, buffer_, res_, [this](error_code ec, size_t) {
        if (stopped_) return;
        if (ec) return Fail("http read", ec);
        OnResponse();
      });
    });
  }

  void OnResponse() {
    Clock::time_point now = Clock::now();
    Outcome o;
    o.items = items_;
    o.bytes = req_.body().size();
    o.raw_bytes = raw_bytes_;
    o.latency_ns = Nanos(now - sent_);
    unsigned code = res_.result_int();
    std::string failure;
    if (code / 100 == 2) {
      StatusOr<otlp::ExportResult> r = otlp::DecodeExportResponse(res_.body());
      if (r.ok()) {
        o.ok = true;
        o.rejected = static_cast<uint64_t>(std::max<int64_t>(r->rejected, 0));
      } else {
        failure = FailureKey("http " + std::to_string(code) + " with an undecodable body",
                             r.status().message());
      }
    } else {
      StatusOr<otlp::RpcStatus> st = otlp::DecodeRpcStatus(res_.body());
      failure = FailureKey("http " + std::to_string(code),
                           st.ok() ? std::string_view(st->message) : std::string_view(res_.body()));
    }
    o.failure = failure;
    sink_.Record(now, o);
    bool keep_alive = res_.keep_alive();
    if (!keep_alive) {
      error_code ec;
      stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
      stream_.close();
    }
    ScheduleNext(o.ok ? Clock::time_point{} : Backoff(now));
  }

  Clock::time_point Backoff(Clock::time_point now) const {
    return now + std::chrono::duration_cast<Clock::duration>(
                     std::chrono::duration<double, std::milli>(opts_.error_backoff_ms));
  }

  void Fail(std::string_view what, error_code ec) {
    Clock::time_point now = Clock::now();
    Outcome o;
    o.items = items_;
    o.latency_ns = Nanos(now - sent_);
    std::string failure = FailureKey(what, ec.message());
    o.failure = failure;
    sink_.Record(now, o);
    stream_.close();
    ScheduleNext(Backoff(now));
  }

  void Reconnect() {
    stream_.expires_after(timeout_);
    stream_.async_connect(target_.endpoints, [this](error_code ec, const tcp::endpoint&) {
      if (stopped_) return;
      if (ec) {
        Clock::time_point now = Clock::now();
        Outcome o;
        std::string failure = FailureKey("http connect", ec.message());
        o.failure = failure;
        sink_.Record(now, o);
        stream_.close();
        timer_.expires_at(Backoff(now));
        timer_.async_wait([this](error_code ec) {
          if (!ec && !stopped_ && Clock::now() < schedule_.end) Reconnect();
        });
        return;
      }
      error_code ignored;
      stream_.socket().set_option(tcp::no_delay(true), ignored);
      Send();
    });
  }

  const Options& opts_;
  const Schedule& schedule_;
  RateLimiter& limiter_;
  const Target& target_;
  StatsSink& sink_;
  beast::tcp_stream stream_;
  asio::steady_timer timer_;
  RequestBuilder builder_;
  const Clock::duration timeout_;
  http::request<http::string_body> req_;
  http::response<http::string_body> res_;
  beast::flat_buffer buffer_;
  Clock::time_point sent_;
  uint64_t items_ = 0;
  uint64_t raw_bytes_ = 0;
  bool stopped_ = false;
};

class HttpDriver : public Driver {
 public:
  explicit HttpDriver(const RunContext& ctx)
      : ctx_(ctx), opts_(ctx.opts), schedule_(ctx.schedule), sinks_(ctx.sinks) {}

  Status Prepare() override {
    std::string_view ep = opts_.endpoint;
    size_t colon = ep.rfind(':');
    if (colon == std::string_view::npos) return InvalidArgument("--endpoint must be host:port");
    std::string host(ep.substr(0, colon));
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
      host = host.substr(1, host.size() - 2);
    std::string port(ep.substr(colon + 1));
    asio::io_context resolver_io;
    tcp::resolver resolver(resolver_io);
    error_code ec;
    target_.endpoints = resolver.resolve(host, port, ec);
    if (ec) return Unavailable("resolve " + opts_.endpoint + ": " + ec.message());
    target_.host = opts_.endpoint;
    target_.path = opts_.http_path;

    for (int t = 0; t < opts_.threads; ++t) ios_.push_back(std::make_unique<asio::io_context>(1));
    for (int i = 0; i < opts_.connections; ++i) {
      size_t t = static_cast<size_t>(i % opts_.threads);
      conns_.push_back(std::make_unique<HttpConnection>(*ios_[t], ctx_, target_, *sinks_[t],
                                                        static_cast<uint32_t>(i)));
      RETURN_IF_ERROR(conns_.back()->ConnectNow());
    }
    return Status::Ok();
  }

  void Run() override {
    std::vector<std::thread> threads;
    for (int t = 0; t < opts_.threads; ++t) {
      threads.emplace_back([this, t] {
        asio::io_context& io = *ios_[static_cast<size_t>(t)];
        std::vector<HttpConnection*> mine;
        for (size_t i = static_cast<size_t>(t); i < conns_.size();
             i += static_cast<size_t>(opts_.threads)) {
          mine.push_back(conns_[i].get());
        }
        asio::steady_timer end(io, schedule_.end);
        end.async_wait([&mine](error_code) {
          for (HttpConnection* c : mine) c->Stop();
        });
        for (HttpConnection* c : mine) c->Start();
        io.run();
      });
    }
    for (std::thread& th : threads) th.join();
  }

 private:
  const RunContext ctx_;
  const Options& opts_;
  const Schedule& schedule_;
  std::vector<std::unique_ptr<StatsSink>>& sinks_;
  Target target_;
  std::vector<std::unique_ptr<asio::io_context>> ios_;
  std::vector<std::unique_ptr<HttpConnection>> conns_;
};

}  // namespace

std::unique_ptr<Driver> MakeHttpDriver(const RunContext& ctx) {
  return std::make_unique<HttpDriver>(ctx);
}

}  // namespace otter::loadgen
