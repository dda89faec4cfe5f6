// Typed config of the redaction processor (otelcol-contrib's `redaction`): which attribute keys
// survive, which values are masked (or hashed), and how much the summary attributes tell.
// Parsed once at start-up; read-only afterwards.
#pragma once

#include <string>
#include <vector>

#include "component/registry.h"
#include "config/table.h"

namespace otter {

struct RedactionConfig : ComponentConfig {
  // Keep every key (allowed_keys is then ignored); blocked values are masked regardless.
  bool allow_all_keys = false;
  // Keys kept; all others are removed. Empty (and allow_all_keys false) removes every attribute.
  std::vector<std::string> allowed_keys;
  // Keys passed through untouched (neither removed nor masked).
  std::vector<std::string> ignored_keys;
  std::vector<std::string> ignored_key_patterns;
  // Keys whose whole value is masked.
  std::vector<std::string> blocked_key_patterns;
  // Regexes: the matching parts of values are masked.
  std::vector<std::string> blocked_values;
  // Regexes: values matching one are left as they are even if a blocked value matches.
  std::vector<std::string> allowed_values;
  // Check non-string values too, through their string form.
  bool redact_all_types = false;
  // "" (mask with "****"), md5, sha1, sha3 (SHA3-256): replace each masked part by its hex digest.
  std::string hash_function;
  // debug (keys and counts), info (counts), silent; unset = silent.
  std::string summary;

  Status Validate() const override;
};

const config::Table<RedactionConfig>& RedactionConfigTable();

}  // namespace otter
