// Helpers for tests and benchmarks of the store: a silent logger, a synchronous write, and
// recognisable trace ids.
#pragma once

#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <future>
#include <memory>

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

// A trace id of sixteen `b` bytes.
inline pdata::TraceId TraceIdOf(uint8_t b) {
  pdata::TraceId id;
  id.bytes.fill(b);
  return id;
}

}  // namespace otter::testing
