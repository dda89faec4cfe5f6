#include "k8s/watcher.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <fstream>
#include <iterator>
#include <mutex>

#include "util/fake_kube_api.h"

namespace otter::k8s {
namespace {

using otter::testing::FakeKubeApi;
using otter::testing::FakePod;
using otter::testing::PodJson;
using otter::testing::WatchLine;
using namespace std::chrono_literals;

// Records what the watcher delivers as "replace:<names>" / "added:<name>@<ip>" lines.
class RecordingSink : public WatchSink {
 public:
  void Replace(std::vector<KubeObject> objects) override {
    std::string names;
    for (const auto& o : objects) names += (names.empty() ? "" : ",") + o.name;
    Record("replace:" + names);
  }
  void Apply(WatchEvent::Type type, KubeObject o) override {
    const char* t = type == WatchEvent::Type::kAdded      ? "added"
                    : type == WatchEvent::Type::kModified ? "modified"
                                                          : "deleted";
    Record(std::string(t) + ":" + o.name + "@" + o.pod_ip);
  }
  // Waits until `n` records exist; returns them.
  std::vector<std::string> WaitFor(size_t n) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, 10s, [&] { return records_.size() >= n; });
    return records_;
  }

 private:
  void Record(std::string s) {
    std::lock_guard<std::mutex> lock(mu_);
    records_.push_back(std::move(s));
    cv_.notify_all();
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> records_;
};

constexpr const char* kTooOld =
    R"json({"type":"ERROR","object":{"kind":"Status","status":"Failure",)json"
    R"json("message":"too old resource version: 7 (20)","reason":"Expired","code":410}})json";

class WatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    certs_ = net::testing::MakeTestCerts();
    api_ = std::make_unique<FakeKubeApi>(certs_, "sekret");
    api_->Start();
  }
  ApiEndpoint Endpoint(std::string token = "sekret") {
    ApiEndpoint ep;
    ep.https = true;
    ep.host = "127.0.0.1";
    ep.port = static_cast<uint16_t>(api_->port());
    std::ifstream in(certs_.ca_cert);
    ep.ca_pem.assign(std::istreambuf_iterator<char>(in), {});
    ep.token = std::move(token);
    return ep;
  }
  WatchOptions Options() {
    WatchOptions o;
    o.path = "/api/v1/pods";
    o.field_selector = "spec.nodeName=node-1";
    o.min_backoff = 10ms;
    o.max_backoff = 50ms;
    o.request_timeout = 5s;
    return o;
  }
  static FakePod Pod(std::string name, std::string ip, std::string rv) {
    FakePod p;
    p.name = std::move(name);
    p.uid = "uid-" + p.name;
    p.ip = std::move(ip);
    p.resource_version = std::move(rv);
    return p;
  }

  net::testing::TestCerts certs_;
  std::unique_ptr<FakeKubeApi> api_;
};

TEST_F(WatcherTest, ListsThenAppliesWatchEventsInOrder) {
  api_->SetList("/api/v1/pods", {PodJson(Pod("a", "10.0.0.1", "5"))}, "7");
  RecordingSink sink;
  ResourceWatcher w(Endpoint(), Options(), &sink, nullptr);
  ASSERT_TRUE(w.Start().ok());
  ASSERT_TRUE(w.WaitForSync(10s));
  // The watch starts at the list's version.
  EXPECT_EQ(api_->WaitForWatch("/api/v1/pods", 10s), std::optional<std::string>("7"));
  FakePod b = Pod("b", "10.0.0.2", "8");
  FakePod b2 = Pod("b", "10.0.0.3", "9");
  api_->PushWatch(
      "/api/v1/pods",
      {WatchLine("ADDED", PodJson(b)), WatchLine("MODIFIED", PodJson(b2)),
       R"({"type":"BOOKMARK","object":{"kind":"Pod","metadata":{"resourceVersion":"10"}}})"});
  // The next watch resumes after the bookmark.
  EXPECT_EQ(api_->WaitForWatch("/api/v1/pods", 10s), std::optional<std::string>("10"));
  api_->PushWatch("/api/v1/pods", {WatchLine("DELETED", PodJson(Pod("a", "10.0.0.1", "11")))});
  EXPECT_EQ(sink.WaitFor(4),
            (std::vector<std::string>{"replace:a", "added:b@10.0.0.2", "modified:b@10.0.0.3",
                                      "deleted:a@10.0.0.1"}));
  EXPECT_EQ(api_->WaitForWatch("/api/v1/pods", 10s), std::optional<std::string>("11"));
  EXPECT_EQ(api_->lists("/api/v1/pods"), 1);
  // Selectors are sent URL-encoded on the list and on every watch.
  for (const auto& t : api_->targets())
    EXPECT_NE(t.find("fieldSelector=spec.nodeName%3Dnode-1"), std::string::npos) << t;
  w.Stop();
}

TEST_F(WatcherTest, GoneListsAgainFromScratch) {
  api_->SetList("/api/v1/pods", {PodJson(Pod("a", "10.0.0.1", "5"))}, "7");
  RecordingSink sink;
  ResourceWatcher w(Endpoint(), Options(), &sink, nullptr);
  ASSERT_TRUE(w.Start().ok());
  ASSERT_TRUE(w.WaitForSync(10s));
  ASSERT_TRUE(api_->WaitForWatch("/api/v1/pods", 10s));
  // An ERROR event with code 410 in the stream: list again.
  api_->SetList("/api/v1/pods", {PodJson(Pod("c", "10.0.0.4", "20"))}, "21");
  api_->PushWatch("/api/v1/pods", {kTooOld});
  EXPECT_EQ(api_->WaitForWatch("/api/v1/pods", 10s), std::optional<std::string>("21"));
  // An HTTP 410 answer to the watch request: list again.
  api_->SetList("/api/v1/pods", {PodJson(Pod("d", "10.0.0.5", "30"))}, "31");
  api_->PushWatch("/api/v1/pods", {R"({"kind":"Status","code":410})"}, 410);
  EXPECT_EQ(api_->WaitForWatch("/api/v1/pods", 10s), std::optional<std::string>("31"));
  EXPECT_EQ(sink.WaitFor(3), (std::vector<std::string>{"replace:a", "replace:c", "replace:d"}));
  EXPECT_EQ(api_->lists("/api/v1/pods"), 3);
  EXPECT_EQ(w.stats().lists.load(), 3u);
}

TEST_F(WatcherTest, WrongTokenNeverSyncsAndRetries) {
  RecordingSink sink;
  ResourceWatcher w(Endpoint("wrong"), Options(), &sink, nullptr);
  ASSERT_TRUE(w.Start().ok());
  EXPECT_FALSE(w.WaitForSync(300ms));
  w.Stop();
  EXPECT_GE(api_->unauthorized(), 2);  // retried with backoff
  EXPECT_GE(w.stats().failures.load(), 2u);
  EXPECT_EQ(api_->lists("/api/v1/pods"), 0);
}

TEST_F(WatcherTest, UntrustedServerCertificateIsAFailure) {
  RecordingSink sink;
  ApiEndpoint ep = Endpoint();
  std::ifstream in(certs_.foreign_ca_cert);
  ep.ca_pem.assign(std::istreambuf_iterator<char>(in), {});
  ResourceWatcher w(ep, Options(), &sink, nullptr);
  ASSERT_TRUE(w.Start().ok());
  EXPECT_FALSE(w.WaitForSync(300ms));
  w.Stop();
  EXPECT_GE(w.stats().failures.load(), 1u);
  EXPECT_TRUE(api_->targets().empty());
}

TEST(KubeObjects, ParsesPodFields) {
  FakePod p;
  p.name = "web-7d4b9c-x2x";
  p.uid = "u1";
  p.ip = "10.1.2.3";
  p.labels = {{"app", "web"}};
  p.owners = {{"ReplicaSet", {"web-7d4b9c", "rs-uid"}}};
  p.containers = {{"app", "ghcr.io/o/web:1.2", "containerd://abc", 2}};
  StatusOr<KubeObject> o = ParseObject(otter::testing::PodJson(p));
  ASSERT_TRUE(o.ok()) << o.status().message();
  EXPECT_EQ(o->name, "web-7d4b9c-x2x");
  EXPECT_EQ(o->namespace_name, "default");
  EXPECT_EQ(o->pod_ip, "10.1.2.3");
  EXPECT_EQ(o->node_name, "node-1");
  EXPECT_EQ(o->creation_timestamp, "2024-05-06T07:08:09Z");
  EXPECT_EQ(o->labels.at("app"), "web");
  ASSERT_NE(o->Owner("ReplicaSet"), nullptr);
  EXPECT_EQ(o->Owner("ReplicaSet")->uid, "rs-uid");
  ASSERT_EQ(o->container_statuses.size(), 1u);
  EXPECT_EQ(o->container_statuses[0].container_id, "containerd://abc");
  EXPECT_EQ(o->container_statuses[0].restart_count, 2);
  EXPECT_EQ(o->containers[0].image, "ghcr.io/o/web:1.2");
  EXPECT_FALSE(ParseWatchEvent(R"({"type":"ADDED"})").ok());
  EXPECT_FALSE(ParseWatchEvent(R"({"type":"WHAT","object":{}})").ok());
  EXPECT_FALSE(ParseList("[1]").ok());
}

}  // namespace
}  // namespace otter::k8s
