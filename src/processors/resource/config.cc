#include "processors/resource/config.h"

namespace otter {

Status ResourceConfig::Validate() const {
  if (attributes.empty())
    return InvalidArgument("attributes: missing required field \"attributes\"");
  return Status::Ok();
}

const config::Table<ResourceConfig>& ResourceConfigTable() {
  using C = ResourceConfig;
  static const config::Table<C> table = config::Table<C>().Custom(
      "attributes", "[]action", "[]",
      "actions run in order on each resource's attributes: {key, action, value | "
      "from_attribute, pattern, converted_type}",
      [](const config::Node& n, C& c, config::Diagnostics& d) {
        size_t before = d.errors().size();
        attraction::ParseActionList(n, c.attributes, d);
        if (d.errors().size() == before) attraction::CheckActionList(n, c.attributes, d);
      });
  return table;
}

}  // namespace otter
