#include "pipeline/connector_graph.h"

#include <algorithm>
#include <string>

namespace otter::pipeline {
namespace {

template <class T>
bool Lists(const std::vector<T>& ids, const T& id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

// otelcol prints the pipelines of one signal as a Go slice: "[traces/a traces/b]".
std::string PipelineNames(const ServiceConfig& sc, const ComponentId& id, Signal signal,
                          bool as_exporter) {
  std::string s;
  for (const auto& p : sc.pipelines)
    if (p.signal == signal && Lists(as_exporter ? p.to_connectors : p.from_connectors, id))
      s += (s.empty() ? "" : " ") + p.id;
  return "[" + s + "]";
}

std::string Describe(const ConnectorInstance& c) {
  return "connector \"" + c.id.ToString() + "\" (" + std::string(SignalName(c.from)) + " to " +
         std::string(SignalName(c.to)) + ")";
}

// Depth-first search for a cycle of pipelines. path[i] is the edge (connector instance, next
// pipeline) from stack[i] to stack[i + 1].
struct CycleFinder {
  const std::vector<ConnectorInstance>& connectors;
  std::vector<int> state;  // 0 unvisited, 1 on the stack, 2 done
  std::vector<size_t> stack;
  std::vector<std::pair<size_t, size_t>> path, cycle;

  bool Visit(size_t p) {
    state[p] = 1;
    stack.push_back(p);
    for (size_t c = 0; c < connectors.size(); ++c) {
      if (!Lists(connectors[c].upstream, p)) continue;
      for (size_t q : connectors[c].downstream) {
        path.emplace_back(c, q);
        if (state[q] == 1) {
          auto at = std::find(stack.begin(), stack.end(), q) - stack.begin();
          cycle.assign(path.begin() + at, path.end());
          return true;
        }
        if (state[q] == 0 && Visit(q)) return true;
        path.pop_back();
      }
    }
    state[p] = 2;
    stack.pop_back();
    return false;
  }
};

}  // namespace

std::vector<ConnectorInstance> ConnectorInstances(const ServiceConfig& sc) {
  std::vector<ConnectorInstance> out;
  for (const auto& [id, spec] : sc.connectors) {
    if (!spec.factory) continue;
    for (Signal from : kAllSignals)
      for (Signal to : kAllSignals) {
        if (!spec.factory->Connects(from, to)) continue;
        ConnectorInstance ci{id, from, to, {}, {}};
        for (size_t i = 0; i < sc.pipelines.size(); ++i) {
          const PipelineSpec& p = sc.pipelines[i];
          if (p.signal == from && Lists(p.to_connectors, id)) ci.upstream.push_back(i);
          if (p.signal == to && Lists(p.from_connectors, id)) ci.downstream.push_back(i);
        }
        if (!ci.upstream.empty() && !ci.downstream.empty()) out.push_back(std::move(ci));
      }
  }
  return out;
}

std::vector<GraphStep> StartOrder(const ServiceConfig& sc,
                                  const std::vector<ConnectorInstance>& connectors) {
  std::vector<bool> pipeline_done(sc.pipelines.size()), connector_done(connectors.size());
  std::vector<GraphStep> order;
  for (bool progress = true; progress;) {
    progress = false;
    for (size_t p = 0; p < sc.pipelines.size(); ++p) {
      if (pipeline_done[p]) continue;
      bool ready = true;
      for (size_t c = 0; c < connectors.size(); ++c)
        if (!connector_done[c] && Lists(connectors[c].upstream, p)) ready = false;
      if (!ready) continue;
      pipeline_done[p] = progress = true;
      order.push_back({false, p});
    }
    for (size_t c = 0; c < connectors.size(); ++c) {
      if (connector_done[c]) continue;
      bool ready = true;
      for (size_t p : connectors[c].downstream)
        if (!pipeline_done[p]) ready = false;
      if (!ready) continue;
      connector_done[c] = progress = true;
      order.push_back({true, c});
    }
  }
  if (order.size() != sc.pipelines.size() + connectors.size()) return {};
  return order;
}

void ValidateConnectorGraph(const ServiceConfig& sc, config::Diagnostics& d) {
  for (const auto& [id, spec] : sc.connectors) {
    if (!spec.factory) continue;
    bool as_exporter[3] = {}, as_receiver[3] = {};
    for (const auto& p : sc.pipelines) {
      as_exporter[static_cast<int>(p.signal)] |= Lists(p.to_connectors, id);
      as_receiver[static_cast<int>(p.signal)] |= Lists(p.from_connectors, id);
    }
    bool used = false;
    for (Signal s : kAllSignals)
      used = used || as_exporter[static_cast<int>(s)] || as_receiver[static_cast<int>(s)];
    if (!used) {
      d.Warning(*spec.node, "connector \"" + id.ToString() + "\" is not used in any pipeline");
      continue;
    }
    // Each signal it is exported in needs a receiving pipeline of a signal it can turn that
    // into, and the other way round (otelcol's wording).
    for (Signal s : kAllSignals) {
      bool exp_ok = false, rec_ok = false;
      for (Signal o : kAllSignals) {
        exp_ok = exp_ok || (as_receiver[static_cast<int>(o)] && spec.factory->Connects(s, o));
        rec_ok = rec_ok || (as_exporter[static_cast<int>(o)] && spec.factory->Connects(o, s));
      }
      if (as_exporter[static_cast<int>(s)] && !exp_ok)
        d.Error(*spec.node, "connector \"" + id.ToString() + "\" used as exporter in " +
                                PipelineNames(sc, id, s, true) +
                                " pipeline but not used in any supported receiver pipeline");
      if (as_receiver[static_cast<int>(s)] && !rec_ok)
        d.Error(*spec.node, "connector \"" + id.ToString() + "\" used as receiver in " +
                                PipelineNames(sc, id, s, false) +
                                " pipeline but not used in any supported exporter pipeline");
    }
  }
  if (!d.ok()) return;

  auto connectors = ConnectorInstances(sc);
  CycleFinder f{connectors, std::vector<int>(sc.pipelines.size()), {}, {}, {}};
  for (size_t p = 0; p < sc.pipelines.size() && f.cycle.empty(); ++p)
    if (f.state[p] == 0) f.Visit(p);
  if (f.cycle.empty()) return;
  // As otelcol: from a connector through each pipeline's processors back to that connector.
  std::string msg = "cycle detected: ";
  for (const auto& [c, q] : f.cycle) {
    msg += Describe(connectors[c]) + " -> ";
    for (const auto& proc : sc.pipelines[q].processors)
      msg += "processor \"" + proc.ToString() + "\" in pipeline \"" + sc.pipelines[q].id + "\" -> ";
  }
  msg += Describe(connectors[f.cycle.front().first]);
  d.Error(*sc.connectors.at(connectors[f.cycle.front().first].id).node, msg);
}

}  // namespace otter::pipeline
