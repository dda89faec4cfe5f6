#include "otlp/wire_split.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "otlp/proto_codec.h"
#include "otlp/synthetic.h"

namespace otter::otlp {
namespace {

// Resources with schema URLs and attributes, scopes with names and schema URLs, spans with
// distinct ids; `shape[r][s]` is the span count of scope s of resource r (0 allowed).
pdata::TraceBatch Shaped(const std::vector<std::vector<int>>& shape) {
  pdata::TraceBatch b;
  int id = 0;
  for (size_t r = 0; r < shape.size(); ++r) {
    pdata::ResourceSpans rs;
    rs.schema_url = b.arenas().Copy("https://opentelemetry.io/schemas/1." + std::to_string(r));
    rs.resource.attributes.push_back(
        {"service.name", pdata::AnyValue::String(b.arenas().Copy("svc" + std::to_string(r)))});
    for (size_t s = 0; s < shape[r].size(); ++s) {
      pdata::ScopeSpans ss;
      ss.scope.name = b.arenas().Copy("lib" + std::to_string(s));
      ss.schema_url = "scope-schema";
      for (int i = 0; i < shape[r][s]; ++i) {
        pdata::Span sp;
        sp.trace_id.bytes[0] = 1;
        sp.span_id.bytes[7] = static_cast<uint8_t>(++id);
        // Some spans have no span_id (the field is then absent): a span's own fields must not
        // be mistaken for spans.
        if (id % 3 == 0) sp.span_id = {}, sp.parent_span_id.bytes[0] = static_cast<uint8_t>(id);
        sp.name = "op";
        ss.spans.push_back(std::move(sp));
      }
      rs.scope_spans.push_back(std::move(ss));
    }
    b.resources().push_back(std::move(rs));
  }
  return b;
}

std::string Encode(const pdata::TraceBatch& b) {
  std::string out;
  EncodeTraces(b, &out);
  return out;
}

// The canonical encoding of what `bytes` decodes to.
std::string Canonical(const std::string& bytes) {
  auto b = DecodeTraces(bytes);
  EXPECT_TRUE(b.ok()) << b.status().ToString();
  return b.ok() ? Encode(*b) : "";
}

// The span ids of a request, in wire order.
std::vector<uint8_t> SpanIds(const std::string& bytes) {
  std::vector<uint8_t> ids;
  auto b = DecodeTraces(bytes);
  EXPECT_TRUE(b.ok());
  if (!b.ok()) return ids;
  for (const auto& rs : b->resources())
    for (const auto& ss : rs.scope_spans)
      for (const auto& sp : ss.spans)
        ids.push_back(static_cast<uint8_t>(sp.span_id.bytes[7] | sp.parent_span_id.bytes[0]));
  return ids;
}

// Every split point of `batch` gives exactly what pdata's SplitOff gives: the same spans with
// the same resource and scope (and schema URLs) on each side.
void ExpectSplitsLikeSplitOff(const pdata::TraceBatch& batch) {
  const std::string body = Encode(batch);
  const size_t total = batch.ItemCount();
  for (size_t k = 1; k <= total + 1; ++k) {
    SCOPED_TRACE("k=" + std::to_string(k));
    std::string rest = body;
    std::string head = SplitOffTraces(&rest, k);
    auto oracle = DecodeTraces(body);
    ASSERT_TRUE(oracle.ok());
    pdata::TraceBatch first = oracle->SplitOff(k);
    EXPECT_EQ(CountTraces(head), std::min(k, total));
    EXPECT_EQ(CountTraces(rest), total - std::min(k, total));
    EXPECT_EQ(Canonical(head), Encode(first));
    EXPECT_EQ(Canonical(rest), Encode(*oracle));
    EXPECT_EQ(SpanIds(head + rest), SpanIds(body));  // the parts together: every span, in order
  }
}

TEST(WireSplitTest, SplitsAtEverySpanLikeSplitOff) {
  ExpectSplitsLikeSplitOff(Shaped({{3, 2}, {1}, {4, 1, 2}}));
}

TEST(WireSplitTest, EmptyScopesAndResourcesFollowTheirNeighbours) {
  ExpectSplitsLikeSplitOff(Shaped({{2, 0, 1}, {}, {0}, {3}}));
}

TEST(WireSplitTest, RealisticSpans) { ExpectSplitsLikeSplitOff(MakeSyntheticTraces(40, 7)); }

TEST(WireSplitTest, LogsSplitLikeSplitOff) {
  const pdata::LogBatch batch = MakeSyntheticLogs(30, 5);
  std::string body;
  EncodeLogs(batch, &body);
  for (size_t k : {1, 7, 29, 30, 31}) {
    std::string rest = body;
    std::string head = SplitOffLogs(&rest, k);
    auto oracle = DecodeLogs(body);
    ASSERT_TRUE(oracle.ok());
    pdata::LogBatch first = oracle->SplitOff(k);
    auto got_head = DecodeLogs(head);
    auto got_rest = DecodeLogs(rest);
    ASSERT_TRUE(got_head.ok() && got_rest.ok()) << k;
    std::string a, b, c, d;
    EncodeLogs(*got_head, &a);
    EncodeLogs(first, &b);
    EncodeLogs(*got_rest, &c);
    EncodeLogs(*oracle, &d);
    EXPECT_EQ(a, b) << k;
    EXPECT_EQ(c, d) << k;
  }
}

TEST(WireSplitTest, SplittingAgainTakesTheNextSpans) {
  const pdata::TraceBatch batch = Shaped({{5, 5}, {5}});
  std::string rest = Encode(batch);
  std::string joined;
  for (int i = 0; i < 4; ++i) {
    std::string part = SplitOffTraces(&rest, 4);
    EXPECT_EQ(CountTraces(part), i < 3 ? 4u : 3u) << i;
    joined += part;
  }
  EXPECT_TRUE(rest.empty());
  EXPECT_EQ(SpanIds(joined), SpanIds(Encode(batch)));
}

TEST(WireSplitTest, MalformedBodyIsLeftAlone) {
  std::string body = Encode(Shaped({{3}}));
  body.resize(body.size() - 2);  // a length prefix now runs past the end
  const std::string before = body;
  EXPECT_EQ(SplitOffTraces(&body, 1), "");
  EXPECT_EQ(body, before);
}

}  // namespace
}  // namespace otter::otlp
