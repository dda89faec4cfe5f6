// Shared pieces of the connectors that aggregate spans into metrics (spanmetrics,
// servicegraph): attribute lookup, the byte keys that identify a series, the wall clock they
// default to, and their logger / self-metrics when the context has none (tests).
#pragma once

#include <spdlog/logger.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "component/component.h"
#include "pdata/arena.h"
#include "pdata/common.h"

namespace otter {

// Appends a type-tagged rendering of `v` to `key` (so "1" and 1 are different series).
void AppendKey(std::string& key, const pdata::AnyValue& v);
// A copy of `v` whose strings live in `arena`.
pdata::AnyValue CopyValue(const pdata::AnyValue& v, pdata::ArenaSet& arena);
// The first of the attribute lists that has `name`, or null.
const pdata::AnyValue* FindIn(std::string_view name, const pdata::Attributes& first,
                              const pdata::Attributes& second);

uint64_t SystemNowNs();
std::shared_ptr<spdlog::logger> LoggerOf(const ComponentContext& ctx);

}  // namespace otter
