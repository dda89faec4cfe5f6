// Arena: append-only byte store that owns the bytes a batch's string_views point into
// (whole request bodies adopted without copying, and strings created by processors).
// Bytes never move once written, so views stay valid for the arena's lifetime.
// Thread-safety: one writer (the batch that created it); other batches that share it (after a
// split or clone) only read bytes written before they were shared.
#pragma once

#include <cstddef>
#include <cstring>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace otter::pdata {

class Arena {
 public:
  Arena() = default;
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;

  // Takes ownership of a whole buffer (e.g. a request body) and returns a view of it.
  std::string_view Adopt(std::string buffer);
  // Copies `s` into the arena.
  std::string_view Copy(std::string_view s);
  // Bytes held, for memory accounting.
  size_t bytes() const { return bytes_; }

 private:
  static constexpr size_t kBlockSize = 16 * 1024;
  std::vector<std::unique_ptr<char[]>> blocks_;
  // A deque: adopting never moves earlier strings, whose bytes may be inline (SSO).
  std::deque<std::string> adopted_;
  char* cur_ = nullptr;
  size_t left_ = 0;
  size_t bytes_ = 0;
};

// The set of arenas a batch's views may point into. Element 0 is the one this batch writes to.
class ArenaSet {
 public:
  ArenaSet() = default;
  ArenaSet(ArenaSet&&) noexcept = default;
  ArenaSet& operator=(ArenaSet&&) noexcept = default;
  ArenaSet(const ArenaSet&) = delete;
  ArenaSet& operator=(const ArenaSet&) = delete;

  Arena& writable();
  std::string_view Adopt(std::string buffer) { return writable().Adopt(std::move(buffer)); }
  std::string_view Copy(std::string_view s) { return writable().Copy(s); }
  // Keeps all of `other`'s arenas alive (read-only) for this set: used when data moves here.
  void Absorb(ArenaSet&& other);
  // A new set that shares this set's arenas read-only and writes to a fresh arena of its own.
  ArenaSet ShareForRead() const;
  size_t bytes() const;

 private:
  std::vector<std::shared_ptr<Arena>> arenas_;
  bool own_first_ = false;  // arenas_[0] was created by this set and may be written
};

}  // namespace otter::pdata
