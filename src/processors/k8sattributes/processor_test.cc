// The k8sattributes processor against a fake Kubernetes API (service-account auth from a
// directory the test writes): batches from a pod's IP get its metadata; wait_for_metadata fails
// start-up when the API refuses the token; a deleted pod keeps enriching for the grace period.
#include "processors/k8sattributes/processor.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "util/fake_kube_api.h"

namespace otter::k8sattributes {
namespace {

using namespace std::chrono_literals;
using otter::testing::FakePod;

class Capture : public TraceConsumer {
 public:
  void Consume(pdata::TraceBatch&& b, Completion done) override {
    batches.push_back(std::move(b));
    done(Status::Ok());
  }
  std::vector<pdata::TraceBatch> batches;
};

pdata::TraceBatch SpanFrom(const std::string& ip) {
  pdata::TraceBatch b;
  pdata::ResourceSpans rs;
  rs.resource.attributes.push_back(
      {b.arenas().Copy("service.name"), pdata::AnyValue::String(b.arenas().Copy("web"))});
  rs.scope_spans.emplace_back().spans.emplace_back().name = b.arenas().Copy("GET /");
  b.resources().push_back(std::move(rs));
  b.set_client_ip(ip);
  return b;
}

std::map<std::string, std::string> Attrs(const pdata::TraceBatch& b) {
  std::map<std::string, std::string> out;
  for (const auto& kv : b.resources()[0].resource.attributes)
    out[std::string(kv.key)] = kv.value.ToString();
  return out;
}

class K8sProcessorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    certs_ = net::testing::MakeTestCerts();
    api_ = std::make_unique<otter::testing::FakeKubeApi>(certs_, "sa-token");
    api_->Start();
    sa_dir_ = certs_.dir + "/serviceaccount";
    std::filesystem::create_directories(sa_dir_);
    std::ofstream(sa_dir_ + "/token") << "sa-token\n";
    std::filesystem::copy_file(certs_.ca_cert, sa_dir_ + "/ca.crt");
    setenv("KUBERNETES_SERVICE_HOST", "127.0.0.1", 1);
    setenv("KUBERNETES_SERVICE_PORT", std::to_string(api_->port()).c_str(), 1);
    FakePod p;
    p.name = "web-6b7c8d9f5-abcde";
    p.ns = "shop";
    p.uid = "uid-web";
    p.ip = "10.4.0.9";
    p.owners = {{"ReplicaSet", {"web-6b7c8d9f5", "rs-web"}}};
    p.containers = {{"app", "ghcr.io/acme/web:3.1", "containerd://cid", 0}};
    pod_ = p;
    api_->SetList("/api/v1/pods", {otter::testing::PodJson(p)}, "40");
    api_->SetList("/apis/apps/v1/replicasets",
                  {otter::testing::ReplicaSetJson("web-6b7c8d9f5", "shop", "rs-web", "web", "d1")},
                  "41");
  }
  void TearDown() override {
    unsetenv("KUBERNETES_SERVICE_HOST");
    unsetenv("KUBERNETES_SERVICE_PORT");
  }
  K8sAttributesConfig Config() {
    K8sAttributesConfig cfg;
    cfg.service_account_dir = sa_dir_;
    cfg.wait_for_metadata = true;
    cfg.wait_for_metadata_timeout = 10s;
    return cfg;
  }

  net::testing::TestCerts certs_;
  std::unique_ptr<otter::testing::FakeKubeApi> api_;
  std::string sa_dir_;
  FakePod pod_;
};

TEST_F(K8sProcessorTest, SpansFromThePodsIpGetItsMetadata) {
  Capture next;
  K8sAttributesProcessor<pdata::TraceBatch> proc(ComponentContext{}, Config(), &next);
  ASSERT_TRUE(proc.Start().ok());
  proc.Consume(SpanFrom("10.4.0.9"), Completion());
  proc.Consume(SpanFrom("10.4.0.10"), Completion());
  ASSERT_EQ(next.batches.size(), 2u);
  EXPECT_EQ(Attrs(next.batches[0]),
            (std::map<std::string, std::string>{{"service.name", "web"},
                                                {"k8s.pod.name", "web-6b7c8d9f5-abcde"},
                                                {"k8s.pod.uid", "uid-web"},
                                                {"k8s.pod.start_time", "2024-05-06T07:08:09Z"},
                                                {"k8s.namespace.name", "shop"},
                                                {"k8s.node.name", "node-1"},
                                                {"k8s.deployment.name", "web"},
                                                {"k8s.container.name", "app"},
                                                {"container.image.name", "ghcr.io/acme/web"},
                                                {"container.image.tag", "3.1"}}));
  EXPECT_EQ(Attrs(next.batches[1]), (std::map<std::string, std::string>{{"service.name", "web"}}));
  // Replica sets are listed before pods; both with the service-account token.
  auto targets = api_->targets();
  ASSERT_GE(targets.size(), 2u);
  EXPECT_EQ(targets[0].rfind("/apis/apps/v1/replicasets?", 0), 0u) << targets[0];
  EXPECT_EQ(api_->unauthorized(), 0);
  // A deleted pod still enriches (pod_delete_grace_period, 120s by default).
  ASSERT_TRUE(api_->WaitForWatch("/api/v1/pods", 10s));
  api_->PushWatch("/api/v1/pods",
                  {otter::testing::WatchLine("DELETED", otter::testing::PodJson(pod_))});
  ASSERT_TRUE(api_->WaitForWatch("/api/v1/pods", 10s));
  proc.Consume(SpanFrom("10.4.0.9"), Completion());
  EXPECT_EQ(Attrs(next.batches[2])["k8s.pod.name"], "web-6b7c8d9f5-abcde");
  proc.Shutdown();
}

TEST_F(K8sProcessorTest, WaitForMetadataFailsStartWhenTheApiRefuses) {
  std::ofstream(sa_dir_ + "/token") << "wrong";
  K8sAttributesConfig cfg = Config();
  cfg.wait_for_metadata_timeout = 300ms;
  Capture next;
  K8sAttributesProcessor<pdata::TraceBatch> proc(ComponentContext{}, cfg, &next);
  Status s = proc.Start();
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("failed to wait for caches to sync"), std::string_view::npos)
      << s.message();
  EXPECT_GE(api_->unauthorized(), 1);
}

TEST_F(K8sProcessorTest, MissingServiceAccountIsAStartError) {
  K8sAttributesConfig cfg = Config();
  cfg.service_account_dir = sa_dir_ + "/absent";
  Capture next;
  K8sAttributesProcessor<pdata::TraceBatch> proc(ComponentContext{}, cfg, &next);
  Status s = proc.Start();
  EXPECT_NE(
      s.message().find("kubernetes service account: cannot read \"" + sa_dir_ + "/absent/token\""),
      std::string_view::npos)
      << s.message();
}

TEST_F(K8sProcessorTest, PassthroughNeedsNoApi) {
  unsetenv("KUBERNETES_SERVICE_HOST");
  K8sAttributesConfig cfg;
  cfg.passthrough = true;
  Capture next;
  K8sAttributesProcessor<pdata::TraceBatch> proc(ComponentContext{}, cfg, &next);
  ASSERT_TRUE(proc.Start().ok());
  proc.Consume(SpanFrom("10.4.0.9"), Completion());
  EXPECT_EQ(Attrs(next.batches[0]), (std::map<std::string, std::string>{
                                        {"service.name", "web"}, {"k8s.pod.ip", "10.4.0.9"}}));
  EXPECT_TRUE(api_->targets().empty());
}

}  // namespace
}  // namespace otter::k8sattributes
