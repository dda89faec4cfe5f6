// libFuzzer target for the loki receiver's decoders: the first byte picks the body format
// (logproto.PushRequest protobuf, after snappy, or the JSON push body), the rest is the body. It
// must decode or fail with InvalidArgument; what decodes becomes OTLP logs, which must be valid:
// encoding them and decoding the bytes again gives one record per pushed entry.
//   push_request_fuzz -max_len=65536 corpus/
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "otlp/proto_codec.h"
#include "receivers/loki/push_request.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace otter::loki_receiver;
  if (size == 0) return 0;
  std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  auto streams = data[0] & 1 ? DecodePushJson(body) : DecodePushProtobuf(body);
  if (!streams.ok()) {
    if (streams.status().code() != otter::StatusCode::kInvalidArgument) std::abort();
    return 0;
  }
  size_t entries = 0;
  for (const auto& s : *streams) entries += s.entries.size();
  size_t records = 0;
  otter::pdata::LogBatch batch = ToLogs(*streams, data[0] & 2, 1700000000000000000ull, &records);
  if (records != entries || batch.ItemCount() != entries) std::abort();
  std::string wire;
  otter::otlp::EncodeLogs(batch, &wire);
  auto again = otter::otlp::DecodeLogs(std::move(wire));
  if (!again.ok() || again->ItemCount() != entries) std::abort();
  return 0;
}
