// EdgeStore: the servicegraph connector's unpaired edges. A client (or producer) span and the
// server (or consumer) span it called meet under one key — trace id + the client's span id,
// which is the server's parent span id — whichever arrives first. An edge is complete when both
// services are known; it then leaves the store. Edges wait at most `ttl` and the store holds at
// most `max_items`; a span that would need more is refused (the caller counts it).
// Not thread-safe: guarded by the connector's mutex.
#pragma once

#include <cstdint>
#include <list>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "pdata/common.h"

namespace otter {

struct Edge {
  pdata::TraceId trace_id;
  std::string client, server;
  std::string connection_type;  // "", "messaging_system" or "database"
  bool failed = false;
  double client_seconds = 0, server_seconds = 0;
  std::vector<std::pair<std::string, std::string>> dimensions;  // client_<d> / server_<d>
  uint64_t expires_ns = 0;
  bool Complete() const { return !client.empty() && !server.empty(); }
};

class EdgeStore {
 public:
  struct Key {
    pdata::TraceId trace;
    pdata::SpanId span;
    bool operator==(const Key&) const = default;
  };
  enum class Upserted { kNew, kExisting, kFull };

  EdgeStore(uint64_t ttl_ns, size_t max_items) : ttl_ns_(ttl_ns), max_items_(max_items) {}

  // Applies `update` to the edge of `key` (creating it unless the store is full); a complete
  // edge goes to `complete` and leaves the store.
  template <class Update, class Complete>
  Upserted Upsert(const Key& key, uint64_t now_ns, Update&& update, Complete&& complete) {
    auto it = index_.find(key);
    if (it != index_.end()) {
      Edge& e = it->second->second;
      update(e);
      if (e.Complete()) {
        complete(e);
        edges_.erase(it->second);
        index_.erase(it);
      }
      return Upserted::kExisting;
    }
    if (index_.size() >= max_items_) return Upserted::kFull;
    Edge e;
    e.expires_ns = now_ns + ttl_ns_;
    update(e);
    if (e.Complete()) {
      complete(e);  // e.g. a database call: the client span alone makes the edge
      return Upserted::kNew;
    }
    edges_.emplace_back(key, std::move(e));
    index_.emplace(key, std::prev(edges_.end()));
    return Upserted::kNew;
  }

  // Removes the edges whose ttl has passed (oldest first); returns how many.
  size_t Expire(uint64_t now_ns);
  size_t size() const { return index_.size(); }

 private:
  struct KeyHash {
    size_t operator()(const Key& k) const;
  };
  uint64_t ttl_ns_;
  size_t max_items_;
  using Entries = std::list<std::pair<Key, Edge>>;
  Entries edges_;  // in insertion order, so the oldest expire first
  std::unordered_map<Key, Entries::iterator, KeyHash> index_;
};

}  // namespace otter
