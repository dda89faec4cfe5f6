#include "pdata/arena.h"

#include <algorithm>

namespace otter::pdata {

std::string_view Arena::Adopt(std::string buffer) {
  bytes_ += buffer.size();
  adopted_.push_back(std::move(buffer));
  return adopted_.back();
}

std::string_view Arena::Copy(std::string_view s) {
  if (s.empty()) return {};
  if (s.size() > left_) {
    size_t n = std::max(kBlockSize, s.size());
    blocks_.push_back(std::make_unique<char[]>(n));
    cur_ = blocks_.back().get();
    left_ = n;
    bytes_ += n;
  }
  std::memcpy(cur_, s.data(), s.size());
  std::string_view out(cur_, s.size());
  cur_ += s.size();
  left_ -= s.size();
  return out;
}

Arena& ArenaSet::writable() {
  if (!own_first_) {
    arenas_.insert(arenas_.begin(), std::make_shared<Arena>());
    own_first_ = true;
  }
  return *arenas_.front();
}

void ArenaSet::Absorb(ArenaSet&& other) {
  // The other set is consumed, so its own arena has no other writer: it stays read-only here
  // (this set keeps writing to its own first arena).
  arenas_.insert(arenas_.end(), std::make_move_iterator(other.arenas_.begin()),
                 std::make_move_iterator(other.arenas_.end()));
  other.arenas_.clear();
  other.own_first_ = false;
}

ArenaSet ArenaSet::ShareForRead() const {
  ArenaSet s;
  s.arenas_ = arenas_;
  return s;
}

size_t ArenaSet::bytes() const {
  size_t n = 0;
  for (const auto& a : arenas_) n += a->bytes();
  return n;
}

}  // namespace otter::pdata
