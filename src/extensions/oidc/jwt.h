// JSON Web Tokens for the oidc extension: decoding a compact JWS (RFC 7515), the keys of a JWKS
// document (RFC 7517: RSA and EC P-256/P-384 public keys) and signature checks with OpenSSL 3
// (RS256/384/512, PS256/384/512, ES256/384). Claims are read by the caller (extension.cc).
// Thread-safety: KeySet and DecodedJwt are immutable values; functions are pure.
#pragma once

#include <openssl/types.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace otter::oidc {

struct Jwk {
  std::string kid;
  std::string alg;  // "" when the JWKS does not say
  bool ec = false;  // EC, else RSA
  std::shared_ptr<EVP_PKEY> key;
};

struct KeySet {
  std::vector<Jwk> keys;
  // Parses a JWKS document; keys of other types ("oct", "OKP") or uses ("enc") are skipped.
  // An error when none is usable.
  static StatusOr<KeySet> Parse(std::string_view json);
};

struct DecodedJwt {
  std::string alg, kid;
  std::string payload;        // the claims, JSON
  std::string signing_input;  // "<header>.<payload>" as sent
  std::string signature;      // raw bytes
};

// Splits and base64url-decodes a compact JWS; the header must be JSON with "alg".
StatusOr<DecodedJwt> DecodeJwt(std::string_view token);

// True if `jwt` is signed by `key` with its alg (the key's type and alg, when set, must fit).
bool VerifyJwtSignature(const DecodedJwt& jwt, const Jwk& key);

// The algorithms VerifyJwtSignature knows.
bool IsSupportedAlg(std::string_view alg);

}  // namespace otter::oidc
