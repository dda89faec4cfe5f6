#include "extensions/headers_setter/extension.h"

#include <algorithm>

namespace otter::headers_setter {
namespace {

std::optional<Action> ParseAction(std::string_view s) {
  std::string lower(s);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "insert") return Action::kInsert;
  if (lower == "update") return Action::kUpdate;
  if (lower == "upsert") return Action::kUpsert;
  if (lower == "delete") return Action::kDelete;
  return std::nullopt;
}

}  // namespace

Status HeadersSetterConfig::Validate() const {
  if (headers.empty()) return InvalidArgument("headers: missing headers configuration");
  for (const auto& h : headers) {
    if (h.key.empty()) return InvalidArgument("headers: missing header name");
    if (h.action == Action::kDelete) continue;
    if (h.value && h.from_context)
      return InvalidArgument("headers: \"" + h.key +
                             "\": invalid header source, must either 'from_context' or 'value'");
    if (!h.value && !h.from_context)
      return InvalidArgument("headers: \"" + h.key +
                             "\": missing header source, must be 'from_context' or 'value'");
  }
  return Status::Ok();
}

const config::Table<HeadersSetterConfig>& HeadersSetterTable() {
  static const auto rule =
      config::Table<HeaderRule>()
          .Field("key", &HeaderRule::key, "header name")
          .Custom("action", "string", "upsert", "insert, update, upsert or delete",
                  [](const config::Node& n, HeaderRule& r, config::Diagnostics& d) {
                    std::string v;
                    if (!config::ParseValue(n, v, d)) return;
                    if (auto a = ParseAction(v))
                      r.action = *a;
                    else
                      d.Error(n,
                              "action: \"" + v + "\" is not one of insert, update, upsert, delete");
                  })
          .Custom("value", "string", "", "a fixed value",
                  [](const config::Node& n, HeaderRule& r, config::Diagnostics& d) {
                    std::string v;
                    if (config::ParseValue(n, v, d)) r.value = v;
                  })
          .Custom("from_context", "string", "",
                  "metadata key of the incoming request (not carried by otter's pipelines yet: "
                  "default_value is used)",
                  [](const config::Node& n, HeaderRule& r, config::Diagnostics& d) {
                    std::string v;
                    if (config::ParseValue(n, v, d)) r.from_context = v;
                  })
          .Custom("default_value", "string", "", "value when the context has none",
                  [](const config::Node& n, HeaderRule& r, config::Diagnostics& d) {
                    std::string v;
                    if (config::ParseValue(n, v, d)) r.default_value = v;
                  })
          .NotSupportedYet("from_attribute", "a value from the authenticated client's auth data");
  static const auto table = config::Table<HeadersSetterConfig>().Custom(
      "headers", "[]header", "[]", "headers to set: {key, action, value | from_context}",
      [](const config::Node& n, HeadersSetterConfig& c, config::Diagnostics& d) {
        if (n.kind != config::Node::Kind::kSeq) {
          d.Error(n, "headers: expected a list of {key, action, value | from_context}");
          return;
        }
        for (const auto& item : n.seq) rule.Parse(item, c.headers.emplace_back(), d);
      });
  return table;
}

HeadersSetter::HeadersSetter(const ComponentContext&, const HeadersSetterConfig& config)
    : config_(config) {}

void HeadersSetter::AddHeaders(auth::HeaderList& headers) const {
  static const pdata::Metadata kNone;
  (void)AddRequestHeaders(headers, kNone);  // cannot fail without metadata
}

Status HeadersSetter::AddRequestHeaders(auth::HeaderList& headers,
                                        const pdata::Metadata& metadata) const {
  for (const auto& h : config_.headers) {
    auto it = std::find_if(headers.begin(), headers.end(),
                           [&](const auto& kv) { return auth::HeaderNameEquals(kv.first, h.key); });
    bool present = it != headers.end();
    if (h.action == Action::kDelete) {
      headers.erase(
          std::remove_if(headers.begin(), headers.end(),
                         [&](const auto& kv) { return auth::HeaderNameEquals(kv.first, h.key); }),
          headers.end());
      continue;
    }
    std::optional<std::string_view> v;
    if (h.value) {
      v = *h.value;
    } else {
      size_t n = metadata.Count(*h.from_context);
      if (n > 1)
        return InvalidArgument("headers_setter: header \"" + h.key + "\": " + std::to_string(n) +
                               " values of \"" + *h.from_context +
                               "\" in the request metadata, cannot tell which one to send");
      if (n == 1)
        v = metadata.Get(*h.from_context).front();
      else if (h.default_value)
        v = *h.default_value;
    }
    if (!v) continue;
    if ((h.action == Action::kInsert && present) || (h.action == Action::kUpdate && !present))
      continue;
    if (present)
      it->second = std::string(*v);
    else
      headers.emplace_back(h.key, std::string(*v));
  }
  return Status::Ok();
}

}  // namespace otter::headers_setter
