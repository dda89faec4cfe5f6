// The loki receiver over a real socket: with include_metadata every header of the push request
// travels with the log batch (keys lower-cased, repeated headers kept in order); without it the
// batch carries none.
#include "receivers/loki/receiver.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>

#include "net/test_util.h"
#include "receivers/otlp/test_fakes.h"

namespace otter::loki_receiver {
namespace {

using Entries = std::vector<pdata::Metadata::Entry>;

pdata::LogBatch Push(bool include_metadata) {
  LokiReceiverConfig cfg;
  cfg.protocols.http = LokiReceiverConfig::Http{};
  cfg.protocols.http->endpoint = "127.0.0.1:0";
  cfg.protocols.http->include_metadata = include_metadata;
  ComponentContext ctx;
  ctx.id = {"loki", ""};
  ctx.logger =
      std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>());
  otlp_receiver::testing::FakeConsumer<pdata::LogBatch> logs;
  LokiReceiver rx(ctx, cfg, &logs);
  EXPECT_TRUE(rx.Start().ok());
  const std::string body =
      R"({"streams":[{"stream":{"job":"a"},"values":[["1700000000000000000","hi"]]}]})";
  net::testing::HttpTestClient c(rx.port());
  auto r = c.Send({"POST",
                   "/loki/api/v1/push",
                   {{"Content-Type", "application/json"},
                    {"X-Scope-OrgID", "acme"},
                    {"X-Team", "red"},
                    {"x-team", "blue"}},
                   body});
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  if (r.ok()) {
    EXPECT_EQ(r->status, 204);
  }
  rx.Shutdown();
  EXPECT_EQ(logs.batches(), 1u);
  if (logs.batches() != 1) return {};
  return logs.TakeBatch(0);
}

TEST(LokiReceiverMetadataTest, IncludeMetadataKeepsEveryHeaderLowerCased) {
  pdata::LogBatch b = Push(true);
  ASSERT_EQ(b.ItemCount(), 1u);
  const std::string length = std::to_string(
      std::string_view(
          R"({"streams":[{"stream":{"job":"a"},"values":[["1700000000000000000","hi"]]}]})")
          .size());
  EXPECT_EQ(b.metadata().entries(), (Entries{{"host", "localhost"},
                                             {"content-type", "application/json"},
                                             {"x-scope-orgid", "acme"},
                                             {"x-team", "red"},
                                             {"x-team", "blue"},
                                             {"content-length", length}}));
  EXPECT_EQ(b.metadata().Get("X-Scope-OrgID"), std::vector<std::string_view>{"acme"});
}

TEST(LokiReceiverMetadataTest, WithoutIncludeMetadataTheBatchCarriesNone) {
  pdata::LogBatch b = Push(false);
  ASSERT_EQ(b.ItemCount(), 1u);
  EXPECT_TRUE(b.metadata().empty());
}

}  // namespace
}  // namespace otter::loki_receiver
