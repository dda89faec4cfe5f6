#include "store/block.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <random>

#include "store/file_util.h"
#include "util/harness.h"

namespace otter::store {
namespace {

// Records of random bytes (incompressible: the block is as large as the records).
std::vector<std::string> Records(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::string> out;
  for (size_t i = 0; i < n; ++i) {
    std::string r(200 + rng() % 2000, '\0');
    for (char& c : r) c = static_cast<char>(rng());
    out.push_back(std::move(r));
  }
  return out;
}

class BlockTest : public ::testing::Test {
 protected:
  std::string Path(const std::string& name) const { return dir_.path() + "/" + name; }
  std::shared_ptr<BlockReader> WriteSource(const std::string& name,
                                           const std::vector<std::string>& records) {
    BlockWriter w;
    for (const auto& r : records) w.AddFrame(r);
    EXPECT_TRUE(WriteFileAtomic(Path(name), w.Finish("source index", 7)).ok());
    auto reader = BlockReader::Open(Path(name));
    EXPECT_TRUE(reader.ok()) << reader.status().ToString();
    return reader.ok() ? *reader : nullptr;
  }
  // Builds the same block in memory and streamed to a file: records in shared frames, frames of
  // their own, and frames copied from `source`.
  void Build(BlockWriter& w, const BlockReader& source, const std::vector<std::string>& records,
             std::vector<RecordLocation>* locs) {
    for (size_t i = 0; i < records.size(); ++i) {
      if (i % 3 == 0) {
        locs->push_back(w.Add(records[i]));
      } else if (i % 3 == 1) {
        locs->push_back(w.AddFrame(records[i]));
      } else {
        auto loc = w.AddFrameOf(source, static_cast<uint32_t>(i % source.frame_count()));
        ASSERT_TRUE(loc.ok()) << loc.status().ToString();
        locs->push_back(*loc);
      }
    }
  }
  testing::TempDir dir_;
};

// A block streamed to its file (spilling its buffer many times, frames copied file to file) is
// byte for byte the block built in memory, and reads back the same.
TEST_F(BlockTest, StreamedBlockIsTheBlockBuiltInMemory) {
  auto source_records = Records(40, 1);
  auto source = WriteSource("source.blk", source_records);
  ASSERT_TRUE(source);
  auto records = Records(3000, 2);  // ~3.3 MB raw: several spills of the 1 MiB buffer

  BlockWriter memory;
  std::vector<RecordLocation> mem_locs;
  Build(memory, *source, records, &mem_locs);
  std::string image = memory.Finish("the index", 42);

  std::vector<RecordLocation> file_locs;
  ASSERT_TRUE(WriteFileAtomic(Path("streamed.blk"), [&](int fd, const std::string& path) {
                BlockWriter streamed(fd, path);
                Build(streamed, *source, records, &file_locs);
                return streamed.FinishFile("the index", 42);
              }).ok());
  auto on_disk = ReadFile(Path("streamed.blk"));
  ASSERT_TRUE(on_disk.ok());
  EXPECT_GT(on_disk->size(), 2 * BlockWriter::kSpillBytes);
  EXPECT_TRUE(*on_disk == image) << on_disk->size() << " vs " << image.size();

  auto reader = BlockReader::Open(Path("streamed.blk"));
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_EQ((*reader)->signal_index(), "the index");
  EXPECT_EQ((*reader)->wal_segment(), 42u);
  ASSERT_EQ(file_locs.size(), records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    auto r = (*reader)->Read(file_locs[i]);
    ASSERT_TRUE(r.ok()) << i;
    const std::string& want = i % 3 == 2 ? source_records[i % source_records.size()] : records[i];
    EXPECT_EQ(*r, want) << i;
  }
}

// Blocks of format versions 1 (written before span pages had numeric column codings) and 2
// (before trace page directories) open and read; a version this build does not know is refused.
TEST_F(BlockTest, ReadsOlderVersionsRefusesNewer) {
  auto records = Records(5, 3);
  BlockWriter w;
  std::vector<RecordLocation> locs;
  for (const auto& r : records) locs.push_back(w.AddFrame(r));
  std::string image = w.Finish("index", 9);
  ASSERT_EQ(image.substr(image.size() - 12, 4), std::string("\x03\0\0\0", 4));
  for (char version : {'\x01', '\x02', '\x04', '\0'}) {
    std::string file = image;
    file[file.size() - 12] = version;
    std::string path = Path(std::string("v") + static_cast<char>('0' + version) + ".blk");
    ASSERT_TRUE(WriteFileAtomic(path, file).ok());
    auto reader = BlockReader::Open(path);
    if (version != '\x01' && version != '\x02') {
      ASSERT_FALSE(reader.ok());
      EXPECT_NE(reader.status().message().find("unsupported block version"), std::string::npos);
      continue;
    }
    ASSERT_TRUE(reader.ok()) << reader.status().ToString();
    EXPECT_EQ((*reader)->signal_index(), "index");
    for (size_t i = 0; i < records.size(); ++i) EXPECT_EQ(*(*reader)->Read(locs[i]), records[i]);
  }
}

// A source frame whose header disagrees with the frame table is not copied.
TEST_F(BlockTest, CopyingACorruptFrameFails) {
  auto source = WriteSource("source.blk", Records(2, 3));
  ASSERT_TRUE(source);
  // The second frame's content size lives in its header: flip a byte of it.
  {
    int fd = ::open(Path("source.blk").c_str(), O_RDWR);
    ASSERT_GE(fd, 0);
    uint32_t raw = 0;
    auto first = source->CompressedFrame(0, &raw);
    ASSERT_TRUE(first.ok());
    off_t second = static_cast<off_t>(8 + first->size());
    char b = 0;
    ASSERT_EQ(::pread(fd, &b, 1, second + 5), 1);
    b ^= 0x40;
    ASSERT_EQ(::pwrite(fd, &b, 1, second + 5), 1);
    ::close(fd);
  }
  Status st = WriteFileAtomic(Path("merged.blk"), [&](int fd, const std::string& path) {
    BlockWriter w(fd, path);
    RETURN_IF_ERROR(w.AddFrameOf(*source, 0).status());
    RETURN_IF_ERROR(w.AddFrameOf(*source, 1).status());
    return w.FinishFile("", 1);
  });
  EXPECT_EQ(st.code(), StatusCode::kDataLoss) << st.ToString();
  // A failed fill leaves neither the block nor its temporary file.
  EXPECT_FALSE(std::filesystem::exists(Path("merged.blk")));
  EXPECT_FALSE(std::filesystem::exists(Path("merged.blk.tmp")));
}

// Where the kernel cannot copy between the two files (here: into a pipe), frames are copied
// through memory instead, with the same bytes.
TEST_F(BlockTest, FramesAreCopiedThroughMemoryWhereTheKernelCannot) {
  auto source = WriteSource("source.blk", Records(3, 4));
  ASSERT_TRUE(source);
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  uint32_t raw = 0, compressed = 0;
  Status st = source->CopyFrameTo(1, pipe_fds[1], "a pipe", &raw, &compressed);
  ::close(pipe_fds[1]);
  ASSERT_TRUE(st.ok()) << st.ToString();
  std::string copied(compressed + 1, '\0');
  ssize_t n = ::read(pipe_fds[0], copied.data(), copied.size());
  ::close(pipe_fds[0]);
  uint32_t want_raw = 0;
  auto want = source->CompressedFrame(1, &want_raw);
  ASSERT_TRUE(want.ok());
  ASSERT_EQ(n, static_cast<ssize_t>(want->size()));
  copied.resize(static_cast<size_t>(n));
  EXPECT_EQ(copied, *want);
  EXPECT_EQ(raw, want_raw);
}

// A write error while streaming is returned by FinishFile, naming the file.
TEST_F(BlockTest, StreamingWriteErrorsAreReported) {
  std::string path = Path("readonly.blk");
  ASSERT_TRUE(WriteFileAtomic(path, "").ok());
  int fd = ::open(path.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  BlockWriter w(fd, path);
  w.AddFrame("some record");
  Status st = w.FinishFile("", 1);
  ::close(fd);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("readonly.blk"), std::string_view::npos) << st.ToString();
}

}  // namespace
}  // namespace otter::store
