#include "net/tls_config.h"

#include <algorithm>
#include <utility>

namespace otter::net {
namespace {

// Go crypto/tls names (tls.CipherSuites()) → OpenSSL names. TLS 1.3 suites map to "": Go does
// not let them be configured either.
constexpr std::pair<const char*, const char*> kCipherSuites[] = {
    {"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256"},
    {"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "ECDHE-ECDSA-AES256-GCM-SHA384"},
    {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256"},
    {"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "ECDHE-RSA-AES256-GCM-SHA384"},
    {"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-ECDSA-CHACHA20-POLY1305"},
    {"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-RSA-CHACHA20-POLY1305"},
    {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "ECDHE-ECDSA-AES128-SHA"},
    {"TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", "ECDHE-ECDSA-AES256-SHA"},
    {"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "ECDHE-RSA-AES128-SHA"},
    {"TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "ECDHE-RSA-AES256-SHA"},
    {"TLS_RSA_WITH_AES_128_GCM_SHA256", "AES128-GCM-SHA256"},
    {"TLS_RSA_WITH_AES_256_GCM_SHA384", "AES256-GCM-SHA384"},
    {"TLS_RSA_WITH_AES_128_CBC_SHA", "AES128-SHA"},
    {"TLS_RSA_WITH_AES_256_CBC_SHA", "AES256-SHA"},
    {"TLS_AES_128_GCM_SHA256", ""},
    {"TLS_AES_256_GCM_SHA384", ""},
    {"TLS_CHACHA20_POLY1305_SHA256", ""},
};

// 0 for "", else 2 or 3 (the minor version); -1 when not a supported version.
int VersionRank(const std::string& v) {
  if (v == "1.2") return 2;
  if (v == "1.3") return 3;
  return v.empty() ? 0 : -1;
}

Status CheckVersion(const char* key, const std::string& v) {
  if (VersionRank(v) >= 0) return Status::Ok();
  std::string k = std::string("tls.") + key;
  if (v == "1.0" || v == "1.1")
    return InvalidArgument(k + " \"" + v + "\" is insecure and not supported; use 1.2 or 1.3");
  return InvalidArgument(k + " \"" + v + "\" is not a TLS version; use 1.2 or 1.3");
}

Status CheckCommon(const std::string& min_version, const std::string& max_version,
                   const std::vector<std::string>& cipher_suites, config::Duration reload) {
  RETURN_IF_ERROR(CheckVersion("min_version", min_version));
  RETURN_IF_ERROR(CheckVersion("max_version", max_version));
  int lo = std::max(2, VersionRank(min_version)), hi = VersionRank(max_version);
  if (hi != 0 && hi < lo)
    return InvalidArgument("tls: min_version cannot be greater than max_version");
  if (reload.count() < 0) return InvalidArgument("tls.reload_interval must not be negative");
  return OpenSslCipherList(cipher_suites).status();
}

}  // namespace

StatusOr<std::string> OpenSslCipherList(const std::vector<std::string>& suites) {
  std::string out;
  for (const auto& name : suites) {
    auto it = std::find_if(std::begin(kCipherSuites), std::end(kCipherSuites),
                           [&](const auto& e) { return name == e.first; });
    if (it == std::end(kCipherSuites))
      return InvalidArgument("tls.cipher_suites: invalid TLS cipher suite: \"" + name + "\"");
    if (*it->second == '\0') continue;
    if (!out.empty()) out += ':';
    out += it->second;
  }
  return out;
}

Status TlsServerSettings::Validate() const {
  if (cert_file.empty() != key_file.empty())
    return InvalidArgument("tls: cert_file and key_file must be set together");
  if (cert_file.empty()) return InvalidArgument("tls: a server needs cert_file and key_file");
  if (client_ca_file_reload && client_ca_file.empty())
    return InvalidArgument("tls.client_ca_file_reload needs client_ca_file");
  return CheckCommon(min_version, max_version, cipher_suites, reload_interval);
}

Status TlsClientSettings::Validate() const {
  if (cert_file.empty() != key_file.empty())
    return InvalidArgument("tls: cert_file and key_file must be set together");
  return CheckCommon(min_version, max_version, cipher_suites, reload_interval);
}

namespace {

// The keys servers and clients share, after their own.
template <class S>
config::Table<S> CommonKeys(config::Table<S>&& t) {
  return std::move(t)
      .Field("min_version", &S::min_version, "lowest TLS version accepted: 1.2 or 1.3")
      .Field("max_version", &S::max_version,
             "highest TLS version accepted: 1.2 or 1.3 (empty = 1.3)")
      .Field("cipher_suites", &S::cipher_suites,
             "TLS 1.2 cipher suites allowed, Go names (e.g. "
             "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256); empty = a safe default list")
      .Field("reload_interval", &S::reload_interval,
             "re-read the certificate, key and CA files this often (0 = never)");
}

}  // namespace

const config::Table<TlsServerSettings>& TlsServerTable() {
  static const auto table =
      CommonKeys(
          config::Table<TlsServerSettings>()
              .Field("cert_file", &TlsServerSettings::cert_file,
                     "PEM certificate (chain) the server presents")
              .Field("key_file", &TlsServerSettings::key_file, "PEM private key of cert_file")
              .Field("ca_file", &TlsServerSettings::ca_file,
                     "accepted as otelcol does, but has no effect on a server: "
                     "client_ca_file enables client verification (mTLS)")
              .Field("client_ca_file", &TlsServerSettings::client_ca_file,
                     "PEM CA bundle; when set, clients must present a certificate it "
                     "signed (mTLS)")
              .Field("client_ca_file_reload", &TlsServerSettings::client_ca_file_reload,
                     "re-read client_ca_file when it changes"))
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
  static const auto table = CommonKeys(
      config::Table<TlsClientSettings>()
          .Field("insecure", &TlsClientSettings::insecure, "send in plaintext (no TLS)")
          .Field("insecure_skip_verify", &TlsClientSettings::insecure_skip_verify,
                 "use TLS but do not verify the server's certificate")
          .Field("ca_file", &TlsClientSettings::ca_file,
                 "PEM CA bundle that signs the server certificate")
          .Field("cert_file", &TlsClientSettings::cert_file, "PEM client certificate (mTLS)")
          .Field("key_file", &TlsClientSettings::key_file, "PEM private key of cert_file")
          .Field("server_name_override", &TlsClientSettings::server_name_override,
                 "name to verify the server certificate against instead of the endpoint host"));
  return table;
}

}  // namespace otter::net
