#include "otlp/item_limits.h"

#include <utility>

#include "otlp/proto_codec.h"
#include "otlp/proto_decode_internal.h"
#include "otlp/utf8.h"

namespace otter::otlp {
namespace {

// One walk over a batch. kFix = false only looks (through const objects) and stops at the first
// thing a limit would change; kFix = true changes it and counts. Templates on the object types
// so the same code serves both.
template <bool kFix>
class Pass {
 public:
  Pass(const ItemLimits& limits, pdata::ArenaSet* arenas) : l_(limits), arenas_(arenas) {}

  bool violated = false;  // kFix = false: something would change
  LimitCounts counts;     // kFix = true

  bool done() const { return !kFix && violated; }

  template <class S>
  void Str(S& s) {
    if (l_.repair_utf8 && !IsValidUtf8(s)) {
      if constexpr (kFix) {
        s = arenas_->Copy(RepairUtf8(s));
        ++counts.repaired_utf8;
      } else {
        violated = true;
        return;
      }
    }
    if (s.size() > l_.max_string_length) {
      if constexpr (kFix) {
        s = Utf8Prefix(s, l_.max_string_length);
        ++counts.truncated_strings;
      } else {
        violated = true;
      }
    }
  }

  template <class V>
  void Value(V& v) {
    using T = pdata::AnyValue::Type;
    switch (v.type) {
      case T::kString:
        Str(v.string_value);
        break;
      case T::kArray:
        Limit(v.array_value);
        for (auto& e : v.array_value) {
          if (done()) return;
          Value(e);
        }
        break;
      case T::kKvList:
        Limit(v.kvlist_value);
        for (auto& kv : v.kvlist_value) {
          if (done()) return;
          Str(kv.key);
          Value(kv.value);
        }
        break;
      default:
        break;
    }
  }

  // An item's attributes; `dropped` is its dropped_attributes_count (nullptr: OTLP has none).
  template <class A, class D = uint32_t>
  void Attrs(A& attrs, D* dropped = nullptr) {
    if (attrs.size() > l_.max_attributes) {
      if constexpr (kFix) {
        size_t n = attrs.size() - l_.max_attributes;
        attrs.resize(l_.max_attributes);
        counts.dropped_attributes += n;
        if (dropped) *dropped += static_cast<uint32_t>(n);
      } else {
        violated = true;
        return;
      }
    }
    for (auto& kv : attrs) {
      if (done()) return;
      Str(kv.key);
      Value(kv.value);
    }
  }

  template <class R>
  void ResourceAndScope(R& resource) {
    Attrs(resource.attributes, &resource.dropped_attributes_count);
  }
  template <class S>
  void Scope(S& scope) {
    Str(scope.name);
    Str(scope.version);
    Attrs(scope.attributes, &scope.dropped_attributes_count);
  }

 private:
  template <class Vec>
  void Limit(Vec& v) {
    if (v.size() <= l_.max_array_length) return;
    if constexpr (kFix) {
      v.resize(l_.max_array_length);
      ++counts.truncated_arrays;
    } else {
      violated = true;
    }
  }

  const ItemLimits& l_;
  pdata::ArenaSet* arenas_;
};

template <class P, class Resources>
void WalkSpans(P& p, Resources& resources) {
  for (auto& rs : resources) {
    p.ResourceAndScope(rs.resource);
    for (auto& ss : rs.scope_spans) {
      p.Scope(ss.scope);
      for (auto& s : ss.spans) {
        if (p.done()) return;
        p.Str(s.name);
        p.Str(s.status.message);
        p.Attrs(s.attributes, &s.dropped_attributes_count);
        for (auto& e : s.events) {
          p.Str(e.name);
          p.Attrs(e.attributes, &e.dropped_attributes_count);
        }
        for (auto& l : s.links) p.Attrs(l.attributes, &l.dropped_attributes_count);
      }
    }
  }
}

template <class P, class Points>
void WalkPoints(P& p, Points& points) {
  for (auto& dp : points) {
    if (p.done()) return;
    p.Attrs(dp.attributes);
    for (auto& ex : dp.exemplars) p.Attrs(ex.filtered_attributes);
  }
}

template <class P, class Resources>
void WalkMetrics(P& p, Resources& resources) {
  for (auto& rm : resources) {
    p.ResourceAndScope(rm.resource);
    for (auto& sm : rm.scope_metrics) {
      p.Scope(sm.scope);
      for (auto& m : sm.metrics) {
        if (p.done()) return;
        p.Str(m.name);
        p.Str(m.description);
        p.Str(m.unit);
        p.Attrs(m.metadata);
        WalkPoints(p, m.number_points);
        WalkPoints(p, m.histogram_points);
        WalkPoints(p, m.exp_histogram_points);
        for (auto& dp : m.summary_points) p.Attrs(dp.attributes);
      }
    }
  }
}

template <class P, class Resources>
void WalkLogs(P& p, Resources& resources) {
  for (auto& rl : resources) {
    p.ResourceAndScope(rl.resource);
    for (auto& sl : rl.scope_logs) {
      p.Scope(sl.scope);
      for (auto& r : sl.log_records) {
        if (p.done()) return;
        p.Str(r.severity_text);
        p.Str(r.event_name);
        p.Value(r.body);
        p.Attrs(r.attributes, &r.dropped_attributes_count);
      }
    }
  }
}

// Looks first (keeping the batch's cached wire encoding when nothing changes), then fixes.
template <class B, class Walk>
LimitCounts Apply(B& batch, const ItemLimits& limits, Walk walk) {
  if (batch.undecoded()) return {};
  Pass<false> look(limits, nullptr);
  walk(look, std::as_const(batch).resources());
  if (!look.violated) return {};
  Pass<true> fix(limits, &batch.arenas());
  walk(fix, batch.resources());
  return fix.counts;
}

internal::WatchedLimits Watched(const ItemLimits& l) {
  return {l.max_attributes, l.max_array_length, l.max_string_length, l.repair_utf8};
}

// Decodes with the decoder watching the limits; walks the batch again only to fix what it saw.
template <class B, class Walk>
StatusOr<B> DecodeApplying(StatusOr<B> (*decode)(std::string, const internal::WatchedLimits&,
                                                 bool*),
                           std::string body, const ItemLimits& limits, LimitCounts* counts,
                           Walk walk) {
  const internal::WatchedLimits watched = Watched(limits);
  bool over = false;
  StatusOr<B> batch = decode(std::move(body), watched, &over);
  *counts = {};
  if (batch.ok() && over) {
    Pass<true> fix(limits, &batch->arenas());
    walk(fix, batch->resources());
    *counts = fix.counts;
  }
  return batch;
}

}  // namespace

LimitCounts ApplyItemLimits(pdata::TraceBatch& batch, const ItemLimits& limits) {
  return Apply(batch, limits, [](auto& p, auto& r) { WalkSpans(p, r); });
}
LimitCounts ApplyItemLimits(pdata::MetricBatch& batch, const ItemLimits& limits) {
  return Apply(batch, limits, [](auto& p, auto& r) { WalkMetrics(p, r); });
}
LimitCounts ApplyItemLimits(pdata::LogBatch& batch, const ItemLimits& limits) {
  return Apply(batch, limits, [](auto& p, auto& r) { WalkLogs(p, r); });
}

StatusOr<pdata::TraceBatch> DecodeTracesWithinLimits(std::string body, const ItemLimits& limits,
                                                     LimitCounts* counts) {
  return DecodeApplying(&internal::DecodeTracesWatching, std::move(body), limits, counts,
                        [](auto& p, auto& r) { WalkSpans(p, r); });
}
StatusOr<pdata::MetricBatch> DecodeMetricsWithinLimits(std::string body, const ItemLimits& limits,
                                                       LimitCounts* counts) {
  return DecodeApplying(&internal::DecodeMetricsWatching, std::move(body), limits, counts,
                        [](auto& p, auto& r) { WalkMetrics(p, r); });
}
StatusOr<pdata::LogBatch> DecodeLogsWithinLimits(std::string body, const ItemLimits& limits,
                                                 LimitCounts* counts) {
  return DecodeApplying(&internal::DecodeLogsWatching, std::move(body), limits, counts,
                        [](auto& p, auto& r) { WalkLogs(p, r); });
}

std::optional<size_t> CountLogs(std::string_view bytes, const ItemLimits* limits) {
  internal::ProtoDecoder d(bytes);
  const internal::WatchedLimits watched = limits ? Watched(*limits) : internal::WatchedLimits{};
  if (limits) d.Watch(&watched);
  const uint8_t* p = wire::AsBytes(bytes.data());
  size_t records = 0;
  if (!d.CountLogsRequest(p, p + bytes.size(), &records) || d.over_limits()) return std::nullopt;
  return records;
}

std::optional<size_t> CountTracesWithinLimits(std::string_view bytes, const ItemLimits& limits) {
  const internal::WatchedLimits watched = Watched(limits);
  bool over = false;
  std::optional<size_t> spans = internal::CountTracesWatching(bytes, watched, &over);
  if (over) return std::nullopt;
  return spans;
}

}  // namespace otter::otlp
