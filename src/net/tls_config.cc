#include "net/tls_config.h"

namespace otter::net {
namespace {
Status CheckVersion(const std::string& v) {
  if (v == "1.2" || v == "1.3") return Status::Ok();
  if (v == "1.0" || v == "1.1")
    return InvalidArgument("tls.min_version \"" + v +
                           "\" is insecure and not supported; use 1.2 or 1.3");
  return InvalidArgument("tls.min_version \"" + v + "\" is not a TLS version; use 1.2 or 1.3");
}
}  // namespace

Status TlsServerSettings::Validate() const {
  if (cert_file.empty() != key_file.empty())
    return InvalidArgument("tls: cert_file and key_file must be set together");
  if (cert_file.empty()) return InvalidArgument("tls: a server needs cert_file and key_file");
  return CheckVersion(min_version);
}

Status TlsClientSettings::Validate() const {
  if (cert_file.empty() != key_file.empty())
    return InvalidArgument("tls: cert_file and key_file must be set together");
  return CheckVersion(min_version);
}

const config::Table<TlsServerSettings>& TlsServerTable() {
  static const auto table =
      config::Table<TlsServerSettings>()
          .Field("cert_file", &TlsServerSettings::cert_file,
                 "PEM certificate (chain) the server presents")
          .Field("key_file", &TlsServerSettings::key_file, "PEM private key of cert_file")
          .Field("ca_file", &TlsServerSettings::ca_file,
                 "accepted as otelcol does, but has no effect on a server: client_ca_file "
                 "enables client verification (mTLS)")
          .Field("client_ca_file", &TlsServerSettings::client_ca_file,
                 "PEM CA bundle; when set, clients must present a certificate it signed (mTLS)")
          .Field("min_version", &TlsServerSettings::min_version,
                 "lowest TLS version accepted: 1.2 or 1.3")
          // otelcol loads a server's ca_file into the root pool, which a Go TLS server never
          // consults, so it silently verifies nobody; users who meant mTLS deserve to hear it.
          .Check([](const config::Node& at, const TlsServerSettings& s, config::Diagnostics& d) {
            if (!s.ca_file.empty() && s.client_ca_file.empty())
              d.Warning(at.Find("ca_file") ? *at.Find("ca_file") : at,
                        "tls.ca_file on a server does not enable client verification (clients "
                        "are not asked for a certificate); use client_ca_file for mTLS");
          });
  return table;
}

const config::Table<TlsClientSettings>& TlsClientTable() {
  static const auto table =
      config::Table<TlsClientSettings>()
          .Field("insecure", &TlsClientSettings::insecure, "send in plaintext (no TLS)")
          .Field("insecure_skip_verify", &TlsClientSettings::insecure_skip_verify,
                 "use TLS but do not verify the server's certificate")
          .Field("ca_file", &TlsClientSettings::ca_file,
                 "PEM CA bundle that signs the server certificate")
          .Field("cert_file", &TlsClientSettings::cert_file, "PEM client certificate (mTLS)")
          .Field("key_file", &TlsClientSettings::key_file, "PEM private key of cert_file")
          .Field("server_name_override", &TlsClientSettings::server_name_override,
                 "name to verify the server certificate against instead of the endpoint host")
          .Field("min_version", &TlsClientSettings::min_version, "lowest TLS version: 1.2 or 1.3");
  return table;
}

}  // namespace otter::net
