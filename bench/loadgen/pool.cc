#include "pool.h"

#include <bit>
#include <chrono>
#include <cstring>
#include <map>

#include "payload.h"

namespace otter::loadgen {
namespace {

static_assert(std::endian::native == std::endian::little,
              "timestamps are patched in place as little-endian fixed64");

uint64_t WallNanos() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

// ---- a schema-directed walk over the encoded request --------------------------------------------
//
// Only the fields that lead to something to patch are described; everything else is skipped by
// wire type. Field numbers are those of the OTLP .proto files.

enum Msg : uint8_t {
  kRequest,
  kResource,
  kScope,
  kSpan,
  kEvent,
  kLog,
  kMetric,
  kNumberData,
  kHistogramData,
  kNumberPoint,
  kHistogramPoint,
  kNone
};
enum class Action : uint8_t { kMessage, kTraceId, kSpanId, kTime, kAttribute };

struct Rule {
  Msg msg;
  uint32_t field;
  Action action;
  Msg child = kNone;
};

// ExportTraceServiceRequest.resource_spans(1) -> ResourceSpans.scope_spans(2) ->
// ScopeSpans.spans(2)
constexpr Rule kTraceRules[] = {
    {kRequest, 1, Action::kMessage, kResource},
    {kResource, 2, Action::kMessage, kScope},
    {kScope, 2, Action::kMessage, kSpan},
    {kSpan, 1, Action::kTraceId},
    {kSpan, 2, Action::kSpanId},
    {kSpan, 4, Action::kSpanId},  // parent_span_id
    {kSpan, 7, Action::kTime},
    {kSpan, 8, Action::kTime},
    {kSpan, 9, Action::kAttribute},
    {kSpan, 11, Action::kMessage, kEvent},
    {kEvent, 1, Action::kTime},
};
constexpr Rule kLogRules[] = {
    {kRequest, 1, Action::kMessage, kResource},
    {kResource, 2, Action::kMessage, kScope},
    {kScope, 2, Action::kMessage, kLog},
    {kLog, 1, Action::kTime},
    {kLog, 6, Action::kAttribute},
    {kLog, 9, Action::kTraceId},
    {kLog, 10, Action::kSpanId},
    {kLog, 11, Action::kTime},  // observed time
};
constexpr Rule kMetricRules[] = {
    {kRequest, 1, Action::kMessage, kResource},
    {kResource, 2, Action::kMessage, kScope},
    {kScope, 2, Action::kMessage, kMetric},
    {kMetric, 5, Action::kMessage, kNumberData},     // gauge
    {kMetric, 7, Action::kMessage, kNumberData},     // sum
    {kMetric, 9, Action::kMessage, kHistogramData},  // histogram
    {kNumberData, 1, Action::kMessage, kNumberPoint},
    {kHistogramData, 1, Action::kMessage, kHistogramPoint},
    {kNumberPoint, 3, Action::kTime},  // time_unix_nano (start time is kept)
    {kHistogramPoint, 3, Action::kTime},
};

bool ReadVarint(const uint8_t*& p, const uint8_t* end, uint64_t* v) {
  *v = 0;
  for (int shift = 0; shift < 64 && p < end; shift += 7) {
    uint8_t b = *p++;
    *v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (b < 0x80) return true;
  }
  return false;
}

class Planner {
 public:
  Planner(const Rule* rules, size_t n, const uint8_t* body) : rules_(rules), n_(n), body_(body) {}
  PatchPlan plan;

  bool Walk(Msg msg, const uint8_t* p, const uint8_t* end) {
    while (p < end) {
      uint64_t tag;
      if (!ReadVarint(p, end, &tag)) return false;
      const Rule* rule = Find(msg, static_cast<uint32_t>(tag >> 3));
      switch (tag & 7) {
        case 0: {
          uint64_t ignored;
          if (!ReadVarint(p, end, &ignored)) return false;
          break;
        }
        case 1:
          if (end - p < 8) return false;
          if (rule && rule->action == Action::kTime) plan.times.push_back(Offset(p));
          p += 8;
          break;
        case 5:
          if (end - p < 4) return false;
          p += 4;
          break;
        case 2: {
          uint64_t len;
          if (!ReadVarint(p, end, &len) || len > static_cast<uint64_t>(end - p)) return false;
          const uint8_t* sub_end = p + len;
          if (rule && !Field(*rule, p, sub_end)) return false;
          p = sub_end;
          break;
        }
        default:
          return false;  // groups: not in OTLP
      }
    }
    return true;
  }

 private:
  const Rule* Find(Msg msg, uint32_t field) const {
    for (size_t i = 0; i < n_; ++i) {
      if (rules_[i].msg == msg && rules_[i].field == field) return &rules_[i];
    }
    return nullptr;
  }
  uint32_t Offset(const uint8_t* p) const { return static_cast<uint32_t>(p - body_); }

  bool Field(const Rule& rule, const uint8_t* p, const uint8_t* end) {
    size_t len = static_cast<size_t>(end - p);
    switch (rule.action) {
      case Action::kMessage:
        return Walk(rule.child, p, end);
      case Action::kTraceId:
        if (len != 16) return false;
        plan.trace_ids.push_back({Offset(p), Index(traces_, p, len, plan.trace_count)});
        return true;
      case Action::kSpanId:
        if (len != 8) return false;
        plan.span_ids.push_back({Offset(p), Index(spans_, p, len, plan.span_count)});
        return true;
      case Action::kAttribute:
        return Attribute(p, end);
      case Action::kTime:
        return false;  // a timestamp is never length-delimited
    }
    return false;
  }

  static uint32_t Index(std::map<std::string, uint32_t>& seen, const uint8_t* p, size_t len,
                        uint32_t& count) {
    auto [it, added] = seen.emplace(std::string(reinterpret_cast<const char*>(p), len), count);
    if (added) ++count;
    return it->second;
  }

  // KeyValue{key = 1, value = 2: AnyValue{string_value = 1}}: remembers app.request_id tokens.
  bool Attribute(const uint8_t* p, const uint8_t* end) {
    std::string_view key;
    const uint8_t* str = nullptr;
    size_t str_len = 0;
    while (p < end) {
      uint64_t tag, len;
      if (!ReadVarint(p, end, &tag)) return false;
      if ((tag & 7) != 2) return true;  // not the shape we generate: nothing to patch
      if (!ReadVarint(p, end, &len) || len > static_cast<uint64_t>(end - p)) return false;
      if (tag >> 3 == 1) key = {reinterpret_cast<const char*>(p), len};
      if (tag >> 3 == 2) {
        const uint8_t* v = p;
        uint64_t vtag, vlen;
        if (ReadVarint(v, p + len, &vtag) && vtag == (1 << 3 | 2) &&
            ReadVarint(v, p + len, &vlen) && vlen == static_cast<uint64_t>(p + len - v)) {
          str = v;
          str_len = vlen;
        }
      }
      p += len;
    }
    if (key == "app.request_id" && str && str_len == kTokenSize) plan.tokens.push_back(Offset(str));
    return true;
  }

  const Rule* rules_;
  size_t n_;
  const uint8_t* body_;
  std::map<std::string, uint32_t> traces_;
  std::map<std::string, uint32_t> spans_;
};

}  // namespace

StatusOr<PatchPlan> PlanPatches(Signal signal, std::string_view body) {
  const auto* b = reinterpret_cast<const uint8_t*>(body.data());
  const Rule* rules = kTraceRules;
  size_t n = std::size(kTraceRules);
  if (signal == Signal::kLogs) {
    rules = kLogRules;
    n = std::size(kLogRules);
  } else if (signal == Signal::kMetrics) {
    rules = kMetricRules;
    n = std::size(kMetricRules);
  }
  Planner planner(rules, n, b);
  if (!planner.Walk(kRequest, b, b + body.size())) {
    return InvalidArgument("pooled request does not parse as an OTLP request");
  }
  return std::move(planner.plan);
}

StatusOr<std::unique_ptr<RequestPool>> RequestPool::Build(const Options& opts, size_t size) {
  auto pool = std::make_unique<RequestPool>();
  // A connection number no real connection uses; the pool's own ids are all replaced anyway.
  PayloadGenerator gen(opts, (1u << 24) - 1);
  size_t bytes = 0;
  for (size_t i = 0; i < size && (i == 0 || bytes < kMaxBytes); ++i) {
    Entry e;
    e.items = gen.Next(&e.body);
    e.base_ns = gen.base_ns();
    ASSIGN_OR_RETURN(e.plan, PlanPatches(opts.signal, e.body));
    bytes += e.body.size();
    pool->entries_.push_back(std::move(e));
  }
  return pool;
}

PooledSource::PooledSource(const RequestPool& pool, uint32_t connection, uint64_t seed)
    : pool_(pool), ids_(connection, seed), rng_(Mix64(seed ^ 0x706f6f6cULL) ^ Mix64(connection)) {}

size_t PooledSource::Next(std::string* out) {
  const RequestPool::Entry& e = pool_.entry(rng_.Below(pool_.size()));
  const PatchPlan& plan = e.plan;
  out->assign(e.body);
  auto* d = reinterpret_cast<uint8_t*>(out->data());

  trace_ids_.resize(size_t{plan.trace_count} * 16);
  span_ids_.resize(size_t{plan.span_count} * 8);
  for (uint32_t t = 0; t < plan.trace_count; ++t) ids_.NextTraceId(&trace_ids_[size_t{t} * 16]);
  for (uint32_t s = 0; s < plan.span_count; ++s) ids_.NextSpanId(&span_ids_[size_t{s} * 8]);
  for (const PatchPlan::IdRef& r : plan.trace_ids) {
    std::memcpy(d + r.offset, &trace_ids_[size_t{r.index} * 16], 16);
  }
  for (const PatchPlan::IdRef& r : plan.span_ids) {
    std::memcpy(d + r.offset, &span_ids_[size_t{r.index} * 8], 8);
  }

  uint64_t now = WallNanos();
  base_ns_ = now > base_ns_ ? now : base_ns_ + 1;
  uint64_t delta = base_ns_ - e.base_ns;  // wraps correctly for any sign
  for (uint32_t off : plan.times) {
    uint64_t t;
    std::memcpy(&t, d + off, 8);
    t += delta;
    std::memcpy(d + off, &t, 8);
  }
  for (uint32_t off : plan.tokens) FillToken(rng_, reinterpret_cast<char*>(d + off));
  return e.items;
}

}  // namespace otter::loadgen
