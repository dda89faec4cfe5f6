// oidc: discovery and JWKS served on loopback by the test, RS256 and ES256 tokens made with
// OpenSSL keys generated here, and each way a token is refused.
#include "extensions/oidc/extension.h"

#include <gtest/gtest.h>

#include "extensions/oidc/test_issuer.h"

namespace otter::oidc {
namespace {

using std::chrono::seconds;
using testing::TestIssuer;
using testing::TestKey;

std::string Outcome(const std::variant<auth::AuthData, auth::AuthError>& r) {
  if (std::holds_alternative<auth::AuthData>(r)) {
    const auto& d = std::get<auth::AuthData>(r);
    std::string out = "ok:" + d.subject;
    for (const auto& g : d.groups) out += "," + g;
    return out;
  }
  return std::get<auth::AuthError>(r).reason + ": " + std::get<auth::AuthError>(r).message;
}

class OidcTest : public ::testing::Test {
 protected:
  OidcTest() : rsa_(TestKey::Rsa("rsa-1")), ec_(TestKey::Ec("ec-1")) {
    issuer_.SetKeys({&rsa_, &ec_});
  }
  std::unique_ptr<OidcAuth> Make(OidcConfig cfg = {}) {
    if (cfg.issuer_url.empty()) cfg.issuer_url = issuer_.url();
    if (cfg.audience.empty()) cfg.audience = "otter";
    ComponentContext ctx;
    ctx.id = {"oidc", ""};
    return std::make_unique<OidcAuth>(ctx, cfg);
  }
  std::string Check(const OidcAuth& a, const std::string& authorization) {
    return Outcome(a.Authenticate([&](std::string_view name) -> std::optional<std::string_view> {
      if (!auth::HeaderNameEquals(name, "authorization") || authorization.empty())
        return std::nullopt;
      return std::string_view(authorization);
    }));
  }

  TestIssuer issuer_;
  TestKey rsa_, ec_;
};

TEST_F(OidcTest, AcceptsRs256AndEs256TokensFromTheIssuer) {
  auto a = Make();
  ASSERT_TRUE(a->Start().ok());
  EXPECT_EQ(Check(*a, "Bearer " + rsa_.Sign(issuer_.Claims("otter", seconds(60)))), "ok:user-1");
  EXPECT_EQ(Check(*a, "Bearer " + ec_.Sign(issuer_.Claims("otter", seconds(60)))), "ok:user-1");
  EXPECT_EQ(issuer_.discovery_requests, 1);
  EXPECT_EQ(issuer_.jwks_requests, 1);
}

TEST_F(OidcTest, RefusesMissingMalformedExpiredAndForeignTokens) {
  auto a = Make();
  ASSERT_TRUE(a->Start().ok());
  EXPECT_EQ(Check(*a, ""), "missing: authentication didn't succeed");
  EXPECT_EQ(Check(*a, "Bearer"), "invalid: invalid authorization header format");
  EXPECT_EQ(Check(*a, "Bearer a.b"),
            "invalid: failed to parse the token: malformed jwt: expected 3 parts");
  EXPECT_EQ(Check(*a, "Bearer " + rsa_.Sign(issuer_.Claims("otter", seconds(-10)))),
            "expired: failed to verify token: oidc: token is expired");
  EXPECT_EQ(Check(*a, "Bearer " + rsa_.Sign(issuer_.Claims("someone-else", seconds(60)))),
            "invalid: failed to verify token: oidc: expected audience \"otter\" got "
            "[\"someone-else\"]");
  std::string future_nbf = issuer_.Claims(
      "otter", seconds(3600),
      ",\"nbf\":" + std::to_string(std::chrono::duration_cast<seconds>(
                                       std::chrono::system_clock::now().time_since_epoch())
                                       .count() +
                                   1200));
  EXPECT_EQ(Check(*a, "Bearer " + rsa_.Sign(future_nbf)),
            "invalid: failed to verify token: oidc: current time before the nbf (not before) time");
  std::string other_issuer =
      R"({"iss":"https://evil.example","aud":"otter","exp":99999999999,"sub":"x"})";
  EXPECT_EQ(Check(*a, "Bearer " + rsa_.Sign(other_issuer)),
            "invalid: failed to verify token: oidc: id token issued by a different provider, "
            "expected \"" +
                issuer_.url() + "\" got \"https://evil.example\"");
}

TEST_F(OidcTest, RefusesWrongSignatures) {
  auto a = Make();
  ASSERT_TRUE(a->Start().ok());
  std::string good = rsa_.Sign(issuer_.Claims("otter", seconds(60)));
  // A key the provider does not publish, claiming a published key id.
  TestKey stranger = TestKey::Rsa("rsa-1");
  EXPECT_EQ(Check(*a, "Bearer " + stranger.Sign(issuer_.Claims("otter", seconds(60)))),
            "invalid: failed to verify token: oidc: failed to verify signature");
  // The payload changed after signing.
  size_t dot1 = good.find('.'), dot2 = good.rfind('.');
  std::string tampered = good.substr(0, dot1 + 1) +
                         testing::B64Url(issuer_.Claims("otter", seconds(7200))) +
                         good.substr(dot2);
  EXPECT_EQ(Check(*a, "Bearer " + tampered),
            "invalid: failed to verify token: oidc: failed to verify signature");
  // An EC signature presented as the RSA key's.
  EXPECT_EQ(Check(*a, "Bearer " + ec_.Sign(issuer_.Claims("otter", seconds(60)), "rsa-1")),
            "invalid: failed to verify token: oidc: failed to verify signature");
}

TEST_F(OidcTest, UnknownKeyIdRefetchesTheJwks) {
  auto a = Make();
  ASSERT_TRUE(a->Start().ok());
  TestKey rotated = TestKey::Ec("ec-2");
  issuer_.SetKeys({&rsa_, &rotated});  // the provider rotates its keys
  EXPECT_EQ(Check(*a, "Bearer " + rotated.Sign(issuer_.Claims("otter", seconds(60)))), "ok:user-1");
  EXPECT_EQ(issuer_.jwks_requests, 2);
  // Another unknown key within 10 s does not make the extension fetch again.
  TestKey unknown = TestKey::Ec("ec-3");
  EXPECT_EQ(Check(*a, "Bearer " + unknown.Sign(issuer_.Claims("otter", seconds(60)))),
            "invalid: failed to verify token: oidc: failed to verify signature");
  EXPECT_EQ(issuer_.jwks_requests, 2);
}

TEST_F(OidcTest, UsernameAndGroupsClaims) {
  OidcConfig cfg;
  cfg.username_claim = "email";
  cfg.groups_claim = "groups";
  auto a = Make(cfg);
  ASSERT_TRUE(a->Start().ok());
  EXPECT_EQ(Check(*a, "Bearer " + rsa_.Sign(issuer_.Claims(
                                      "otter", seconds(60),
                                      R"(,"email":"a@example.com","groups":["ops","dev"])"))),
            "ok:a@example.com,ops,dev");
  EXPECT_EQ(
      Check(*a, "Bearer " + rsa_.Sign(issuer_.Claims("otter", seconds(60), R"(,"groups":"ops")"))),
      "invalid: failed to get subject from claims in the token: username claim from the "
      "OIDC configuration not found on the token returned by the OIDC provider");
}

TEST_F(OidcTest, StartFailsWhenDiscoveryDisagrees) {
  issuer_.issuer_override = "https://elsewhere.example";
  auto a = Make();
  Status s = a->Start();
  EXPECT_EQ(s.message(), "failed to get configuration from the auth server " + issuer_.url() +
                             ": oidc: issuer did not match the issuer returned by provider, "
                             "expected \"" +
                             issuer_.url() + "\" got \"https://elsewhere.example\"");
}

TEST(OidcConfigTest, Validation) {
  OidcConfig c;
  c.issuer_url = "https://idp.example";
  EXPECT_EQ(c.Validate().message(), "audience: no audience provided for the OIDC configuration");
  c.ignore_audience = true;
  EXPECT_TRUE(c.Validate().ok());
  c.issuer_url = "";
  EXPECT_EQ(c.Validate().message(),
            "issuer_url: no issuer URL provided for the OIDC configuration");
}

}  // namespace
}  // namespace otter::oidc
