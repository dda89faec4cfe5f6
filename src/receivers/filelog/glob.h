// Glob matching and file finding with doublestar's syntax (what otelcol's filelog uses): `*`,
// `?`, `[...]` within one path component, `**` as a whole component for zero or more
// directories, `{a,b}` alternatives. Used by the filelog receiver's poller.
// Thread-safety: stateless functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace otter::filelog {

Status ValidateGlob(std::string_view pattern);
// True if `path` matches `pattern` as a whole.
bool GlobMatch(std::string_view pattern, std::string_view path);
// The regular files (or links to them) matching any include and no exclude, sorted, unique.
std::vector<std::string> FindFiles(const std::vector<std::string>& include,
                                   const std::vector<std::string>& exclude);

}  // namespace otter::filelog
