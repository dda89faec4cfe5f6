// libFuzzer target for the config loader: the input is a --config source (YAML). It is loaded as
// otter loads its config (merged with a second source and a --set override, then ${env:...}
// expansion against a fake environment) and validated against a registry of built-in components
// (two receivers, processors with OTTL, exporters, connectors: the ones whose code the other
// fuzzers build anyway). Any input must load or fail with a
// message, and validate or collect diagnostics, never crash. Whatever validates must validate
// again, with the same result, when its sources are loaded a second time.
//   config_fuzz -max_len=4096 -dict=fuzz/config.dict corpus/
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "component/registry.h"
#include "config/loader.h"
#include "pipeline/service_config.h"

namespace otter {
void RegisterLokiReceiver(Registry&);
void RegisterPrometheusRemoteWriteReceiver(Registry&);
void RegisterAttributesProcessor(Registry&);
void RegisterBatchProcessor(Registry&);
void RegisterFilterProcessor(Registry&);
void RegisterResourceProcessor(Registry&);
void RegisterTransformProcessor(Registry&);
void RegisterNopExporter(Registry&);
void RegisterForwardConnector(Registry&);
void RegisterRoutingConnector(Registry&);
}  // namespace otter

namespace {

const otter::Registry& Components() {
  static const otter::Registry* r = [] {
    auto* reg = new otter::Registry;
    using namespace otter;
    RegisterLokiReceiver(*reg);
    RegisterPrometheusRemoteWriteReceiver(*reg);
    RegisterAttributesProcessor(*reg);
    RegisterBatchProcessor(*reg);
    RegisterFilterProcessor(*reg);
    RegisterResourceProcessor(*reg);
    RegisterTransformProcessor(*reg);
    RegisterNopExporter(*reg);
    RegisterForwardConnector(*reg);
    RegisterRoutingConnector(*reg);
    return reg;
  }();
  return *r;
}

struct Result {
  bool loaded = false;
  std::string errors;
};

Result LoadAndValidate(const std::string& text) {
  otter::config::LoadOptions o;
  o.uris = {"env:OTTER_FUZZ_CONFIG", "yaml:exporters::nop/fuzz: {}"};
  o.sets = {"processors::batch/fuzz::timeout=${env:TIMEOUT:-2s}"};
  o.env = [&text](const std::string& name, std::string* value) {
    if (name == "OTTER_FUZZ_CONFIG")
      *value = text;
    else if (name == "ENDPOINT")
      *value = "localhost:4318";
    else if (name == "EMPTY")
      value->clear();
    else if (name == "NESTED")
      *value = "${env:ENDPOINT}";
    else if (name == "YAMLISH")
      *value = "{a: [1, 2]}\n- x: $$";
    else
      return false;
    return true;
  };
  std::vector<std::string> warnings;
  auto root = otter::config::Load(o, &warnings);
  if (!root.ok()) {
    if (root.status().message().empty()) std::abort();
    return {};
  }
  otter::config::Diagnostics d;
  otter::pipeline::ParseServiceConfig(*root, Components(), d);
  for (const auto& e : d.errors())
    if (e.empty()) std::abort();
  return {true, d.ErrorsText()};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  Result first = LoadAndValidate(text);
  if (!first.loaded) return 0;
  Result second = LoadAndValidate(text);
  if (!second.loaded || second.errors != first.errors) std::abort();
  return 0;
}
