// kill -9 while tailing: a writer appends uniquely numbered lines to app.log and rotates it by
// rename (app.log → app.log.<n>, a new app.log) every few thousand lines, without pause, while
// otter (filelog with file_storage offsets → file exporter) is killed with SIGKILL at a random
// moment and restarted, OTTER_FILELOG_CRASH_ROUNDS times. At the end otter runs until it has
// caught up; every line must have arrived at least once, and the lines that arrived twice are
// bounded by the batches in flight at the kills (100 entries per file being read).
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <thread>

#include "util/harness.h"

namespace otter::testing {
namespace {

namespace fs = std::filesystem;

uint64_t Rounds() {
  const char* v = std::getenv("OTTER_FILELOG_CRASH_ROUNDS");
  return v && *v ? std::strtoull(v, nullptr, 10) : 8;
}

std::string Config(const TempDir& dir, int health) {
  return "receivers:\n"
         "  filelog:\n"
         "    include: [" +
         dir.path() +
         "/logs/app.log*]\n"
         "    start_at: beginning\n"
         "    poll_interval: 20ms\n"
         "    storage: file_storage\n"
         "exporters:\n"
         "  file:\n"
         "    path: " +
         dir.path() +
         "/out.jsonl\n"
         "    append: true\n"
         "extensions:\n"
         "  health_check:\n"
         "    endpoint: 127.0.0.1:" +
         std::to_string(health) +
         "\n"
         "  file_storage:\n"
         "    directory: " +
         dir.path() +
         "/storage\n"
         "service:\n"
         "  extensions: [health_check, file_storage]\n"
         "  telemetry:\n"
         "    metrics:\n"
         "      level: none\n"
         "  pipelines:\n"
         "    logs:\n"
         "      receivers: [filelog]\n"
         "      exporters: [file]\n";
}

// Occurrences of each line number in the exporter's output.
std::map<uint64_t, int> Arrived(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::map<uint64_t, int> seen;
  for (size_t at = text.find("crashline-"); at != std::string::npos;
       at = text.find("crashline-", at + 1)) {
    if (at + 18 > text.size()) break;
    ++seen[std::strtoull(text.substr(at + 10, 8).c_str(), nullptr, 10)];
  }
  return seen;
}

TEST(FilelogCrashTest, EveryLineArrivesAcrossKill9AndRotation) {
  TempDir dir;
  fs::create_directories(dir.path() + "/logs");
  fs::create_directories(dir.path() + "/storage");
  const std::string log = dir.path() + "/logs/app.log";
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> written{0};
  std::thread writer([&] {
    uint64_t n = 0, rotation = 0;
    FILE* f = std::fopen(log.c_str(), "a");
    while (!stop.load()) {
      for (int i = 0; i < 50; ++i, ++n)
        std::fprintf(f, "crashline-%08llu {\"msg\":\"payload for the crash test\"}\n",
                     static_cast<unsigned long long>(n));
      std::fflush(f);
      written = n;
      if (n % 3000 == 0) {
        std::fclose(f);
        fs::rename(log, log + "." + std::to_string(++rotation));
        f = std::fopen(log.c_str(), "a");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    std::fclose(f);
  });
  const uint64_t rounds = Rounds();
  std::mt19937_64 rng(42);
  for (uint64_t round = 0; round < rounds; ++round) {
    int health = FreePort();
    OtterProcess otter(dir, "otter", Config(dir, health));
    ASSERT_TRUE(otter.Start(health)) << otter.Log();
    std::this_thread::sleep_for(std::chrono::milliseconds(200 + rng() % 600));
    otter.Kill();
  }
  stop = true;
  writer.join();
  const uint64_t total = written.load();
  const size_t before_final = Arrived(dir.path() + "/out.jsonl").size();

  int health = FreePort();
  OtterProcess otter(dir, "final", Config(dir, health));
  ASSERT_TRUE(otter.Start(health)) << otter.Log();
  const std::string out = dir.path() + "/out.jsonl";
  // Until every line is there (or a minute passed); the output is large, so look twice a second.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (Arrived(out).size() < total && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(otter.Stop(), 0) << otter.Log();

  auto seen = Arrived(out);
  uint64_t missing = 0, duplicates = 0;
  std::string examples;
  for (uint64_t i = 0; i < total; ++i) {
    int c = seen.count(i) ? seen[i] : 0;
    if (c == 0 && ++missing <= 10) examples += " " + std::to_string(i);
    if (c > 1) duplicates += static_cast<uint64_t>(c - 1);
  }
  std::printf(
      "filelog crash loop: %llu rounds, %llu lines written (%zu arrived before the last start), "
      "%llu missing, %llu duplicates\n",
      static_cast<unsigned long long>(rounds), static_cast<unsigned long long>(total), before_final,
      static_cast<unsigned long long>(missing), static_cast<unsigned long long>(duplicates));
  EXPECT_GT(total, 1000u);
  EXPECT_GT(before_final, 0u) << "otter read nothing between the kills";
  EXPECT_EQ(missing, 0u) << "lost lines:" << examples;
  // At a kill, at most the batch in flight (100 entries) of each of the (at most two) files being
  // read is sent again.
  EXPECT_LE(duplicates, rounds * 2 * 100);
}

// The seed's JSON log lines (Python's JSONFormatter with trace context) through the real binary:
// the records reach the exporter with their trace and span ids, severity, time and resource.
TEST(FilelogEndToEndTest, SeedJsonLogsKeepTheirTraceContext) {
  TempDir dir;
  fs::create_directories(dir.path() + "/logs");
  std::ofstream(dir.path() + "/logs/app.json")
      << R"({"timestamp": "2025-11-10T14:23:45.123Z", "severity": "ERROR", "message": )"
         R"("Database connection failed", "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736", )"
         R"("span_id": "00f067aa0ba902b7", "service.name": "user-service"})"
      << "\n";
  int health = FreePort();
  std::string config =
      "receivers:\n"
      "  filelog:\n"
      "    include: [" +
      dir.path() +
      "/logs/*.json]\n"
      "    start_at: beginning\n"
      "    operators:\n"
      "      - type: json_parser\n"
      "        timestamp: {parse_from: attributes.timestamp, layout: '%Y-%m-%dT%H:%M:%S.%LZ', "
      "location: UTC}\n"
      "        severity: {parse_from: attributes.severity}\n"
      "        trace:\n"
      "          trace_id: {parse_from: attributes.trace_id}\n"
      "          span_id: {parse_from: attributes.span_id}\n"
      "      - type: move\n"
      "        from: attributes[\"service.name\"]\n"
      "        to: resource[\"service.name\"]\n"
      "exporters:\n"
      "  file:\n"
      "    path: " +
      dir.path() +
      "/out.jsonl\n"
      "extensions:\n"
      "  health_check:\n"
      "    endpoint: 127.0.0.1:" +
      std::to_string(health) +
      "\n"
      "service:\n"
      "  extensions: [health_check]\n"
      "  telemetry: {metrics: {level: none}}\n"
      "  pipelines:\n"
      "    logs: {receivers: [filelog], exporters: [file]}\n";
  OtterProcess otter(dir, "otter", config);
  ASSERT_TRUE(otter.Start(health)) << otter.Log();
  std::string out;
  EXPECT_TRUE(Eventually([&] {
    std::ifstream in(dir.path() + "/out.jsonl");
    out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    return out.find("traceId") != std::string::npos;
  }));
  EXPECT_EQ(otter.Stop(), 0) << otter.Log();
  for (const char* want : {R"("traceId":"4bf92f3577b34da6a3ce929d0e0e4736")",
                           R"("spanId":"00f067aa0ba902b7")", R"("severityNumber":17)",
                           R"("severityText":"ERROR")", R"("timeUnixNano":"1762784625123000000")",
                           R"({"key":"service.name","value":{"stringValue":"user-service"}})",
                           R"({"key":"log.file.name","value":{"stringValue":"app.json"}})"})
    EXPECT_NE(out.find(want), std::string::npos) << want << " not in " << out;
}

}  // namespace
}  // namespace otter::testing
