#include "net/endpoint.h"

#include <gtest/gtest.h>

namespace otter::net {
namespace {

TEST(EndpointTest, Parses) {
  auto a = ParseEndpoint("localhost:4318");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "localhost");
  EXPECT_EQ(a->port, 4318);
  EXPECT_EQ(a->BindHost(), "127.0.0.1");
  EXPECT_EQ(a->ToString(), "127.0.0.1:4318");
  auto b = ParseEndpoint(":4317");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->BindHost(), "0.0.0.0");
  auto c = ParseEndpoint("[::1]:0");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->host, "::1");
  EXPECT_EQ(c->ToString(), "[::1]:0");
  EXPECT_EQ(ParseEndpoint("0.0.0.0:13133")->BindHost(), "0.0.0.0");
}

TEST(EndpointTest, RejectsBadInput) {
  for (const char* bad :
       {"localhost", "localhost:", "localhost:http", "host:70000", "::1:80", "[::1]80", "[::1"}) {
    auto r = ParseEndpoint(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.status().message().find(bad), std::string_view::npos) << r.status().ToString();
  }
}

}  // namespace
}  // namespace otter::net
