#include "processors/tail_sampling/held_trace.h"

#include <algorithm>

namespace otter::tailsampling {
namespace {

// A block is at least this big so it is always heap-allocated: a moved std::string keeps its
// buffer (short strings would move their bytes), so views into it survive the arena's adoption.
constexpr size_t kMinBlock = 32;
constexpr size_t kMaxBlock = 16 * 1024;

uint64_t EstimateBytes(const pdata::AnyValue& v);

uint64_t EstimateBytes(const pdata::Attributes& a) {
  uint64_t n = a.capacity() * sizeof(pdata::KeyValue);
  for (const auto& kv : a)
    if (!kv.value.array_value.empty() || !kv.value.kvlist_value.empty())
      n += EstimateBytes(kv.value);
  return n;
}

uint64_t EstimateBytes(const pdata::AnyValue& v) {
  uint64_t n = v.array_value.capacity() * sizeof(pdata::AnyValue);
  for (const auto& e : v.array_value) n += EstimateBytes(e);
  n += EstimateBytes(v.kvlist_value);
  return n;
}

size_t StringBytes(const pdata::Attributes& a);

size_t StringBytes(const pdata::AnyValue& v) {
  size_t n = v.string_value.size();
  for (const auto& e : v.array_value) n += StringBytes(e);
  return n + StringBytes(v.kvlist_value);
}

size_t StringBytes(const pdata::Attributes& a) {
  size_t n = 0;
  for (const auto& kv : a) n += kv.key.size() + StringBytes(kv.value);
  return n;
}

}  // namespace

size_t StringBytes(const pdata::Span& s) {
  size_t n =
      s.trace_state.size() + s.name.size() + s.status.message.size() + StringBytes(s.attributes);
  for (const auto& e : s.events) n += e.name.size() + StringBytes(e.attributes);
  for (const auto& l : s.links) n += l.trace_state.size() + StringBytes(l.attributes);
  return n;
}

size_t StringBytes(const pdata::ResourceSpans& rs) {
  return rs.schema_url.size() + StringBytes(rs.resource.attributes);
}

size_t StringBytes(const pdata::ScopeSpans& ss) {
  return ss.schema_url.size() + ss.scope.name.size() + ss.scope.version.size() +
         StringBytes(ss.scope.attributes);
}

void HeldTrace::ReserveStrings(size_t n) {
  if (n == 0) return;
  if (!blocks.empty() && blocks.back().capacity() - blocks.back().size() >= n) return;
  blocks.emplace_back().reserve(std::max(kMinBlock, n));
  bytes += blocks.back().capacity();
}

uint64_t EstimateBytes(const pdata::Span& s) {
  uint64_t n = sizeof(pdata::Span) + EstimateBytes(s.attributes);
  n += s.events.capacity() * sizeof(pdata::SpanEvent);
  for (const auto& e : s.events) n += EstimateBytes(e.attributes);
  n += s.links.capacity() * sizeof(pdata::SpanLink);
  for (const auto& l : s.links) n += EstimateBytes(l.attributes);
  return n;
}

std::string_view HeldTrace::Copy(std::string_view s) {
  if (s.empty()) return {};
  if (blocks.empty() || blocks.back().capacity() - blocks.back().size() < s.size()) {
    size_t last = blocks.empty() ? 0 : blocks.back().capacity();
    size_t cap = std::max({kMinBlock, std::min(kMaxBlock, 2 * last), s.size()});
    blocks.emplace_back().reserve(cap);
    bytes += blocks.back().capacity();
  }
  std::string& b = blocks.back();
  size_t off = b.size();
  b.append(s);
  return {b.data() + off, s.size()};
}

void HeldTrace::Relocate(pdata::AnyValue& v) {
  v.string_value = Copy(v.string_value);
  for (auto& e : v.array_value) Relocate(e);
  Relocate(v.kvlist_value);
}

void HeldTrace::Relocate(pdata::Attributes& attrs) {
  for (auto& kv : attrs) {
    kv.key = Copy(kv.key);
    Relocate(kv.value);
  }
}

void HeldTrace::Relocate(pdata::Span& s) {
  s.trace_state = Copy(s.trace_state);
  s.name = Copy(s.name);
  Relocate(s.attributes);
  for (auto& e : s.events) {
    e.name = Copy(e.name);
    Relocate(e.attributes);
  }
  for (auto& l : s.links) {
    l.trace_state = Copy(l.trace_state);
    Relocate(l.attributes);
  }
  s.status.message = Copy(s.status.message);
}

void HeldTrace::Add(const pdata::ResourceSpans& resource, bool new_resource,
                    const pdata::ScopeSpans& scope, bool new_scope, pdata::Span&& span) {
  if (new_resource || resources.empty()) {
    pdata::ResourceSpans& rs = resources.emplace_back();
    rs.resource = resource.resource;
    Relocate(rs.resource.attributes);
    rs.schema_url = Copy(resource.schema_url);
    bytes += sizeof(pdata::ResourceSpans) + EstimateBytes(rs.resource.attributes);
    new_scope = true;
  }
  pdata::ResourceSpans& rs = resources.back();
  if (new_scope || rs.scope_spans.empty()) {
    pdata::ScopeSpans& ss = rs.scope_spans.emplace_back();
    ss.scope = scope.scope;
    ss.scope.name = Copy(ss.scope.name);
    ss.scope.version = Copy(ss.scope.version);
    Relocate(ss.scope.attributes);
    ss.schema_url = Copy(scope.schema_url);
    bytes += sizeof(pdata::ScopeSpans) + EstimateBytes(ss.scope.attributes);
  }
  pdata::ScopeSpans& ss = rs.scope_spans.back();
  Relocate(span);
  bytes += EstimateBytes(span);
  ss.spans.push_back(std::move(span));
  ++span_count;
}

void HeldTrace::ReleaseInto(pdata::TraceBatch& out) {
  for (auto& b : blocks) out.arenas().Adopt(std::move(b));
  auto& dst = out.resources();
  for (auto& rs : resources) dst.push_back(std::move(rs));
  Clear();
}

void HeldTrace::Clear() {
  std::vector<pdata::ResourceSpans>().swap(resources);
  std::vector<std::string>().swap(blocks);
  bytes = 0;
}

}  // namespace otter::tailsampling
