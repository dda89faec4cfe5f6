// Spans in columnar form (docs/storage.md, "Traces"). SpanRows is the trace head's memory: one
// fixed-size row per span, attributes/events/links in flat arrays, every string interned. A flush
// cuts the rows, grouped by trace, into pages; EncodeSpanPage writes a page column by column (ids
// raw, times as deltas within the trace, strings as page-dictionary references, attribute values
// in one column per key) and DecodeSpanPage turns it back into SpanRows.
// Thread-safety: none; the trace table serialises writers and readers of a head.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "pdata/arena.h"
#include "pdata/batch.h"

namespace otter::store {

// Strings by id; id 0 is "". Views stay valid for the table's lifetime.
class StringTable {
 public:
  StringTable();
  // The id of `s`, copied in if new.
  uint32_t Intern(std::string_view s);
  // Copies `s` in as a new id without looking it up (a string not expected to repeat).
  uint32_t Add(std::string_view s);
  // Appends `s` as the next id without looking it up or copying; `s` must outlive the table.
  uint32_t Push(std::string_view s);
  std::string_view operator[](uint32_t id) const { return strings_[id]; }
  size_t size() const { return strings_.size(); }
  size_t bytes() const;

  // Head checkpoint (span_checkpoint.cc). The ids >= `from` that Intern finds (the others were
  // Add()ed), ascending.
  std::vector<uint32_t> InternedSince(uint32_t from) const;
  // Appends strings of `lengths` laid end to end in `bytes`, which the table takes over.
  void AdoptStrings(std::string bytes, std::span<const uint32_t> lengths);
  // Makes ids (added by AdoptStrings) findable by Intern again.
  void IndexInterned(std::span<const uint32_t> ids);

 private:
  void Grow();
  struct Slot {
    uint32_t hash = 0;
    uint32_t id = 0;  // 0 = free
  };
  std::vector<std::string_view> strings_;
  std::vector<Slot> slots_;  // open addressing
  // The strings' bytes (behind a pointer, so that the table stays movable).
  std::unique_ptr<pdata::Arena> arena_ = std::make_unique<pdata::Arena>();
};

// Chunk memory of Chunked: from the malloc heap, or for chunks of kMappedChunkBytes or more
// straight from the kernel (mmap), so that a flushed head's large chunks go back to the system
// whole instead of leaving holes in the one malloc arena (common/heap_trim.h) that later small
// allocations pin (BENCHMARKS.md, "Trace block format 3").
inline constexpr size_t kMappedChunkBytes = 256 * 1024;
void* AllocateChunk(size_t bytes);
void FreeChunk(void* p, size_t bytes);

// An append-only array in fixed-size chunks: growing never copies.
template <class T>
class Chunked {
  static_assert(std::is_trivially_destructible_v<T>);
  static constexpr size_t kShift = 14;  // 16384 elements a chunk
  static constexpr size_t kMask = (size_t{1} << kShift) - 1;

 public:
  T& operator[](size_t i) { return chunks_[i >> kShift].get()[i & kMask]; }
  const T& operator[](size_t i) const { return chunks_[i >> kShift].get()[i & kMask]; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  void push_back(const T& v) {
    if ((size_ & kMask) == 0 && (size_ >> kShift) == chunks_.size())
      chunks_.emplace_back(static_cast<T*>(AllocateChunk(kChunkBytes)));
    new (&(*this)[size_++]) T(v);
  }
  void resize(size_t n) {
    while (size_ < n) push_back(T{});
  }
  // Appends n elements copied from p (which need not be aligned for T).
  void AppendBytes(const void* p, size_t n) {
    const char* bytes = static_cast<const char*>(p);
    for (size_t done = 0; done < n;) {
      if ((size_ & kMask) == 0 && (size_ >> kShift) == chunks_.size())
        chunks_.emplace_back(static_cast<T*>(AllocateChunk(kChunkBytes)));
      size_t room = std::min(n - done, (size_t{1} << kShift) - (size_ & kMask));
      std::memcpy(static_cast<void*>(&(*this)[size_]), bytes + done * sizeof(T), room * sizeof(T));
      size_ += room;
      done += room;
    }
  }
  // Calls fn(pointer, count) for the elements from `from` on, a chunk's run at a time.
  template <class Fn>
  void ForEachRun(size_t from, Fn&& fn) const {
    while (from < size_) {
      size_t n = std::min(size_ - from, (size_t{1} << kShift) - (from & kMask));
      fn(&(*this)[from], n);
      from += n;
    }
  }
  // Drops the elements from `n` on (their chunks stay allocated).
  void truncate(size_t n) { size_ = std::min(size_, n); }
  size_t bytes() const { return chunks_.size() * (sizeof(T) << kShift); }

  template <class C, class R>
  struct Iter {
    C* c;
    size_t i;
    R& operator*() const { return (*c)[i]; }
    Iter& operator++() {
      ++i;
      return *this;
    }
    bool operator!=(const Iter& o) const { return i != o.i; }
  };
  Iter<Chunked, T> begin() { return {this, 0}; }
  Iter<Chunked, T> end() { return {this, size_}; }
  Iter<const Chunked, const T> begin() const { return {this, 0}; }
  Iter<const Chunked, const T> end() const { return {this, size_}; }

 private:
  static constexpr size_t kChunkBytes = sizeof(T) << kShift;
  struct Free {
    void operator()(T* p) const { FreeChunk(p, kChunkBytes); }
  };
  std::vector<std::unique_ptr<T, Free>> chunks_;
  size_t size_ = 0;
};

// One attribute. `value` holds the int, the double's bits, the bool, or the string id (strings,
// bytes, and arrays/maps serialised whole).
struct AttrCell {
  uint32_t key = 0;
  pdata::AnyValue::Type type = pdata::AnyValue::Type::kEmpty;
  uint64_t value = 0;
};

struct EventRow {
  uint64_t time = 0;
  uint32_t name = 0;
  uint32_t attrs = 0, nattrs = 0;  // into SpanRows::attrs
  uint32_t dropped = 0;
};

struct LinkRow {
  pdata::TraceId trace_id;
  pdata::SpanId span_id;
  uint32_t trace_state = 0;
  uint32_t attrs = 0, nattrs = 0;
  uint32_t dropped = 0;
  uint32_t flags = 0;
};

struct ResourceRow {
  uint32_t attrs = 0, nattrs = 0;
  uint32_t dropped = 0;
  uint32_t schema_url = 0;  // of the ResourceSpans
};

// An instrumentation scope within a resource.
struct ScopeRow {
  uint32_t resource = 0;
  uint32_t name = 0, version = 0;
  uint32_t attrs = 0, nattrs = 0;
  uint32_t dropped = 0;
  uint32_t schema_url = 0;  // of the ScopeSpans
};

struct SpanRow {
  pdata::TraceId trace_id;
  pdata::SpanId span_id;
  pdata::SpanId parent;
  uint64_t start = 0, end = 0;
  uint32_t name = 0, trace_state = 0, status_message = 0;
  uint32_t scope = 0;
  uint32_t attrs = 0, nattrs = 0;
  uint32_t events = 0, nevents = 0;
  uint32_t links = 0, nlinks = 0;
  uint32_t flags = 0;
  uint32_t dropped_attrs = 0, dropped_events = 0, dropped_links = 0;
  int32_t kind = 0;
  int32_t status_code = 0;
};

// How many elements of each of a SpanRows' arrays a head checkpoint covers.
struct RowsMark {
  uint64_t spans = 0, attrs = 0, events = 0, links = 0, resources = 0, scopes = 0, strings = 0;
  bool operator==(const RowsMark&) const = default;
};

class SpanRows {
 public:
  // Appends every span of `batch`.
  void Append(const pdata::TraceBatch& batch);
  // Appends every span of an OTLP protobuf ExportTraceServiceRequest, the same rows Append gives
  // for its decoded batch, without decoding it into one (otlp::WalkTraces). False for a request
  // WalkTraces does not accept; no span is added then.
  bool AppendWire(std::string_view request);
  // Appends rows[i] for each i in `rows` to *out as OTLP data (strings copied into its arena),
  // one ResourceSpans per resource and one ScopeSpans per scope, spans in the given order.
  void ToBatch(std::span<const uint32_t> rows, pdata::TraceBatch* out) const;
  // The value of an attribute as pdata::AnyValue::ToString renders it.
  std::string ValueString(const AttrCell& cell) const;
  // Approximate memory held.
  size_t bytes() const;

  // Head checkpoint (docs/storage.md, "Head checkpoint"; span_checkpoint.cc): appends to *out,
  // as records in the WAL's framing, everything added after `from`, and returns where that
  // ends. LoadCheckpointRecord appends one such record (records in the order written; the
  // caller checks that they continue this object's Mark()).
  RowsMark Mark() const;
  RowsMark AppendCheckpoint(const RowsMark& from, std::string* out) const;
  Status LoadCheckpointRecord(uint8_t type, std::string_view payload);
  // DataLoss when a row loaded after `from` refers to a string, row or range that is not there.
  Status CheckLoaded(const RowsMark& from) const;

  Chunked<SpanRow> spans;
  Chunked<AttrCell> attrs;
  Chunked<EventRow> events;
  Chunked<LinkRow> links;
  std::vector<ResourceRow> resources;
  std::vector<ScopeRow> scopes;
  StringTable strings;
  std::string page;  // a decoded page's bytes, which `strings` views

 private:
  uint32_t Key(size_t position, std::string_view key);
  uint32_t StringValue(uint32_t key, std::string_view value);
  AttrCell Cell(size_t position, const pdata::KeyValue& kv);
  // A span's row without its attributes, events and links.
  SpanRow RowOf(const pdata::Span& sp, uint32_t scope);
  uint32_t AddAttrs(const pdata::Attributes& attrs);
  uint32_t ScopeOf(const pdata::ResourceSpans& rs, const pdata::ScopeSpans& ss);
  pdata::AnyValue Value(const AttrCell& cell, pdata::TraceBatch* out) const;
  void AddAttrsTo(uint32_t first, uint32_t n, pdata::Attributes* to, pdata::TraceBatch* out) const;
  // Resources and scopes seen, by their serialised content.
  std::unordered_map<std::string, uint32_t> resource_ids_, scope_ids_;
  // The keys of the last attribute list, by position.
  static constexpr size_t kRecentKeys = 64;
  std::vector<uint32_t> recent_keys_;
  // How many of a key's first kSampleValues string values were new.
  static constexpr uint32_t kSampleValues = 256;
  struct KeyStats {
    uint32_t values = 0, fresh = 0;
  };
  std::vector<KeyStats> key_stats_;
  std::string blob_;  // scratch: a serialised array or kvlist value
  class WireVisitor;
};

// A trace in a page: its spans are order[first, first + count), sorted by start time.
struct PageTrace {
  uint64_t min_start = 0;
  uint32_t first = 0, count = 0;
};

// A growable byte buffer with inline varint writes (std::string appends are slower here).
class Sink {
 public:
  void Byte(uint8_t b) {
    Reserve(1);
    p_[n_++] = static_cast<char>(b);
  }
  void Varint(uint64_t v) {
    Reserve(10);
    for (; v >= 0x80; v >>= 7) p_[n_++] = static_cast<char>(v | 0x80);
    p_[n_++] = static_cast<char>(v);
  }
  void Raw(const void* data, size_t n) {
    Reserve(n);
    std::memcpy(p_ + n_, data, n);
    n_ += n;
  }
  const char* data() const { return p_; }
  size_t size() const { return n_; }
  std::string_view view() const { return {p_, n_}; }
  void clear() { n_ = 0; }

 private:
  void Reserve(size_t extra) {
    if (cap_ - n_ >= extra) return;
    size_t cap = std::max(cap_ * 2, n_ + extra + 4096);
    auto bigger = std::make_unique_for_overwrite<char[]>(cap);
    if (n_) std::memcpy(bigger.get(), p_, n_);
    buf_ = std::move(bigger);
    p_ = buf_.get();
    cap_ = cap;
  }
  std::unique_ptr<char[]> buf_;
  char* p_ = nullptr;
  size_t n_ = 0, cap_ = 0;
};

// Encodes pages of one SpanRows (a head being flushed); keeps scratch state between pages.
class SpanPageWriter {
 public:
  explicit SpanPageWriter(const SpanRows& rows);
  // One page: the rows `order[t.first ...]` of each trace t in `traces`.
  std::string Encode(std::span<const uint32_t> order, std::span<const PageTrace> traces);

 private:
  const SpanRows& rows_;
  // Source string id → (page number << 32 | page string id); stale entries are other pages'.
  std::vector<uint64_t> remap_;
  // Attribute key (source string id) → (page number << 32 | column), the same way.
  std::vector<uint64_t> key_column_;
  uint64_t page_ = 0;
  // Scratch kept between pages (capacity reused): the streams, and the attribute values of each
  // key in the order the decoder assembles them.
  std::vector<Sink> streams_;
  Sink values_;
  std::vector<uint64_t> numbers_;
  struct Column {
    uint32_t key = 0;
    std::vector<const AttrCell*> cells;
  };
  std::vector<Column> columns_;
};

// What the decoder needs to know of each trace in a page (from the block index).
struct PageTraceInfo {
  pdata::TraceId id;
  uint64_t min_start = 0;
  uint32_t count = 0;
};

// Decodes a page into *out (which must be empty): spans in page order, trace by trace.
Status DecodeSpanPage(std::string page, std::span<const PageTraceInfo> traces, SpanRows* out);

}  // namespace otter::store
