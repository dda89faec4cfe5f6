#include "query/browser_login.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>

#include "extensions/basicauth/extension.h"
#include "extensions/bearertokenauth/extension.h"

namespace otter::query {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::optional<std::string> HeaderOf(const net::HttpResponse& r, std::string_view name) {
  for (const auto& [k, v] : r.headers)
    if (auth::HeaderNameEquals(k, name)) return v;
  return std::nullopt;
}

net::HttpRequest Request(std::string method, std::string target, net::HttpHeaders headers = {},
                         std::string body = "") {
  net::HttpRequest r;
  r.method = std::move(method);
  r.target = std::move(target);
  r.headers = std::move(headers);
  r.body = std::move(body);
  r.remote_address = "127.0.0.1:5000";
  return r;
}

const net::HttpHeaders kBrowser = {{"Accept", "text/html,application/xhtml+xml,*/*;q=0.8"}};
const net::HttpHeaders kForm = {{"Content-Type", "application/x-www-form-urlencoded"}};

class BrowserLoginTest : public ::testing::Test {
 protected:
  ComponentContext Ctx(const std::string& type) {
    ComponentContext ctx;
    ctx.id = {type, ""};
    ctx.metrics = &metrics_;
    ctx.logger =
        std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>());
    return ctx;
  }
  void UseBearer(std::string scheme = "Bearer") {
    bearertokenauth::BearerTokenAuthConfig bc;
    bc.token = "s3cret; token/+=";  // characters a cookie value cannot hold as they are
    bc.scheme = std::move(scheme);
    bearer_ = std::make_unique<bearertokenauth::BearerTokenAuth>(Ctx("bearertokenauth"), bc);
    ASSERT_TRUE(bearer_->Start().ok());
    Make(bearer_.get());
  }
  void Make(const auth::ServerAuthenticator* a) {
    guard_ = std::make_shared<auth::ServerAuthGuard>(a, &metrics_, "store", "http", nullptr);
    login_ = std::make_unique<BrowserLogin>(guard_, /*secure_cookie=*/false);
  }
  // Logs in and returns the cookie pair ("otter_token=...") the browser would send back.
  std::string LogIn(std::string_view token) {
    auto r = login_->Handle(
        Request("POST", "/login", kForm, "token=" + std::string(token) + "&next=%2Ftrace%2Fab12"));
    EXPECT_TRUE(r.has_value());
    if (!r) return "";
    EXPECT_EQ(r->status, 303);
    std::string cookie = HeaderOf(*r, "Set-Cookie").value_or("");
    return cookie.substr(0, cookie.find(';'));
  }
  uint64_t Failures(const std::string& reason) {
    return metrics_
        .GetCounter("otter_receiver_auth_failures_total", "",
                    {{"receiver", "store"}, {"transport", "http"}, {"reason", reason}})
        .value();
  }

  telemetry::SelfMetrics metrics_;
  std::unique_ptr<bearertokenauth::BearerTokenAuth> bearer_;
  std::shared_ptr<auth::ServerAuthGuard> guard_;
  std::unique_ptr<BrowserLogin> login_;
};

TEST_F(BrowserLoginTest, ApiCallsWithoutCredentialsGetAPlain401) {
  UseBearer();
  auto r = login_->CheckHttp(Request("GET", "/api/services"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(r->body, "Unauthorized\n");
  EXPECT_EQ(HeaderOf(*r, "WWW-Authenticate"), "Bearer");
  EXPECT_EQ(Failures("missing"), 1);
}

TEST_F(BrowserLoginTest, APageNavigationGetsTheLoginFormThatReturnsToThePage) {
  UseBearer();
  auto r = login_->CheckHttp(Request("GET", "/trace/ab12?uiFind=x", kBrowser));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(HeaderOf(*r, "Content-Type"), "text/html; charset=utf-8");
  EXPECT_THAT(HeaderOf(*r, "Content-Security-Policy").value_or(""),
              HasSubstr("default-src 'self'"));
  EXPECT_EQ(HeaderOf(*r, "Cache-Control"), "no-store");
  EXPECT_THAT(r->body, HasSubstr("<form method=\"post\" action=\"/login\">"));
  EXPECT_THAT(r->body, HasSubstr("name=\"next\" value=\"/trace/ab12?uiFind=x\""));
  EXPECT_THAT(r->body, Not(HasSubstr("<script")));
}

TEST_F(BrowserLoginTest, LoginSetsAnHttpOnlyStrictCookieThatAuthenticatesLaterRequests) {
  UseBearer();
  auto r = login_->Handle(
      Request("POST", "/login", kForm, "token=s3cret%3B+token%2F%2B%3D&next=%2Ftrace%2Fab12"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 303);
  EXPECT_EQ(HeaderOf(*r, "Location"), "/trace/ab12");
  std::string set = HeaderOf(*r, "Set-Cookie").value_or("");
  // base64url of the token, no padding; the cookie never holds the token as typed.
  EXPECT_EQ(set, "otter_token=czNjcmV0OyB0b2tlbi8rPQ; Path=/; HttpOnly; SameSite=Strict");
  EXPECT_FALSE(login_->CheckHttp(Request(
      "GET", "/api/traces/ab12", {{"Cookie", "theme=dark; otter_token=czNjcmV0OyB0b2tlbi8rPQ"}})));
  // The header still works on its own, and wins over a cookie.
  EXPECT_FALSE(login_->CheckHttp(
      Request("GET", "/api/services", {{"Authorization", "Bearer s3cret; token/+="}})));
  EXPECT_TRUE(login_->CheckHttp(Request(
      "GET", "/api/services",
      {{"Authorization", "Bearer wrong"}, {"Cookie", "otter_token=czNjcmV0OyB0b2tlbi8rPQ"}})));
}

TEST_F(BrowserLoginTest, AWrongTokenShowsTheFormAgainAndIsCounted) {
  UseBearer();
  auto r = login_->Handle(Request("POST", "/login", kForm, "token=guess&next=%2F"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 401);
  EXPECT_THAT(r->body, HasSubstr("That token is not valid."));
  EXPECT_FALSE(HeaderOf(*r, "Set-Cookie").has_value());
  EXPECT_EQ(Failures("invalid"), 1);
  r = login_->Handle(Request("POST", "/login", kForm, "next=%2F"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 401);
  EXPECT_THAT(r->body, HasSubstr("Enter a token."));
}

TEST_F(BrowserLoginTest, AStaleCookieIsClearedAndThePageAsksAgain) {
  UseBearer();
  auto r = login_->CheckHttp(
      Request("GET", "/", {{"Accept", "text/html"}, {"Cookie", "otter_token=b2xkLXRva2Vu"}}));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 401);
  EXPECT_THAT(r->body, HasSubstr("Your session has expired."));
  EXPECT_EQ(HeaderOf(*r, "Set-Cookie"),
            "otter_token=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
  EXPECT_EQ(Failures("invalid"), 1);
}

TEST_F(BrowserLoginTest, NextNeverLeavesTheOrigin) {
  UseBearer();
  for (const char* next : {"%2F%2Fevil.example", "https%3A%2F%2Fevil.example", "%2F%5Cevil.example",
                           "%2Fok%0D%0ASet-Cookie%3A+x"}) {
    auto r = login_->Handle(Request("POST", "/login", kForm,
                                    std::string("token=s3cret%3B+token%2F%2B%3D&next=") + next));
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(HeaderOf(*r, "Location"), "/") << next;
  }
}

TEST_F(BrowserLoginTest, LogoutClearsTheCookie) {
  UseBearer();
  auto r = login_->Handle(Request("POST", "/logout"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 303);
  EXPECT_EQ(HeaderOf(*r, "Location"), "/login");
  EXPECT_EQ(HeaderOf(*r, "Set-Cookie"),
            "otter_token=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
  EXPECT_EQ(login_->Handle(Request("GET", "/logout"))->status, 405);
  // /login and /logout pass the check (they answer for themselves); nothing else does.
  EXPECT_FALSE(login_->CheckHttp(Request("POST", "/login")));
  EXPECT_TRUE(login_->CheckHttp(Request("GET", "/loginx")));
}

TEST_F(BrowserLoginTest, ABareTokenSchemeUsesTheTokenAsTheWholeHeader) {
  UseBearer(/*scheme=*/"");
  std::string cookie = LogIn("s3cret%3B+token%2F%2B%3D");
  EXPECT_EQ(cookie, "otter_token=czNjcmV0OyB0b2tlbi8rPQ");
  EXPECT_FALSE(login_->CheckHttp(Request("GET", "/api/services", {{"Cookie", cookie}})));
}

TEST_F(BrowserLoginTest, BasicAuthLeavesItToTheBrowsersPrompt) {
  basicauth::BasicAuthConfig bc;
  bc.htpasswd = basicauth::HtpasswdSettings{};
  bc.htpasswd->inline_content = "ann:pw\n";
  basicauth::BasicAuth basic(Ctx("basicauth"), bc);
  ASSERT_TRUE(basic.Start().ok());
  Make(&basic);
  auto r = login_->CheckHttp(Request("GET", "/", kBrowser));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(r->body, "Unauthorized\n");
  EXPECT_THAT(HeaderOf(*r, "WWW-Authenticate").value_or(""), HasSubstr("Basic"));
  EXPECT_FALSE(login_->Handle(Request("POST", "/login", kForm, "token=x")).has_value());
  EXPECT_TRUE(login_->CheckHttp(Request("POST", "/login")));  // no way around the prompt
  EXPECT_FALSE(login_->CheckHttp(Request("GET", "/", {{"Authorization", "Basic YW5uOnB3"}})));
}

}  // namespace
}  // namespace otter::query
