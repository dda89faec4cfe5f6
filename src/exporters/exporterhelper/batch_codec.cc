#include "exporters/exporterhelper/batch_codec.h"

#include <cstdint>
#include <cstring>

#include "otlp/proto_codec.h"
#include "otlp/wire_split.h"

namespace otter::exporterhelper {
namespace {

// A batch with request metadata is stored as a metadata block before the OTLP body:
//   0x00 | u8 version (1) | u32 entries | entries × (u32 key length | key | u32 length | value)
// (u32 little-endian). An OTLP request never starts with 0x00 (protobuf has no field 0), so a
// body without the block — every batch without metadata, and queues written before — decodes
// as it always did.
constexpr char kMetadataMarker = '\0';
constexpr char kMetadataVersion = 1;

void PutU32(std::string* out, uint32_t v) {
  char b[4] = {static_cast<char>(v), static_cast<char>(v >> 8), static_cast<char>(v >> 16),
               static_cast<char>(v >> 24)};
  out->append(b, 4);
}

bool GetU32(std::string_view in, size_t* at, uint32_t* v) {
  if (in.size() - *at < 4) return false;
  const auto* p = reinterpret_cast<const unsigned char*>(in.data() + *at);
  *v = uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
  *at += 4;
  return true;
}

bool GetString(std::string_view in, size_t* at, std::string_view* s) {
  uint32_t n = 0;
  if (!GetU32(in, at, &n) || in.size() - *at < n) return false;
  *s = in.substr(*at, n);
  *at += n;
  return true;
}

void EncodeMetadata(const pdata::Metadata& md, std::string* out) {
  if (md.empty()) return;
  out->push_back(kMetadataMarker);
  out->push_back(kMetadataVersion);
  PutU32(out, static_cast<uint32_t>(md.entries().size()));
  for (const auto& e : md.entries()) {
    PutU32(out, static_cast<uint32_t>(e.key.size()));
    out->append(e.key);
    PutU32(out, static_cast<uint32_t>(e.value.size()));
    out->append(e.value);
  }
}

template <class B, class DecodeFn>
Status Decode(std::string bytes, B* out, DecodeFn decode) {
  std::vector<std::pair<std::string, std::string>> metadata;
  if (!bytes.empty() && bytes[0] == kMetadataMarker) {
    std::string_view in = bytes;
    size_t at = 2;
    uint32_t n = 0;
    if (in.size() < 2 || in[1] != kMetadataVersion || !GetU32(in, &at, &n))
      return InvalidArgument("queued batch: unknown metadata block");
    for (uint32_t i = 0; i < n; ++i) {
      std::string_view k, v;
      if (!GetString(in, &at, &k) || !GetString(in, &at, &v))
        return InvalidArgument("queued batch: truncated metadata block");
      metadata.emplace_back(k, v);
    }
    bytes.erase(0, at);
  }
  auto decoded = decode(std::move(bytes));
  if (!decoded.ok()) return decoded.status();
  *out = std::move(*decoded);
  for (const auto& [k, v] : metadata) out->AddMetadata(k, v);
  return Status::Ok();
}

}  // namespace

void EncodeBatch(const pdata::TraceBatch& batch, std::string* out) {
  EncodeMetadata(batch.metadata(), out);
  otlp::AppendRequest(batch, out);
}
void EncodeBatch(const pdata::MetricBatch& batch, std::string* out) {
  EncodeMetadata(batch.metadata(), out);
  otlp::AppendRequest(batch, out);
}
void EncodeBatch(const pdata::LogBatch& batch, std::string* out) {
  EncodeMetadata(batch.metadata(), out);
  otlp::AppendRequest(batch, out);
}

Status DecodeBatch(std::string bytes, pdata::TraceBatch* out) {
  return Decode(std::move(bytes), out,
                [](std::string b) { return otlp::DecodeTraces(std::move(b)); });
}
Status DecodeBatch(std::string bytes, pdata::MetricBatch* out) {
  return Decode(std::move(bytes), out,
                [](std::string b) { return otlp::DecodeMetrics(std::move(b)); });
}
Status DecodeBatch(std::string bytes, pdata::LogBatch* out) {
  return Decode(std::move(bytes), out,
                [](std::string b) { return otlp::DecodeLogs(std::move(b)); });
}

}  // namespace otter::exporterhelper
