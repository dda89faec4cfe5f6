#include "store/hash.h"

#include <gtest/gtest.h>

#include <string>
#include <unordered_set>

namespace otter::store {
namespace {

TEST(HashBytesTest, LengthCannotBeCancelledByTheBytes) {
  // Under V1 these pairs collide for every seed; the current hash separates them.
  for (uint64_t seed : {uint64_t{0}, uint64_t{1}, kProcessSeed, uint64_t{0x6f74746572746167}}) {
    EXPECT_EQ(HashBytesV1("1000", seed), HashBytesV1("10000", seed));
    EXPECT_NE(HashBytes("1000", seed), HashBytes("10000", seed)) << seed;
  }
}

TEST(HashBytesTest, NoCollisionsAmongShortDecimalStrings) {
  // Every decimal string of 1 to 6 digits, with and without leading zeros: the label values
  // a client controls most easily.
  std::unordered_set<uint64_t> seen;
  size_t n = 0;
  for (int width = 1; width <= 6; ++width) {
    int limit = 1;
    for (int i = 0; i < width; ++i) limit *= 10;
    for (int v = 0; v < limit; ++v) {
      std::string s = std::to_string(v);
      s.insert(0, width - s.size(), '0');
      seen.insert(HashBytes(s, kProcessSeed));
      ++n;
    }
  }
  EXPECT_EQ(seen.size(), n);
}

TEST(HashBytesTest, V1IsFrozenBecauseBlockIndexesPersistIt) {
  constexpr uint64_t kSeed = 0x6f74746572746167ull;
  EXPECT_EQ(HashBytesV1("", kSeed), 0x7d42a0468ce7a009ull);
  EXPECT_EQ(HashBytesV1("a", kSeed), 0x86f07a404a9cdb35ull);
  EXPECT_EQ(HashBytesV1("abc", kSeed), 0xebf75d4deeeca82bull);
  EXPECT_EQ(HashBytesV1("10000", kSeed), 0x765caa397fe7873aull);
  EXPECT_EQ(HashBytesV1("service.name", kSeed), 0x47b20b12ee98ab9dull);
  EXPECT_EQ(HashBytesV1("a string longer than sixteen bytes, and then some", kSeed),
            0x13b27f75bce661b0ull);
}

}  // namespace
}  // namespace otter::store
