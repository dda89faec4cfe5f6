#include "exporters/file/file_exporter.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include <condition_variable>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/loader.h"
#include "otlp/json_codec.h"
#include "otlp/proto_codec.h"

namespace otter {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using pdata::AnyValue;

pdata::TraceBatch Traces(const std::string& tag, size_t spans = 2, size_t pad = 0) {
  pdata::TraceBatch b;
  auto& a = b.arenas();
  pdata::ResourceSpans rs;
  rs.resource.attributes.push_back({a.Copy("service.name"), AnyValue::String(a.Copy(tag))});
  rs.resource.attributes.push_back({a.Copy("host.cpus"), AnyValue::Int(8)});
  pdata::ScopeSpans ss;
  ss.scope.name = a.Copy("lib");
  ss.scope.version = a.Copy("1.0");
  for (size_t i = 0; i < spans; ++i) {
    pdata::Span s;
    s.trace_id.bytes[15] = static_cast<uint8_t>(i + 1);
    s.span_id.bytes[7] = static_cast<uint8_t>(i + 1);
    s.name = a.Copy("op-" + std::to_string(i));
    s.kind = pdata::SpanKind::kServer;
    s.start_time_unix_nano = 1700000000000000000ull + i;
    s.end_time_unix_nano = 1700000000000001000ull + i;
    s.attributes.push_back({a.Copy("ratio"), AnyValue::Double(0.5)});
    s.attributes.push_back({a.Copy("ok"), AnyValue::Bool(true)});
    if (pad)
      s.attributes.push_back({a.Copy("pad"), AnyValue::String(a.Copy(std::string(pad, 'x')))});
    pdata::SpanEvent e;
    e.name = a.Copy("ev");
    e.time_unix_nano = 1700000000000000500ull;
    s.events.push_back(e);
    s.status.code = pdata::StatusCode::kError;
    s.status.message = a.Copy("failed");
    ss.spans.push_back(std::move(s));
  }
  rs.scope_spans.push_back(std::move(ss));
  b.resources().push_back(std::move(rs));
  return b;
}

pdata::MetricBatch Metrics() {
  pdata::MetricBatch b;
  auto& a = b.arenas();
  pdata::ResourceMetrics rm;
  pdata::ScopeMetrics sm;
  pdata::Metric g;
  g.name = a.Copy("temperature");
  g.unit = a.Copy("Cel");
  g.type = pdata::MetricType::kGauge;
  pdata::NumberDataPoint p;
  p.time_unix_nano = 1700000000000000000ull;
  p.value_type = pdata::NumberDataPoint::ValueType::kDouble;
  p.as_double = 21.5;
  g.number_points.push_back(p);
  pdata::Metric h;
  h.name = a.Copy("latency");
  h.type = pdata::MetricType::kHistogram;
  h.temporality = pdata::AggregationTemporality::kDelta;
  pdata::HistogramDataPoint hp;
  hp.count = 3;
  hp.sum = 6;
  hp.bucket_counts = {1, 2};
  hp.explicit_bounds = {2.5};
  h.histogram_points.push_back(hp);
  sm.metrics.push_back(g);
  sm.metrics.push_back(h);
  rm.scope_metrics.push_back(sm);
  b.resources().push_back(rm);
  return b;
}

pdata::LogBatch Logs() {
  pdata::LogBatch b;
  auto& a = b.arenas();
  pdata::ResourceLogs rl;
  pdata::ScopeLogs sl;
  pdata::LogRecord r;
  r.time_unix_nano = 1700000000000000000ull;
  r.severity_number = 13;
  r.severity_text = a.Copy("WARN");
  r.body = AnyValue::String(a.Copy("disk almost full"));
  sl.log_records.push_back(r);
  rl.scope_logs.push_back(sl);
  b.resources().push_back(rl);
  return b;
}

std::string ReadAll(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

// Splits "4-byte big-endian length + payload" records; decompresses each with zstd if asked.
std::vector<std::string> Frames(const std::string& data, bool zstd) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos + 4 <= data.size()) {
    uint32_t n = uint32_t(uint8_t(data[pos])) << 24 | uint32_t(uint8_t(data[pos + 1])) << 16 |
                 uint32_t(uint8_t(data[pos + 2])) << 8 | uint32_t(uint8_t(data[pos + 3]));
    pos += 4;
    EXPECT_LE(pos + n, data.size());
    std::string payload = data.substr(pos, n);
    pos += n;
    if (zstd) {
      unsigned long long size = ZSTD_getFrameContentSize(payload.data(), payload.size());
      std::string plain(size, '\0');
      size_t got = ZSTD_decompress(plain.data(), plain.size(), payload.data(), payload.size());
      EXPECT_FALSE(ZSTD_isError(got));
      plain.resize(got);
      payload = std::move(plain);
    }
    out.push_back(std::move(payload));
  }
  EXPECT_EQ(pos, data.size()) << "trailing bytes";
  return out;
}

class FileExporterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("otter_file_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<FileExporter> Make(const FileExporterConfig& cfg, FileExporterOptions opts = {}) {
    EXPECT_TRUE(cfg.Validate().ok()) << cfg.Validate().ToString();
    ComponentContext ctx;
    ctx.id = ComponentId{"file", ""};
    ctx.kind = ComponentKind::kExporter;
    ctx.metrics = &metrics_;
    return std::make_unique<FileExporter>(ctx, cfg, std::move(opts));
  }
  FileExporterConfig Cfg(const std::string& name) {
    FileExporterConfig c;
    c.path = (dir_ / name).string();
    return c;
  }
  template <class B>
  Status Send(Exporter& e, B&& batch) {
    Status result = Internal("not answered");
    Consumers c = e.consumers();
    c.get<std::decay_t<B>>()->Consume(std::forward<B>(batch),
                                      Completion([&](Status s) { result = std::move(s); }));
    return result;
  }
  double Sent(const std::string& items) {
    return metrics_.Value("otelcol_exporter_sent_" + items, {{"exporter", "file"}});
  }

  fs::path dir_;
  telemetry::SelfMetrics metrics_;
};

TEST_F(FileExporterTest, JsonLinesDecodeBackToTheSameData) {
  auto cfg = Cfg("out.json");
  auto e = Make(cfg);
  ASSERT_TRUE(e->Start().ok());
  ASSERT_TRUE(Send(*e, Traces("a")).ok());
  ASSERT_TRUE(Send(*e, Metrics()).ok());
  ASSERT_TRUE(Send(*e, Logs()).ok());
  ASSERT_TRUE(Send(*e, Traces("b", 3)).ok());
  e->Shutdown();
  auto lines = Lines(ReadAll(cfg.path));
  ASSERT_EQ(lines.size(), 4u);
  auto t0 = otlp::DecodeTracesJson(lines[0]);
  ASSERT_TRUE(t0.ok()) << t0.status().ToString();
  EXPECT_EQ(t0->resources(), Traces("a").resources());
  auto m = otlp::DecodeMetricsJson(lines[1]);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->resources(), Metrics().resources());
  auto l = otlp::DecodeLogsJson(lines[2]);
  ASSERT_TRUE(l.ok()) << l.status().ToString();
  EXPECT_EQ(l->resources(), Logs().resources());
  auto t1 = otlp::DecodeTracesJson(lines[3]);
  ASSERT_TRUE(t1.ok());
  EXPECT_EQ(t1->resources(), Traces("b", 3).resources());
  EXPECT_EQ(Sent("spans"), 5);
  EXPECT_EQ(Sent("metric_points"), 2);
  EXPECT_EQ(Sent("log_records"), 1);
}

TEST_F(FileExporterTest, ProtoIsLengthPrefixedAndDecodesBack) {
  auto cfg = Cfg("out.pb");
  cfg.format = FileFormat::kProto;
  auto e = Make(cfg);
  ASSERT_TRUE(e->Start().ok());
  ASSERT_TRUE(Send(*e, Traces("a")).ok());
  ASSERT_TRUE(Send(*e, Metrics()).ok());
  ASSERT_TRUE(Send(*e, Logs()).ok());
  e->Shutdown();
  auto frames = Frames(ReadAll(cfg.path), false);
  ASSERT_EQ(frames.size(), 3u);
  std::string expected;
  otlp::EncodeTraces(Traces("a"), &expected);
  EXPECT_EQ(frames[0], expected);
  auto t = otlp::DecodeTraces(frames[0]);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->resources(), Traces("a").resources());
  auto m = otlp::DecodeMetrics(frames[1]);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->resources(), Metrics().resources());
  auto l = otlp::DecodeLogs(frames[2]);
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l->resources(), Logs().resources());
}

TEST_F(FileExporterTest, ZstdCompressesEachRequestSeparately) {
  for (FileFormat format : {FileFormat::kJson, FileFormat::kProto}) {
    auto cfg = Cfg(format == FileFormat::kJson ? "out.json.zst" : "out.pb.zst");
    cfg.format = format;
    cfg.compression = "zstd";
    auto e = Make(cfg);
    ASSERT_TRUE(e->Start().ok());
    ASSERT_TRUE(Send(*e, Traces("a", 50)).ok());
    ASSERT_TRUE(Send(*e, Traces("b", 50)).ok());
    e->Shutdown();
    std::string raw = ReadAll(cfg.path);
    auto frames = Frames(raw, true);
    ASSERT_EQ(frames.size(), 2u);
    auto t = format == FileFormat::kJson ? otlp::DecodeTracesJson(frames[1])
                                         : otlp::DecodeTraces(frames[1]);
    ASSERT_TRUE(t.ok()) << t.status().ToString();
    EXPECT_EQ(t->resources(), Traces("b", 50).resources());
    EXPECT_LT(raw.size(), frames[0].size() + frames[1].size());  // it did compress
  }
}

TEST_F(FileExporterTest, TruncatesAtStartUnlessAppend) {
  auto cfg = Cfg("out.json");
  std::ofstream(cfg.path) << "old line\n";
  {
    cfg.append = true;
    auto e = Make(cfg);
    ASSERT_TRUE(e->Start().ok());
    ASSERT_TRUE(Send(*e, Logs()).ok());
    e->Shutdown();
    auto lines = Lines(ReadAll(cfg.path));
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(lines[0], "old line");
  }
  {
    cfg.append = false;
    auto e = Make(cfg);
    ASSERT_TRUE(e->Start().ok());
    ASSERT_TRUE(Send(*e, Logs()).ok());
    e->Shutdown();
    EXPECT_EQ(Lines(ReadAll(cfg.path)).size(), 1u);
  }
}

// A clock that advances one second per reading, from 2024-01-01T00:00:00Z.
std::function<std::chrono::system_clock::time_point()> SteppingClock(
    std::shared_ptr<std::chrono::system_clock::time_point> t) {
  return [t] {
    *t += 1s;
    return *t;
  };
}
std::shared_ptr<std::chrono::system_clock::time_point> Jan2024() {
  return std::make_shared<std::chrono::system_clock::time_point>(
      std::chrono::system_clock::from_time_t(1704067200));
}

TEST_F(FileExporterTest, RotationRenamesByTimestampAndPrunesBeyondMaxBackups) {
  auto cfg = Cfg("traces.json");
  cfg.rotation = FileRotationConfig{};
  cfg.rotation->max_megabytes = 1;
  cfg.rotation->max_backups = 2;
  FileExporterOptions opts;
  opts.now = SteppingClock(Jan2024());
  auto e = Make(cfg, opts);
  ASSERT_TRUE(e->Start().ok());
  // Each request is ~600 KiB: every second write rotates.
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(Send(*e, Traces("r" + std::to_string(i), 1, 600 * 1024)).ok());
  e->Shutdown();
  auto backups = RotatingFile::ListBackups(cfg.path);
  ASSERT_EQ(backups.size(), 2u);  // 4 rotations, the 2 oldest pruned
  // Rotations happened at the 1st..4th clock readings (one per rotation).
  EXPECT_EQ(fs::path(backups[0]).filename(), "traces-2024-01-01T00-00-03.000.json");
  EXPECT_EQ(fs::path(backups[1]).filename(), "traces-2024-01-01T00-00-04.000.json");
  // The newest backup holds request 3, the live file request 4; both decode.
  auto b = otlp::DecodeTracesJson(Lines(ReadAll(backups[1]))[0]);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->resources(), Traces("r3", 1, 600 * 1024).resources());
  auto live = Lines(ReadAll(cfg.path));
  ASSERT_EQ(live.size(), 1u);
  EXPECT_EQ(otlp::DecodeTracesJson(live[0])->resources(), Traces("r4", 1, 600 * 1024).resources());
}

TEST_F(FileExporterTest, RotationSmallWritesShareAFile) {
  auto cfg = Cfg("small.json");
  cfg.rotation = FileRotationConfig{};  // max_megabytes 100
  auto e = Make(cfg);
  ASSERT_TRUE(e->Start().ok());
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(Send(*e, Logs()).ok());
  e->Shutdown();
  EXPECT_TRUE(RotatingFile::ListBackups(cfg.path).empty());
  EXPECT_EQ(Lines(ReadAll(cfg.path)).size(), 10u);
}

TEST_F(FileExporterTest, MaxDaysPrunesOldBackups) {
  auto cfg = Cfg("old.json");
  cfg.rotation = FileRotationConfig{};
  cfg.rotation->max_megabytes = 1;
  cfg.rotation->max_backups = 0;  // keep any number...
  cfg.rotation->max_days = 1;     // ...but only for a day
  auto now = Jan2024();
  FileExporterOptions opts;
  opts.now = [now] { return *now; };
  auto e = Make(cfg, opts);
  ASSERT_TRUE(e->Start().ok());
  ASSERT_TRUE(Send(*e, Traces("a", 1, 700 * 1024)).ok());
  ASSERT_TRUE(Send(*e, Traces("b", 1, 700 * 1024)).ok());  // rotates at day 0
  *now += 1h;
  ASSERT_TRUE(Send(*e, Traces("c", 1, 700 * 1024)).ok());  // rotates at day 0 + 1h
  EXPECT_EQ(RotatingFile::ListBackups(cfg.path).size(), 2u);
  *now += 72h;
  ASSERT_TRUE(Send(*e, Traces("d", 1, 700 * 1024)).ok());  // rotates; the first two are > 1 day old
  e->Shutdown();
  auto backups = RotatingFile::ListBackups(cfg.path);
  ASSERT_EQ(backups.size(), 1u);
  EXPECT_EQ(fs::path(backups[0]).filename(), "old-2024-01-04T01-00-00.000.json");
}

TEST_F(FileExporterTest, LocaltimeNamesBackupsInLocalTime) {
  const char* old_tz = std::getenv("TZ");
  std::string saved = old_tz ? old_tz : "";
  setenv("TZ", "XST-05:30", 1);  // UTC+5:30, no tzdata needed
  tzset();
  auto cfg = Cfg("local");
  cfg.rotation = FileRotationConfig{};
  cfg.rotation->max_megabytes = 1;
  cfg.rotation->localtime = true;
  auto now = Jan2024();
  FileExporterOptions opts;
  opts.now = [now] { return *now; };
  auto e = Make(cfg, opts);
  ASSERT_TRUE(e->Start().ok());
  ASSERT_TRUE(Send(*e, Traces("a", 1, 700 * 1024)).ok());
  ASSERT_TRUE(Send(*e, Traces("b", 1, 700 * 1024)).ok());
  e->Shutdown();
  if (old_tz)
    setenv("TZ", saved.c_str(), 1);
  else
    unsetenv("TZ");
  tzset();
  auto backups = RotatingFile::ListBackups(cfg.path);
  ASSERT_EQ(backups.size(), 1u);
  EXPECT_EQ(fs::path(backups[0]).filename(), "local-2024-01-01T05-30-00.000");  // no extension
}

TEST_F(FileExporterTest, FlushIntervalSyncsPeriodically) {
  auto cfg = Cfg("sync.json");
  cfg.flush_interval = 5ms;
  std::mutex mu;
  std::condition_variable cv;
  int syncs = 0;
  FileExporterOptions opts;
  opts.on_sync = [&] {
    std::lock_guard lock(mu);
    ++syncs;
    cv.notify_all();
  };
  auto e = Make(cfg, opts);
  ASSERT_TRUE(e->Start().ok());
  ASSERT_TRUE(Send(*e, Logs()).ok());
  {
    std::unique_lock lock(mu);
    EXPECT_TRUE(cv.wait_for(lock, 10s, [&] { return syncs >= 3; }));
  }
  e->Shutdown();

  // With a long interval no periodic flush happens during the test.
  syncs = 0;
  cfg.flush_interval = 1h;
  auto slow = Make(cfg, opts);
  ASSERT_TRUE(slow->Start().ok());
  ASSERT_TRUE(Send(*slow, Logs()).ok());
  slow->Shutdown();
  EXPECT_EQ(syncs, 0);
}

TEST_F(FileExporterTest, CreateDirectoryWithPermissions) {
  auto cfg = Cfg("a/b/out.json");
  auto without = Make(cfg);
  Status s = without->Start();
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find(cfg.path), std::string::npos) << s.ToString();

  cfg.create_directory = true;
  cfg.directory_permissions = "0700";
  auto e = Make(cfg);
  ASSERT_TRUE(e->Start().ok());
  ASSERT_TRUE(Send(*e, Logs()).ok());
  e->Shutdown();
  struct stat st {};
  ASSERT_EQ(stat((dir_ / "a/b").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  EXPECT_EQ(Lines(ReadAll(cfg.path)).size(), 1u);
}

TEST_F(FileExporterTest, WriteErrorsArePermanentAndCounted) {
  if (access("/dev/full", W_OK) != 0) GTEST_SKIP() << "no /dev/full";
  FileExporterConfig cfg;
  cfg.path = "/dev/full";
  cfg.append = true;
  auto e = Make(cfg);
  ASSERT_TRUE(e->Start().ok());
  Status s = Send(*e, Traces("a"));
  EXPECT_FALSE(s.ok());
  EXPECT_FALSE(s.retryable());
  EXPECT_NE(s.message().find("write /dev/full: No space left on device"), std::string::npos)
      << s.ToString();
  EXPECT_EQ(metrics_.Value("otelcol_exporter_send_failed_spans", {{"exporter", "file"}}), 2);
  EXPECT_EQ(Sent("spans"), 0);
  e->Shutdown();
}

TEST_F(FileExporterTest, RefusesBeforeStart) {
  auto e = Make(Cfg("x.json"));
  Status s = Send(*e, Logs());
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
}

// ---- config ------------------------------------------------------------------------------------

std::unique_ptr<FileExporterConfig> Parse(const std::string& yaml, config::Diagnostics& d) {
  auto node = config::ParseYaml(yaml, "test.yaml");
  EXPECT_TRUE(node.ok());
  Registry r;
  RegisterBuiltins(r);
  const Factory* f = r.Find(ComponentKind::kExporter, "file");
  EXPECT_NE(f, nullptr);
  auto cfg = f->parse_config(*node, d);
  return std::unique_ptr<FileExporterConfig>(static_cast<FileExporterConfig*>(cfg.release()));
}

void ExpectError(const std::string& yaml, const std::string& text) {
  config::Diagnostics d;
  Parse(yaml, d);
  ASSERT_EQ(d.errors().size(), 1u) << yaml << d.ErrorsText();
  EXPECT_NE(d.errors()[0].find(text), std::string::npos) << d.errors()[0];
}

TEST(FileExporterConfigTest, DefaultsAndRotationPresence) {
  config::Diagnostics d;
  auto cfg = Parse("path: ./out.json\n", d);
  ASSERT_TRUE(d.ok()) << d.ErrorsText();
  EXPECT_EQ(cfg->format, FileFormat::kJson);
  EXPECT_FALSE(cfg->append);
  EXPECT_FALSE(cfg->rotation.has_value());
  EXPECT_EQ(cfg->flush_interval, std::chrono::seconds(1));
  cfg = Parse("path: x\nformat: proto\nrotation:\n  max_megabytes: 10\n", d);
  ASSERT_TRUE(d.ok()) << d.ErrorsText();
  EXPECT_EQ(cfg->format, FileFormat::kProto);
  ASSERT_TRUE(cfg->rotation.has_value());
  EXPECT_EQ(cfg->rotation->max_megabytes, 10);
  EXPECT_EQ(cfg->rotation->max_backups, 100);
  EXPECT_EQ(cfg->rotation->max_days, 0);
  EXPECT_FALSE(cfg->rotation->localtime);
  cfg = Parse("path: x\nrotation:\n", d);  // present but empty: enabled with defaults
  ASSERT_TRUE(cfg->rotation.has_value());
  EXPECT_EQ(cfg->rotation->max_megabytes, 100);
}

TEST(FileExporterConfigTest, ValidationNamesTheKey) {
  ExpectError("format: json\n", "path must be non-empty");
  ExpectError("path: x\nformat: xml\n", "format \"xml\" is not supported (valid: json, proto)");
  ExpectError("path: x\ncompression: gzip\n", "compression \"gzip\" is not supported");
  ExpectError("path: x\nappend: true\ncompression: zstd\n",
              "append and compression enabled at the same time is not supported");
  ExpectError("path: x\nappend: true\nrotation:\n  max_backups: 3\n",
              "append and rotation enabled at the same time is not supported");
  ExpectError("path: x\ndirectory_permissions: \"0755\"\n",
              "directory_permissions requires create_directory to be true");
  ExpectError("path: x\ncreate_directory: true\ndirectory_permissions: \"0999\"\n",
              "must be an octal permission");
  ExpectError("path: x\ngroup_by:\n  enabled: true\n", "\"group_by\" is not supported yet");
  ExpectError("path: x\nrotation:\n  max_megabyte: 3\n", "did you mean \"max_megabytes\"");
}

}  // namespace
}  // namespace otter
