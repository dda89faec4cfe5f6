#include "processors/attraction/digest.h"

#include <openssl/evp.h>

namespace otter::attraction {

size_t HexDigest(DigestAlgorithm algorithm, std::string_view data, char* out) {
  const EVP_MD* md = nullptr;
  switch (algorithm) {
    case DigestAlgorithm::kMd5:
      md = EVP_md5();
      break;
    case DigestAlgorithm::kSha1:
      md = EVP_sha1();
      break;
    case DigestAlgorithm::kSha256:
      md = EVP_sha256();
      break;
    case DigestAlgorithm::kSha3_256:
      md = EVP_sha3_256();
      break;
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!md || EVP_Digest(data.data(), data.size(), digest, &len, md, nullptr) != 1) return 0;
  static constexpr char kHex[] = "0123456789abcdef";
  for (unsigned int i = 0; i < len; ++i) {
    out[2 * i] = kHex[digest[i] >> 4];
    out[2 * i + 1] = kHex[digest[i] & 15];
  }
  return 2 * static_cast<size_t>(len);
}

}  // namespace otter::attraction
