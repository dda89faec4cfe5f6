#include "store/crc32.h"

#include <zlib.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace otter::store {

namespace {

uint32_t ZlibCrc32(uint32_t crc, const char* p, size_t n) {
  // zlib's length is uInt: feed it in pieces below 4 GiB.
  while (n > 0) {
    size_t piece = n < (1u << 30) ? n : (1u << 30);
    crc = static_cast<uint32_t>(
        crc32(crc, reinterpret_cast<const Bytef*>(p), static_cast<uInt>(piece)));
    p += piece;
    n -= piece;
  }
  return crc;
}

#if defined(__x86_64__)

// Folding (Gopal et al., "Fast CRC Computation for Generic Polynomials Using PCLMULQDQ"): the
// message is a polynomial over GF(2); a 128-bit chunk A followed by n more bits contributes
// A·x^n, and A·x^n ≡ A_lo·(x^(n+64-32·r) mod P) + A_hi·(x^(n-32·r) mod P) keeps it 128 bits wide
// (r: the bit-reflected domain's offset, folded into the constants). Four accumulators fold
// 512 bits per step; they are then folded into one, which with the bytes left over has the same
// CRC as the whole input, and zlib finishes those few bytes.
// Constants for P = 0x104C11DB7, bit-reflected, as 33-bit values:
constexpr int64_t kFold512Lo = 0x154442bd4;  // x^(512+32) mod P
constexpr int64_t kFold512Hi = 0x1c6e41596;  // x^(512-32) mod P
constexpr int64_t kFold128Lo = 0x1751997d0;  // x^(128+32) mod P
constexpr int64_t kFold128Hi = 0x0ccaa009e;  // x^(128-32) mod P

__attribute__((target("pclmul,sse2"))) inline __m128i Fold(__m128i acc, __m128i k, __m128i next) {
  __m128i lo = _mm_clmulepi64_si128(acc, k, 0x00);
  __m128i hi = _mm_clmulepi64_si128(acc, k, 0x11);
  return _mm_xor_si128(_mm_xor_si128(lo, hi), next);
}

__attribute__((target("pclmul,sse2"))) uint32_t FoldedCrc32(uint32_t crc, const char* p, size_t n) {
  auto load = [](const char* at) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(at)); };
  // The running CRC (inverted, as zlib keeps it) is XORed into the first 32 bits of the message.
  __m128i a = _mm_xor_si128(load(p), _mm_cvtsi32_si128(static_cast<int>(~crc)));
  __m128i b = load(p + 16), c = load(p + 32), d = load(p + 48);
  p += 64;
  n -= 64;
  const __m128i k512 = _mm_set_epi64x(kFold512Hi, kFold512Lo);
  for (; n >= 64; p += 64, n -= 64) {
    a = Fold(a, k512, load(p));
    b = Fold(b, k512, load(p + 16));
    c = Fold(c, k512, load(p + 32));
    d = Fold(d, k512, load(p + 48));
  }
  const __m128i k128 = _mm_set_epi64x(kFold128Hi, kFold128Lo);
  a = Fold(a, k128, b);
  a = Fold(a, k128, c);
  a = Fold(a, k128, d);
  for (; n >= 16; p += 16, n -= 16) a = Fold(a, k128, load(p));
  // `a` is now a 16-byte message with the CRC (from a zero register) of everything folded.
  alignas(16) char rest[16];
  _mm_store_si128(reinterpret_cast<__m128i*>(rest), a);
  return ZlibCrc32(ZlibCrc32(0xffffffffu, rest, 16), p, n);
}

// Static initialisers may run before libgcc's CPU detection: run it first.
const bool kHasClmul = [] {
  __builtin_cpu_init();
  return __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse2");
}();

#endif

}  // namespace

uint32_t Crc32(uint32_t crc, std::string_view data) {
#if defined(__x86_64__)
  if (data.size() >= 128 && kHasClmul) return FoldedCrc32(crc, data.data(), data.size());
#endif
  return ZlibCrc32(crc, data.data(), data.size());
}

}  // namespace otter::store
