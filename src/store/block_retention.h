// Block retention shared by the trace, log and metric tables (docs/storage.md, "Retention"):
// each keeps its immutable blocks oldest first (WAL order) in a vector guarded by its lock, and
// these steps remove them by age or the oldest one, count them, and forget a frozen head that
// no block replaces. A Block has `reader` (std::shared_ptr<BlockReader>) and
// `int64_t newest() const`, the time of its newest item in the table's unit (INT64_MAX for a
// block without items: age never removes it).
// Thread-safety: each step takes `mu` itself (exclusive to change, shared to read).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

#include "store/block.h"

namespace otter::store {

template <class Block>
using BlockPtrs = std::vector<std::shared_ptr<const Block>>;

// Called under the exclusive lock with the blocks just removed, before it is released: a table
// drops what refers to them (the metric table: series' chunks, and series left without samples).
template <class Block>
using OnBlocksRemoved = std::function<void(const BlockPtrs<Block>& removed)>;

namespace internal {
template <class Block, class Pred>
std::vector<std::string> RemoveBlocksIf(std::shared_mutex& mu, BlockPtrs<Block>& blocks,
                                        Pred&& remove, const OnBlocksRemoved<Block>& on_removed) {
  std::unique_lock lock(mu);
  BlockPtrs<Block> removed;
  std::erase_if(blocks, [&](const std::shared_ptr<const Block>& b) {
    if (!remove(*b)) return false;
    removed.push_back(b);
    return true;
  });
  if (!removed.empty() && on_removed) on_removed(removed);
  std::vector<std::string> paths;
  for (const auto& b : removed) paths.push_back(b->reader->path());
  return paths;
}
}  // namespace internal

// Removes the blocks whose newest item is older than `cutoff`; returns their paths, for the
// caller to delete.
template <class Block>
std::vector<std::string> RemoveBlocksBefore(std::shared_mutex& mu, BlockPtrs<Block>& blocks,
                                            int64_t cutoff,
                                            const OnBlocksRemoved<Block>& on_removed = {}) {
  return internal::RemoveBlocksIf(
      mu, blocks, [&](const Block& b) { return b.newest() < cutoff; }, on_removed);
}

// Removes the block read from `path` (set aside as corrupt); returns its path, none when no
// block has it (already removed).
template <class Block>
std::vector<std::string> RemoveBlockOfFile(std::shared_mutex& mu, BlockPtrs<Block>& blocks,
                                           const std::string& path,
                                           const OnBlocksRemoved<Block>& on_removed = {}) {
  return internal::RemoveBlocksIf(
      mu, blocks, [&](const Block& b) { return b.reader->path() == path; }, on_removed);
}

// Removes the oldest block (the first in WAL order); returns its path, none when there is no
// block. Exactly the removed blocks' paths are returned, so no file outlives its block.
template <class Block>
std::vector<std::string> RemoveOldestBlock(std::shared_mutex& mu, BlockPtrs<Block>& blocks,
                                           const OnBlocksRemoved<Block>& on_removed = {}) {
  std::unique_lock lock(mu);
  if (blocks.empty()) return {};
  BlockPtrs<Block> removed{blocks.front()};
  blocks.erase(blocks.begin());
  if (on_removed) on_removed(removed);
  return {removed.front()->reader->path()};
}

template <class Block>
size_t BlockCount(std::shared_mutex& mu, const BlockPtrs<Block>& blocks) {
  std::shared_lock lock(mu);
  return blocks.size();
}

template <class Block>
uint64_t BlockBytes(std::shared_mutex& mu, const BlockPtrs<Block>& blocks) {
  std::shared_lock lock(mu);
  uint64_t n = 0;
  for (const auto& b : blocks) n += b->reader->file_bytes();
  return n;
}

// Forgets a frozen head that no block replaces (it was empty); `also` runs under the lock.
template <class Head>
void DropFrozen(std::shared_mutex& mu, std::shared_ptr<Head>& frozen,
                const std::function<void()>& also = {}) {
  std::unique_lock lock(mu);
  frozen.reset();
  if (also) also();
}

}  // namespace otter::store
