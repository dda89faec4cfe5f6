// libFuzzer target for the OTLP/JSON decoders. Any input must decode or fail with
// InvalidArgument, never crash; whatever decodes must survive encode -> decode unchanged (the
// encoder's output is canonical, so a second encode must reproduce it byte for byte).
//   json_codec_fuzz -max_len=65536 corpus/
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "otlp/json_codec.h"

namespace {

template <class B, class Decode, class Encode>
void Check(const std::string& input, Decode decode, Encode encode) {
  auto decoded = decode(input);
  if (!decoded.ok()) {
    if (decoded.status().code() != otter::StatusCode::kInvalidArgument) std::abort();
    return;
  }
  std::string json;
  encode(*decoded, &json);
  auto again = decode(json);
  if (!again.ok()) std::abort();
  // NaN != NaN outside AnyValue (e.g. a NaN data point), so compare the canonical text instead of
  // the structs.
  std::string json2;
  encode(*again, &json2);
  if (json != json2) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  // The three signals share the envelope walker but not the message tables: exercise all.
  Check<otter::pdata::TraceBatch>(input, otter::otlp::DecodeTracesJson,
                                  otter::otlp::EncodeTracesJson);
  Check<otter::pdata::MetricBatch>(input, otter::otlp::DecodeMetricsJson,
                                   otter::otlp::EncodeMetricsJson);
  Check<otter::pdata::LogBatch>(input, otter::otlp::DecodeLogsJson, otter::otlp::EncodeLogsJson);
  return 0;
}
