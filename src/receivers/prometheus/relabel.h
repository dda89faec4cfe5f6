// Prometheus relabeling (relabel_configs on targets, metric_relabel_configs on samples) with
// Prometheus 2.42's semantics: regexes fully anchored (RE2, as Go's regexp), source values joined
// by the separator, $1 / ${name} templates expanded as Go's regexp.Expand, and the actions
// replace, keep, drop, keepequal, dropequal, hashmod, labelmap, labeldrop, labelkeep, lowercase
// and uppercase. Rules are compiled once at config time; Apply is thread-safe (const).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "config/node.h"

namespace re2 {
class RE2;
}

namespace otter::promscrape {

struct OwnedLabel {
  std::string name, value;
  bool operator==(const OwnedLabel&) const = default;
};

// A label set sorted by name, without empty values (setting "" deletes), as Prometheus keeps them.
class LabelSet {
 public:
  LabelSet() = default;
  LabelSet(std::initializer_list<OwnedLabel> labels);
  std::string_view Get(std::string_view name) const;  // "" when absent
  bool Has(std::string_view name) const;
  void Set(std::string_view name, std::string_view value);
  void Del(std::string_view name);
  const std::vector<OwnedLabel>& labels() const { return labels_; }
  bool empty() const { return labels_.empty(); }
  bool operator==(const LabelSet&) const = default;
  std::string ToString() const;  // {a="1", b="2"}

 private:
  std::vector<OwnedLabel> labels_;
};

enum class RelabelAction : uint8_t {
  kReplace,
  kKeep,
  kDrop,
  kKeepEqual,
  kDropEqual,
  kHashMod,
  kLabelMap,
  kLabelDrop,
  kLabelKeep,
  kLowercase,
  kUppercase
};

struct RelabelRule {
  std::vector<std::string> source_labels;
  std::string separator = ";";
  std::string regex = "(.*)";
  uint64_t modulus = 0;
  std::string target_label;
  std::string replacement = "$1";
  RelabelAction action = RelabelAction::kReplace;
  std::shared_ptr<const re2::RE2> re;  // compiled ^(?:regex)$
};

// Parses a list of relabel configs (Prometheus YAML keys) and validates them as Prometheus does;
// errors go to `d` at the offending node.
std::vector<RelabelRule> ParseRelabelRules(const config::Node& list, config::Diagnostics& d);

// Applies `rules` in order to `labels`. False when a keep/drop rule dropped the set.
bool Relabel(const std::vector<RelabelRule>& rules, LabelSet* labels);

// Prometheus's hashmod: the last 8 bytes of the MD5 of `value`, big-endian, modulo `modulus`.
uint64_t HashMod(std::string_view value, uint64_t modulus);

}  // namespace otter::promscrape
