#include "processors/attributes/config.h"

namespace otter {

Status AttributesConfig::Validate() const {
  if (actions.empty()) return InvalidArgument("actions: missing required field \"actions\"");
  return Status::Ok();
}

const config::Table<AttributesConfig>& AttributesConfigTable() {
  using C = AttributesConfig;
  static const config::Table<C> table =
      config::Table<C>()
          .Custom("actions", "[]action", "[]",
                  "actions run in order on each span's, log record's or data point's attributes: "
                  "{key, action, value | from_attribute, pattern, converted_type}",
                  [](const config::Node& n, C& c, config::Diagnostics& d) {
                    size_t before = d.errors().size();
                    attraction::ParseActionList(n, c.actions, d);
                    if (d.errors().size() == before) attraction::CheckActionList(n, c.actions, d);
                  })
          .Custom("include", "match properties", "unset",
                  "process only items matching these properties (match_type strict|regexp)",
                  [](const config::Node& n, C& c, config::Diagnostics& d) {
                    c.match.include.emplace();
                    attributes::MatchPropertiesTable().Parse(n, *c.match.include, d);
                  })
          .Custom("exclude", "match properties", "unset",
                  "skip items matching these properties (checked after include)",
                  [](const config::Node& n, C& c, config::Diagnostics& d) {
                    c.match.exclude.emplace();
                    attributes::MatchPropertiesTable().Parse(n, *c.match.exclude, d);
                  });
  return table;
}

}  // namespace otter
