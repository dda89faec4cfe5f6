#include "connectors/routing/config.h"

#include <cstdio>

#include "ottl/ottl_config.h"

namespace otter {
namespace {

// Compiles a route's condition (or the `where` of its `route()` statement) into r.compiled.
Status Compile(RoutingRoute& r) {
  std::string text = r.condition;
  size_t offset = 0;
  if (!r.statement.empty()) {
    std::string_view s = r.statement;
    size_t b = s.find_first_not_of(" \t");
    if (b == std::string_view::npos || s.substr(b, 7) != "route()")
      return InvalidArgument("statement \"" + r.statement +
                             "\": a routing statement is route() [where <condition>]");
    size_t where = s.find("where", b + 7);
    if (where == std::string_view::npos) {
      if (s.find_first_not_of(" \t", b + 7) != std::string_view::npos)
        return InvalidArgument("statement \"" + r.statement +
                               "\": expected \"where\" after route()");
      return Status::Ok();  // route() alone: always
    }
    offset = where + 5;
    text = r.statement.substr(offset);
  }
  auto c = ottl::Condition::Parse(text, r.context);
  if (!c.ok()) {
    std::string msg(c.status().message());
    int col = 0, used = 0;
    // Columns count from the start of the statement, as the user wrote it.
    if (offset && std::sscanf(msg.c_str(), "column %d:%n", &col, &used) == 1 && used > 0)
      msg = "column " + std::to_string(col + static_cast<int>(offset)) + ":" + msg.substr(used);
    return InvalidArgument(
        (r.statement.empty() ? "condition \"" + r.condition : "statement \"" + r.statement) +
        "\": " + msg);
  }
  r.compiled = std::move(*c);
  return Status::Ok();
}

void ParseTable(const config::Node& n, RoutingConfig& c, config::Diagnostics& d) {
  if (n.kind != config::Node::Kind::kSeq) {
    d.Error(n, "table: expected a list of routes");
    return;
  }
  for (size_t i = 0; i < n.seq.size(); ++i) {
    const config::Node& item = n.seq[i];
    std::string at = "table[" + std::to_string(i) + "]";
    RoutingRoute r;
    if (!item.IsMap()) {
      d.Error(item, at + ": expected a map with context, condition or statement, and pipelines");
      continue;
    }
    std::string context = "resource";
    for (const auto& [k, v] : item.map) {
      if (k == "context")
        config::ParseValue(v, context, d);
      else if (k == "condition")
        config::ParseValue(v, r.condition, d);
      else if (k == "statement")
        config::ParseValue(v, r.statement, d);
      else if (k == "pipelines")
        config::ParseValue(v, r.pipelines, d);
      else
        d.Error(v, at + ": unknown key \"" + k +
                       "\" (valid keys: context, condition, statement, pipelines)");
    }
    auto kind = ottl::ParseContextKind(context);
    if (context == "request" || context == "datapoint") {
      d.Error(item, at + ": context \"" + context + "\" is not supported yet by otter");
      continue;
    }
    if (!kind || *kind == ottl::ContextKind::kScope || *kind == ottl::ContextKind::kSpanEvent) {
      d.Error(item, at + ": invalid context: " + context);
      continue;
    }
    r.context = *kind;
    if (r.condition.empty() && r.statement.empty()) {
      d.Error(item, at + ": invalid route: no condition or statement provided");
      continue;
    }
    if (!r.condition.empty() && !r.statement.empty()) {
      d.Error(item, at + ": invalid route: both condition and statement provided");
      continue;
    }
    if (r.pipelines.empty()) {
      d.Error(item, at + ": invalid route: no pipelines defined");
      continue;
    }
    if (Status s = Compile(r); !s.ok()) {
      d.Error(item, at + ": " + std::string(s.message()));
      continue;
    }
    c.table.push_back(std::move(r));
  }
}

}  // namespace

Status RoutingConfig::Validate() const {
  if (table.empty())
    return InvalidArgument("table: invalid routing table: the routing table is empty");
  return Status::Ok();
}

const config::Table<RoutingConfig>& RoutingConfigTable() {
  using C = RoutingConfig;
  static const auto t =
      config::Table<C>()
          .Custom("table", "[]route", "",
                  "routes in order: {context (resource, span, metric, log), condition or "
                  "statement (route() where ...), pipelines}; the first that matches takes the "
                  "data",
                  ParseTable)
          .Field("default_pipelines", &C::default_pipelines,
                 "pipelines for data no route matches (none: such data is dropped, counted)")
          .Custom("error_mode", "string", "propagate",
                  "a failing condition: propagate (refuse the batch), ignore (log; no match), "
                  "silent",
                  [](const config::Node& n, C& c, config::Diagnostics& d) {
                    ottl::ParseErrorModeNode(n, c.error_mode, d);
                  })
          .Field("match_once", &C::match_once,
                 "deprecated; routes always match once (the first matching route wins)");
  return t;
}

}  // namespace otter
