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

}  // namespace
}  // namespace otter::pdata
