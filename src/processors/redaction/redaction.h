// The redaction processor (otelcol-contrib's `redaction`): removes attributes whose keys are not
// allowed, masks (or hashes) blocked values, and records what it did in summary attributes
// (redaction.redacted.keys/count, redaction.masked.keys/count, redaction.allowed.keys/count,
// redaction.ignored.count; redaction.body.* for log bodies). Applies to resource, scope, span,
// span event, log record (and body) and data point attributes.
// Thread-safety: a Redactor is immutable after Create; Process* may run concurrently.
#pragma once

#include <re2/re2.h>

#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "component/component.h"
#include "processors/attraction/digest.h"
#include "processors/attraction/in_place_processor.h"
#include "processors/redaction/config.h"

namespace otter::redaction {

class Redactor {
 public:
  static StatusOr<std::unique_ptr<Redactor>> Create(const RedactionConfig& cfg);

  void Process(pdata::TraceBatch& batch) const;
  void Process(pdata::LogBatch& batch) const;
  void Process(pdata::MetricBatch& batch) const;

 private:
  enum class Summary { kSilent, kInfo, kDebug };
  struct Keys;  // the summary keys, copied into one batch's arena
  struct Found {
    std::vector<std::string_view> redacted, masked, allowed, ignored;
  };

  Keys Bind(pdata::ArenaSet& arenas) const;
  void ProcessAttrs(pdata::Attributes& attrs, const Keys& keys, pdata::ArenaSet& arenas) const;
  void ProcessBody(pdata::LogRecord& log, const Keys& keys, pdata::ArenaSet& arenas) const;
  void BodyValue(std::string_view path, pdata::AnyValue& v, Found& found,
                 pdata::ArenaSet& arenas) const;
  void AddSummary(std::vector<std::string_view>& names, pdata::Attributes& attrs,
                  std::string_view keys_attr, std::string_view count_attr,
                  pdata::ArenaSet& arenas) const;

  bool Ignored(std::string_view key) const;
  bool Redacted(std::string_view key) const;
  bool MaskedKey(std::string_view key) const;
  bool AllowedValue(std::string_view value) const;
  // Replaces every match of `re` in `value` (or the whole value when re is null).
  std::string Mask(std::string_view value, const RE2* re) const;
  // Runs the blocked-value regexes over `value`; returns whether anything was masked.
  bool MaskBlocked(std::string_view value, std::string& out) const;

  bool allow_all_keys_ = false;
  bool redact_all_types_ = false;
  Summary summary_ = Summary::kSilent;
  bool hash_ = false;
  attraction::DigestAlgorithm hash_function_ = attraction::DigestAlgorithm::kMd5;
  std::vector<std::string> owned_;  // backs the views in the sets below
  std::unordered_set<std::string_view> allowed_, ignored_;
  std::vector<std::unique_ptr<RE2>> ignored_patterns_, blocked_keys_, blocked_values_,
      allowed_values_;
  std::unique_ptr<RE2> whole_value_;
};

}  // namespace otter::redaction

namespace otter {

template <class B>
class RedactionProcessor final : public InPlaceProcessor<B> {
 public:
  RedactionProcessor(std::shared_ptr<const redaction::Redactor> redactor, Consumer<B>* next)
      : InPlaceProcessor<B>(next), redactor_(std::move(redactor)) {}

  void Process(B& batch) const override { redactor_->Process(batch); }

 private:
  const std::shared_ptr<const redaction::Redactor> redactor_;
};

}  // namespace otter
