// Path patterns for the query APIs' route tables (JaegerApi, PrometheusApi): a pattern is
// literal segments and {name} variables, each variable matching one non-empty segment, as
// gorilla/mux, Go's ServeMux and httprouter match the real servers' routes. Pure functions.
#pragma once

#include <cstddef>
#include <string_view>
#include <utility>
#include <vector>

namespace otter::query {

// Variables a matched pattern bound, as raw (still %-escaped) path segments.
class PathVars {
 public:
  // The raw segment bound to {name}; empty if the pattern has no such variable.
  std::string_view Get(std::string_view name) const;
  void Add(std::string_view name, std::string_view value) { vars_.emplace_back(name, value); }
  void Clear() { vars_.clear(); }

 private:
  std::vector<std::pair<std::string_view, std::string_view>> vars_;
};

// True when `path` (no query string) matches `pattern`, e.g. "/api/v3/traces/{trace_id}";
// binds the variables into *vars (views into pattern and path).
bool MatchPath(std::string_view pattern, std::string_view path, PathVars* vars);

// The first route of a table (entries with a `pattern` member) whose pattern matches `path`, or
// nullptr; *vars holds its variables.
template <class Route, size_t N>
const Route* FindRoute(const Route (&routes)[N], std::string_view path, PathVars* vars) {
  for (const Route& route : routes)
    if (MatchPath(route.pattern, path, vars)) return &route;
  return nullptr;
}

}  // namespace otter::query
