// The store under injected file-system faults: thousands of seeded fault schedules (failed and
// short writes, failed fsyncs whose data is kept, failed renames and directory syncs, power
// loss at any point of a commit or a flush), each checked after a reopen: every acknowledged
// span is there exactly once, no refused one is, and opening never fails.
// OTTER_FAULT_SCHEDULES sets how many schedules run (CI runs a short slice); OTTER_FAULT_SEED
// reruns one schedule.
#include <gtest/gtest.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>

#include "store/store.h"
#include "store/store_testing.h"
#include "util/fault_env.h"
#include "util/harness.h"

namespace otter::store {
namespace {

using testing::FaultEnv;

pdata::TraceId ItemId(uint64_t seed, uint64_t item) {
  pdata::TraceId id;
  for (int i = 0; i < 8; ++i) {
    id.bytes[i] = static_cast<uint8_t>(seed >> (8 * i));
    id.bytes[8 + i] = static_cast<uint8_t>(item >> (8 * i));
  }
  id.bytes[15] |= 1;  // never all zero
  return id;
}

pdata::TraceBatch OneSpan(const pdata::TraceId& id, uint64_t item) {
  pdata::TraceBatch b;
  auto& rs = b.resources().emplace_back();
  rs.resource.attributes.push_back({"service.name", pdata::AnyValue::String("faulty")});
  auto& s = rs.scope_spans.emplace_back().spans.emplace_back();
  s.trace_id = id;
  s.span_id.bytes.fill(7);
  s.name = "op";
  s.start_time_unix_nano = 1'700'000'000'000'000'000ull + item * 1000;
  s.end_time_unix_nano = s.start_time_unix_nano + 500;
  return b;
}

// With `checkpoints`, the trace head is checkpointed every few writes (by the writer thread, so
// that a schedule replays alike) and flushes are rarer, so that chains of checkpoint files are
// cut by the faults.
StoreOptions Options(const std::string& dir, Env* env, bool checkpoints) {
  StoreOptions o;
  o.checkpoint_bytes = checkpoints ? 300 : 0;
  o.checkpoint_in_background = false;
  o.directory = dir;
  o.env = env;
  o.retention = std::chrono::milliseconds(0);
  o.compact_in_background = false;  // flushes happen when the schedule says, so it replays alike
  o.wal_segment_bytes = 4096;       // segments rotate inside the schedule too
  o.unsealed_wait = std::chrono::milliseconds(20);
  return o;
}

// OTTER_FAULT_VERBOSE=1: the store logs to stderr and the faults are printed (to debug a seed).
bool Verbose() { return std::getenv("OTTER_FAULT_VERBOSE") != nullptr; }

std::shared_ptr<spdlog::logger> Logger() {
  if (!Verbose()) return testing::NullLogger();
  return std::make_shared<spdlog::logger>("store",
                                          std::make_shared<spdlog::sinks::stderr_sink_mt>());
}

struct Outcome {
  uint64_t acked = 0, refused = 0, unknown = 0, ops = 0;
  uint64_t checkpoint_files = 0;  // left for the reopen to load
};

// One schedule: `items` spans written one at a time (a refused one is retried up to three times,
// as a client would), a flush every few items, one to three faults at random operations (none
// when `ops_hint` is 0); then close, power loss, reopen and check.
Outcome RunSchedule(const std::string& dir, uint64_t seed, uint64_t ops_hint,
                    bool checkpoints = false) {
  std::mt19937_64 rng(seed);
  FaultEnv env(seed);
  const int items = 24;
  const FaultEnv::Fault kinds[] = {FaultEnv::Fault::kError, FaultEnv::Fault::kShortWrite,
                                   FaultEnv::Fault::kSyncKept, FaultEnv::Fault::kPowerLoss};
  bool torn = rng() % 2, power_loss = false;
  // Answers per item: acknowledged; "outcome unknown" (DEADLINE_EXCEEDED: the commit failed and
  // the disk did not let the store mark it failed, so it may be stored, and a retry may store it
  // twice).
  std::vector<bool> acked(items + 1), unknown(items + 1);
  Outcome out;
  {
    auto store = Store::Open(Options(dir, &env, checkpoints), Logger(), nullptr);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    if (!store.ok()) return out;
    uint64_t base = env.ops();
    for (uint64_t n = ops_hint ? 1 + rng() % 3 : 0; n > 0; --n) {
      auto fault = kinds[rng() % std::size(kinds)];
      power_loss |= fault == FaultEnv::Fault::kPowerLoss;
      uint64_t at = rng() % ops_hint;
      if (Verbose())
        std::fprintf(stderr, "fault %d at op %llu\n", static_cast<int>(fault),
                     static_cast<unsigned long long>(at));
      env.InjectAt(at, fault);
    }
    auto write = [&](int i, int attempts) {
      for (int attempt = 0; attempt < attempts && !acked[i]; ++attempt) {
        Status st = testing::WriteSync(**store, OneSpan(ItemId(seed, i), i));
        acked[i] = st.ok();
        if (st.code() == StatusCode::kDeadlineExceeded) unknown[i] = true;
        EXPECT_TRUE(st.ok() || st.retryable()) << st.ToString();
      }
    };
    for (int i = 0; i < items; ++i) {
      write(i, 3);
      if (i % (checkpoints ? 13 : 7) == 6) (void)(*store)->FlushForTesting();
    }
    out.ops = env.ops() - base;
    // A few faults are not a dead disk: the store recovers by itself.
    write(items, power_loss ? 1 : 5);
    EXPECT_TRUE(power_loss || acked[items]) << "the store did not recover from the faults";
  }
  env.PowerLoss(torn);
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir + "/checkpoint", ec))
    out.checkpoint_files += e.path().extension() == ".ckpt";
  auto store = Store::Open(Options(dir, &env, checkpoints), Logger(), nullptr);
  EXPECT_TRUE(store.ok()) << "reopen failed: " << store.status().ToString();
  if (!store.ok()) return out;
  for (int i = 0; i <= items; ++i) {
    auto trace = (*store)->traces().GetTrace(ItemId(seed, i));
    size_t spans = trace.ok() ? trace->ItemCount() : 0;
    if (acked[i]) {
      ++out.acked;
      EXPECT_GE(spans, 1u) << "acknowledged item " << i << " was lost";
      EXPECT_LE(spans, unknown[i] ? 2u : 1u) << "item " << i << " was stored twice";
    } else {
      ++out.refused;
      EXPECT_LE(spans, unknown[i] ? 1u : 0u) << "refused item " << i << " was stored";
    }
    out.unknown += unknown[i];
  }
  return out;
}

uint64_t EnvOr(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::strtoull(v, nullptr, 10) : fallback;
}

void RunSchedules(bool checkpoints) {
  testing::TempDir tmp;
  // A run without faults gives the length of the workload in file-system operations.
  Outcome clean = RunSchedule(tmp.path() + "/clean", 1, 0, checkpoints);
  if (checkpoints) {
    ASSERT_GT(clean.checkpoint_files, 0u);
  }
  ASSERT_EQ(clean.acked, 25u);
  ASSERT_GT(clean.ops, 50u);
  uint64_t schedules = EnvOr("OTTER_FAULT_SCHEDULES", 200);
  uint64_t only = EnvOr("OTTER_FAULT_SEED", 0);
  auto started = std::chrono::steady_clock::now();
  uint64_t acked = 0, refused = 0, unknown = 0, checkpoint_files = 0;
  for (uint64_t seed = only ? only : 1000; seed < (only ? only + 1 : 1000 + schedules); ++seed) {
    std::string dir = tmp.path() + "/s" + std::to_string(seed);
    Outcome o = RunSchedule(dir, seed, clean.ops + 10, checkpoints);
    checkpoint_files += o.checkpoint_files;
    acked += o.acked;
    refused += o.refused;
    unknown += o.unknown;
    std::filesystem::remove_all(dir);
    if (::testing::Test::HasFailure()) {
      ADD_FAILURE() << "fault schedule failed; rerun it with OTTER_FAULT_SEED=" << seed;
      break;
    }
  }
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                  started)
                .count();
  std::printf(
      "fault schedules%s: %llu in %lld ms; %llu spans acknowledged, %llu refused, %llu answered "
      "\"outcome unknown\"; %llu checkpoint files met a reopen\n",
      checkpoints ? " with head checkpoints" : "",
      static_cast<unsigned long long>(only ? 1 : schedules), static_cast<long long>(ms),
      static_cast<unsigned long long>(acked), static_cast<unsigned long long>(refused),
      static_cast<unsigned long long>(unknown), static_cast<unsigned long long>(checkpoint_files));
  EXPECT_GT(refused, 0u);  // the faults did bite
  if (checkpoints) {
    EXPECT_GT(checkpoint_files, 0u);
  }
}

TEST(StoreFaultTest, EveryAcknowledgedSpanSurvivesAndNoRefusedOneAppears) { RunSchedules(false); }

// Faults and power loss at any point of writing head checkpoints (the temporary file, its sync,
// the rename, the directory sync) and of loading them: still every acknowledged span once.
TEST(StoreFaultTest, HeadCheckpointsKeepEveryAcknowledgedSpanOnce) { RunSchedules(true); }

}  // namespace
}  // namespace otter::store
