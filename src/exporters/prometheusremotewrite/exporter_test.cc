#include "exporters/prometheusremotewrite/exporter.h"

#include <gtest/gtest.h>

#include "exporters/exporterhelper/fake_backend.h"
#include "exporters/exporterhelper/testing.h"
#include "exporters/prometheusremotewrite/write_request.h"
#include "net/compression.h"

namespace otter::prometheusremotewrite {
namespace {

using exporterhelper::testing::Answer;
using exporterhelper::testing::FakeBackend;
using exporterhelper::testing::Respond;
using exporterhelper::testing::TestContext;
using namespace std::chrono_literals;

std::string Bytes(std::initializer_list<int> b) {
  std::string s;
  for (int c : b) s += static_cast<char>(c);
  return s;
}

TEST(RemoteWriteEncodingTest, OneSeriesOneSampleByteForByte) {
  store::ConvertedSeries s;
  s.labels = {{"__name__", "up"}};
  s.samples = {{1000, 1.0}};
  // Label{1:"__name__", 2:"up"} inside TimeSeries field 1; Sample{1: 1.0 (fixed64), 2: 1000}.
  std::string label = Bytes({0x0a, 0x08}) + "__name__" + Bytes({0x12, 0x02}) + "up";
  std::string sample = Bytes({0x09, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0x10, 0xe8, 0x07});
  std::string ts = Bytes({0x0a, 0x0e}) + label + Bytes({0x12, 0x0c}) + sample;
  EXPECT_EQ(EncodeTimeSeries(s), ts);
  auto reqs = EncodeWriteRequests({s}, {}, 1000);
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0], Bytes({0x0a, static_cast<int>(ts.size())}) + ts);
}

TEST(RemoteWriteEncodingTest, SplitsBetweenSeriesAndPutsMetadataFirst) {
  std::vector<store::ConvertedSeries> series(3);
  for (size_t i = 0; i < 3; ++i) {
    series[i].labels = {{"__name__", "m" + std::to_string(i)}};
    series[i].samples = {{1, 1}, {2, 2}};
  }
  series.push_back({});  // nothing to send: skipped
  store::MetricFamilyMetadata md{"m0", {"counter", "Requests.", ""}};
  size_t one = EncodeTimeSeries(series[0]).size() + 2;
  auto reqs = EncodeWriteRequests(series, {md}, 2 * one);
  ASSERT_EQ(reqs.size(), 2u);
  // Metadata{1: COUNTER, 2: "m0", 4: "Requests."} as WriteRequest field 3, before any series.
  EXPECT_EQ(reqs[0].substr(0, 2), Bytes({0x1a, 0x11}));
  EXPECT_EQ(reqs[0].substr(2, 17),
            Bytes({0x08, 0x01, 0x12, 0x02}) + "m0" + Bytes({0x22, 0x09}) + "Requests.");
  EXPECT_EQ(reqs[0].size(), 19 + one);
  EXPECT_EQ(reqs[1].size(), 2 * one);
}

class RemoteWriteExporterTest : public ::testing::Test {
 protected:
  RemoteWriteExporterTest() {
    cfg_.retry_on_failure.initial_interval = 1ms;
    cfg_.retry_on_failure.randomization_factor = 0;
  }
  std::unique_ptr<Exporter> Make(const std::string& endpoint) {
    cfg_.endpoint = endpoint;
    auto e = CreateExporter(t_.ctx(), cfg_);
    EXPECT_TRUE(e.ok()) << e.status().ToString();
    return e.ok() ? std::move(*e) : nullptr;
  }
  static pdata::MetricBatch Gauges(int n) {
    pdata::MetricBatch b;
    auto& rm = b.resources().emplace_back();
    rm.resource.attributes = {{"service.name", pdata::AnyValue::String("svc")}};
    auto& sm = rm.scope_metrics.emplace_back();
    for (int i = 0; i < n; ++i) {
      auto& m = sm.metrics.emplace_back();
      m.name = b.arenas().Copy("g" + std::to_string(i));
      m.type = pdata::MetricType::kGauge;
      auto& p = m.number_points.emplace_back();
      p.value_type = pdata::NumberDataPoint::ValueType::kDouble;
      p.as_double = i;
      p.time_unix_nano = 1'700'000'000'000'000'000ull;
    }
    return b;
  }
  Status Send(Exporter& e, pdata::MetricBatch b) {
    Answer a;
    e.consumers().metrics->Consume(std::move(b), a.done());
    return a.get();
  }
  static std::string Unsnappy(const net::HttpRequest& r) {
    auto out = net::Decompress(net::Encoding::kSnappy, r.body, 64 << 20);
    EXPECT_TRUE(out.ok());
    return out.ok() ? *out : "";
  }

  PrometheusRemoteWriteConfig cfg_;
  TestContext t_{{"prometheusremotewrite", ""}};
};

TEST_F(RemoteWriteExporterTest, HeadersExternalLabelsAndNamespace) {
  FakeBackend backend;
  cfg_.remote_write_queue.enabled = false;
  cfg_.name_space = "otel";
  cfg_.external_labels = {{"cluster", "c1"}, {"job", "ignored: the series has one"}};
  cfg_.target_info.enabled = false;
  auto e = Make(backend.url() + "/api/v1/write");
  ASSERT_TRUE(Send(*e, Gauges(1)).ok());
  auto reqs = backend.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].target, "/api/v1/write");
  EXPECT_EQ(reqs[0].Header("Content-Encoding"), "snappy");
  EXPECT_EQ(reqs[0].Header("Content-Type"), "application/x-protobuf");
  EXPECT_EQ(reqs[0].Header("X-Prometheus-Remote-Write-Version"), "0.1.0");
  store::ConvertedSeries want;
  want.labels = {{"__name__", "otel_g0"}, {"cluster", "c1"}, {"job", "svc"}};
  want.samples = {{1'700'000'000'000, 0}};
  EXPECT_EQ(Unsnappy(reqs[0]), EncodeWriteRequests({want}, {}, 1 << 20)[0]);
}

// A batch split in two requests: the second fails retryably, the retry sends only the second.
TEST_F(RemoteWriteExporterTest, RetryResumesAfterTheAcceptedRequests) {
  FakeBackend backend;
  backend.Script({Respond(200), Respond(500, "overloaded"), Respond(429)});
  cfg_.remote_write_queue.enabled = false;
  cfg_.target_info.enabled = false;
  cfg_.max_batch_size_bytes = 60;
  auto e = Make(backend.url());
  ASSERT_TRUE(Send(*e, Gauges(2)).ok());
  auto reqs = backend.requests();
  ASSERT_EQ(reqs.size(), 4u);
  EXPECT_NE(reqs[0].body, reqs[1].body);
  EXPECT_EQ(reqs[1].body, reqs[2].body);
  EXPECT_EQ(reqs[1].body, reqs[3].body);
  EXPECT_NE(Unsnappy(reqs[0]).find("g0"), std::string::npos);
  EXPECT_NE(Unsnappy(reqs[3]).find("g1"), std::string::npos);
  EXPECT_EQ(t_.Counter("sent", "metric_points"), 2);
}

TEST_F(RemoteWriteExporterTest, BadRequestIsPermanentAndDeltasAreNotSent) {
  FakeBackend backend;
  backend.Script({Respond(400, "out of order sample")});
  cfg_.remote_write_queue.enabled = false;
  auto e = Make(backend.url());
  Status s = Send(*e, Gauges(1));
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("out of order sample"), std::string_view::npos) << s.ToString();
  EXPECT_EQ(backend.requests().size(), 1u);

  pdata::MetricBatch delta = Gauges(1);
  auto& m = delta.resources()[0].scope_metrics[0].metrics[0];
  m.type = pdata::MetricType::kSum;
  m.is_monotonic = true;
  m.temporality = pdata::AggregationTemporality::kDelta;
  e = Make(backend.url());  // a fresh sender: the first one's thread may still be finishing
  Status d = Send(*e, std::move(delta));
  EXPECT_TRUE(d.ok()) << d.ToString();
  EXPECT_EQ(t_.metrics()
                .GetCounter("otter_exporter_untranslatable_metric_points_total", "",
                            {{"exporter", "prometheusremotewrite"}})
                .value(),
            1u);
}

TEST(RemoteWriteConfigTest, ErrorsNameTheKey) {
  PrometheusRemoteWriteConfig c;
  EXPECT_EQ(c.Validate().message(),
            "endpoint must be set (the Remote Write URL, e.g. "
            "http://prometheus:9090/api/v1/write)");
  c.endpoint = "http://x/api/v1/write";
  c.headers = {{"Content-Type", "x"}};
  EXPECT_EQ(c.Validate().message(), "headers: \"Content-Type\" cannot be changed");
}

}  // namespace
}  // namespace otter::prometheusremotewrite
