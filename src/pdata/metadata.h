// Metadata: the request metadata (HTTP headers / gRPC metadata) a receiver keeps with a batch
// when `include_metadata` is on, like otelcol's client.Info.Metadata. Keys are lower-case; a key
// may hold several values (a header sent twice), in the order received. Keys and values are views
// into the owning batch's arenas (Add copies them there), so a Metadata travels with its batch:
// the batch processor partitions by it (`metadata_keys`), headers_setter's `from_context` reads it
// when an exporter sends the batch. Thread-safety: owned by one thread at a time, like the batch.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "pdata/arena.h"

namespace otter::pdata {

class Metadata {
 public:
  struct Entry {
    std::string_view key;  // lower-case
    std::string_view value;
    bool operator==(const Entry&) const = default;
  };

  // Appends one value of `key` (lower-cased), both copied into `arenas`.
  void Add(ArenaSet& arenas, std::string_view key, std::string_view value);
  // Appends an entry whose key (lower-case) and value already live in the batch's arenas.
  void AddView(std::string_view key, std::string_view value) { entries_.push_back({key, value}); }

  // The values of `key` (case-insensitive), in the order received; empty when absent.
  std::vector<std::string_view> Get(std::string_view key) const;
  // How many values `key` (case-insensitive) has, without allocating.
  size_t Count(std::string_view key) const;

  const std::vector<Entry>& entries() const { return entries_; }
  bool empty() const { return entries_.empty(); }
  void clear() { entries_.clear(); }
  bool operator==(const Metadata&) const = default;

 private:
  std::vector<Entry> entries_;
};

// Case-insensitive ASCII equality (metadata keys, header names).
bool KeyEquals(std::string_view a, std::string_view b);

}  // namespace otter::pdata
