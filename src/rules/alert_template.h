// Alert templates: the Go text/template dialect Prometheus expands in alerting rules' labels and
// annotations — `{{ $labels.job }}`, `{{ $value }}`, `{{ $externalLabels.x }}`,
// `{{ $externalURL }}`, `.Labels.x` / `.Value`, and the functions humanize, humanize1024,
// humanizePercentage, humanizeDuration, humanizeTimestamp, toUpper, toLower, title, match,
// reReplaceAll, stripPort, stripDomain, safeHtml, parseDuration — on top of the template engine
// LogQL uses (query/logql/template.h: pipelines, if/else, printf, comparisons). docs/rules.md lists
// the subset. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "query/logql/template.h"
#include "store/labels.h"

namespace otter::rules {

// What a template sees when one alert is expanded.
struct AlertTemplateData {
  const store::Labels* labels = nullptr;  // the alert's series labels (without rule labels)
  const store::Labels* external_labels = nullptr;
  double value = 0;
  std::string_view external_url;
};

// Parses `text` (for validation and to expand it repeatedly). `name` appears in errors as Go
// names templates: "template: __alert_HighLatency:1: function \"foo\" not defined".
StatusOr<query::logql::LineTemplate> ParseAlertTemplate(std::string_view text,
                                                        std::string_view name);
StatusOr<std::string> ExpandAlertTemplate(const query::logql::LineTemplate& tmpl,
                                          const AlertTemplateData& data);

// Prometheus's formatting functions, exposed for tests.
std::string Humanize(double v);
std::string Humanize1024(double v);
std::string HumanizeDuration(double seconds);
std::string HumanizePercentage(double ratio);

}  // namespace otter::rules
