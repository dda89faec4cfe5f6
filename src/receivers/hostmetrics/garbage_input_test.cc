// The scrapers read whatever the files below root_path hold (a container's mounted /proc, a
// tree someone built): empty, truncated, binary or absurd files must give a partial scrape or
// an error, never a crash or a read past the buffer (the ASan build runs this too). Each file
// of the fake tree is replaced in turn by such variants and every scraper runs with every
// metric on.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "receivers/hostmetrics/receiver.h"
#include "util/harness.h"

namespace otter::hostmetrics {
namespace {

namespace fs = std::filesystem;

const std::string kGood = OTTER_SOURCE_DIR "/tests/testdata/hostmetrics/root";
constexpr uint64_t kNowNs = 1'700'010'000ull * 1'000'000'000ull;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void WriteAll(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

TEST(HostMetricsGarbageInputTest, EveryFileEmptyTruncatedOrGarbageNeverCrashes) {
  otter::testing::TempDir dir;
  const std::string root = dir.path() + "/root";
  fs::copy(kGood, root, fs::copy_options::recursive | fs::copy_options::copy_symlinks);

  HostMetricsReceiverConfig cfg;
  for (size_t k = 0; k < kScraperKinds; ++k) {
    auto& s = cfg.scrapers[k].emplace();
    for (const auto& def : MetricDefs(static_cast<ScraperKind>(k)))
      s.metrics[std::string(def.name)] = true;
  }
  cfg.scrapers[size_t(ScraperKind::kLoad)]->cpu_average = true;
  cfg.scrapers[size_t(ScraperKind::kFilesystem)]->include_virtual_filesystems = false;
  HostEnv env;
  env.root = root;
  env.statvfs = [](const char*, FsStat* out) {
    *out = {100, 40, 50, 10, 4};
    return true;
  };
  env.now_ns = [] { return kNowNs; };

  std::mt19937 rng(42);
  auto random_bytes = [&](size_t n) {
    std::string s(n, '\0');
    for (auto& c : s) c = static_cast<char>(rng());
    return s;
  };
  std::vector<std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(root))
    if (e.is_regular_file() && !e.is_symlink()) files.push_back(e.path().string());
  ASSERT_GT(files.size(), 20u);

  size_t scrapes = 0, points = 0;
  for (const auto& file : files) {
    const std::string good = ReadAll(file);
    std::vector<std::string> variants = {
        "",
        "\n\n\n",
        ":",
        "(",
        ")",
        " - ",
        "cpu",
        "cpu0",
        "cpu99999999999999999999999 1 2",
        "1 (x) R 99999999999999999999999999999 -1 -2 ffff",
        "Name:\nUid:\nSigQ:\n",
        "a: 18446744073709551615 kB\nMemTotal: 0 kB\n",
        std::string(70000, 'x'),
        random_bytes(64),
        random_bytes(5000),
    };
    for (size_t cut : {size_t(1), good.size() / 3, good.size() / 2, good.size() - 1})
      if (cut < good.size()) variants.push_back(good.substr(0, cut));
    for (const auto& v : variants) {
      WriteAll(file, v);
      HostMetricsReceiver receiver({}, cfg, nullptr, env);
      Status st = receiver.StartScrapers();  // a bad /proc/stat may stop start-up
      if (!st.ok()) continue;
      for (int round = 0; round < 2; ++round) {  // the second round has previous samples
        pdata::MetricBatch b = receiver.ScrapeOnce();
        ++scrapes;
        points += b.ItemCount();
        for (const auto& rm : b.resources())
          for (const auto& sm : rm.scope_metrics)
            for (const auto& m : sm.metrics)
              for (const auto& p : m.number_points) ASSERT_EQ(p.time_unix_nano, kNowNs) << file;
      }
    }
    WriteAll(file, good);
  }
  EXPECT_GT(scrapes, 500u);
  EXPECT_GT(points, scrapes * 10);  // the files left intact still gave their metrics
}

}  // namespace
}  // namespace otter::hostmetrics
