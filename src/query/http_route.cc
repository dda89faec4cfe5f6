#include "query/http_route.h"

namespace otter::query {

std::string_view PathVars::Get(std::string_view name) const {
  for (const auto& [n, v] : vars_)
    if (n == name) return v;
  return {};
}

bool MatchPath(std::string_view pattern, std::string_view path, PathVars* vars) {
  vars->Clear();
  while (!pattern.empty() && !path.empty()) {
    if (pattern[0] != '/' || path[0] != '/') return false;
    pattern.remove_prefix(1);
    path.remove_prefix(1);
    std::string_view want = pattern.substr(0, pattern.find('/'));
    std::string_view have = path.substr(0, path.find('/'));
    if (want.size() > 2 && want.front() == '{' && want.back() == '}') {
      if (have.empty()) return false;
      vars->Add(want.substr(1, want.size() - 2), have);
    } else if (want != have) {
      return false;
    }
    pattern.remove_prefix(want.size());
    path.remove_prefix(have.size());
  }
  return pattern.empty() && path.empty();
}

}  // namespace otter::query
