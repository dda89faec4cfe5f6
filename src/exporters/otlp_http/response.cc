#include "exporters/otlp_http/response.h"

#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <ctime>

namespace otter::otlp_http_exporter {
namespace {

bool IsJson(const HttpClientResponse& r) {
  return r.Header("Content-Type").substr(0, 16) == "application/json";
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

// The first of `keys` present in `obj`.
simdjson::simdjson_result<simdjson::dom::element> Field(simdjson::dom::object obj,
                                                        std::initializer_list<const char*> keys) {
  for (const char* k : keys) {
    auto v = obj[k];
    if (!v.error()) return v;
  }
  return simdjson::NO_SUCH_FIELD;
}

// int64 as a JSON number or a decimal string (proto3 JSON).
bool JsonInt(simdjson::dom::element e, int64_t* out) {
  if (e.get_int64().get(*out) == simdjson::SUCCESS) return true;
  std::string_view s;
  if (e.get_string().get(s) != simdjson::SUCCESS) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

simdjson::dom::parser& JsonParser() {
  thread_local simdjson::dom::parser parser;
  return parser;
}

// The message of an error body, "" when there is none worth showing.
std::string ErrorDetail(const HttpClientResponse& r) {
  if (r.body.empty()) return "";
  if (IsJson(r)) {
    simdjson::dom::object obj;
    std::string_view msg;
    if (JsonParser().parse(r.body).get(obj) == simdjson::SUCCESS &&
        Field(obj, {"message"}).get_string().get(msg) == simdjson::SUCCESS)
      return std::string(msg);
  } else if (r.Header("Content-Type").substr(0, 22) == "application/x-protobuf") {
    if (auto st = otlp::DecodeRpcStatus(r.body); st.ok()) return st->message;
  }
  std::string_view text = Trim(r.body);
  constexpr size_t kMax = 256;
  return text.size() > kMax ? std::string(text.substr(0, kMax)) + "..." : std::string(text);
}

}  // namespace

std::optional<std::chrono::milliseconds> ParseRetryAfter(
    std::string_view value, std::chrono::system_clock::time_point now) {
  value = Trim(value);
  if (value.empty()) return std::nullopt;
  int64_t seconds = 0;
  auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (ec == std::errc() && p == value.data() + value.size()) {
    if (seconds < 0) return std::nullopt;
    return std::chrono::milliseconds(std::min<int64_t>(seconds, 365LL * 86400) * 1000);
  }
  const std::string s(value);
  for (const char* format : {"%a, %d %b %Y %H:%M:%S GMT",  // IMF-fixdate
                             "%A, %d-%b-%y %H:%M:%S GMT",  // RFC 850
                             "%a %b %d %H:%M:%S %Y"}) {    // asctime
    std::tm tm{};
    const char* end = ::strptime(s.c_str(), format, &tm);
    if (!end || *end != '\0') continue;
    auto when = std::chrono::system_clock::from_time_t(::timegm(&tm));
    auto delay = std::chrono::duration_cast<std::chrono::milliseconds>(when - now);
    return std::max(delay, std::chrono::milliseconds(0));
  }
  return std::nullopt;
}

Status StatusFromHttpResponse(const HttpClientResponse& r, std::string_view url,
                              std::chrono::system_clock::time_point now) {
  if (r.status >= 200 && r.status < 300) return Status::Ok();
  std::string msg = "HTTP " + std::to_string(r.status) + (r.reason.empty() ? "" : " " + r.reason) +
                    " from " + std::string(url);
  if (std::string detail = ErrorDetail(r); !detail.empty()) msg += ": " + detail;
  switch (r.status) {
    case 429:
    case 502:
    case 503:
    case 504: {
      Status s = Unavailable(std::move(msg));
      if (auto d = ParseRetryAfter(r.Header("Retry-After"), now)) s = s.WithRetryAfter(*d);
      return s;
    }
    case 401:
      return Status(StatusCode::kUnauthenticated, std::move(msg));
    case 403:
      return Status(StatusCode::kPermissionDenied, std::move(msg));
    case 404:
      return NotFound(std::move(msg));
    default:
      break;
  }
  if (r.status >= 300 && r.status < 400) return Internal(msg + " (redirects are not followed)");
  if (r.status >= 400 && r.status < 500) return InvalidArgument(std::move(msg));
  return Internal(std::move(msg));
}

Status PushStatus(const HttpClientResponse& r, std::string_view url) {
  Status s = StatusFromHttpResponse(r, url, std::chrono::system_clock::now());
  if (!s.ok() && r.status >= 500 && s.code() != StatusCode::kUnavailable)
    return Unavailable(std::string(s.message()));
  return s;
}

StatusOr<otlp::ExportResult> ParseExportResponse(const HttpClientResponse& r) {
  if (r.body.empty()) return otlp::ExportResult{};
  if (!IsJson(r)) return otlp::DecodeExportResponse(r.body);
  simdjson::dom::object obj;
  if (JsonParser().parse(r.body).get(obj) != simdjson::SUCCESS)
    return InvalidArgument("the response is not a JSON object");
  otlp::ExportResult out;
  simdjson::dom::object ps;
  if (Field(obj, {"partialSuccess", "partial_success"}).get(ps) != simdjson::SUCCESS) return out;
  out.partial_success = true;
  simdjson::dom::element rejected;
  if (Field(ps, {"rejectedSpans", "rejectedDataPoints", "rejectedLogRecords", "rejected_spans",
                 "rejected_data_points", "rejected_log_records"})
              .get(rejected) == simdjson::SUCCESS &&
      !JsonInt(rejected, &out.rejected))
    return InvalidArgument("partialSuccess: the rejected count is not an integer");
  std::string_view msg;
  if (Field(ps, {"errorMessage", "error_message"}).get_string().get(msg) == simdjson::SUCCESS)
    out.error_message = std::string(msg);
  return out;
}

}  // namespace otter::otlp_http_exporter
