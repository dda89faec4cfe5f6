#include "pipeline/service.h"

#include <algorithm>
#include <map>

#include "component/reload_aware.h"
#include "pipeline/connector_graph.h"
#include "pipeline/fanout.h"
#include "pipeline/redirect.h"
#include "pipeline/tap.h"

namespace otter::pipeline {

// A receiver, exporter or extension instance that successive Services can share across a
// reload. `owner` is the one Service that starts and stops it; a hand-over (Shutdown with a
// successor that shares it) passes ownership on. For a receiver, `feeding` is the Service whose
// pipelines its Redirects point at (null while paused).
struct Service::Shared {
  // Receivers only: what the receiver was built with (declared before it, so they outlive it),
  // and which signals it carries.
  Redirect<pdata::TraceBatch> traces;
  Redirect<pdata::MetricBatch> metrics;
  Redirect<pdata::LogBatch> logs;
  bool wired[3] = {false, false, false};
  const Service* feeding = nullptr;

  ComponentKind kind = ComponentKind::kReceiver;
  std::string name;  // "receiver otlp", for errors
  std::unique_ptr<Component> component;
  Receiver* receiver = nullptr;
  Exporter* exporter = nullptr;
  const Service* owner = nullptr;
  const Service* creator = nullptr;  // the Service that built it (others adopted it)
  bool running = false;

  void Feed(const Consumers& c, const Service* by) {
    traces.Set(c.traces);
    metrics.Set(c.metrics);
    logs.Set(c.logs);
    feeding = by;
  }
};

struct Service::Graph {
  // Declared first so they are destroyed last: processors and Redirects point into them.
  std::vector<std::unique_ptr<void, void (*)(void*)>> fanouts;  // type-erased owners
  std::vector<std::pair<ComponentId, std::shared_ptr<Shared>>> extensions;
  std::map<ComponentId, std::shared_ptr<Shared>> exporters;
  // Per pipeline, in pipeline order (first processor first).
  std::vector<std::vector<std::pair<std::string, std::unique_ptr<Processor>>>> processors;
  // Per connector instance (connector_graph.h), and the order pipelines and connectors start in.
  std::vector<ConnectorInstance> connector_specs;
  std::vector<std::unique_ptr<Connector>> connectors;
  std::vector<GraphStep> order;
  // Processors and connectors in the order they started; they stop in reverse.
  std::vector<Component*> started;
  std::map<ComponentId, std::shared_ptr<Shared>> receivers;
  // Per receiver: the entries of the pipelines it feeds in this graph.
  std::map<ComponentId, Consumers> receiver_targets;

  template <class B>
  Consumer<B>* MakeFanOut(std::vector<Consumer<B>*> consumers) {
    if (consumers.size() == 1) return consumers[0];
    auto* f = new FanOut<B>(std::move(consumers));
    fanouts.emplace_back(f, [](void* p) { delete static_cast<FanOut<B>*>(p); });
    return f;
  }

  // A tap point in front of `next` when the service is tapped (service.admin.endpoint).
  template <class B>
  Consumer<B>* MakeTap(TapHub* hub, size_t pipeline, size_t stage, Consumer<B>* next) {
    if (!hub || pipeline == TapHub::kNoPipeline) return next;
    auto* t = new TapPoint<B>(*hub, pipeline, stage, next);
    fanouts.emplace_back(t, [](void* p) { delete static_cast<TapPoint<B>*>(p); });
    return t;
  }

  bool Holds(const Shared* s) const {
    for (const auto& [id, e] : extensions)
      if (e.get() == s) return true;
    for (const auto* m : {&exporters, &receivers})
      for (const auto& [id, e] : *m)
        if (e.get() == s) return true;
    return false;
  }
};

namespace {

// The consumer a connector is created with: its receiving pipelines are built after it, so the
// target (a fan-out to their entries) is set once they exist, before anything starts.
template <class B>
class LateTarget final : public Consumer<B> {
 public:
  void Set(Consumer<B>* target) { target_ = target; }
  void Consume(B&& batch, Completion done) override {
    target_->Consume(std::move(batch), std::move(done));
  }
  bool MutatesData() const override { return target_ && target_->MutatesData(); }
  bool TakesUndecoded() const override { return target_ && target_->TakesUndecoded(); }

 private:
  Consumer<B>* target_ = nullptr;
};

// Calls fn with a default-constructed batch of the signal's type (to pick the template).
template <class F>
void WithBatchType(Signal s, F&& fn) {
  switch (s) {
    case Signal::kTraces:
      return fn(pdata::TraceBatch{});
    case Signal::kMetrics:
      return fn(pdata::MetricBatch{});
    case Signal::kLogs:
      return fn(pdata::LogBatch{});
  }
}

template <class B>
void AddTo(Consumers& c, Consumer<B>* consumer) {
  if constexpr (std::is_same_v<B, pdata::TraceBatch>)
    c.traces = consumer;
  else if constexpr (std::is_same_v<B, pdata::MetricBatch>)
    c.metrics = consumer;
  else
    c.logs = consumer;
}

// True if some scalar anywhere in `n` equals `value` (a component naming an extension).
bool MentionsScalar(const config::Node& n, std::string_view value) {
  if (n.kind == config::Node::Kind::kScalar) return n.scalar == value;
  for (const auto& [k, v] : n.map)
    if (MentionsScalar(v, value)) return true;
  for (const auto& v : n.seq)
    if (MentionsScalar(v, value)) return true;
  return false;
}

bool SameSpec(const ComponentSpec& a, const ComponentSpec* b) {
  return b && a.factory == b->factory && a.node && b->node &&
         config::SameSettings(*a.node, *b->node);
}

const ComponentSpec* FindSpec(const std::map<ComponentId, ComponentSpec>& specs,
                              const ComponentId& id) {
  auto it = specs.find(id);
  return it == specs.end() ? nullptr : &it->second;
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
  ctx.host = this;
  return ctx;
}

Status Service::Build(const Service* running) {
  graph_ = std::make_unique<Graph>();
  Graph& g = *graph_;
  const Graph* prev = running ? running->graph_.get() : nullptr;
  std::vector<std::string> fresh_extensions;  // ids of extensions not adopted from `running`
  // The running instance of `id` if it runs with the same settings, else null.
  auto adoptable = [&](const std::map<ComponentId, std::shared_ptr<Shared>>* prev_map,
                       const std::map<ComponentId, ComponentSpec>& prev_specs,
                       const ComponentSpec& spec) -> std::shared_ptr<Shared> {
    if (!prev_map) return nullptr;
    // A component that uses an extension created anew holds a pointer into the old one.
    for (const auto& ext : fresh_extensions)
      if (spec.node && MentionsScalar(*spec.node, ext)) return nullptr;
    auto it = prev_map->find(spec.id);
    if (it == prev_map->end() || !it->second->running) return nullptr;
    return SameSpec(spec, FindSpec(prev_specs, spec.id)) ? it->second : nullptr;
  };

  for (const auto& id : config_.enabled_extensions) {
    const ComponentSpec& spec = config_.extensions.at(id);
    std::shared_ptr<Shared> sh;
    if (prev) {
      std::map<ComponentId, std::shared_ptr<Shared>> prev_ext(prev->extensions.begin(),
                                                              prev->extensions.end());
      sh = adoptable(&prev_ext, running->config_.extensions, spec);
    }
    if (!sh) {
      auto ext =
          spec.factory->create_extension(Context(id, ComponentKind::kExtension), *spec.config);
      if (!ext.ok()) return ext.status().Annotate("extension " + id.ToString());
      sh = std::make_shared<Shared>();
      sh->kind = ComponentKind::kExtension;
      sh->name = "extension " + id.ToString();
      sh->component = std::move(*ext);
      sh->owner = sh->creator = this;
      fresh_extensions.push_back(id.ToString());
    }
    g.extensions.emplace_back(id, std::move(sh));
  }

  // Exporters: one instance per id, shared by every pipeline and signal that lists it.
  for (const auto& p : config_.pipelines) {
    for (const auto& id : p.exporters) {
      if (g.exporters.count(id)) continue;
      const ComponentSpec& spec = config_.exporters.at(id);
      auto sh = adoptable(prev ? &prev->exporters : nullptr,
                          running ? running->config_.exporters : config_.exporters, spec);
      if (!sh) {
        auto exp =
            spec.factory->create_exporter(Context(id, ComponentKind::kExporter), *spec.config);
        if (!exp.ok()) return exp.status().Annotate("exporter " + id.ToString());
        sh = std::make_shared<Shared>();
        sh->kind = ComponentKind::kExporter;
        sh->name = "exporter " + id.ToString();
        sh->exporter = exp->get();
        sh->component = std::move(*exp);
        sh->owner = sh->creator = this;
      }
      g.exporters[id] = std::move(sh);
    }
  }

  // Connectors: one instance per (id, signal pair in use), created before the pipelines they
  // join; what they emit reaches their receiving pipelines once those are built (below).
  g.connector_specs = ConnectorInstances(config_);
  g.order = StartOrder(config_, g.connector_specs);
  if (g.order.empty() && !config_.pipelines.empty())
    return InvalidArgument("the connectors form a cycle between pipelines");
  std::vector<ConnectorNext> connector_next(g.connector_specs.size());
  for (size_t i = 0; i < g.connector_specs.size(); ++i) {
    const ConnectorInstance& ci = g.connector_specs[i];
    const ComponentSpec& spec = config_.connectors.at(ci.id);
    // A late target for all receiving pipelines together, and one for each of them.
    WithBatchType(ci.to, [&](auto tag) {
      using B = decltype(tag);
      auto late = [&] {
        auto* t = new LateTarget<B>();
        g.fanouts.emplace_back(t, [](void* p) { delete static_cast<LateTarget<B>*>(p); });
        Consumers c;
        AddTo<B>(c, t);
        return c;
      };
      connector_next[i].all = late();
      for (size_t q : ci.downstream)
        connector_next[i].pipelines.emplace_back(config_.pipelines[q].id, late());
    });
    auto conn = spec.factory->create_connector(Context(ci.id, ComponentKind::kConnector),
                                               *spec.config, ci.from, ci.to, connector_next[i]);
    if (!conn.ok()) return conn.status().Annotate("connector " + ci.id.ToString());
    g.connectors.push_back(std::move(*conn));
  }

  // Pipelines, back to front: exporters fan-out ← processors; remember each pipeline's entry.
  std::map<ComponentId, std::vector<TraceConsumer*>> rx_traces;
  std::map<ComponentId, std::vector<MetricConsumer*>> rx_metrics;
  std::map<ComponentId, std::vector<LogConsumer*>> rx_logs;
  std::vector<Consumers> entries(config_.pipelines.size());

  auto build_pipeline = [&](const PipelineSpec& p, size_t index, auto tag) -> Status {
    using B = decltype(tag);
    std::vector<Consumer<B>*> outs;
    for (const auto& id : p.exporters) {
      Consumer<B>* c = g.exporters.at(id)->exporter->consumers().template get<B>();
      if (!c)
        return InvalidArgument("pipeline " + p.id + ": exporter " + id.ToString() +
                               " cannot export " + std::string(SignalName(p.signal)));
      outs.push_back(c);
    }
    for (size_t i = 0; i < g.connector_specs.size(); ++i) {
      const auto& up = g.connector_specs[i].upstream;
      if (std::find(up.begin(), up.end(), index) == up.end()) continue;
      Consumer<B>* c = g.connectors[i]->consumers().template get<B>();
      if (!c)
        return Internal("connector " + g.connector_specs[i].id.ToString() +
                        " has no consumer for " + p.id);
      outs.push_back(c);
    }
    Consumer<B>* next = g.MakeFanOut<B>(std::move(outs));
    size_t tapped = TapHub::kNoPipeline;
    if (tap_) {
      std::vector<std::string> stages = {"receivers"};
      for (const auto& id : p.processors) stages.push_back(id.ToString());
      tapped = tap_->DefinePipeline(p.id, std::move(stages));
    }
    std::vector<std::pair<std::string, std::unique_ptr<Processor>>> procs;
    size_t stage = p.processors.size();  // the tap stage after the processor created next
    for (auto it = p.processors.rbegin(); it != p.processors.rend(); ++it) {
      next = g.MakeTap(tap_, tapped, stage--, next);
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
    next = g.MakeTap(tap_, tapped, 0, next);
    AddTo<B>(entries[index], next);
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

  for (size_t i = 0; i < config_.pipelines.size(); ++i) {
    const PipelineSpec& p = config_.pipelines[i];
    Status s;
    switch (p.signal) {
      case Signal::kTraces:
        s = build_pipeline(p, i, pdata::TraceBatch{});
        break;
      case Signal::kMetrics:
        s = build_pipeline(p, i, pdata::MetricBatch{});
        break;
      case Signal::kLogs:
        s = build_pipeline(p, i, pdata::LogBatch{});
        break;
    }
    RETURN_IF_ERROR(s);
  }
  // Each connector now feeds the entries of the pipelines that receive from it.
  for (size_t i = 0; i < g.connector_specs.size(); ++i) {
    WithBatchType(g.connector_specs[i].to, [&](auto tag) {
      using B = decltype(tag);
      const auto& downstream = g.connector_specs[i].downstream;
      std::vector<Consumer<B>*> targets;
      for (size_t j = 0; j < downstream.size(); ++j) {
        targets.push_back(entries[downstream[j]].get<B>());
        static_cast<LateTarget<B>*>(connector_next[i].pipelines[j].second.get<B>())
            ->Set(targets.back());
      }
      static_cast<LateTarget<B>*>(connector_next[i].all.get<B>())->Set(g.MakeFanOut(targets));
    });
  }

  // Receivers: one instance per id, fanning out to every pipeline that lists it. A receiver is
  // built with its Shared's Redirects, so a later reload can keep it and re-point them.
  for (const auto& p : config_.pipelines) {
    for (const auto& rid : p.receivers) {
      if (g.receivers.count(rid)) continue;
      Consumers c;
      if (auto it = rx_traces.find(rid); it != rx_traces.end()) c.traces = g.MakeFanOut(it->second);
      if (auto it = rx_metrics.find(rid); it != rx_metrics.end())
        c.metrics = g.MakeFanOut(it->second);
      if (auto it = rx_logs.find(rid); it != rx_logs.end()) c.logs = g.MakeFanOut(it->second);
      g.receiver_targets[rid] = c;
      const ComponentSpec& spec = config_.receivers.at(rid);
      auto sh = adoptable(prev ? &prev->receivers : nullptr,
                          running ? running->config_.receivers : config_.receivers, spec);
      // A receiver was built for a set of signals; carrying another set needs a new one.
      if (sh && (sh->wired[0] != (c.traces != nullptr) || sh->wired[1] != (c.metrics != nullptr) ||
                 sh->wired[2] != (c.logs != nullptr)))
        sh = nullptr;
      if (!sh) {
        sh = std::make_shared<Shared>();
        sh->kind = ComponentKind::kReceiver;
        sh->name = "receiver " + rid.ToString();
        sh->owner = sh->creator = this;
        sh->wired[0] = c.traces != nullptr;
        sh->wired[1] = c.metrics != nullptr;
        sh->wired[2] = c.logs != nullptr;
        sh->Feed(c, this);
        Consumers stable{c.traces ? &sh->traces : nullptr, c.metrics ? &sh->metrics : nullptr,
                         c.logs ? &sh->logs : nullptr};
        auto rx = spec.factory->create_receiver(Context(rid, ComponentKind::kReceiver),
                                                *spec.config, stable);
        if (!rx.ok()) return rx.status().Annotate("receiver " + rid.ToString());
        sh->receiver = rx->get();
        sh->component = std::move(*rx);
      }
      g.receivers[rid] = std::move(sh);
    }
  }
  return Status::Ok();
}

// The component-status view of the config: each pipeline's instances, and the extensions.
void Service::PublishTopology(ComponentState state, const std::string& error) const {
  if (!status_) return;
  std::vector<PipelineTopology> pipelines;
  std::vector<std::string> all;
  auto add = [&](std::vector<std::string>& to, const char* kind, const ComponentId& id) {
    std::string instance = std::string(kind) + ":" + id.ToString();
    to.push_back(instance);
    all.push_back(std::move(instance));
  };
  for (const PipelineSpec& p : config_.pipelines) {
    PipelineTopology& t = pipelines.emplace_back();
    t.name = p.id;
    t.signal = std::string(SignalName(p.signal));
    for (const auto& id : p.receivers) add(t.components, "receiver", id);
    for (const auto& id : p.from_connectors) add(t.components, "connector", id);
    for (const auto& id : p.processors) add(t.components, "processor", id);
    for (const auto& id : p.exporters) add(t.components, "exporter", id);
    for (const auto& id : p.to_connectors) add(t.components, "connector", id);
  }
  std::vector<std::string> extensions;
  for (const auto& id : config_.enabled_extensions) add(extensions, "extension", id);
  status_->SetTopology(std::move(pipelines), std::move(extensions));
  for (const auto& instance : all) status_->SetState(instance, state, error);
}

Status Service::Start() {
  if (!graph_) RETURN_IF_ERROR(Build());
  PublishTopology(ComponentState::kStarting);
  Status started_ok = StartGraph();
  if (started_ok.ok())
    PublishTopology(ComponentState::kOk);
  else
    PublishTopology(ComponentState::kFatalError, std::string(started_ok.message()));
  return started_ok;
}

Status Service::StartGraph() {
  Graph& g = *graph_;
  // What this call started, in order: on failure it is stopped in reverse (receivers first,
  // then each pipeline front to back, exporters, extensions) and nothing else is touched.
  std::vector<std::pair<Component*, Shared*>> started;
  auto undo = [&] {
    for (auto it = started.rbegin(); it != started.rend(); ++it) {
      it->first->Shutdown();
      if (it->second) it->second->running = false;
    }
    g.started.clear();
  };
  auto start_shared = [&](Shared& sh) -> Status {
    if (sh.owner != this || sh.running) return Status::Ok();  // adopted: already running
    Status s = sh.component->Start();
    if (!s.ok()) {
      undo();
      return s.Annotate(sh.name);
    }
    sh.running = true;
    started.emplace_back(sh.component.get(), &sh);
    return Status::Ok();
  };
  for (auto& [id, e] : g.extensions) RETURN_IF_ERROR(start_shared(*e));
  for (auto& [id, e] : g.exporters) RETURN_IF_ERROR(start_shared(*e));
  auto start_stage = [&](Component* c, const std::string& name) -> Status {
    if (Status s = c->Start(); !s.ok()) {
      undo();
      return s.Annotate(name);
    }
    started.emplace_back(c, nullptr);
    g.started.push_back(c);
    return Status::Ok();
  };
  // Downstream first: each pipeline's processors last to first, a connector after the pipelines
  // it feeds.
  for (const GraphStep& step : g.order) {
    if (step.connector) {
      RETURN_IF_ERROR(start_stage(g.connectors[step.index].get(),
                                  "connector " + g.connector_specs[step.index].id.ToString()));
      continue;
    }
    auto& pipeline = g.processors[step.index];
    for (auto it = pipeline.rbegin(); it != pipeline.rend(); ++it)
      RETURN_IF_ERROR(start_stage(it->second.get(), "processor " + it->first));
  }
  for (auto& [id, r] : g.receivers) RETURN_IF_ERROR(start_shared(*r));
  started_ = true;
  if (status_) status_->SetReady(true);
  return Status::Ok();
}

void Service::Activate() {
  if (!graph_) return;
  for (auto& [id, r] : graph_->receivers)
    if (r->feeding != this) r->Feed(graph_->receiver_targets.at(id), this);
  // Components kept from the running config: let them re-read their outside files.
  for (auto& [id, e] : graph_->extensions)
    if (auto* r = dynamic_cast<ReloadAware*>(e->component.get()); r && e->creator != this)
      r->Reloaded();
  for (auto& [id, e] : graph_->exporters)
    if (auto* r = dynamic_cast<ReloadAware*>(e->component.get()); r && e->creator != this)
      r->Reloaded();
  if (status_) status_->SetReady(true);
}

void Service::PauseSharedReceivers() {
  if (!graph_) return;
  for (auto& [id, r] : graph_->receivers)
    if (r->owner != this) r->Feed(Consumers{}, nullptr);
}

bool Service::ReplacesComponentsOf(const Service& running) const {
  if (!graph_ || !running.graph_) return false;
  const Graph& prev = *running.graph_;
  auto replaces = [&](const ComponentId& id, const Shared* mine, const auto& prev_map) {
    for (const auto& [pid, p] : prev_map)
      if (pid == id && p.get() != mine) return true;
    return false;
  };
  for (const auto& [id, e] : graph_->extensions)
    if (replaces(id, e.get(), prev.extensions)) return true;
  for (const auto& [id, e] : graph_->exporters)
    if (replaces(id, e.get(), prev.exporters)) return true;
  for (const auto& [id, r] : graph_->receivers)
    if (replaces(id, r.get(), prev.receivers)) return true;
  return false;
}

void Service::Shutdown(const Service* successor) {
  if (!graph_) return;
  // A Service whose Start failed never said it was ready: the running one still is.
  if (!successor && started_ && status_) status_->SetReady(false);
  if (!successor && started_) PublishTopology(ComponentState::kStopping);
  Graph& g = *graph_;
  const Graph* next = successor ? successor->graph_.get() : nullptr;
  // Hands `sh` to the successor if it shares it; otherwise stops it if this Service owns it.
  auto release = [&](Shared& sh) {
    if (sh.owner != this) return;
    if (next && next->Holds(&sh)) {
      sh.owner = successor;
      return;
    }
    if (sh.running) sh.component->Shutdown();
    sh.running = false;
  };
  // Receivers first (stop intake; a stopping receiver's last requests drain into live
  // pipelines), then each pipeline front to back and a connector before the pipelines it feeds
  // so flushes reach live stages, then exporters
  // (drain), then extensions. No Redirect may point into this graph once it is destroyed: a
  // kept receiver the successor has not activated yet refuses retryably meanwhile.
  for (auto& [id, r] : g.receivers) {
    release(*r);
    if (r->feeding == this) r->Feed(Consumers{}, nullptr);
  }
  for (auto it = g.started.rbegin(); it != g.started.rend(); ++it) (*it)->Shutdown();
  g.started.clear();
  for (auto& [id, e] : g.exporters) release(*e);
  for (auto it = g.extensions.rbegin(); it != g.extensions.rend(); ++it) release(*it->second);
  graph_.reset();
  if (!successor && started_) PublishTopology(ComponentState::kStopped);
}

Receiver* Service::FindReceiver(const std::string& id) const {
  if (!graph_) return nullptr;
  for (auto& [rid, r] : graph_->receivers)
    if (rid.ToString() == id) return r->receiver;
  return nullptr;
}

Extension* Service::FindExtension(const ComponentId& id) const {
  if (!graph_) return nullptr;
  for (const auto& [eid, e] : graph_->extensions)
    if (eid == id) return static_cast<Extension*>(e->component.get());
  return nullptr;
}

Exporter* Service::FindExporter(const std::string& id) const {
  if (!graph_) return nullptr;
  for (auto& [eid, e] : graph_->exporters)
    if (eid.ToString() == id) return e->exporter;
  return nullptr;
}

}  // namespace otter::pipeline
