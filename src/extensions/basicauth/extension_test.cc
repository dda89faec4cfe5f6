// basicauth: htpasswd hash formats, what a server accepts and refuses, what a client sends.
#include "extensions/basicauth/extension.h"

#include <crypt.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/base64.h"

namespace otter::basicauth {
namespace {

std::string Crypt(const std::string& password, const std::string& setting) {
  crypt_data data{};
  const char* out = crypt_r(password.c_str(), setting.c_str(), &data);
  return out ? out : "";
}

std::string Bcrypt(const std::string& password) {
  char salt[CRYPT_GENSALT_OUTPUT_SIZE];
  EXPECT_NE(crypt_gensalt_rn("$2b$", 4, nullptr, 0, salt, sizeof salt), nullptr);
  return Crypt(password, salt);
}

std::string BasicHeader(const std::string& user_colon_password) {
  std::string h = "Basic ";
  AppendBase64(h, user_colon_password);
  return h;
}

std::string Check(const BasicAuth& a, std::optional<std::string> authorization) {
  auto r = a.Authenticate([&](std::string_view name) -> std::optional<std::string_view> {
    if (!authorization || !auth::HeaderNameEquals(name, "authorization")) return std::nullopt;
    return std::string_view(*authorization);
  });
  if (std::holds_alternative<auth::AuthData>(r)) return "ok:" + std::get<auth::AuthData>(r).subject;
  return std::get<auth::AuthError>(r).reason + ": " + std::get<auth::AuthError>(r).message;
}

ComponentContext Ctx() {
  ComponentContext ctx;
  ctx.id = {"basicauth", ""};
  return ctx;
}

TEST(HtpasswdHashTest, Formats) {
  std::string bcrypt = Bcrypt("pa55");
  ASSERT_EQ(bcrypt.substr(0, 4), "$2b$");
  EXPECT_TRUE(VerifyHtpasswdHash(bcrypt, "pa55"));
  EXPECT_FALSE(VerifyHtpasswdHash(bcrypt, "pa56"));
  std::string y = "$2y$" + bcrypt.substr(4);  // Apache's htpasswd -B writes $2y$
  EXPECT_TRUE(VerifyHtpasswdHash(y, "pa55"));
  std::string sha512 = Crypt("pa55", "$6$saltsalt$");
  EXPECT_TRUE(VerifyHtpasswdHash(sha512, "pa55"));
  EXPECT_FALSE(VerifyHtpasswdHash(sha512, "PA55"));
  EXPECT_TRUE(VerifyHtpasswdHash("{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=", "password"));
  EXPECT_FALSE(VerifyHtpasswdHash("{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=", "passwort"));
  EXPECT_TRUE(VerifyHtpasswdHash("plain-text", "plain-text"));
  EXPECT_FALSE(VerifyHtpasswdHash("plain-text", "plain-tex"));
  // Apache MD5 is not supported: never matches, not even its own text.
  EXPECT_FALSE(VerifyHtpasswdHash("$apr1$abc$def", "$apr1$abc$def"));
}

TEST(BasicAuthTest, ServerChecksHtpasswdUsers) {
  BasicAuthConfig cfg;
  cfg.htpasswd = HtpasswdSettings{};
  cfg.htpasswd->inline_content = "# users\nalice:" + Bcrypt("wonder") + "\nbob:builder\n";
  BasicAuth a(Ctx(), cfg);
  ASSERT_TRUE(a.Start().ok());
  EXPECT_EQ(Check(a, BasicHeader("alice:wonder")), "ok:alice");
  EXPECT_EQ(Check(a, BasicHeader("bob:builder")), "ok:bob");
  EXPECT_EQ(Check(a, BasicHeader("alice:builder")), "invalid: invalid credentials");
  EXPECT_EQ(Check(a, BasicHeader("carol:builder")), "invalid: invalid credentials");
  EXPECT_EQ(Check(a, std::nullopt), "missing: missing authorization header");
  EXPECT_EQ(Check(a, "Bearer abc"), "invalid: invalid authorization scheme prefix");
  EXPECT_EQ(Check(a, "Basic !!!"), "invalid: invalid authorization format");
  EXPECT_EQ(Check(a, BasicHeader("no-colon")), "invalid: invalid authorization format");
  EXPECT_EQ(a.Challenge(), "Basic realm=\"otter\", charset=\"UTF-8\"");
}

TEST(BasicAuthTest, InlineWinsOverFile) {
  auto file =
      std::filesystem::temp_directory_path() / ("otter-htpasswd-" + std::to_string(getpid()));
  { std::ofstream(file) << "alice:from-file\nbob:" << Crypt("file-pw", "$5$salt$") << "\n"; }
  BasicAuthConfig cfg;
  cfg.htpasswd = HtpasswdSettings{file.string(), "alice:from-inline"};
  BasicAuth a(Ctx(), cfg);
  ASSERT_TRUE(a.Start().ok());
  EXPECT_EQ(Check(a, BasicHeader("alice:from-inline")), "ok:alice");
  EXPECT_EQ(Check(a, BasicHeader("alice:from-file")), "invalid: invalid credentials");
  EXPECT_EQ(Check(a, BasicHeader("bob:file-pw")), "ok:bob");
  std::filesystem::remove(file);

  BasicAuthConfig missing;
  missing.htpasswd = HtpasswdSettings{"/nonexistent/htpasswd", ""};
  BasicAuth m(Ctx(), missing);
  EXPECT_EQ(m.Start().message(),
            "htpasswd.file: cannot read \"/nonexistent/htpasswd\": No such file or directory");
}

TEST(BasicAuthTest, ClientSendsCredentials) {
  BasicAuthConfig cfg;
  cfg.client_auth = ClientAuthSettings{"user", "p:w"};
  BasicAuth a(Ctx(), cfg);
  auth::HeaderList out = {{"authorization", "old"}};
  a.AddHeaders(out);
  EXPECT_EQ(out, (auth::HeaderList{{"authorization", "Basic dXNlcjpwOnc="}}));
}

TEST(BasicAuthTest, ConfigValidation) {
  BasicAuthConfig none;
  EXPECT_EQ(none.Validate().message(),
            "htpasswd: no credential source provided (set htpasswd.file, htpasswd.inline or "
            "client_auth)");
  BasicAuthConfig both;
  both.htpasswd = HtpasswdSettings{"", "a:b"};
  both.client_auth = ClientAuthSettings{"a", "b"};
  EXPECT_EQ(both.Validate().message(),
            "client_auth: only one of htpasswd or client_auth can be specified");
}

}  // namespace
}  // namespace otter::basicauth
