#include "k8s/watcher.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <functional>
#include <limits>
#include <optional>

#include "net/tls.h"

namespace otter::k8s {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using DataFn = std::function<Status(std::string_view)>;

namespace {

std::string UrlEncode(std::string_view s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace

struct ResourceWatcher::Impl {
  asio::io_context ioc;
  std::shared_ptr<asio::ssl::context> ssl;
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls;
  std::atomic<bool> stopping{false};

  // Runs one asynchronous operation to completion on this thread's io_context.
  template <class Start>
  beast::error_code Await(Start&& start) {
    beast::error_code result = asio::error::would_block;
    bool done = false;
    start([&](beast::error_code ec, auto&&...) {
      result = ec;
      done = true;
    });
    ioc.restart();
    while (!done && ioc.run_one() > 0) {
    }
    return result;
  }

  void Close() {
    beast::error_code ignored;
    if (tls) beast::get_lowest_layer(*tls).socket().close(ignored);
    if (plain) plain->socket().close(ignored);
  }

  beast::tcp_stream& Lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }

  Status Connect(const ApiEndpoint& ep, std::chrono::milliseconds timeout) {
    Close();
    plain.reset();
    tls.reset();
    if (stopping) return Aborted("stopping");
    tcp::resolver resolver(ioc);
    tcp::resolver::results_type results;
    beast::error_code ec = Await([&](auto handler) {
      resolver.async_resolve(ep.host, std::to_string(ep.port),
                             [&results, handler](beast::error_code e, auto r) mutable {
                               results = r;
                               handler(e, 0);
                             });
    });
    if (ec) return Unavailable("resolve " + ep.host + ": " + ec.message());
    if (ep.https) {
      tls.emplace(ioc, *ssl);
    } else {
      plain.emplace(ioc);
    }
    Lowest().expires_after(timeout);
    ec = Await([&](auto handler) {
      Lowest().async_connect(results,
                             [handler](beast::error_code e, auto&&) mutable { handler(e, 0); });
    });
    if (ec) return Unavailable("connect " + ep.Describe() + ": " + ec.message());
    if (tls) {
      net::TlsClientSettings settings;
      settings.insecure_skip_verify = ep.insecure_skip_verify;
      RETURN_IF_ERROR(net::ConfigureClientSsl(tls->native_handle(), settings, ep.host));
      ec = Await(
          [&](auto handler) { tls->async_handshake(asio::ssl::stream_base::client, handler); });
      if (ec) return Unavailable("TLS handshake with " + ep.Describe() + ": " + ec.message());
    }
    return Status::Ok();
  }

  template <class Stream>
  Status Exchange(Stream& stream, const ApiEndpoint& ep, const std::string& target,
                  std::chrono::milliseconds read_timeout, size_t max_error_body, int* status,
                  const DataFn& on_data) {
    http::request<http::empty_body> req(http::verb::get, target, 11);
    req.set(http::field::host, ep.HostHeader());
    req.set(http::field::accept, "application/json");
    req.set(http::field::user_agent, "otter-k8sattributes");
    req.set(http::field::connection, "close");
    if (!ep.token.empty()) req.set(http::field::authorization, "Bearer " + ep.token);
    Lowest().expires_after(read_timeout);
    beast::error_code ec = Await([&](auto handler) { http::async_write(stream, req, handler); });
    if (ec) return Unavailable("GET " + target + ": " + ec.message());

    beast::flat_buffer buffer;
    http::response_parser<http::buffer_body> parser;
    parser.body_limit(std::numeric_limits<uint64_t>::max());
    ec = Await([&](auto handler) { http::async_read_header(stream, buffer, parser, handler); });
    if (ec) return Unavailable("GET " + target + ": " + ec.message());
    *status = parser.get().result_int();
    std::string error_body;
    char chunk[64 * 1024];
    while (!parser.is_done()) {
      if (stopping) return Aborted("stopping");
      parser.get().body().data = chunk;
      parser.get().body().size = sizeof chunk;
      Lowest().expires_after(read_timeout);
      ec = Await([&](auto handler) { http::async_read_some(stream, buffer, parser, handler); });
      if (ec == http::error::need_buffer) ec = {};
      if (ec) return Unavailable("GET " + target + ": " + ec.message());
      std::string_view data(chunk, sizeof chunk - parser.get().body().size);
      if (*status != 200) {
        if (error_body.size() < max_error_body)
          error_body.append(data.substr(0, max_error_body - error_body.size()));
        continue;
      }
      if (!data.empty()) RETURN_IF_ERROR(on_data(data));
    }
    if (*status != 200 && !error_body.empty()) return on_data(error_body);
    return Status::Ok();
  }

  // One GET; `on_data` sees the body of a 200 answer as it arrives, or the start of any other
  // answer's body at the end.
  Status Get(const ApiEndpoint& ep, const std::string& target, std::chrono::milliseconds connect,
             std::chrono::milliseconds read_timeout, int* status, const DataFn& on_data) {
    RETURN_IF_ERROR(Connect(ep, connect));
    Status s = tls ? Exchange(*tls, ep, target, read_timeout, 512, status, on_data)
                   : Exchange(*plain, ep, target, read_timeout, 512, status, on_data);
    Close();
    return s;
  }
};

ResourceWatcher::ResourceWatcher(ApiEndpoint endpoint, WatchOptions options, WatchSink* sink,
                                 std::shared_ptr<spdlog::logger> logger)
    : endpoint_(std::move(endpoint)),
      options_(std::move(options)),
      sink_(sink),
      logger_(std::move(logger)),
      impl_(std::make_unique<Impl>()) {}

ResourceWatcher::~ResourceWatcher() { Stop(); }

Status ResourceWatcher::Start() {
  if (endpoint_.https) {
    try {
      auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
      ctx->set_options(asio::ssl::context::no_sslv2 | asio::ssl::context::no_sslv3 |
                       asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
      if (endpoint_.insecure_skip_verify) {
        ctx->set_verify_mode(asio::ssl::verify_none);
      } else {
        ctx->set_verify_mode(asio::ssl::verify_peer);
        if (endpoint_.ca_pem.empty()) {
          ctx->set_default_verify_paths();
        } else {
          ctx->add_certificate_authority(asio::buffer(endpoint_.ca_pem));
        }
      }
      if (!endpoint_.client_cert_pem.empty()) {
        ctx->use_certificate_chain(asio::buffer(endpoint_.client_cert_pem));
        ctx->use_private_key(asio::buffer(endpoint_.client_key_pem), asio::ssl::context::pem);
      }
      impl_->ssl = std::move(ctx);
    } catch (const boost::system::system_error& e) {
      return InvalidArgument("kubernetes API TLS settings: " + std::string(e.what()));
    }
  }
  thread_ = std::thread([this] { Run(); });
  return Status::Ok();
}

void ResourceWatcher::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (impl_->stopping.exchange(true) && !thread_.joinable()) return;
  }
  cv_.notify_all();
  asio::post(impl_->ioc, [impl = impl_.get()] { impl->Close(); });
  if (thread_.joinable()) thread_.join();
}

bool ResourceWatcher::WaitForSync(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, timeout, [this] { return synced_.load() || impl_->stopping.load(); }) &&
         synced_.load();
}

void ResourceWatcher::Run() {
  Impl& impl = *impl_;
  std::string resource_version;
  bool need_list = true;
  auto backoff = options_.min_backoff;
  std::string selectors;
  if (!options_.label_selector.empty())
    selectors += "&labelSelector=" + UrlEncode(options_.label_selector);
  if (!options_.field_selector.empty())
    selectors += "&fieldSelector=" + UrlEncode(options_.field_selector);
  const std::string where = endpoint_.Describe() + options_.path;

  auto fail = [&](const Status& s) {
    ++stats_.failures;
    if (impl.stopping) return;
    if (logger_)
      logger_->warn("kubernetes watch of {} failed, retrying in {} ms: {}", where, backoff.count(),
                    s.message());
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, backoff, [&] { return impl.stopping.load(); });
    backoff = std::min(backoff * 2, options_.max_backoff);
  };

  if (options_.after) {
    while (!impl.stopping && !options_.after->synced()) {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_for(lock, std::chrono::milliseconds(20), [&] { return impl.stopping.load(); });
    }
  }
  while (!impl.stopping) {
    if (need_list) {
      std::vector<KubeObject> objects;
      std::string continue_token, version;
      Status s;
      int status = 0;
      do {
        std::string body;
        std::string target =
            options_.path + "?limit=" + std::to_string(options_.page_size) + selectors;
        if (!continue_token.empty()) target += "&continue=" + UrlEncode(continue_token);
        s = impl.Get(endpoint_, target, options_.request_timeout, options_.request_timeout, &status,
                     [&](std::string_view data) {
                       if (body.size() + data.size() > options_.max_response_bytes)
                         return ResourceExhausted("list page larger than " +
                                                  std::to_string(options_.max_response_bytes) +
                                                  " bytes");
                       body.append(data);
                       return Status::Ok();
                     });
        if (s.ok() && status != 200)
          s = Unavailable("list answered HTTP " + std::to_string(status) + ": " + body);
        if (!s.ok()) break;
        StatusOr<KubeList> list = ParseList(body);
        if (!list.ok()) {
          s = list.status();
          break;
        }
        for (auto& o : list->items) objects.push_back(std::move(o));
        continue_token = list->continue_token;
        version = list->resource_version;
      } while (!continue_token.empty() && !impl.stopping);
      if (!s.ok()) {
        fail(s);
        continue;
      }
      if (impl.stopping) break;
      sink_->Replace(std::move(objects));
      resource_version = version;
      need_list = false;
      ++stats_.lists;
      {
        std::lock_guard<std::mutex> lock(mu_);
        synced_ = true;
      }
      cv_.notify_all();
    }

    std::string target = options_.path + "?watch=true&allowWatchBookmarks=true&timeoutSeconds=" +
                         std::to_string(options_.watch_timeout.count()) + selectors;
    if (!resource_version.empty()) target += "&resourceVersion=" + UrlEncode(resource_version);
    std::string pending;
    int status = 0;
    bool gone = false;
    Status s = impl.Get(
        endpoint_, target, options_.request_timeout,
        options_.watch_timeout + std::chrono::seconds(60), &status,
        [&](std::string_view data) -> Status {
          if (status != 200) {
            pending.assign(data);
            return Status::Ok();
          }
          pending.append(data);
          size_t start = 0;
          for (size_t nl; (nl = pending.find('\n', start)) != std::string::npos; start = nl + 1) {
            std::string_view line(pending.data() + start, nl - start);
            if (line.empty() || line == "\r") continue;
            StatusOr<WatchEvent> ev = ParseWatchEvent(line);
            if (!ev.ok()) return ev.status();
            if (ev->type == WatchEvent::Type::kError) {
              if (ev->error_code == 410) {
                gone = true;
                return Aborted("resourceVersion too old");
              }
              return Unavailable("watch ERROR " + std::to_string(ev->error_code) + ": " +
                                 ev->error_message);
            }
            if (!ev->object.resource_version.empty())
              resource_version = ev->object.resource_version;
            if (ev->type == WatchEvent::Type::kBookmark) continue;
            ++stats_.events;
            sink_->Apply(ev->type, std::move(ev->object));
          }
          pending.erase(0, start);
          if (pending.size() > options_.max_response_bytes)
            return ResourceExhausted("watch event larger than " +
                                     std::to_string(options_.max_response_bytes) + " bytes");
          return Status::Ok();
        });
    if (impl.stopping) break;
    if (status == 410 || gone) {
      if (logger_)
        logger_->info("kubernetes watch of {}: resourceVersion {} is too old, listing again", where,
                      resource_version);
      need_list = true;
      continue;
    }
    if (s.ok() && status == 200) {
      ++stats_.watches;
      backoff = options_.min_backoff;
      continue;  // the server ended the watch (timeoutSeconds): watch again from where it ended
    }
    if (s.ok()) s = Unavailable("watch answered HTTP " + std::to_string(status) + ": " + pending);
    fail(s);
    if (status != 0 && status != 200) need_list = true;
  }
}

}  // namespace otter::k8s
