#include "otlp/item_limits.h"

#include <gtest/gtest.h>

#include <string>

#include "otlp/json_codec.h"
#include "otlp/proto_codec.h"
#include "otlp/proto_decode_internal.h"
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

// The inline check reads short strings with overlapping loads: a byte past ASCII is seen at
// every position of every length.
TEST(Utf8, SeesABytePastAsciiAnywhere) {
  for (size_t n = 1; n <= 20; ++n) {
    for (size_t at = 0; at < n; ++at) {
      std::string s(n, 'a');
      s[at] = '\xff';
      EXPECT_FALSE(IsValidUtf8(s)) << n << " " << at;
      if (at + 1 < n) {
        s[at] = '\xc3';  // é
        s[at + 1] = '\xa9';
        EXPECT_TRUE(IsValidUtf8(s)) << n << " " << at;
        s[at + 1] = 'a';  // a lead byte without its continuation
        EXPECT_FALSE(IsValidUtf8(s)) << n << " " << at;
      }
    }
    EXPECT_TRUE(IsValidUtf8(std::string(n, 'a')));
  }
  EXPECT_TRUE(IsValidUtf8(""));
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

// The decoder notes each kind of violation itself (so a request within the limits is not walked
// a second time), and only in text: bytes values and ids may hold any bytes.
TEST(ItemLimits, DecoderNoticesEachKindOfViolation) {
  const internal::WatchedLimits watched{/*max_attributes=*/2, /*max_array_length=*/2,
                                        /*max_string_length=*/8, /*utf8=*/true};
  auto over = [&](const pdata::LogBatch& b) {
    std::string body;
    EncodeLogs(b, &body);
    bool o = false;
    auto decoded = internal::DecodeLogsWatching(body, watched, &o);
    EXPECT_TRUE(decoded.ok());
    return o;
  };
  pdata::LogBatch b;
  auto& rl = b.resources().emplace_back();
  auto& rec = rl.scope_logs.emplace_back().log_records.emplace_back();
  rec.body.type = AnyValue::Type::kBytes;
  rec.body.string_value = "\xff\xfe\x80";
  rec.trace_id.bytes.fill(0xff);
  rec.attributes.push_back({"a", AnyValue::String("short")});
  rec.attributes.push_back({"b", AnyValue::Int(1)});
  EXPECT_FALSE(over(b));

  auto with = [&](auto change) {
    pdata::LogBatch c = b.Clone();
    change(c.resources()[0], c.resources()[0].scope_logs[0].log_records[0]);
    return over(c);
  };
  using RL = pdata::ResourceLogs;
  using Rec = pdata::LogRecord;
  EXPECT_TRUE(with([](RL&, Rec& r) { r.attributes.push_back({"c", AnyValue::Int(2)}); }));
  EXPECT_TRUE(with([](RL& l, Rec&) {
    for (int i = 0; i < 3; ++i) l.resource.attributes.push_back({"r", AnyValue::Int(i)});
  }));
  EXPECT_TRUE(with([](RL&, Rec& r) { r.body = AnyValue::String("nine bytes"); }));
  EXPECT_TRUE(with([](RL&, Rec& r) { r.severity_text = "\xc3"; }));
  EXPECT_TRUE(with([](RL&, Rec& r) { r.attributes[0].key = "k\xff"; }));
  EXPECT_TRUE(with([](RL& l, Rec&) { l.scope_logs[0].scope.name = "\xe2\x82"; }));
  EXPECT_TRUE(with([](RL&, Rec& r) {
    r.body.type = AnyValue::Type::kArray;
    for (int i = 0; i < 3; ++i) r.body.array_value.push_back(AnyValue::Int(i));
  }));
  EXPECT_TRUE(with([](RL&, Rec& r) {
    AnyValue kv;
    kv.type = AnyValue::Type::kKvList;
    for (int i = 0; i < 3; ++i) kv.kvlist_value.push_back({"k", AnyValue::Int(i)});
    r.attributes[1].value = kv;
  }));
  EXPECT_FALSE(with([](RL&, Rec& r) { r.body = AnyValue::String("caf\xc3\xa9"); }));
}

// Decoding with the limits gives what decoding and then applying them gives.
TEST(ItemLimits, DecodingWithinLimitsMatchesApplyingThemAfterwards) {
  pdata::TraceBatch b = OneSpan();
  auto& span = b.resources()[0].scope_spans[0].spans[0];
  for (int i = 0; i < 6; ++i)
    span.attributes.push_back({b.arenas().Copy("k" + std::to_string(i)), AnyValue::Int(i)});
  span.attributes.push_back({"s", AnyValue::String("bad \xff and long")});
  span.events.emplace_back().name = "ev\xfe";
  std::string body;
  EncodeTraces(b, &body);
  ItemLimits l;
  l.max_attributes = 5;
  l.max_string_length = 6;

  auto reference = DecodeTraces(body);
  ASSERT_TRUE(reference.ok());
  LimitCounts want = ApplyItemLimits(*reference, l);
  LimitCounts got;
  auto decoded = DecodeTracesWithinLimits(body, l, &got);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(got.dropped_attributes, 2u);
  EXPECT_EQ(got.repaired_utf8, 1u);  // the event name; the string value went with its attribute
  EXPECT_EQ(got.dropped_attributes, want.dropped_attributes);
  EXPECT_EQ(got.truncated_strings, want.truncated_strings);
  EXPECT_EQ(got.repaired_utf8, want.repaired_utf8);
  std::string a, c;
  EncodeTraces(*reference, &a);
  EncodeTraces(*decoded, &c);
  EXPECT_EQ(a, c);
  EXPECT_EQ(decoded->resources()[0].scope_spans[0].spans[0].events[0].name, "ev\xef\xbf\xbd");

  // Within the limits: nothing counted, the request bytes kept as the batch's encoding.
  body.clear();
  EncodeTraces(MakeSyntheticTraces(20, 1), &body);
  auto plain = DecodeTracesWithinLimits(body, ItemLimits::Defaults(), &got);
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(got.any());
  EXPECT_EQ(plain->wire(), body);
  EXPECT_FALSE(DecodeTracesWithinLimits("\x0a\x05", l, &got).ok());  // malformed
}

// OTLP/JSON strings are valid UTF-8 once decoded (simdjson validates the document and refuses
// unpaired surrogate escapes), so the receiver does not check their UTF-8 again.
// Protobuf wire by hand: a length-delimited field, a varint field.
std::string Len(int field, const std::string& payload) {
  std::string out(1, static_cast<char>(field << 3 | 2));
  out += static_cast<char>(payload.size());  // < 128 bytes here
  return out + payload;
}
std::string Varint(int field, uint8_t v) {
  return std::string{static_cast<char>(field << 3), static_cast<char>(v)};
}
// A logs request with one record made of `record_fields`.
std::string OneRecordRequest(const std::string& record_fields) {
  return Len(1, Len(2, Len(2, record_fields)));
}

// CountLogs reads scalar attributes and bodies without decoding them; a value that repeats a
// field (protobuf merges them) must still be noted exactly when the decoder notes it.
TEST(ItemLimits, CountLogsNotesMergedValuesAsTheDecoderDoes) {
  ItemLimits limits;
  limits.max_array_length = 4;
  limits.max_attributes = 2;
  const std::string three = Len(5, Len(1, Len(1, "a")) + Len(1, Len(1, "b")) + Len(1, Len(1, "c")));
  auto noted = [&](const std::string& record) {
    std::string wire = OneRecordRequest(record);
    EXPECT_TRUE(DecodeLogs(wire).ok());
    EXPECT_EQ(CountLogs(wire, nullptr), std::optional<size_t>(1));
    return !CountLogs(wire, &limits).has_value();
  };
  // The body's arrays merge to six values; a string between them clears the first.
  EXPECT_TRUE(noted(Len(5, three) + Len(5, three)));
  EXPECT_FALSE(noted(Len(5, three) + Len(5, Len(1, "x")) + Len(5, three)));
  EXPECT_FALSE(noted(Len(5, three)));
  // An attribute's value whose invalid string is followed by an int is still a bad string.
  EXPECT_TRUE(noted(Len(6, Len(1, "k") + Len(2, Len(1, "\xff") + Varint(3, 7)))));
  EXPECT_FALSE(noted(Len(6, Len(1, "k") + Len(2, Len(1, "ok") + Varint(3, 7)))));
  // Bytes are not text; keys are.
  EXPECT_FALSE(noted(Len(6, Len(1, "k") + Len(2, Len(7, "\xff")))));
  EXPECT_TRUE(noted(Len(6, Len(1, "\xff") + Len(2, Varint(2, 1)))));
  // Attributes count per record, scalar or not.
  const std::string scalar = Len(6, Len(1, "k") + Len(2, Varint(3, 1)));
  const std::string array = Len(6, Len(1, "k") + Len(2, three));
  EXPECT_FALSE(noted(scalar + array));
  EXPECT_TRUE(noted(scalar + array + scalar));
  EXPECT_FALSE(noted(scalar + scalar) || noted(Len(5, Len(1, "x")) + scalar + scalar));
}

TEST(ItemLimits, JsonDecoderLetsNoInvalidUtf8Through) {
  auto body = [](std::string text) {
    return R"({"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":")" + text +
           R"("}}]}]}]})";
  };
  auto ok = DecodeLogsJson(body(R"(caf\u00e9 \ud83d\ude00)"));
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ(ok->resources()[0].scope_logs[0].log_records[0].body.string_value,
            "caf\xc3\xa9 \xf0\x9f\x98\x80");
  EXPECT_FALSE(DecodeLogsJson(body("bad \xff byte")).ok());
  EXPECT_FALSE(DecodeLogsJson(body("\\ud800 alone")).ok());
  EXPECT_FALSE(DecodeLogsJson(body("\\udc00 alone")).ok());
}

}  // namespace
}  // namespace otter::otlp
