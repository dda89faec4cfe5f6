// OTTL in component configs: parsing `error_mode` and lists of statements or conditions from
// config nodes, reporting each bad entry at its own file:line as
//   <key>[i]: statement "sett(name, 1)": column 1: unknown function "sett"; did you mean "set"?
// Used at start-up by the transform and filter processors (and anything else taking OTTL).
#pragma once

#include <string>
#include <vector>

#include "config/node.h"
#include "ottl/ottl.h"

namespace otter::ottl {

bool ParseErrorModeNode(const config::Node& n, ErrorMode& out, config::Diagnostics& d);

// `list` must be a sequence of strings; entries that fail are reported and skipped.
void ParseStatementList(const config::Node& list, const std::string& key, ContextKind context,
                        std::vector<Statement>& out, config::Diagnostics& d);
void ParseConditionList(const config::Node& list, const std::string& key, ContextKind context,
                        std::vector<Condition>& out, config::Diagnostics& d);

// The sequence's strings; a non-sequence or a non-string entry is reported. `key` names it.
std::vector<const config::Node*> StringEntries(const config::Node& list, const std::string& key,
                                               config::Diagnostics& d);

}  // namespace otter::ottl
