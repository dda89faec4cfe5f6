// The payload of a batch in the persistent sending queue: the OTLP protobuf request (the
// otlp/ codec), so a queue written by one otter version is read by the next, preceded by the
// batch's request metadata when it has any (batch_codec.cc has the layout). Kept out of
// queued_retry_sender.h so that exporters do not compile the codec's header.
// Thread-safety: pure functions.
#pragma once

#include <string>

#include "common/status.h"
#include "pdata/batch.h"

namespace otter::exporterhelper {

// Appends the batch as an Export*ServiceRequest.
void EncodeBatch(const pdata::TraceBatch& batch, std::string* out);
void EncodeBatch(const pdata::MetricBatch& batch, std::string* out);
void EncodeBatch(const pdata::LogBatch& batch, std::string* out);

// Decodes what EncodeBatch wrote (taking ownership of the bytes).
Status DecodeBatch(std::string bytes, pdata::TraceBatch* out);
Status DecodeBatch(std::string bytes, pdata::MetricBatch* out);
Status DecodeBatch(std::string bytes, pdata::LogBatch* out);

}  // namespace otter::exporterhelper
