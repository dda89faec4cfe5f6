// SendingQueue with sending_queue.storage (a file_storage extension): the key's errors, what a
// restart resumes (with another num_consumers), queue-full refusals counted, shutdown keeping
// instead of dropping, and an exporter whose requests cannot be stored.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>

#include "component/storage.h"
#include "exporters/exporterhelper/queued_retry_sender.h"
#include "exporters/exporterhelper/testing.h"
#include "extensions/file_storage/extension.h"
#include "util/fault_env.h"
#include "util/harness.h"

namespace otter::exporterhelper {
namespace {

using namespace std::chrono_literals;
using pdata::TraceBatch;
using testing::Answer;
using testing::TestContext;

// A batch of `n` spans whose names say which request they belong to.
TraceBatch Named(const std::string& name, size_t n) {
  TraceBatch b;
  auto& rs = b.resources().emplace_back();
  auto& ss = rs.scope_spans.emplace_back();
  for (size_t i = 0; i < n; ++i) {
    auto& s = ss.spans.emplace_back();
    s.trace_id.bytes.fill(1);
    s.span_id.bytes.fill(static_cast<uint8_t>(i + 1));
    s.name = b.arenas().Copy(name);
  }
  return b;
}

class Host final : public ExtensionHost {
 public:
  Extension* FindExtension(const ComponentId& id) const override {
    return id.ToString() == "file_storage/q" ? ext : nullptr;
  }
  Extension* ext = nullptr;
};

// What reached the backend: request name -> times.
class Backend {
 public:
  Status Send(const TraceBatch& b) {
    if (down.load()) return Unavailable("backend down");
    std::lock_guard l(mu_);
    ++got_[std::string(b.resources()[0].scope_spans[0].spans[0].name)];
    return Status::Ok();
  }
  std::map<std::string, int> got() {
    std::lock_guard l(mu_);
    return got_;
  }
  std::atomic<bool> down{false};

 private:
  std::mutex mu_;
  std::map<std::string, int> got_;
};

class SendingQueueStorageTest : public ::testing::Test {
 protected:
  SendingQueueStorageTest() {
    file_storage::FileStorageConfig cfg;
    cfg.directory = dir_.path();
    ComponentContext ec;
    ec.id = {"file_storage", "q"};
    ec.kind = ComponentKind::kExtension;
    ext_ = std::make_unique<file_storage::FileStorageExtension>(ec, cfg);
    EXPECT_TRUE(ext_->Start().ok());
    host_.ext = ext_.get();
    settings_.queue.storage = "file_storage/q";
    settings_.retry.initial_interval = 10ms;
    settings_.retry.max_interval = 10ms;
    settings_.retry.max_elapsed_time = 0s;  // retry until shutdown
  }

  std::unique_ptr<QueuedRetrySender<TraceBatch>> Sender(TestContext& tc, Backend& backend,
                                                        store::Env* env = nullptr) {
    ComponentContext ctx = tc.ctx();
    ctx.host = &host_;
    SenderOptions o;
    o.drain_timeout = 200ms;
    o.storage_env = env;
    return std::make_unique<QueuedRetrySender<TraceBatch>>(
        ctx, settings_, [&backend](const TraceBatch& b, const Attempt&) { return backend.Send(b); },
        o);
  }

  otter::testing::TempDir dir_;
  std::unique_ptr<file_storage::FileStorageExtension> ext_;
  Host host_;
  SenderSettings settings_;
};

TEST_F(SendingQueueStorageTest, MissingOrWrongExtensionIsAnErrorNamingTheKey) {
  TestContext tc({"otlp", "a"});
  Backend backend;
  settings_.queue.storage = "file_storage/missing";
  Status s = Sender(tc, backend)->Start();
  EXPECT_EQ(s.message(),
            "sending_queue.storage: extension \"file_storage/missing\" not found (configure it "
            "under extensions and list it in service.extensions)");
}

TEST_F(SendingQueueStorageTest, RequestsThatCannotBeStoredAreAConfigError) {
  TestContext tc({"elasticsearch", "a"});
  ComponentContext ctx = tc.ctx();
  ctx.host = &host_;
  SendingQueue raw(ctx, Signal::kLogs, settings_, {});  // no decoder: bulk requests
  EXPECT_EQ(raw.Start().message(),
            "sending_queue.storage: the elasticsearch exporter cannot keep its queue on disk");
}

TEST_F(SendingQueueStorageTest, RestartWithOtherNumConsumersSendsEveryStoredRequestOnce) {
  Backend backend;
  backend.down = true;
  settings_.queue.num_consumers = 2;
  {
    TestContext tc({"otlp", "a"});
    auto sender = Sender(tc, backend);
    ASSERT_TRUE(sender->Start().ok());
    for (int i = 0; i < 20; ++i) {
      Answer a;
      sender->Consume(Named("r" + std::to_string(i), 3), a.done());
      ASSERT_TRUE(a.get().ok());  // answered once on disk
    }
    sender->Shutdown();
    EXPECT_EQ(tc.Counter("send_failed", "spans"), 0);  // kept, not failed
    EXPECT_EQ(tc.Counter("sent", "spans"), 0);
    EXPECT_EQ(tc.CountInLog("kept 60 spans in the persistent queue for the next start"), 1)
        << tc.log();
    EXPECT_EQ(tc.CountInLog("dropped"), 0) << tc.log();
  }
  backend.down = false;
  settings_.queue.num_consumers = 5;
  TestContext tc({"otlp", "a"});
  auto sender = Sender(tc, backend);
  ASSERT_TRUE(sender->Start().ok());
  ASSERT_TRUE(otter::testing::Eventually([&] { return backend.got().size() == 20; }));
  sender->Shutdown();
  for (const auto& [name, times] : backend.got()) EXPECT_EQ(times, 1) << name;
  EXPECT_EQ(tc.Counter("sent", "spans"), 60);
  EXPECT_EQ(tc.CountInLog("resuming 20 requests (60 spans) left by the last run"), 1) << tc.log();

  // Everything was committed: a third start has nothing to resend.
  TestContext tc3({"otlp", "a"});
  auto third = Sender(tc3, backend);
  ASSERT_TRUE(third->Start().ok());
  third->Shutdown();
  EXPECT_EQ(tc3.Counter("sent", "spans"), 0);
  EXPECT_EQ(backend.got().size(), 20u);
}

TEST_F(SendingQueueStorageTest, RequestMetadataSurvivesARestart) {
  Backend backend;
  backend.down = true;
  {
    TestContext tc({"otlp", "a"});
    auto sender = Sender(tc, backend);
    ASSERT_TRUE(sender->Start().ok());
    TraceBatch b = Named("r", 2);
    b.AddMetadata("X-Scope-OrgID", "tenant-a");
    b.AddMetadata("x-scope-orgid", "");
    Answer a;
    sender->Consume(std::move(b), a.done());
    ASSERT_TRUE(a.get().ok());
    sender->Shutdown();
  }
  std::mutex mu;
  std::vector<std::string> seen;
  TestContext tc({"otlp", "a"});
  ComponentContext ctx = tc.ctx();
  ctx.host = &host_;
  SenderOptions o;
  o.drain_timeout = 200ms;
  QueuedRetrySender<TraceBatch> sender(
      ctx, settings_,
      [&](const TraceBatch& b, const Attempt&) {
        std::string s;
        for (const auto& e : b.metadata().entries())
          s += std::string(e.key) + "=" + std::string(e.value) + ";";
        std::lock_guard l(mu);
        seen.push_back(s + "|" + std::to_string(b.ItemCount()));
        return Status::Ok();
      },
      o);
  ASSERT_TRUE(sender.Start().ok());
  ASSERT_TRUE(otter::testing::Eventually([&] {
    std::lock_guard l(mu);
    return !seen.empty();
  }));
  sender.Shutdown();
  EXPECT_EQ(seen, std::vector<std::string>{"x-scope-orgid=tenant-a;x-scope-orgid=;|2"});
}

TEST_F(SendingQueueStorageTest, FullQueueRefusesRetryablyAndCountsEnqueueFailed) {
  Backend backend;
  backend.down = true;
  settings_.queue.queue_size = 4;
  settings_.queue.num_consumers = 1;
  TestContext tc({"otlp", "a"});
  auto sender = Sender(tc, backend);
  ASSERT_TRUE(sender->Start().ok());
  int ok = 0, refused = 0;
  // One request is being retried by the single consumer (out of the queue), four wait.
  for (int i = 0; i < 8; ++i) {
    Answer a;
    sender->Consume(Named("r" + std::to_string(i), 2), a.done());
    Status s = a.get();
    if (s.ok()) {
      ++ok;
    } else {
      EXPECT_TRUE(s.retryable()) << s.ToString();
      EXPECT_EQ(s.message(), "sending queue is full");
      ++refused;
    }
    if (i == 0) {
      ASSERT_TRUE(otter::testing::Eventually([&] { return sender->queued_requests() == 0; }));
    }
  }
  EXPECT_EQ(ok, 5);
  EXPECT_EQ(refused, 3);
  EXPECT_EQ(tc.Counter("enqueue_failed", "spans"), 6);
  backend.down = false;
  ASSERT_TRUE(otter::testing::Eventually([&] { return backend.got().size() == 5; }));
  sender->Shutdown();
  EXPECT_EQ(tc.Counter("sent", "spans"), 10);
}

TEST_F(SendingQueueStorageTest, FullDiskRefusesRetryablyCountsAndResumesWhenThereIsSpace) {
  otter::testing::FaultEnv env(11);
  Backend backend;
  backend.down = true;
  auto offer = [](QueuedRetrySender<TraceBatch>& sender, const std::string& name) {
    Answer a;
    sender.Consume(Named(name, 2), a.done());
    return a.get();
  };
  {
    TestContext tc({"otlp", "a"});
    auto sender = Sender(tc, backend, &env);
    ASSERT_TRUE(sender->Start().ok());
    ASSERT_TRUE(offer(*sender, "before").ok());
    env.SetDiskFull(true);
    for (int i = 0; i < 3; ++i) {
      Status s = offer(*sender, "refused");
      EXPECT_TRUE(s.retryable()) << s.ToString();
      EXPECT_NE(s.message().find("cannot store the request"), std::string::npos) << s.ToString();
    }
    EXPECT_EQ(tc.Counter("enqueue_failed", "spans"), 6);
    env.SetDiskFull(false);
    ASSERT_TRUE(offer(*sender, "after").ok());
    sender->Shutdown();
  }
  backend.down = false;
  TestContext tc({"otlp", "a"});
  auto sender = Sender(tc, backend, &env);
  ASSERT_TRUE(sender->Start().ok());
  ASSERT_TRUE(otter::testing::Eventually([&] { return backend.got().size() == 2; }));
  sender->Shutdown();
  EXPECT_EQ(backend.got(), (std::map<std::string, int>{{"after", 1}, {"before", 1}}));
}

TEST_F(SendingQueueStorageTest, DisabledQueueSendsDirectlyAndStoresNothing) {
  Backend backend;
  settings_.queue.enabled = false;
  TestContext tc({"otlp", "a"});
  auto sender = Sender(tc, backend);
  ASSERT_TRUE(sender->Start().ok());
  Answer a;
  sender->Consume(Named("direct", 1), a.done());
  ASSERT_TRUE(a.get().ok());
  EXPECT_EQ(backend.got().count("direct"), 1u);
  sender->Shutdown();
  EXPECT_TRUE(std::filesystem::is_empty(dir_.path()));
}

TEST_F(SendingQueueStorageTest, WaitForResultAnswersAfterTheSend) {
  Backend backend;
  settings_.queue.wait_for_result = true;
  TestContext tc({"otlp", "a"});
  auto sender = Sender(tc, backend);
  ASSERT_TRUE(sender->Start().ok());
  Answer a;
  sender->Consume(Named("w", 1), a.done());
  ASSERT_TRUE(a.get().ok());
  EXPECT_EQ(backend.got().count("w"), 1u);
  sender->Shutdown();
}

}  // namespace
}  // namespace otter::exporterhelper
