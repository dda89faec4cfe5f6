// TLS settings shared by every server (receivers, extensions) and client (exporters), with the
// otelcol key names (configtls). Parsed by config tables; turned into OpenSSL contexts by
// net/tls.h. Plain data; copyable.
#pragma once

#include <string>

#include "common/status.h"
#include "config/table.h"

namespace otter::net {

struct TlsServerSettings {
  std::string cert_file;       // PEM server certificate (chain)
  std::string key_file;        // PEM private key
  std::string ca_file;         // accepted for symmetry with otelcol; unused by servers
  std::string client_ca_file;  // set → clients must present a certificate signed by it (mTLS)
  std::string min_version = "1.2";  // "1.2" or "1.3"
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
  Status Validate() const;
};

const config::Table<TlsServerSettings>& TlsServerTable();
const config::Table<TlsClientSettings>& TlsClientTable();

}  // namespace otter::net
