#include "receivers/prometheusremotewrite/config.h"

namespace otter {

Status PrometheusRemoteWriteReceiverConfig::Validate() const {
  if (endpoint.empty()) return InvalidArgument("endpoint must be set");
  if (tls) RETURN_IF_ERROR(tls->Validate().Annotate("tls"));
  if (max_request_body_size == 0)
    return InvalidArgument("max_request_body_size must be greater than zero");
  return Status::Ok();
}

const config::Table<PrometheusRemoteWriteReceiverConfig>&
PrometheusRemoteWriteReceiverConfigTable() {
  using C = PrometheusRemoteWriteReceiverConfig;
  static const config::Table<C> table =
      config::Table<C>()
          .Field("endpoint", &C::endpoint, "host:port serving POST /api/v1/write")
          .Section("tls", &C::tls, net::TlsServerTable(), "serve HTTPS")
          .Field("max_request_body_size", &C::max_request_body_size,
                 "largest request body (snappy-compressed bytes); larger ones get 413")
          .Field("max_families", &C::max_families,
                 "metric families whose type and help (from metadata requests) are remembered")
          .Section("auth", &C::auth, auth::AuthSettingsTable(),
                   "authenticate every request with this extension (401 otherwise)")
          .Field("include_metadata", &C::include_metadata,
                 "keep each request's headers (lower-cased names) with its data, for the batch "
                 "processor's metadata_keys, from_context (headers_setter, attributes) and the "
                 "kafka exporter's include_metadata_keys")
          .NotSupportedYet("cors", "CORS");
  return table;
}

}  // namespace otter
