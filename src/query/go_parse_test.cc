#include "query/go_parse.h"

#include <gtest/gtest.h>

namespace otter::query {
namespace {

TEST(GoParseTest, Rfc3339NanoValues) {
  EXPECT_EQ(*ParseGoRfc3339Nano("2023-11-14T22:13:20Z"), 1700000000000000000);
  EXPECT_EQ(*ParseGoRfc3339Nano("2023-11-14T22:13:20.5Z"), 1700000000500000000);
  EXPECT_EQ(*ParseGoRfc3339Nano("2023-11-14T22:13:20.000000001Z"), 1700000000000000001);
  EXPECT_EQ(*ParseGoRfc3339Nano("2023-11-15T00:13:20+02:00"), 1700000000000000000);
  EXPECT_EQ(*ParseGoRfc3339Nano("2023-11-14T21:13:20.25-01:00"), 1700000000250000000);
  EXPECT_EQ(*ParseGoRfc3339Nano("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(*ParseGoRfc3339Nano("2024-02-29T00:00:00Z"), 1709164800000000000);
}

TEST(GoParseTest, Rfc3339NanoErrorsReadLikeGo) {
  const std::string layout = R"( as "2006-01-02T15:04:05.999999999Z07:00": cannot parse )";
  EXPECT_EQ(ParseGoRfc3339Nano("2023-11-14 22:13:20Z").status().message(),
            R"(parsing time "2023-11-14 22:13:20Z")" + layout + R"(" 22:13:20Z" as "T")");
  EXPECT_EQ(ParseGoRfc3339Nano("2023-11-14T22:13:20").status().message(),
            R"(parsing time "2023-11-14T22:13:20")" + layout + R"("" as "Z07:00")");
  EXPECT_EQ(ParseGoRfc3339Nano("2023-1-14T22:13:20Z").status().message(),
            R"(parsing time "2023-1-14T22:13:20Z")" + layout + R"("1-14T22:13:20Z" as "01")");
  EXPECT_EQ(ParseGoRfc3339Nano("2023-02-30T00:00:00Z").status().message(),
            R"(parsing time "2023-02-30T00:00:00Z": day out of range)");
  EXPECT_EQ(ParseGoRfc3339Nano("2023-02-01T24:00:00Z").status().message(),
            R"(parsing time "2023-02-01T24:00:00Z": hour out of range)");
  EXPECT_EQ(ParseGoRfc3339Nano("2023-02-01T00:00:00Zjunk").status().message(),
            R"(parsing time "2023-02-01T00:00:00Zjunk": extra text: "junk")");
}

TEST(GoParseTest, AtoiAndBool) {
  EXPECT_EQ(*ParseGoAtoi("-12"), -12);
  EXPECT_EQ(ParseGoAtoi("1e3").status().message(),
            R"(strconv.Atoi: parsing "1e3": invalid syntax)");
  EXPECT_EQ(ParseGoAtoi("99999999999999999999").status().message(),
            R"(strconv.Atoi: parsing "99999999999999999999": value out of range)");
  EXPECT_TRUE(*ParseGoBool("T"));
  EXPECT_FALSE(*ParseGoBool("False"));
  EXPECT_EQ(ParseGoBool("yes").status().message(),
            R"(strconv.ParseBool: parsing "yes": invalid syntax)");
}

}  // namespace
}  // namespace otter::query
