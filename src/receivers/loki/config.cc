#include "receivers/loki/config.h"

namespace otter {

Status LokiReceiverConfig::Validate() const {
  if (!protocols.http) return InvalidArgument("protocols: http must be configured");
  if (protocols.http->tls) RETURN_IF_ERROR(protocols.http->tls->Validate().Annotate("tls"));
  return Status::Ok();
}

const config::Table<LokiReceiverConfig>& LokiReceiverConfigTable() {
  using C = LokiReceiverConfig;
  using H = C::Http;
  using P = C::Protocols;
  static const config::Table<H> http_table =
      config::Table<H>()
          .Field("endpoint", &H::endpoint, "host:port serving POST /loki/api/v1/push")
          .Section("tls", &H::tls, net::TlsServerTable(), "serve HTTPS")
          .Field("max_request_body_size", &H::max_request_body_size,
                 "largest request body on the wire; larger ones get 413")
          .Section("auth", &H::auth, auth::AuthSettingsTable(),
                   "authenticate every push with this extension (401 otherwise)")
          .Field("include_metadata", &H::include_metadata,
                 "keep each request's headers (lower-cased names) with its data, for the batch "
                 "processor's metadata_keys, from_context (headers_setter, attributes) and the "
                 "kafka exporter's include_metadata_keys");
  static const config::Table<P> protocols_table =
      config::Table<P>()
          .Section("http", &P::http, http_table, "the HTTP push API")
          .NotSupportedYet("grpc", "the gRPC push API");
  static const config::Table<C> table =
      config::Table<C>()
          .Section("protocols", &C::protocols, protocols_table, "transports")
          .Field("use_incoming_timestamp", &C::use_incoming_timestamp,
                 "keep each entry's own timestamp (else the time it arrived)");
  return table;
}

}  // namespace otter
