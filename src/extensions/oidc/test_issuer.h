// A test OpenID provider on loopback: RSA and EC P-256 keys made with OpenSSL, the discovery
// document and JWKS served by net::HttpServer, and JWTs signed with either key. For the oidc
// extension's tests and benchmark only.
#pragma once

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "common/base64.h"
#include "net/http_server.h"

namespace otter::oidc::testing {

inline std::string B64Url(std::string_view in) {
  std::string out;
  AppendBase64(out, in);
  for (char& c : out) c = c == '+' ? '-' : c == '/' ? '_' : c;
  while (!out.empty() && out.back() == '=') out.pop_back();
  return out;
}

inline std::string BnBytes(EVP_PKEY* key, const char* name) {
  BIGNUM* bn = nullptr;
  EVP_PKEY_get_bn_param(key, name, &bn);
  std::string out(size_t(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
  BN_free(bn);
  return out;
}

struct TestKey {
  std::shared_ptr<EVP_PKEY> key;
  std::string kid;
  bool ec = false;

  static TestKey Rsa(std::string kid) {
    return {std::shared_ptr<EVP_PKEY>(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048}),
                                      EVP_PKEY_free),
            std::move(kid), false};
  }
  static TestKey Ec(std::string kid) {
    return {std::shared_ptr<EVP_PKEY>(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"),
                                      EVP_PKEY_free),
            std::move(kid), true};
  }

  // This key's JWKS entry.
  std::string Jwk() const {
    if (!ec)
      return R"({"kty":"RSA","use":"sig","alg":"RS256","kid":")" + kid + R"(","n":")" +
             B64Url(BnBytes(key.get(), OSSL_PKEY_PARAM_RSA_N)) + R"(","e":")" +
             B64Url(BnBytes(key.get(), OSSL_PKEY_PARAM_RSA_E)) + R"("})";
    unsigned char pub[65];
    size_t len = 0;
    EVP_PKEY_get_octet_string_param(key.get(), OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof pub, &len);
    std::string p(reinterpret_cast<char*>(pub), len);
    return R"({"kty":"EC","crv":"P-256","alg":"ES256","kid":")" + kid + R"(","x":")" +
           B64Url(p.substr(1, 32)) + R"(","y":")" + B64Url(p.substr(33, 32)) + R"("})";
  }

  // A compact JWS of `claims` (JSON), RS256 or ES256.
  std::string Sign(const std::string& claims, const std::string& header_kid = "") const {
    std::string header = std::string(R"({"alg":")") + (ec ? "ES256" : "RS256") +
                         R"(","typ":"JWT","kid":")" + (header_kid.empty() ? kid : header_kid) +
                         R"("})";
    std::string input = B64Url(header) + "." + B64Url(claims);
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key.get());
    size_t len = 0;
    EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()),
                   input.size());
    std::string sig(len, '\0');
    EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                   reinterpret_cast<const unsigned char*>(input.data()), input.size());
    sig.resize(len);
    EVP_MD_CTX_free(ctx);
    if (ec) {  // DER → r || s, 32 bytes each
      const unsigned char* p = reinterpret_cast<const unsigned char*>(sig.data());
      ECDSA_SIG* s = d2i_ECDSA_SIG(nullptr, &p, long(sig.size()));
      std::string raw(64, '\0');
      BN_bn2binpad(ECDSA_SIG_get0_r(s), reinterpret_cast<unsigned char*>(raw.data()), 32);
      BN_bn2binpad(ECDSA_SIG_get0_s(s), reinterpret_cast<unsigned char*>(raw.data()) + 32, 32);
      ECDSA_SIG_free(s);
      sig = raw;
    }
    return input + "." + B64Url(sig);
  }
};

// Serves /.well-known/openid-configuration and /jwks on 127.0.0.1 (issuer = its URL).
class TestIssuer {
 public:
  TestIssuer() {
    net::HttpServerOptions o;
    o.endpoint = "127.0.0.1:0";
    server_ = std::make_unique<net::HttpServer>(
        o, [this](net::HttpRequest&& req, net::HttpResponder respond) {
          std::lock_guard l(mu_);
          if (req.path() == "/.well-known/openid-configuration") {
            ++discovery_requests;
            respond(net::HttpResponse::Text(
                200, R"({"issuer":")" + (issuer_override.empty() ? url() : issuer_override) +
                         R"(","jwks_uri":")" + url() + R"(/jwks"})"));
          } else if (req.path() == "/jwks") {
            ++jwks_requests;
            respond(net::HttpResponse::Text(200, R"({"keys":[)" + jwks_ + "]}"));
          } else {
            respond(net::HttpResponse::Text(404, "not found"));
          }
        });
    (void)server_->Start();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }
  void SetKeys(const std::vector<const TestKey*>& keys) {
    std::lock_guard l(mu_);
    jwks_.clear();
    for (const TestKey* k : keys) jwks_ += (jwks_.empty() ? "" : ",") + k->Jwk();
  }
  // Claims JSON for this issuer; `exp_in` relative to now.
  std::string Claims(const std::string& aud, std::chrono::seconds exp_in,
                     const std::string& extra = "") const {
    auto now = std::chrono::duration_cast<std::chrono::seconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
    return R"({"iss":")" + url() + R"(","sub":"user-1","aud":")" + aud + R"(","iat":)" +
           std::to_string(now) + R"(,"exp":)" + std::to_string(now + exp_in.count()) + extra + "}";
  }

  std::atomic<int> discovery_requests{0}, jwks_requests{0};
  std::string issuer_override;  // set before Start of the extension

 private:
  std::mutex mu_;
  std::string jwks_;
  std::unique_ptr<net::HttpServer> server_;
};

}  // namespace otter::oidc::testing
