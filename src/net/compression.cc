#include "net/compression.h"

#include <lz4frame.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <climits>
#include <cstdint>
#include <cstring>
#include <memory>

namespace otter::net {
namespace {

constexpr size_t kMinChunk = 64 * 1024;
// Framed snappy: every stream starts with this stream-identifier chunk.
constexpr std::string_view kSnappyFrameHeader("\xff\x06\x00\x00sNaPpY", 10);
constexpr size_t kSnappyMaxBlock = 65536;

Status TooLarge(size_t limit) {
  return ResourceExhausted("decompressed body is larger than the limit of " +
                           std::to_string(limit) + " bytes");
}

// Extends `out` so that a decoder can write into [old size, new size). Never beyond limit + 1
// bytes, so that a decoder producing more than `limit` is detected without holding more.
// Returns the number of writable bytes (0 only if out already holds limit + 1 bytes).
size_t Grow(std::string& out, size_t limit, size_t hint) {
  size_t cap = limit == SIZE_MAX ? limit : limit + 1;
  size_t cur = out.size();
  size_t want = std::max({cur * 2, kMinChunk, std::min(hint, cap)});
  want = std::min(want, cap);
  // Past 1 MiB, room for the whole limit is reserved at once: the doubling copies would otherwise
  // hold up to 1.5x the limit while a bomb is being inflated. Untouched pages cost no memory.
  if (want > (1u << 20) && out.capacity() < cap) out.reserve(cap);
  out.resize(want);
  return want - cur;
}

// ---- zlib family -----------------------------------------------------------------------------

bool LooksLikeZlib(std::string_view in) {
  if (in.size() < 2) return false;
  auto b0 = static_cast<uint8_t>(in[0]);
  auto b1 = static_cast<uint8_t>(in[1]);
  return (b0 & 0x0f) == 8 && (b0 >> 4) <= 7 && ((b0 << 8) | b1) % 31 == 0;
}

bool LooksLikeGzipMember(std::string_view in) {
  return in.size() >= 2 && static_cast<uint8_t>(in[0]) == 0x1f &&
         static_cast<uint8_t>(in[1]) == 0x8b;
}

StatusOr<std::string> Inflate(std::string_view in, int window_bits, const char* name,
                              size_t limit) {
  z_stream zs{};
  if (inflateInit2(&zs, window_bits) != Z_OK)
    return Internal(std::string(name) + ": inflateInit failed");
  std::unique_ptr<z_stream, int (*)(z_stream*)> guard(&zs, inflateEnd);
  const bool gzip = window_bits > 15;
  std::string out;
  size_t in_pos = 0;
  auto feed = [&] {
    if (zs.avail_in == 0 && in_pos < in.size()) {
      size_t n = std::min<size_t>(in.size() - in_pos, UINT_MAX / 2);
      zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data() + in_pos));
      zs.avail_in = static_cast<uInt>(n);
      in_pos += n;
    }
  };
  for (;;) {
    feed();
    size_t old = out.size();
    size_t room = std::min<size_t>(Grow(out, limit, in.size() * 4), UINT_MAX / 2);
    zs.next_out = reinterpret_cast<Bytef*>(out.data() + old);
    zs.avail_out = static_cast<uInt>(room);
    int ret = inflate(&zs, Z_NO_FLUSH);
    out.resize(old + (room - zs.avail_out));
    if (out.size() > limit) return TooLarge(limit);
    if (ret == Z_STREAM_END) {
      feed();
      if (zs.avail_in == 0) break;
      std::string_view rest(reinterpret_cast<const char*>(zs.next_in), zs.avail_in);
      if (gzip && LooksLikeGzipMember(rest)) {  // concatenated members, as gunzip accepts
        inflateReset(&zs);
        continue;
      }
      return InvalidArgument(std::string(name) + ": unexpected data after the end of the stream");
    }
    if (ret == Z_NEED_DICT)
      return InvalidArgument(std::string(name) + ": preset dictionaries are not supported");
    if (ret != Z_OK && ret != Z_BUF_ERROR)
      return InvalidArgument(std::string(name) + ": " + (zs.msg ? zs.msg : "corrupt data"));
    if (zs.avail_in == 0 && in_pos == in.size() && zs.avail_out > 0)
      return InvalidArgument(std::string(name) + ": unexpected end of data (truncated body?)");
  }
  return out;
}

StatusOr<std::string> Deflate(std::string_view in, int window_bits) {
  z_stream zs{};
  if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY) !=
      Z_OK)
    return Internal("deflateInit failed");
  std::unique_ptr<z_stream, int (*)(z_stream*)> guard(&zs, deflateEnd);
  if (in.size() > UINT_MAX / 2) return InvalidArgument("input too large to compress in one piece");
  std::string out(deflateBound(&zs, static_cast<uLong>(in.size())), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  if (deflate(&zs, Z_FINISH) != Z_STREAM_END) return Internal("deflate did not finish");
  out.resize(zs.total_out);
  return out;
}

// ---- zstd ------------------------------------------------------------------------------------

StatusOr<std::string> ZstdDecode(std::string_view in, size_t limit) {
  std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)> dctx(ZSTD_createDCtx(), ZSTD_freeDCtx);
  if (!dctx) return Internal("zstd: out of memory");
  ZSTD_DCtx_setParameter(dctx.get(), ZSTD_d_windowLogMax, 27);  // 128 MiB window at most
  ZSTD_inBuffer inb{in.data(), in.size(), 0};
  std::string out;
  for (;;) {
    size_t old = out.size();
    size_t room = Grow(out, limit, in.size() * 4);
    ZSTD_outBuffer outb{out.data() + old, room, 0};
    size_t r = ZSTD_decompressStream(dctx.get(), &outb, &inb);
    out.resize(old + outb.pos);
    if (ZSTD_isError(r)) return InvalidArgument(std::string("zstd: ") + ZSTD_getErrorName(r));
    if (out.size() > limit) return TooLarge(limit);
    if (r == 0 && inb.pos == inb.size) break;  // frame complete, nothing left
    if (inb.pos == inb.size && outb.pos < outb.size && r != 0)
      return InvalidArgument("zstd: unexpected end of data (truncated body?)");
  }
  return out;
}

// ---- snappy ----------------------------------------------------------------------------------

StatusOr<std::string> SnappyBlockDecode(std::string_view in, size_t limit) {
  size_t n = 0;
  if (!snappy::GetUncompressedLength(in.data(), in.size(), &n))
    return InvalidArgument("snappy: corrupt input");
  if (n > limit) return TooLarge(limit);
  std::string out(n, '\0');
  if (!snappy::RawUncompress(in.data(), in.size(), out.data()))
    return InvalidArgument("snappy: corrupt input");
  return out;
}

// CRC-32C (Castagnoli), as the snappy framing format checksums uncompressed data with it.
uint32_t Crc32c(std::string_view data) {
  static const std::array<uint32_t, 256> table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82f63b78u : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  uint32_t crc = 0xffffffffu;
  for (char ch : data) crc = table[(crc ^ static_cast<uint8_t>(ch)) & 0xff] ^ (crc >> 8);
  return crc ^ 0xffffffffu;
}

uint32_t MaskedCrc(std::string_view data) {
  uint32_t c = Crc32c(data);
  return ((c >> 15) | (c << 17)) + 0xa282ead8u;
}

uint32_t ReadLe(std::string_view s, size_t pos, int bytes) {
  uint32_t v = 0;
  for (int i = 0; i < bytes; ++i)
    v |= static_cast<uint32_t>(static_cast<uint8_t>(s[pos + i])) << (8 * i);
  return v;
}

void AppendLe(std::string& s, uint32_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

StatusOr<std::string> SnappyFramedDecode(std::string_view in, size_t limit) {
  std::string out;
  size_t pos = 0;
  bool seen_header = false;
  while (pos < in.size()) {
    if (in.size() - pos < 4) return InvalidArgument("snappy framed: truncated chunk header");
    auto type = static_cast<uint8_t>(in[pos]);
    size_t len = ReadLe(in, pos + 1, 3);
    pos += 4;
    if (len > in.size() - pos) return InvalidArgument("snappy framed: truncated chunk");
    std::string_view chunk = in.substr(pos, len);
    pos += len;
    if (type == 0xff) {
      if (chunk != kSnappyFrameHeader.substr(4))
        return InvalidArgument("snappy framed: bad stream identifier");
      seen_header = true;
      continue;
    }
    if (!seen_header) return InvalidArgument("snappy framed: missing stream identifier");
    if (type == 0x00 || type == 0x01) {
      if (chunk.size() < 4)
        return InvalidArgument("snappy framed: chunk too short for its checksum");
      uint32_t want_crc = ReadLe(chunk, 0, 4);
      std::string_view payload = chunk.substr(4);
      size_t old = out.size();
      if (type == 0x00) {
        size_t n = 0;
        if (!snappy::GetUncompressedLength(payload.data(), payload.size(), &n) ||
            n > kSnappyMaxBlock)
          return InvalidArgument("snappy framed: corrupt compressed chunk");
        if (old + n > limit) return TooLarge(limit);
        out.resize(old + n);
        if (!snappy::RawUncompress(payload.data(), payload.size(), out.data() + old))
          return InvalidArgument("snappy framed: corrupt compressed chunk");
      } else {
        if (payload.size() > kSnappyMaxBlock)
          return InvalidArgument("snappy framed: chunk too large");
        if (old + payload.size() > limit) return TooLarge(limit);
        out.append(payload);
      }
      if (MaskedCrc(std::string_view(out).substr(old)) != want_crc)
        return InvalidArgument("snappy framed: checksum mismatch");
    } else if (type <= 0x7f) {
      return InvalidArgument("snappy framed: reserved unskippable chunk type " +
                             std::to_string(type));
    }
    // 0x80..0xfe: padding and reserved skippable chunks.
  }
  if (!seen_header && !in.empty())
    return InvalidArgument("snappy framed: missing stream identifier");
  return out;
}

std::string SnappyFramedEncode(std::string_view in) {
  std::string out(kSnappyFrameHeader);
  std::string block;
  for (size_t pos = 0; pos < in.size(); pos += kSnappyMaxBlock) {
    std::string_view part = in.substr(pos, kSnappyMaxBlock);
    block.clear();
    snappy::Compress(part.data(), part.size(), &block);
    bool compressed = block.size() < part.size();
    std::string_view payload = compressed ? std::string_view(block) : part;
    out.push_back(compressed ? '\x00' : '\x01');
    AppendLe(out, static_cast<uint32_t>(payload.size() + 4), 3);
    AppendLe(out, MaskedCrc(part), 4);
    out.append(payload);
  }
  return out;
}

// ---- lz4 -------------------------------------------------------------------------------------

StatusOr<std::string> Lz4Decode(std::string_view in, size_t limit) {
  LZ4F_dctx* raw = nullptr;
  if (LZ4F_isError(LZ4F_createDecompressionContext(&raw, LZ4F_VERSION)))
    return Internal("lz4: out of memory");
  std::unique_ptr<LZ4F_dctx, LZ4F_errorCode_t (*)(LZ4F_dctx*)> dctx(raw,
                                                                    LZ4F_freeDecompressionContext);
  std::string out;
  const char* src = in.data();
  size_t left = in.size();
  for (;;) {
    size_t old = out.size();
    size_t room = Grow(out, limit, in.size() * 4);
    size_t dst_size = room;
    size_t src_size = left;
    size_t r = LZ4F_decompress(dctx.get(), out.data() + old, &dst_size, src, &src_size, nullptr);
    src += src_size;
    left -= src_size;
    out.resize(old + dst_size);
    if (LZ4F_isError(r)) return InvalidArgument(std::string("lz4: ") + LZ4F_getErrorName(r));
    if (out.size() > limit) return TooLarge(limit);
    if (r == 0 && left == 0) break;
    if (left == 0 && r != 0 && dst_size < room)
      return InvalidArgument("lz4: unexpected end of data (truncated body?)");
  }
  return out;
}

StatusOr<std::string> Lz4Encode(std::string_view in) {
  std::string out(LZ4F_compressFrameBound(in.size(), nullptr), '\0');
  size_t n = LZ4F_compressFrame(out.data(), out.size(), in.data(), in.size(), nullptr);
  if (LZ4F_isError(n)) return Internal(std::string("lz4: ") + LZ4F_getErrorName(n));
  out.resize(n);
  return out;
}

}  // namespace

std::optional<Encoding> ParseContentEncoding(std::string_view value) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  std::string v(value);
  for (char& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (v.empty() || v == "identity") return Encoding::kIdentity;
  if (v == "gzip" || v == "x-gzip") return Encoding::kGzip;
  if (v == "deflate") return Encoding::kDeflate;
  if (v == "zlib") return Encoding::kZlib;
  if (v == "zstd") return Encoding::kZstd;
  if (v == "snappy") return Encoding::kSnappy;
  if (v == "x-snappy-framed") return Encoding::kSnappyFramed;
  if (v == "lz4") return Encoding::kLz4;
  return std::nullopt;
}

std::string_view EncodingName(Encoding e) {
  switch (e) {
    case Encoding::kIdentity:
      return "";
    case Encoding::kGzip:
      return "gzip";
    case Encoding::kDeflate:
      return "deflate";
    case Encoding::kZlib:
      return "zlib";
    case Encoding::kZstd:
      return "zstd";
    case Encoding::kSnappy:
      return "snappy";
    case Encoding::kSnappyFramed:
      return "x-snappy-framed";
    case Encoding::kLz4:
      return "lz4";
  }
  return "";
}

StatusOr<std::string> Decompress(Encoding e, std::string_view in, size_t max_output) {
  if (in.empty()) return std::string();
  switch (e) {
    case Encoding::kIdentity:
      if (in.size() > max_output) return TooLarge(max_output);
      return std::string(in);
    case Encoding::kGzip:
      return Inflate(in, 15 + 16, "gzip", max_output);
    case Encoding::kDeflate:
    case Encoding::kZlib:
      // "deflate" is zlib-wrapped by the HTTP spec, but some clients send raw deflate.
      return LooksLikeZlib(in) ? Inflate(in, 15, "deflate", max_output)
                               : Inflate(in, -15, "deflate", max_output);
    case Encoding::kZstd:
      return ZstdDecode(in, max_output);
    case Encoding::kSnappy:
      // The Go collector once sent framed data as "snappy"; accept both, as it does.
      if (in.substr(0, kSnappyFrameHeader.size()) == kSnappyFrameHeader)
        return SnappyFramedDecode(in, max_output);
      return SnappyBlockDecode(in, max_output);
    case Encoding::kSnappyFramed:
      return SnappyFramedDecode(in, max_output);
    case Encoding::kLz4:
      return Lz4Decode(in, max_output);
  }
  return InvalidArgument("unknown content encoding");
}

StatusOr<std::string> Compress(Encoding e, std::string_view in) {
  switch (e) {
    case Encoding::kIdentity:
      return std::string(in);
    case Encoding::kGzip:
      return Deflate(in, 15 + 16);
    case Encoding::kDeflate:
    case Encoding::kZlib:
      return Deflate(in, 15);
    case Encoding::kZstd: {
      std::string out(ZSTD_compressBound(in.size()), '\0');
      size_t n = ZSTD_compress(out.data(), out.size(), in.data(), in.size(), ZSTD_CLEVEL_DEFAULT);
      if (ZSTD_isError(n)) return Internal(std::string("zstd: ") + ZSTD_getErrorName(n));
      out.resize(n);
      return out;
    }
    case Encoding::kSnappy: {
      std::string out;
      snappy::Compress(in.data(), in.size(), &out);
      return out;
    }
    case Encoding::kSnappyFramed:
      return SnappyFramedEncode(in);
    case Encoding::kLz4:
      return Lz4Encode(in);
  }
  return InvalidArgument("unknown content encoding");
}

}  // namespace otter::net
