#include "analytics/nab.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace otter::analytics {
namespace {

namespace fs = std::filesystem;

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/otter_nab_XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

TEST(NabTest, ParsesTimestamps) {
  EXPECT_EQ(*ParseNabTimestamp("1970-01-01 00:00:00"), 0);
  EXPECT_EQ(*ParseNabTimestamp("2014-04-10 07:15:00"), 1397114100000);
  EXPECT_EQ(*ParseNabTimestamp("2014-04-10 07:15:00.250000"), 1397114100250);
  EXPECT_EQ(ParseNabTimestamp("2014-13-10 07:15:00").status().message(),
            "bad timestamp \"2014-13-10 07:15:00\"");
}

TEST(NabTest, SetsOptionsByName) {
  DetectorOptions o;
  ASSERT_TRUE(SetDetectorOption(&o, "suppress=42").ok());
  EXPECT_EQ(o.suppress, 42u);
  ASSERT_TRUE(SetDetectorOption(&o, "tail_floor=0.5").ok());
  EXPECT_EQ(o.tail_floor, 0.5);
  EXPECT_EQ(SetDetectorOption(&o, "supress=1").message(), "supress: unknown detector option");
  EXPECT_EQ(SetDetectorOption(&o, "levels=x").message(), "levels: bad value \"x\"");
  EXPECT_EQ(SetDetectorOption(&o, "levels").message(), "--set: want key=value");
}

TEST(NabTest, ParityModeGivesTheProbationAsLearningHint) {
  // NAB's probation: min(floor(0.15 x rows), 750).
  std::vector<Sample> s(1000, Sample{0, 1});
  EXPECT_EQ(OptionsForFile(DetectorOptions{}, NabMode::kParity, s).learn_hint, 150u);
  s.resize(10000, Sample{0, 1});
  EXPECT_EQ(OptionsForFile(DetectorOptions{}, NabMode::kParity, s).learn_hint, 750u);
  EXPECT_EQ(OptionsForFile(DetectorOptions{}, NabMode::kStreaming, s).learn_hint, 0u);
  DetectorOptions set;
  set.learn_hint = 7;  // --set learn_hint=7 wins
  EXPECT_EQ(OptionsForFile(set, NabMode::kParity, s).learn_hint, 7u);
}

TEST(NabTest, ParityModeGivesTheFileRange) {
  std::vector<Sample> s = {{0, 3}, {1, -2}, {2, 9}};
  DetectorOptions p = OptionsForFile(DetectorOptions{}, NabMode::kParity, s);
  EXPECT_TRUE(p.has_range_hint);
  EXPECT_EQ(p.min_hint, -2);
  EXPECT_EQ(p.max_hint, 9);
  EXPECT_FALSE(OptionsForFile(DetectorOptions{}, NabMode::kStreaming, s).has_range_hint);
  EXPECT_EQ(ParseNabMode("batch").status().message(),
            "--mode: want streaming or parity, got \"batch\"");
}

// A three-file corpus: the results keep NAB's layout, timestamps verbatim and one row per input.
TEST(NabTest, WritesNabResultsLayout) {
  TempDir data, out;
  fs::create_directories(data.path() / "catA");
  fs::create_directories(data.path() / "catB");
  for (const char* f : {"catA/a.csv", "catA/b.csv", "catB/c.csv"}) {
    std::ofstream o(data.path() / f);
    o << "timestamp,value\n";
    for (int i = 0; i < 300; ++i) {
      char ts[32];
      std::snprintf(ts, sizeof ts, "2015-01-%02d %02d:%02d:00", 1 + i / 288, (i % 288) / 12,
                    (i % 12) * 5);
      o << ts << "," << (i == 250 ? 500 : i % 7) << "\n";
    }
  }
  int calls = 0;
  ASSERT_TRUE(RunNab(data.path(), out.path(), NabMode::kStreaming, DetectorOptions{}, "even",
                     [&](const NabProgress& p) {
                       ++calls;
                       EXPECT_EQ(p.files_total, 2u);
                     })
                  .ok());
  EXPECT_EQ(calls, 2);
  EXPECT_TRUE(fs::exists(out.path() / "otter/catA/otter_a.csv"));
  EXPECT_FALSE(fs::exists(out.path() / "otter/catA/otter_b.csv"));  // odd position
  std::string c = ReadAll(out.path() / "otter/catB/otter_c.csv");
  EXPECT_EQ(c.substr(0, 60), "timestamp,value,anomaly_score\n2015-01-01 00:00:00,0,0.000000");
  EXPECT_EQ(std::count(c.begin(), c.end(), '\n'), 301);
  EXPECT_NE(c.find("2015-01-01 20:50:00,500,"), std::string::npos);
}

TEST(NabTest, MissingDirectoryIsAnError) {
  Status st = RunNab("/nonexistent/nab", "/tmp/x", NabMode::kStreaming, {}, "all", nullptr);
  EXPECT_EQ(st.message(), "/nonexistent/nab: not a directory");
}

// A small slice of the real corpus (when ../shared/nab is present), scored with the stdlib
// scorer: the full run is `make nab` (docs/analytics.md).
TEST(NabTest, SliceOfTheRealCorpusScores) {
  const char* env = std::getenv("OTTER_NAB_DIR");
  fs::path nab = env ? fs::path(env) : fs::path(OTTER_SOURCE_DIR) / "../shared/nab";
  if (!fs::exists(nab / "data/realKnownCause/ec2_request_latency_system_failure.csv")) {
    GTEST_SKIP() << "NAB corpus not found at " << nab;
  }
  TempDir data, out;
  const std::vector<std::string> files = {"artificialWithAnomaly/art_daily_jumpsdown.csv",
                                          "realKnownCause/ec2_request_latency_system_failure.csv",
                                          "realAWSCloudwatch/ec2_cpu_utilization_53ea38.csv"};
  for (const auto& f : files) {
    fs::create_directories((data.path() / f).parent_path());
    fs::copy_file(nab / "data" / f, data.path() / f);
  }
  ASSERT_TRUE(RunNab(data.path(), out.path(), NabMode::kParity, {}, "all", nullptr).ok());
  // The windows of these files, cut from NAB's combined_windows.json by the scorer itself.
  std::string cmd = "python3 " + std::string(OTTER_SOURCE_DIR) + "/tools/nab_score.py --results " +
                    (out.path() / "otter").string() + " --windows " +
                    (nab / "labels/combined_windows.json").string() + " --only " +
                    (data.path()).string() + " > " + (out.path() / "score.txt").string();
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  std::string s = ReadAll(out.path() / "score.txt");
  double score = std::atof(s.substr(s.find("score ") + 6).c_str());
  EXPECT_GE(score, 60) << s;
}

}  // namespace
}  // namespace otter::analytics
