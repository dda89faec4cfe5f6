#include "store/span_columns.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <tuple>

#include "otlp/proto_codec.h"
#include "otlp/synthetic.h"
#include "store/number_coding.h"

namespace otter::store {
namespace {

using pdata::AnyValue;

// A span with the resource and scope it came with.
struct Flat {
  pdata::Resource resource;
  std::string_view resource_schema;
  pdata::InstrumentationScope scope;
  std::string_view scope_schema;
  pdata::Span span;
  bool operator==(const Flat&) const = default;
};

std::vector<Flat> Flatten(const pdata::TraceBatch& b) {
  std::vector<Flat> out;
  for (const auto& rs : b.resources())
    for (const auto& ss : rs.scope_spans)
      for (const auto& sp : ss.spans)
        out.push_back({rs.resource, rs.schema_url, ss.scope, ss.schema_url, sp});
  std::stable_sort(out.begin(), out.end(), [](const Flat& a, const Flat& b) {
    return std::tie(a.span.trace_id, a.span.start_time_unix_nano, a.span.span_id) <
           std::tie(b.span.trace_id, b.span.start_time_unix_nano, b.span.span_id);
  });
  return out;
}

// Synthetic spans plus every field and value kind the synthetic generator leaves out.
pdata::TraceBatch Varied() {
  pdata::TraceBatch b = otlp::MakeSyntheticTraces(120, 7);
  b.Append(otlp::MakeSyntheticTraces(50, 8));
  pdata::TraceBatch extra;
  pdata::ResourceSpans rs;
  rs.resource.attributes = {{"service.name", AnyValue::String("edge")}};
  rs.resource.dropped_attributes_count = 2;
  rs.schema_url = "https://schema/1";
  for (int scope = 0; scope < 2; ++scope) {
    pdata::ScopeSpans ss;
    ss.scope.name = scope ? "lib.b" : "lib.a";
    ss.scope.version = "2.0";
    ss.scope.attributes = {{"scope.attr", AnyValue::Int(scope)}};
    ss.scope.dropped_attributes_count = 1;
    ss.schema_url = scope ? "" : "https://schema/scope";
    pdata::TraceId trace;
    trace.bytes[0] = static_cast<uint8_t>(0x10 + scope);
    // A large trace (index by map) with parents inside and outside it, out-of-order starts,
    // an end before its start, links, arrays, maps, bytes, empty values and mixed-type keys.
    for (int i = 0; i < 80; ++i) {
      pdata::Span sp;
      sp.trace_id = trace;
      sp.span_id.bytes[0] = static_cast<uint8_t>(i + 1);
      sp.span_id.bytes[7] = static_cast<uint8_t>(scope);
      if (i % 7 == 3) {
        sp.parent_span_id.bytes[3] = 0xee;  // not in the trace
      } else if (i > 0) {
        sp.parent_span_id.bytes[0] = static_cast<uint8_t>(i / 2 + 1);
        sp.parent_span_id.bytes[7] = static_cast<uint8_t>(scope);
      }
      sp.name = i % 2 ? "odd" : "";
      sp.trace_state = i % 5 ? "" : "k=v";
      sp.kind = static_cast<pdata::SpanKind>(i % 6);
      sp.start_time_unix_nano = 1'700'000'000'000'000'000ull + static_cast<uint64_t>((i * 37) % 80);
      sp.end_time_unix_nano = i == 9 ? sp.start_time_unix_nano - 5 : sp.start_time_unix_nano + 99;
      AnyValue arr;
      arr.type = AnyValue::Type::kArray;
      arr.array_value = {AnyValue::Int(1), AnyValue::String("two")};
      AnyValue map;
      map.type = AnyValue::Type::kKvList;
      map.kvlist_value = {{"inner", arr}, {"flag", AnyValue::Bool(true)}};
      AnyValue bytes;
      bytes.type = AnyValue::Type::kBytes;
      bytes.string_value = "\x01\x02";
      sp.attributes = {{"arr", arr},
                       {"map", map},
                       {"bytes", bytes},
                       {"empty", AnyValue()},
                       {"mixed", i % 2 ? AnyValue::Int(i) : AnyValue::String("s")},
                       {"d", AnyValue::Double(-0.5 * i)},
                       {"", AnyValue::String("")}};
      if (i % 3 == 0) sp.attributes.resize(2);
      sp.dropped_attributes_count = static_cast<uint32_t>(i % 3);
      if (i % 4 == 0) {
        pdata::SpanEvent e;
        e.time_unix_nano = sp.start_time_unix_nano - 3;  // before its span
        e.name = "ev";
        e.attributes = {{"ek", AnyValue::Int(-i)}};
        e.dropped_attributes_count = 4;
        sp.events.push_back(e);
        sp.events.push_back(pdata::SpanEvent{});
      }
      sp.dropped_events_count = 5;
      if (i % 6 == 1) {
        pdata::SpanLink l;
        l.trace_id.bytes[15] = 9;
        l.span_id.bytes[0] = 8;
        l.trace_state = "a=b";
        l.attributes = {{"lk", AnyValue::Bool(false)}};
        l.dropped_attributes_count = 1;
        l.flags = 0x301;
        sp.links.push_back(l);
      }
      sp.dropped_links_count = 6;
      sp.status.code = static_cast<pdata::StatusCode>(i % 3);
      sp.status.message = i % 3 == 2 ? "bad" : "";
      sp.flags = static_cast<uint32_t>(i);
      ss.spans.push_back(sp);
    }
    rs.scope_spans.push_back(ss);
  }
  extra.resources().push_back(rs);
  b.Append(std::move(extra));
  return b;
}

// `in` as head rows, in the order a flush would use (by trace id, then start).
struct Laid {
  SpanRows rows;
  std::vector<uint32_t> order;
  std::vector<PageTrace> traces;
  std::vector<PageTraceInfo> infos;
};

std::unique_ptr<Laid> Lay(const pdata::TraceBatch& in) {
  auto l = std::make_unique<Laid>();
  l->rows.Append(in);
  std::map<pdata::TraceId, std::vector<uint32_t>> by_trace;
  for (uint32_t i = 0; i < l->rows.spans.size(); ++i)
    by_trace[l->rows.spans[i].trace_id].push_back(i);
  for (auto& [id, v] : by_trace) {
    std::stable_sort(v.begin(), v.end(), [&](uint32_t a, uint32_t b) {
      return l->rows.spans[a].start < l->rows.spans[b].start;
    });
    uint64_t min_start = l->rows.spans[v[0]].start;
    l->traces.push_back(
        {min_start, static_cast<uint32_t>(l->order.size()), static_cast<uint32_t>(v.size())});
    l->infos.push_back({id, min_start, static_cast<uint32_t>(v.size())});
    l->order.insert(l->order.end(), v.begin(), v.end());
  }
  return l;
}

// All of `rows` as OTLP data.
pdata::TraceBatch AllOf(const SpanRows& rows, pdata::TraceBatch out = {}) {
  std::vector<uint32_t> all(rows.spans.size());
  for (uint32_t i = 0; i < all.size(); ++i) all[i] = i;
  rows.ToBatch(all, &out);
  return out;
}

TEST(SpanColumnsTest, RowsRoundTrip) {
  pdata::TraceBatch in = Varied();
  SpanRows rows;
  rows.Append(in);
  ASSERT_EQ(rows.spans.size(), in.ItemCount());
  pdata::TraceBatch out = AllOf(rows);
  EXPECT_EQ(Flatten(out), Flatten(in));
  EXPECT_EQ(out.resources().size(), 3u);  // synthetic seeds 7 and 8, and "edge"
}

// Rows built straight from a request's protobuf are the rows built from its decoded batch.
TEST(SpanColumnsTest, AppendWireBuildsTheRowsAppendDoes) {
  pdata::TraceBatch in = Varied();
  std::string wire;
  otlp::EncodeTraces(in, &wire);
  SpanRows from_batch, from_wire;
  from_batch.Append(*otlp::DecodeTraces(wire));
  ASSERT_TRUE(from_wire.AppendWire(wire));
  ASSERT_EQ(from_wire.spans.size(), in.ItemCount());
  EXPECT_EQ(from_wire.attrs.size(), from_batch.attrs.size());
  EXPECT_EQ(from_wire.events.size(), from_batch.events.size());
  EXPECT_EQ(from_wire.links.size(), from_batch.links.size());
  EXPECT_EQ(from_wire.scopes.size(), from_batch.scopes.size());
  EXPECT_EQ(Flatten(AllOf(from_wire)), Flatten(in));

  // A request that does not parse adds no span; the rows go on as before.
  EXPECT_FALSE(from_wire.AppendWire(wire.substr(0, wire.size() - 7)));
  EXPECT_EQ(from_wire.spans.size(), in.ItemCount());
  ASSERT_TRUE(from_wire.AppendWire(wire));
  pdata::TraceBatch twice = Varied();
  twice.Append(Varied());
  EXPECT_EQ(Flatten(AllOf(from_wire)), Flatten(twice));
}

TEST(SpanColumnsTest, PageRoundTrip) {
  pdata::TraceBatch in = Varied();
  auto l = Lay(in);
  SpanPageWriter writer(l->rows);
  std::string page = writer.Encode(l->order, l->traces);
  SpanRows decoded;
  ASSERT_TRUE(DecodeSpanPage(page, l->infos, &decoded).ok());
  ASSERT_EQ(decoded.spans.size(), l->rows.spans.size());
  EXPECT_EQ(Flatten(AllOf(decoded)), Flatten(in));
  // A second page from the same writer numbers its strings afresh.
  EXPECT_EQ(writer.Encode(l->order, l->traces), page);
}

TEST(SpanColumnsTest, PartialPages) {
  pdata::TraceBatch in = otlp::MakeSyntheticTraces(100, 3);
  auto l = Lay(in);
  // Two pages split at a trace boundary decode to the same spans as one.
  size_t half = l->traces.size() / 2;
  SpanPageWriter writer(l->rows);
  std::string p1 = writer.Encode(l->order, std::span(l->traces).first(half));
  std::string p2 = writer.Encode(l->order, std::span(l->traces).subspan(half));
  SpanRows d1, d2;
  ASSERT_TRUE(DecodeSpanPage(p1, std::span(l->infos).first(half), &d1).ok());
  ASSERT_TRUE(DecodeSpanPage(p2, std::span(l->infos).subspan(half), &d2).ok());
  EXPECT_EQ(d1.spans.size() + d2.spans.size(), 100u);
  EXPECT_EQ(Flatten(AllOf(d2, AllOf(d1))), Flatten(in));
}

TEST(SpanColumnsTest, CorruptPagesFailCleanly) {
  auto l = Lay(Varied());
  std::string page = SpanPageWriter(l->rows).Encode(l->order, l->traces);
  for (size_t cut : {size_t{0}, size_t{1}, page.size() / 2, page.size() - 1}) {
    SpanRows d;
    EXPECT_FALSE(DecodeSpanPage(page.substr(0, cut), l->infos, &d).ok()) << cut;
  }
  // Random byte changes: decoding either fails or yields rows that convert (never reads out of
  // bounds; the sanitizer build checks that).
  std::mt19937 rng(1);
  int failed = 0;
  for (int i = 0; i < 300; ++i) {
    std::string bad = page;
    for (int k = 0; k < 3; ++k) bad[rng() % bad.size()] = static_cast<char>(rng());
    SpanRows d;
    if (!DecodeSpanPage(bad, l->infos, &d).ok()) {
      ++failed;
      continue;
    }
    AllOf(d);
  }
  EXPECT_GT(failed, 0);
  // Wrong trace counts from the index are caught too.
  l->infos[0].count += 1;
  SpanRows d;
  EXPECT_FALSE(DecodeSpanPage(page, l->infos, &d).ok());
}

// Numeric columns in their own codings (ints as deltas, doubles as decimals with exceptions)
// come back bit for bit, beside columns left in the plain coding.
TEST(SpanColumnsTest, NumericColumnsRoundTrip) {
  pdata::TraceBatch in = otlp::MakeSyntheticTraces(300, 11);
  std::mt19937_64 rng(5);
  int i = 0;
  for (auto& rs : in.resources()) {
    for (auto& ss : rs.scope_spans) {
      for (auto& sp : ss.spans) {
        uint64_t dur = 1 + rng() % 50'000'000;
        double odd = i % 10 == 3   ? -0.0
                     : i % 10 == 7 ? std::numeric_limits<double>::quiet_NaN()
                     : i % 10 == 9 ? 1.0 / 3
                                   : static_cast<double>(dur) / 1e6;
        sp.attributes.push_back({"seq", AnyValue::Int(1000 + i)});
        sp.attributes.push_back({"random", AnyValue::Int(static_cast<int64_t>(rng()))});
        sp.attributes.push_back({"ms", AnyValue::Double(odd)});
        sp.attributes.push_back({"huge", AnyValue::Double(i % 2 ? 1e300 : -2.5e-300)});
        sp.attributes.push_back({"whole", AnyValue::Double(static_cast<double>(i) - 150)});
        ++i;
      }
    }
  }
  auto l = Lay(in);
  std::string page = SpanPageWriter(l->rows).Encode(l->order, l->traces);
  SpanRows decoded;
  ASSERT_TRUE(DecodeSpanPage(page, l->infos, &decoded).ok());
  ASSERT_EQ(decoded.attrs.size(), l->rows.attrs.size());
  // Bit for bit (Flatten's == on doubles would fail for the NaNs and pass -0.0 == 0.0).
  std::multiset<std::tuple<std::string, int, uint64_t>> want, got;
  for (const AttrCell& c : l->rows.attrs)
    if (c.type == AnyValue::Type::kInt || c.type == AnyValue::Type::kDouble)
      want.insert({std::string(l->rows.strings[c.key]), static_cast<int>(c.type), c.value});
  for (const AttrCell& c : decoded.attrs)
    if (c.type == AnyValue::Type::kInt || c.type == AnyValue::Type::kDouble)
      got.insert({std::string(decoded.strings[c.key]), static_cast<int>(c.type), c.value});
  EXPECT_EQ(got, want);
  for (const char* key : {"seq", "random", "ms", "huge", "whole"})
    EXPECT_EQ(std::count_if(want.begin(), want.end(),
                            [&](const auto& t) { return std::get<0>(t) == key; }),
              300)
        << key;
}

TEST(NumberCodingTest, Decimals) {
  auto bits = [](double d) { return std::bit_cast<uint64_t>(d); };
  int64_t n = 0;
  EXPECT_TRUE(DecimalOf(bits(12.345678), 6, &n));
  EXPECT_EQ(n, 12345678);
  EXPECT_EQ(DecimalBits(n, 6), bits(12.345678));
  EXPECT_FALSE(DecimalOf(bits(12.345678), 5, &n));
  EXPECT_TRUE(DecimalOf(bits(-7.0), 0, &n));
  EXPECT_EQ(n, -7);
  EXPECT_FALSE(DecimalOf(bits(-0.0), 0, &n));
  EXPECT_FALSE(DecimalOf(bits(1.0 / 3), 18, &n));
  EXPECT_FALSE(DecimalOf(bits(std::numeric_limits<double>::infinity()), 0, &n));
  EXPECT_FALSE(DecimalOf(bits(1e17), 0, &n));  // beyond 2^53
  std::vector<uint64_t> ms = {bits(0.5), bits(20.125), bits(3.0), bits(1.0 / 3)};
  EXPECT_EQ(DecimalExponent(ms), 3);
  std::vector<uint64_t> thirds = {bits(1.0 / 3), bits(2.0 / 3), bits(0.1)};
  EXPECT_EQ(DecimalExponent(thirds), -1);
  EXPECT_EQ(DecimalExponent({}), -1);
  EXPECT_EQ(VarintSize(0), 1u);
  EXPECT_EQ(VarintSize(127), 1u);
  EXPECT_EQ(VarintSize(128), 2u);
  EXPECT_EQ(VarintSize(UINT64_MAX), 10u);
}

TEST(SpanColumnsTest, StringTableInterns) {
  StringTable t;
  EXPECT_EQ(t.Intern(""), 0u);
  std::vector<uint32_t> ids;
  for (int i = 0; i < 5000; ++i) ids.push_back(t.Intern("s" + std::to_string(i)));
  for (int i = 0; i < 5000; ++i) {
    EXPECT_EQ(t.Intern("s" + std::to_string(i)), ids[i]);
    EXPECT_EQ(t[ids[i]], "s" + std::to_string(i));
  }
  EXPECT_EQ(t.size(), 5001u);
}

}  // namespace
}  // namespace otter::store
