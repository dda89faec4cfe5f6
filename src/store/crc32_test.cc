#include "store/crc32.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <random>
#include <string>

namespace otter::store {
namespace {

uint32_t Zlib(uint32_t crc, std::string_view s) {
  return static_cast<uint32_t>(
      crc32(crc, reinterpret_cast<const Bytef*>(s.data()), static_cast<uInt>(s.size())));
}

// Every length up to a few folds and a few large ones, at every alignment, from several starting
// values: the same as zlib.
TEST(Crc32Test, AgreesWithZlib) {
  std::mt19937_64 rng(5);
  std::string buf(70000, '\0');
  for (char& c : buf) c = static_cast<char>(rng());
  for (uint32_t start : {0u, 1u, 0xdeadbeefu, 0xffffffffu}) {
    for (size_t len = 0; len <= 600; ++len) {
      for (size_t align = 0; align < 16; align += 5) {
        std::string_view s(buf.data() + align, len);
        ASSERT_EQ(Crc32(start, s), Zlib(start, s)) << start << " " << len << " " << align;
      }
    }
    for (size_t len : {1023, 4096, 65536, 69990}) {
      std::string_view s(buf.data() + 3, len);
      ASSERT_EQ(Crc32(start, s), Zlib(start, s)) << start << " " << len;
    }
  }
  EXPECT_EQ(Crc32(0, "123456789"), 0xcbf43926u);  // the CRC-32 check value
}

// Chaining over pieces gives the CRC of their concatenation.
TEST(Crc32Test, Chains) {
  std::string a(300, 'a'), b(5000, 'b');
  EXPECT_EQ(Crc32(Crc32(0, a), b), Crc32(0, a + b));
}

}  // namespace
}  // namespace otter::store
