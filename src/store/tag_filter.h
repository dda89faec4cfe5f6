// Tag filters: per span page, a split-block Bloom filter over the page's (attribute key, value)
// pairs — span, event and resource attributes — so that a tag search (Jaeger's `tags=`) decodes
// only the pages that may hold the tag (docs/storage.md, "Tag filters"). A filter answers "no"
// only when no attribute of the page renders as the value under that key; "maybe" otherwise.
//
// Items: a string, bool or int attribute is hashed as (key, its text as a search compares it:
// ints in decimal); any other type (double, bytes, array, map, empty) makes its key an "any
// value" key of the page, listed exactly, which every tag with that key matches. The hashes are
// persisted, so they use a fixed seed (store/hash.h).
//
// Layout: a varint count and that many 8-byte little-endian hashes of the any-value keys, then
// blocks of 32 bytes (eight little-endian 32-bit words); an item sets one bit in each word of the
// block its hash selects (the split-block filter of Parquet's bloom filter spec), sized at about
// 10 bits per distinct item (~1% false positives).
// Thread-safety: TagFilterBuilder and SpanTagFilterWriter are single-threaded; a TagProbe is
// immutable.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "store/span_columns.h"

namespace otter::store {

// Hashes: of a key's or a value's text (never 0), and of a (key, value) item.
uint64_t TagTextHash(std::string_view text);
uint64_t TagItem(uint64_t key_hash, uint64_t value_hash);

// Collects items and any-value keys, then writes a filter sized for the distinct items.
class TagFilterBuilder {
 public:
  void Add(uint64_t item) { items_.push_back(item); }
  void AddAnyValueKey(uint64_t key_hash);
  // The filter for what was added since the last Finish; clears it.
  std::string Finish();

 private:
  size_t EstimateDistinct();
  std::vector<uint64_t> items_;
  std::vector<uint64_t> any_keys_;
  std::vector<uint64_t> seen_;  // linear-counting bitmap, reused
};

// One tag of a query: its key's hash and its item.
class TagProbe {
 public:
  TagProbe(std::string_view key, std::string_view value);
  // Whether a page with this filter may hold the tag. An empty filter (a page written before
  // filters existed) may hold anything.
  bool MayMatch(std::string_view filter) const;

 private:
  uint64_t key_hash_, item_;
};

// Whether a tag can be ruled out by attribute filters at all: the derived tags (error, span.kind,
// otel.status_code, otel.status_description) also match span fields that are not attributes.
bool TagIsFilterable(std::string_view key);

// Builds the tag filters of one SpanRows' pages (a head being flushed). Most attributes repeat
// within a page (methods, routes, status codes): a small table of the page's recent
// (key, value) cells skips those before anything is hashed.
class SpanTagFilterWriter {
 public:
  explicit SpanTagFilterWriter(const SpanRows& rows);
  // The filter of a page holding the spans rows.spans[i] for i in `order`.
  std::string Build(std::span<const uint32_t> order);

 private:
  uint64_t KeyHash(uint32_t key);
  void AddAttrs(uint32_t first, uint32_t n);

  const SpanRows& rows_;
  TagFilterBuilder builder_;
  struct Cell {
    uint64_t value = 0;
    uint32_t key = 0;
    uint32_t type = UINT32_MAX;  // UINT32_MAX: empty
  };
  std::vector<Cell> recent_;                               // direct-mapped, cleared per page
  std::vector<std::pair<uint32_t, uint64_t>> key_hashes_;  // direct-mapped (key id + 1, hash)
  std::vector<uint32_t> resource_page_;  // by resource: the last page (+1) its attributes went in
  uint32_t page_ = 0;
};

}  // namespace otter::store
