// Hex digests (OpenSSL EVP) for processors that hash attribute values: attributes/resource
// `hash` (SHA-256) and redaction's hash_function (md5, sha1, sha3). Plain functions; thread-safe.
#pragma once

#include <cstddef>
#include <string_view>

namespace otter::attraction {

enum class DigestAlgorithm { kMd5, kSha1, kSha256, kSha3_256 };

// Longest hex digest any algorithm above writes.
inline constexpr size_t kMaxHexDigest = 64;

// Writes the lowercase hex digest of `data` to `out` (kMaxHexDigest bytes) and returns its length.
size_t HexDigest(DigestAlgorithm algorithm, std::string_view data, char* out);

}  // namespace otter::attraction
