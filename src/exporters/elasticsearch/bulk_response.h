// Reads an Elasticsearch _bulk answer ({"errors":...,"items":[{"create":{"status":201}},...]})
// into one status per document, in request order, so the exporter can retry or reject each
// document on its own. Pure function; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace otter::elasticsearch_exporter {

struct BulkItem {
  int status = 0;
  std::string error_type;    // e.g. mapper_parsing_exception ("" on success)
  std::string error_reason;  // ES's message, cut to 256 bytes
};

struct BulkResult {
  bool errors = false;
  std::vector<BulkItem> items;
};

// Errors: not JSON, or no "items" list. When "errors" is false the items are not read (every
// document succeeded) and `items` stays empty.
StatusOr<BulkResult> ParseBulkResponse(std::string_view body);

}  // namespace otter::elasticsearch_exporter
