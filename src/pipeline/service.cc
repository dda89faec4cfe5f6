#include "pipeline/service.h"

#include <map>

#include "pipeline/fanout.h"

namespace otter::pipeline {

struct Service::Graph {
  // Declared first so they are destroyed last: receivers and processors point into them.
  std::vector<std::unique_ptr<void, void (*)(void*)>> fanouts;  // type-erased owners
  std::vector<std::pair<std::string, std::unique_ptr<Extension>>> extensions;
  std::map<ComponentId, std::unique_ptr<Exporter>> exporters;
  // Per pipeline, in pipeline order (first processor first).
  std::vector<std::vector<std::pair<std::string, std::unique_ptr<Processor>>>> processors;
  std::map<ComponentId, std::unique_ptr<Receiver>> receivers;

  template <class B>
  Consumer<B>* MakeFanOut(std::vector<Consumer<B>*> consumers) {
    if (consumers.size() == 1) return consumers[0];
    auto* f = new FanOut<B>(std::move(consumers));
    fanouts.emplace_back(f, [](void* p) { delete static_cast<FanOut<B>*>(p); });
    return f;
  }
};

namespace {

template <class B>
void AddTo(Consumers& c, Consumer<B>* consumer) {
  if constexpr (std::is_same_v<B, pdata::TraceBatch>)
    c.traces = consumer;
  else if constexpr (std::is_same_v<B, pdata::MetricBatch>)
    c.metrics = consumer;
  else
    c.logs = consumer;
}

}  // namespace

Service::Service(const ServiceConfig& config, std::shared_ptr<spdlog::logger> logger,
                 telemetry::SelfMetrics* metrics, StatusHub* status)
    : config_(config), logger_(std::move(logger)), metrics_(metrics), status_(status) {}

Service::~Service() { Shutdown(); }

ComponentContext Service::Context(const ComponentId& id, ComponentKind kind) const {
  ComponentContext ctx;
  ctx.id = id;
  ctx.kind = kind;
  ctx.logger = logger_->clone(std::string(ComponentKindName(kind)) + "/" + id.ToString());
  ctx.metrics = metrics_;
  ctx.status = status_;
  return ctx;
}

Status Service::Build() {
  graph_ = std::make_unique<Graph>();
  Graph& g = *graph_;

  for (const auto& id : config_.enabled_extensions) {
    const ComponentSpec& spec = config_.extensions.at(id);
    auto ext = spec.factory->create_extension(Context(id, ComponentKind::kExtension), *spec.config);
    if (!ext.ok()) return ext.status().Annotate("extension " + id.ToString());
    g.extensions.emplace_back(id.ToString(), std::move(*ext));
  }

  // Exporters: one instance per id, shared by every pipeline and signal that lists it.
  for (const auto& p : config_.pipelines) {
    for (const auto& id : p.exporters) {
      if (g.exporters.count(id)) continue;
      const ComponentSpec& spec = config_.exporters.at(id);
      auto exp = spec.factory->create_exporter(Context(id, ComponentKind::kExporter), *spec.config);
      if (!exp.ok()) return exp.status().Annotate("exporter " + id.ToString());
      g.exporters[id] = std::move(*exp);
    }
  }

  // Pipelines, back to front: exporters fan-out ← processors; remember each pipeline's entry.
  std::map<ComponentId, std::vector<TraceConsumer*>> rx_traces;
  std::map<ComponentId, std::vector<MetricConsumer*>> rx_metrics;
  std::map<ComponentId, std::vector<LogConsumer*>> rx_logs;

  auto build_pipeline = [&](const PipelineSpec& p, auto tag) -> Status {
    using B = decltype(tag);
    std::vector<Consumer<B>*> outs;
    for (const auto& id : p.exporters) {
      Consumer<B>* c = g.exporters.at(id)->consumers().template get<B>();
      if (!c)
        return InvalidArgument("pipeline " + p.id + ": exporter " + id.ToString() +
                               " cannot export " + std::string(SignalName(p.signal)));
      outs.push_back(c);
    }
    Consumer<B>* next = g.MakeFanOut<B>(std::move(outs));
    std::vector<std::pair<std::string, std::unique_ptr<Processor>>> procs;
    for (auto it = p.processors.rbegin(); it != p.processors.rend(); ++it) {
      const ComponentSpec& spec = config_.processors.at(*it);
      Consumers nc;
      AddTo<B>(nc, next);
      auto proc = spec.factory->create_processor(Context(*it, ComponentKind::kProcessor),
                                                 *spec.config, p.signal, nc);
      if (!proc.ok())
        return proc.status().Annotate("pipeline " + p.id + ": processor " + it->ToString());
      next = (*proc)->consumers().template get<B>();
      if (!next) return Internal("processor " + it->ToString() + " has no consumer for " + p.id);
      procs.emplace(procs.begin(), it->ToString(), std::move(*proc));
    }
    g.processors.push_back(std::move(procs));
    for (const auto& rid : p.receivers) {
      if constexpr (std::is_same_v<B, pdata::TraceBatch>)
        rx_traces[rid].push_back(next);
      else if constexpr (std::is_same_v<B, pdata::MetricBatch>)
        rx_metrics[rid].push_back(next);
      else
        rx_logs[rid].push_back(next);
    }
    return Status::Ok();
  };

  for (const auto& p : config_.pipelines) {
    Status s;
    switch (p.signal) {
      case Signal::kTraces:
        s = build_pipeline(p, pdata::TraceBatch{});
        break;
      case Signal::kMetrics:
        s = build_pipeline(p, pdata::MetricBatch{});
        break;
      case Signal::kLogs:
        s = build_pipeline(p, pdata::LogBatch{});
        break;
    }
    RETURN_IF_ERROR(s);
  }

  // Receivers: one instance per id, fanning out to every pipeline that lists it.
  for (const auto& p : config_.pipelines) {
    for (const auto& rid : p.receivers) {
      if (g.receivers.count(rid)) continue;
      Consumers c;
      if (auto it = rx_traces.find(rid); it != rx_traces.end()) c.traces = g.MakeFanOut(it->second);
      if (auto it = rx_metrics.find(rid); it != rx_metrics.end())
        c.metrics = g.MakeFanOut(it->second);
      if (auto it = rx_logs.find(rid); it != rx_logs.end()) c.logs = g.MakeFanOut(it->second);
      const ComponentSpec& spec = config_.receivers.at(rid);
      auto rx =
          spec.factory->create_receiver(Context(rid, ComponentKind::kReceiver), *spec.config, c);
      if (!rx.ok()) return rx.status().Annotate("receiver " + rid.ToString());
      g.receivers[rid] = std::move(*rx);
    }
  }
  return Status::Ok();
}

Status Service::Start() {
  if (!graph_) RETURN_IF_ERROR(Build());
  Graph& g = *graph_;
  auto start = [&](Component* c, const std::string& what) -> Status {
    Status s = c->Start();
    if (!s.ok()) {
      Shutdown();
      return s.Annotate(what);
    }
    started_.push_back(c);
    return Status::Ok();
  };
  for (auto& [name, e] : g.extensions) RETURN_IF_ERROR(start(e.get(), "extension " + name));
  for (auto& [id, e] : g.exporters) RETURN_IF_ERROR(start(e.get(), "exporter " + id.ToString()));
  for (auto& pipeline : g.processors)
    for (auto it = pipeline.rbegin(); it != pipeline.rend(); ++it)
      RETURN_IF_ERROR(start(it->second.get(), "processor " + it->first));
  for (auto& [id, r] : g.receivers) RETURN_IF_ERROR(start(r.get(), "receiver " + id.ToString()));
  if (status_) status_->SetReady(true);
  return Status::Ok();
}

void Service::Shutdown() {
  if (status_) status_->SetReady(false);
  if (!graph_) return;
  Graph& g = *graph_;
  auto was_started = [&](Component* c) {
    for (auto* s : started_)
      if (s == c) return true;
    return false;
  };
  // Receivers first (stop intake), then each pipeline front to back so flushes reach live
  // stages, then exporters (drain), then extensions.
  for (auto& [id, r] : g.receivers)
    if (was_started(r.get())) r->Shutdown();
  for (auto& pipeline : g.processors)
    for (auto& [name, p] : pipeline)
      if (was_started(p.get())) p->Shutdown();
  for (auto& [id, e] : g.exporters)
    if (was_started(e.get())) e->Shutdown();
  for (auto it = g.extensions.rbegin(); it != g.extensions.rend(); ++it)
    if (was_started(it->second.get())) it->second->Shutdown();
  started_.clear();
}

Receiver* Service::FindReceiver(const std::string& id) const {
  if (!graph_) return nullptr;
  for (auto& [rid, r] : graph_->receivers)
    if (rid.ToString() == id) return r.get();
  return nullptr;
}

Exporter* Service::FindExporter(const std::string& id) const {
  if (!graph_) return nullptr;
  for (auto& [eid, e] : graph_->exporters)
    if (eid.ToString() == id) return e.get();
  return nullptr;
}

}  // namespace otter::pipeline
