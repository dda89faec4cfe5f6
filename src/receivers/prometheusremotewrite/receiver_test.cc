// The prometheusremotewrite receiver over a real socket: with include_metadata every header of
// the write request travels with the metric batch (keys lower-cased, repeated headers kept in
// order); without it the batch carries none.
#include "receivers/prometheusremotewrite/receiver.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>

#include "exporters/prometheusremotewrite/write_request.h"
#include "net/compression.h"
#include "net/test_util.h"
#include "receivers/otlp/test_fakes.h"

namespace otter::prometheusremotewrite {
namespace {

using Entries = std::vector<pdata::Metadata::Entry>;

std::string Body() {
  store::ConvertedSeries s;
  s.labels = {{"__name__", "up"}, {"job", "node"}};
  s.samples = {{1700000000000, 1}};
  auto bodies = EncodeWriteRequests({s}, {}, 1 << 20);
  EXPECT_EQ(bodies.size(), 1u);
  auto compressed = net::Compress(net::Encoding::kSnappy, bodies.at(0));
  EXPECT_TRUE(compressed.ok());
  return compressed.ok() ? *compressed : "";
}

pdata::MetricBatch Write(bool include_metadata, const std::string& body) {
  PrometheusRemoteWriteReceiverConfig cfg;
  cfg.endpoint = "127.0.0.1:0";
  cfg.include_metadata = include_metadata;
  ComponentContext ctx;
  ctx.id = {"prometheusremotewrite", ""};
  ctx.logger =
      std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>());
  otlp_receiver::testing::FakeConsumer<pdata::MetricBatch> metrics;
  RemoteWriteReceiver rx(ctx, cfg, &metrics);
  EXPECT_TRUE(rx.Start().ok());
  net::testing::HttpTestClient c(rx.port());
  auto r = c.Send({"POST",
                   "/api/v1/write",
                   {{"Content-Type", "application/x-protobuf"},
                    {"Content-Encoding", "snappy"},
                    {"X-Prometheus-Remote-Write-Version", "0.1.0"},
                    {"X-Scope-OrgID", "acme"},
                    {"X-Scope-OrgID", "globex"}},
                   body});
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  if (r.ok()) {
    EXPECT_EQ(r->status, 204) << r->body;
  }
  rx.Shutdown();
  EXPECT_EQ(metrics.batches(), 1u);
  if (metrics.batches() != 1) return {};
  return metrics.TakeBatch(0);
}

TEST(RemoteWriteReceiverMetadataTest, IncludeMetadataKeepsEveryHeaderLowerCased) {
  const std::string body = Body();
  pdata::MetricBatch b = Write(true, body);
  ASSERT_EQ(b.ItemCount(), 1u);
  EXPECT_EQ(b.metadata().entries(), (Entries{{"host", "localhost"},
                                             {"content-type", "application/x-protobuf"},
                                             {"content-encoding", "snappy"},
                                             {"x-prometheus-remote-write-version", "0.1.0"},
                                             {"x-scope-orgid", "acme"},
                                             {"x-scope-orgid", "globex"},
                                             {"content-length", std::to_string(body.size())}}));
  EXPECT_EQ(b.metadata().Count("X-Scope-OrgID"), 2u);
}

TEST(RemoteWriteReceiverMetadataTest, WithoutIncludeMetadataTheBatchCarriesNone) {
  pdata::MetricBatch b = Write(false, Body());
  ASSERT_EQ(b.ItemCount(), 1u);
  EXPECT_TRUE(b.metadata().empty());
}

}  // namespace
}  // namespace otter::prometheusremotewrite
