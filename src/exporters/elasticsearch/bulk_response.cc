#include "exporters/elasticsearch/bulk_response.h"

#include <simdjson.h>

namespace otter::elasticsearch_exporter {

StatusOr<BulkResult> ParseBulkResponse(std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (auto err = parser.parse(body.data(), body.size()).get(doc))
    return InvalidArgument(std::string("bulk response is not JSON: ") +
                           simdjson::error_message(err));
  BulkResult out;
  bool errors = false;
  if (doc["errors"].get_bool().get(errors) == simdjson::SUCCESS) out.errors = errors;
  if (!out.errors) return out;
  simdjson::dom::array items;
  if (doc["items"].get_array().get(items))
    return InvalidArgument("bulk response has errors but no \"items\" list");
  for (simdjson::dom::element item : items) {
    BulkItem bi;
    simdjson::dom::object action;
    if (item.get_object().get(action) == simdjson::SUCCESS) {
      for (auto field : action) {  // {"create": {...}}: one key, whatever the action
        int64_t status = 0;
        if (field.value["status"].get_int64().get(status) == simdjson::SUCCESS)
          bi.status = static_cast<int>(status);
        simdjson::dom::element error;
        if (field.value["error"].get(error) == simdjson::SUCCESS) {
          std::string_view s;
          if (error["type"].get_string().get(s) == simdjson::SUCCESS) bi.error_type = s;
          if (error["reason"].get_string().get(s) == simdjson::SUCCESS)
            bi.error_reason = s.substr(0, 256);
          if (error.is_string()) bi.error_type = std::string_view(error.get_string().value());
        }
        break;
      }
    }
    out.items.push_back(std::move(bi));
  }
  return out;
}

}  // namespace otter::elasticsearch_exporter
