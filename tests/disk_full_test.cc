// A full disk for real: the store on a small tmpfs (root mounts it; elsewhere the test says it
// was skipped). Ingest until the disk is full: clients get 503 (retryable) and nothing else,
// queries keep answering, nothing acknowledged is lost — also across a kill -9 while full — no
// temporary file is left behind, and ingest resumes by itself once space frees.
#include <gtest/gtest.h>
#include <sys/mount.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "util/harness.h"
#include "util/store_e2e.h"

namespace otter::testing {
namespace {

namespace fs = std::filesystem;

constexpr int kSpansPerTrace = 40;

// One trace of kSpansPerTrace spans, each with 1 KiB of incompressible attribute text.
std::string BigTrace(const std::string& trace_id, uint64_t t, std::mt19937_64& rng) {
  std::string spans;
  for (int i = 0; i < kSpansPerTrace; ++i) {
    std::string noise;
    for (int j = 0; j < 128; ++j) {
      char hex[17];
      std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(rng()));
      noise += hex;
    }
    char span_id[17];
    std::snprintf(span_id, sizeof span_id, "%016x", i + 1);
    spans += std::string(i ? "," : "") + R"({"traceId":")" + trace_id + R"(","spanId":")" +
             span_id + R"(","name":"op","kind":2,"startTimeUnixNano":)" + Str(t + i) +
             R"(,"endTimeUnixNano":)" + Str(t + i + 1000) +
             R"(,"attributes":[{"key":"noise","value":{"stringValue":")" + noise + "\"}}]}";
  }
  return TracesProto(R"({"resourceSpans":[{)" + Resource("full") + R"(,"scopeSpans":[{"spans":[)" +
                     spans + "]}]}]}");
}

class Tmpfs {
 public:
  Tmpfs(const std::string& dir, const std::string& size) : dir_(dir) {
    fs::create_directories(dir);
    mounted_ = ::mount("tmpfs", dir.c_str(), "tmpfs", 0, ("size=" + size).c_str()) == 0;
  }
  ~Tmpfs() {
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }

 private:
  std::string dir_;
  bool mounted_ = false;
};

TEST(DiskFullTest, RefusesRetryablyLosesNothingAndResumesWhenSpaceFrees) {
  TempDir dir;
  Tmpfs disk(dir.path() + "/disk", "24m");
  if (!disk.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here (needs root)";
  const std::string data = dir.path() + "/disk/data";
  const std::string filler = dir.path() + "/disk/filler";
  {
    std::ofstream f(filler, std::ios::binary);
    std::string mib(1 << 20, 'f');
    for (int i = 0; i < 16; ++i) f << mib;  // leaves ~8 MiB for the store
  }
  std::mt19937_64 rng(42);
  std::vector<std::string> acked;
  uint64_t t = NowNs() - 60'000'000'000ull;
  Ports p;
  auto otter =
      std::make_unique<OtterProcess>(dir, "full", StoreConfig(p, data, "    head_max_mib: 1\n"));
  ASSERT_TRUE(otter->Start(p.health)) << otter->Log();

  // Sends traces until `refusals` answers in a row are 503; every answer is 200 or 503.
  auto send_until_full = [&](int refusals, int max_requests) {
    int in_a_row = 0, sent = 0;
    for (; in_a_row < refusals && sent < max_requests; ++sent) {
      char id[33];
      std::snprintf(id, sizeof id, "f0115%027zu", acked.size() * 1000 + sent);
      auto r =
          HttpRequest("POST", p.otlp, "/v1/traces", BigTrace(id, t += 1000000, rng), kProtobuf);
      EXPECT_TRUE(r.status == 200 || r.status == 503) << r.status << " " << r.body;
      if (r.status == 200) {
        acked.push_back(id);
        in_a_row = 0;
      } else {
        ++in_a_row;
      }
    }
    return in_a_row >= refusals;
  };
  ASSERT_TRUE(send_until_full(20, 2000)) << "the disk never filled\n" << otter->Log();
  size_t acked_before_kill = acked.size();
  ASSERT_GT(acked_before_kill, 10u);
  // Queries keep working while the disk is full.
  EXPECT_EQ(HttpRequest("GET", p.query, "/api/services").status, 200);
  EXPECT_EQ(JaegerSpanCount(p.query, acked.front()), kSpansPerTrace);

  // kill -9 while full, and start again on the full disk.
  otter->Kill();
  otter = std::make_unique<OtterProcess>(dir, "full-again",
                                         StoreConfig(p, data, "    head_max_mib: 1\n"));
  ASSERT_TRUE(otter->Start(p.health)) << otter->Log();
  std::vector<std::string> lost;
  for (const auto& id : acked)
    if (JaegerSpanCount(p.query, id) != kSpansPerTrace) lost.push_back(id);
  EXPECT_TRUE(lost.empty()) << lost.size() << " of " << acked.size() << " acknowledged traces lost"
                            << "\n"
                            << otter->Log();
  // Full again soon (the restart may have freed a little: covered WAL segments go): refused
  // retryably, nothing else.
  EXPECT_TRUE(send_until_full(5, 2000)) << otter->Log();

  // Space frees: ingest resumes by itself (no restart).
  fs::remove(filler);
  size_t before = acked.size();
  bool resumed = Eventually(
      [&] {
        send_until_full(1, 1);
        return acked.size() > before;
      },
      std::chrono::seconds(20));
  EXPECT_TRUE(resumed) << otter->Log();
  // No file half written by a refused flush is left behind (looked for once otter has stopped:
  // a flush streams its block to a .tmp file while it runs).
  EXPECT_EQ(otter->Stop(kStopDeadline), 0) << otter->Log();
  for (const auto& e : fs::recursive_directory_iterator(data))
    EXPECT_NE(e.path().extension(), ".tmp") << e.path();
  // And all of it is there after a clean restart.
  OtterProcess last(dir, "last", StoreConfig(p, data));
  ASSERT_TRUE(last.Start(p.health)) << last.Log();
  for (const auto& id : acked) EXPECT_EQ(JaegerSpanCount(p.query, id), kSpansPerTrace) << id;
}

}  // namespace
}  // namespace otter::testing
