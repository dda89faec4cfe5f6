#include "util/pqueue_e2e.h"

#include <gtest/gtest.h>

#include "net/http_server.h"
#include "otlp/proto_codec.h"
#include "pdata/batch.h"

namespace otter::testing {
namespace {

uint64_t SpanIdValue(const pdata::SpanId& id) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = v << 8 | id.bytes[i];
  return v;
}

}  // namespace

OtlpSink::OtlpSink() {
  net::HttpServerOptions o;
  o.endpoint = "127.0.0.1:0";
  o.shutdown_timeout = std::chrono::milliseconds(100);
  server_ = std::make_unique<net::HttpServer>(
      o, [this](net::HttpRequest&& req, net::HttpResponder respond) {
        if (!up_.load()) {
          respond(net::HttpResponse::Text(503, "down"));
          return;
        }
        auto batch = otlp::DecodeTraces(std::move(req.body));
        if (!batch.ok()) {
          respond(net::HttpResponse::Text(400, std::string(batch.status().message())));
          return;
        }
        {
          std::lock_guard l(mu_);
          for (const auto& rs : batch->resources())
            for (const auto& ss : rs.scope_spans)
              for (const auto& s : ss.spans) {
                ++seen_[SpanIdValue(s.span_id)];
                ++spans_;
              }
        }
        net::HttpResponse r;
        r.SetHeader("Content-Type", "application/x-protobuf");
        respond(std::move(r));
      });
  Status s = server_->Start();
  EXPECT_TRUE(s.ok()) << s.ToString();
}

OtlpSink::~OtlpSink() { server_->Stop(); }

int OtlpSink::port() const { return server_->port(); }

uint64_t OtlpSink::spans() const {
  std::lock_guard l(mu_);
  return spans_;
}

uint64_t OtlpSink::unique() const {
  std::lock_guard l(mu_);
  return seen_.size();
}

int OtlpSink::Count(uint64_t span_id) const {
  std::lock_guard l(mu_);
  auto it = seen_.find(span_id);
  return it == seen_.end() ? 0 : it->second;
}

std::string SpanRequest(uint64_t first, size_t n) {
  pdata::TraceBatch b;
  auto& rs = b.resources().emplace_back();
  rs.resource.attributes.push_back({"service.name", pdata::AnyValue::String("pqueue")});
  auto& ss = rs.scope_spans.emplace_back();
  for (size_t i = 0; i < n; ++i) {
    const uint64_t id = first + i;
    auto& s = ss.spans.emplace_back();
    for (int k = 0; k < 8; ++k) {
      s.span_id.bytes[k] = static_cast<uint8_t>(id >> (56 - 8 * k));
      s.trace_id.bytes[k] = 0x5a;
      s.trace_id.bytes[8 + k] = static_cast<uint8_t>(id >> (56 - 8 * k));
    }
    s.name = "op";
    s.kind = pdata::SpanKind::kServer;
    s.start_time_unix_nano = 1'700'000'000'000'000'000ull + id;
    s.end_time_unix_nano = s.start_time_unix_nano + 1000;
  }
  std::string out;
  otlp::EncodeTraces(b, &out);
  return out;
}

std::string PqueueConfig(const PqueuePorts& p, int sink_port, const std::string& dir, bool fsync,
                         int queue_size, int num_consumers) {
  auto port = [](int n) { return "127.0.0.1:" + std::to_string(n); };
  return "receivers:\n  otlp:\n    protocols:\n      http:\n        endpoint: " + port(p.otlp) +
         "\nexporters:\n  otlp_http:\n    endpoint: http://" + port(sink_port) +
         "\n    compression: none\n    timeout: 2s\n"
         "    sending_queue:\n      storage: file_storage/q\n      queue_size: " +
         std::to_string(queue_size) + "\n      num_consumers: " + std::to_string(num_consumers) +
         "\n    retry_on_failure:\n      initial_interval: 50ms\n      max_interval: 200ms\n"
         "      max_elapsed_time: 0s\n"
         "extensions:\n  health_check:\n    endpoint: " +
         port(p.health) + "\n  file_storage/q:\n    directory: " + dir +
         "\n    create_directory: true\n    fsync: " + (fsync ? "true" : "false") +
         "\nservice:\n  extensions: [health_check, file_storage/q]\n  telemetry:\n    metrics:\n"
         "      address: " +
         port(p.metrics) +
         "\n  pipelines:\n    traces:\n      receivers: [otlp]\n"
         "      exporters: [otlp_http]\n";
}

}  // namespace otter::testing
