#include "store/wal.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>
#include <unistd.h>

#include <filesystem>

#include "store/crc32.h"
#include "store/file_util.h"
#include "util/fault_env.h"
#include "util/harness.h"

namespace otter::store {
namespace {

struct Record {
  uint8_t type;
  std::string payload;
  bool operator==(const Record&) const = default;
};

class WalTest : public ::testing::Test {
 protected:
  Wal::Options Opts() {
    Wal::Options o;
    o.dir = dir_.path() + "/wal";
    if (env_) o.env = env_;
    o.logger =
        std::make_shared<spdlog::logger>("wal", std::make_shared<spdlog::sinks::null_sink_mt>());
    return o;
  }
  std::unique_ptr<Wal> Open(std::vector<Record>* replayed, Wal::ReplayStats* stats = nullptr,
                            uint64_t replay_after = 0) {
    auto wal = Wal::Open(
        Opts(), replay_after,
        [&](uint8_t t, std::string_view p, uint64_t) {
          replayed->push_back({t, std::string(p)});
          return Status::Ok();
        },
        stats);
    EXPECT_TRUE(wal.ok()) << wal.status().ToString();
    return wal.ok() ? std::move(*wal) : nullptr;
  }
  std::string LastSegmentPath() {
    auto segs = ListWalSegments(Opts().dir);
    char name[32];
    std::snprintf(name, sizeof name, "%016llu.wal", static_cast<unsigned long long>(segs->back()));
    return Opts().dir + "/" + name;
  }
  testing::TempDir dir_;
  store::Env* env_ = nullptr;
};

TEST_F(WalTest, ReplaysEverySyncedRecordInOrder) {
  std::vector<Record> none, got;
  {
    auto wal = Open(&none);
    ASSERT_TRUE(wal->Append(1, "alpha").ok());
    ASSERT_TRUE(wal->Append(3, std::string(100000, 'x')).ok());
    ASSERT_TRUE(wal->Sync().ok());
    ASSERT_TRUE(wal->Append(2, "").ok());
    ASSERT_TRUE(wal->Sync().ok());
  }
  EXPECT_TRUE(none.empty());
  Wal::ReplayStats st;
  auto wal = Open(&got, &st);
  std::vector<Record> want = {{1, "alpha"}, {3, std::string(100000, 'x')}, {2, ""}};
  EXPECT_EQ(got, want);
  EXPECT_EQ(st.records, 3u);
  EXPECT_EQ(st.truncated_bytes, 0u);
}

// Referenced payloads (written with writev, more pieces than one writev takes) and copied ones
// interleave in one commit and replay in order.
TEST_F(WalTest, ReferencedAndCopiedRecordsReplayInOrder) {
  std::vector<Record> none, got, want;
  std::vector<std::string> payloads;
  for (int i = 0; i < 1500; ++i)
    payloads.push_back(std::string(i % 7 == 0 ? 0 : 100 + i, 'a' + i % 26));
  {
    auto wal = Open(&none);
    for (int i = 0; i < 1500; ++i) {
      auto type = static_cast<uint8_t>(1 + i % 3);
      ASSERT_TRUE(
          (i % 2 ? wal->AppendRef(type, payloads[i]) : wal->Append(type, payloads[i])).ok());
      want.push_back({type, payloads[i]});
    }
    uint64_t expected = Wal::kSegmentHeaderSize;
    for (const auto& r : want) expected += Wal::kHeaderSize + r.payload.size();
    EXPECT_EQ(wal->size_bytes(), expected);
    ASSERT_TRUE(wal->Sync().ok());
    EXPECT_EQ(wal->size_bytes(), expected);
  }
  auto wal = Open(&got);
  EXPECT_EQ(got, want);
}

// A group that failed to append is discarded whole: none of it reaches the log later.
TEST_F(WalTest, DiscardedRecordsAreNeverWritten) {
  std::vector<Record> none, got;
  {
    auto wal = Open(&none);
    std::string referenced = "referenced";
    ASSERT_TRUE(wal->Append(1, "copied").ok());
    ASSERT_TRUE(wal->AppendRef(1, referenced).ok());
    wal->Discard();
    referenced.assign("overwritten");
    ASSERT_TRUE(wal->Append(2, "kept").ok());
    ASSERT_TRUE(wal->Sync().ok());
  }
  auto wal = Open(&got);
  EXPECT_EQ(got, (std::vector<Record>{{2, "kept"}}));
}

TEST_F(WalTest, TornTailIsTruncatedAndAppendsContinue) {
  std::vector<Record> none;
  std::string path;
  {
    auto wal = Open(&none);
    ASSERT_TRUE(wal->Append(1, "kept").ok());
    ASSERT_TRUE(wal->Sync().ok());
    path = LastSegmentPath();
  }
  uint64_t good_size = std::filesystem::file_size(path);
  {
    // A crash in the middle of a write: a header promising 1000 bytes, then only 10.
    int fd = ::open(path.c_str(), O_WRONLY | O_APPEND);
    char header[Wal::kHeaderSize] = {};
    StoreLE32(header, 0x57a7c0de);
    StoreLE32(header + 4, 1000);
    ASSERT_EQ(::write(fd, header, sizeof header), ssize_t(sizeof header));
    ASSERT_EQ(::write(fd, "0123456789", 10), 10);
    ::close(fd);
  }
  std::vector<Record> got;
  Wal::ReplayStats st;
  {
    auto wal = Open(&got, &st);
    ASSERT_NE(wal, nullptr);
    EXPECT_EQ(got, (std::vector<Record>{{1, "kept"}}));
    EXPECT_EQ(st.truncated_bytes, Wal::kHeaderSize + 10);
    EXPECT_EQ(std::filesystem::file_size(path), good_size);
    ASSERT_TRUE(wal->Append(2, "after").ok());
    ASSERT_TRUE(wal->Sync().ok());
  }
  got.clear();
  auto wal = Open(&got, &st);
  EXPECT_EQ(got, (std::vector<Record>{{1, "kept"}, {2, "after"}}));
  EXPECT_EQ(st.truncated_bytes, 0u);
}

// Damage in the middle of a segment (bit rot, not a crash) costs the damaged record only: replay
// finds the next record by its magic and counts what it skipped.
TEST_F(WalTest, DamagedRecordIsSkippedAndTheRecordsAfterItReplay) {
  std::vector<Record> none;
  std::string path;
  {
    auto wal = Open(&none);
    ASSERT_TRUE(wal->Append(1, "one").ok());
    ASSERT_TRUE(wal->Append(1, "two").ok());
    ASSERT_TRUE(wal->Append(1, "three").ok());
    ASSERT_TRUE(wal->Sync().ok());
    path = LastSegmentPath();
  }
  // Flip one payload byte of the second record ("two").
  auto data = ReadFile(path);
  ASSERT_TRUE(data.ok());
  size_t second_payload = Wal::kSegmentHeaderSize + Wal::kHeaderSize + 3 + Wal::kHeaderSize;
  ASSERT_EQ(data->substr(second_payload, 3), "two");
  int fd = ::open(path.c_str(), O_WRONLY);
  ASSERT_EQ(::pwrite(fd, "T", 1, static_cast<off_t>(second_payload)), 1);
  ::close(fd);
  std::vector<Record> got;
  Wal::ReplayStats st;
  auto wal = Open(&got, &st);
  EXPECT_EQ(got, (std::vector<Record>{{1, "one"}, {1, "three"}}));
  EXPECT_EQ(st.corrupt_regions, 1u);
  EXPECT_EQ(st.corrupt_bytes, Wal::kHeaderSize + 3);
  EXPECT_EQ(st.truncated_bytes, 0u);
}

// Defect: a write that failed part-way left its bytes in the segment, the next group was appended
// after them and acknowledged, and replay stopped at the torn record: acknowledged data was lost.
TEST_F(WalTest, ShortWriteDoesNotCostTheGroupsCommittedAfterIt) {
  testing::FaultEnv fault(7);
  env_ = &fault;
  std::vector<Record> none;
  {
    auto wal = Open(&none);
    ASSERT_TRUE(wal->Append(1, "before").ok());
    ASSERT_TRUE(wal->Sync().ok());
    fault.InjectAt(0, testing::FaultEnv::Fault::kShortWrite);
    ASSERT_TRUE(wal->Append(1, std::string(5000, 'r')).ok());  // refused
    EXPECT_FALSE(wal->Sync().ok());
    EXPECT_TRUE(wal->degraded());
    ASSERT_TRUE(wal->Append(1, "while degraded").ok());
    EXPECT_FALSE(wal->Sync().ok());  // refused until a clean segment starts
    ASSERT_TRUE(wal->Recover().ok());
    EXPECT_FALSE(wal->degraded());
    ASSERT_TRUE(wal->Append(1, "after").ok());
    ASSERT_TRUE(wal->Sync().ok());
  }
  std::vector<Record> got;
  Wal::ReplayStats st;
  auto wal = Open(&got, &st);
  EXPECT_EQ(got, (std::vector<Record>{{1, "before"}, {1, "after"}}));
  EXPECT_EQ(st.corrupt_regions, 0u);
}

// Defect: records whose fdatasync failed were refused to the client but replayed later, so the
// client's retry stored them twice. After a failed fsync the data may be on disk anyway (the
// worst case, injected here); the next segment's header seals the old one before it.
TEST_F(WalTest, GroupWhoseSyncFailedIsNeverReplayed) {
  testing::FaultEnv fault(8);
  env_ = &fault;
  std::vector<Record> none;
  {
    auto wal = Open(&none);
    ASSERT_TRUE(wal->Append(1, "acked").ok());
    ASSERT_TRUE(wal->Sync().ok());
    ASSERT_TRUE(wal->Append(1, "refused").ok());
    fault.InjectAt(1, testing::FaultEnv::Fault::kSyncKept);  // op 0 is the write
    fault.InjectAt(2, testing::FaultEnv::Fault::kError);     // and cutting it off fails too
    EXPECT_FALSE(wal->Sync().ok());
    ASSERT_TRUE(wal->Recover().ok());
    ASSERT_TRUE(wal->Append(1, "retried").ok());
    ASSERT_TRUE(wal->Sync().ok());
  }
  fault.PowerLoss(/*torn=*/false);
  std::vector<Record> got;
  Wal::ReplayStats st;
  auto wal = Open(&got, &st);
  EXPECT_EQ(got, (std::vector<Record>{{1, "acked"}, {1, "retried"}}));
  EXPECT_GT(st.aborted_bytes, 0u);
}

// A power loss drops what was not synced: every synced record replays, nothing else.
TEST_F(WalTest, PowerLossKeepsExactlyTheSyncedRecords) {
  for (bool torn : {false, true}) {
    SCOPED_TRACE(torn);
    testing::FaultEnv fault(9);
    env_ = &fault;
    std::filesystem::remove_all(Opts().dir);
    std::vector<Record> none, want;
    {
      auto wal = Open(&none);
      for (int i = 0; i < 20; ++i) {
        ASSERT_TRUE(wal->Append(2, "rec" + std::to_string(i)).ok());
        ASSERT_TRUE(wal->Sync().ok());
        want.push_back({2, "rec" + std::to_string(i)});
      }
      ASSERT_TRUE(wal->Append(2, "unsynced").ok());
      fault.InjectAt(1, testing::FaultEnv::Fault::kPowerLoss);  // the write lands, the sync not
      EXPECT_FALSE(wal->Sync().ok());
    }
    fault.PowerLoss(torn);
    std::vector<Record> got;
    auto wal = Open(&got);
    EXPECT_EQ(got, want);
  }
}

// Segments written before the format had a header and record magics still replay.
TEST_F(WalTest, FormatOneSegmentsStillReplay) {
  ASSERT_TRUE(CreateDirs(Opts().dir).ok());
  std::string v1;
  for (std::string_view payload : {std::string_view("old one"), std::string_view("old two")}) {
    char header[9];
    char type = 3;
    StoreLE32(header, static_cast<uint32_t>(payload.size()));
    StoreLE32(header + 4, Crc32(Crc32(0, {&type, 1}), payload));
    header[8] = type;
    v1.append(header, 9).append(payload);
  }
  ASSERT_TRUE(WriteFileAtomic(Opts().dir + "/0000000000000004.wal", v1).ok());
  std::vector<Record> none, got;
  {
    auto wal = Open(&none);
    EXPECT_EQ(none, (std::vector<Record>{{3, "old one"}, {3, "old two"}}));
    ASSERT_TRUE(wal->Append(1, "new").ok());
    ASSERT_TRUE(wal->Sync().ok());
  }
  auto wal = Open(&got);
  EXPECT_EQ(got, (std::vector<Record>{{3, "old one"}, {3, "old two"}, {1, "new"}}));
}

TEST_F(WalTest, SegmentsCoveredByBlocksAreNotReplayed) {
  std::vector<Record> none;
  uint64_t closed;
  {
    auto wal = Open(&none);
    ASSERT_TRUE(wal->Append(1, "old").ok());
    auto c = wal->Rotate();
    ASSERT_TRUE(c.ok());
    closed = *c;
    ASSERT_TRUE(wal->Append(1, "new").ok());
    ASSERT_TRUE(wal->Sync().ok());
  }
  std::vector<Record> got;
  auto wal = Open(&got, nullptr, closed);
  EXPECT_EQ(got, (std::vector<Record>{{1, "new"}}));
  auto segs = ListWalSegments(Opts().dir);
  ASSERT_TRUE(segs.ok());
  EXPECT_TRUE(std::find(segs->begin(), segs->end(), closed) == segs->end());
}

TEST_F(WalTest, EmptyGarbageFileIsHandled) {
  ASSERT_TRUE(CreateDirs(Opts().dir).ok());
  std::string path = Opts().dir + "/0000000000000001.wal";
  ASSERT_TRUE(WriteFileAtomic(path, "xx").ok());
  std::vector<Record> got;
  Wal::ReplayStats st;
  auto wal = Open(&got, &st);
  ASSERT_NE(wal, nullptr);
  EXPECT_TRUE(got.empty());
  EXPECT_EQ(st.truncated_bytes, 2u);
}

}  // namespace
}  // namespace otter::store
