// Batch<R>: a move-only unit of telemetry (R = ResourceSpans / ResourceMetrics / ResourceLogs)
// plus the arenas its string views point into. Consumers take batches by rvalue; a fan-out that
// must hand the same data to a mutating consumer calls Clone(): the resource tree is then shared
// read-only (copy-on-write, pdata/cow.h) until a batch writes to it through resources().
// wire(): an optional cached OTLP protobuf Export*ServiceRequest that decodes to exactly the
// content (the request body the decoder adopted; it may hold fields pdata skips), so consumers
// that need protobuf bytes (the store's WAL) need not encode. Whatever may mutate clears it: the
// non-const resources(), Append, SplitOff (both batches). Clone copies it; a move transfers it.
// Code that only reads must go through a const batch, or the wire is lost.
// client_ip(): the IP address of the client that sent the data ("" when unknown), like otelcol's
// client.Info.Addr: set by receivers, read by processors that associate data with its sender
// (k8sattributes' `from: connection`). Clone and SplitOff keep it; Append keeps it only when both
// batches came from the same client (a merged batch has no single sender).
// metadata(): the request metadata receivers keep with `include_metadata` (pdata/metadata.h),
// views into arenas(). Clone and SplitOff copy it; Append keeps it only when both batches carry
// the same metadata (the batch processor's `metadata_keys` keeps tenants apart before that).
// An undecoded batch (Undecoded()) has only the wire and its item count, for consumers that read
// the protobuf themselves (Consumer::TakesUndecoded); its resources() are empty.
// Thread-safety: a batch is owned by one thread at a time.
#pragma once

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pdata/arena.h"
#include "pdata/cow.h"
#include "pdata/logs.h"
#include "pdata/metadata.h"
#include "pdata/metrics.h"
#include "pdata/trace.h"

namespace otter::pdata {

template <class R>
class Batch {
 public:
  using Resource = R;

  Batch() = default;
  // The moved-from batch has no wire (its bytes went with the arenas).
  Batch(Batch&& other) noexcept
      : resources_(std::move(other.resources_)),
        arenas_(std::move(other.arenas_)),
        wire_(std::exchange(other.wire_, {})),
        undecoded_items_(std::exchange(other.undecoded_items_, kDecoded)),
        client_ip_(std::move(other.client_ip_)),
        metadata_(std::move(other.metadata_)) {}
  Batch& operator=(Batch&& other) noexcept {
    resources_ = std::move(other.resources_);
    arenas_ = std::move(other.arenas_);
    wire_ = std::exchange(other.wire_, {});
    undecoded_items_ = std::exchange(other.undecoded_items_, kDecoded);
    client_ip_ = std::move(other.client_ip_);
    metadata_ = std::move(other.metadata_);
    return *this;
  }
  // Adopts `body`, a protobuf Export*ServiceRequest already validated to hold `items` items, as
  // the wire of a batch that is not decoded. Append, SplitOff and the non-const resources() must
  // not be used on it.
  static Batch Undecoded(std::string body, size_t items) {
    Batch b;
    b.wire_ = b.arenas_.Adopt(std::move(body));
    b.undecoded_items_ = items;
    return b;
  }
  bool undecoded() const { return undecoded_items_ != kDecoded; }
  Batch(const Batch&) = delete;
  Batch& operator=(const Batch&) = delete;

  // Clears wire(): callers may mutate through it. Copies the tree first if it is shared with a
  // clone, so hold the reference only while no Clone() of this batch is taken.
  std::vector<R>& resources() {
    assert(!undecoded());
    wire_ = {};
    return resources_.mut();
  }
  const std::vector<R>& resources() const { return resources_.get(); }
  ArenaSet& arenas() { return arenas_; }
  const ArenaSet& arenas() const { return arenas_; }

  // The cached protobuf encoding of the current content, or empty when unknown.
  std::string_view wire() const { return wire_; }
  // `wire` must point into arenas() and decode to exactly the current content.
  void set_wire(std::string_view wire) { wire_ = wire; }

  // The sender's IP address (no port), "" when unknown.
  const std::string& client_ip() const { return client_ip_; }
  void set_client_ip(std::string ip) { client_ip_ = std::move(ip); }

  // The request metadata (lower-case keys), empty unless a receiver has include_metadata.
  const Metadata& metadata() const { return metadata_; }
  // Copies key (lower-cased) and value into arenas().
  void AddMetadata(std::string_view key, std::string_view value) {
    metadata_.Add(arenas_, key, value);
  }
  // `metadata`'s views must point into arenas().
  void set_metadata(Metadata metadata) { metadata_ = std::move(metadata); }

  // Spans, metric data points, or log records.
  size_t ItemCount() const;
  bool empty() const { return ItemCount() == 0; }

  // Moves all of `other` to the end of this batch.
  void Append(Batch&& other);
  // Removes the first `max_items` items (whole resources/scopes where possible) into a new batch.
  Batch SplitOff(size_t max_items);
  // A copy sharing this batch's tree (until either writes) and strings (read-only).
  Batch Clone() const;

 private:
  static constexpr size_t kDecoded = SIZE_MAX;
  Cow<std::vector<R>> resources_;
  ArenaSet arenas_;
  std::string_view wire_;
  size_t undecoded_items_ = kDecoded;  // the item count of an undecoded batch
  std::string client_ip_;
  Metadata metadata_;
};

using TraceBatch = Batch<ResourceSpans>;
using MetricBatch = Batch<ResourceMetrics>;
using LogBatch = Batch<ResourceLogs>;

extern template class Batch<ResourceSpans>;
extern template class Batch<ResourceMetrics>;
extern template class Batch<ResourceLogs>;

}  // namespace otter::pdata
