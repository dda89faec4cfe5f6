// libFuzzer target for the remote-write receiver's decoder: the input is a WriteRequest body
// (after snappy). It must decode or fail with InvalidArgument; what decodes is translated to
// OTLP metrics (families from the request's own metadata), and the batch must be valid OTLP:
// encoding it and decoding the bytes again gives the same number of data points.
//   write_request_fuzz -max_len=65536 corpus/
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>

#include "otlp/proto_codec.h"
#include "receivers/prometheusremotewrite/write_request.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace otter::prometheusremotewrite;
  std::string_view body(reinterpret_cast<const char*>(data), size);
  auto request = DecodeWriteRequest(body);
  if (!request.ok()) {
    if (request.status().code() != otter::StatusCode::kInvalidArgument) std::abort();
    return 0;
  }
  std::map<std::string, FamilyInfo, std::less<>> families;
  for (const auto& m : request->metadata)
    families[std::string(m.family)] = FamilyInfo{m.type, std::string(m.help)};
  TranslateStats stats;
  otter::pdata::MetricBatch batch = TranslateWriteRequest(*request, families, &stats);
  if (batch.ItemCount() != stats.points) std::abort();
  std::string wire;
  otter::otlp::EncodeMetrics(batch, &wire);
  auto again = otter::otlp::DecodeMetrics(std::move(wire));
  if (!again.ok() || again->ItemCount() != batch.ItemCount()) std::abort();
  return 0;
}
