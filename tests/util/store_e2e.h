// Helpers for end-to-end tests of the store through the real `otter` binary: ports and config
// of an all-in-one instance, OTLP request bodies from OTLP/JSON text, and readers of the query
// APIs' JSON answers. Used from test threads.
#pragma once

#include <simdjson.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "component/registry.h"
#include "util/harness.h"

namespace otter::testing {

using simdjson::dom::element;

constexpr char kProtobuf[] = "application/x-protobuf";
// A clean shutdown takes well under a second; a hung one is killed after this.
constexpr std::chrono::seconds kStopDeadline{10};

// Ports of one otter instance.
struct Ports {
  int otlp = FreePort();
  int health = FreePort();
  int metrics = FreePort();
  int query = FreePort();
};

// otlp (HTTP) → memory_limiter → store for all three signals, like the built-in default.
// `store_extra` is appended to the store exporter's section (4-space indented keys).
std::string StoreConfig(const Ports& p, const std::string& directory,
                        const std::string& store_extra = "");

// The built-in `store` exporter, started, writing to `directory` with its query API on
// 127.0.0.1:query_port (for in-process end-to-end tests); null (and a test failure) on error.
std::unique_ptr<Exporter> StartStore(const Registry& registry, ComponentContext ctx,
                                     const std::string& directory, int query_port);

// OTLP/JSON text → OTLP protobuf request body (through otter's codecs; the JSON is just an
// easy way to write a request with known ids).
std::string TracesProto(const std::string& json);
std::string MetricsProto(const std::string& json);
std::string LogsProto(const std::string& json);

// `"resource":{...}` with service.name = `service`.
std::string Resource(const std::string& service);
// A JSON string of the number (OTLP/JSON's int64 form).
std::string Str(uint64_t v);
std::string UrlEncode(const std::string& s);
uint64_t NowNs();

// A parsed JSON response; accessors throw simdjson_error on a shape mismatch, which GoogleTest
// reports as a failure of the test.
struct Json {
  simdjson::dom::parser parser;
  element root;
  bool Parse(const std::string& body) { return parser.parse(body).get(root) == simdjson::SUCCESS; }
};

std::string Text(element e);
// By value: a range-for over `x.get_array().value()` would bind to a destroyed temporary.
simdjson::dom::array Array(simdjson::simdjson_result<element> e);
simdjson::dom::object Object(simdjson::simdjson_result<element> e);

// Parses `r.body` and runs `check` on it; a JSON shape mismatch fails the test with the body.
void CheckJson(const HttpResponse& r, const std::function<void(element)>& check);

// A sample of otter's self-metrics endpoint.
double Metric(int port, const std::string& series);

// Spans of one trace returned by Jaeger's /api/traces/{id}, or -1 if it is not there.
int JaegerSpanCount(int query_port, const std::string& trace_id);

// Lines of the log at `level` ("error", "critical", "warning") as printed by otter's logger.
std::vector<std::string> LogLines(const std::string& log, const std::string& level);
std::string Joined(const std::vector<std::string>& v);

}  // namespace otter::testing
