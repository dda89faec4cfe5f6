#include "util/store_e2e.h"

#include <gtest/gtest.h>

#include <cctype>

#include "config/loader.h"
#include "otlp/json_codec.h"
#include "otlp/proto_codec.h"

namespace otter::testing {

// otlp (HTTP) → memory_limiter → store for all three signals, like the built-in default.
// `store_extra` is appended to the store exporter's section (4-space indented keys).
std::string StoreConfig(const Ports& p, const std::string& directory,
                        const std::string& store_extra) {
  auto port = [](int n) { return "127.0.0.1:" + std::to_string(n); };
  std::string pipeline =
      "      receivers: [otlp]\n      processors: [memory_limiter]\n      exporters: [store]\n";
  return "receivers:\n  otlp:\n    protocols:\n      http:\n        endpoint: " + port(p.otlp) +
         "\nprocessors:\n  memory_limiter:\n    check_interval: 1s\n    limit_mib: 4000\n"
         "exporters:\n  store:\n    directory: " +
         directory + "\n    sync: true\n" + store_extra +
         "    query:\n      endpoint: " + port(p.query) +
         "\nextensions:\n  health_check:\n    endpoint: " + port(p.health) +
         "\nservice:\n  extensions: [health_check]\n  telemetry:\n    metrics:\n      address: " +
         port(p.metrics) + "\n  pipelines:\n    traces:\n" + pipeline + "    metrics:\n" +
         pipeline + "    logs:\n" + pipeline;
}

std::unique_ptr<Exporter> StartStore(const Registry& registry, ComponentContext ctx,
                                     const std::string& directory, int query_port) {
  const Factory* factory = registry.Find(ComponentKind::kExporter, "store");
  EXPECT_NE(factory, nullptr);
  if (!factory) return nullptr;
  auto node = config::ParseYaml("directory: " + directory + "\nquery:\n  endpoint: 127.0.0.1:" +
                                    std::to_string(query_port) + "\n",
                                "store.yaml");
  EXPECT_TRUE(node.ok());
  if (!node.ok()) return nullptr;
  config::Diagnostics d;
  auto cfg = factory->parse_config(*node, d);
  EXPECT_TRUE(d.ok()) << d.ErrorsText();
  if (!d.ok()) return nullptr;
  ctx.id = {"store", ""};
  auto store = factory->create_exporter(ctx, *cfg);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  if (!store.ok()) return nullptr;
  Status s = (*store)->Start();
  EXPECT_TRUE(s.ok()) << s.ToString();
  if (!s.ok()) return nullptr;
  return std::move(*store);
}

// OTLP/JSON text → OTLP protobuf request body (through otter's codecs; the JSON is just an
// easy way to write a request with known ids).
std::string TracesProto(const std::string& json) {
  auto batch = otlp::DecodeTracesJson(json);
  EXPECT_TRUE(batch.ok()) << batch.status().message();
  std::string out;
  if (batch.ok()) otlp::EncodeTraces(*batch, &out);
  return out;
}
std::string MetricsProto(const std::string& json) {
  auto batch = otlp::DecodeMetricsJson(json);
  EXPECT_TRUE(batch.ok()) << batch.status().message();
  std::string out;
  if (batch.ok()) otlp::EncodeMetrics(*batch, &out);
  return out;
}
std::string LogsProto(const std::string& json) {
  auto batch = otlp::DecodeLogsJson(json);
  EXPECT_TRUE(batch.ok()) << batch.status().message();
  std::string out;
  if (batch.ok()) otlp::EncodeLogs(*batch, &out);
  return out;
}

std::string Resource(const std::string& service) {
  return R"("resource":{"attributes":[{"key":"service.name","value":{"stringValue":")" + service +
         R"("}}]})";
}

std::string Str(uint64_t v) { return "\"" + std::to_string(v) + "\""; }

std::string UrlEncode(const std::string& s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

uint64_t NowNs() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

std::string Text(element e) { return std::string(e.get_string().value()); }
// By value: a range-for over `x.get_array().value()` would bind to a destroyed temporary.
simdjson::dom::array Array(simdjson::simdjson_result<element> e) {
  simdjson::dom::array a = e.get_array().value();
  return a;
}
simdjson::dom::object Object(simdjson::simdjson_result<element> e) {
  simdjson::dom::object o = e.get_object().value();
  return o;
}

// Parses `r.body` and runs `check` on it; a JSON shape mismatch fails the test with the body.
void CheckJson(const HttpResponse& r, const std::function<void(element)>& check) {
  Json j;
  ASSERT_TRUE(j.Parse(r.body)) << r.body;
  try {
    check(j.root);
  } catch (const simdjson::simdjson_error& e) {
    ADD_FAILURE() << e.what() << " in " << r.body;
  }
}

double Metric(int port, const std::string& series) {
  return ScrapeValue(HttpRequest("GET", port, "/metrics").body, series);
}

// Spans of one trace returned by Jaeger's /api/traces/{id}, or -1 if it is not there.
int JaegerSpanCount(int query_port, const std::string& trace_id) {
  auto r = HttpRequest("GET", query_port, "/api/traces/" + trace_id);
  if (r.status != 200) return -1;
  Json j;
  if (!j.Parse(r.body)) return -1;
  auto data = Array(j.root["data"]);
  if (data.size() != 1) return -1;
  element trace = data.at(0).value();
  if (Text(trace["traceID"].value()) != trace_id) return -1;
  return static_cast<int>(Array(trace["spans"]).size());
}

// Lines of the log at `level` ("error", "critical", "warning") as printed by otter's logger.
std::vector<std::string> LogLines(const std::string& log, const std::string& level) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < log.size()) {
    size_t end = log.find('\n', pos);
    if (end == std::string::npos) end = log.size();
    std::string line = log.substr(pos, end - pos);
    if (line.find(" " + level + " ") != std::string::npos) out.push_back(line);
    pos = end + 1;
  }
  return out;
}

std::string Joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += x + "\n";
  return s;
}

}  // namespace otter::testing
