#include "processors/resourcedetection/config.h"

#include <algorithm>

namespace otter {
namespace {

struct SystemAttribute {
  const char* name;
  bool default_enabled;
  bool implemented;
};
// otelcol-contrib's system detector attributes and their defaults.
constexpr SystemAttribute kSystemAttributes[] = {
    {"host.name", true, true},
    {"os.type", true, true},
    {"host.id", false, true},
    {"host.arch", false, true},
    {"os.description", false, false},
    {"os.version", false, false},
    {"host.ip", false, false},
    {"host.mac", false, false},
    {"host.cpu.vendor.id", false, false},
    {"host.cpu.family", false, false},
    {"host.cpu.model.id", false, false},
    {"host.cpu.model.name", false, false},
    {"host.cpu.stepping", false, false},
    {"host.cpu.cache.l2.size", false, false},
};

const SystemAttribute* FindSystemAttribute(const std::string& name) {
  for (const auto& a : kSystemAttributes)
    if (name == a.name) return &a;
  return nullptr;
}

// otelcol-contrib detectors otter does not implement (cloud and platform metadata services).
constexpr const char* kOtherDetectors[] = {
    "akamai",    "aks",           "alibaba_ecs", "azure",    "consul",  "digitalocean",
    "docker",    "dynatrace",     "ec2",         "ecs",      "eks",     "elastic_beanstalk",
    "gcp",       "heroku",        "hetzner",     "k8snode",  "kubeadm", "lambda",
    "openshift", "openstacknova", "oraclecloud", "scaleway", "upcloud", "vultr"};

struct EnabledFlag {
  bool enabled = false;
};

const config::Table<EnabledFlag>& EnabledTable() {
  static const config::Table<EnabledFlag> table = config::Table<EnabledFlag>().Field(
      "enabled", &EnabledFlag::enabled, "whether the detector sets this attribute");
  return table;
}

const config::Table<SystemDetectorConfig>& SystemTable() {
  using C = SystemDetectorConfig;
  static const config::Table<C> table =
      config::Table<C>()
          .Field("hostname_sources", &C::hostname_sources,
                 "host.name sources in order, first success wins: dns, os")
          .Custom("resource_attributes", "map", "host.name, os.type on",
                  "per attribute {enabled: bool}: host.name, os.type (default on), host.id "
                  "(/etc/machine-id), host.arch (default off)",
                  [](const config::Node& n, C& c, config::Diagnostics& d) {
                    if (!n.IsMap()) {
                      d.Error(n, "resource_attributes: expected a map of attribute names");
                      return;
                    }
                    std::vector<std::string> names;
                    for (const auto& a : kSystemAttributes) names.push_back(a.name);
                    for (const auto& [key, value] : n.map) {
                      const SystemAttribute* a = FindSystemAttribute(key);
                      if (!a) {
                        std::string near = config::NearestName(key, names);
                        d.Error(value.line ? value : n,
                                "unknown system resource attribute \"" + key + "\"" +
                                    (near.empty() ? "" : "; did you mean \"" + near + "\"?"));
                        continue;
                      }
                      EnabledFlag flag{a->default_enabled};
                      EnabledTable().Parse(value, flag, d);
                      if (flag.enabled && !a->implemented) {
                        d.Error(value.line ? value : n, "system resource attribute \"" + key +
                                                            "\" is not supported yet by otter");
                        continue;
                      }
                      c.enabled[key] = flag.enabled;
                    }
                  });
  return table;
}

}  // namespace

bool SystemDetectorConfig::Enabled(const std::string& attribute) const {
  auto it = enabled.find(attribute);
  if (it != enabled.end()) return it->second;
  const SystemAttribute* a = FindSystemAttribute(attribute);
  return a && a->default_enabled;
}

Status ResourceDetectionConfig::Validate() const {
  std::vector<std::string> bad, not_here;
  for (const auto& d : detectors) {
    if (d == kHostDetectorAlias) continue;
    bool ok = std::find(std::begin(kImplementedDetectors), std::end(kImplementedDetectors), d) !=
              std::end(kImplementedDetectors);
    if (ok) continue;
    bool known = std::find(std::begin(kOtherDetectors), std::end(kOtherDetectors), d) !=
                 std::end(kOtherDetectors);
    (known ? not_here : bad).push_back(d);
  }
  auto join = [](const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
    return s;
  };
  if (!bad.empty())
    return InvalidArgument("detectors: invalid detector key: " + join(bad) +
                           " (otter's detectors: env, system)");
  if (!not_here.empty())
    return InvalidArgument("detectors: " + join(not_here) +
                           ": not implemented in otter yet (otter's detectors: env, system)");
  if (timeout.count() <= 0) return InvalidArgument("timeout: must be greater than zero");
  for (const auto& s : system.hostname_sources) {
    if (s == "cname" || s == "lookup")
      return InvalidArgument("system: hostname source \"" + s +
                             "\" is not supported yet by otter (use dns or os)");
    if (s != "dns" && s != "os")
      return InvalidArgument("system: invalid hostname source \"" + s +
                             "\" (valid: dns, os, cname, lookup)");
  }
  return Status::Ok();
}

const config::Table<ResourceDetectionConfig>& ResourceDetectionConfigTable() {
  using C = ResourceDetectionConfig;
  static const config::Table<C> table =
      config::Table<C>()
          .Field("detectors", &C::detectors,
                 "detectors run once at start, in order (earlier ones win on conflicts): env "
                 "(OTEL_RESOURCE_ATTRIBUTES), system (host.name, os.type, host.id, host.arch)")
          .Field("override", &C::override,
                 "detected attributes replace attributes the data already has")
          .Field("timeout", &C::timeout, "how long detection may take before start-up fails")
          .Section("system", &C::system, SystemTable(), "the system detector's settings")
          .Check([](const config::Node& section, const C& c, config::Diagnostics& d) {
            if (std::find(c.detectors.begin(), c.detectors.end(), kHostDetectorAlias) ==
                c.detectors.end())
              return;
            const config::Node* at = section.Find("detectors");
            d.Warning(at ? *at : section,
                      "detectors: \"host\" is not a detector of the Go collector, which rejects "
                      "it; otter runs the \"system\" detector for it");
          })
          .NotSupportedYet("refresh_interval", "periodic re-detection")
          .NotSupportedYet("attributes", "keep only these detected attributes (deprecated)");
  return table;
}

}  // namespace otter
