#include "pipeline/service_config.h"

#include <algorithm>
#include <functional>
#include <set>

#include "config/table.h"
#include "pipeline/admin_server.h"
#include "pipeline/connector_graph.h"
#include "telemetry/self_metrics.h"

namespace otter::pipeline {
namespace {

using config::Diagnostics;
using config::Node;

std::string JoinNames(const std::vector<std::string>& names) {
  std::string s;
  for (const auto& n : names) s += (s.empty() ? "" : ", ") + n;
  return s.empty() ? "none" : s;
}

void ParseSection(const Node& section, ComponentKind kind, const Registry& registry,
                  std::map<ComponentId, ComponentSpec>& out, Diagnostics& d) {
  std::string kind_name(ComponentKindName(kind));
  if (section.IsNull()) return;
  if (!section.IsMap()) {
    d.Error(section, kind_name + "s: expected a map of component ids to settings");
    return;
  }
  for (const auto& [key, value] : section.map) {
    auto id = ComponentId::Parse(key);
    if (!id.ok()) {
      d.Error(value, kind_name + " " + std::string(id.status().message()));
      continue;
    }
    bool via_alias = false;
    const Factory* f = registry.Find(kind, id->type, &via_alias);
    if (!f) {
      auto names = registry.TypeNames(kind);
      std::string near = config::NearestName(id->type, names);
      d.Error(value, kind_name + " type \"" + id->type + "\" is not implemented in otter" +
                         (near.empty() ? "" : " (did you mean \"" + near + "\"?)") +
                         "; available " + kind_name + "s: " + JoinNames(names));
      out[*id] = ComponentSpec{*id, nullptr, nullptr,
                               &value};  // known id, so pipelines don't re-report it
      continue;
    }
    if (via_alias)
      d.Warning(value,
                kind_name + " type \"" + id->type + "\" is deprecated; use \"" + f->type + "\"");
    ComponentSpec spec;
    spec.id = *id;
    spec.factory = f;
    spec.node = &value;
    spec.config = f->parse_config(value, d);
    out[*id] = std::move(spec);
  }
}

// Ids listed under a pipeline's `what`; with `connectors`, ids of connectors go to
// *connector_ids instead (their signals are checked once all pipelines are known).
std::vector<ComponentId> ParseIdList(
    const Node* n, const std::string& what, const std::map<ComponentId, ComponentSpec>& defined,
    const std::string& pipeline, Signal signal, Diagnostics& d,
    const std::map<ComponentId, ComponentSpec>* connectors = nullptr,
    std::vector<ComponentId>* connector_ids = nullptr) {
  std::vector<ComponentId> out;
  if (!n || n->IsNull()) return out;
  std::vector<std::string> names;
  if (!config::ParseValue(*n, names, d)) return out;
  std::vector<std::string> defined_names;
  for (const auto& [id, spec] : defined) defined_names.push_back(id.ToString());
  std::set<std::string> seen;
  for (size_t i = 0; i < names.size(); ++i) {
    const Node& at = i < n->seq.size() ? n->seq[i] : *n;
    if (!seen.insert(names[i]).second) {
      d.Error(at, "pipeline " + pipeline + ": " + what + " \"" + names[i] + "\" is listed twice");
      continue;
    }
    auto id = ComponentId::Parse(names[i]);
    if (!id.ok()) {
      d.Error(at, "pipeline " + pipeline + ": " + std::string(id.status().message()));
      continue;
    }
    if (connectors && connectors->count(*id)) {
      if (connectors->at(*id).factory) connector_ids->push_back(*id);
      continue;
    }
    auto it = defined.find(*id);
    if (it == defined.end()) {
      d.Error(at, "pipeline " + pipeline + " references " + what + " \"" + names[i] +
                      "\" which is not configured (configured " + what +
                      "s: " + JoinNames(defined_names) + ")");
      continue;
    }
    if (!it->second.factory) continue;  // its type error was already reported
    if (!it->second.factory->Supports(signal)) {
      d.Error(at, "pipeline " + pipeline + ": " + what + " \"" + names[i] + "\" does not support " +
                      std::string(SignalName(signal)));
      continue;
    }
    out.push_back(*id);
  }
  return out;
}

void ParseTelemetry(const Node& n, TelemetrySpec& t, Diagnostics& d) {
  if (n.IsNull()) return;
  if (!n.IsMap()) {
    d.Error(n, "service.telemetry: expected a map");
    return;
  }
  for (const auto& [key, value] : n.map) {
    if (key == "metrics") {
      for (const auto& [k, v] : value.map) {
        if (k == "address")
          config::ParseValue(v, t.metrics_address, d);
        else if (k == "level") {
          config::ParseValue(v, t.metrics_level, d);
          if (!telemetry::ParseMetricsLevel(t.metrics_level))
            d.Error(v,
                    "service.telemetry.metrics.level must be one of none, basic, normal, detailed");
        } else if (k == "tls") {
          t.metrics_tls.emplace();
          net::TlsServerTable().Parse(v, *t.metrics_tls, d);
          if (Status s = t.metrics_tls->Validate(); !s.ok())
            d.Error(v, "service.telemetry.metrics." + std::string(s.message()));
        } else if (k == "readers") {
          d.Error(v,
                  "service.telemetry.metrics.readers is not supported yet by otter; use address");
        } else {
          d.Error(v, "unknown key \"" + k +
                         "\" in service.telemetry.metrics (valid keys: address, level, tls)");
        }
      }
    } else if (key == "logs") {
      for (const auto& [k, v] : value.map) {
        if (k == "level") {
          config::ParseValue(v, t.logs_level, d);
          static const std::vector<std::string> kLevels = {"debug", "info", "warn", "error"};
          std::string lower = t.logs_level;
          std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
          t.logs_level = lower;
          if (std::find(kLevels.begin(), kLevels.end(), lower) == kLevels.end())
            d.Error(v, "service.telemetry.logs.level must be one of debug, info, warn, error");
        } else if (k == "encoding") {
          config::ParseValue(v, t.logs_encoding, d);
          if (t.logs_encoding != "console" && t.logs_encoding != "json")
            d.Error(v, "service.telemetry.logs.encoding must be console or json");
        } else {
          d.Error(v, "unknown key \"" + k +
                         "\" in service.telemetry.logs (valid keys: level, encoding)");
        }
      }
    } else if (key == "resource" || key == "traces") {
      d.Error(value, "service.telemetry." + key + " is not supported yet by otter");
    } else {
      d.Error(value,
              "unknown key \"" + key + "\" in service.telemetry (valid keys: metrics, logs)");
    }
  }
}

void ParseAdmin(const Node& n, AdminSpec& a, Diagnostics& d) {
  if (n.IsNull()) return;
  if (!n.IsMap()) {
    d.Error(n, "service.admin: expected a map");
    return;
  }
  for (const auto& [key, value] : n.map) {
    if (key != "endpoint") {
      d.Error(value, "unknown key \"" + key + "\" in service.admin (valid keys: endpoint)");
      continue;
    }
    if (!config::ParseValue(value, a.endpoint, d) || a.endpoint.empty()) continue;
    if (Status s = ValidateAdminEndpoint(a.endpoint); !s.ok())
      d.Error(value, std::string(s.message()));
  }
}

}  // namespace

// A processor that acknowledges early in front of an exporter that acknowledges durably means a
// client can be told "stored" for data that is only in memory.
static void WarnEarlyAcknowledgement(const ServiceConfig& sc, const PipelineSpec& p, const Node& at,
                                     Diagnostics& d) {
  for (const auto& pid : p.processors) {
    auto proc = sc.processors.find(pid);
    if (proc == sc.processors.end() || !proc->second.factory ||
        !proc->second.factory->acknowledges_early)
      continue;
    for (const auto& eid : p.exporters) {
      auto exp = sc.exporters.find(eid);
      if (exp == sc.exporters.end() || !exp->second.factory ||
          !exp->second.factory->acknowledges_durably)
        continue;
      d.Warning(at, "pipeline \"" + p.id + "\": processor \"" + pid.ToString() +
                        "\" acknowledges data before exporter \"" + eid.ToString() +
                        "\" has committed it, so a crash can lose acknowledged data; remove it "
                        "from this pipeline (the store batches writes itself)");
    }
  }
}

// Every `auth: {authenticator: id}` inside a receiver's or exporter's settings names an
// extension enabled in service.extensions (checked here for file:line; whether it is a server or
// client authenticator is checked when the component is created).
static void CheckAuthenticatorRefs(const ServiceConfig& sc, Diagnostics& d) {
  std::function<void(const Node&)> walk = [&](const Node& n) {
    for (const auto& [key, child] : n.map) {
      const Node* a = key == "auth" && child.IsMap() ? child.Find("authenticator") : nullptr;
      if (a && a->kind == Node::Kind::kScalar) {
        auto id = ComponentId::Parse(a->scalar);
        auto spec = id.ok() ? sc.extensions.find(*id) : sc.extensions.end();
        bool enabled =
            id.ok() && std::find(sc.enabled_extensions.begin(), sc.enabled_extensions.end(), *id) !=
                           sc.enabled_extensions.end();
        if (spec == sc.extensions.end())
          d.Error(*a,
                  "auth.authenticator: \"" + a->scalar + "\" is not configured under extensions");
        else if (!enabled)
          d.Error(*a, "auth.authenticator: extension \"" + a->scalar +
                          "\" is not listed in service.extensions");
      }
      if (child.IsMap()) walk(child);
    }
  };
  for (const auto* specs : {&sc.receivers, &sc.exporters})
    for (const auto& [id, spec] : *specs)
      if (spec.node) walk(*spec.node);
}

ServiceConfig ParseServiceConfig(const Node& root, const Registry& registry, Diagnostics& d) {
  ServiceConfig sc;
  static const std::vector<std::string> kTop = {"receivers",  "processors", "exporters",
                                                "connectors", "extensions", "service"};
  for (const auto& [key, value] : root.map) {
    if (std::find(kTop.begin(), kTop.end(), key) == kTop.end()) {
      std::string near = config::NearestName(key, kTop);
      d.Error(value, "unknown top-level key \"" + key + "\"" +
                         (near.empty() ? "" : "; did you mean \"" + near + "\"?"));
    }
  }
  if (const Node* n = root.Find("receivers"))
    ParseSection(*n, ComponentKind::kReceiver, registry, sc.receivers, d);
  if (const Node* n = root.Find("processors"))
    ParseSection(*n, ComponentKind::kProcessor, registry, sc.processors, d);
  if (const Node* n = root.Find("exporters"))
    ParseSection(*n, ComponentKind::kExporter, registry, sc.exporters, d);
  if (const Node* n = root.Find("extensions"))
    ParseSection(*n, ComponentKind::kExtension, registry, sc.extensions, d);
  if (const Node* n = root.Find("connectors"))
    ParseSection(*n, ComponentKind::kConnector, registry, sc.connectors, d);
  // As in otelcol, a pipeline's lists name receivers and connectors alike, so an id may not be
  // both.
  for (const auto& [id, spec] : sc.connectors) {
    const std::pair<const char*, const std::map<ComponentId, ComponentSpec>*> kOthers[] = {
        {"exporter", &sc.exporters}, {"receiver", &sc.receivers}};
    for (const auto& [kind, map] : kOthers) {
      if (!map->count(id)) continue;
      std::string s = id.ToString();
      d.Error(*spec.node, "connectors::" + s + ": ambiguous ID: Found both \"" + s + "\" " + kind +
                              " and \"" + s + "\" connector. Change one of the components' IDs " +
                              "to eliminate ambiguity (e.g. rename \"" + s + "\" connector to \"" +
                              s + "/connector\")");
    }
  }

  const Node* service = root.Find("service");
  if (!service || !service->IsMap()) {
    d.Error(service ? service->Where() : root.Where(),
            "missing \"service\" section with pipelines");
    return sc;
  }
  for (const auto& [key, value] : service->map) {
    if (key == "extensions") {
      std::vector<std::string> names;
      if (!config::ParseValue(value, names, d)) continue;
      for (size_t i = 0; i < names.size(); ++i) {
        auto id = ComponentId::Parse(names[i]);
        const Node& at = i < value.seq.size() ? value.seq[i] : value;
        if (!id.ok() || !sc.extensions.count(*id)) {
          d.Error(at, "service.extensions references \"" + names[i] +
                          "\" which is not configured under extensions");
          continue;
        }
        sc.enabled_extensions.push_back(*id);
      }
    } else if (key == "telemetry") {
      ParseTelemetry(value, sc.telemetry, d);
    } else if (key == "admin") {
      ParseAdmin(value, sc.admin, d);
    } else if (key == "pipelines") {
      if (!value.IsMap()) {
        d.Error(value, "service.pipelines: expected a map of pipeline ids");
        continue;
      }
      for (const auto& [pid, pnode] : value.map) {
        PipelineSpec p;
        p.id = pid;
        std::string signal = pid.substr(0, pid.find('/'));
        if (signal == "traces")
          p.signal = Signal::kTraces;
        else if (signal == "metrics")
          p.signal = Signal::kMetrics;
        else if (signal == "logs")
          p.signal = Signal::kLogs;
        else {
          d.Error(pnode, "pipeline \"" + pid + "\": signal must be traces, metrics or logs" +
                             (signal == "profiles" ? " (profiles are not supported yet)" : ""));
          continue;
        }
        if (!pnode.IsMap()) {
          d.Error(pnode, "pipeline \"" + pid + "\": expected receivers, processors and exporters");
          continue;
        }
        for (const auto& [k, v] : pnode.map) {
          if (k != "receivers" && k != "processors" && k != "exporters")
            d.Error(v, "pipeline \"" + pid + "\": unknown key \"" + k +
                           "\" (valid keys: receivers, processors, exporters)");
        }
        p.receivers = ParseIdList(pnode.Find("receivers"), "receiver", sc.receivers, pid, p.signal,
                                  d, &sc.connectors, &p.from_connectors);
        p.processors =
            ParseIdList(pnode.Find("processors"), "processor", sc.processors, pid, p.signal, d);
        p.exporters = ParseIdList(pnode.Find("exporters"), "exporter", sc.exporters, pid, p.signal,
                                  d, &sc.connectors, &p.to_connectors);
        const Node* r = pnode.Find("receivers");
        const Node* e = pnode.Find("exporters");
        if (!r || r->seq.empty())
          d.Error(pnode, "pipeline \"" + pid + "\" must have at least one receiver");
        if (!e || e->seq.empty())
          d.Error(pnode, "pipeline \"" + pid + "\" must have at least one exporter");
        WarnEarlyAcknowledgement(sc, p, pnode, d);
        sc.pipelines.push_back(std::move(p));
      }
    } else {
      d.Error(value, "unknown key \"" + key +
                         "\" in service (valid keys: admin, extensions, pipelines, telemetry)");
    }
  }
  if (sc.pipelines.empty() && d.ok())
    d.Error(*service, "service.pipelines: at least one pipeline is required");
  if (d.ok()) ValidateConnectorGraph(sc, d);
  CheckAuthenticatorRefs(sc, d);
  return sc;
}

const char* DefaultConfigYaml() {
  return R"(# otter's built-in all-in-one default: OTLP in on localhost, memory_limiter, then the
# embedded store (acknowledges after its WAL commit; no batch processor in front so nothing is
# acknowledged before it is durable) with the Jaeger/Prometheus/Loki query APIs on :16686.
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: localhost:4317
      http:
        endpoint: localhost:4318
processors:
  memory_limiter:
    check_interval: 1s
    limit_percentage: 80
    spike_limit_percentage: 20
exporters:
  store:
    directory: ./otter-data
    query:
      endpoint: localhost:16686
extensions:
  health_check:
    endpoint: localhost:13133
service:
  extensions: [health_check]
  telemetry:
    metrics:
      address: localhost:8888
  pipelines:
    traces:
      receivers: [otlp]
      processors: [memory_limiter]
      exporters: [store]
    metrics:
      receivers: [otlp]
      processors: [memory_limiter]
      exporters: [store]
    logs:
      receivers: [otlp]
      processors: [memory_limiter]
      exporters: [store]
)";
}

}  // namespace otter::pipeline
