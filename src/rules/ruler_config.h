// RulerConfig: the store exporter's `rules` settings (docs/rules.md) — rule files, evaluation
// interval, notification targets — and the function that reads the rule files they name. A plain
// struct kept apart from the Ruler so that config code does not include the rule engine.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "config/node.h"
#include "rules/rule_file.h"

namespace otter::rules {

// The store exporter's `rules` settings (docs/rules.md).
struct RulerConfig {
  std::vector<std::string> files;       // Prometheus rule files (globs)
  std::vector<std::string> loki_files;  // Loki ruler rule files, LogQL (globs)
  std::string base_dir;                 // the config file's directory: relative globs start there
  std::chrono::nanoseconds evaluation_interval{std::chrono::minutes(1)};
  std::chrono::nanoseconds resend_delay{std::chrono::minutes(1)};
  std::string external_url;  // generatorURL base; "" = http://<query endpoint>
  std::map<std::string, std::string> external_labels;
  std::vector<std::string> alertmanagers;  // base URLs
  std::vector<std::string> webhooks;       // URLs
  std::chrono::nanoseconds notification_timeout{std::chrono::seconds(10)};
  int64_t notification_queue_capacity = 10000;
  bool enabled() const { return !files.empty() || !loki_files.empty(); }
};

// Loads every group of `config`'s files; errors (file:line) go to `d`.
std::vector<GroupSpec> LoadRuleGroups(const RulerConfig& config, RuleLanguage language,
                                      config::Diagnostics& d);

}  // namespace otter::rules
