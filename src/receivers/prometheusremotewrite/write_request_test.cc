#include "receivers/prometheusremotewrite/write_request.h"

#include <gtest/gtest.h>

#include "exporters/prometheusremotewrite/write_request.h"

namespace otter::prometheusremotewrite {
namespace {

// The exporter's encoder writes the request; the receiver must read back exactly that.
TEST(RemoteWriteReceiveTest, DecodesWhatTheExporterEncodes) {
  store::ConvertedSeries a;
  a.labels = {{"__name__", "http_requests_total"},
              {"code", "200"},
              {"instance", "pod-1"},
              {"job", "shop/frontend"}};
  a.samples = {{1000, 3}, {2000, 5}};
  a.exemplars = {{{{"trace_id", "0af7651916cd43dd8448eb211c80319c"}, {"user", "u1"}}, 4.5, 1500}};
  store::ConvertedSeries b;
  b.labels = {{"__name__", "temperature"}, {"job", "sensor"}};
  b.samples = {{1000, -1.5}};
  store::MetricFamilyMetadata md{"http_requests", {"counter", "Requests served.", ""}};
  auto bodies = EncodeWriteRequests({a, b}, {md}, 1 << 20);
  ASSERT_EQ(bodies.size(), 1u);

  auto req = DecodeWriteRequest(bodies[0]);
  ASSERT_TRUE(req.ok()) << req.status().ToString();
  ASSERT_EQ(req->series.size(), 2u);
  ASSERT_EQ(req->metadata.size(), 1u);
  EXPECT_EQ(req->metadata[0].family, "http_requests");
  EXPECT_EQ(req->metadata[0].type, 1);

  std::map<std::string, FamilyInfo, std::less<>> families = {
      {"http_requests", {1, "Requests served."}}};
  TranslateStats stats;
  pdata::MetricBatch batch = TranslateWriteRequest(*req, families, &stats);
  EXPECT_EQ(stats.points, 3u);
  ASSERT_EQ(batch.resources().size(), 2u);
  const auto& r0 = batch.resources()[0];
  EXPECT_EQ(r0.resource.attributes,
            (pdata::Attributes{{"service.namespace", pdata::AnyValue::String("shop")},
                               {"service.name", pdata::AnyValue::String("frontend")},
                               {"service.instance.id", pdata::AnyValue::String("pod-1")}}));
  const pdata::Metric& m = r0.scope_metrics[0].metrics[0];
  EXPECT_EQ(m.name, "http_requests_total");
  EXPECT_EQ(m.type, pdata::MetricType::kSum);  // the metadata says counter
  EXPECT_TRUE(m.is_monotonic);
  EXPECT_EQ(m.description, "Requests served.");
  ASSERT_EQ(m.number_points.size(), 2u);
  EXPECT_EQ(m.number_points[1].time_unix_nano, 2'000'000'000u);
  EXPECT_EQ(m.number_points[1].as_double, 5);
  EXPECT_EQ(m.number_points[1].attributes,
            (pdata::Attributes{{"code", pdata::AnyValue::String("200")}}));
  ASSERT_EQ(m.number_points[1].exemplars.size(), 1u);
  const pdata::Exemplar& e = m.number_points[1].exemplars[0];
  EXPECT_EQ(e.trace_id.Hex(), "0af7651916cd43dd8448eb211c80319c");
  EXPECT_EQ(e.filtered_attributes, (pdata::Attributes{{"user", pdata::AnyValue::String("u1")}}));
  EXPECT_EQ(e.as_double, 4.5);
  const pdata::Metric& g = batch.resources()[1].scope_metrics[0].metrics[0];
  EXPECT_EQ(g.type, pdata::MetricType::kGauge);
  EXPECT_EQ(g.number_points[0].as_double, -1.5);
}

TEST(RemoteWriteReceiveTest, MalformedBodiesNameWhatIsWrong) {
  store::ConvertedSeries a;
  a.labels = {{"__name__", "x"}};
  a.samples = {{1, 1}};
  std::string body = EncodeWriteRequests({a}, {}, 1 << 20)[0];
  EXPECT_EQ(DecodeWriteRequest(body.substr(0, body.size() - 3)).status().message(),
            "malformed protobuf: truncated field");
  std::string bad = body;
  bad[4] = static_cast<char>(0xff);  // inside the label: a broken length
  EXPECT_FALSE(DecodeWriteRequest(bad).ok());
}

}  // namespace
}  // namespace otter::prometheusremotewrite
