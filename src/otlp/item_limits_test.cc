#include "otlp/item_limits.h"

#include <gtest/gtest.h>

#include <string>

#include "otlp/proto_codec.h"
#include "otlp/synthetic.h"
#include "otlp/utf8.h"

namespace otter::otlp {
namespace {

using pdata::AnyValue;

TEST(Utf8, ValidatesRepairsAndCutsAtBoundaries) {
  EXPECT_TRUE(IsValidUtf8("plain ascii, longer than eight bytes"));
  EXPECT_TRUE(IsValidUtf8("caf\xc3\xa9 \xe2\x82\xac"));
  EXPECT_FALSE(IsValidUtf8("abcdefgh\xff"));
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));  // overlong '/'
  EXPECT_EQ(RepairUtf8("a\xff"
                       "b\xc3"),
            "a\xef\xbf\xbd"
            "b\xef\xbf\xbd");
  EXPECT_EQ(Utf8Prefix("caf\xc3\xa9", 4), "caf");  // not half of the é
  EXPECT_EQ(Utf8Prefix("caf\xc3\xa9", 5), "caf\xc3\xa9");
  EXPECT_EQ(Utf8Prefix("abc", 10), "abc");
}

pdata::TraceBatch OneSpan() {
  pdata::TraceBatch b;
  auto& span = b.resources().emplace_back().scope_spans.emplace_back().spans.emplace_back();
  span.name = "GET /";
  return b;
}

TEST(ItemLimits, OrdinaryTelemetryIsUntouchedAndKeepsItsEncoding) {
  std::string body;
  EncodeTraces(MakeSyntheticTraces(50, 1), &body);
  auto batch = DecodeTraces(body);
  ASSERT_TRUE(batch.ok());
  ASSERT_FALSE(batch->wire().empty());
  EXPECT_FALSE(ApplyItemLimits(*batch, ItemLimits::Defaults()).any());
  EXPECT_EQ(batch->wire(), body);  // nothing changed: the exporters may reuse the request bytes
  EXPECT_EQ(CountTracesWithinLimits(body, ItemLimits::Defaults()), 50u);
}

TEST(ItemLimits, DropsExtraAttributesAndCountsThem) {
  pdata::TraceBatch b = OneSpan();
  auto& span = b.resources()[0].scope_spans[0].spans[0];
  for (int i = 0; i < 10; ++i)
    span.attributes.push_back({b.arenas().Copy("k" + std::to_string(i)), AnyValue::Int(i)});
  span.dropped_attributes_count = 2;
  ItemLimits l;
  l.max_attributes = 4;
  LimitCounts c = ApplyItemLimits(b, l);
  EXPECT_EQ(c.dropped_attributes, 6u);
  ASSERT_EQ(span.attributes.size(), 4u);
  EXPECT_EQ(span.attributes[3].key, "k3");  // the first ones are kept, as the SDKs do
  EXPECT_EQ(span.dropped_attributes_count, 8u);
}

TEST(ItemLimits, TruncatesArraysAndStringsAtAnyDepth) {
  pdata::TraceBatch b = OneSpan();
  auto& span = b.resources()[0].scope_spans[0].spans[0];
  AnyValue list;
  list.type = AnyValue::Type::kArray;
  for (int i = 0; i < 5; ++i) list.array_value.push_back(AnyValue::String("0123456789"));
  AnyValue outer;
  outer.type = AnyValue::Type::kKvList;
  outer.kvlist_value.push_back({"inner", list});
  span.attributes.push_back({"nested", outer});
  span.name = "caf\xc3\xa9-caf\xc3\xa9";  // 12 bytes
  ItemLimits l;
  l.max_array_length = 3;
  l.max_string_length = 4;
  LimitCounts c = ApplyItemLimits(b, l);
  EXPECT_EQ(c.truncated_arrays, 1u);
  // the span name, the key "nested", the key "inner" and 3 elements
  EXPECT_EQ(c.truncated_strings, 6u);
  EXPECT_EQ(span.name, "caf");
  const AnyValue& inner = span.attributes[0].value.kvlist_value[0].value;
  ASSERT_EQ(inner.array_value.size(), 3u);
  EXPECT_EQ(inner.array_value[2].string_value, "0123");
  EXPECT_EQ(span.attributes[0].key, "nest");
}

TEST(ItemLimits, RepairsInvalidUtf8InLogsAndMetrics) {
  pdata::LogBatch logs;
  auto& rec = logs.resources().emplace_back().scope_logs.emplace_back().log_records.emplace_back();
  rec.body = AnyValue::String("bad \xff byte");
  rec.attributes.push_back({"k\xfe", AnyValue::String("fine")});
  LimitCounts c = ApplyItemLimits(logs, ItemLimits::Defaults());
  EXPECT_EQ(c.repaired_utf8, 2u);
  EXPECT_EQ(rec.body.string_value, "bad \xef\xbf\xbd byte");
  EXPECT_EQ(rec.attributes[0].key, "k\xef\xbf\xbd");

  pdata::MetricBatch metrics;
  auto& m = metrics.resources().emplace_back().scope_metrics.emplace_back().metrics.emplace_back();
  m.name = "requests\x80";
  auto& dp = m.number_points.emplace_back();
  for (int i = 0; i < 3; ++i) dp.attributes.push_back({"a", AnyValue::Int(i)});
  ItemLimits l;
  l.max_attributes = 1;
  c = ApplyItemLimits(metrics, l);
  EXPECT_EQ(c.repaired_utf8, 1u);
  EXPECT_EQ(c.dropped_attributes, 2u);
  EXPECT_EQ(m.name, "requests\xef\xbf\xbd");
  EXPECT_EQ(dp.attributes.size(), 1u);
}

TEST(ItemLimits, UndecodedTracesOverALimitAreNoticed) {
  pdata::TraceBatch b = OneSpan();
  auto& span = b.resources()[0].scope_spans[0].spans[0];
  for (int i = 0; i < 5; ++i) span.attributes.push_back({"k", AnyValue::Int(i)});
  std::string body;
  EncodeTraces(b, &body);
  ItemLimits l;
  EXPECT_EQ(CountTracesWithinLimits(body, l), 1u);
  l.max_attributes = 4;
  EXPECT_EQ(CountTracesWithinLimits(body, l), std::nullopt);
  span.attributes.resize(1);
  span.name = "\xff";
  body.clear();
  EncodeTraces(b, &body);
  EXPECT_EQ(CountTracesWithinLimits(body, l), std::nullopt);
  EXPECT_EQ(CountTracesWithinLimits("\x0a\x05", l), std::nullopt);  // malformed
}

}  // namespace
}  // namespace otter::otlp
