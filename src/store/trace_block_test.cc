// Trace block format 3 (store/trace_block.h): page directories and the id table read back as
// written, lookups through the fingerprint table across chunks, fingerprint collisions resolved
// by the directory, damage reported; and through the store, trace-by-id on colliding ids.
#include "store/trace_block.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <set>
#include <unordered_map>

#include "store/file_util.h"
#include "store/store_testing.h"
#include "util/harness.h"

namespace otter::store {
namespace {

pdata::TraceId RandomId(std::mt19937_64& rng) {
  pdata::TraceId id;
  for (auto& b : id.bytes) b = static_cast<uint8_t>(rng());
  return id;
}

// Two different ids with the same fingerprint (a birthday search: ~2^16 draws).
std::pair<pdata::TraceId, pdata::TraceId> CollidingIds() {
  std::mt19937_64 rng(7);
  std::unordered_map<uint32_t, pdata::TraceId> seen;
  while (true) {
    pdata::TraceId id = RandomId(rng);
    auto [it, fresh] = seen.emplace(TraceFingerprint(id), id);
    if (!fresh && it->second != id) return {it->second, id};
  }
}

// A directory of `n` traces with ids from `ids`, 1–3 spans each, summaries from `t0`.
PageDirectory Directory(const std::vector<pdata::TraceId>& ids, uint64_t t0) {
  PageDirectory d;
  uint32_t row = 0;
  for (size_t i = 0; i < ids.size(); ++i) {
    PageDirectory::Entry e;
    e.id = ids[i];
    e.first_row = row;
    e.count = 1 + static_cast<uint32_t>(i % 3);
    row += e.count;
    e.first_op = static_cast<uint32_t>(d.op_refs.size());
    e.nops = 1 + static_cast<uint32_t>(i % 2);
    d.op_refs.push_back(static_cast<uint32_t>(i % 3));
    if (e.nops == 2) d.op_refs.push_back(3);
    e.summary.min_start = t0 + i * 10;
    e.summary.max_start = e.summary.min_start + i % 7;
    e.summary.max_duration = 100 + i;
    e.summary.error = i % 5 == 0;
    d.entries.push_back(e);
  }
  d.tag_filter = "filter of the page at " + std::to_string(t0);
  return d;
}

std::vector<std::pair<std::string, Operation>> Ops() {
  return {{"svc", {"a", "server"}},
          {"svc", {"b", "client"}},
          {"other", {"c", ""}},
          {"other", {"d", "internal"}}};
}

class TraceBlockTest : public ::testing::Test {
 protected:
  // Writes the pages (each page's bytes are its number: never decoded here) and opens the block.
  std::shared_ptr<const TraceBlock> Write(const std::vector<PageDirectory>& dirs) {
    TraceBlockBuilder builder(Ops());
    for (size_t i = 0; i < dirs.size(); ++i) builder.AddPage("page " + std::to_string(i), dirs[i]);
    path_ = dir_.path() + "/traces.blk";
    EXPECT_TRUE(WriteFileAtomic(path_, builder.Finish(4)).ok());
    auto reader = BlockReader::Open(
        path_, *PosixEnv(), [this](const std::string& p, const Status&) { corrupt_.push_back(p); });
    EXPECT_TRUE(reader.ok()) << reader.status().ToString();
    auto block = TraceBlock::Parse(std::move(*reader));
    EXPECT_TRUE(block.ok()) << block.status().ToString();
    return block.ok() ? *block : nullptr;
  }
  testing::TempDir dir_;
  std::string path_;
  std::vector<std::string> corrupt_;
};

TEST_F(TraceBlockTest, DirectoriesAndPageSummariesReadBackAsWritten) {
  std::mt19937_64 rng(1);
  std::vector<PageDirectory> dirs;
  for (int p = 0; p < 3; ++p) {
    std::vector<pdata::TraceId> ids;
    for (int i = 0; i < 50 + p; ++i) ids.push_back(RandomId(rng));
    dirs.push_back(Directory(ids, 1'000'000 * (p + 1)));
  }
  auto block = Write(dirs);
  ASSERT_TRUE(block);
  EXPECT_EQ(block->version, 3u);
  ASSERT_EQ(block->pages.size(), 3u);
  EXPECT_EQ(block->min_start, 1'000'000u);
  EXPECT_EQ(block->max_start, 3'000'000u + 51 * 10 + 51 % 7);
  for (uint32_t p = 0; p < 3; ++p) {
    const TraceBlock::Page& page = block->pages[p];
    EXPECT_EQ(page.traces, dirs[p].entries.size());
    EXPECT_EQ(page.summary.min_start, 1'000'000u * (p + 1));
    EXPECT_EQ(page.summary.max_duration, 100u + dirs[p].entries.size() - 1);
    EXPECT_TRUE(page.summary.error);
    std::span<const uint32_t> ops = block->PageOps(page);
    EXPECT_EQ(std::vector<uint32_t>(ops.begin(), ops.end()), (std::vector<uint32_t>{0, 1, 2, 3}));
    auto d = block->Directory(p);
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    EXPECT_EQ((*d)->tag_filter, "");  // format 3 keeps it apart
    auto filter = block->TagFilter(p);
    ASSERT_TRUE(filter.ok());
    EXPECT_EQ(*filter, dirs[p].tag_filter);
    EXPECT_EQ((*d)->op_refs, dirs[p].op_refs);
    ASSERT_EQ((*d)->entries.size(), dirs[p].entries.size());
    for (size_t i = 0; i < dirs[p].entries.size(); ++i) {
      const auto& got = (*d)->entries[i];
      const auto& want = dirs[p].entries[i];
      EXPECT_EQ(got.id, want.id);
      EXPECT_EQ(got.first_row, want.first_row);
      EXPECT_EQ(got.count, want.count);
      EXPECT_EQ(got.first_op, want.first_op);
      EXPECT_EQ(got.nops, want.nops);
      EXPECT_EQ(got.summary.min_start, want.summary.min_start);
      EXPECT_EQ(got.summary.max_start, want.summary.max_start);
      EXPECT_EQ(got.summary.max_duration, want.summary.max_duration);
      EXPECT_EQ(got.summary.error, want.summary.error);
    }
    auto bytes = block->reader->Read(page.loc);
    ASSERT_TRUE(bytes.ok());
    EXPECT_EQ(*bytes, "page " + std::to_string(p));
  }
}

// Tag filters share a frame per 64 pages; a page may have none.
TEST_F(TraceBlockTest, TagFiltersOfManyPagesReadBack) {
  std::mt19937_64 rng(4);
  std::vector<PageDirectory> dirs;
  for (int p = 0; p < 130; ++p) {
    dirs.push_back(Directory({RandomId(rng)}, 1000 + p));
    if (p % 7 == 0) dirs.back().tag_filter.clear();
  }
  auto block = Write(dirs);
  ASSERT_TRUE(block);
  std::set<uint32_t> frames;
  for (uint32_t p = 0; p < dirs.size(); ++p) {
    auto filter = block->TagFilter(p);
    ASSERT_TRUE(filter.ok()) << filter.status().ToString();
    EXPECT_EQ(*filter, dirs[p].tag_filter) << p;
    if (!filter->empty()) frames.insert(block->pages[p].tag_filter.frame);
  }
  EXPECT_EQ(frames.size(), 3u);
}

// 6 000 traces (three id-table chunks); one trace has parts in pages 0 and 2; every id is found
// in exactly its pages, and the block holds a fence per chunk, nothing per trace.
TEST_F(TraceBlockTest, EveryIdIsFoundThroughTheFingerprintTable) {
  std::mt19937_64 rng(2);
  std::vector<std::vector<pdata::TraceId>> ids(3);
  for (auto& page : ids)
    for (int i = 0; i < 2000; ++i) page.push_back(RandomId(rng));
  ids[2][1234] = ids[0][17];  // a trace written across flushes, merged by compaction
  std::vector<PageDirectory> dirs;
  for (size_t p = 0; p < ids.size(); ++p) dirs.push_back(Directory(ids[p], 1000 * (p + 1)));
  auto block = Write(dirs);
  ASSERT_TRUE(block);
  EXPECT_EQ(block->id_chunks.size(), 3u);  // 5 999 distinct (id, page) records, 2 048 a chunk
  TraceBlock::ChunkCache cache;
  for (uint32_t p = 0; p < ids.size(); ++p) {
    for (const auto& id : ids[p]) {
      auto pages = block->PagesOf(id, p == 1 ? &cache : nullptr);
      ASSERT_TRUE(pages.ok()) << pages.status().ToString();
      std::vector<uint32_t> want{p};
      if (id == ids[0][17]) want = {0, 2};
      EXPECT_EQ(*pages, want) << id.Hex();
    }
  }
  for (int i = 0; i < 1000; ++i) {
    auto pages = block->PagesOf(RandomId(rng));
    ASSERT_TRUE(pages.ok());
    EXPECT_TRUE(pages->empty());  // a false match: ~6 000 / 2^32 per lookup
  }
}

// Ids with equal fingerprints: the table names both pages, the directories tell them apart.
TEST_F(TraceBlockTest, AFingerprintCollisionIsResolvedByTheDirectory) {
  auto [a, b] = CollidingIds();
  ASSERT_EQ(TraceFingerprint(a), TraceFingerprint(b));
  auto block = Write({Directory({a}, 100), Directory({b}, 200)});
  ASSERT_TRUE(block);
  auto pages = block->PagesOf(a);
  ASSERT_TRUE(pages.ok());
  EXPECT_EQ(*pages, (std::vector<uint32_t>{0, 1}));
  for (uint32_t p : *pages) {
    auto d = block->Directory(p);
    ASSERT_TRUE(d.ok());
    int found = 0;
    (*d)->ForEachOf(a, [&](const PageDirectory::Entry&) { ++found; });
    EXPECT_EQ(found, p == 0 ? 1 : 0);
  }
}

// A damaged directory frame is a DataLoss naming the block, reported once to its handler.
TEST_F(TraceBlockTest, ADamagedDirectoryIsReported) {
  std::mt19937_64 rng(3);
  std::vector<pdata::TraceId> ids;
  for (int i = 0; i < 300; ++i) ids.push_back(RandomId(rng));
  auto block = Write({Directory(ids, 100)});
  ASSERT_TRUE(block);
  RecordLocation dir = block->pages[0].directory;
  block.reset();
  // The directory is the second frame; its compressed bytes follow the first frame's.
  auto read = ReadFile(path_);
  ASSERT_TRUE(read.ok());
  std::string file = std::move(*read);
  auto reader = BlockReader::Open(path_);
  ASSERT_TRUE(reader.ok());
  uint32_t raw = 0;
  auto first = (*reader)->CompressedFrame(0, &raw);
  auto second = (*reader)->CompressedFrame(dir.frame, &raw);
  ASSERT_TRUE(first.ok() && second.ok());
  size_t at = file.find(*second);
  ASSERT_NE(at, std::string::npos);
  file[at + second->size() / 2] ^= 0x10;
  ASSERT_TRUE(WriteFileAtomic(path_, file).ok());
  reader = BlockReader::Open(
      path_, *PosixEnv(), [this](const std::string& p, const Status&) { corrupt_.push_back(p); });
  ASSERT_TRUE(reader.ok());
  auto damaged = TraceBlock::Parse(std::move(*reader));
  ASSERT_TRUE(damaged.ok());
  auto d = (*damaged)->Directory(0);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(d.status().message().find(path_), std::string::npos) << d.status().ToString();
  EXPECT_EQ(corrupt_, std::vector<std::string>{path_});
}

// Through the store: two traces whose ids collide, flushed into one block and one of them again
// into the next, then compacted into one block: each is read by id with only its own spans.
TEST(TraceBlockStoreTest, CollidingIdsReadBackApart) {
  testing::TempDir dir;
  auto [a, b] = CollidingIds();
  auto span = [](const pdata::TraceId& id, std::string_view name, uint64_t start) {
    pdata::TraceBatch batch;
    auto& rs = batch.resources().emplace_back();
    rs.resource.attributes.push_back({"service.name", pdata::AnyValue::String("svc")});
    auto& s = rs.scope_spans.emplace_back().spans.emplace_back();
    s.trace_id = id;
    s.span_id.bytes.fill(static_cast<uint8_t>(start));
    s.name = name;
    s.start_time_unix_nano = 1'700'000'000'000'000'000ull + start;
    s.end_time_unix_nano = s.start_time_unix_nano + 10;
    return batch;
  };
  {
    auto store = testing::OpenTestStore(dir.path(), /*compact_in_background=*/false);
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE(testing::WriteSync(**store, span(a, "of a", 1)).ok());
    ASSERT_TRUE(testing::WriteSync(**store, span(b, "of b", 2)).ok());
    ASSERT_TRUE((*store)->FlushForTesting().ok());
    ASSERT_TRUE(testing::WriteSync(**store, span(a, "of a, later", 3)).ok());
    ASSERT_TRUE((*store)->FlushForTesting().ok());
    for (uint8_t other : {1, 2}) {  // a run of four blocks is what compaction merges
      ASSERT_TRUE(testing::WriteSync(**store, span(testing::TraceIdOf(other), "other", 4)).ok());
      ASSERT_TRUE((*store)->FlushForTesting().ok());
    }
    ASSERT_TRUE((*store)->CompactForTesting().ok());
    ASSERT_EQ((*store)->traces().block_count(), 1u);
  }
  auto store = testing::OpenTestStore(dir.path(), false);
  ASSERT_TRUE(store.ok());
  auto names = [&](const pdata::TraceId& id) {
    std::vector<std::string> out;
    auto t = (*store)->traces().GetTrace(id);
    EXPECT_TRUE(t.ok()) << t.status().ToString();
    if (!t.ok()) return out;
    for (const auto& rs : t->resources())
      for (const auto& ss : rs.scope_spans)
        for (const auto& s : ss.spans) out.emplace_back(s.name);
    return out;
  };
  EXPECT_EQ(names(a), (std::vector<std::string>{"of a", "of a, later"}));
  EXPECT_EQ(names(b), (std::vector<std::string>{"of b"}));
}

}  // namespace
}  // namespace otter::store
