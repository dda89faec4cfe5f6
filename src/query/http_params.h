// Request parameters of the query APIs: the URL query string and, for POST, an
// application/x-www-form-urlencoded body, merged as Go's Request.ParseForm does (body first).
// Repeated names (match[]) keep every value. Plain values; not thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "net/http_server.h"

namespace otter::query {

class HttpParams {
 public:
  // Fails with InvalidArgument on a malformed %-escape, naming it.
  static StatusOr<HttpParams> FromRequest(const net::HttpRequest& request);
  static StatusOr<HttpParams> FromQueryString(std::string_view query);

  // First value of `name`, if present.
  std::optional<std::string> Get(std::string_view name) const;
  std::string GetOr(std::string_view name, std::string_view fallback) const;
  std::vector<std::string> GetAll(std::string_view name) const;
  bool Has(std::string_view name) const { return Get(name).has_value(); }

 private:
  Status Parse(std::string_view encoded);
  std::vector<std::pair<std::string, std::string>> values_;
};

// Decodes %XX and '+' (form encoding). Fails on a malformed escape.
StatusOr<std::string> UrlDecode(std::string_view s);

}  // namespace otter::query
