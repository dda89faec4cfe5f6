// LokiMapping: how OTLP log records become Loki streams and entries, as Loki 3's OTLP endpoint
// maps them under limits_config.otlp_config: which resource attributes are index (stream)
// labels, which attributes are structured metadata or dropped, the record fields kept as
// structured metadata (severity, flags, trace and span ids, scope name and version), service
// name discovery, and the detected_level Loki's distributor adds. LogTable calls it on write
// (stream labels) and on read (entries). Immutable after construction; any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "pdata/batch.h"
#include "store/labels.h"
#include "store/matcher.h"
#include "store/querier.h"

namespace otter::store {

enum class AttributeAction { kIndexLabel, kStructuredMetadata, kDrop };

// One entry of Loki's attributes_config: the action for the attributes named in `attributes`
// or matching `regex` (fully anchored, RE2), exactly one of the two.
struct AttributeRule {
  AttributeAction action = AttributeAction::kStructuredMetadata;
  std::vector<std::string> attributes;
  std::string regex;
};

// Loki's otlp_config. Rules are tried in order; the first that names an attribute decides, and
// an attribute no rule names is structured metadata. Unless ignore_defaults is set, Loki's
// default rule (its list of resource attributes → index_label) goes first.
struct LokiResourceAttributes {
  bool ignore_defaults = false;
  std::vector<AttributeRule> attributes_config;
};
struct LokiOtlpConfig {
  LokiResourceAttributes resource_attributes;
  std::vector<AttributeRule> scope_attributes;  // structured_metadata or drop only
  std::vector<AttributeRule> log_attributes;    // structured_metadata or drop only
};

// A resource attribute listing (comma-separated) more of the resource's attributes to keep as
// index labels, as the loki exporter's hint of the same name does; the loki receiver sets it to
// the labels of each pushed stream. The hint itself is not stored.
inline constexpr std::string_view kLokiResourceLabelsHint = "loki.resource.labels";

// Loki 3's default resource attributes stored as index labels.
const std::vector<std::string>& LokiDefaultIndexAttributes();

class LokiMapping {
 public:
  LokiMapping();  // Loki's defaults
  // Fails with InvalidArgument naming the bad rule (an index_label action for scope or log
  // attributes, neither or both of attributes and regex, a bad regex).
  static StatusOr<LokiMapping> Make(const LokiOtlpConfig& config);

  // The stream labels of a resource's records (names sanitised: service.name → service_name);
  // service_name is discovered from other index labels or set to "unknown_service" when the
  // resource has no service.name.
  Labels StreamLabels(const pdata::Resource& resource) const;
  // One record as a Loki entry: line = body as text; metadata = structured metadata (sorted),
  // including detected_level derived from `stream` (the record's stream labels), the metadata
  // and the line as Loki's distributor derives it.
  LogEntry Entry(const Labels& stream, const pdata::Resource& resource,
                 const pdata::InstrumentationScope& scope, const pdata::LogRecord& record) const;

 private:
  struct Rule {
    AttributeAction action;
    std::vector<std::string> attributes;
    std::vector<LabelMatcher> regex;  // zero or one
  };
  static AttributeAction ActionFor(const std::vector<Rule>& rules, std::string_view key);
  // ActionFor the resource rules, after the resource's own kLokiResourceLabelsHint.
  AttributeAction ResourceAction(const pdata::Resource& resource, std::string_view key) const;

  std::vector<Rule> resource_;
  std::vector<Rule> scope_;
  std::vector<Rule> log_;
};

// The detected_level Loki derives for an entry without one: a level field among the stream
// labels, then the structured metadata, then the OTLP severity_number, then the line (JSON,
// logfmt or free text); "unknown" when nothing tells.
std::string LokiDetectedLevel(const Labels& stream, const Labels& metadata, std::string_view line);

}  // namespace otter::store
