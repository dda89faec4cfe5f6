// libFuzzer target for the query API's request path: the input is the bytes a client sends on a
// connection. Beast's request parser reads it with the limits HttpServer sets (header size, body
// size); a complete request becomes an HttpRequest as the server builds it and is served by
// QueryServer::Serve, the router of the Prometheus, Loki and Jaeger APIs (parameter parsing, time
// and duration formats, PromQL/LogQL/trace queries) over real tables holding a little data of
// each signal. Every request must get an answer with a valid status, never a crash.
//   http_fuzz -max_len=2048 -dict=fuzz/http.dict corpus/
#include <boost/asio/buffer.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "net/http_server.h"
#include "otlp/synthetic.h"
#include "query/http_params.h"
#include "query/query_server.h"
#include "store/log_table.h"
#include "store/metric_table.h"
#include "store/trace_table.h"

namespace {

namespace http = boost::beast::http;
using namespace otter;

struct Backend {
  store::TraceTable traces;
  store::MetricTable metrics;
  store::LogTable logs;
  std::unique_ptr<query::QueryServer> server;

  Backend() {
    // "Live" data, so the APIs' default time ranges (the last hour ...) see it.
    const uint64_t now =
        static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count());
    const uint64_t base = now - 600ull * 1000000000;
    traces.Apply(otlp::MakeSyntheticTraces(20, 1, base));
    store::ConvertedMetrics converted = metrics.Convert(otlp::MakeSyntheticMetrics(60, 1, base));
    metrics.Accumulate(converted);
    metrics.Apply(std::move(converted));
    logs.Apply(otlp::MakeSyntheticLogs(20, 1, base));
    query::QueryServerOptions o;
    o.timeout = std::chrono::seconds(2);
    o.max_samples = 200000;
    o.max_log_entries = 20000;
    o.max_traces = 1000;
    server = std::make_unique<query::QueryServer>(o, traces, metrics, logs);
  }
};

Backend& Data() {
  static Backend* b = new Backend;
  return *b;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  http::request_parser<http::string_body> parser;
  parser.header_limit(8192);
  parser.body_limit(64 * 1024);
  boost::beast::error_code ec;
  size_t off = 0;
  // A stream: the parser takes what it can; what is left waits for more bytes (the end here).
  while (!parser.is_done() && off < size) {
    size_t used = parser.put(boost::asio::buffer(data + off, size - off), ec);
    if (ec == http::error::need_more) {
      ec = {};
      if (used == 0) break;
    }
    if (ec) return 0;  // the server answers 400/413/431 and closes
    off += used;
    if (used == 0) break;
  }
  if (!parser.is_done()) {
    if (!parser.got_some()) return 0;  // put_eof requires some input (a Beast precondition)
    parser.put_eof(ec);
    if (ec || !parser.is_done()) return 0;
  }
  auto& msg = parser.get();
  net::HttpRequest request;
  request.method = std::string(msg.method_string());
  request.target = std::string(msg.target());
  for (const auto& f : msg)
    request.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
  request.body = std::move(msg.body());
  request.remote_address = "127.0.0.1:40000";

  (void)query::HttpParams::FromRequest(request);
  net::HttpResponse response = Data().server->Serve(request);
  if (response.status < 100 || response.status > 599) std::abort();
  return 0;
}
