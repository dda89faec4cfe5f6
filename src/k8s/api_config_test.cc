#include "k8s/api_config.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

namespace otter::k8s {
namespace {

class KubeConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        std::filesystem::temp_directory_path() / ("otter-kubeconfig-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    std::ofstream(dir_ / "ca.pem") << "CA-PEM";
  }
  void TearDown() override {
    unsetenv("KUBECONFIG");
    std::filesystem::remove_all(dir_);
  }
  void Write(const std::string& text) {
    std::ofstream(dir_ / "config") << text;
    setenv("KUBECONFIG", (dir_ / "config").c_str(), 1);
  }
  std::filesystem::path dir_;
};

TEST_F(KubeConfigTest, CurrentContextsClusterAndUser) {
  // "Q0xJRU5U" = base64("CLIENT"), "S0VZ" = base64("KEY").
  Write(R"(apiVersion: v1
current-context: b
clusters:
- {name: c1, cluster: {server: "https://10.0.0.1:6443", certificate-authority: ca.pem}}
- {name: c2, cluster: {server: "https://[fd00::1]", insecure-skip-tls-verify: true}}
users:
- {name: u1, user: {token: "tok1"}}
- {name: u2, user: {client-certificate-data: Q0xJRU5U, client-key-data: S0VZ}}
contexts:
- {name: a, context: {cluster: c1, user: u1}}
- {name: b, context: {cluster: c2, user: u2}}
)");
  ApiConfig cfg;
  cfg.auth_type = AuthType::kKubeConfig;
  StatusOr<ApiEndpoint> ep = ResolveApiEndpoint(cfg);
  ASSERT_TRUE(ep.ok()) << ep.status().message();
  EXPECT_EQ(ep->host, "fd00::1");
  EXPECT_EQ(ep->port, 443);
  EXPECT_TRUE(ep->insecure_skip_verify);
  EXPECT_EQ(ep->client_cert_pem, "CLIENT");
  EXPECT_EQ(ep->client_key_pem, "KEY");
  EXPECT_EQ(ep->Describe(), "https://[fd00::1]:443");
  cfg.context = "a";
  ep = ResolveApiEndpoint(cfg);
  ASSERT_TRUE(ep.ok()) << ep.status().message();
  EXPECT_EQ(ep->host, "10.0.0.1");
  EXPECT_EQ(ep->port, 6443);
  EXPECT_EQ(ep->ca_pem, "CA-PEM");  // relative to the kubeconfig's directory
  EXPECT_EQ(ep->token, "tok1");
  EXPECT_EQ(ep->HostHeader(), "10.0.0.1:6443");
  cfg.context = "nope";
  EXPECT_NE(ResolveApiEndpoint(cfg).status().message().find("no context \"nope\""),
            std::string_view::npos);
}

TEST_F(KubeConfigTest, ExecPluginsAreRefused) {
  Write(R"(current-context: a
clusters: [{name: c, cluster: {server: "https://k:6443"}}]
users: [{name: u, user: {exec: {command: aws}}}]
contexts: [{name: a, context: {cluster: c, user: u}}]
)");
  ApiConfig cfg;
  cfg.auth_type = AuthType::kKubeConfig;
  EXPECT_NE(ResolveApiEndpoint(cfg).status().message().find("exec/auth-provider plugin"),
            std::string_view::npos);
}

TEST(ServiceAccount, NeedsTheEnvironment) {
  unsetenv("KUBERNETES_SERVICE_HOST");
  ApiConfig cfg;
  EXPECT_EQ(ResolveApiEndpoint(cfg).status().message(),
            "unable to load k8s config, KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must "
            "be defined");
  AuthType t;
  EXPECT_TRUE(ParseAuthType("kubeConfig", &t));
  EXPECT_EQ(t, AuthType::kKubeConfig);
  EXPECT_FALSE(ParseAuthType("tls", &t));
}

}  // namespace
}  // namespace otter::k8s
