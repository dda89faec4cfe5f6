// Status and StatusOr: otter's error type on the data path and at start-up.
// An error is either retryable (the client should try again later: HTTP 503/429, gRPC UNAVAILABLE)
// or permanent (bad data or config: HTTP 400, gRPC INVALID_ARGUMENT); the code decides which.
// An OK status may carry a partial rejection (OTLP partial success): accepted, except N items the
// stage could not keep, with a message saying which and why.
// Value types; safe to copy between threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace otter {

// Numbered like gRPC status codes so mapping to the wire is the identity.
enum class StatusCode : int {
  kOk = 0,
  kCancelled = 1,
  kUnknown = 2,
  kInvalidArgument = 3,
  kDeadlineExceeded = 4,
  kNotFound = 5,
  kAlreadyExists = 6,
  kPermissionDenied = 7,
  kResourceExhausted = 8,
  kFailedPrecondition = 9,
  kAborted = 10,
  kOutOfRange = 11,
  kUnimplemented = 12,
  kInternal = 13,
  kUnavailable = 14,
  kDataLoss = 15,
  kUnauthenticated = 16,
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message) : code_(code) {
    if (code != StatusCode::kOk) rep_ = std::make_shared<Rep>(Rep{std::move(message), {}, 0});
  }

  static Status Ok() { return {}; }
  // Accepted, but `rejected` items were not kept; `message` names what and why. The client must
  // not retry (ok() is true); the receiver answers OTLP partial_success. rejected == 0 with a
  // message is a warning (OTLP spec). Rejected == 0 with an empty message is plain OK.
  static Status PartialSuccess(uint64_t rejected, std::string message);

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  // The error message, or a partial success's message ("" for plain OK).
  std::string_view message() const { return rep_ ? std::string_view(rep_->message) : ""; }
  // Items rejected within an accepted request (0 for plain OK and for errors).
  uint64_t rejected_items() const { return ok() && rep_ ? rep_->rejected : 0; }
  // True for an OK status carrying a partial rejection or warning.
  bool partial() const { return ok() && rep_ != nullptr; }

  // True when the client may retry the same data later (OTLP spec's retryable set).
  bool retryable() const;
  // Server-suggested delay before retrying (Retry-After / google.rpc.RetryInfo), if any.
  std::optional<std::chrono::milliseconds> retry_after() const {
    return rep_ ? rep_->retry_after : std::nullopt;
  }
  Status WithRetryAfter(std::chrono::milliseconds delay) const;
  // Returns a copy whose message is "<prefix>: <message>".
  Status Annotate(std::string_view prefix) const;

  std::string ToString() const;

  friend bool operator==(const Status& a, const Status& b) {
    return a.code_ == b.code_ && a.message() == b.message() &&
           a.rejected_items() == b.rejected_items();
  }

 private:
  struct Rep {
    std::string message;
    std::optional<std::chrono::milliseconds> retry_after;
    uint64_t rejected = 0;  // OK statuses only: items not kept
  };
  StatusCode code_ = StatusCode::kOk;
  std::shared_ptr<const Rep> rep_;
};

inline Status InvalidArgument(std::string msg) {
  return {StatusCode::kInvalidArgument, std::move(msg)};
}
inline Status Unavailable(std::string msg) { return {StatusCode::kUnavailable, std::move(msg)}; }
inline Status Internal(std::string msg) { return {StatusCode::kInternal, std::move(msg)}; }
inline Status NotFound(std::string msg) { return {StatusCode::kNotFound, std::move(msg)}; }
inline Status FailedPrecondition(std::string msg) {
  return {StatusCode::kFailedPrecondition, std::move(msg)};
}
inline Status ResourceExhausted(std::string msg) {
  return {StatusCode::kResourceExhausted, std::move(msg)};
}
inline Status Unimplemented(std::string msg) {
  return {StatusCode::kUnimplemented, std::move(msg)};
}
inline Status DataLoss(std::string msg) { return {StatusCode::kDataLoss, std::move(msg)}; }
inline Status Aborted(std::string msg) { return {StatusCode::kAborted, std::move(msg)}; }
inline Status DeadlineExceeded(std::string msg) {
  return {StatusCode::kDeadlineExceeded, std::move(msg)};
}

template <class T>
class [[nodiscard]] StatusOr {
 public:
  StatusOr(T value) : v_(std::move(value)) {}        // NOLINT: implicit by design
  StatusOr(Status status) : v_(std::move(status)) {  // NOLINT
    if (std::get<Status>(v_).ok()) v_ = Internal("StatusOr built from an OK status");
  }
  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> v_;
};

#define OTTER_CONCAT_INNER(a, b) a##b
#define OTTER_CONCAT(a, b) OTTER_CONCAT_INNER(a, b)

#define RETURN_IF_ERROR(expr)            \
  do {                                   \
    ::otter::Status otter_s_ = (expr);   \
    if (!otter_s_.ok()) return otter_s_; \
  } while (0)

#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL(OTTER_CONCAT(otter_so_, __LINE__), lhs, expr)
#define ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                          \
  if (!tmp.ok()) return tmp.status();         \
  lhs = std::move(tmp).value()

}  // namespace otter
