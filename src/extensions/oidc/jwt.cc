#include "extensions/oidc/jwt.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <simdjson.h>

#include "common/base64.h"

namespace otter::oidc {
namespace {

std::optional<std::string> B64Url(std::string_view s) {
  return DecodeBase64(s, /*url_safe=*/true, /*padded=*/false);
}

std::string Str(simdjson::dom::element e, const char* key) {
  std::string_view v;
  return e[key].get(v) == simdjson::SUCCESS ? std::string(v) : std::string();
}

using ParamBld = std::unique_ptr<OSSL_PARAM_BLD, decltype(&OSSL_PARAM_BLD_free)>;
using Params = std::unique_ptr<OSSL_PARAM, decltype(&OSSL_PARAM_free)>;
using Bn = std::unique_ptr<BIGNUM, decltype(&BN_free)>;

std::shared_ptr<EVP_PKEY> FromData(const char* type, OSSL_PARAM* params) {
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr), EVP_PKEY_CTX_free);
  EVP_PKEY* pkey = nullptr;
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) <= 0 ||
      EVP_PKEY_fromdata(ctx.get(), &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0)
    return nullptr;
  return std::shared_ptr<EVP_PKEY>(pkey, EVP_PKEY_free);
}

std::shared_ptr<EVP_PKEY> RsaKey(const std::string& n, const std::string& e) {
  Bn bn_n(BN_bin2bn(reinterpret_cast<const unsigned char*>(n.data()), int(n.size()), nullptr),
          BN_free);
  Bn bn_e(BN_bin2bn(reinterpret_cast<const unsigned char*>(e.data()), int(e.size()), nullptr),
          BN_free);
  ParamBld bld(OSSL_PARAM_BLD_new(), OSSL_PARAM_BLD_free);
  if (!bn_n || !bn_e || !bld ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()))
    return nullptr;
  Params params(OSSL_PARAM_BLD_to_param(bld.get()), OSSL_PARAM_free);
  return params ? FromData("RSA", params.get()) : nullptr;
}

std::shared_ptr<EVP_PKEY> EcKey(const std::string& crv, const std::string& x,
                                const std::string& y) {
  const char* group = crv == "P-256" ? "prime256v1" : crv == "P-384" ? "secp384r1" : nullptr;
  size_t size = crv == "P-256" ? 32 : 48;
  if (!group || x.size() != size || y.size() != size) return nullptr;
  std::string point = "\x04" + x + y;  // uncompressed point
  ParamBld bld(OSSL_PARAM_BLD_new(), OSSL_PARAM_BLD_free);
  if (!bld || !OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, 0) ||
      !OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                        point.size()))
    return nullptr;
  Params params(OSSL_PARAM_BLD_to_param(bld.get()), OSSL_PARAM_free);
  return params ? FromData("EC", params.get()) : nullptr;
}

// JOSE ECDSA signatures are r || s; OpenSSL verifies DER.
std::string EcdsaToDer(std::string_view raw) {
  size_t half = raw.size() / 2;
  Bn r(BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), int(half), nullptr), BN_free);
  Bn s(BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data() + half), int(half), nullptr),
       BN_free);
  ECDSA_SIG* sig = ECDSA_SIG_new();
  if (!sig || !r || !s || !ECDSA_SIG_set0(sig, r.get(), s.get())) {
    ECDSA_SIG_free(sig);
    return {};
  }
  r.release();  // owned by sig now
  s.release();
  unsigned char* der = nullptr;
  int len = i2d_ECDSA_SIG(sig, &der);
  std::string out = len > 0 ? std::string(reinterpret_cast<char*>(der), size_t(len)) : "";
  OPENSSL_free(der);
  ECDSA_SIG_free(sig);
  return out;
}

const EVP_MD* Digest(std::string_view alg) {
  std::string_view bits = alg.substr(2);
  return bits == "256"   ? EVP_sha256()
         : bits == "384" ? EVP_sha384()
         : bits == "512" ? EVP_sha512()
                         : nullptr;
}

}  // namespace

bool IsSupportedAlg(std::string_view alg) {
  for (std::string_view a :
       {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384"})
    if (a == alg) return true;
  return false;
}

StatusOr<KeySet> KeySet::Parse(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(json.data(), json.size()).get(doc) != simdjson::SUCCESS)
    return InvalidArgument("JWKS is not JSON");
  simdjson::dom::array keys;
  if (doc["keys"].get(keys) != simdjson::SUCCESS)
    return InvalidArgument("JWKS has no \"keys\" array");
  KeySet set;
  for (simdjson::dom::element k : keys) {
    std::string kty = Str(k, "kty"), use = Str(k, "use");
    if (!use.empty() && use != "sig") continue;
    Jwk jwk;
    jwk.kid = Str(k, "kid");
    jwk.alg = Str(k, "alg");
    if (kty == "RSA") {
      auto n = B64Url(Str(k, "n")), e = B64Url(Str(k, "e"));
      if (n && e) jwk.key = RsaKey(*n, *e);
    } else if (kty == "EC") {
      jwk.ec = true;
      auto x = B64Url(Str(k, "x")), y = B64Url(Str(k, "y"));
      if (x && y) jwk.key = EcKey(Str(k, "crv"), *x, *y);
    }
    if (jwk.key) set.keys.push_back(std::move(jwk));
  }
  if (set.keys.empty()) return InvalidArgument("JWKS contains no usable RSA or EC key");
  return set;
}

StatusOr<DecodedJwt> DecodeJwt(std::string_view token) {
  size_t dot1 = token.find('.');
  size_t dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos)
    return InvalidArgument("malformed jwt: expected 3 parts");
  auto header = B64Url(token.substr(0, dot1));
  auto payload = B64Url(token.substr(dot1 + 1, dot2 - dot1 - 1));
  auto signature = B64Url(token.substr(dot2 + 1));
  if (!header || !payload || !signature) return InvalidArgument("malformed jwt: bad base64url");
  thread_local simdjson::dom::parser parser;  // keeps its buffers: no allocation per token
  simdjson::dom::element h;
  if (parser.parse(*header).get(h) != simdjson::SUCCESS || !h.is_object())
    return InvalidArgument("malformed jwt: header is not a JSON object");
  DecodedJwt jwt;
  jwt.alg = Str(h, "alg");
  jwt.kid = Str(h, "kid");
  if (jwt.alg.empty()) return InvalidArgument("malformed jwt: no alg");
  jwt.payload = std::move(*payload);
  jwt.signing_input = std::string(token.substr(0, dot2));
  jwt.signature = std::move(*signature);
  return jwt;
}

bool VerifyJwtSignature(const DecodedJwt& jwt, const Jwk& key) {
  if (!IsSupportedAlg(jwt.alg) || !key.key) return false;
  if (!key.alg.empty() && key.alg != jwt.alg) return false;
  bool ec_alg = jwt.alg[0] == 'E';
  if (ec_alg != key.ec) return false;
  const EVP_MD* md = Digest(jwt.alg);
  std::string der;
  std::string_view sig = jwt.signature;
  if (ec_alg) {
    size_t want = jwt.alg == "ES256" ? 64 : 96;
    if (sig.size() != want || EVP_PKEY_get_bits(key.key.get()) != int(want / 2 * 8)) return false;
    der = EcdsaToDer(sig);
    if (der.empty()) return false;
    sig = der;
  }
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_PKEY_CTX* pctx = nullptr;
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), &pctx, md, nullptr, key.key.get()) <= 0) return false;
  if (jwt.alg[0] == 'P' && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) <= 0 ||
                            EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) <= 0))
    return false;
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                          reinterpret_cast<const unsigned char*>(jwt.signing_input.data()),
                          jwt.signing_input.size()) == 1;
}

}  // namespace otter::oidc
