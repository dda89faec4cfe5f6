#include "processors/attraction/digest.h"

#include <openssl/evp.h>

#include <memory>

namespace otter::attraction {
namespace {

// Fetched once: OpenSSL 3 would otherwise look the algorithm up on every call.
const EVP_MD* Md(DigestAlgorithm algorithm) {
  static const EVP_MD* const kMds[] = {
      EVP_MD_fetch(nullptr, "MD5", nullptr),
      EVP_MD_fetch(nullptr, "SHA1", nullptr),
      EVP_MD_fetch(nullptr, "SHA256", nullptr),
      EVP_MD_fetch(nullptr, "SHA3-256", nullptr),
  };
  return kMds[static_cast<int>(algorithm)];
}

struct CtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

}  // namespace

size_t HexDigest(DigestAlgorithm algorithm, std::string_view data, char* out) {
  // One context per thread, reused: hashing runs per attribute on the hot path.
  thread_local std::unique_ptr<EVP_MD_CTX, CtxFree> ctx(EVP_MD_CTX_new());
  const EVP_MD* md = Md(algorithm);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!md || !ctx || EVP_DigestInit_ex(ctx.get(), md, nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(ctx.get(), digest, &len) != 1)
    return 0;
  static constexpr char kHex[] = "0123456789abcdef";
  for (unsigned int i = 0; i < len; ++i) {
    out[2 * i] = kHex[digest[i] >> 4];
    out[2 * i + 1] = kHex[digest[i] & 15];
  }
  return 2 * static_cast<size_t>(len);
}

}  // namespace otter::attraction
