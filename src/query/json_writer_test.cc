#include "query/json_writer.h"

#include <gtest/gtest.h>

#include <cmath>

#include "otlp/json_codec.h"
#include "query/http_params.h"

namespace otter::query {
namespace {

TEST(JsonWriterTest, NestsAndSeparates) {
  JsonWriter w;
  w.BeginObject().Key("a").Int(-1).Key("b").BeginArray().Uint(2).Bool(true).Null().EndArray();
  w.Key("c").Double(0.5).Key("d").Double(NAN).Key("e").Raw("{}").EndObject();
  EXPECT_EQ(w.str(), R"({"a":-1,"b":[2,true,null],"c":0.5,"d":null,"e":{}})");
}

TEST(JsonWriterTest, EscapesControlCharactersAndRepairsInvalidUtf8) {
  std::string out;
  otlp::AppendJsonString(out, std::string("q\"\\\n\x01 \xC3\xA9 \xFF", 10));
  EXPECT_EQ(out, "\"q\\\"\\\\\\n\\u0001 \xC3\xA9 \xEF\xBF\xBD\"");
}

TEST(JsonWriterTest, FormatsFloatsLikePrometheus) {
  EXPECT_EQ(FormatPromFloat(1), "1");
  EXPECT_EQ(FormatPromFloat(0.1), "0.1");
  EXPECT_EQ(FormatPromFloat(1e21), "1000000000000000000000");
  EXPECT_EQ(FormatPromFloat(NAN), "NaN");
  EXPECT_EQ(FormatPromFloat(-INFINITY), "-Inf");
  EXPECT_EQ(FormatPromFloat(INFINITY), "+Inf");
}

TEST(JsonWriterTest, AppendsUtf8) {
  std::string s;
  AppendUtf8(s, 0x41);
  AppendUtf8(s, 0xE9);
  AppendUtf8(s, 0x20AC);
  AppendUtf8(s, 0x1F600);
  EXPECT_EQ(s, "A\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
}

TEST(HttpParamsTest, MergesFormBodyAndQueryStringKeepingRepeats) {
  net::HttpRequest req;
  req.method = "POST";
  req.target = "/api/v1/series?match%5B%5D=up&start=1";
  req.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
  req.body = "match[]=a%7Bb%3D%22c%22%7D&query=rate(x[5m])+%3E+1";
  auto p = HttpParams::FromRequest(req);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->GetAll("match[]"), (std::vector<std::string>{"a{b=\"c\"}", "up"}));
  EXPECT_EQ(p->GetOr("query", ""), "rate(x[5m]) > 1");
  EXPECT_EQ(p->GetOr("start", ""), "1");
  EXPECT_FALSE(p->Has("end"));
}

TEST(HttpParamsTest, RejectsMalformedEscapes) {
  EXPECT_FALSE(UrlDecode("a%2").ok());
  EXPECT_FALSE(UrlDecode("%zz").ok());
  EXPECT_EQ(*UrlDecode("%41%42"), "AB");
}

}  // namespace
}  // namespace otter::query
