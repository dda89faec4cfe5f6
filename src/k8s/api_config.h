// How otter reaches the Kubernetes API, as otelcol's k8sconfig.APIConfig: `auth_type`
// serviceAccount (in-cluster: KUBERNETES_SERVICE_HOST/PORT and the service-account token and CA
// under /var/run/secrets/kubernetes.io/serviceaccount), kubeConfig ($KUBECONFIG or
// ~/.kube/config: the current (or named) context's cluster and user), or none (plain HTTP to
// KUBERNETES_SERVICE_HOST/PORT, no credentials; for proxies such as `kubectl proxy`).
// ResolveApiEndpoint reads the files once, at start-up; errors name the file or variable.
#pragma once

#include <string>

#include "common/status.h"

namespace otter::k8s {

enum class AuthType { kNone, kServiceAccount, kKubeConfig };
// "none", "serviceAccount", "kubeConfig" (otelcol's spellings); false for anything else.
bool ParseAuthType(const std::string& s, AuthType* out);

struct ApiConfig {
  AuthType auth_type = AuthType::kServiceAccount;
  std::string context;  // kubeConfig: the context to use instead of current-context
  // Where the service-account files are (tests point it elsewhere).
  std::string service_account_dir = "/var/run/secrets/kubernetes.io/serviceaccount";
};

// Everything needed to send a request; PEM and token contents, not paths.
struct ApiEndpoint {
  bool https = true;
  std::string host;  // without IPv6 brackets
  uint16_t port = 443;
  std::string ca_pem;  // empty: the system roots
  bool insecure_skip_verify = false;
  std::string token;  // bearer token; empty: none
  std::string client_cert_pem, client_key_pem;
  std::string HostHeader() const;
  std::string Describe() const;  // "https://host:port"
};

StatusOr<ApiEndpoint> ResolveApiEndpoint(const ApiConfig& config);

}  // namespace otter::k8s
