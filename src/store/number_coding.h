// Codings of numeric attribute columns in span pages (docs/storage.md, "Traces"): ints as
// deltas from the previous value when that is shorter, and doubles that are decimals with few
// digits (a latency in ms with six decimals, a price in cents) as the integer n of n / 10^e.
#pragma once

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>

#include "store/block.h"
#include "store/span_columns.h"

namespace otter::store {

// How a span page's attribute column is written (the byte after its value count).
enum ColumnCoding : uint8_t {
  kMixedTypes = 0,      // a type byte per value, then the values
  kOneType = 1,         // one type byte, then the values
  kIntDeltas = 2,       // ints: zigzag(value - previous value), the first from 0
  kDecimalDoubles = 3,  // doubles: exponent e, then per value 0 and its 8 bytes, or
                        // zigzag(n) + 1 for the value n / 10^e (DecimalBits)
};

// Writes a column of ints or doubles (`values`: AttrCell::value) in kIntDeltas or
// kDecimalDoubles coding, coding byte first, when that is shorter than kOneType; false (nothing
// written) otherwise.
bool PutNumbers(Sink& out, pdata::AnyValue::Type type, std::span<const uint64_t> values);
// Reads the values of a column in kIntDeltas or kDecimalDoubles coding (after its coding byte)
// into `col`, one per element, with `key`. False when `r` runs out or the exponent is invalid.
bool ReadNumbers(IndexReader& r, uint8_t coding, uint32_t key, std::span<AttrCell> col);

// Bytes of v as a LEB128 varint.
inline size_t VarintSize(uint64_t v) { return static_cast<size_t>(std::bit_width(v | 1) + 6) / 7; }

// Powers of ten exact in a double (10^22 is the largest).
inline constexpr double kPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8, 1e9,
                                    1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18};
inline constexpr int kMaxDecimalExponent = 18;

// The double `n / 10^e`, as its bits (the decoder's side: the encoder checks that this gives the
// value back bit for bit).
inline uint64_t DecimalBits(int64_t n, int e) {
  return std::bit_cast<uint64_t>(static_cast<double>(n) / kPow10[e]);
}

// True when the double with `bits` is exactly DecimalBits(*n, e) for some |*n| < 2^53.
// -0.0, NaNs and infinities never are.
inline bool DecimalOf(uint64_t bits, int e, int64_t* n) {
  double x = std::bit_cast<double>(bits) * kPow10[e];
  if (!(std::fabs(x) < 9007199254740992.0)) return false;
  *n = std::llround(x);
  return DecimalBits(*n, e) == bits;
}

// The exponent that codes most of a column's doubles (the smallest on a tie), judged on its
// first 64 values; -1 when it codes fewer than three quarters of them or the coded values would
// not be shorter than 8 bytes each (1/3 is n / 10^16, in 8 bytes of varint).
inline int DecimalExponent(std::span<const uint64_t> bits) {
  size_t sample = std::min<size_t>(bits.size(), 64);
  int best = -1;
  size_t best_count = 0, best_bytes = 0;
  for (int e = 0; e <= kMaxDecimalExponent; ++e) {
    size_t count = 0, bytes = 0;
    int64_t n;
    for (size_t i = 0; i < sample; ++i) {
      bool ok = DecimalOf(bits[i], e, &n);
      count += ok;
      // zigzag(n) + 1 (n < 2^53: no overflow), or a 0 byte and the 8 bytes.
      bytes +=
          ok ? VarintSize(((static_cast<uint64_t>(n) << 1) ^ static_cast<uint64_t>(n >> 63)) + 1)
             : 9;
    }
    if (count > best_count) {
      best = e;
      best_count = count;
      best_bytes = bytes;
      if (count == sample) break;
    }
  }
  bool pays = best_count * 4 >= sample * 3 && best_bytes < sample * 8;
  return sample > 0 && pays ? best : -1;
}

}  // namespace otter::store
