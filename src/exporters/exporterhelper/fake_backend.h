// FakeBackend: a scripted HTTP backend for exporter tests (OTLP/HTTP, Remote Write, ...), on
// net::HttpServer at 127.0.0.1:0. Test-only; included only by *_test.cc files.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "net/http_server.h"

namespace otter::exporterhelper::testing {

// A scripted HTTP backend on net::HttpServer: records every request and answers from a
// script (then 200 with an empty body). A "hang" answer is held until the backend stops.
class FakeBackend {
 public:
  struct Reply {
    net::HttpResponse response;
    bool hang = false;
  };
  explicit FakeBackend(std::optional<net::TlsServerSettings> tls = std::nullopt) {
    net::HttpServerOptions o;
    o.endpoint = "127.0.0.1:0";
    o.tls = std::move(tls);
    o.shutdown_timeout = std::chrono::milliseconds(100);
    server_ = std::make_unique<net::HttpServer>(
        o, [this](net::HttpRequest&& req, net::HttpResponder respond) {
          Reply r = Record(std::move(req));
          if (r.hang) {
            std::lock_guard l(mu_);
            held_.push_back(std::move(respond));
            return;
          }
          respond(std::move(r.response));
        });
    Status s = server_->Start();
    EXPECT_TRUE(s.ok()) << s.ToString();
  }
  ~FakeBackend() {
    {
      std::lock_guard l(mu_);
      for (auto& r : held_) r(net::HttpResponse::Text(503, "stopping"));
      held_.clear();
    }
    server_->Stop();
  }
  int port() const { return server_->port(); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port()); }
  void Script(std::vector<Reply> replies) {
    std::lock_guard l(mu_);
    script_.assign(replies.begin(), replies.end());
  }
  std::vector<net::HttpRequest> requests() {
    std::lock_guard l(mu_);
    return requests_;
  }

 private:
  Reply Record(net::HttpRequest req) {
    std::lock_guard l(mu_);
    requests_.push_back(std::move(req));
    if (script_.empty()) return {net::HttpResponse{}, false};
    Reply r = std::move(script_.front());
    script_.pop_front();
    return r;
  }
  std::unique_ptr<net::HttpServer> server_;
  std::mutex mu_;
  std::deque<Reply> script_;                // GUARDED_BY(mu_)
  std::vector<net::HttpRequest> requests_;  // GUARDED_BY(mu_)
  std::vector<net::HttpResponder> held_;    // GUARDED_BY(mu_)
};

inline FakeBackend::Reply Respond(int status, std::string body = "",
                                  net::HttpHeaders headers = {}) {
  net::HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return {std::move(r), false};
}

}  // namespace otter::exporterhelper::testing
