// Cow<T>: a value shared read-only between copies until one of them writes (copy-on-write).
// Batch uses it for its resource tree, so Clone() (a fan-out, the batch processor's retry copy)
// costs a reference instead of a copy of every span and attribute list; the first write through
// a shared copy makes a private one.
// Thread-safety: a Cow is owned by one thread at a time, like the batch holding it; copies may live
// in other threads, which only read. The reference count is atomic, and mut() acquires it, so a
// copy released by another thread (after its reads) is seen as released before this one writes.
#pragma once

#include <atomic>
#include <cstdint>
#include <utility>

namespace otter::pdata {

template <class T>
class Cow {
 public:
  Cow() = default;
  Cow(const Cow& o) noexcept : node_(o.node_) {
    if (node_) node_->refs.fetch_add(1, std::memory_order_relaxed);
  }
  Cow(Cow&& o) noexcept : node_(std::exchange(o.node_, nullptr)) {}
  Cow& operator=(const Cow& o) noexcept {
    if (this != &o) {
      Cow tmp(o);
      std::swap(node_, tmp.node_);
    }
    return *this;
  }
  Cow& operator=(Cow&& o) noexcept {
    if (this != &o) {
      Release();
      node_ = std::exchange(o.node_, nullptr);
    }
    return *this;
  }
  ~Cow() { Release(); }

  const T& get() const { return node_ ? node_->value : Empty(); }
  // A value only this Cow refers to (copied first if shared).
  T& mut() {
    if (!node_) {
      node_ = new Node();
    } else if (node_->refs.load(std::memory_order_acquire) != 1) {
      Node* own = new Node{{1}, node_->value};
      Release();
      node_ = own;
    }
    return node_->value;
  }
  bool shared() const { return node_ && node_->refs.load(std::memory_order_acquire) != 1; }

 private:
  struct Node {
    std::atomic<uint32_t> refs{1};
    T value;
  };
  static const T& Empty() {
    static const T empty{};
    return empty;
  }
  void Release() noexcept {
    if (node_ && node_->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete node_;
    node_ = nullptr;
  }
  Node* node_ = nullptr;
};

}  // namespace otter::pdata
