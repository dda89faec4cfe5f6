#include "exporters/exporterhelper/batch_codec.h"

#include "otlp/proto_codec.h"

namespace otter::exporterhelper {
namespace {

template <class B>
Status Assign(StatusOr<B> decoded, B* out) {
  if (!decoded.ok()) return decoded.status();
  *out = std::move(*decoded);
  return Status::Ok();
}

}  // namespace

void EncodeBatch(const pdata::TraceBatch& batch, std::string* out) {
  otlp::EncodeTraces(batch, out);
}
void EncodeBatch(const pdata::MetricBatch& batch, std::string* out) {
  otlp::EncodeMetrics(batch, out);
}
void EncodeBatch(const pdata::LogBatch& batch, std::string* out) { otlp::EncodeLogs(batch, out); }

Status DecodeBatch(std::string bytes, pdata::TraceBatch* out) {
  return Assign(otlp::DecodeTraces(std::move(bytes)), out);
}
Status DecodeBatch(std::string bytes, pdata::MetricBatch* out) {
  return Assign(otlp::DecodeMetrics(std::move(bytes)), out);
}
Status DecodeBatch(std::string bytes, pdata::LogBatch* out) {
  return Assign(otlp::DecodeLogs(std::move(bytes)), out);
}

}  // namespace otter::exporterhelper
