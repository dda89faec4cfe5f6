// More of the functions LogQL's line_format / label_format templates offer (Loki's function map
// and the sprig functions it imports): regexReplaceAll, count, url/base64 coding, alignment,
// substr, contains, integer arithmetic, ... Values are strings; booleans render as
// "true"/"false" and integers in decimal, as Go's templates print them. Used by template.cc.
// Plain functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace otter::query::logql {

// True for the functions CallMoreFunc knows.
bool IsMoreFunc(std::string_view name);
// Calls `name` with `args` (a piped value comes last, as in Go templates).
StatusOr<std::string> CallMoreFunc(const std::string& name, const std::vector<std::string>& args);

}  // namespace otter::query::logql
