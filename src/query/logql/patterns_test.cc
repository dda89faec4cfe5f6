#include "query/logql/patterns.h"

#include <gtest/gtest.h>

namespace otter::query::logql {
namespace {

TEST(DrainTokenizerTest, SplitsAtSpacesAndPunctuationLikeLoki) {
  LineTokens t = TokenizeLine("level=info msg=\"hi there\" <x> a+b\tc 10.0.0.1:80/x_y-z");
  EXPECT_EQ(t.tokens,
            (std::vector<std::string>{"level", "=", "info", "msg", "=", "\"", "hi", "there", "\"",
                                      "<x>", "a+b\tc", "10.0.0.1:80/x_y-z"}));
  EXPECT_EQ(t.spaces_after, (std::vector<int>{2, 6, 8, 9, 10}));
  EXPECT_EQ(TokenizeLine("  a b").spaces_after, (std::vector<int>{-1, -1, 0}));
}

TEST(DrainTest, MergesSimilarLinesIntoWildcardPatterns) {
  Drain d;
  int a = d.Train("user 1001 logged in from 10.0.0.1");
  EXPECT_EQ(d.Train("user 1002 logged in from 10.0.0.2"), a);
  int b = d.Train("user 1003 logged out");
  int c = d.Train("payment failed for order ord-1 amount=20");
  EXPECT_EQ(d.Train("payment failed for order ord-2 amount=35"), c);
  int e = d.Train("cache miss key=a");
  EXPECT_EQ((std::vector<int>{a, b, c, e}), d.ClusterIds());
  EXPECT_EQ(d.Pattern(a), "user <_> logged in from <_>");
  EXPECT_EQ(d.Pattern(b), "user 1003 logged out");
  EXPECT_EQ(d.Pattern(c), "payment failed for order <_> amount=<_>");
  EXPECT_EQ(d.Pattern(e), "cache miss key=a");
  // Too few tokens, too long.
  EXPECT_EQ(d.Train("a b c"), -1);
  EXPECT_EQ(d.Train(std::string(3001, 'x') + " a b c"), -1);
}

TEST(DrainTest, BelowTheSimilarityThresholdStartsANewCluster) {
  Drain d;
  // Tokens with digits share the tree's wildcard branch, so these three meet in one leaf.
  int a = d.Train("a 1 2 3 4 x");
  int b = d.Train("a 5 6 7 8 y");  // 1 of 6 tokens agree (< 0.3): a new cluster
  EXPECT_NE(a, b);
  EXPECT_EQ(d.Train("a 1 2 9 9 z"), a);  // 3 of 6 agree with a, 1 with b
  EXPECT_EQ(d.Pattern(a), "a 1 2 <_> <_> <_>");
  EXPECT_EQ(d.Pattern(b), "a 5 6 7 8 y");
  // An unknown token follows the wildcard branch too, and 2 of 6 agree (>= 0.3).
  EXPECT_EQ(d.Train("a b 2 3 4 x"), a);
  EXPECT_EQ(d.Pattern(a), "a <_> 2 <_> <_> <_>");
}

TEST(DrainTest, EvictsTheLeastRecentlyUsedCluster) {
  DrainOptions o;
  o.max_clusters = 2;
  Drain d(o);
  int a = d.Train("one two three four");
  int b = d.Train("one two three four five");
  EXPECT_EQ(d.Train("one two three four"), a);  // a is now the most recently used
  int c = d.Train("one two three four five six");
  EXPECT_EQ(d.ClusterIds(), (std::vector<int>{a, c}));
  EXPECT_EQ(d.evicted(), 1u);
  EXPECT_EQ(d.Pattern(b), "");
  EXPECT_GT(d.Train("one two three four five"), c);  // learnt again as a new cluster
}

TEST(PatternCounterTest, CountsPerStepAcrossGroups) {
  constexpr int64_t kS = 1'000'000'000;
  PatternCounter pc(30 * kS, DrainOptions{});
  EXPECT_TRUE(pc.Add("s1/info", "info", 5 * kS, "user 1001 logged in from 10.0.0.1"));
  EXPECT_TRUE(pc.Add("s1/info", "info", 15 * kS, "user 1002 logged in from 10.0.0.2"));
  EXPECT_TRUE(pc.Add("s1/info", "info", 25 * kS, "user 1003 logged out"));
  EXPECT_TRUE(pc.Add("s1/error", "error", 35 * kS, "payment failed for order ord-1 amount=20"));
  EXPECT_TRUE(pc.Add("s2", "error", 125 * kS, "payment failed for order ord-2 amount=35"));
  EXPECT_TRUE(pc.Add("s2", "error", 130 * kS, "payment failed for order ord-3 amount=35"));
  EXPECT_FALSE(pc.Add("s2", "error", 130 * kS, "too short"));
  auto r = pc.Result();
  ASSERT_EQ(r.size(), 4u);
  // s2's two lines merged into one pattern; s1's single payment line kept its literal values.
  EXPECT_EQ(r[0].pattern, "payment failed for order <_> amount=35");
  EXPECT_EQ(r[0].level, "error");
  EXPECT_EQ(r[0].samples, (std::vector<std::pair<int64_t, int64_t>>{{120 * kS, 2}}));
  EXPECT_EQ(r[1].pattern, "user <_> logged in from <_>");
  EXPECT_EQ(r[1].samples, (std::vector<std::pair<int64_t, int64_t>>{{0, 2}}));
  EXPECT_EQ(r[2].pattern, "payment failed for order ord-1 amount=20");
  EXPECT_EQ(r[2].samples, (std::vector<std::pair<int64_t, int64_t>>{{30 * kS, 1}}));
  EXPECT_EQ(r[3].pattern, "user 1003 logged out");

  // Identical patterns of two groups merge, with zero-count steps between their samples.
  PatternCounter merged(10 * kS, DrainOptions{});
  merged.Add("a", "info", 1 * kS, "job 1 done in 5ms");
  merged.Add("a", "info", 2 * kS, "job 2 done in 7ms");
  merged.Add("b", "info", 31 * kS, "job 3 done in 5ms");
  merged.Add("b", "info", 32 * kS, "job 4 done in 9ms");
  auto m = merged.Result();
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].pattern, "job <_> done in <_>");
  EXPECT_EQ(m[0].samples, (std::vector<std::pair<int64_t, int64_t>>{
                              {0, 2}, {10 * kS, 0}, {20 * kS, 0}, {30 * kS, 2}}));
}

}  // namespace
}  // namespace otter::query::logql

namespace otter::query::logql {
namespace {

TEST(DrainFormatTest, DetectsLogfmtAndJsonLikeLoki) {
  EXPECT_EQ(DetectLineFormat(R"(level=info msg="a b" n=1)"), LineFormat::kLogfmt);
  EXPECT_EQ(DetectLineFormat(R"({"msg":"x"})"), LineFormat::kJson);
  EXPECT_EQ(DetectLineFormat("GET /x 200"), LineFormat::kUnknown);
  EXPECT_EQ(DetectLineFormat("level=info then words"), LineFormat::kUnknown);
}

TEST(DrainFormatTest, LogfmtLinesClusterByKeyAndValue) {
  Drain d(DrainOptions{}, LineFormat::kLogfmt);
  int a = d.Train(R"(level=info ts=2026-12-07T10:00:00Z msg="user logged in" user=u1 took=15ms)");
  EXPECT_EQ(d.Train(R"(level=info ts=2026-12-07T10:00:05Z msg="user logged in" user=u2 took=9ms)"),
            a);
  EXPECT_EQ(d.Pattern(a), R"(level=info ts=<_> msg="user logged in" user=<_> took=<_>)");
  EXPECT_EQ(d.Train(R"(level=info msg="unterminated)"), -1);  // a syntax error skips the line
}

TEST(DrainFormatTest, JsonLinesClusterTheirMessageField) {
  Drain d(DrainOptions{}, LineFormat::kJson);
  int a = d.Train(R"({"level":"info","msg":"order 17 shipped to 10.0.0.1","ts":1})");
  EXPECT_EQ(d.Train(R"({"msg":"order 18 shipped to 10.0.0.2","level":"info"})"), a);
  EXPECT_EQ(d.Pattern(a), "<_>order <_> shipped to <_>");
  EXPECT_EQ(d.Train(R"({"level":"info","text":"no message field here at all"})"), -1);
}

}  // namespace
}  // namespace otter::query::logql
