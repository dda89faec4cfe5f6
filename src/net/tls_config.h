// TLS settings shared by every server (receivers, extensions) and client (exporters), with the
// otelcol key names (configtls). Parsed by config tables; turned into OpenSSL contexts by
// net/tls.h. Plain data; copyable.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "config/table.h"

namespace otter::net {

struct TlsServerSettings {
  std::string cert_file;       // PEM server certificate (chain)
  std::string key_file;        // PEM private key
  std::string ca_file;         // accepted for symmetry with otelcol; unused by servers
  std::string client_ca_file;  // set → clients must present a certificate signed by it (mTLS)
  std::string min_version = "1.2";         // "1.2" or "1.3"
  std::string max_version;                 // "" (= 1.3), "1.2" or "1.3"
  std::vector<std::string> cipher_suites;  // Go names (TLS 1.2 suites); empty = OpenSSL's defaults
  config::Duration reload_interval{0};     // > 0: certificate, key and CAs re-read this often
  bool client_ca_file_reload = false;      // re-read client_ca_file when it changes
  Status Validate() const;
};

struct TlsClientSettings {
  bool insecure = false;              // true → plaintext (no TLS at all)
  bool insecure_skip_verify = false;  // TLS without verifying the server certificate
  std::string ca_file;                // PEM CA bundle to verify the server (default: system roots)
  std::string cert_file;              // client certificate for mTLS
  std::string key_file;
  std::string server_name_override;
  std::string min_version = "1.2";
  std::string max_version;
  std::vector<std::string> cipher_suites;
  config::Duration reload_interval{0};
  Status Validate() const;
};

// The OpenSSL cipher list ("ECDHE-RSA-AES128-GCM-SHA256:...") for otelcol cipher suite names
// (Go's crypto/tls names, e.g. TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256). TLS 1.3 names
// (TLS_AES_128_GCM_SHA256, ...) are accepted and, as in Go, leave TLS 1.3 unchanged: they add
// nothing to the list. The error names the first unknown suite.
StatusOr<std::string> OpenSslCipherList(const std::vector<std::string>& suites);

const config::Table<TlsServerSettings>& TlsServerTable();
const config::Table<TlsClientSettings>& TlsClientTable();

}  // namespace otter::net
