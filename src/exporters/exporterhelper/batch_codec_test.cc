// The persistent queue's batch payload: request metadata before the OTLP body, and bodies
// without it (older queues, batches without metadata) exactly the OTLP request.
#include "exporters/exporterhelper/batch_codec.h"

#include <gtest/gtest.h>

#include "otlp/proto_codec.h"

namespace otter::exporterhelper {
namespace {

pdata::LogBatch OneLog(const std::string& body) {
  pdata::LogBatch b;
  auto& rl = b.resources().emplace_back();
  auto& sl = rl.scope_logs.emplace_back();
  sl.log_records.emplace_back().body = pdata::AnyValue::String(b.arenas().Copy(body));
  return b;
}

TEST(BatchCodecTest, WithoutMetadataThePayloadIsTheOtlpRequest) {
  std::string payload, otlp_bytes;
  EncodeBatch(OneLog("x"), &payload);
  otlp::EncodeLogs(OneLog("x"), &otlp_bytes);
  EXPECT_EQ(payload, otlp_bytes);
  pdata::LogBatch back;
  ASSERT_TRUE(DecodeBatch(otlp_bytes, &back).ok());  // a queue written before metadata
  EXPECT_EQ(back.ItemCount(), 1u);
  EXPECT_TRUE(back.metadata().empty());
}

// An undecoded traces batch (the OTLP exporters take them) is stored as the request it is.
TEST(BatchCodecTest, UndecodedTracesAreStoredAsTheirRequest) {
  pdata::TraceBatch t;
  auto& span = t.resources().emplace_back().scope_spans.emplace_back().spans.emplace_back();
  span.name = "checkout";
  std::string request;
  otlp::EncodeTraces(t, &request);
  pdata::TraceBatch undecoded = pdata::TraceBatch::Undecoded(request, 1);
  undecoded.AddMetadata("x-tenant", "a");
  std::string payload;
  EncodeBatch(undecoded, &payload);
  EXPECT_EQ(payload.substr(payload.size() - request.size()), request);
  pdata::TraceBatch back;
  ASSERT_TRUE(DecodeBatch(payload, &back).ok());
  ASSERT_EQ(back.ItemCount(), 1u);
  EXPECT_EQ(back.resources()[0].scope_spans[0].spans[0].name, "checkout");
  EXPECT_EQ(back.metadata(), undecoded.metadata());
}

TEST(BatchCodecTest, MetadataRoundTrips) {
  pdata::LogBatch b = OneLog("hello");
  b.AddMetadata("X-Scope-OrgID", "tenant-a");
  b.AddMetadata("empty", "");
  std::string payload;
  EncodeBatch(b, &payload);
  ASSERT_EQ(payload[0], '\0');
  pdata::LogBatch back;
  ASSERT_TRUE(DecodeBatch(payload, &back).ok());
  EXPECT_EQ(back.metadata(), b.metadata());
  ASSERT_EQ(back.ItemCount(), 1u);
  EXPECT_EQ(back.resources()[0].scope_logs[0].log_records[0].body.string_value, "hello");
}

TEST(BatchCodecTest, DamagedMetadataBlockIsAnError) {
  pdata::LogBatch b = OneLog("hello");
  b.AddMetadata("tenant", "a");
  std::string payload;
  EncodeBatch(b, &payload);
  pdata::LogBatch back;
  EXPECT_EQ(DecodeBatch(payload.substr(0, 9), &back).message(),
            "queued batch: truncated metadata block");
  payload[1] = 9;
  EXPECT_EQ(DecodeBatch(payload, &back).message(), "queued batch: unknown metadata block");
}

}  // namespace
}  // namespace otter::exporterhelper
