#include "common/status.h"

namespace otter {

std::string_view StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return "OK";
    case StatusCode::kCancelled:
      return "CANCELLED";
    case StatusCode::kUnknown:
      return "UNKNOWN";
    case StatusCode::kInvalidArgument:
      return "INVALID_ARGUMENT";
    case StatusCode::kDeadlineExceeded:
      return "DEADLINE_EXCEEDED";
    case StatusCode::kNotFound:
      return "NOT_FOUND";
    case StatusCode::kAlreadyExists:
      return "ALREADY_EXISTS";
    case StatusCode::kPermissionDenied:
      return "PERMISSION_DENIED";
    case StatusCode::kResourceExhausted:
      return "RESOURCE_EXHAUSTED";
    case StatusCode::kFailedPrecondition:
      return "FAILED_PRECONDITION";
    case StatusCode::kAborted:
      return "ABORTED";
    case StatusCode::kOutOfRange:
      return "OUT_OF_RANGE";
    case StatusCode::kUnimplemented:
      return "UNIMPLEMENTED";
    case StatusCode::kInternal:
      return "INTERNAL";
    case StatusCode::kUnavailable:
      return "UNAVAILABLE";
    case StatusCode::kDataLoss:
      return "DATA_LOSS";
    case StatusCode::kUnauthenticated:
      return "UNAUTHENTICATED";
  }
  return "UNKNOWN";
}

Status Status::PartialSuccess(uint64_t rejected, std::string message) {
  Status s;
  if (rejected == 0 && message.empty()) return s;
  s.rep_ = std::make_shared<Rep>(Rep{std::move(message), std::nullopt, rejected});
  return s;
}

bool Status::retryable() const {
  switch (code_) {
    case StatusCode::kCancelled:
    case StatusCode::kDeadlineExceeded:
    case StatusCode::kAborted:
    case StatusCode::kOutOfRange:
    case StatusCode::kUnavailable:
    case StatusCode::kDataLoss:
      return true;
    case StatusCode::kResourceExhausted:
      return retry_after().has_value();  // retryable only with RetryInfo (OTLP spec)
    default:
      return false;
  }
}

Status Status::WithRetryAfter(std::chrono::milliseconds delay) const {
  Status s = *this;
  if (s.ok()) return s;
  s.rep_ = std::make_shared<Rep>(Rep{std::string(message()), delay, 0});
  return s;
}

Status Status::Annotate(std::string_view prefix) const {
  if (ok()) return *this;
  Status s(code_, std::string(prefix) + ": " + std::string(message()));
  if (auto d = retry_after()) s = s.WithRetryAfter(*d);
  return s;
}

std::string Status::ToString() const {
  if (partial()) {
    return "OK (partial success: " + std::to_string(rejected_items()) +
           " rejected: " + std::string(message()) + ")";
  }
  if (ok()) return "OK";
  return std::string(StatusCodeName(code_)) + ": " + std::string(message());
}

}  // namespace otter
