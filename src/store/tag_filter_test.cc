#include "store/tag_filter.h"

#include <gtest/gtest.h>

#include <random>

#include "otlp/synthetic.h"

namespace otter::store {
namespace {

std::string Filter(const std::vector<std::pair<std::string, std::string>>& pairs) {
  TagFilterBuilder b;
  for (const auto& [k, v] : pairs) b.Add(TagItem(TagTextHash(k), TagTextHash(v)));
  return b.Finish();
}

TEST(TagFilterTest, EveryAddedPairMatchesAndFewOthersDo) {
  std::vector<std::pair<std::string, std::string>> pairs;
  for (int i = 0; i < 5000; ++i) pairs.emplace_back("request.id", "req-" + std::to_string(i));
  std::string f = Filter(pairs);
  for (const auto& [k, v] : pairs) EXPECT_TRUE(TagProbe(k, v).MayMatch(f)) << v;
  int false_positives = 0;
  for (int i = 5000; i < 25000; ++i)
    false_positives += TagProbe("request.id", "req-" + std::to_string(i)).MayMatch(f);
  // One probe at ~10 bits per item: about 1%.
  EXPECT_LT(false_positives, 20000 * 2 / 100);
  // The key matters: the same value under another key is another item.
  int other_key = 0;
  for (const auto& [k, v] : pairs) other_key += TagProbe("user.id", v).MayMatch(f);
  EXPECT_LT(other_key, 5000 * 2 / 100);
}

TEST(TagFilterTest, SizedByDistinctItemsNotByAdds) {
  std::vector<std::pair<std::string, std::string>> pairs;
  for (int copy = 0; copy < 20; ++copy)
    for (int i = 0; i < 1000; ++i) pairs.emplace_back("k", std::to_string(i));
  std::string f = Filter(pairs);
  // ~10 bits per distinct item, in 32-byte blocks (after a one-byte count of any-value keys):
  // 1000 items → ~1250 bytes.
  EXPECT_GT(f.size(), 1000u);
  EXPECT_LT(f.size(), 1700u);
  EXPECT_EQ(f.size() % 32, 1u);
  EXPECT_EQ(Filter({}).size(), 33u);  // a page without attributes rules every tag out
  EXPECT_FALSE(TagProbe("k", "v").MayMatch(Filter({})));
}

TEST(TagFilterTest, AnyValueKeysMatchEveryValue) {
  TagFilterBuilder b;
  b.Add(TagItem(TagTextHash("http.response.status_code"), TagTextHash("503")));
  b.AddAnyValueKey(TagTextHash("latency"));  // a double: its text is not hashed
  b.AddAnyValueKey(TagTextHash("latency"));
  b.AddAnyValueKey(TagTextHash("payload"));
  std::string f = b.Finish();
  EXPECT_EQ(f.size(), 1 + 2 * 8 + 32u);
  EXPECT_TRUE(TagProbe("http.response.status_code", "503").MayMatch(f));
  EXPECT_FALSE(TagProbe("http.response.status_code", "200").MayMatch(f));
  EXPECT_TRUE(TagProbe("latency", "0.25").MayMatch(f));
  EXPECT_TRUE(TagProbe("payload", "anything").MayMatch(f));
  EXPECT_FALSE(TagProbe("missing", "503").MayMatch(f));
  // A page written before filters existed has none: it may hold anything; so may a malformed one.
  EXPECT_TRUE(TagProbe("missing", "503").MayMatch(""));
  EXPECT_TRUE(TagProbe("missing", "503").MayMatch(std::string_view("\x05\x01", 2)));
}

TEST(TagFilterTest, DerivedTagsAreNotFilterable) {
  for (const char* k : {"error", "span.kind", "otel.status_code", "otel.status_description"})
    EXPECT_FALSE(TagIsFilterable(k)) << k;
  EXPECT_TRUE(TagIsFilterable("http.route"));
}

// A page's filter holds every span, event and resource attribute of its spans, rendered the
// way a search compares them, and not those of spans in other pages.
TEST(TagFilterTest, SpanPagesHoldTheirSpansAttributes) {
  auto batch = otlp::MakeSyntheticTraces(400, 5);
  SpanRows rows;
  rows.Append(batch);
  std::vector<uint32_t> first, second;
  for (uint32_t i = 0; i < 400; ++i) (i < 200 ? first : second).push_back(i);
  SpanTagFilterWriter writer(rows);
  std::string f1 = writer.Build(first), f2 = writer.Build(second);
  const auto& rs = batch.resources()[0];
  const auto& spans = rs.scope_spans[0].spans;
  int elsewhere = 0;
  for (uint32_t i = 0; i < 400; ++i) {
    const std::string& mine = i < 200 ? f1 : f2;
    const std::string& other = i < 200 ? f2 : f1;
    for (const auto& kv : spans[i].attributes) {
      EXPECT_TRUE(TagProbe(kv.key, kv.value.ToString()).MayMatch(mine)) << i << " " << kv.key;
      if (kv.key == "client.address")
        elsewhere += TagProbe(kv.key, kv.value.ToString()).MayMatch(other);
    }
    for (const auto& ev : spans[i].events)
      for (const auto& kv : ev.attributes)
        EXPECT_TRUE(TagProbe(kv.key, kv.value.ToString()).MayMatch(mine)) << kv.key;
  }
  for (const auto& kv : rs.resource.attributes) {
    EXPECT_TRUE(TagProbe(kv.key, kv.value.ToString()).MayMatch(f1)) << kv.key;
    EXPECT_TRUE(TagProbe(kv.key, kv.value.ToString()).MayMatch(f2)) << kv.key;
  }
  EXPECT_LT(elsewhere, 20);  // client addresses are (almost) unique per span
}

}  // namespace
}  // namespace otter::store
