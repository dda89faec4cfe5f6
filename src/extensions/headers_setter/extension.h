// The `headers_setter` extension (contrib headerssetterextension): a client authenticator that
// sets headers on every request an exporter sends, each with an action (insert, update, upsert,
// delete) and a value: a fixed `value`, or `from_context` — a metadata key of the request that
// brought the data in (Batch::metadata, kept by receivers with include_metadata and by the batch
// processor for its metadata_keys); without it, `default_value`, else the header is not set.
// See docs/extensions/headers_setter.md.
// Thread-safety: read-only after construction; AddHeaders from any thread.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "component/auth.h"
#include "component/registry.h"
#include "config/table.h"

namespace otter::headers_setter {

enum class Action { kInsert, kUpdate, kUpsert, kDelete };

struct HeaderRule {
  std::string key;
  Action action = Action::kUpsert;
  std::optional<std::string> value;
  std::optional<std::string> from_context;
  std::optional<std::string> default_value;
};

struct HeadersSetterConfig : ComponentConfig {
  std::vector<HeaderRule> headers;
  Status Validate() const override;
};

const config::Table<HeadersSetterConfig>& HeadersSetterTable();

class HeadersSetter final : public Extension, public auth::ClientAuthenticator {
 public:
  HeadersSetter(const ComponentContext& ctx, const HeadersSetterConfig& config);
  // No request metadata: from_context headers take their default_value.
  void AddHeaders(auth::HeaderList& headers) const override;
  // InvalidArgument when a from_context key has several values (ambiguous, as in otelcol).
  Status AddRequestHeaders(auth::HeaderList& headers,
                           const pdata::Metadata& metadata) const override;

 private:
  HeadersSetterConfig config_;
};

}  // namespace otter::headers_setter
