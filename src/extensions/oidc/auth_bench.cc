// Cost per request of server-side authentication: a bearer token comparison, and an OIDC JWT
// verification (RS256 2048-bit, ES256 P-256) against keys already fetched, claims included.
#include <benchmark/benchmark.h>

#include "extensions/bearertokenauth/extension.h"
#include "extensions/oidc/extension.h"
#include "extensions/oidc/test_issuer.h"

namespace otter::oidc {
namespace {

void BM_BearerTokenAuthenticate(benchmark::State& state) {
  bearertokenauth::BearerTokenAuthConfig cfg;
  cfg.token = "0123456789abcdef0123456789abcdef";
  ComponentContext ctx;
  bearertokenauth::BearerTokenAuth a(ctx, cfg);
  std::string header = "Bearer " + cfg.token;
  auth::HeaderLookup lookup = [&](std::string_view) -> std::optional<std::string_view> {
    return std::string_view(header);
  };
  for (auto _ : state) benchmark::DoNotOptimize(a.Authenticate(lookup));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_BearerTokenAuthenticate);

void VerifyBench(benchmark::State& state, bool ec) {
  testing::TestIssuer issuer;
  testing::TestKey key = ec ? testing::TestKey::Ec("k") : testing::TestKey::Rsa("k");
  issuer.SetKeys({&key});
  OidcConfig cfg;
  cfg.issuer_url = issuer.url();
  cfg.audience = "otter";
  ComponentContext ctx;
  OidcAuth a(ctx, cfg);
  if (!a.Start().ok()) {
    state.SkipWithError("discovery failed");
    return;
  }
  std::string token = key.Sign(issuer.Claims("otter", std::chrono::hours(1)));
  auto now = std::chrono::system_clock::now();
  for (auto _ : state) {
    auto r = a.Verify(token, now);
    if (!std::holds_alternative<auth::AuthData>(r)) state.SkipWithError("refused");
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}
void BM_OidcVerifyRs256(benchmark::State& state) { VerifyBench(state, false); }
void BM_OidcVerifyEs256(benchmark::State& state) { VerifyBench(state, true); }
BENCHMARK(BM_OidcVerifyRs256);
BENCHMARK(BM_OidcVerifyEs256);

}  // namespace
}  // namespace otter::oidc
