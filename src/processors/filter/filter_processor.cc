#include "processors/filter/filter_processor.h"

#include <utility>

namespace otter {
namespace {

using ottl::Condition;
using ottl::ContextKind;

// Removes the elements for which f(elem, &drop) sets drop (setting `changed` if any); stops at
// f's first error.
template <class V, class F>
Status RemoveIf(bool& changed, std::vector<V>& v, F&& f) {
  size_t w = 0;
  for (size_t r = 0; r < v.size(); ++r) {
    bool drop = false;
    RETURN_IF_ERROR(f(v[r], &drop));
    if (drop) continue;
    if (w != r) v[w] = std::move(v[r]);
    ++w;
  }
  if (w != v.size()) changed = true;
  v.resize(w);
  return Status::Ok();
}

// True if any condition holds; a failing condition follows the error mode (counts as false).
Status AnyMatch(const std::vector<Condition>& conds, ottl::Context& ctx,
                const ottl::ErrorHandler& errors, bool* match) {
  *match = false;
  for (const auto& c : conds) {
    StatusOr<bool> r = c.Eval(ctx);
    if (!r.ok()) {
      RETURN_IF_ERROR(errors.Handle(r.status()));
      continue;
    }
    if (*r) {
      *match = true;
      return Status::Ok();
    }
  }
  return Status::Ok();
}

// The batch's own resources (copied first if a clone shares them: pdata/cow.h) without clearing
// its cached wire encoding: filtering changes nothing unless it drops something, and then the
// caller clears the wire.
template <class B>
std::vector<typename B::Resource>& Resources(B& b) {
  const std::string_view wire = b.wire();
  auto& resources = b.resources();
  b.set_wire(wire);
  return resources;
}

// The resource and scope levels, shared by the three signals; `items` filters one scope's items.
template <class R, class ItemsFn>
Status FilterResources(bool& changed, std::vector<R>& resources, ottl::Context& ctx,
                       const FilterConditions& fc, const ottl::ErrorHandler& errors,
                       ItemsFn&& items) {
  return RemoveIf(changed, resources, [&](R& r, bool* drop) -> Status {
    ctx.resource = &r.resource;
    RETURN_IF_ERROR(AnyMatch(fc.at(ContextKind::kResource), ctx, errors, drop));
    if (*drop) return Status::Ok();
    auto& scopes = r.*R::kScopes;
    RETURN_IF_ERROR(
        RemoveIf(changed, scopes, [&](typename R::Scope& s, bool* drop_scope) -> Status {
          ctx.scope = &s.scope;
          RETURN_IF_ERROR(AnyMatch(fc.at(ContextKind::kScope), ctx, errors, drop_scope));
          if (*drop_scope) return Status::Ok();
          RETURN_IF_ERROR(items(s));
          *drop_scope = R::ItemCount(s) == 0;
          return Status::Ok();
        }));
    *drop = scopes.empty();
    return Status::Ok();
  });
}

Status FilterBatch(pdata::TraceBatch& b, const FilterConditions& fc,
                   const ottl::ErrorHandler& errors, bool& changed) {
  ottl::Context ctx;
  ctx.arenas = &b.arenas();
  const auto& span_conds = fc.at(ContextKind::kSpan);
  const auto& event_conds = fc.at(ContextKind::kSpanEvent);
  return FilterResources(changed, Resources(b), ctx, fc, errors, [&](pdata::ScopeSpans& ss) {
    return RemoveIf(changed, ss.spans, [&](pdata::Span& span, bool* drop) -> Status {
      ctx.span = &span;
      RETURN_IF_ERROR(AnyMatch(span_conds, ctx, errors, drop));
      if (*drop || event_conds.empty()) return Status::Ok();
      return RemoveIf(changed, span.events, [&](pdata::SpanEvent& ev, bool* drop_event) {
        ctx.span_event = &ev;
        return AnyMatch(event_conds, ctx, errors, drop_event);
      });
    });
  });
}

Status FilterBatch(pdata::MetricBatch& b, const FilterConditions& fc,
                   const ottl::ErrorHandler& errors, bool& changed) {
  ottl::Context ctx;
  ctx.arenas = &b.arenas();
  const auto& metric_conds = fc.at(ContextKind::kMetric);
  const auto& point_conds = fc.at(ContextKind::kDataPoint);
  return FilterResources(changed, Resources(b), ctx, fc, errors, [&](pdata::ScopeMetrics& sm) {
    return RemoveIf(changed, sm.metrics, [&](pdata::Metric& m, bool* drop) -> Status {
      ctx.metric = &m;
      RETURN_IF_ERROR(AnyMatch(metric_conds, ctx, errors, drop));
      if (*drop || point_conds.empty()) return Status::Ok();
      auto points = [&](auto& v, auto ottl::Context::*slot) {
        Status s = RemoveIf(changed, v, [&](auto& p, bool* drop_point) {
          ctx.*slot = &p;
          return AnyMatch(point_conds, ctx, errors, drop_point);
        });
        ctx.*slot = nullptr;
        return s;
      };
      RETURN_IF_ERROR(points(m.number_points, &ottl::Context::number_point));
      RETURN_IF_ERROR(points(m.histogram_points, &ottl::Context::histogram_point));
      RETURN_IF_ERROR(points(m.exp_histogram_points, &ottl::Context::exp_histogram_point));
      RETURN_IF_ERROR(points(m.summary_points, &ottl::Context::summary_point));
      *drop = m.DataPointCount() == 0;
      return Status::Ok();
    });
  });
}

Status FilterBatch(pdata::LogBatch& b, const FilterConditions& fc, const ottl::ErrorHandler& errors,
                   bool& changed) {
  ottl::Context ctx;
  ctx.arenas = &b.arenas();
  const auto& log_conds = fc.at(ContextKind::kLog);
  return FilterResources(changed, Resources(b), ctx, fc, errors, [&](pdata::ScopeLogs& sl) {
    return RemoveIf(changed, sl.log_records, [&](pdata::LogRecord& lr, bool* drop) {
      ctx.log = &lr;
      return AnyMatch(log_conds, ctx, errors, drop);
    });
  });
}

template <class B>
const char* FilteredName() {
  if constexpr (std::is_same_v<B, pdata::TraceBatch>)
    return "otelcol_processor_filter_spans_filtered";
  else if constexpr (std::is_same_v<B, pdata::MetricBatch>)
    return "otelcol_processor_filter_datapoints_filtered";
  else
    return "otelcol_processor_filter_logs_filtered";
}

}  // namespace

template <class B>
FilterProcessor<B>::FilterProcessor(const ComponentContext& ctx, const FilterConditions& conditions,
                                    ottl::ErrorMode mode, Consumer<B>* next)
    : conditions_(conditions), errors_(mode, ctx.logger), next_(next), logger_(ctx.logger) {
  telemetry::SelfMetrics* metrics = telemetry::GivenOrOwn(ctx.metrics, own_metrics_);
  filtered_ = &metrics->GetCounter(FilteredName<B>(),
                                   "Number of " + std::string(SignalItemName(SignalOf<B>())) +
                                       " dropped by the filter processor.",
                                   {{"filter", ctx.id.ToString()}});
}

template <class B>
Consumers FilterProcessor<B>::consumers() {
  return Consumers::Of<B>(this);
}

template <class B>
Status FilterProcessor<B>::Apply(B& batch) const {
  if (conditions_.empty()) return Status::Ok();
  bool changed = false;
  Status s = FilterBatch(batch, conditions_, errors_, changed);
  if (changed) (void)batch.resources();  // the cached wire no longer matches the content
  return s;
}

template <class B>
void FilterProcessor<B>::Consume(B&& batch, Completion done) {
  if (conditions_.empty()) {
    next_->Consume(std::move(batch), std::move(done));
    return;
  }
  const size_t before = batch.ItemCount();
  if (Status s = Apply(batch); !s.ok()) {
    done(s);
    return;
  }
  const size_t after = batch.ItemCount();
  if (after < before) {
    filtered_->Add(before - after);
    if (logger_)
      logger_->debug("filter dropped {} of {} {}", before - after, before,
                     SignalItemName(SignalOf<B>()));
  }
  if (std::as_const(batch).resources().empty()) {  // all filtered: nothing to pass on
    done(Status::Ok());
    return;
  }
  next_->Consume(std::move(batch), std::move(done));
}

template class FilterProcessor<pdata::TraceBatch>;
template class FilterProcessor<pdata::MetricBatch>;
template class FilterProcessor<pdata::LogBatch>;

}  // namespace otter
