// Export*ServiceResponse and google.rpc.Status (with RetryInfo) encoding and decoding. These
// messages are tiny and off the hot path, so they are built with plain appends.
#include <limits>

#include "otlp/proto_codec.h"
#include "otlp/proto_decode_internal.h"

namespace otter::otlp {
namespace {

using internal::FieldInfo;
using internal::ProtoDecoder;
using wire::kLen;
using wire::kVarint;
using wire::Tag;
using Ptr = ProtoDecoder::Ptr;

constexpr std::string_view kRetryInfoTypeUrl = "type.googleapis.com/google.rpc.RetryInfo";

void PutVarint(std::string* out, uint64_t v) {
  uint8_t buf[10];
  uint8_t* end = wire::WriteVarint(buf, v);
  out->append(wire::AsChars(buf), static_cast<size_t>(end - buf));
}

void PutLen(std::string* out, uint32_t tag, std::string_view payload) {
  PutVarint(out, tag);
  PutVarint(out, payload.size());
  out->append(payload);
}

constexpr FieldInfo kResponseFields[] = {{1, kLen, "partial_success"}};
constexpr FieldInfo kPartialSuccessFields[] = {{1, kVarint, "rejected"},
                                               {2, kLen, "error_message"}};
constexpr FieldInfo kStatusFields[] = {
    {1, kVarint, "code"}, {2, kLen, "message"}, {3, kLen, "details"}};
constexpr FieldInfo kAnyFields[] = {{1, kLen, "type_url"}, {2, kLen, "value"}};
constexpr FieldInfo kRetryInfoFields[] = {{1, kLen, "retry_delay"}};
constexpr FieldInfo kDurationFields[] = {{1, kVarint, "seconds"}, {2, kVarint, "nanos"}};

bool DecodePartialSuccess(ProtoDecoder& d, Ptr p, Ptr end, ExportResult& r) {
  while (p < end) {
    uint32_t tag;
    if (!d.ReadTag(p, end, &tag)) return false;
    if (tag == Tag(1, kVarint)) {
      uint64_t v;
      if (!d.Varint(p, end, &v)) return false;
      r.rejected = static_cast<int64_t>(v);
    } else if (tag == Tag(2, kLen)) {
      std::string_view s;
      if (!d.Str(p, end, &s)) return false;
      r.error_message.assign(s);
    } else if (!d.Other(p, end, tag, kPartialSuccessFields)) {
      return false;
    }
  }
  return true;
}

// google.protobuf.Duration -> milliseconds; nullopt when negative.
bool DecodeDuration(ProtoDecoder& d, Ptr p, Ptr end,
                    std::optional<std::chrono::milliseconds>* out) {
  int64_t seconds = 0;
  int32_t nanos = 0;
  while (p < end) {
    uint32_t tag;
    if (!d.ReadTag(p, end, &tag)) return false;
    if (tag == Tag(1, kVarint)) {
      uint64_t v;
      if (!d.Varint(p, end, &v)) return false;
      seconds = static_cast<int64_t>(v);
    } else if (tag == Tag(2, kVarint)) {
      if (!d.I32(p, end, &nanos)) return false;
    } else if (!d.Other(p, end, tag, kDurationFields)) {
      return false;
    }
  }
  constexpr int64_t kMaxSeconds = std::numeric_limits<int64_t>::max() / 1000 - 1;
  if (seconds < 0 || nanos < 0) {
    *out = std::nullopt;
  } else {
    seconds = std::min(seconds, kMaxSeconds);
    *out = std::chrono::milliseconds(seconds * 1000 + nanos / 1000000);
  }
  return true;
}

bool DecodeRetryInfo(ProtoDecoder& d, Ptr p, Ptr end,
                     std::optional<std::chrono::milliseconds>* out) {
  while (p < end) {
    uint32_t tag;
    if (!d.ReadTag(p, end, &tag)) return false;
    if (tag == Tag(1, kLen)) {
      Ptr sub_end;
      if (!d.Sub(p, end, &sub_end)) return false;
      if (!DecodeDuration(d, p, sub_end, out)) return d.In("retry_delay");
      p = sub_end;
    } else if (!d.Other(p, end, tag, kRetryInfoFields)) {
      return false;
    }
  }
  return true;
}

bool DecodeDetail(ProtoDecoder& d, Ptr p, Ptr end, RpcStatus& s) {
  std::string_view type_url, value;
  while (p < end) {
    uint32_t tag;
    if (!d.ReadTag(p, end, &tag)) return false;
    if (tag == Tag(1, kLen)) {
      if (!d.Str(p, end, &type_url)) return false;
    } else if (tag == Tag(2, kLen)) {
      if (!d.Str(p, end, &value)) return false;
    } else if (!d.Other(p, end, tag, kAnyFields)) {
      return false;
    }
  }
  // Any.type_url is "<prefix>/<full message name>"; the prefix is conventionally the one above.
  size_t slash = type_url.rfind('/');
  std::string_view name = slash == std::string_view::npos ? type_url : type_url.substr(slash + 1);
  if (name != "google.rpc.RetryInfo") return true;  // other details are not needed
  Ptr v = wire::AsBytes(value.data());
  std::optional<std::chrono::milliseconds> delay;
  if (!DecodeRetryInfo(d, v, v + value.size(), &delay)) return d.In("value");
  s.retry_delay = delay;
  return true;
}

}  // namespace

void EncodeExportResponse(int64_t rejected, std::string_view error_message, std::string* out) {
  if (rejected == 0 && error_message.empty()) return;
  std::string partial;
  if (rejected != 0) {
    PutVarint(&partial, Tag(1, kVarint));
    PutVarint(&partial, static_cast<uint64_t>(rejected));
  }
  if (!error_message.empty()) PutLen(&partial, Tag(2, kLen), error_message);
  PutLen(out, Tag(1, kLen), partial);
}

StatusOr<ExportResult> DecodeExportResponse(std::string_view bytes) {
  ProtoDecoder d(bytes);
  ExportResult r;
  Ptr p = wire::AsBytes(bytes.data());
  Ptr end = p + bytes.size();
  while (p < end) {
    uint32_t tag;
    if (!d.ReadTag(p, end, &tag)) return d.TakeError();
    if (tag == Tag(1, kLen)) {
      Ptr sub_end;
      if (!d.Sub(p, end, &sub_end)) return d.TakeError();
      r.partial_success = true;
      if (!DecodePartialSuccess(d, p, sub_end, r)) {
        d.In("partial_success");
        return d.TakeError();
      }
      p = sub_end;
    } else if (!d.Other(p, end, tag, kResponseFields)) {
      return d.TakeError();
    }
  }
  return r;
}

void EncodeRpcStatus(int code, std::string_view message, std::string* out,
                     std::optional<std::chrono::milliseconds> retry_delay) {
  if (code != 0) {
    PutVarint(out, Tag(1, kVarint));
    PutVarint(out, static_cast<uint64_t>(int64_t{code}));
  }
  if (!message.empty()) PutLen(out, Tag(2, kLen), message);
  if (retry_delay) {
    int64_t ms = std::max<int64_t>(0, retry_delay->count());
    std::string duration;
    if (ms / 1000) {
      PutVarint(&duration, Tag(1, kVarint));
      PutVarint(&duration, static_cast<uint64_t>(ms / 1000));
    }
    if (ms % 1000) {
      PutVarint(&duration, Tag(2, kVarint));
      PutVarint(&duration, static_cast<uint64_t>(ms % 1000 * 1000000));
    }
    std::string retry_info;
    PutLen(&retry_info, Tag(1, kLen), duration);
    std::string any;
    PutLen(&any, Tag(1, kLen), kRetryInfoTypeUrl);
    PutLen(&any, Tag(2, kLen), retry_info);
    PutLen(out, Tag(3, kLen), any);
  }
}

StatusOr<RpcStatus> DecodeRpcStatus(std::string_view bytes) {
  ProtoDecoder d(bytes);
  RpcStatus s;
  Ptr p = wire::AsBytes(bytes.data());
  Ptr end = p + bytes.size();
  size_t details = 0;
  while (p < end) {
    uint32_t tag;
    if (!d.ReadTag(p, end, &tag)) return d.TakeError();
    if (tag == Tag(1, kVarint)) {
      int32_t code;
      if (!d.I32(p, end, &code)) return d.TakeError();
      s.code = code;
    } else if (tag == Tag(2, kLen)) {
      std::string_view m;
      if (!d.Str(p, end, &m)) return d.TakeError();
      s.message.assign(m);
    } else if (tag == Tag(3, kLen)) {
      Ptr sub_end;
      if (!d.Sub(p, end, &sub_end)) return d.TakeError();
      if (!DecodeDetail(d, p, sub_end, s)) {
        d.In("details", details);
        return d.TakeError();
      }
      ++details;
      p = sub_end;
    } else if (!d.Other(p, end, tag, kStatusFields)) {
      return d.TakeError();
    }
  }
  return s;
}

std::optional<std::chrono::milliseconds> DecodeRpcStatusRetryDelay(std::string_view status_bytes) {
  StatusOr<RpcStatus> s = DecodeRpcStatus(status_bytes);
  if (!s.ok()) return std::nullopt;
  return s->retry_delay;
}

}  // namespace otter::otlp
