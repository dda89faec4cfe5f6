// The query server's authentication with the UI's browser flows: Basic gets the browser's prompt
// on every route; a bearer token is traded for an HttpOnly, SameSite=Strict cookie that
// authenticates later requests, while the UI's files (no data) load without credentials.
#include "query/ui_auth.h"

#include <gtest/gtest.h>

#include "component/auth.h"

namespace otter::query {
namespace {

// Accepts `want` in the Authorization header.
class FixedAuthenticator : public auth::ServerAuthenticator {
 public:
  FixedAuthenticator(std::string want, std::string challenge)
      : want_(std::move(want)), challenge_(std::move(challenge)) {}
  std::variant<auth::AuthData, auth::AuthError> Authenticate(
      const auth::HeaderLookup& header) const override {
    auto got = header("Authorization");
    if (!got) return auth::AuthError{"missing", "no credentials"};
    if (*got != want_) return auth::AuthError{"invalid", "wrong credentials"};
    return auth::AuthData{};
  }
  std::string Challenge() const override { return challenge_; }

 private:
  std::string want_, challenge_;
};

net::HttpRequest Request(std::string method, std::string target, net::HttpHeaders headers = {}) {
  net::HttpRequest r;
  r.method = std::move(method);
  r.target = std::move(target);
  r.headers = std::move(headers);
  r.remote_address = "127.0.0.1:5000";
  return r;
}

std::string HeaderOf(const net::HttpResponse& r, std::string_view name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return v;
  return "";
}

class UiAuthTest : public ::testing::Test {
 protected:
  UiAuth Make(const auth::ServerAuthenticator* a) {
    return UiAuth(std::make_shared<auth::ServerAuthGuard>(a, &metrics_, "store", "http", nullptr));
  }
  telemetry::SelfMetrics metrics_;
};

TEST_F(UiAuthTest, BearerTokenBecomesAnHttpOnlyStrictCookie) {
  FixedAuthenticator bearer("Bearer s3cr+t", "Bearer");
  UiAuth ui = Make(&bearer);
  // The UI's files and the login route load without credentials; data routes do not.
  EXPECT_FALSE(ui.Check(Request("GET", "/")).has_value());
  EXPECT_FALSE(ui.Check(Request("GET", "/trace/abc")).has_value());
  EXPECT_FALSE(ui.Check(Request("POST", "/api/otter/login")).has_value());
  auto refused = ui.Check(Request("GET", "/api/services"));
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->status, 401);
  EXPECT_EQ(HeaderOf(*refused, "WWW-Authenticate"), "Bearer");
  EXPECT_TRUE(ui.Check(Request("GET", "/ready")).has_value());

  auto wrong = ui.Login(Request("POST", "/api/otter/login", {}));
  EXPECT_EQ(wrong.status, 401);
  auto bad =
      Request("POST", "/api/otter/login", {{"Content-Type", "application/x-www-form-urlencoded"}});
  bad.body = "token=nope";
  EXPECT_EQ(ui.Login(bad).status, 401);
  EXPECT_EQ(HeaderOf(ui.Login(bad), "Set-Cookie"), "");

  auto login =
      Request("POST", "/api/otter/login", {{"Content-Type", "application/x-www-form-urlencoded"}});
  login.body = "token=s3cr%2Bt";
  auto ok = ui.Login(login);
  EXPECT_EQ(ok.status, 204);
  std::string cookie = HeaderOf(ok, "Set-Cookie");
  EXPECT_EQ(cookie, "otter_token=Bearer%20s3cr%2Bt; Path=/; HttpOnly; SameSite=Strict");
  std::string value(UiAuth::CookieValue(cookie.substr(0, cookie.find(';')), "otter_token"));
  EXPECT_FALSE(ui.Check(Request("GET", "/api/services", {{"Cookie", "a=b; otter_token=" + value}}))
                   .has_value());
  EXPECT_TRUE(ui.Check(Request("GET", "/api/services", {{"Cookie", "otter_token=Bearer%20other"}}))
                  .has_value());
  // A request's own header wins over the cookie.
  EXPECT_TRUE(
      ui.Check(Request("GET", "/api/services",
                       {{"Authorization", "Bearer nope"}, {"Cookie", "otter_token=" + value}}))
          .has_value());
  EXPECT_FALSE(
      ui.Check(Request("GET", "/api/services", {{"Authorization", "Bearer s3cr+t"}})).has_value());
  EXPECT_EQ(HeaderOf(UiAuth::Logout(), "Set-Cookie"),
            "otter_token=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
}

TEST_F(UiAuthTest, BasicAuthLetsTheBrowserPromptOnEveryRoute) {
  FixedAuthenticator basic("Basic dTpw", "Basic realm=\"otter\"");
  UiAuth ui = Make(&basic);
  for (const char* path : {"/", "/trace/abc", "/api/services", "/api/otter/login"}) {
    auto r = ui.Check(Request("GET", path));
    ASSERT_TRUE(r.has_value()) << path;
    EXPECT_EQ(r->status, 401);
    EXPECT_EQ(HeaderOf(*r, "WWW-Authenticate"), "Basic realm=\"otter\"");
  }
  EXPECT_FALSE(ui.Check(Request("GET", "/", {{"Authorization", "Basic dTpw"}})).has_value());
}

TEST_F(UiAuthTest, WithoutAnAuthenticatorEverythingIsOpen) {
  UiAuth ui = Make(nullptr);
  EXPECT_FALSE(ui.enabled());
  EXPECT_FALSE(ui.Check(Request("GET", "/api/services")).has_value());
}

TEST(UiAuthCookieTest, CookieValue) {
  EXPECT_EQ(UiAuth::CookieValue("a=1; otter_token=x%20y; b=2", "otter_token"), "x%20y");
  EXPECT_EQ(UiAuth::CookieValue("xotter_token=1", "otter_token"), "");
  EXPECT_EQ(UiAuth::CookieValue("", "otter_token"), "");
}

}  // namespace
}  // namespace otter::query
