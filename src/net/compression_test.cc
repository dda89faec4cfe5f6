#include "net/compression.h"

#include <gtest/gtest.h>

#include <random>

namespace otter::net {
namespace {

std::string Sample(size_t n) {
  std::string s;
  std::mt19937 rng(42);
  while (s.size() < n) s += "span-" + std::to_string(rng() % 1000) + " attribute=value ";
  s.resize(n);
  return s;
}

class CodecTest : public ::testing::TestWithParam<Encoding> {};

TEST_P(CodecTest, RoundTrips) {
  for (size_t n : {size_t{0}, size_t{1}, size_t{1000}, size_t{70000}, size_t{3'000'000}}) {
    std::string in = Sample(n);
    auto packed = Compress(GetParam(), in);
    ASSERT_TRUE(packed.ok()) << packed.status().ToString();
    auto out = Decompress(GetParam(), *packed, in.size());
    ASSERT_TRUE(out.ok()) << EncodingName(GetParam()) << " n=" << n << ": "
                          << out.status().ToString();
    EXPECT_EQ(*out, in);
  }
}

TEST_P(CodecTest, OutputLimitStopsAtTheLimit) {
  std::string in(1'000'000, 'a');
  auto packed = Compress(GetParam(), in);
  ASSERT_TRUE(packed.ok());
  auto out = Decompress(GetParam(), *packed, in.size() - 1);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(out.status().message().find("999999"), std::string_view::npos)
      << out.status().ToString();
}

TEST_P(CodecTest, TruncatedOrCorruptInputIsInvalidArgument) {
  if (GetParam() == Encoding::kIdentity) GTEST_SKIP();
  std::string in = Sample(100000);
  auto packed = Compress(GetParam(), in);
  ASSERT_TRUE(packed.ok());
  auto truncated = Decompress(GetParam(), packed->substr(0, packed->size() / 2), 1 << 20);
  ASSERT_FALSE(truncated.ok());
  EXPECT_EQ(truncated.status().code(), StatusCode::kInvalidArgument)
      << truncated.status().ToString();
  auto garbage = Decompress(GetParam(), "this is not compressed at all, not even close", 1 << 20);
  ASSERT_FALSE(garbage.ok());
  EXPECT_EQ(garbage.status().code(), StatusCode::kInvalidArgument) << garbage.status().ToString();
}

INSTANTIATE_TEST_SUITE_P(All, CodecTest,
                         ::testing::Values(Encoding::kIdentity, Encoding::kGzip, Encoding::kDeflate,
                                           Encoding::kZlib, Encoding::kZstd, Encoding::kSnappy,
                                           Encoding::kSnappyFramed, Encoding::kLz4),
                         [](const auto& info) {
                           std::string n(EncodingName(info.param));
                           if (n.empty()) return std::string("identity");
                           for (char& c : n)
                             if (c == '-') c = '_';
                           return n;
                         });

// A gzip bomb: 1 GiB of zeros compresses to about 1 MiB. Decoding with a 4 MiB limit must stop
// there (and quickly), not inflate the whole gigabyte.
TEST(CompressionTest, GzipBombStopsAtTheLimit) {
  std::string zeros(16 * 1024 * 1024, '\0');
  auto chunk = Compress(Encoding::kGzip, zeros);
  ASSERT_TRUE(chunk.ok());
  std::string bomb;
  for (int i = 0; i < 64; ++i) bomb += *chunk;  // concatenated members: 1 GiB when inflated
  ASSERT_LT(bomb.size(), size_t{2} << 20);
  auto out = Decompress(Encoding::kGzip, bomb, 4 * 1024 * 1024);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kResourceExhausted);
}

TEST(CompressionTest, ConcatenatedGzipMembersDecode) {
  auto a = Compress(Encoding::kGzip, "hello ");
  auto b = Compress(Encoding::kGzip, "world");
  auto out = Decompress(Encoding::kGzip, *a + *b, 100);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out, "hello world");
  auto trailing = Decompress(Encoding::kGzip, *a + "junk", 100);
  EXPECT_FALSE(trailing.ok());
}

TEST(CompressionTest, DeflateAcceptsZlibAndRaw) {
  std::string in = Sample(5000);
  auto zlib = Compress(Encoding::kDeflate, in);
  ASSERT_TRUE(zlib.ok());
  // Raw deflate = the zlib stream without its 2-byte header and 4-byte Adler-32 trailer.
  std::string raw = zlib->substr(2, zlib->size() - 6);
  auto a = Decompress(Encoding::kDeflate, *zlib, 1 << 20);
  auto b = Decompress(Encoding::kDeflate, raw, 1 << 20);
  ASSERT_TRUE(a.ok() && b.ok()) << b.status().ToString();
  EXPECT_EQ(*a, in);
  EXPECT_EQ(*b, in);
}

TEST(CompressionTest, SnappyAcceptsFramedInput) {
  std::string in = Sample(200000);
  auto framed = Compress(Encoding::kSnappyFramed, in);
  ASSERT_TRUE(framed.ok());
  auto out = Decompress(Encoding::kSnappy, *framed, in.size());
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out, in);
  std::string corrupt = *framed;
  corrupt[corrupt.size() - 3] ^= 0x55;  // flips data covered by the checksum
  EXPECT_FALSE(Decompress(Encoding::kSnappyFramed, corrupt, in.size()).ok());
}

TEST(CompressionTest, SnappyBlockChecksDeclaredLengthFirst) {
  auto packed = Compress(Encoding::kSnappy, std::string(100000, 'x'));
  auto out = Decompress(Encoding::kSnappy, *packed, 99999);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kResourceExhausted);
}

TEST(CompressionTest, ParseContentEncoding) {
  EXPECT_EQ(ParseContentEncoding(""), Encoding::kIdentity);
  EXPECT_EQ(ParseContentEncoding("identity"), Encoding::kIdentity);
  EXPECT_EQ(ParseContentEncoding(" GZIP "), Encoding::kGzip);
  EXPECT_EQ(ParseContentEncoding("x-gzip"), Encoding::kGzip);
  EXPECT_EQ(ParseContentEncoding("deflate"), Encoding::kDeflate);
  EXPECT_EQ(ParseContentEncoding("zlib"), Encoding::kZlib);
  EXPECT_EQ(ParseContentEncoding("zstd"), Encoding::kZstd);
  EXPECT_EQ(ParseContentEncoding("snappy"), Encoding::kSnappy);
  EXPECT_EQ(ParseContentEncoding("x-snappy-framed"), Encoding::kSnappyFramed);
  EXPECT_EQ(ParseContentEncoding("lz4"), Encoding::kLz4);
  EXPECT_EQ(ParseContentEncoding("br"), std::nullopt);
  EXPECT_EQ(ParseContentEncoding("gzip, br"), std::nullopt);
}

}  // namespace
}  // namespace otter::net
