#include "exporters/loadbalancing/partition.h"

#include <algorithm>
#include <string_view>
#include <type_traits>

namespace otter::loadbalancing {
namespace {

std::string_view IdBytes(const pdata::TraceId& id) {
  return {reinterpret_cast<const char*>(id.bytes.data()), id.bytes.size()};
}

void AppendAttributes(const pdata::Attributes& attrs, std::string& key) {
  std::vector<const pdata::KeyValue*> sorted;
  sorted.reserve(attrs.size());
  for (const auto& kv : attrs) sorted.push_back(&kv);
  std::sort(sorted.begin(), sorted.end(),
            [](const pdata::KeyValue* a, const pdata::KeyValue* b) { return a->key < b->key; });
  for (const auto* kv : sorted) {
    key.append(kv->key);
    key += '=';
    key += kv->value.ToString();
    key += ';';
  }
}

std::string ServiceName(const pdata::Resource& r) {
  const pdata::AnyValue* v = pdata::FindAttribute(r.attributes, "service.name");
  return v ? v->ToString() : std::string();
}

// The values of `names`, each looked up in the item's, the scope's and the resource's attributes
// (first found wins); "" when none is present.
std::string AttributeKey(const std::vector<std::string>& names, const pdata::Attributes& item,
                         const pdata::Attributes& scope, const pdata::Attributes& resource) {
  std::string key;
  bool any = false;
  for (const auto& name : names) {
    const pdata::AnyValue* v = pdata::FindAttribute(item, name);
    if (!v) v = pdata::FindAttribute(scope, name);
    if (!v) v = pdata::FindAttribute(resource, name);
    if (v) {
      key += v->ToString();
      any = true;
    }
    key += '\x1f';
  }
  return any ? key : std::string();
}

template <class R>
R ResourceShell(const R& r) {
  R shell;
  shell.resource = r.resource;
  shell.schema_url = r.schema_url;
  return shell;
}
template <class S>
S ScopeShell(const S& s) {
  S shell;
  shell.scope = s.scope;
  shell.schema_url = s.schema_url;
  return shell;
}

auto& ItemsOf(pdata::ScopeSpans& s) { return s.spans; }
auto& ItemsOf(pdata::ScopeMetrics& s) { return s.metrics; }
auto& ItemsOf(pdata::ScopeLogs& s) { return s.log_records; }

// Routes every item of `in` to out[ring.Pick(hash_of(resource, scope, item))].
template <class R, class HashFn>
void SplitItems(std::vector<R>& in, size_t backends, std::vector<std::vector<R>>& out,
                const HashFn& backend_of) {
  std::vector<int> res_pos(backends), scope_pos(backends);
  for (R& r : in) {
    std::fill(res_pos.begin(), res_pos.end(), -1);
    for (auto& s : r.*R::kScopes) {
      std::fill(scope_pos.begin(), scope_pos.end(), -1);
      for (auto& item : ItemsOf(s)) {
        size_t b = backend_of(r, s, item);
        if (res_pos[b] < 0) {
          res_pos[b] = static_cast<int>(out[b].size());
          out[b].push_back(ResourceShell(r));
        }
        auto& scopes = out[b][res_pos[b]].*R::kScopes;
        if (scope_pos[b] < 0) {
          scope_pos[b] = static_cast<int>(scopes.size());
          scopes.push_back(ScopeShell(s));
        }
        ItemsOf(scopes[scope_pos[b]]).push_back(std::move(item));
      }
    }
  }
}

template <class R, class HashFn>
void SplitResources(std::vector<R>& in, std::vector<std::vector<R>>& out,
                    const HashFn& backend_of) {
  for (R& r : in) out[backend_of(r)].push_back(std::move(r));
}

// A metric's points go to several backends (streamID): each part gets a copy of the metric with
// its own points.
void SplitPoints(std::vector<pdata::ResourceMetrics>& in, const HashRing& ring,
                 std::vector<std::vector<pdata::ResourceMetrics>>& out) {
  const size_t n = ring.endpoints().size();
  std::vector<int> res_pos(n), scope_pos(n), metric_pos(n);
  for (auto& r : in) {
    std::string resource_key;
    AppendAttributes(r.resource.attributes, resource_key);
    std::fill(res_pos.begin(), res_pos.end(), -1);
    for (auto& s : r.scope_metrics) {
      std::string scope_key = resource_key;
      scope_key.append(s.scope.name).append("\x1f").append(s.scope.version).append("\x1f");
      std::fill(scope_pos.begin(), scope_pos.end(), -1);
      for (auto& m : s.metrics) {
        std::string metric_key = scope_key;
        metric_key.append(m.name).append("\x1f");
        auto numbers = std::move(m.number_points);
        auto histograms = std::move(m.histogram_points);
        auto exps = std::move(m.exp_histogram_points);
        auto summaries = std::move(m.summary_points);
        m.number_points.clear();
        m.histogram_points.clear();
        m.exp_histogram_points.clear();
        m.summary_points.clear();
        std::fill(metric_pos.begin(), metric_pos.end(), -1);
        auto place = [&](const pdata::Attributes& attrs) -> pdata::Metric& {
          std::string key = metric_key;
          AppendAttributes(attrs, key);
          size_t b = ring.Pick(HashKey(key));
          if (res_pos[b] < 0) {
            res_pos[b] = static_cast<int>(out[b].size());
            out[b].push_back(ResourceShell(r));
          }
          auto& scopes = out[b][res_pos[b]].scope_metrics;
          if (scope_pos[b] < 0) {
            scope_pos[b] = static_cast<int>(scopes.size());
            scopes.push_back(ScopeShell(s));
          }
          auto& metrics = scopes[scope_pos[b]].metrics;
          if (metric_pos[b] < 0) {
            metric_pos[b] = static_cast<int>(metrics.size());
            metrics.push_back(m);  // the point vectors are empty now
          }
          return metrics[metric_pos[b]];
        };
        for (auto& p : numbers) place(p.attributes).number_points.push_back(std::move(p));
        for (auto& p : histograms) place(p.attributes).histogram_points.push_back(std::move(p));
        for (auto& p : exps) place(p.attributes).exp_histogram_points.push_back(std::move(p));
        for (auto& p : summaries) place(p.attributes).summary_points.push_back(std::move(p));
      }
    }
  }
}

template <class R>
void Split(std::vector<R>& in, const HashRing& ring, const PartitionOptions& o,
           std::vector<std::vector<R>>& out) {
  const size_t n = ring.endpoints().size();
  auto pick = [&](std::string_view key) { return ring.Pick(HashKey(key)); };
  if (o.key == RoutingKey::kService) {
    SplitResources(in, out, [&](const R& r) { return pick(ServiceName(r.resource)); });
    return;
  }
  if constexpr (std::is_same_v<R, pdata::ResourceMetrics>) {
    switch (o.key) {
      case RoutingKey::kResource:
        SplitResources(in, out, [&](const R& r) {
          std::string key;
          AppendAttributes(r.resource.attributes, key);
          return pick(key);
        });
        return;
      case RoutingKey::kMetric:
        SplitItems(in, n, out, [&](const R&, const pdata::ScopeMetrics&, const pdata::Metric& m) {
          return pick(m.name);
        });
        return;
      default:  // kStreamId; config validation keeps trace keys away from metrics
        SplitPoints(in, ring, out);
        return;
    }
  } else {
    auto by_trace = [&](const pdata::TraceId& id) -> size_t {
      if (!id.empty()) return pick(IdBytes(id));
      uint64_t turn = o.round_robin ? o.round_robin->fetch_add(1, std::memory_order_relaxed) : 0;
      return static_cast<size_t>(turn % n);
    };
    SplitItems(in, n, out, [&](const R& r, const auto& s, const auto& item) -> size_t {
      if (o.key == RoutingKey::kAttributes && o.routing_attributes) {
        std::string key = AttributeKey(*o.routing_attributes, item.attributes, s.scope.attributes,
                                       r.resource.attributes);
        if (!key.empty()) return pick(key);
      }
      return by_trace(item.trace_id);
    });
  }
}

}  // namespace

template <class B>
std::vector<std::pair<size_t, B>> Partition(B&& batch, const HashRing& ring,
                                            const PartitionOptions& options) {
  using R = typename B::Resource;
  std::vector<std::pair<size_t, B>> parts;
  const size_t n = ring.endpoints().size();
  std::vector<std::vector<R>> out(n);
  if (n == 1) {
    parts.emplace_back(0, std::move(batch));
    return parts;
  }
  Split(batch.resources(), ring, options, out);
  for (size_t b = 0; b < n; ++b) {
    if (out[b].empty()) continue;
    B part;
    part.arenas().Absorb(batch.arenas().ShareForRead());
    part.resources() = std::move(out[b]);
    part.set_client_ip(batch.client_ip());
    part.set_metadata(batch.metadata());  // views into the arenas shared above
    parts.emplace_back(b, std::move(part));
  }
  return parts;
}

template std::vector<std::pair<size_t, pdata::TraceBatch>> Partition(pdata::TraceBatch&&,
                                                                     const HashRing&,
                                                                     const PartitionOptions&);
template std::vector<std::pair<size_t, pdata::MetricBatch>> Partition(pdata::MetricBatch&&,
                                                                      const HashRing&,
                                                                      const PartitionOptions&);
template std::vector<std::pair<size_t, pdata::LogBatch>> Partition(pdata::LogBatch&&,
                                                                   const HashRing&,
                                                                   const PartitionOptions&);

}  // namespace otter::loadbalancing
