// Helpers for tests and benchmarks of the store: a silent logger, a synchronous write, a store
// for query tests, and recognisable trace ids.
#pragma once

#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <future>
#include <memory>
#include <string>

#include "store/store.h"

namespace otter::testing {

inline std::shared_ptr<spdlog::logger> NullLogger() {
  return std::make_shared<spdlog::logger>("store", std::make_shared<spdlog::sinks::null_sink_mt>());
}

// Writes through the store and waits for the completion.
template <class B>
Status WriteSync(store::Store& store, B&& batch) {
  std::promise<Status> p;
  auto f = p.get_future();
  store.Write(std::move(batch), Completion([&p](Status s) { p.set_value(std::move(s)); }));
  return f.get();
}

// A store in `directory` that keeps everything (no retention) and does not fsync: for tests
// that load fixed data and query it.
inline StatusOr<std::unique_ptr<store::Store>> OpenQueryTestStore(const std::string& directory) {
  store::StoreOptions o;
  o.directory = directory;
  o.retention = std::chrono::milliseconds(0);
  o.sync = false;
  return store::Store::Open(o, NullLogger(), nullptr);
}

// Opens a store in `directory` with retention off (test data is from 2023) and, optionally,
// without background compaction.
inline StatusOr<std::unique_ptr<store::Store>> OpenTestStore(const std::string& directory,
                                                             bool compact_in_background = true) {
  store::StoreOptions o;
  o.directory = directory;
  o.retention = std::chrono::milliseconds(0);
  o.compact_in_background = compact_in_background;
  return store::Store::Open(o, NullLogger(), nullptr);
}

// A trace id of sixteen `b` bytes.
inline pdata::TraceId TraceIdOf(uint8_t b) {
  pdata::TraceId id;
  id.bytes.fill(b);
  return id;
}

}  // namespace otter::testing
