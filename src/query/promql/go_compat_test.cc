#include "query/promql/go_compat.h"

#include <gtest/gtest.h>

#include <cmath>

#include "query/go_parse.h"

namespace otter::query::promql {
namespace {

TEST(GoCompat, FormatGoFloatAsPercentV) {
  EXPECT_EQ(FormatGoFloat(1.5), "1.5");
  EXPECT_EQ(FormatGoFloat(2), "2");
  EXPECT_EQ(FormatGoFloat(100000), "100000");
  EXPECT_EQ(FormatGoFloat(1e6), "1e+06");
  EXPECT_EQ(FormatGoFloat(1234567), "1.234567e+06");
  EXPECT_EQ(FormatGoFloat(1e20), "1e+20");
  EXPECT_EQ(FormatGoFloat(0.0001), "0.0001");
  EXPECT_EQ(FormatGoFloat(0.00001), "1e-05");
  EXPECT_EQ(FormatGoFloat(-0.1), "-0.1");
  EXPECT_EQ(FormatGoFloat(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(FormatGoFloat(std::nan("")), "NaN");
  EXPECT_EQ(FormatGoFloat(-HUGE_VAL), "-Inf");
  EXPECT_EQ(GoFloatF(1), "1.000000");
}

TEST(GoCompat, QuoteLikeStrconv) {
  EXPECT_EQ(query::GoQuote("a\"b\\c\n"), "\"a\\\"b\\\\c\\n\"");
  EXPECT_EQ(query::GoQuote("a\xc5z"), "\"a\\xc5z\"");
  EXPECT_EQ(query::GoQuote("\x01 ü"), "\"\\x01 ü\"");
}

TEST(GoCompat, NaturalOrder) {
  EXPECT_TRUE(NaturalLess("host-2", "host-10"));
  EXPECT_FALSE(NaturalLess("host-10", "host-2"));
  EXPECT_TRUE(NaturalLess("a", "b"));
  EXPECT_TRUE(NaturalLess("a1", "a1b"));
  EXPECT_FALSE(NaturalLess("", "a"));  // as github.com/facette/natsort
}

TEST(GoCompat, MaxMinLikeGoMath) {
  EXPECT_TRUE(std::isnan(GoMax(1, std::nan(""))));
  EXPECT_EQ(GoMax(std::nan(""), HUGE_VAL), HUGE_VAL);
  EXPECT_EQ(GoMin(std::nan(""), -HUGE_VAL), -HUGE_VAL);
  EXPECT_FALSE(std::signbit(GoMax(-0.0, 0.0)));
  EXPECT_TRUE(std::signbit(GoMin(0.0, -0.0)));
}

}  // namespace
}  // namespace otter::query::promql
