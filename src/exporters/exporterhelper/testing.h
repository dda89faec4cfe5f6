// Test-only helpers shared by the exporterhelper and exporter tests: a ComponentContext whose
// logger writes into a string and whose metrics and status hub are inspectable, an awaitable
// Completion, and a local port nobody listens on. Included only by *_test.cc files.
#pragma once

#include <netinet/in.h>
#include <spdlog/sinks/ostream_sink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <memory>
#include <sstream>
#include <string>

#include "component/completion.h"
#include "component/component.h"
#include "component/status_hub.h"

namespace otter::exporterhelper::testing {

class TestContext {
 public:
  explicit TestContext(ComponentId id) {
    ctx_.id = std::move(id);
    ctx_.kind = ComponentKind::kExporter;
    ctx_.logger = std::make_shared<spdlog::logger>(
        "test", std::make_shared<spdlog::sinks::ostream_sink_mt>(log_));
    ctx_.logger->set_pattern("%l %v");
    ctx_.metrics = &metrics_;
    ctx_.status = &hub_;
  }
  const ComponentContext& ctx() const { return ctx_; }
  telemetry::SelfMetrics& metrics() { return metrics_; }
  StatusHub& hub() { return hub_; }
  std::string log() {
    ctx_.logger->flush();
    return log_.str();
  }
  int CountInLog(const std::string& needle) {
    std::string s = log();
    int n = 0;
    for (size_t p = s.find(needle); p != std::string::npos; p = s.find(needle, p + 1)) ++n;
    return n;
  }
  // otelcol_exporter_<what>_<items>{exporter="<id>"}, e.g. Counter("sent", "spans").
  double Counter(const std::string& what, const std::string& items) {
    return metrics_.Value("otelcol_exporter_" + what + "_" + items,
                          {{"exporter", ctx_.id.ToString()}});
  }

 private:
  ComponentContext ctx_;
  std::ostringstream log_;
  telemetry::SelfMetrics metrics_;
  StatusHub hub_;
};

// A Completion whose answer a test can wait for.
class Answer {
 public:
  Completion done() {
    return Completion([this](Status s) { p_.set_value(std::move(s)); });
  }
  bool ready() { return f_.wait_for(std::chrono::seconds(0)) == std::future_status::ready; }
  Status get() { return f_.get(); }

 private:
  std::promise<Status> p_;
  std::future<Status> f_ = p_.get_future();
};

// A loopback port that was free a moment ago and has no listener (connecting is refused).
inline int ClosedPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
    port = ntohs(a.sin_port);
  ::close(fd);
  return port;
}

}  // namespace otter::exporterhelper::testing
