// PersistentQueue on its own: what a reopen hands back after commits, segment rotation, a torn
// tail, CRC damage, power loss (the fault-injecting Env dropping unsynced bytes) and a full
// disk, and group commit.
#include "exporters/exporterhelper/persistent_queue.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <set>

#include "store/wal.h"
#include "util/fault_env.h"
#include "util/harness.h"

namespace otter::exporterhelper {
namespace {

namespace fs = std::filesystem;
using otter::testing::FaultEnv;
using otter::testing::TempDir;

class Waiter final : public PersistentQueue::PendingWrite {
 public:
  Waiter(std::string body, uint32_t items, std::promise<std::pair<Status, uint64_t>>* p) : p_(p) {
    record = PersistentQueue::NewRecord(items);
    record += body;
  }
  void Done(Status s, uint64_t id) override { p_->set_value({std::move(s), id}); }

 private:
  std::promise<std::pair<Status, uint64_t>>* p_;
};

std::shared_ptr<spdlog::logger> Quiet() {
  return std::make_shared<spdlog::logger>("pq", std::make_shared<spdlog::sinks::null_sink_mt>());
}

PersistentQueue::Options Opts(const std::string& dir, store::Env* env = nullptr,
                              bool fsync = false) {
  PersistentQueue::Options o;
  o.dir = dir;
  o.env = env;
  o.fsync = fsync;
  o.logger = Quiet();
  o.commit_delay = std::chrono::milliseconds(0);
  return o;
}

// Writes one request and waits for its answer.
std::pair<Status, uint64_t> Put(PersistentQueue& q, const std::string& body, uint32_t items = 1) {
  std::promise<std::pair<Status, uint64_t>> p;
  auto f = p.get_future();
  q.Write(std::make_unique<Waiter>(body, items, &p));
  return f.get();
}

std::string Body(int n) { return "request-" + std::to_string(n) + std::string(40, 'x'); }

// body -> items of what a reopen hands back.
std::map<std::string, uint32_t> Reopen(const PersistentQueue::Options& o,
                                       PersistentQueue::Stats* st = nullptr) {
  std::vector<PersistentQueue::Stored> pending;
  auto q = PersistentQueue::Open(o, &pending, st);
  EXPECT_TRUE(q.ok()) << q.status().ToString();
  std::map<std::string, uint32_t> out;
  for (auto& s : pending) out[s.body] = s.items;
  return out;
}

size_t Segments(const std::string& dir) {
  auto l = store::ListWalSegments(dir);
  return l.ok() ? l->size() : 0;
}

TEST(PersistentQueue, ReopenReturnsTheUncommittedRequestsInOrder) {
  TempDir t;
  auto o = Opts(t.path() + "/q");
  std::vector<PersistentQueue::Stored> pending;
  {
    auto q = PersistentQueue::Open(o, &pending);
    ASSERT_TRUE(q.ok()) << q.status().ToString();
    EXPECT_TRUE(pending.empty());
    std::vector<uint64_t> ids;
    for (int i = 0; i < 5; ++i) {
      auto [s, id] = Put(**q, Body(i), 10 + i);
      ASSERT_TRUE(s.ok()) << s.ToString();
      ids.push_back(id);
    }
    (*q)->Commit(ids[0]);
    (*q)->Commit(ids[3]);
  }
  auto q = PersistentQueue::Open(o, &pending);
  ASSERT_TRUE(q.ok());
  ASSERT_EQ(pending.size(), 3u);
  EXPECT_EQ(pending[0].body, Body(1));
  EXPECT_EQ(pending[0].items, 11u);
  EXPECT_EQ(pending[1].body, Body(2));
  EXPECT_EQ(pending[2].body, Body(4));
  EXPECT_EQ(pending[2].items, 14u);
  // New ids continue after the old ones: a commit never hits a resumed request by mistake.
  auto [s, id] = Put(**q, "next");
  EXPECT_GT(id, pending[2].id);
}

TEST(PersistentQueue, SegmentsRotateAndGoOnceEverythingInThemIsCommitted) {
  TempDir t;
  auto o = Opts(t.path() + "/q");
  o.segment_bytes = 300;  // about four requests per segment
  std::vector<PersistentQueue::Stored> pending;
  auto q = PersistentQueue::Open(o, &pending);
  ASSERT_TRUE(q.ok());
  std::vector<uint64_t> ids;
  for (int i = 0; i < 40; ++i) ids.push_back(Put(**q, Body(i)).second);
  EXPECT_GE(Segments(o.dir), 8u);
  // The oldest request holds every later segment: nothing can go yet.
  for (size_t i = 1; i < ids.size(); ++i) (*q)->Commit(ids[i]);
  Put(**q, "flush");  // commits ride with a write
  EXPECT_GE(Segments(o.dir), 8u);
  (*q)->Commit(ids[0]);
  Put(**q, "flush2");
  EXPECT_LE(Segments(o.dir), 2u);
  q->reset();
  auto left = Reopen(o);
  EXPECT_EQ(left, (std::map<std::string, uint32_t>{{"flush", 1}, {"flush2", 1}}));
}

// Writes `n` requests into a fresh queue in o.dir; the path of its (only) segment.
std::string QueueWith(const PersistentQueue::Options& o, int n) {
  {
    std::vector<PersistentQueue::Stored> pending;
    auto q = PersistentQueue::Open(o, &pending);
    for (int i = 0; i < n; ++i) EXPECT_TRUE(Put(**q, Body(i)).first.ok());
  }
  auto segs = store::ListWalSegments(o.dir);
  EXPECT_TRUE(segs.ok() && segs->size() == 1u);
  return o.dir + "/" + fmt::format("{:016d}.wal", segs.ok() ? segs->front() : 0);
}

TEST(PersistentQueue, TornTailIsCutOffAndTheRestSurvives) {
  TempDir t;
  auto o = Opts(t.path() + "/q");
  // A crash in the middle of appending the fifth request: its header and half its body.
  const std::string path = QueueWith(o, 4);
  std::string whole;
  {
    std::ifstream in(path, std::ios::binary);
    whole.assign(std::istreambuf_iterator<char>(in), {});
  }
  const size_t record = store::Wal::kHeaderSize + PersistentQueue::kRequestHeader + Body(0).size();
  {
    std::ofstream out(path, std::ios::binary | std::ios::app);
    out << whole.substr(whole.size() - record, record / 2);
  }
  PersistentQueue::Stats st;
  auto left = Reopen(o, &st);
  EXPECT_EQ(left.size(), 4u);
  EXPECT_EQ(st.replay.truncated_bytes, record / 2);
  EXPECT_EQ(fs::file_size(path), whole.size());
}

TEST(PersistentQueue, CrcDamageLosesOnlyTheDamagedRequest) {
  TempDir t;
  auto o = Opts(t.path() + "/q");
  const std::string path = QueueWith(o, 5);
  std::fstream f(path, std::ios::binary | std::ios::in | std::ios::out);
  std::string data((std::istreambuf_iterator<char>(f)), {});
  size_t at = data.find(Body(2));
  ASSERT_NE(at, std::string::npos);
  f.seekp(static_cast<std::streamoff>(at + 3));
  f.put('#');
  f.close();
  PersistentQueue::Stats st;
  auto left = Reopen(o, &st);
  EXPECT_EQ(left.size(), 4u);
  EXPECT_EQ(left.count(Body(2)), 0u);
  EXPECT_EQ(left.count(Body(3)), 1u);
  EXPECT_EQ(st.replay.corrupt_regions, 1u);
}

// Power loss at a random operation, many times: with fsync every request answered OK is there
// after the reboot; opening never fails.
TEST(PersistentQueue, PowerLossKeepsEveryAcknowledgedRequestWithFsync) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    TempDir t;
    FaultEnv env(seed);
    auto o = Opts(t.path() + "/q", &env, /*fsync=*/true);
    o.segment_bytes = 400;
    std::set<std::string> acked;
    {
      std::vector<PersistentQueue::Stored> pending;
      auto q = PersistentQueue::Open(o, &pending);
      ASSERT_TRUE(q.ok());
      env.InjectAt(5 + seed * 3, FaultEnv::Fault::kPowerLoss);
      std::vector<uint64_t> ids;
      for (int i = 0; i < 40; ++i) {
        auto [s, id] = Put(**q, Body(i));
        if (s.ok() && i % 3 == 0) {
          (*q)->Commit(id);  // sent: may or may not come back
        } else if (s.ok()) {
          acked.insert(Body(i));
        } else {
          EXPECT_TRUE(s.retryable()) << s.ToString();
        }
      }
    }
    ASSERT_TRUE(env.power_lost()) << "seed " << seed;
    env.PowerLoss(/*torn=*/true);
    auto left = Reopen(o);
    for (const auto& b : acked) EXPECT_EQ(left.count(b), 1u) << "seed " << seed << " lost " << b;
  }
}

// Without fsync the same power loss may drop acknowledged requests: the guarantee is kill -9.
TEST(PersistentQueue, WithoutFsyncAPowerLossDropsUnsyncedRequests) {
  TempDir t;
  FaultEnv env(7);
  auto o = Opts(t.path() + "/q", &env, /*fsync=*/false);
  {
    std::vector<PersistentQueue::Stored> pending;
    auto q = PersistentQueue::Open(o, &pending);
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(Put(**q, Body(i)).first.ok());
  }
  env.PowerLoss(/*torn=*/false);
  EXPECT_TRUE(Reopen(o).empty());
}

TEST(PersistentQueue, FullDiskRefusesRetryablyAndNeverCorrupts) {
  TempDir t;
  FaultEnv env(3);
  auto o = Opts(t.path() + "/q", &env, /*fsync=*/true);
  std::set<std::string> acked;
  {
    std::vector<PersistentQueue::Stored> pending;
    auto q = PersistentQueue::Open(o, &pending);
    for (int i = 0; i < 3; ++i) {
      ASSERT_TRUE(Put(**q, Body(i)).first.ok());
      acked.insert(Body(i));
    }
    env.SetDiskFull(true);
    for (int i = 3; i < 6; ++i) {
      auto [s, id] = Put(**q, Body(i));
      EXPECT_FALSE(s.ok());
      EXPECT_TRUE(s.retryable()) << s.ToString();
      EXPECT_NE(s.message().find("persistent queue"), std::string::npos) << s.ToString();
    }
    env.SetDiskFull(false);
    for (int i = 6; i < 9; ++i) {
      auto [s, id] = Put(**q, Body(i));
      ASSERT_TRUE(s.ok()) << s.ToString();
      acked.insert(Body(i));
    }
  }
  auto left = Reopen(o);
  std::set<std::string> got;
  for (auto& [b, n] : left) got.insert(b);
  EXPECT_EQ(got, acked);  // exactly: refused requests are sealed out, nothing is damaged
}

TEST(PersistentQueue, ConcurrentWritersShareGroupCommits) {
  TempDir t;
  auto o = Opts(t.path() + "/q", nullptr, /*fsync=*/true);
  std::vector<PersistentQueue::Stored> pending;
  auto q = PersistentQueue::Open(o, &pending);
  ASSERT_TRUE(q.ok());
  constexpr int kThreads = 8, kEach = 50;
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i)
        if (Put(**q, Body(t * 1000 + i)).first.ok()) ++ok;
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), kThreads * kEach);
  EXPECT_LT((*q)->groups_written(), static_cast<uint64_t>(kThreads * kEach));
  q->reset();
  EXPECT_EQ(Reopen(o).size(), static_cast<size_t>(kThreads * kEach));
}

TEST(PersistentQueue, SecondOpenOfTheSameDirectoryWaitsForTheLockThenFails) {
  TempDir t;
  auto o = Opts(t.path() + "/q");
  o.lock_timeout = std::chrono::milliseconds(50);
  std::vector<PersistentQueue::Stored> pending;
  auto first = PersistentQueue::Open(o, &pending);
  ASSERT_TRUE(first.ok());
  auto second = PersistentQueue::Open(o, &pending);
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.status().message().find("in use by another process"), std::string::npos);
}

}  // namespace
}  // namespace otter::exporterhelper
