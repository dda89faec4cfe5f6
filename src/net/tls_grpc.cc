// gRPC half of net/tls.h: SslServerCredentials / SslCredentials from the otelcol TLS settings.
#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_certificate_verifier.h>
#include <grpcpp/security/tls_credentials_options.h>
#include <grpcpp/support/channel_arguments.h>

#include "net/tls.h"

namespace otter::net {
namespace {

Status CheckGrpcMinVersion(const std::string& v) {
  if (v.empty() || v == "1.2") return Status::Ok();
  if (v == "1.3")
    return Unimplemented(
        "tls: min_version \"1.3\" cannot be enforced for gRPC (gRPC 1.51 always accepts TLS 1.2 "
        "and 1.3); remove it or use \"1.2\"");
  return InvalidArgument("tls: min_version \"" + v + "\" is not supported; use 1.2 or 1.3");
}

}  // namespace

Status BuildGrpcServerOptions(const TlsServerSettings& s, grpc::SslServerCredentialsOptions* out) {
  RETURN_IF_ERROR(CheckGrpcMinVersion(s.min_version));
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
  RETURN_IF_ERROR(BuildGrpcServerOptions(s, &opts));
  return grpc::SslServerCredentials(opts);
}

Status BuildGrpcClientOptions(const TlsClientSettings& s, grpc::SslCredentialsOptions* out) {
  RETURN_IF_ERROR(CheckGrpcMinVersion(s.min_version));
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
  if (!s.insecure_skip_verify) return grpc::SslCredentials(opts);

  // No server verification: the experimental TLS credentials are the only way in gRPC 1.51.
  grpc::experimental::TlsChannelCredentialsOptions tls;
  tls.set_verify_server_certs(false);
  tls.set_check_call_host(false);
  tls.set_certificate_verifier(std::make_shared<grpc::experimental::NoOpCertificateVerifier>());
  if (!opts.pem_cert_chain.empty()) {
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
