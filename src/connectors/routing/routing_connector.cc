#include "connectors/routing/routing_connector.h"

#include "connectors/aggregation.h"

namespace otter {
namespace {

// Per signal: the items a non-resource route looks at, and how to point a Context at one.
template <class R>
struct Items;
template <>
struct Items<pdata::ResourceSpans> {
  static auto& Of(pdata::ScopeSpans& s) { return s.spans; }
  static void Point(ottl::Context& c, pdata::Span& x) { c.span = &x; }
};
template <>
struct Items<pdata::ResourceMetrics> {
  static auto& Of(pdata::ScopeMetrics& s) { return s.metrics; }
  static void Point(ottl::Context& c, pdata::Metric& x) { c.metric = &x; }
};
template <>
struct Items<pdata::ResourceLogs> {
  static auto& Of(pdata::ScopeLogs& s) { return s.log_records; }
  static void Point(ottl::Context& c, pdata::LogRecord& x) { c.log = &x; }
};

template <class R>
bool Empty(const R& rs) {
  for (const auto& s : rs.*R::kScopes)
    if (R::ItemCount(s) > 0) return false;
  return true;
}

}  // namespace

template <class B>
RoutingConnector<B>::RoutingConnector(const ComponentContext& ctx,
                                      std::shared_ptr<const RoutingConfig> cfg,
                                      std::vector<Route> routes, std::vector<Consumer<B>*> defaults)
    : cfg_(std::move(cfg)),
      routes_(std::move(routes)),
      defaults_(std::move(defaults)),
      errors_(cfg_->error_mode, LoggerOf(ctx)),
      logger_(LoggerOf(ctx)) {
  telemetry::SelfMetrics* metrics = telemetry::GivenOrOwn(ctx.metrics, own_metrics_);
  unrouted_ = &metrics->GetCounter(
      "otter_connector_routing_unrouted_" + std::string(SignalItemName(SignalOf<B>())),
      "Items no route matched while the connector has no default_pipelines (dropped).",
      {{"connector", ctx.id.ToString()}});
}

template <class B>
Consumers RoutingConnector<B>::consumers() {
  return Consumers::Of<B>(this);
}

template <class B>
Status RoutingConnector<B>::Take(const RoutingRoute& spec, R& rs, B& source,
                                 std::vector<R>& out) const {
  ottl::Context ctx;
  ctx.arenas = &source.arenas();
  ctx.resource = &rs.resource;
  auto matches = [&]() -> StatusOr<bool> {
    if (!spec.compiled) return true;
    auto m = spec.compiled->Eval(ctx);
    if (m.ok()) return *m;
    RETURN_IF_ERROR(errors_.Handle(m.status()));
    return false;  // ignore/silent: an error is no match
  };
  if (spec.context == ottl::ContextKind::kResource) {
    auto m = matches();
    if (!m.ok()) return m.status();
    if (*m) {
      out.push_back(std::move(rs));
      (rs.*R::kScopes).clear();
    }
    return Status::Ok();
  }
  R taken;  // the matching items under a copy of their resource and scopes
  taken.resource = rs.resource;
  taken.schema_url = rs.schema_url;
  for (auto& scope : rs.*R::kScopes) {
    ctx.scope = &scope.scope;
    auto& items = Items<R>::Of(scope);
    typename R::Scope* dest = nullptr;
    size_t kept = 0;
    for (size_t i = 0; i < items.size(); ++i) {
      Items<R>::Point(ctx, items[i]);
      auto m = matches();
      if (!m.ok()) return m.status();
      if (!*m) {
        if (kept != i) items[kept] = std::move(items[i]);
        ++kept;
        continue;
      }
      if (!dest) {
        dest = &(taken.*R::kScopes).emplace_back();
        dest->scope = scope.scope;
        dest->schema_url = scope.schema_url;
      }
      Items<R>::Of(*dest).push_back(std::move(items[i]));
    }
    items.resize(kept);
  }
  if (!(taken.*R::kScopes).empty()) out.push_back(std::move(taken));
  return Status::Ok();
}

template <class B>
void RoutingConnector<B>::Consume(B&& batch, Completion done) {
  // groups[k]: what route k takes; the last one is what none took.
  std::vector<std::vector<R>> groups(routes_.size() + 1);
  for (auto& rs : batch.resources()) {
    for (size_t k = 0; k < routes_.size() && !Empty(rs); ++k) {
      if (Status s = Take(*routes_[k].spec, rs, batch, groups[k]); !s.ok()) {
        done(s);
        return;
      }
    }
    if (!Empty(rs)) groups.back().push_back(std::move(rs));
  }
  struct Send {
    B batch;
    const std::vector<Consumer<B>*>* to;
  };
  std::vector<Send> sends;
  size_t parts = 0;
  for (size_t k = 0; k < groups.size(); ++k) {
    if (groups[k].empty()) continue;
    const auto& to = k < routes_.size() ? routes_[k].next : defaults_;
    B out;
    out.arenas().Absorb(batch.arenas().ShareForRead());
    out.resources() = std::move(groups[k]);
    out.set_metadata(batch.metadata());  // views into the arenas shared above
    if (to.empty()) {
      unrouted_->Add(out.ItemCount());
      continue;
    }
    parts += to.size();
    sends.push_back({std::move(out), &to});
  }
  if (parts == 0) {
    done(Status::Ok());
    return;
  }
  auto completions = SplitCompletion(std::move(done), parts);
  size_t c = 0;
  for (auto& s : sends) {
    for (size_t i = 0; i + 1 < s.to->size(); ++i)
      (*s.to)[i]->Consume(s.batch.Clone(), std::move(completions[c++]));
    s.to->back()->Consume(std::move(s.batch), std::move(completions[c++]));
  }
}

template class RoutingConnector<pdata::TraceBatch>;
template class RoutingConnector<pdata::MetricBatch>;
template class RoutingConnector<pdata::LogBatch>;

}  // namespace otter
