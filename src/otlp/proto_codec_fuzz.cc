// libFuzzer target for the OTLP protobuf codec. The first byte picks the message (traces,
// metrics, logs, or the small response/status messages); the rest is the input. Whatever decodes
// must re-encode to bytes that decode again and re-encode identically (encoding is canonical),
// and EncodedSize must match. Build with -DOTTER_FUZZ=ON (clang).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "otlp/proto_codec.h"

namespace {

template <class Decode, class Encode, class Size>
void RoundTrip(std::string body, Decode decode, Encode encode, Size encoded_size) {
  auto batch = decode(std::move(body));
  if (!batch.ok()) return;
  std::string once;
  encode(*batch, &once);
  if (once.size() != encoded_size(*batch)) std::abort();
  auto again = decode(once);
  if (!again.ok()) std::abort();
  if (again->ItemCount() != batch->ItemCount()) std::abort();
  std::string twice;
  encode(*again, &twice);
  if (twice != once) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace otter::otlp;
  if (size == 0) return 0;
  std::string body(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] % 4) {
    case 0:
      RoundTrip(std::move(body), DecodeTraces, EncodeTraces, EncodedTracesSize);
      break;
    case 1:
      RoundTrip(std::move(body), DecodeMetrics, EncodeMetrics, EncodedMetricsSize);
      break;
    case 2:
      RoundTrip(std::move(body), DecodeLogs, EncodeLogs, EncodedLogsSize);
      break;
    default: {
      auto r = DecodeExportResponse(body);
      if (r.ok()) {
        std::string out;
        EncodeExportResponse(r->rejected, r->error_message, &out);
        auto back = DecodeExportResponse(out);
        if (!back.ok() || back->rejected != r->rejected ||
            back->error_message != r->error_message) {
          std::abort();
        }
      }
      auto s = DecodeRpcStatus(body);
      if (s.ok()) {
        std::string out;
        EncodeRpcStatus(s->code, s->message, &out, s->retry_delay);
        auto back = DecodeRpcStatus(out);
        if (!back.ok() || back->code != s->code || back->message != s->message) std::abort();
      }
      break;
    }
  }
  return 0;
}
