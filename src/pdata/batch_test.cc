#include "pdata/batch.h"

#include <gtest/gtest.h>

namespace otter::pdata {
namespace {

TraceBatch MakeTraces(int resources, int scopes, int spans) {
  TraceBatch b;
  for (int r = 0; r < resources; ++r) {
    ResourceSpans rs;
    rs.resource.attributes.push_back(
        {"service.name", AnyValue::String(b.arenas().Copy("svc" + std::to_string(r)))});
    for (int s = 0; s < scopes; ++s) {
      ScopeSpans ss;
      ss.scope.name = "lib";
      for (int i = 0; i < spans; ++i) {
        Span sp;
        sp.span_id.bytes[7] = static_cast<uint8_t>(r * 100 + s * 10 + i);
        ss.spans.push_back(std::move(sp));
      }
      rs.scope_spans.push_back(std::move(ss));
    }
    b.resources().push_back(std::move(rs));
  }
  return b;
}

TEST(BatchTest, CountsItems) { EXPECT_EQ(MakeTraces(2, 3, 4).ItemCount(), 24u); }

TEST(BatchTest, SplitOffTakesExactlyTheFirstItemsInOrder) {
  TraceBatch b = MakeTraces(2, 2, 3);  // 12 spans
  TraceBatch first = b.SplitOff(5);
  EXPECT_EQ(first.ItemCount(), 5u);
  EXPECT_EQ(b.ItemCount(), 7u);
  // first: resource 0 scope 0 (3 spans) + resource 0 scope 1 first 2 spans
  ASSERT_EQ(first.resources().size(), 1u);
  ASSERT_EQ(first.resources()[0].scope_spans.size(), 2u);
  EXPECT_EQ(first.resources()[0].scope_spans[1].spans.size(), 2u);
  EXPECT_EQ(b.resources()[0].scope_spans[0].spans[0].span_id.bytes[7], 12);
  EXPECT_EQ(first.resources()[0].resource.attributes[0].value.string_value, "svc0");
  EXPECT_EQ(b.resources()[0].resource.attributes[0].value.string_value, "svc0");
}

TEST(BatchTest, AppendKeepsStringsAlive) {
  TraceBatch a = MakeTraces(1, 1, 1);
  {
    TraceBatch b = MakeTraces(2, 1, 1);
    a.Append(std::move(b));
  }
  ASSERT_EQ(a.resources().size(), 3u);
  EXPECT_EQ(a.resources()[2].resource.attributes[0].value.string_value, "svc1");
  EXPECT_EQ(a.ItemCount(), 3u);
}

TEST(BatchTest, CloneIsIndependent) {
  TraceBatch a = MakeTraces(1, 1, 2);
  TraceBatch c = a.Clone();
  c.resources()[0].scope_spans[0].spans.pop_back();
  EXPECT_EQ(a.ItemCount(), 2u);
  EXPECT_EQ(c.ItemCount(), 1u);
}

TEST(BatchTest, CloneSharesTheTreeUntilEitherWrites) {
  TraceBatch a = MakeTraces(1, 1, 2);
  const TraceBatch& ca = a;
  const Span* first = &ca.resources()[0].scope_spans[0].spans[0];
  TraceBatch c = a.Clone();
  const TraceBatch& cc = c;
  EXPECT_EQ(&cc.resources()[0].scope_spans[0].spans[0], first);  // no copy yet
  a.resources()[0].scope_spans[0].spans[0].name = "renamed";     // the writer copies
  EXPECT_NE(&ca.resources()[0].scope_spans[0].spans[0], first);
  EXPECT_EQ(&cc.resources()[0].scope_spans[0].spans[0], first);
  EXPECT_EQ(cc.resources()[0].scope_spans[0].spans[0].name, "");
  EXPECT_EQ(ca.resources()[0].scope_spans[0].spans[0].name, "renamed");
  // The clone is the only holder now: it writes in place.
  c.resources()[0].scope_spans[0].spans.pop_back();
  EXPECT_EQ(&cc.resources()[0].scope_spans[0].spans[0], first);
  EXPECT_EQ(c.ItemCount(), 1u);
  EXPECT_EQ(a.ItemCount(), 2u);
}

TEST(BatchTest, AppendAndSplitOffOfASharedBatchLeaveTheCloneIntact) {
  TraceBatch a = MakeTraces(2, 1, 2);
  TraceBatch keep = a.Clone();
  TraceBatch b = MakeTraces(1, 1, 1);
  b.Append(a.Clone());  // copies the shared resources
  a.Append(MakeTraces(1, 1, 3));
  TraceBatch first = a.SplitOff(3);
  EXPECT_EQ(first.ItemCount(), 3u);
  EXPECT_EQ(a.ItemCount(), 4u);
  EXPECT_EQ(b.ItemCount(), 5u);
  ASSERT_EQ(keep.ItemCount(), 4u);
  const TraceBatch& ck = keep;
  EXPECT_EQ(ck.resources()[1].resource.attributes[0].value.string_value, "svc1");
  EXPECT_EQ(ck.resources()[1].scope_spans[0].spans[1].span_id.bytes[7], 101);
  TraceBatch empty;
  empty.Append(keep.Clone());  // an empty batch takes the tree without copying
  const TraceBatch& ce = empty;
  EXPECT_EQ(&ce.resources()[0], &ck.resources()[0]);
}

TEST(BatchTest, MetricSplitInsideAMetric) {
  MetricBatch b;
  ResourceMetrics rm;
  ScopeMetrics sm;
  Metric m;
  m.name = "m";
  m.type = MetricType::kGauge;
  m.number_points.resize(5);
  sm.metrics.push_back(m);
  rm.scope_metrics.push_back(std::move(sm));
  b.resources().push_back(std::move(rm));
  MetricBatch first = b.SplitOff(3);
  EXPECT_EQ(first.ItemCount(), 3u);
  EXPECT_EQ(b.ItemCount(), 2u);
  EXPECT_EQ(first.resources()[0].scope_metrics[0].metrics[0].name, "m");
}

// A batch with a wire (any bytes in its arena will do: Batch does not parse it).
TraceBatch WithWire(int spans) {
  TraceBatch b = MakeTraces(1, 1, spans);
  b.set_wire(b.arenas().Copy("wire"));
  return b;
}

TEST(BatchTest, WireIsKeptByReadsCloneAndMove) {
  TraceBatch b = WithWire(2);
  const TraceBatch& cb = b;
  EXPECT_EQ(cb.resources().size(), 1u);
  EXPECT_EQ(b.ItemCount(), 2u);
  EXPECT_EQ(b.wire(), "wire");
  TraceBatch c = b.Clone();
  EXPECT_EQ(c.wire(), "wire");
  EXPECT_EQ(b.wire(), "wire");
  TraceBatch m = std::move(b);
  EXPECT_EQ(m.wire(), "wire");
  EXPECT_TRUE(b.wire().empty());  // NOLINT(bugprone-use-after-move): moved-from has none
  TraceBatch a;
  a = std::move(m);
  EXPECT_EQ(a.wire(), "wire");
  EXPECT_TRUE(m.wire().empty());  // NOLINT(bugprone-use-after-move)
  c.resources();                  // the clone's mutable access leaves the original's wire alone
  EXPECT_TRUE(c.wire().empty());
  EXPECT_EQ(a.wire(), "wire");
}

TEST(BatchTest, WireIsClearedByMutableResources) {
  TraceBatch b = WithWire(1);
  b.resources()[0].scope_spans[0].spans[0].name = "changed";
  EXPECT_TRUE(b.wire().empty());
}

TEST(BatchTest, WireIsClearedByAppend) {
  TraceBatch a = WithWire(1);
  TraceBatch b = WithWire(1);
  a.Append(std::move(b));
  EXPECT_TRUE(a.wire().empty());
  EXPECT_TRUE(b.wire().empty());  // NOLINT(bugprone-use-after-move)
  TraceBatch empty;
  empty.Append(WithWire(1));
  EXPECT_TRUE(empty.wire().empty());
}

TEST(BatchTest, WireIsClearedBySplitOffOnBothBatches) {
  TraceBatch b = WithWire(3);
  TraceBatch first = b.SplitOff(1);
  EXPECT_TRUE(first.wire().empty());
  EXPECT_TRUE(b.wire().empty());
  TraceBatch all = WithWire(3);
  TraceBatch whole = all.SplitOff(10);
  EXPECT_TRUE(whole.wire().empty());
  EXPECT_TRUE(all.wire().empty());
}

std::string MetadataText(const TraceBatch& b) {
  std::string s;
  for (const auto& e : b.metadata().entries())
    s += std::string(e.key) + "=" + std::string(e.value) + ";";
  return s;
}

TEST(BatchTest, MetadataKeysAreLowerCasedAndLookedUpCaseInsensitively) {
  TraceBatch b = MakeTraces(1, 1, 1);
  std::string key = "X-Scope-OrgID", value = "acme";
  b.AddMetadata(key, value);
  b.AddMetadata("Accept", "a");
  b.AddMetadata("accept", "b");
  key = value = "gone";  // copied into the batch's arenas
  EXPECT_EQ(MetadataText(b), "x-scope-orgid=acme;accept=a;accept=b;");
  EXPECT_EQ(b.metadata().Get("x-SCOPE-orgid"), std::vector<std::string_view>{"acme"});
  EXPECT_EQ(b.metadata().Get("ACCEPT"), (std::vector<std::string_view>{"a", "b"}));
  EXPECT_EQ(b.metadata().Count("accept"), 2u);
  EXPECT_TRUE(b.metadata().Get("absent").empty());
}

TEST(BatchTest, MetadataTravelsWithMoveCloneAndSplitOff) {
  TraceBatch b = MakeTraces(1, 1, 4);
  b.AddMetadata("tenant", "t1");
  TraceBatch moved = std::move(b);
  EXPECT_TRUE(b.metadata().empty());  // NOLINT(bugprone-use-after-move)
  TraceBatch clone = moved.Clone();
  TraceBatch first = moved.SplitOff(1);
  moved = TraceBatch();  // the clone and the split-off part keep their own views alive
  EXPECT_EQ(MetadataText(clone), "tenant=t1;");
  EXPECT_EQ(MetadataText(first), "tenant=t1;");
}

TEST(BatchTest, AppendKeepsMetadataOnlyWhenBothBatchesCarryTheSame) {
  TraceBatch a = MakeTraces(1, 1, 1);
  a.AddMetadata("tenant", "t1");
  TraceBatch same = MakeTraces(1, 1, 1);
  same.AddMetadata("Tenant", "t1");
  a.Append(std::move(same));
  EXPECT_EQ(MetadataText(a), "tenant=t1;");
  TraceBatch other = MakeTraces(1, 1, 1);
  other.AddMetadata("tenant", "t2");
  a.Append(std::move(other));
  EXPECT_EQ(MetadataText(a), "");  // merged tenants: no single tenant
  TraceBatch empty;
  TraceBatch tagged = MakeTraces(1, 1, 1);
  tagged.AddMetadata("tenant", "t3");
  empty.Append(std::move(tagged));
  EXPECT_EQ(MetadataText(empty), "tenant=t3;");  // appending to nothing takes it over
}

}  // namespace
}  // namespace otter::pdata
