#include "query/http_params.h"

namespace otter::query {

namespace {
int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

StatusOr<std::string> UrlDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%') {
      int hi = i + 2 < s.size() ? HexValue(s[i + 1]) : -1;
      int lo = i + 2 < s.size() ? HexValue(s[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        return InvalidArgument("invalid URL escape \"" +
                               std::string(s.substr(i, std::min<size_t>(3, s.size() - i))) + "\"");
      }
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

Status HttpParams::Parse(std::string_view encoded) {
  while (!encoded.empty()) {
    size_t amp = encoded.find('&');
    std::string_view pair = encoded.substr(0, amp);
    encoded = amp == std::string_view::npos ? std::string_view() : encoded.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    std::string_view k = pair.substr(0, eq);
    std::string_view v = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    ASSIGN_OR_RETURN(std::string key, UrlDecode(k));
    ASSIGN_OR_RETURN(std::string value, UrlDecode(v));
    values_.emplace_back(std::move(key), std::move(value));
  }
  return Status::Ok();
}

StatusOr<HttpParams> HttpParams::FromQueryString(std::string_view query) {
  HttpParams p;
  RETURN_IF_ERROR(p.Parse(query));
  return p;
}

StatusOr<HttpParams> HttpParams::FromRequest(const net::HttpRequest& request) {
  HttpParams p;
  std::string_view ct = request.Header("Content-Type");
  if (request.method == "POST" && ct.substr(0, 33) == "application/x-www-form-urlencoded") {
    RETURN_IF_ERROR(p.Parse(request.body));
  }
  std::string_view target = request.target;
  size_t q = target.find('?');
  if (q != std::string_view::npos) RETURN_IF_ERROR(p.Parse(target.substr(q + 1)));
  return p;
}

std::optional<std::string> HttpParams::Get(std::string_view name) const {
  for (const auto& [k, v] : values_)
    if (k == name) return v;
  return std::nullopt;
}

std::string HttpParams::GetOr(std::string_view name, std::string_view fallback) const {
  auto v = Get(name);
  return v ? *v : std::string(fallback);
}

std::vector<std::string> HttpParams::GetAll(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& [k, v] : values_)
    if (k == name) out.push_back(v);
  return out;
}

}  // namespace otter::query
