// The resourcedetection processor (otelcol's `resourcedetection`): detects resource attributes
// once, at Start (env, system; bounded by `timeout`; a failing detector fails start-up, as in
// otelcol), then merges them into every resource of every batch — replacing attributes the data
// already has when `override` is true, else only adding missing ones.
// Thread-safety: Start runs before any Consume; afterwards the detected set is immutable.
#pragma once

#include <spdlog/logger.h>

#include <memory>

#include "processors/attraction/in_place_processor.h"
#include "processors/resourcedetection/config.h"
#include "processors/resourcedetection/detectors.h"

namespace otter {

template <class B>
class ResourceDetectionProcessor final : public InPlaceProcessor<B> {
 public:
  ResourceDetectionProcessor(const ComponentContext& ctx, ResourceDetectionConfig cfg,
                             resourcedetection::HostEnv env, Consumer<B>* next)
      : InPlaceProcessor<B>(next),
        logger_(ctx.logger),
        cfg_(std::move(cfg)),
        env_(std::move(env)) {}

  Status Start() override {
    auto detected = resourcedetection::DetectWithTimeout(cfg_, env_);
    if (!detected.ok()) return detected.status();
    detected_ = std::move(*detected);
    if (logger_) {
      std::string text;
      for (const auto& [k, v] : detected_) text += (text.empty() ? "" : ", ") + k + "=" + v;
      logger_->info("detected resource information: {}", text.empty() ? "(none)" : text);
    }
    return Status::Ok();
  }

  // MutatesData (asked while the pipeline is built, before Start detects anything) is true.
  void Process(B& batch) const override {
    if (!detected_.empty()) Merge(batch);
  }

  const resourcedetection::Detected& detected() const { return detected_; }

 private:
  void Merge(B& batch) const {
    pdata::ArenaSet& arenas = batch.arenas();
    std::vector<pdata::KeyValue> bound;
    bound.reserve(detected_.size());
    for (const auto& [k, v] : detected_)
      bound.push_back({arenas.Copy(k), pdata::AnyValue::String(arenas.Copy(v))});
    for (auto& r : batch.resources()) {
      auto& attrs = r.resource.attributes;
      for (const auto& kv : bound) {
        if (cfg_.override)
          pdata::UpsertAttribute(attrs, kv.key, kv.value);
        else if (!pdata::FindAttribute(attrs, kv.key))
          attrs.push_back(kv);
      }
    }
  }

  const std::shared_ptr<spdlog::logger> logger_;
  const ResourceDetectionConfig cfg_;
  const resourcedetection::HostEnv env_;
  resourcedetection::Detected detected_;  // written by Start only
};

}  // namespace otter
