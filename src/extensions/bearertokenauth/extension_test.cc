// bearertokenauth: what a server accepts and refuses, what a client sends, and a token file that
// is rotated while the extension runs.
#include "extensions/bearertokenauth/extension.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

namespace otter::bearertokenauth {
namespace {

// Headers as a server sees them (names case-insensitive).
struct Request {
  std::map<std::string, std::string> headers;
  auth::HeaderLookup lookup() const {
    return [this](std::string_view name) -> std::optional<std::string_view> {
      for (const auto& [k, v] : headers)
        if (auth::HeaderNameEquals(k, name)) return std::string_view(v);
      return std::nullopt;
    };
  }
};

std::string Reason(const std::variant<auth::AuthData, auth::AuthError>& r) {
  return std::holds_alternative<auth::AuthError>(r) ? std::get<auth::AuthError>(r).reason : "ok";
}

ComponentContext Ctx() {
  ComponentContext ctx;
  ctx.id = {"bearertokenauth", ""};
  return ctx;
}

TEST(BearerTokenAuthTest, AcceptsTheTokenWithItsSchemeOnly) {
  BearerTokenAuthConfig cfg;
  cfg.token = "s3cret";
  BearerTokenAuth a(Ctx(), cfg);
  ASSERT_TRUE(a.Start().ok());
  EXPECT_EQ(Reason(a.Authenticate(Request{{{"authorization", "Bearer s3cret"}}}.lookup())), "ok");
  EXPECT_EQ(Reason(a.Authenticate(Request{{{"Authorization", "Bearer wrong"}}}.lookup())),
            "invalid");
  EXPECT_EQ(Reason(a.Authenticate(Request{{{"Authorization", "s3cret"}}}.lookup())), "invalid");
  EXPECT_EQ(Reason(a.Authenticate(Request{{{"Authorization", "Basic s3cret"}}}.lookup())),
            "invalid");
  EXPECT_EQ(Reason(a.Authenticate(Request{{{"Authorization", "Bearer s3cret2"}}}.lookup())),
            "invalid");
  EXPECT_EQ(Reason(a.Authenticate(Request{}.lookup())), "missing");
  EXPECT_EQ(Reason(a.Authenticate(Request{{{"Authorization", ""}}}.lookup())), "missing");
  EXPECT_EQ(a.Challenge(), "Bearer");
}

TEST(BearerTokenAuthTest, ErrorsNeverContainTheToken) {
  BearerTokenAuthConfig cfg;
  cfg.token = "s3cret";
  BearerTokenAuth a(Ctx(), cfg);
  auto r = a.Authenticate(Request{{{"Authorization", "Bearer guessed-token"}}}.lookup());
  ASSERT_TRUE(std::holds_alternative<auth::AuthError>(r));
  EXPECT_EQ(std::get<auth::AuthError>(r).message, "scheme or token does not match");
}

TEST(BearerTokenAuthTest, CustomHeaderEmptySchemeAndSeveralTokens) {
  BearerTokenAuthConfig cfg;
  cfg.header = "X-Api-Key";
  cfg.scheme = "";
  cfg.tokens = {"one", "two"};
  BearerTokenAuth a(Ctx(), cfg);
  EXPECT_EQ(Reason(a.Authenticate(Request{{{"x-api-key", "two"}}}.lookup())), "ok");
  EXPECT_EQ(Reason(a.Authenticate(Request{{{"X-Api-Key", "one"}}}.lookup())), "ok");
  EXPECT_EQ(Reason(a.Authenticate(Request{{{"Authorization", "Bearer one"}}}.lookup())), "missing");
  auth::HeaderList out = {{"x-api-key", "old"}, {"Content-Type", "x"}};
  a.AddHeaders(out);  // the first token replaces the same-named header
  EXPECT_EQ(out, (auth::HeaderList{{"x-api-key", "one"}, {"Content-Type", "x"}}));
}

TEST(BearerTokenAuthTest, ClientSendsSchemeAndToken) {
  BearerTokenAuthConfig cfg;
  cfg.token = "abc";
  cfg.scheme = "Token";
  BearerTokenAuth a(Ctx(), cfg);
  auth::HeaderList out;
  a.AddHeaders(out);
  EXPECT_EQ(out, (auth::HeaderList{{"Authorization", "Token abc"}}));
  EXPECT_EQ(a.Challenge(), "Token");
}

TEST(BearerTokenAuthTest, TokenFileIsReloadedWhenItChanges) {
  auto dir = std::filesystem::temp_directory_path() / ("otter-bearer-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  auto file = dir / "token";
  { std::ofstream(file) << "first\n\n  second  \n"; }
  BearerTokenAuthConfig cfg;
  cfg.filename = file.string();
  BearerTokenAuth a(Ctx(), cfg, std::chrono::hours(1));  // the test drives reloads itself
  ASSERT_TRUE(a.Start().ok());
  EXPECT_EQ(Reason(a.Authenticate(Request{{{"Authorization", "Bearer first"}}}.lookup())), "ok");
  EXPECT_EQ(Reason(a.Authenticate(Request{{{"Authorization", "Bearer second"}}}.lookup())), "ok");
  // A blank line is not a token.
  EXPECT_EQ(Reason(a.Authenticate(Request{{{"Authorization", "Bearer "}}}.lookup())), "invalid");

  // Rotation as Kubernetes does it: a new file renamed over the old one.
  { std::ofstream(dir / "token.new") << "rotated\n"; }
  std::filesystem::rename(dir / "token.new", file);
  ASSERT_TRUE(a.ReloadIfChanged().ok());
  EXPECT_EQ(Reason(a.Authenticate(Request{{{"Authorization", "Bearer rotated"}}}.lookup())), "ok");
  EXPECT_EQ(Reason(a.Authenticate(Request{{{"Authorization", "Bearer first"}}}.lookup())),
            "invalid");
  auth::HeaderList out;
  a.AddHeaders(out);
  EXPECT_EQ(out, (auth::HeaderList{{"Authorization", "Bearer rotated"}}));

  // A briefly missing file keeps the last tokens.
  std::filesystem::remove(file);
  EXPECT_FALSE(a.ReloadIfChanged().ok());
  EXPECT_EQ(Reason(a.Authenticate(Request{{{"Authorization", "Bearer rotated"}}}.lookup())), "ok");
  a.Shutdown();
  std::filesystem::remove_all(dir);
}

TEST(BearerTokenAuthTest, WatcherPicksUpARotation) {
  auto dir =
      std::filesystem::temp_directory_path() / ("otter-bearer-w-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  auto file = dir / "token";
  { std::ofstream(file) << "before\n"; }
  BearerTokenAuthConfig cfg;
  cfg.filename = file.string();
  BearerTokenAuth a(Ctx(), cfg, std::chrono::milliseconds(5));
  ASSERT_TRUE(a.Start().ok());
  { std::ofstream(dir / "token.new") << "after-rotation\n"; }
  std::filesystem::rename(dir / "token.new", file);
  Request after{{{"Authorization", "Bearer after-rotation"}}};
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (Reason(a.Authenticate(after.lookup())) != "ok" &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(Reason(a.Authenticate(after.lookup())), "ok");
  a.Shutdown();
  std::filesystem::remove_all(dir);
}

TEST(BearerTokenAuthTest, MissingFileStopsStartUp) {
  BearerTokenAuthConfig cfg;
  cfg.filename = "/nonexistent/otter-token";
  BearerTokenAuth a(Ctx(), cfg);
  Status s = a.Start();
  EXPECT_EQ(s.message(),
            "filename: cannot read \"/nonexistent/otter-token\": No such file or directory");
}

TEST(BearerTokenAuthTest, ConfigValidation) {
  BearerTokenAuthConfig none;
  EXPECT_EQ(none.Validate().message(), "token: one of token, tokens or filename is required");
  BearerTokenAuthConfig both;
  both.token = "a";
  both.tokens = {"b"};
  EXPECT_EQ(both.Validate().message(), "tokens: set either token or tokens, not both");
  BearerTokenAuthConfig bad_header;
  bad_header.token = "a";
  bad_header.header = "X Bad";
  EXPECT_EQ(bad_header.Validate().message(), "header: \"X Bad\" is not a valid header name");
}

}  // namespace
}  // namespace otter::bearertokenauth
