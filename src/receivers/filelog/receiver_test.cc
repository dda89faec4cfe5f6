#include "receivers/filelog/receiver.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>

#include "config/loader.h"
#include "extensions/file_storage/extension.h"
#include "util/harness.h"

namespace otter::filelog {
namespace {

namespace fs = std::filesystem;
using otter::testing::TempDir;

std::string File(const TempDir& d, const std::string& name) { return d.path() + "/" + name; }

void Append(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::app | std::ios::binary) << text;
}

// Collects the bodies it accepts; refuses the first `refuse` batches with `refusal`.
class Capture : public LogConsumer {
 public:
  void Consume(pdata::LogBatch&& batch, Completion done) override {
    std::lock_guard lock(mu);
    ++calls;
    if (refuse > 0) {
      --refuse;
      done(refusal);
      return;
    }
    for (const auto& rl : batch.resources())
      for (const auto& sl : rl.scope_logs)
        for (const auto& r : sl.log_records) {
          bodies.emplace_back(r.body.string_value);
          records.push_back(r);
        }
    kept.push_back(std::move(batch));  // the records' strings live in its arenas
    done(Status::Ok());
  }
  std::vector<std::string> Take() {
    std::lock_guard lock(mu);
    return std::exchange(bodies, {});
  }
  std::mutex mu;
  int calls = 0;
  int refuse = 0;
  Status refusal = Unavailable("busy");
  std::vector<std::string> bodies;
  std::vector<pdata::LogRecord> records;
  std::vector<pdata::LogBatch> kept;
};

using Lines = std::vector<std::string>;

struct Fixture {
  TempDir dir;
  Capture sink;
  std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now();
  telemetry::SelfMetrics metrics;
  std::unique_ptr<file_storage::FileStorageExtension> storage;

  class Host : public ExtensionHost {
   public:
    Extension* FindExtension(const ComponentId& id) const override {
      return id.ToString() == "file_storage" ? ext : nullptr;
    }
    Extension* ext = nullptr;
  } host;

  FileLogConfig Config(const std::string& yaml_extra) {
    std::string yaml = "include: [" + dir.path() + "/app.log*]\n" + yaml_extra;
    auto node = config::ParseYaml(yaml, "filelog.yaml");
    EXPECT_TRUE(node.ok());
    config::Diagnostics d;
    FileLogConfig cfg;
    FileLogConfigTable().Parse(*node, cfg, d);
    EXPECT_TRUE(d.ok()) << d.ErrorsText();
    Status s = cfg.Validate();
    EXPECT_TRUE(s.ok()) << s.ToString();
    return cfg;
  }

  std::unique_ptr<FileLogReceiver> Make(const FileLogConfig& cfg) {
    if (!cfg.storage.empty() && !storage) {
      fs::create_directories(File(dir, "storage"));
      file_storage::FileStorageConfig sc;
      sc.directory = File(dir, "storage");
      storage = std::make_unique<file_storage::FileStorageExtension>(ComponentContext{}, sc);
      host.ext = storage.get();
    }
    ComponentContext ctx;
    ctx.id = {"filelog", ""};
    ctx.metrics = &metrics;
    ctx.host = &host;
    FileLogOptions o;
    o.manual_polling = true;
    o.now = [this] { return now; };
    auto r = std::make_unique<FileLogReceiver>(ctx, cfg, &sink, o);
    Status s = r->Start();
    EXPECT_TRUE(s.ok()) << s.ToString();
    return r;
  }
  double Metric(const std::string& name) { return metrics.Value(name, {{"receiver", "filelog"}}); }
};

TEST(FilelogReceiverTest, StartAtEndSkipsWhatIsThereThenReadsNewLines) {
  Fixture f;
  Append(File(f.dir, "app.log"), "old 1\nold 2\n");
  auto r = f.Make(f.Config(""));
  r->PollOnce();
  EXPECT_EQ(f.sink.Take(), Lines{});
  Append(File(f.dir, "app.log"), "new 1\nnew 2\n");
  r->PollOnce();
  EXPECT_EQ(f.sink.Take(), (Lines{"new 1", "new 2"}));
  // A file that appears later is read from its beginning.
  Append(File(f.dir, "app.log.2"), "other\n");
  r->PollOnce();
  EXPECT_EQ(f.sink.Take(), (Lines{"other"}));
}

TEST(FilelogReceiverTest, StartAtBeginningAttributesAndStaticAdditions) {
  Fixture f;
  Append(File(f.dir, "app.log"), "one\r\n  two  \n\nthree\n");
  auto r =
      f.Make(f.Config("start_at: beginning\ninclude_file_path: true\nattributes: {env: test}\n"
                      "resource: {service.name: app}\n"));
  r->PollOnce();
  EXPECT_EQ(f.sink.Take(), (Lines{"one", "two", "three"}));
  ASSERT_EQ(f.sink.records.size(), 3u);
  const auto& attrs = f.sink.records[0].attributes;
  ASSERT_EQ(attrs.size(), 3u);
  EXPECT_EQ(attrs[0].key, "log.file.name");
  EXPECT_EQ(attrs[0].value.string_value, "app.log");
  EXPECT_EQ(attrs[1].key, "log.file.path");
  EXPECT_EQ(attrs[1].value.string_value, File(f.dir, "app.log"));
  EXPECT_EQ(attrs[2].key, "env");
  EXPECT_EQ(attrs[2].value.string_value, "test");
  const auto& rl = f.sink.kept[0].resources();
  ASSERT_EQ(rl.size(), 1u);
  ASSERT_EQ(rl[0].resource.attributes.size(), 1u);
  EXPECT_EQ(rl[0].resource.attributes[0].key, "service.name");
  EXPECT_GT(f.sink.records[0].observed_time_unix_nano, 0u);
  EXPECT_EQ(f.Metric("otelcol_fileconsumer_open_files"), 1);
}

TEST(FilelogReceiverTest, RotationByRenameReadsTheOldFileToItsEnd) {
  Fixture f;
  FileLogConfig cfg = f.Config("start_at: beginning\n");
  cfg.include = {File(f.dir, "app.log")};  // the rotated name is out of the pattern
  Append(File(f.dir, "app.log"), "a1\na2\n");
  auto r = f.Make(cfg);
  r->PollOnce();
  EXPECT_EQ(f.sink.Take(), (Lines{"a1", "a2"}));
  Append(File(f.dir, "app.log"), "a3\na4\n");
  fs::rename(File(f.dir, "app.log"), File(f.dir, "rotated.1"));
  Append(File(f.dir, "app.log"), "b1\n");
  r->PollOnce();
  EXPECT_EQ(f.sink.Take(), (Lines{"a3", "a4", "b1"}));
  r->PollOnce();
  EXPECT_EQ(f.sink.Take(), Lines{});
}

TEST(FilelogReceiverTest, RotationWithinThePatternKeepsTheOffset) {
  Fixture f;
  Append(File(f.dir, "app.log"), "a1\n");
  auto r = f.Make(f.Config("start_at: beginning\n"));
  r->PollOnce();
  Append(File(f.dir, "app.log"), "a2\n");
  fs::rename(File(f.dir, "app.log"), File(f.dir, "app.log.1"));
  Append(File(f.dir, "app.log"), "b1\n");
  r->PollOnce();
  EXPECT_EQ(f.sink.Take(), (Lines{"a1", "b1", "a2"}));
}

TEST(FilelogReceiverTest, CopyTruncateReadsEachLineOnce) {
  Fixture f;
  Append(File(f.dir, "app.log"), "c1\nc2\n");
  auto r = f.Make(f.Config("start_at: beginning\n"));
  r->PollOnce();
  EXPECT_EQ(f.sink.Take(), (Lines{"c1", "c2"}));
  Append(File(f.dir, "app.log"), "c3\n");
  fs::copy_file(File(f.dir, "app.log"), File(f.dir, "app.log.1"));
  r->PollOnce();  // the copy has the same fingerprint: read once
  EXPECT_EQ(f.sink.Take(), (Lines{"c3"}));
  fs::resize_file(File(f.dir, "app.log"), 0);
  Append(File(f.dir, "app.log"), "d1\n");
  r->PollOnce();
  EXPECT_EQ(f.sink.Take(), (Lines{"d1"}));
}

TEST(FilelogReceiverTest, FileThatShrankBelowItsOffsetIsReadFromZero) {
  Fixture f;
  const std::string head = "0123456789abcdef";  // the whole 16-byte fingerprint
  Append(File(f.dir, "app.log"), head + "-old line\nmore\n");
  auto r = f.Make(f.Config("start_at: beginning\nfingerprint_size: 16\n"));
  r->PollOnce();
  EXPECT_EQ(f.sink.Take(), (Lines{head + "-old line", "more"}));
  fs::resize_file(File(f.dir, "app.log"), 0);
  Append(File(f.dir, "app.log"), head + "-new\n");
  r->PollOnce();
  EXPECT_EQ(f.sink.Take(), (Lines{head + "-new"}));
}

TEST(FilelogReceiverTest, PartialLineWaitsForNewlineOrForceFlush) {
  Fixture f;
  auto r = f.Make(f.Config("start_at: beginning\nforce_flush_period: 500ms\n"));
  Append(File(f.dir, "app.log"), "one\ntw");
  r->PollOnce();
  EXPECT_EQ(f.sink.Take(), (Lines{"one"}));
  f.now += std::chrono::milliseconds(400);
  r->PollOnce();
  EXPECT_EQ(f.sink.Take(), Lines{});
  Append(File(f.dir, "app.log"), "o\nthree");
  r->PollOnce();
  EXPECT_EQ(f.sink.Take(), (Lines{"two"}));
  f.now += std::chrono::milliseconds(499);
  r->PollOnce();
  EXPECT_EQ(f.sink.Take(), Lines{});
  f.now += std::chrono::milliseconds(1);
  r->PollOnce();
  EXPECT_EQ(f.sink.Take(), (Lines{"three"}));
  Append(File(f.dir, "app.log"), "four\n");
  r->PollOnce();
  EXPECT_EQ(f.sink.Take(), (Lines{"four"}));
}

TEST(FilelogReceiverTest, MultilineLineStartPattern) {
  Fixture f;
  auto r = f.Make(f.Config("start_at: beginning\nmultiline:\n  line_start_pattern: ^Exception\n"));
  Append(File(f.dir, "app.log"),
         "Exception in thread 1\n  at a(A.java:1)\n  at b(B.java:2)\nException in thread 2\n"
         "  at c(C.java:3)\n");
  r->PollOnce();
  EXPECT_EQ(f.sink.Take(), (Lines{"Exception in thread 1\n  at a(A.java:1)\n  at b(B.java:2)"}));
  f.now += std::chrono::seconds(1);
  r->PollOnce();
  EXPECT_EQ(f.sink.Take(), (Lines{"Exception in thread 2\n  at c(C.java:3)"}));
}

TEST(FilelogReceiverTest, MultilineLineEndPattern) {
  Fixture f;
  auto r = f.Make(f.Config("start_at: beginning\nmultiline:\n  line_end_pattern: ';$'\n"));
  Append(File(f.dir, "app.log"), "select a\nfrom t;\nselect b;\nupdate");
  r->PollOnce();
  EXPECT_EQ(f.sink.Take(), (Lines{"select a\nfrom t;", "select b;"}));
}

TEST(FilelogReceiverTest, MaxLogSizeSplitsLongEntries) {
  Fixture f;
  auto r = f.Make(f.Config("start_at: beginning\nmax_log_size: 4\n"));
  Append(File(f.dir, "app.log"), "abcdefghij\nxy\n");
  r->PollOnce();
  EXPECT_EQ(f.sink.Take(), (Lines{"abcd", "efgh", "ij", "xy"}));
}

TEST(FilelogReceiverTest, InvalidUtf8BecomesReplacementCharacters) {
  Fixture f;
  auto r = f.Make(f.Config("start_at: beginning\n"));
  Append(File(f.dir, "app.log"), "ok \xff\xfe end\n");
  r->PollOnce();
  EXPECT_EQ(f.sink.Take(), (Lines{"ok \xEF\xBF\xBD\xEF\xBF\xBD end"}));
}

TEST(FilelogReceiverTest, RestartWithFileStorageNeitherLosesNorRepeats) {
  Fixture f;
  FileLogConfig cfg = f.Config("storage: file_storage\n");
  Append(File(f.dir, "app.log"), "before start\n");
  {
    auto r = f.Make(cfg);
    r->PollOnce();
    Append(File(f.dir, "app.log"), "l1\nl2\nl3\n");
    r->PollOnce();
    r->Shutdown();
  }
  EXPECT_EQ(f.sink.Take(), (Lines{"l1", "l2", "l3"}));
  Append(File(f.dir, "app.log"), "l4\n");
  fs::rename(File(f.dir, "app.log"), File(f.dir, "app.log.1"));
  Append(File(f.dir, "app.log"), "m1\n");
  auto r = f.Make(cfg);  // start_at: end does not apply when resuming
  r->PollOnce();
  EXPECT_EQ(f.sink.Take(), (Lines{"m1", "l4"}));
  EXPECT_TRUE(fs::exists(File(f.dir, "storage/receiver_filelog_")));
}

TEST(FilelogReceiverTest, RetryableRefusalIsRetriedUntilAccepted) {
  Fixture f;
  auto r =
      f.Make(f.Config("start_at: beginning\nretry_on_failure:\n  initial_interval: 1ms\n"
                      "  max_interval: 2ms\n"));
  f.sink.refuse = 3;
  Append(File(f.dir, "app.log"), "x\ny\n");
  r->PollOnce();
  EXPECT_EQ(f.sink.Take(), (Lines{"x", "y"}));
  EXPECT_EQ(f.sink.calls, 4);
  EXPECT_EQ(f.metrics.Value("otelcol_receiver_refused_log_records",
                            {{"receiver", "filelog"}, {"transport", ""}}),
            6);
  EXPECT_EQ(f.metrics.Value("otelcol_receiver_accepted_log_records",
                            {{"receiver", "filelog"}, {"transport", ""}}),
            2);
}

TEST(FilelogReceiverTest, PermanentRefusalIsDroppedAndCounted) {
  Fixture f;
  auto r = f.Make(f.Config("start_at: beginning\n"));
  f.sink.refuse = 1;
  f.sink.refusal = InvalidArgument("bad data");
  Append(File(f.dir, "app.log"), "x\n");
  r->PollOnce();
  Append(File(f.dir, "app.log"), "y\n");
  r->PollOnce();
  EXPECT_EQ(f.sink.Take(), (Lines{"y"}));
  EXPECT_EQ(f.Metric("otter_receiver_filelog_dropped_log_records_total"), 1);
}

TEST(FilelogReceiverTest, ExcludeAndDoubleStarGlobs) {
  Fixture f;
  fs::create_directories(File(f.dir, "a/b"));
  Append(File(f.dir, "a/b/x.log"), "deep\n");
  Append(File(f.dir, "a/y.log"), "shallow\n");
  Append(File(f.dir, "a/b/skip.log"), "skipped\n");
  FileLogConfig cfg = f.Config("start_at: beginning\n");
  cfg.include = {f.dir.path() + "/**/*.log"};
  cfg.exclude = {f.dir.path() + "/**/skip.log"};
  auto r = f.Make(cfg);
  r->PollOnce();
  auto got = f.sink.Take();
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (Lines{"deep", "shallow"}));
}

TEST(FilelogReceiverTest, DeleteAfterRead) {
  Fixture f;
  auto r = f.Make(f.Config("start_at: beginning\ndelete_after_read: true\n"));
  Append(File(f.dir, "app.log"), "gone\n");
  r->PollOnce();
  EXPECT_EQ(f.sink.Take(), (Lines{"gone"}));
  EXPECT_FALSE(fs::exists(File(f.dir, "app.log")));
}

TEST(FilelogReceiverTest, ConfigValidationNamesTheKey) {
  auto errors = [](const std::string& yaml) {
    auto node = config::ParseYaml(yaml, "f.yaml");
    config::Diagnostics d;
    FileLogConfig cfg;
    FileLogConfigTable().Parse(*node, cfg, d);
    if (!d.ok()) return d.ErrorsText().substr(0, d.ErrorsText().size() - 1);
    return std::string(cfg.Validate().message());
  };
  EXPECT_EQ(errors("start_at: beginning\n"), "include: required argument `include` is empty");
  EXPECT_EQ(errors("include: [a]\nstart_at: middle\n"),
            "start_at: invalid start_at location 'middle'");
  EXPECT_EQ(errors("include: [a]\nfingerprint_size: 8\n"),
            "fingerprint_size: `fingerprint_size` must be at least 16 bytes");
  EXPECT_EQ(errors("include: [a]\nfingerprint_size: 2kib\n"), "");
  EXPECT_EQ(errors("include: [a]\nmax_log_size: lots\n"),
            "f.yaml:2: invalid byte size \"lots\" (e.g. 1000, 1kb, 16KiB, 1MiB)");
  EXPECT_EQ(errors("include: [a]\ndelete_after_read: true\n"),
            "delete_after_read: `delete_after_read` cannot be used with `start_at: end`");
  EXPECT_EQ(errors("include: [a]\nmultiline: {line_start_pattern: a, line_end_pattern: b}\n"),
            "multiline: exactly one of line_start_pattern or line_end_pattern must be set");
  EXPECT_EQ(errors("include: [a]\nencoding: utf-16le\n"),
            "encoding: \"utf-16le\" is not supported yet by otter (utf-8, ascii and nop are)");
}

}  // namespace
}  // namespace otter::filelog
