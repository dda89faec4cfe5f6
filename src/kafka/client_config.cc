#include "kafka/client_config.h"

#include <cctype>

namespace otter::kafka {
namespace {

// "2.0.0", "0.10.2.1": two to four dot-separated numbers.
bool ValidVersion(const std::string& v) {
  int parts = 0;
  size_t i = 0;
  while (i < v.size()) {
    size_t start = i;
    while (i < v.size() && std::isdigit(static_cast<unsigned char>(v[i]))) ++i;
    if (i == start) return false;
    ++parts;
    if (i == v.size()) break;
    if (v[i] != '.') return false;
    ++i;
    if (i == v.size()) return false;
  }
  return parts >= 2 && parts <= 4;
}

const net::TlsClientSettings* EffectiveTls(const ClientSettings& c) {
  if (c.tls) return &*c.tls;
  if (c.auth.tls) return &*c.auth.tls;
  return nullptr;
}

}  // namespace

std::string Millis(config::Duration d) {
  return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(d).count());
}

Status ClientSettings::ValidateClient() const {
  if (brokers.empty()) return InvalidArgument("brokers: must be specified");
  for (const auto& b : brokers)
    if (b.empty() || b.find(':') == std::string::npos)
      return InvalidArgument("brokers: \"" + b + "\" is not host:port");
  if (!protocol_version.empty() && !ValidVersion(protocol_version))
    return InvalidArgument("protocol_version: invalid version \"" + protocol_version +
                           "\" (expected e.g. 2.1.0)");
  if (auth.sasl && auth.plain_text)
    return InvalidArgument("auth: set either sasl or the deprecated plain_text, not both");
  if (auth.sasl) {
    const auto& s = *auth.sasl;
    if (s.mechanism != "PLAIN" && s.mechanism != "SCRAM-SHA-256" && s.mechanism != "SCRAM-SHA-512")
      return InvalidArgument(
          "auth: sasl::mechanism should be one of 'PLAIN', 'SCRAM-SHA-256' or 'SCRAM-SHA-512' "
          "(otter does not support AWS_MSK_IAM_OAUTHBEARER or OIDCFILE); configured value \"" +
          s.mechanism + "\"");
    if (s.username.empty()) return InvalidArgument("auth: sasl::username is required");
    if (s.password.empty()) return InvalidArgument("auth: sasl::password is required");
    if (s.version < 0 || s.version > 1)
      return InvalidArgument("auth: sasl::version has to be either 0 or 1");
  }
  if (auth.plain_text && (auth.plain_text->username.empty() || auth.plain_text->password.empty()))
    return InvalidArgument("auth: plain_text needs username and password");
  if (const auto* t = EffectiveTls(*this)) {
    RETURN_IF_ERROR(t->Validate().Annotate(tls ? "tls" : "auth: tls"));
    if (!t->server_name_override.empty())
      return InvalidArgument(
          "tls: server_name_override is not supported by the kafka client (librdkafka verifies "
          "the broker's advertised host name)");
    if (t->min_version != "1.2")
      return InvalidArgument("tls: min_version: only 1.2 (the default) is supported for Kafka");
    if (!t->max_version.empty() && t->max_version != "1.3")
      return InvalidArgument(
          "tls: max_version: librdkafka has no TLS version setting; remove it for Kafka");
    if (t->reload_interval.count() > 0)
      return InvalidArgument(
          "tls: reload_interval is not supported for Kafka (librdkafka reads the certificate "
          "files once per client); restart or reload the configuration to rotate them");
  }
  if (metadata.retry.max < 0) return InvalidArgument("metadata: retry::max must be >= 0");
  return Status::Ok();
}

Properties ClientSettings::ClientProperties() const {
  Properties p;
  std::string servers;
  for (const auto& b : brokers) servers += (servers.empty() ? "" : ",") + b;
  p.emplace_back("bootstrap.servers", servers);
  p.emplace_back("client.id", client_id);
  if (!protocol_version.empty()) p.emplace_back("broker.version.fallback", protocol_version);
  p.emplace_back("topic.metadata.refresh.interval.ms", Millis(metadata.refresh_interval));
  if (!metadata.full) p.emplace_back("topic.metadata.refresh.sparse", "true");

  const net::TlsClientSettings* t = EffectiveTls(*this);
  const bool use_tls = t && !t->insecure;
  const bool use_sasl = auth.sasl || auth.plain_text;
  p.emplace_back("security.protocol", use_sasl ? (use_tls ? "sasl_ssl" : "sasl_plaintext")
                                               : (use_tls ? "ssl" : "plaintext"));
  if (auth.sasl) {
    p.emplace_back("sasl.mechanisms", auth.sasl->mechanism);
    p.emplace_back("sasl.username", auth.sasl->username);
    p.emplace_back("sasl.password", auth.sasl->password);
  } else if (auth.plain_text) {
    p.emplace_back("sasl.mechanisms", "PLAIN");
    p.emplace_back("sasl.username", auth.plain_text->username);
    p.emplace_back("sasl.password", auth.plain_text->password);
  }
  if (use_tls) {
    if (!t->ca_file.empty()) p.emplace_back("ssl.ca.location", t->ca_file);
    if (!t->cert_file.empty()) p.emplace_back("ssl.certificate.location", t->cert_file);
    if (!t->key_file.empty()) p.emplace_back("ssl.key.location", t->key_file);
    // Validated: the Go names map to an OpenSSL list (TLS 1.3 names add nothing).
    if (auto list = net::OpenSslCipherList(t->cipher_suites); list.ok() && !list->empty())
      p.emplace_back("ssl.cipher.suites", *list);
    if (t->insecure_skip_verify) {
      p.emplace_back("enable.ssl.certificate.verification", "false");
      p.emplace_back("ssl.endpoint.identification.algorithm", "none");
    } else {
      p.emplace_back("ssl.endpoint.identification.algorithm", "https");
    }
  }
  return p;
}

std::vector<std::string> ClientSettings::DeprecationWarnings() const {
  std::vector<std::string> w;
  if (auth.plain_text)
    w.push_back("auth::plain_text is deprecated; use auth::sasl with mechanism: PLAIN");
  if (auth.tls) w.push_back("auth::tls is deprecated; use the top-level tls");
  return w;
}

const config::Table<AuthSettings>& AuthTable() {
  static const config::Table<SaslSettings> sasl =
      config::Table<SaslSettings>()
          .Field("mechanism", &SaslSettings::mechanism, "PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512")
          .Field("username", &SaslSettings::username, "SASL user")
          .Field("password", &SaslSettings::password, "SASL password")
          .Field("version", &SaslSettings::version, "SASL handshake version (0 or 1)")
          .NotSupportedYet("aws_msk", "AWS MSK IAM")
          .NotSupportedYet("oidc_file", "OIDC client credentials");
  static const config::Table<PlainTextSettings> plain =
      config::Table<PlainTextSettings>()
          .Field("username", &PlainTextSettings::username, "SASL PLAIN user")
          .Field("password", &PlainTextSettings::password, "SASL PLAIN password");
  static const config::Table<AuthSettings> table =
      config::Table<AuthSettings>()
          .Section("sasl", &AuthSettings::sasl, sasl, "SASL authentication")
          .Section("plain_text", &AuthSettings::plain_text, plain,
                   "deprecated: SASL PLAIN (use sasl)")
          .Section("tls", &AuthSettings::tls, net::TlsClientTable(),
                   "deprecated: TLS (use the top-level tls)")
          .NotSupportedYet("kerberos", "SASL GSSAPI (Kerberos)");
  return table;
}

const config::Table<ClientSettings::Metadata>& MetadataTable() {
  using M = ClientSettings::Metadata;
  using R = M::Retry;
  static const config::Table<R> retry =
      config::Table<R>()
          .Field("max", &R::max, "metadata request retries")
          .Field("backoff", &R::backoff, "wait between retries (librdkafka retry.backoff.ms)");
  static const config::Table<M> table =
      config::Table<M>()
          .Field("full", &M::full, "keep metadata of every topic, not only the used ones")
          .Field("refresh_interval", &M::refresh_interval, "metadata refresh period")
          .Section("retry", &M::retry, retry, "metadata retries");
  return table;
}

}  // namespace otter::kafka
