// Go's fmt.Sprint / fmt.Sprintf for the values LogQL templates handle (strings, numbers,
// booleans), behind the print and printf template builtins: the verbs %s %v %q %d %f %g %e %x
// %X %t %%, flags - + 0 space, width and precision, and Go's %!verb(type=value), %!v(MISSING)
// and %!(EXTRA ...) notes. Plain functions; thread-safe.
#pragma once

#include <string>
#include <vector>

namespace otter::query::logql {

struct GoArg {
  enum Kind { kString, kNumber, kBool } kind = kString;
  std::string text;  // the value as Go would print it with %v
};

std::string GoSprint(const std::vector<GoArg>& args);
std::string GoSprintf(const std::string& format, const std::vector<GoArg>& args);

}  // namespace otter::query::logql
