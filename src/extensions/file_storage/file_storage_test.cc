#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "component/storage.h"
#include "extensions/file_storage/extension.h"
#include "extensions/file_storage/kv_file.h"
#include "util/harness.h"

namespace otter::file_storage {
namespace {

namespace fs = std::filesystem;
using otter::testing::TempDir;

std::string File(const TempDir& d, const std::string& name) { return d.path() + "/" + name; }

using Op = StorageClient::Op;

Op Set(std::string k, std::string v) { return {Op::Kind::kSet, std::move(k), std::move(v)}; }
Op Del(std::string k) { return {Op::Kind::kDelete, std::move(k), {}}; }

TEST(KvFileTest, SetGetDeleteSurviveReopen) {
  TempDir dir;
  {
    auto kv = KvFile::Open(File(dir, "c"), {});
    ASSERT_TRUE(kv.ok()) << kv.status().ToString();
    ASSERT_TRUE((*kv)->Apply({Set("a", "1"), Set("b", "2")}).ok());
    ASSERT_TRUE((*kv)->Apply({Set("a", "3"), Del("b"), Set("c", std::string("\0x", 2))}).ok());
    EXPECT_EQ((*kv)->Get("a"), "3");
    EXPECT_EQ((*kv)->Get("b"), std::nullopt);
  }
  auto kv = KvFile::Open(File(dir, "c"), {});
  ASSERT_TRUE(kv.ok());
  EXPECT_EQ((*kv)->Get("a"), "3");
  EXPECT_EQ((*kv)->Get("b"), std::nullopt);
  EXPECT_EQ((*kv)->Get("c"), std::string("\0x", 2));
  EXPECT_EQ((*kv)->entries(), 2u);
  EXPECT_EQ((*kv)->recovered_tail_bytes(), 0u);
}

TEST(KvFileTest, TornTailIsCutOffAndTheLastWholeBatchKept) {
  TempDir dir;
  uint64_t good_size;
  {
    auto kv = KvFile::Open(File(dir, "c"), {});
    ASSERT_TRUE((*kv)->Apply({Set("offset", "100")}).ok());
    ASSERT_TRUE((*kv)->Apply({Set("offset", "200"), Set("other", "x")}).ok());
    good_size = (*kv)->file_bytes();
  }
  // A crash in the middle of the next batch: half a record at the end.
  {
    auto kv = KvFile::Open(File(dir, "c"), {});
    ASSERT_TRUE((*kv)->Apply({Set("offset", "300")}).ok());
  }
  fs::resize_file(File(dir, "c"), fs::file_size(File(dir, "c")) - 3);
  auto kv = KvFile::Open(File(dir, "c"), {});
  ASSERT_TRUE(kv.ok());
  EXPECT_EQ((*kv)->Get("offset"), "200");
  EXPECT_EQ((*kv)->Get("other"), "x");
  EXPECT_GT((*kv)->recovered_tail_bytes(), 0u);
  EXPECT_EQ(fs::file_size(File(dir, "c")), good_size);
  // Appending after the cut keeps the log readable.
  ASSERT_TRUE((*kv)->Apply({Set("offset", "400")}).ok());
  kv->reset();
  auto again = KvFile::Open(File(dir, "c"), {});
  EXPECT_EQ((*again)->Get("offset"), "400");
  EXPECT_EQ((*again)->recovered_tail_bytes(), 0u);
}

TEST(KvFileTest, CorruptRecordEndsTheLog) {
  TempDir dir;
  {
    auto kv = KvFile::Open(File(dir, "c"), {});
    ASSERT_TRUE((*kv)->Apply({Set("k", "first")}).ok());
    ASSERT_TRUE((*kv)->Apply({Set("k", "second")}).ok());
  }
  // Flip the last byte (inside the second record's payload): its CRC no longer matches.
  std::fstream f(File(dir, "c"), std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(-1, std::ios::end);
  f.put('Z');
  f.close();
  auto kv = KvFile::Open(File(dir, "c"), {});
  EXPECT_EQ((*kv)->Get("k"), "first");
}

TEST(KvFileTest, CompactionKeepsLiveDataAndShrinksTheFile) {
  TempDir dir;
  KvFile::Options o;
  o.compact_min_bytes = 4096;
  auto kv = KvFile::Open(File(dir, "c"), o);
  for (int i = 0; i < 2000; ++i)
    ASSERT_TRUE((*kv)->Apply({Set("offset", std::to_string(i)), Set("fixed", "v")}).ok());
  EXPECT_LT((*kv)->file_bytes(), 4096u * 2);
  EXPECT_EQ(fs::file_size(File(dir, "c")), (*kv)->file_bytes());
  kv->reset();
  auto reopened = KvFile::Open(File(dir, "c"), o);
  EXPECT_EQ((*reopened)->Get("offset"), "1999");
  EXPECT_EQ((*reopened)->Get("fixed"), "v");
  EXPECT_FALSE(fs::exists(File(dir, "c.compact")));
}

TEST(KvFileTest, SecondOpenerWaitsForTheLockThenFails) {
  TempDir dir;
  auto first = KvFile::Open(File(dir, "c"), {});
  ASSERT_TRUE(first.ok());
  KvFile::Options o;
  o.lock_timeout = std::chrono::milliseconds(30);
  auto second = KvFile::Open(File(dir, "c"), o);
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.status().message().find("held by another process"), std::string::npos);
}

TEST(KvFileTest, NotAStorageFileIsAnError) {
  TempDir dir;
  std::ofstream(File(dir, "c")) << "this is some other file\n";
  auto kv = KvFile::Open(File(dir, "c"), {});
  ASSERT_FALSE(kv.ok());
  EXPECT_NE(kv.status().message().find("bad magic"), std::string::npos);
}

TEST(FileStorageTest, ClientFileNamesAsOtelcolContrib) {
  EXPECT_EQ(FileStorageExtension::ClientFileName(ComponentKind::kReceiver, {"filelog", ""}, ""),
            "receiver_filelog_");
  EXPECT_EQ(FileStorageExtension::ClientFileName(ComponentKind::kReceiver, {"filelog", "logs"}, ""),
            "receiver_filelog_logs");
  EXPECT_EQ(FileStorageExtension::ClientFileName(ComponentKind::kReceiver,
                                                 {"filelog", "logs/container"}, ""),
            "receiver_filelog_logs~002Fcontainer");
  EXPECT_EQ(FileStorageExtension::ClientFileName(ComponentKind::kExporter, {"otlp", "a~b"}, "q"),
            "exporter_otlp_a~007Eb_q");
  EXPECT_EQ(FileStorageExtension::ClientFileName(ComponentKind::kReceiver, {"x", "é"}, ""),
            "receiver_x_~00E9");
}

class FakeHost : public ExtensionHost {
 public:
  Extension* FindExtension(const ComponentId& id) const override {
    return id.ToString() == "file_storage/x" ? ext : nullptr;
  }
  Extension* ext = nullptr;
};

TEST(FileStorageTest, ComponentsFindTheirClientThroughTheHost) {
  TempDir dir;
  FileStorageConfig cfg;
  cfg.directory = dir.path();
  ComponentContext ext_ctx;
  ext_ctx.id = {"file_storage", "x"};
  ext_ctx.kind = ComponentKind::kExtension;
  FileStorageExtension ext(ext_ctx, cfg);
  ASSERT_TRUE(ext.Start().ok());
  FakeHost host;
  host.ext = &ext;
  ComponentContext ctx;
  ctx.id = {"filelog", "a"};
  ctx.host = &host;
  auto client = GetStorageClient(ctx, "file_storage/x");
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  ASSERT_TRUE((*client)->Set("k", "v").ok());
  EXPECT_TRUE(fs::exists(File(dir, "receiver_filelog_a")));
  auto missing = GetStorageClient(ctx, "file_storage/other");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message(),
            "storage: extension \"file_storage/other\" not found (configure it under extensions "
            "and list it in service.extensions)");
}

TEST(FileStorageTest, ValidateNamesTheDirectory) {
  FileStorageConfig cfg;
  cfg.directory = "/nonexistent/otter-dir";
  Status s = cfg.Validate();
  EXPECT_EQ(
      s.message(),
      "directory: directory must exist: /nonexistent/otter-dir (or set create_directory: true)");
  cfg.create_directory = true;
  EXPECT_TRUE(cfg.Validate().ok());
}

}  // namespace
}  // namespace otter::file_storage
