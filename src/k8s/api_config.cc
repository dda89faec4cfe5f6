#include "k8s/api_config.h"

#include <openssl/evp.h>
#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace otter::k8s {
namespace {

StatusOr<std::string> ReadFile(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return FailedPrecondition("kubernetes " + what + ": cannot read \"" + path + "\"");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string Getenv(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

StatusOr<std::string> Base64(const std::string& in, const std::string& what) {
  std::string clean;
  for (char c : in)
    if (!isspace(static_cast<unsigned char>(c))) clean += c;
  if (clean.size() % 4 != 0) return InvalidArgument("kubeconfig: " + what + " is not base64");
  std::string out(clean.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(clean.data()),
                          static_cast<int>(clean.size()));
  if (n < 0) return InvalidArgument("kubeconfig: " + what + " is not base64");
  size_t pad = 0;
  if (!clean.empty() && clean.back() == '=') ++pad;
  if (clean.size() > 1 && clean[clean.size() - 2] == '=') ++pad;
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

// Splits "https://host:port[/...]" into the endpoint's scheme, host and port.
Status ParseServer(const std::string& server, ApiEndpoint* ep) {
  std::string_view s = server;
  if (s.starts_with("https://")) {
    ep->https = true;
    s.remove_prefix(8);
    ep->port = 443;
  } else if (s.starts_with("http://")) {
    ep->https = false;
    s.remove_prefix(7);
    ep->port = 80;
  } else {
    return InvalidArgument("kubeconfig: server \"" + server + "\" is not an http(s) URL");
  }
  s = s.substr(0, s.find('/'));
  std::string_view host = s, port;
  if (s.starts_with("[")) {
    size_t close = s.find(']');
    if (close == std::string_view::npos)
      return InvalidArgument("kubeconfig: bad server \"" + server + "\"");
    host = s.substr(1, close - 1);
    if (close + 1 < s.size() && s[close + 1] == ':') port = s.substr(close + 2);
  } else if (size_t colon = s.rfind(':'); colon != std::string_view::npos) {
    host = s.substr(0, colon);
    port = s.substr(colon + 1);
  }
  if (host.empty()) return InvalidArgument("kubeconfig: server \"" + server + "\" has no host");
  ep->host = std::string(host);
  if (!port.empty()) {
    int p = std::atoi(std::string(port).c_str());
    if (p <= 0 || p > 65535)
      return InvalidArgument("kubeconfig: server \"" + server + "\" has a bad port");
    ep->port = static_cast<uint16_t>(p);
  }
  return Status::Ok();
}

// A path in a kubeconfig is relative to the file's directory.
std::string Relative(const std::string& file, const std::string& path) {
  if (path.empty() || path.front() == '/') return path;
  size_t slash = file.rfind('/');
  return slash == std::string::npos ? path : file.substr(0, slash + 1) + path;
}

YAML::Node Named(const YAML::Node& list, const std::string& name) {
  if (list && list.IsSequence())
    for (const auto& item : list)
      if (item["name"] && item["name"].as<std::string>() == name) return item;
  return YAML::Node();
}

// Reads `<key>-data` (base64) or the file named by `<key>`.
StatusOr<std::string> DataOrFile(const YAML::Node& n, const std::string& key,
                                 const std::string& file) {
  if (n[key + "-data"]) return Base64(n[key + "-data"].as<std::string>(), key + "-data");
  if (n[key]) return ReadFile(Relative(file, n[key].as<std::string>()), "kubeconfig " + key);
  return std::string();
}

StatusOr<ApiEndpoint> FromKubeConfig(const ApiConfig& cfg) {
  std::string file = Getenv("KUBECONFIG");
  if (size_t colon = file.find(':'); colon != std::string::npos) file = file.substr(0, colon);
  if (file.empty()) {
    std::string home = Getenv("HOME");
    if (home.empty()) return FailedPrecondition("kubeconfig: neither KUBECONFIG nor HOME is set");
    file = home + "/.kube/config";
  }
  ASSIGN_OR_RETURN(std::string text, ReadFile(file, "kubeconfig"));
  try {
    YAML::Node root = YAML::Load(text);
    std::string context_name = cfg.context;
    if (context_name.empty() && root["current-context"])
      context_name = root["current-context"].as<std::string>();
    if (context_name.empty())
      return FailedPrecondition("kubeconfig \"" + file + "\": no current-context");
    YAML::Node context = Named(root["contexts"], context_name)["context"];
    if (!context)
      return FailedPrecondition("kubeconfig \"" + file + "\": no context \"" + context_name + "\"");
    std::string cluster_name = context["cluster"] ? context["cluster"].as<std::string>() : "";
    std::string user_name = context["user"] ? context["user"].as<std::string>() : "";
    YAML::Node cluster = Named(root["clusters"], cluster_name)["cluster"];
    if (!cluster || !cluster["server"])
      return FailedPrecondition("kubeconfig \"" + file + "\": cluster \"" + cluster_name +
                                "\" has no server");
    ApiEndpoint ep;
    RETURN_IF_ERROR(ParseServer(cluster["server"].as<std::string>(), &ep));
    ASSIGN_OR_RETURN(ep.ca_pem, DataOrFile(cluster, "certificate-authority", file));
    if (cluster["insecure-skip-tls-verify"])
      ep.insecure_skip_verify = cluster["insecure-skip-tls-verify"].as<bool>();
    YAML::Node user = Named(root["users"], user_name)["user"];
    if (user) {
      if (user["token"]) {
        ep.token = user["token"].as<std::string>();
      } else if (user["tokenFile"]) {
        ASSIGN_OR_RETURN(ep.token, ReadFile(Relative(file, user["tokenFile"].as<std::string>()),
                                            "kubeconfig tokenFile"));
      }
      ASSIGN_OR_RETURN(ep.client_cert_pem, DataOrFile(user, "client-certificate", file));
      ASSIGN_OR_RETURN(ep.client_key_pem, DataOrFile(user, "client-key", file));
      if (user["exec"] || user["auth-provider"])
        return FailedPrecondition("kubeconfig \"" + file + "\": user \"" + user_name +
                                  "\" uses an exec/auth-provider plugin, which otter does not run");
    }
    while (!ep.token.empty() && (ep.token.back() == '\n' || ep.token.back() == '\r'))
      ep.token.pop_back();
    return ep;
  } catch (const YAML::Exception& e) {
    return InvalidArgument("kubeconfig \"" + file + "\": " + e.what());
  }
}

StatusOr<ApiEndpoint> FromEnvironment(bool service_account, const ApiConfig& cfg) {
  std::string host = Getenv("KUBERNETES_SERVICE_HOST");
  std::string port = Getenv("KUBERNETES_SERVICE_PORT");
  if (host.empty() || port.empty())
    return FailedPrecondition(
        "unable to load k8s config, KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be "
        "defined");
  ApiEndpoint ep;
  ep.https = service_account;
  RETURN_IF_ERROR(ParseServer(std::string(service_account ? "https://" : "http://") +
                                  (host.find(':') != std::string::npos ? "[" + host + "]" : host) +
                                  ":" + port,
                              &ep));
  if (service_account) {
    ASSIGN_OR_RETURN(ep.token, ReadFile(cfg.service_account_dir + "/token", "service account"));
    ASSIGN_OR_RETURN(ep.ca_pem, ReadFile(cfg.service_account_dir + "/ca.crt", "service account"));
    while (!ep.token.empty() && (ep.token.back() == '\n' || ep.token.back() == '\r'))
      ep.token.pop_back();
  }
  return ep;
}

}  // namespace

bool ParseAuthType(const std::string& s, AuthType* out) {
  if (s == "none") {
    *out = AuthType::kNone;
  } else if (s == "serviceAccount") {
    *out = AuthType::kServiceAccount;
  } else if (s == "kubeConfig") {
    *out = AuthType::kKubeConfig;
  } else {
    return false;
  }
  return true;
}

std::string ApiEndpoint::HostHeader() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  if (port != (https ? 443 : 80)) h += ":" + std::to_string(port);
  return h;
}

std::string ApiEndpoint::Describe() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return (https ? "https://" : "http://") + h + ":" + std::to_string(port);
}

StatusOr<ApiEndpoint> ResolveApiEndpoint(const ApiConfig& config) {
  switch (config.auth_type) {
    case AuthType::kKubeConfig:
      return FromKubeConfig(config);
    case AuthType::kServiceAccount:
      return FromEnvironment(true, config);
    case AuthType::kNone:
      return FromEnvironment(false, config);
  }
  return InvalidArgument("unknown auth_type");
}

}  // namespace otter::k8s
