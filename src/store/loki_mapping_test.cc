#include "store/loki_mapping.h"

#include <gtest/gtest.h>

namespace otter::store {
namespace {

pdata::LogRecord Line(std::string_view body) {
  pdata::LogRecord r;
  r.time_unix_nano = 1'700'000'000'000'000'000;
  r.body = pdata::AnyValue::String(body);
  return r;
}

std::string Level(const pdata::LogRecord& r, const Labels& stream = {{"service_name", "s"}}) {
  LokiMapping m;
  return std::string(GetLabel(m.Entry(stream, {}, {}, r).metadata, "detected_level"));
}

TEST(LokiMappingTest, DetectedLevelFromSeverity) {
  pdata::LogRecord r = Line("x");
  r.severity_text = "WARNING";
  EXPECT_EQ(Level(r), "warn");
  r.severity_text = "Information";
  EXPECT_EQ(Level(r), "info");
  r.severity_text = "NOTICE";  // not a known level: kept as sent
  EXPECT_EQ(Level(r), "NOTICE");
  r.severity_text = "";
  for (auto [n, want] : std::vector<std::pair<int, std::string>>{{1, "trace"},
                                                                 {4, "trace"},
                                                                 {5, "debug"},
                                                                 {9, "info"},
                                                                 {13, "warn"},
                                                                 {16, "warn"},
                                                                 {17, "error"},
                                                                 {21, "fatal"},
                                                                 {24, "fatal"},
                                                                 {25, "unknown"}}) {
    r.severity_number = n;
    EXPECT_EQ(Level(r), want) << n;
  }
  // A level attribute comes before severity; a level stream label before both.
  r.attributes = {{"level", pdata::AnyValue::String("DBG")}};
  EXPECT_EQ(Level(r), "debug");
  EXPECT_EQ(Level(r, {{"level", "crit"}, {"service_name", "s"}}), "crit");
  r.attributes = {{"detected_level", pdata::AnyValue::String("ERR")}};
  EXPECT_EQ(Level(r), "error");
}

TEST(LokiMappingTest, DetectedLevelFromLine) {
  EXPECT_EQ(Level(Line(R"({"lvl":"wrn","msg":"x"})")), "warn");
  EXPECT_EQ(Level(Line(R"({"ctx":{"severity":"Error"}})")), "error");
  // Deeper than two levels is not searched; the line's words decide then.
  EXPECT_EQ(Level(Line(R"({"a":{"b":{"level":"error"}}})")), "unknown");
  EXPECT_EQ(Level(Line(R"({"level":"verbose","note":"an info message"})")), "info");
  EXPECT_EQ(Level(Line("ts=1 LEVEL=fatal msg=boom")), "fatal");
  EXPECT_EQ(Level(Line("severity=debug level=\"error\"")), "error");  // level outranks severity
  EXPECT_EQ(Level(Line("[ERROR] disk full")), "error");
  EXPECT_EQ(Level(Line("WARNING: low memory")), "warn");
  EXPECT_EQ(Level(Line("all good")), "unknown");
}

TEST(LokiMappingTest, StreamLabelsAndServiceName) {
  LokiMapping m;
  pdata::Resource res;
  res.attributes = {{"service.name", pdata::AnyValue::String("api")},
                    {"k8s.pod.name", pdata::AnyValue::String("api-0")},
                    {"host.name", pdata::AnyValue::String("h1")}};
  EXPECT_EQ(m.StreamLabels(res), (Labels{{"k8s_pod_name", "api-0"}, {"service_name", "api"}}));
  res.attributes = {{"k8s.namespace.name", pdata::AnyValue::String("shop")},
                    {"k8s.container.name", pdata::AnyValue::String("web")}};
  EXPECT_EQ(m.StreamLabels(res), (Labels{{"k8s_container_name", "web"},
                                         {"k8s_namespace_name", "shop"},
                                         {"service_name", "web"}}));
  res.attributes = {{"host.name", pdata::AnyValue::String("h1")}};
  EXPECT_EQ(m.StreamLabels(res), (Labels{{"service_name", "unknown_service"}}));
}

// A pushed Loki stream (the loki receiver) names its labels in the loki.resource.labels hint:
// they become index labels, service_name is discovered from them, the hint itself is not kept.
TEST(LokiMappingTest, ResourceLabelsHintMakesIndexLabels) {
  LokiMapping m;
  pdata::Resource res;
  res.attributes = {{"job", pdata::AnyValue::String("varlogs")},
                    {"filename", pdata::AnyValue::String("/var/log/syslog")},
                    {"host.name", pdata::AnyValue::String("h1")},
                    {"loki.resource.labels", pdata::AnyValue::String("job, filename")}};
  Labels stream = m.StreamLabels(res);
  EXPECT_EQ(
      stream,
      (Labels{{"filename", "/var/log/syslog"}, {"job", "varlogs"}, {"service_name", "varlogs"}}));
  Labels md = m.Entry(stream, res, {}, Line("x")).metadata;
  EXPECT_EQ(GetLabel(md, "host_name"), "h1");
  EXPECT_EQ(GetLabel(md, "loki_resource_labels"), "");
  EXPECT_EQ(GetLabel(md, "job"), "");
}

TEST(LokiMappingTest, EntryMetadata) {
  LokiMapping m;
  pdata::Resource res;
  res.attributes = {{"service.name", pdata::AnyValue::String("api")},
                    {"host.name", pdata::AnyValue::String("h1")}};
  pdata::InstrumentationScope scope;
  scope.name = "lib";
  scope.version = "2";
  scope.dropped_attributes_count = 1;
  scope.attributes = {{"scope.attr", pdata::AnyValue::String("s")}};
  pdata::LogRecord r = Line("hello");
  r.observed_time_unix_nano = 5;
  r.flags = 1;
  r.dropped_attributes_count = 3;
  pdata::AnyValue http;
  http.type = pdata::AnyValue::Type::kKvList;
  http.kvlist_value = {{"method", pdata::AnyValue::String("GET")},
                       {"status", pdata::AnyValue::Int(200)}};
  r.attributes = {{"http", http}};
  LogEntry e = m.Entry({{"service_name", "api"}}, res, scope, r);
  EXPECT_EQ(e.line, "hello");
  EXPECT_EQ(e.metadata, (Labels{{"detected_level", "unknown"},
                                {"dropped_attributes_count", "3"},
                                {"flags", "1"},
                                {"host_name", "h1"},
                                {"http_method", "GET"},
                                {"http_status", "200"},
                                {"observed_timestamp", "5"},
                                {"scope_attr", "s"},
                                {"scope_dropped_attributes_count", "1"},
                                {"scope_name", "lib"},
                                {"scope_version", "2"}}));
}

TEST(LokiMappingTest, OtlpConfig) {
  LokiOtlpConfig c;
  c.resource_attributes.attributes_config = {
      {AttributeAction::kIndexLabel, {}, "host\\..*"},
      {AttributeAction::kDrop, {"process.pid"}, ""},
  };
  c.log_attributes = {{AttributeAction::kDrop, {"secret"}, ""}};
  c.scope_attributes = {{AttributeAction::kDrop, {}, ".*"}};
  auto m = LokiMapping::Make(c);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  pdata::Resource res;
  res.attributes = {{"service.name", pdata::AnyValue::String("api")},
                    {"host.name", pdata::AnyValue::String("h1")},
                    {"process.pid", pdata::AnyValue::Int(7)},
                    {"os.type", pdata::AnyValue::String("linux")}};
  EXPECT_EQ(m->StreamLabels(res), (Labels{{"host_name", "h1"}, {"service_name", "api"}}));
  pdata::InstrumentationScope scope;
  scope.attributes = {{"a", pdata::AnyValue::String("b")}};
  pdata::LogRecord r = Line("x");
  r.attributes = {{"secret", pdata::AnyValue::String("pw")},
                  {"user", pdata::AnyValue::String("u1")}};
  EXPECT_EQ(m->Entry({}, res, scope, r).metadata,
            (Labels{{"detected_level", "unknown"}, {"os_type", "linux"}, {"user", "u1"}}));

  // ignore_defaults: service.name is structured metadata, and the stream has no service_name.
  LokiOtlpConfig bare;
  bare.resource_attributes.ignore_defaults = true;
  bare.resource_attributes.attributes_config = {{AttributeAction::kIndexLabel, {"os.type"}, ""}};
  auto b = LokiMapping::Make(bare);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->StreamLabels(res), (Labels{{"os_type", "linux"}}));

  LokiOtlpConfig bad;
  bad.log_attributes = {{AttributeAction::kIndexLabel, {"user"}, ""}};
  EXPECT_EQ(LokiMapping::Make(bad).status().message(),
            "log_attributes[0]: index_label action is only supported for resource_attributes");
  bad.log_attributes = {{AttributeAction::kDrop, {"user"}, "u.*"}};
  EXPECT_EQ(LokiMapping::Make(bad).status().message(),
            "log_attributes[0]: exactly one of attributes or regex must be set");
  bad.log_attributes = {{AttributeAction::kDrop, {}, "("}};
  EXPECT_FALSE(LokiMapping::Make(bad).ok());
}

}  // namespace
}  // namespace otter::store
