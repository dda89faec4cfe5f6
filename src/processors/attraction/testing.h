// Test helpers shared by the attribute processors' unit tests (attributes, resource,
// resourcedetection, redaction): parse a processor's YAML through the registry and create it in
// front of a consumer that keeps what it receives. Tests only.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "component/registry.h"
#include "config/loader.h"

namespace otter::attraction::testing {

// "key=type(value)" per attribute, one per line: readable test failures.
inline std::string Dump(const pdata::Attributes& attrs) {
  static const char* kTypes[] = {"empty", "str", "bool", "int", "double", "array", "map", "bytes"};
  std::string out;
  for (const auto& kv : attrs)
    out += std::string(kv.key) + "=" + kTypes[static_cast<int>(kv.value.type)] + "(" +
           kv.value.ToString() + ")\n";
  return out;
}

template <class B>
class CaptureConsumer final : public Consumer<B> {
 public:
  void Consume(B&& batch, Completion done) override {
    batches.push_back(std::move(batch));
    done(Status::Ok());
  }
  std::vector<B> batches;
};

struct ParsedConfig {
  std::unique_ptr<ComponentConfig> config;
  std::vector<std::string> errors;    // "test.yaml:line: message"
  std::vector<std::string> warnings;  // the same form
};

inline ParsedConfig ParseProcessorConfig(const std::string& type, const std::string& yaml) {
  ParsedConfig out;
  auto node = config::ParseYaml(yaml, "test.yaml");
  if (!node.ok()) {
    out.errors.push_back(std::string(node.status().message()));
    return out;
  }
  Registry r;
  RegisterBuiltins(r);
  const Factory* f = r.Find(ComponentKind::kProcessor, type);
  if (!f) {
    out.errors.push_back("no processor " + type);
    return out;
  }
  config::Diagnostics d;
  out.config = f->parse_config(*node, d);
  out.errors = d.errors();
  out.warnings = d.warnings();
  return out;
}

// Creates processor `type` for batches of type B in front of `next`.
template <class B>
StatusOr<std::unique_ptr<Processor>> CreateProcessor(const std::string& type,
                                                     const ComponentConfig& cfg,
                                                     Consumer<B>* next) {
  Registry r;
  RegisterBuiltins(r);
  const Factory* f = r.Find(ComponentKind::kProcessor, type);
  ComponentContext ctx;
  ctx.id = ComponentId{type, ""};
  ctx.kind = ComponentKind::kProcessor;
  Consumers c;
  if constexpr (std::is_same_v<B, pdata::TraceBatch>)
    c.traces = next;
  else if constexpr (std::is_same_v<B, pdata::MetricBatch>)
    c.metrics = next;
  else
    c.logs = next;
  return f->create_processor(ctx, cfg, SignalOf<B>(), c);
}

// Sends `batch` through `p` (which must have been created for B) and waits for nothing: the
// processors under test answer synchronously.
template <class B>
Status Send(Processor& p, B&& batch) {
  Status result = Internal("not answered");
  p.consumers().get<B>()->Consume(std::move(batch),
                                  Completion([&](Status s) { result = std::move(s); }));
  return result;
}

// Parses `yaml` for processor `type`, sends `batch` through it and returns what came out. Test
// failures (config errors, create errors, a missing answer) are reported through gtest.
template <class B>
B RunProcessor(const std::string& type, const std::string& yaml, B batch) {
  auto parsed = ParseProcessorConfig(type, yaml);
  EXPECT_TRUE(parsed.errors.empty()) << parsed.errors[0];
  CaptureConsumer<B> sink;
  auto p = CreateProcessor<B>(type, *parsed.config, &sink);
  EXPECT_TRUE(p.ok()) << p.status().ToString();
  if (!p.ok()) return B();
  EXPECT_TRUE(Send(**p, std::move(batch)).ok());
  EXPECT_EQ(sink.batches.size(), 1u);
  return sink.batches.empty() ? B() : std::move(sink.batches[0]);
}

}  // namespace otter::attraction::testing
