#include "extensions/healthcheckv2/aggregation.h"

#include <cmath>
#include <set>

#include "extensions/health_check/extension.h"
#include "otlp/json_codec.h"

namespace otter::healthcheckv2 {
namespace {

bool IsError(ComponentState s) {
  return s == ComponentState::kRecoverableError || s == ComponentState::kPermanentError ||
         s == ComponentState::kFatalError;
}

// The most relevant state among the children's.
ComponentState Combine(const std::set<ComponentState>& seen, const ComponentHealth& opts) {
  if (seen.size() == 1) return *seen.begin();
  for (ComponentState s :
       {ComponentState::kFatalError, ComponentState::kStarting, ComponentState::kStopping})
    if (seen.count(s)) return s;
  if (seen.count(ComponentState::kStopped)) return ComponentState::kStopping;
  // Recoverable errors come first when only they can make the collector unhealthy.
  const bool recoverable_first = !opts.include_permanent_errors && opts.include_recoverable_errors;
  ComponentState first =
      recoverable_first ? ComponentState::kRecoverableError : ComponentState::kPermanentError;
  ComponentState second =
      recoverable_first ? ComponentState::kPermanentError : ComponentState::kRecoverableError;
  if (seen.count(first)) return first;
  if (seen.count(second)) return second;
  return ComponentState::kOk;
}

Aggregate Fold(std::map<std::string, Aggregate> children, const ComponentHealth& opts) {
  Aggregate out;
  if (children.empty()) {
    out.state = ComponentState::kOk;
    return out;
  }
  std::set<ComponentState> seen;
  for (const auto& [k, c] : children) seen.insert(c.state);
  out.state = Combine(seen, opts);
  const Aggregate* match = nullptr;
  const Aggregate* last = nullptr;
  for (const auto& [k, c] : children) {
    if (!last || c.time > last->time) last = &c;
    if (c.state != out.state) continue;
    if (!match || (IsError(out.state) ? c.time < match->time : c.time > match->time)) match = &c;
  }
  if (match) {
    out.error = match->error;
    out.time = match->time;
  } else {
    out.time = last->time;  // a synthetic state (stopping while some stopped)
  }
  for (const auto& [k, c] : children) out.over_threshold |= c.over_threshold;
  out.components = std::move(children);
  return out;
}

Aggregate Leaf(const StatusHub::Snapshot& s, const std::string& instance, const std::string& signal,
               const ComponentHealth& opts) {
  Aggregate a;
  auto life = s.states.find(instance);
  if (life != s.states.end()) {
    a.state = life->second.state;
    a.error = life->second.error;
    a.time = life->second.time;
  }
  // A report for this pipeline's signal refines a running component's lifecycle state.
  auto specific = s.states.find(instance + "#" + signal);
  if (specific != s.states.end() && a.state == ComponentState::kOk) {
    a.state = specific->second.state;
    a.error = specific->second.error;
    a.time = specific->second.time;
  }
  auto fill = s.queue_fill.find(instance);
  if (opts.queue_fill_threshold > 0 && fill != s.queue_fill.end() &&
      fill->second >= opts.queue_fill_threshold && a.state == ComponentState::kOk) {
    a.state = ComponentState::kRecoverableError;
    a.error = "sending queue " + std::to_string(std::lround(fill->second * 100)) +
              "% full (queue_fill_threshold " +
              std::to_string(std::lround(opts.queue_fill_threshold * 100)) + "%)";
    a.over_threshold = true;
  }
  return a;
}

Aggregate PipelineOf(const StatusHub::Snapshot& s, const PipelineTopology& p,
                     const ComponentHealth& opts) {
  std::map<std::string, Aggregate> children;
  for (const auto& instance : p.components) children[instance] = Leaf(s, instance, p.signal, opts);
  return Fold(std::move(children), opts);
}

void AppendNode(std::string& out, const Aggregate& a, const ComponentHealth& opts, TimePoint now,
                bool verbose) {
  out += "\"healthy\":";
  out += HttpCode(a, opts, now) == 200 ? "true" : "false";
  out += ",\"status\":\"";
  out += ComponentStateName(a.state);
  out += '"';
  if (!a.error.empty()) {
    out += ",\"error\":";
    otlp::AppendJsonString(out, a.error);
  }
  out += ",\"status_time\":\"" + health_check::FormatRfc3339Nano(a.time) + "\"";
  if (!verbose || a.components.empty()) return;
  out += ",\"components\":{";
  bool first = true;
  for (const auto& [name, c] : a.components) {
    if (!first) out += ',';
    first = false;
    otlp::AppendJsonString(out, name);
    out += ":{";
    AppendNode(out, c, opts, now, verbose);
    out += '}';
  }
  out += '}';
}

}  // namespace

Aggregate AggregateCollector(const StatusHub::Snapshot& s, const ComponentHealth& opts) {
  std::map<std::string, Aggregate> top;
  for (const auto& p : s.pipelines) top["pipeline:" + p.name] = PipelineOf(s, p, opts);
  if (!s.extensions.empty()) {
    std::map<std::string, Aggregate> ext;
    for (const auto& instance : s.extensions) ext[instance] = Leaf(s, instance, "", opts);
    top["extensions"] = Fold(std::move(ext), opts);
  }
  if (top.empty()) return Aggregate{};  // nothing published yet: starting
  return Fold(std::move(top), opts);
}

std::optional<Aggregate> AggregatePipeline(const StatusHub::Snapshot& s, const std::string& name,
                                           const ComponentHealth& opts) {
  for (const auto& p : s.pipelines)
    if (p.name == name) return PipelineOf(s, p, opts);
  return std::nullopt;
}

int HttpCode(const Aggregate& a, const ComponentHealth& opts, TimePoint now) {
  if (a.over_threshold && IsError(a.state)) return 500;
  switch (a.state) {
    case ComponentState::kOk:
      return 200;
    case ComponentState::kRecoverableError:
      return opts.include_recoverable_errors && now - a.time > opts.recovery_duration ? 500 : 200;
    case ComponentState::kPermanentError:
      return opts.include_permanent_errors ? 500 : 200;
    case ComponentState::kFatalError:
      return 500;
    default:
      return 503;  // starting, stopping, stopped
  }
}

std::string ToJson(const Aggregate& a, const ComponentHealth& opts, TimePoint now,
                   TimePoint start_time, bool verbose) {
  std::string out = "{\"start_time\":\"" + health_check::FormatRfc3339Nano(start_time) + "\",";
  AppendNode(out, a, opts, now, verbose);
  out += '}';
  return out;
}

}  // namespace otter::healthcheckv2
