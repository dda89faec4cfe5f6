// gRPC half of net/tls.h: SslServerCredentials / SslCredentials from the otelcol TLS settings.
#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_certificate_verifier.h>
#include <grpcpp/security/tls_credentials_options.h>
#include <grpcpp/support/channel_arguments.h>

#include <algorithm>

#include "net/tls.h"

namespace otter::net {
namespace {

// What gRPC 1.51 cannot enforce per server / channel (see tls.h).
Status CheckGrpcSupports(const std::string& min_version, const std::string& max_version,
                         const std::vector<std::string>& cipher_suites) {
  if (min_version == "1.3")
    return Unimplemented(
        "tls: min_version \"1.3\" cannot be enforced for gRPC (gRPC 1.51 always accepts TLS 1.2 "
        "and 1.3); remove it or use \"1.2\"");
  if (!min_version.empty() && min_version != "1.2")
    return InvalidArgument("tls: min_version \"" + min_version +
                           "\" is not supported; use 1.2 or 1.3");
  if (max_version == "1.2")
    return Unimplemented(
        "tls: max_version \"1.2\" cannot be enforced for gRPC (gRPC 1.51 always offers TLS "
        "1.3); remove it or use \"1.3\"");
  if (!max_version.empty() && max_version != "1.3")
    return InvalidArgument("tls: max_version \"" + max_version +
                           "\" is not supported; use 1.2 or 1.3");
  if (!cipher_suites.empty())
    return Unimplemented(
        "tls: cipher_suites cannot be set for gRPC (gRPC 1.51 takes its suite list only from the "
        "process-wide GRPC_SSL_CIPHER_SUITES environment variable); remove cipher_suites");
  return Status::Ok();
}

// gRPC's file watcher counts whole seconds; a sub-second interval becomes 1s.
unsigned RefreshSeconds(config::Duration d) {
  auto s =
      std::chrono::duration_cast<std::chrono::seconds>(d + std::chrono::nanoseconds(999'999'999));
  return static_cast<unsigned>(std::clamp<int64_t>(s.count(), 1, 86400 * 365));
}

}  // namespace

Status CheckGrpcServerTls(const TlsServerSettings& s) {
  return CheckGrpcSupports(s.min_version, s.max_version, s.cipher_suites);
}
Status CheckGrpcClientTls(const TlsClientSettings& s) {
  return CheckGrpcSupports(s.min_version, s.max_version, s.cipher_suites);
}

Status BuildGrpcServerOptions(const TlsServerSettings& s, grpc::SslServerCredentialsOptions* out) {
  RETURN_IF_ERROR(CheckGrpcServerTls(s));
  if (s.cert_file.empty() || s.key_file.empty())
    return InvalidArgument("tls: a server needs cert_file and key_file");
  ASSIGN_OR_RETURN(std::string cert, ReadPemFile("cert_file", s.cert_file));
  ASSIGN_OR_RETURN(std::string key, ReadPemFile("key_file", s.key_file));
  RETURN_IF_ERROR(CheckPemKeyPair(cert, key, s.cert_file, s.key_file));
  out->pem_key_cert_pairs.clear();
  out->pem_key_cert_pairs.push_back({std::move(key), std::move(cert)});
  if (!s.client_ca_file.empty()) {
    ASSIGN_OR_RETURN(out->pem_root_certs, ReadPemFile("client_ca_file", s.client_ca_file));
    out->client_certificate_request = GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  } else {
    out->pem_root_certs.clear();
    out->client_certificate_request = GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE;
  }
  return Status::Ok();
}

StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeGrpcServerCredentials(
    const TlsServerSettings& s) {
  grpc::SslServerCredentialsOptions opts;
  RETURN_IF_ERROR(BuildGrpcServerOptions(s, &opts));  // checks the files once, at start-up
  if (s.reload_interval.count() <= 0 && !s.client_ca_file_reload)
    return grpc::SslServerCredentials(opts);
  // Reloading: gRPC's own file watcher re-reads certificate, key and client CA.
  auto provider = std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
      s.key_file, s.cert_file, s.client_ca_file,
      RefreshSeconds(s.reload_interval.count() > 0 ? s.reload_interval : std::chrono::seconds(1)));
  grpc::experimental::TlsServerCredentialsOptions tls(provider);
  tls.watch_identity_key_cert_pairs();
  if (!s.client_ca_file.empty()) {
    tls.watch_root_certs();
    tls.set_cert_request_type(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  } else {
    tls.set_cert_request_type(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  }
  auto creds = grpc::experimental::TlsServerCredentials(tls);
  if (!creds) return Internal("tls: gRPC refused the TLS server credentials");
  return creds;
}

Status BuildGrpcClientOptions(const TlsClientSettings& s, grpc::SslCredentialsOptions* out) {
  RETURN_IF_ERROR(CheckGrpcClientTls(s));
  *out = grpc::SslCredentialsOptions();
  if (!s.ca_file.empty()) {
    ASSIGN_OR_RETURN(out->pem_root_certs, ReadPemFile("ca_file", s.ca_file));
  }
  if (!s.cert_file.empty() || !s.key_file.empty()) {
    ASSIGN_OR_RETURN(out->pem_cert_chain, ReadPemFile("cert_file", s.cert_file));
    ASSIGN_OR_RETURN(out->pem_private_key, ReadPemFile("key_file", s.key_file));
    RETURN_IF_ERROR(
        CheckPemKeyPair(out->pem_cert_chain, out->pem_private_key, s.cert_file, s.key_file));
  }
  return Status::Ok();
}

StatusOr<std::shared_ptr<grpc::ChannelCredentials>> MakeGrpcChannelCredentials(
    const TlsClientSettings& s) {
  if (s.insecure) return grpc::InsecureChannelCredentials();
  grpc::SslCredentialsOptions opts;
  RETURN_IF_ERROR(BuildGrpcClientOptions(s, &opts));
  const bool reload = s.reload_interval.count() > 0;
  if (!s.insecure_skip_verify && !reload) return grpc::SslCredentials(opts);

  // No server verification, or reloading: the experimental TLS credentials are the only way in
  // gRPC 1.51.
  grpc::experimental::TlsChannelCredentialsOptions tls;
  if (s.insecure_skip_verify) {
    tls.set_verify_server_certs(false);
    tls.set_check_call_host(false);
    tls.set_certificate_verifier(std::make_shared<grpc::experimental::NoOpCertificateVerifier>());
  } else {
    tls.set_verify_server_certs(true);
    tls.set_check_call_host(true);
    tls.set_certificate_verifier(
        std::make_shared<grpc::experimental::HostNameCertificateVerifier>());
  }
  if (reload && (!s.ca_file.empty() || !s.cert_file.empty())) {
    // Without ca_file gRPC uses its default roots; the watcher then only reloads the identity.
    tls.set_certificate_provider(
        std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
            s.key_file, s.cert_file, s.insecure_skip_verify ? "" : s.ca_file,
            RefreshSeconds(s.reload_interval)));
    if (!s.cert_file.empty()) tls.watch_identity_key_cert_pairs();
    if (!s.ca_file.empty() && !s.insecure_skip_verify) tls.watch_root_certs();
  } else if (!opts.pem_cert_chain.empty()) {
    std::vector<grpc::experimental::IdentityKeyCertPair> pairs{
        {opts.pem_private_key, opts.pem_cert_chain}};
    tls.set_certificate_provider(
        std::make_shared<grpc::experimental::StaticDataCertificateProvider>(pairs));
    tls.watch_identity_key_cert_pairs();
  }
  auto creds = grpc::experimental::TlsCredentials(tls);
  if (!creds) return Internal("tls: gRPC refused the TLS channel credentials");
  return creds;
}

void ApplyGrpcChannelTlsArgs(const TlsClientSettings& s, grpc::ChannelArguments* args) {
  if (!s.insecure && !s.server_name_override.empty())
    args->SetSslTargetNameOverride(s.server_name_override);
}

}  // namespace otter::net
