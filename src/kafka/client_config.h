// The Kafka client settings the kafka exporter and receiver share, with otelcol-contrib's keys
// (pkg/kafka/configkafka ClientConfig): brokers, client_id, protocol_version, auth (SASL PLAIN /
// SCRAM-SHA-256/512) and tls, and how they map to librdkafka configuration properties. Component
// configs inherit ClientSettings and add its keys to their table with AddClientFields (otelcol
// "squashes" them into the component's top level). Plain data; no librdkafka types here.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "config/table.h"
#include "net/tls_config.h"

namespace otter::kafka {

// librdkafka configuration properties, in the order they are set.
using Properties = std::vector<std::pair<std::string, std::string>>;

struct SaslSettings {
  std::string mechanism;  // PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512
  std::string username;
  std::string password;
  int64_t version = 0;  // SASL handshake version (0 or 1); librdkafka negotiates it
};

struct PlainTextSettings {  // deprecated auth::plain_text: SASL PLAIN
  std::string username;
  std::string password;
};

struct AuthSettings {
  std::optional<SaslSettings> sasl;
  std::optional<PlainTextSettings> plain_text;
  std::optional<net::TlsClientSettings> tls;  // deprecated: use the top-level tls
};

struct ClientSettings {
  std::vector<std::string> brokers = {"localhost:9092"};
  std::string client_id = "otel-collector";
  std::string protocol_version;  // e.g. "2.1.0"; empty = ask the broker (ApiVersionRequest)
  AuthSettings auth;
  std::optional<net::TlsClientSettings> tls;  // set → TLS to the brokers
  struct Metadata {
    bool full = true;
    config::Duration refresh_interval = std::chrono::minutes(10);
    struct Retry {
      int64_t max = 3;
      config::Duration backoff = std::chrono::milliseconds(250);
    } retry;
  } metadata;

  // Messages name the key ("auth::sasl::mechanism: ...").
  Status ValidateClient() const;
  // bootstrap.servers, client.id, security.protocol, sasl.*, ssl.*, broker.version.fallback,
  // topic.metadata.refresh.interval.ms. Call after ValidateClient().
  Properties ClientProperties() const;
  // Deprecated keys in use, as warnings naming the current key.
  std::vector<std::string> DeprecationWarnings() const;
};

// A duration as librdkafka's *.ms properties take it.
std::string Millis(config::Duration d);

const config::Table<AuthSettings>& AuthTable();
const config::Table<ClientSettings::Metadata>& MetadataTable();

// Adds brokers, client_id, protocol_version, auth, tls, metadata (and the keys otter does not
// support, as errors) to the table of a config that inherits ClientSettings.
template <class Cfg>
config::Table<Cfg>&& AddClientFields(config::Table<Cfg>&& t) {
  using S = ClientSettings;
  return std::move(t)
      .Field("brokers", static_cast<std::vector<std::string> Cfg::*>(&S::brokers),
             "Kafka bootstrap servers (host:port)")
      .Field("client_id", static_cast<std::string Cfg::*>(&S::client_id),
             "client id advertised to the brokers")
      .Field("protocol_version", static_cast<std::string Cfg::*>(&S::protocol_version),
             "Kafka version to assume when the broker cannot tell (e.g. 2.1.0)")
      .Section("auth", static_cast<AuthSettings Cfg::*>(&S::auth), AuthTable(),
               "SASL (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512) credentials")
      .Section("tls", static_cast<std::optional<net::TlsClientSettings> Cfg::*>(&S::tls),
               net::TlsClientTable(), "TLS to the brokers (set to enable)")
      .Section("metadata", static_cast<S::Metadata Cfg::*>(&S::metadata), MetadataTable(),
               "cluster metadata refresh and retries")
      .NotSupportedYet("resolve_canonical_bootstrap_servers_only", "reverse-DNS of brokers")
      .NotSupportedYet("rack_id", "rack-aware replica selection");
}

}  // namespace otter::kafka
