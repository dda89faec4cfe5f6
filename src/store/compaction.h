// Compaction steps shared by the trace and log tables (docs/storage.md, "Compaction"): which run
// of blocks to merge, and swapping the merged block in for its inputs. Each table supplies the
// merge itself (its pages or chunks copied still compressed, and one index written for them).
// Thread-safety: CompactRun takes the table's lock itself; call it from one compactor thread.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <shared_mutex>
#include <string>
#include <vector>

#include "common/status.h"
#include "store/block.h"

namespace otter::store {

// Writes what `fill` writes (to a new file's descriptor, named in errors by the path) as the
// block covering WAL segments first..last, durably, and opens it. A merge streams the merged
// block to the file (BlockWriter's file mode) instead of building it in memory.
using BlockFill = std::function<Status(int fd, const std::string& path)>;
using BlockWrite = std::function<StatusOr<std::shared_ptr<BlockReader>>(
    const BlockFill& fill, uint64_t first, uint64_t last)>;

inline constexpr size_t kMinCompactionInputs = 4;
inline constexpr size_t kCompactionInputsWithoutBytes = 16;

// The oldest run [first, last) of at least kMinCompactionInputs consecutive blocks, each under a
// quarter of max_bytes, together at most max_bytes, that is worth merging: together at least a
// quarter of max_bytes, so that the merged block is not merged again and at a steady ingest
// rate each item is rewritten once (merging every 4 flushed blocks rewrote it twice on the way
// to max_bytes), or kCompactionInputsWithoutBytes blocks (slow ingest: blocks cut by
// block_duration). `eager` takes any run of kMinCompactionInputs (tests). {0, 0}: none.
template <class BlockPtr>
std::pair<size_t, size_t> CompactionRun(const std::vector<BlockPtr>& blocks, uint64_t max_bytes,
                                        bool eager) {
  for (size_t start = 0; start < blocks.size(); ++start) {
    uint64_t sum = 0;
    size_t end = start;
    while (end < blocks.size()) {
      uint64_t b = blocks[end]->reader->file_bytes();
      if (b >= max_bytes / 4 || sum + b > max_bytes) break;
      sum += b;
      ++end;
    }
    size_t n = end - start;
    bool worth = eager || sum >= max_bytes / 4 || n >= kCompactionInputsWithoutBytes;
    if (n >= kMinCompactionInputs && worth) return {start, end};
  }
  return {0, 0};
}

// One compaction step over `blocks` (guarded by `mu`): picks a run, merges it with
// merge(inputs, last WAL segment, fd, path) writing the block through `write`, parses it with
// Block::Parse and swaps it in for the inputs. Returns the paths of the blocks it replaced (for
// the caller to delete): none when there was nothing to compact; Aborted, naming the merged
// block's path, when retention removed an input meanwhile (the merged block is then not used),
// or with an empty message when `*cancel` stopped the merge.
template <class Block, class Merge>
StatusOr<std::vector<std::string>> CompactRun(std::shared_mutex& mu,
                                              std::vector<std::shared_ptr<const Block>>& blocks,
                                              uint64_t max_bytes, bool eager,
                                              const BlockWrite& write, Merge&& merge) {
  std::vector<std::shared_ptr<const Block>> in;
  {
    std::shared_lock lock(mu);
    auto [first, last] = CompactionRun(blocks, max_bytes, eager);
    in.assign(blocks.begin() + static_cast<ptrdiff_t>(first),
              blocks.begin() + static_cast<ptrdiff_t>(last));
  }
  if (in.empty()) return std::vector<std::string>{};
  uint64_t last = in.back()->reader->wal_segment();
  uint64_t first = UINT64_MAX;
  for (const auto& b : in) first = std::min(first, b->first_segment);
  ASSIGN_OR_RETURN(std::shared_ptr<BlockReader> reader,
                   write([&](int fd, const std::string& path) { return merge(in, last, fd, path); },
                         first, last));
  ASSIGN_OR_RETURN(std::shared_ptr<const Block> merged, Block::Parse(reader));
  std::unique_lock lock(mu);
  // The inputs must still be there, consecutive (retention may have removed some meanwhile).
  auto it = std::find(blocks.begin(), blocks.end(), in.front());
  bool intact =
      static_cast<size_t>(blocks.end() - it) >= in.size() && std::equal(in.begin(), in.end(), it);
  if (!intact) return Aborted(reader->path());
  *it = std::move(merged);
  blocks.erase(it + 1, it + static_cast<ptrdiff_t>(in.size()));
  std::vector<std::string> replaced;
  for (const auto& b : in) replaced.push_back(b->reader->path());
  return replaced;
}

}  // namespace otter::store
