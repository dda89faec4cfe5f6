// DiskBudget: how the store's `max_disk_mib` is shared between the write-ahead log, a block being
// written, and the blocks that retention keeps (docs/storage.md, "Retention"). Used by the store
// exporter's config validation (in MiB) and by the store's retention (in bytes), so both apply
// one definition. Pure functions; any thread.
#pragma once

#include <algorithm>
#include <cstdint>

namespace otter::store {

struct DiskBudget {
  // The WAL never holds more: writes are refused once it reaches 2 × head_max, and one group
  // commit adds at most max_pending.
  uint64_t wal = 0;
  // A block being written next to the others: a flush's (one head, compressed) or a
  // compaction's merged block (at most compaction_max).
  uint64_t writing = 0;

  // Blocks are kept within max_disk minus the WAL and the block being written.
  uint64_t BlockBytes(uint64_t max_disk, uint64_t wal_now) const {
    uint64_t reserved = std::max(wal, wal_now) + writing;
    return max_disk > reserved ? max_disk - reserved : 0;
  }
  // The smallest max_disk whose block budget holds at least one block of the largest size a
  // flush or a compaction makes, so retention never deletes the block just written.
  uint64_t MinMaxDisk() const { return wal + 2 * writing; }
};

// In any unit, as long as all three arguments share it.
inline DiskBudget DiskBudgetOf(uint64_t head_max, uint64_t max_pending, uint64_t compaction_max) {
  return DiskBudget{2 * head_max + max_pending, std::max(head_max, compaction_max)};
}

}  // namespace otter::store
