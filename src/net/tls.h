// TLS plumbing from the config settings in tls_config.h to the two TLS stacks otter uses:
// OpenSSL contexts for Boost.Asio (HTTP servers and clients) and gRPC credentials (gRPC servers
// and channels). PEM files are read here, so a missing or unreadable file is a start-up error that
// names the file. Heavy headers stay out: include <boost/asio/ssl/context.hpp> or the gRPC headers
// where the results are used. All functions are reentrant.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "common/status.h"
#include "net/tls_config.h"

namespace boost::asio::ssl {
class context;
}
namespace grpc {
class ServerCredentials;
class ChannelCredentials;
class ChannelArguments;
struct SslServerCredentialsOptions;
struct SslCredentialsOptions;
}  // namespace grpc
struct ssl_st;  // OpenSSL's SSL

namespace otter::net {

// Reads a whole file; the error names the setting and the path, e.g.
// `tls: cannot read cert_file "/etc/x.pem": No such file or directory`.
StatusOr<std::string> ReadPemFile(const std::string& setting, const std::string& path);

// Checks that a PEM certificate and an (unencrypted) PEM private key parse and belong together;
// the paths only serve the error message.
Status CheckPemKeyPair(const std::string& cert_pem, const std::string& key_pem,
                       const std::string& cert_file, const std::string& key_file);

// ---- Boost.Asio / OpenSSL --------------------------------------------------------------------

// A server context: certificate chain + key (checked to match), min_version, and with
// client_ca_file set, peers must present a certificate signed by it (mTLS).
StatusOr<std::shared_ptr<boost::asio::ssl::context>> MakeServerSslContext(
    const TlsServerSettings& s);

// A client context: verifies the server against ca_file (or the system roots) unless
// insecure_skip_verify, presents cert_file/key_file when set, honours min_version.
// Host name checks are per connection: call ConfigureClientSsl on each new stream.
StatusOr<std::shared_ptr<boost::asio::ssl::context>> MakeClientSslContext(
    const TlsClientSettings& s);

// Per-connection client setup: SNI and host-name verification against `host` (or
// s.server_name_override when set; IP addresses are checked as IPs). Call before the handshake,
// e.g. ConfigureClientSsl(stream.native_handle(), settings, host).
Status ConfigureClientSsl(ssl_st* ssl, const TlsClientSettings& s, const std::string& host);

// Hands out the current context of a server or client for each new connection. With
// reload_interval set, the context is rebuilt from the files (certificate, key, CAs) once the
// interval has passed, at the next connection (as otelcol's certReloader does); for a server with
// client_ca_file_reload, also as soon as client_ca_file's modification time changes (checked at
// most once a second). A reload that fails (a half-written file) keeps the previous context and
// is reported through `on_error` (which the owner rate-limits by nature: once per interval).
// Connections keep the context they started with. Thread-safe.
class SslContextSource {
 public:
  using Context = std::shared_ptr<boost::asio::ssl::context>;
  using ErrorFn = std::function<void(const Status&)>;

  // The first context is built at once: errors are start-up errors.
  static StatusOr<std::shared_ptr<SslContextSource>> ForServer(const TlsServerSettings& s,
                                                               ErrorFn on_error = nullptr);
  static StatusOr<std::shared_ptr<SslContextSource>> ForClient(const TlsClientSettings& s,
                                                               ErrorFn on_error = nullptr);
  Context Current();
  uint64_t reloads() const;  // successful rebuilds after the first

 private:
  using Clock = std::chrono::steady_clock;
  SslContextSource(std::function<StatusOr<Context>()> build, std::chrono::nanoseconds interval,
                   std::string watched_file, ErrorFn on_error);
  int64_t WatchedMtime() const;

  const std::function<StatusOr<Context>()> build_;
  const std::chrono::nanoseconds interval_;
  const std::string watched_file_;  // "" = none
  const ErrorFn on_error_;
  mutable std::mutex mu_;
  Context current_;               // GUARDED_BY(mu_)
  Clock::time_point next_build_;  // GUARDED_BY(mu_)
  Clock::time_point next_stat_;   // GUARDED_BY(mu_)
  int64_t mtime_ = 0;             // GUARDED_BY(mu_)
  uint64_t reloads_ = 0;          // GUARDED_BY(mu_)
};

// ---- gRPC ------------------------------------------------------------------------------------
// gRPC 1.51 has no per-server or per-channel knob for TLS versions or cipher suites (it always
// allows TLS 1.2 and 1.3 with its own suite list), so min_version "1.3", max_version "1.2" and
// cipher_suites are refused with an error rather than silently ignored. reload_interval uses
// gRPC's FileWatcherCertificateProvider (whole seconds, at least 1): certificate, key and CA
// files are re-read that often by gRPC itself; new connections get the new material.

// What gRPC cannot enforce, as a config error (for the components' Validate).
Status CheckGrpcServerTls(const TlsServerSettings& s);
Status CheckGrpcClientTls(const TlsClientSettings& s);

Status BuildGrpcServerOptions(const TlsServerSettings& s, grpc::SslServerCredentialsOptions* out);
StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeGrpcServerCredentials(
    const TlsServerSettings& s);

// insecure → InsecureChannelCredentials; insecure_skip_verify → TLS without server verification;
// otherwise SslCredentials with ca_file (or gRPC's default roots) and the client cert when set.
Status BuildGrpcClientOptions(const TlsClientSettings& s, grpc::SslCredentialsOptions* out);
StatusOr<std::shared_ptr<grpc::ChannelCredentials>> MakeGrpcChannelCredentials(
    const TlsClientSettings& s);
// Channel arguments the settings need (server_name_override → the SSL target-name override).
void ApplyGrpcChannelTlsArgs(const TlsClientSettings& s, grpc::ChannelArguments* args);

}  // namespace otter::net
