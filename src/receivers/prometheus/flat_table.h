// FlatTable<V>: an open-addressing hash table (linear probing) from a non-zero 64-bit hash to a
// small value, for the scrape converter's per-series state: one flat array, no allocation per
// entry, one cache line per lookup. Keys are already well-mixed hashes. Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace otter::promscrape {

template <class V>
class FlatTable {
 public:
  // The value for `key` (non-zero) and whether it was inserted (value-initialised) just now.
  std::pair<V*, bool> FindOrInsert(uint64_t key) {
    if ((size_ + 1) * 2 > slots_.size()) Grow();
    size_t mask = slots_.size() - 1;
    for (size_t i = Home(key);; i = (i + 1) & mask) {
      Slot& s = slots_[i];
      if (s.key == key) return {&s.value, false};
      if (s.key == 0) {
        s.key = key;
        s.value = V{};
        ++size_;
        return {&s.value, true};
      }
    }
  }
  V* Find(uint64_t key) {
    if (slots_.empty()) return nullptr;
    size_t mask = slots_.size() - 1;
    for (size_t i = Home(key); slots_[i].key; i = (i + 1) & mask)
      if (slots_[i].key == key) return &slots_[i].value;
    return nullptr;
  }
  // Drops the entries for which pred(value) holds (rebuilds the table when there are any).
  template <class P>
  void RemoveIf(P pred) {
    size_t doomed = 0;
    for (const Slot& s : slots_) doomed += s.key && pred(s.value);
    if (!doomed) return;
    const size_t live = size_ - doomed;
    std::vector<Slot> old;
    old.swap(slots_);
    size_ = 0;
    size_t cap = 64;
    while (cap < 2 * (live + 1)) cap *= 2;
    slots_.assign(cap, Slot{});
    shift_ = 64 - static_cast<unsigned>(__builtin_ctzll(cap));
    for (Slot& s : old)
      if (s.key && !pred(s.value)) *FindOrInsert(s.key).first = std::move(s.value);
  }
  // Makes room for `n` entries without growing.
  void Reserve(size_t n) {
    if (2 * n > slots_.size()) Grow(2 * n);
  }
  void Clear() {
    slots_.clear();
    size_ = 0;
    shift_ = 58;
  }
  size_t size() const { return size_; }

 private:
  struct Slot {
    uint64_t key = 0;
    V value{};
  };
  // The home slot: the key's top bits after a multiplicative mix (callers' keys may have
  // patterns in their low bits).
  size_t Home(uint64_t key) const {
    return static_cast<size_t>((key * 0x9e3779b97f4a7c15ull) >> shift_);
  }
  void Grow(size_t at_least = 0) {
    std::vector<Slot> old;
    old.swap(slots_);
    size_t cap = old.empty() ? 64 : old.size() * 2;
    while (cap < at_least) cap *= 2;
    slots_.assign(cap, Slot{});
    shift_ = 64 - static_cast<unsigned>(__builtin_ctzll(cap));
    size_ = 0;
    for (Slot& s : old)
      if (s.key) *FindOrInsert(s.key).first = std::move(s.value);
  }
  std::vector<Slot> slots_;
  size_t size_ = 0;
  unsigned shift_ = 58;
};

}  // namespace otter::promscrape
