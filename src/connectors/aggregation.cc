#include "connectors/aggregation.h"

#include <spdlog/sinks/null_sink.h>

#include <chrono>

namespace otter {

void AppendKey(std::string& key, const pdata::AnyValue& v) {
  key += static_cast<char>('A' + static_cast<int>(v.type));
  if (v.type == pdata::AnyValue::Type::kString)
    key += v.string_value;
  else
    key += v.ToString();
  key += '\0';
}

pdata::AnyValue CopyValue(const pdata::AnyValue& v, pdata::ArenaSet& arena) {
  pdata::AnyValue out = v;
  if (v.type == pdata::AnyValue::Type::kString || v.type == pdata::AnyValue::Type::kBytes)
    out.string_value = arena.Copy(v.string_value);
  for (auto& e : out.array_value) e = CopyValue(e, arena);
  for (auto& kv : out.kvlist_value) {
    kv.key = arena.Copy(kv.key);
    kv.value = CopyValue(kv.value, arena);
  }
  return out;
}

const pdata::AnyValue* FindIn(std::string_view name, const pdata::Attributes& first,
                              const pdata::Attributes& second) {
  if (const auto* v = pdata::FindAttribute(first, name)) return v;
  return pdata::FindAttribute(second, name);
}

uint64_t SystemNowNs() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

std::shared_ptr<spdlog::logger> LoggerOf(const ComponentContext& ctx) {
  if (ctx.logger) return ctx.logger;
  return std::make_shared<spdlog::logger>(ctx.id.ToString(),
                                          std::make_shared<spdlog::sinks::null_sink_mt>());
}

}  // namespace otter
