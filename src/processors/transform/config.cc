#include "processors/transform/config.h"

#include <algorithm>

#include "ottl/ottl_config.h"
#include "ottl/runner.h"

namespace otter {
namespace {

using config::Node;

std::string Names(const std::vector<ottl::ContextKind>& kinds) {
  std::string s;
  for (auto k : kinds) s += (s.empty() ? "" : ", ") + std::string(ottl::ContextKindName(k));
  return s;
}

// The context of a group that does not name one: the lowest context its statements and
// conditions name (within a signal, ContextKind order is depth order).
std::optional<ottl::ContextKind> InferGroupContext(const Node& group, const std::string& path,
                                                   const std::vector<ottl::ContextKind>& allowed,
                                                   config::Diagnostics& d) {
  std::optional<ottl::ContextKind> lowest;
  bool ok = true;
  for (const char* key : {"statements", "conditions"}) {
    const Node* list = group.Find(key);
    if (!list) continue;
    const bool is_statement = std::string_view(key) == "statements";
    for (const Node* e : ottl::StringEntries(*list, path + "." + key, d)) {
      auto k = ottl::InferContext(e->scalar, is_statement, allowed);
      if (!k.ok()) {
        d.Error(*e,
                path + "." + key + ": \"" + e->scalar + "\": " + std::string(k.status().message()));
        ok = false;
        continue;
      }
      if (!lowest || *k > *lowest) lowest = *k;
    }
  }
  if (!ok) return std::nullopt;
  if (!lowest) d.Error(group, path + ": no statements to infer a context from");
  return lowest;
}

void ParseGroup(const Node& e, const std::string& path,
                const std::vector<ottl::ContextKind>& allowed, std::vector<TransformGroup>& out,
                config::Diagnostics& d) {
  static const std::vector<std::string> kKeys = {"context", "conditions", "statements",
                                                 "error_mode"};
  for (const auto& [k, v] : e.map) {
    if (std::find(kKeys.begin(), kKeys.end(), k) == kKeys.end()) {
      std::string near = config::NearestName(k, kKeys);
      d.Error(v.line ? v : e, path + ": unknown key \"" + k + "\"" +
                                  (near.empty() ? "" : "; did you mean \"" + near + "\"?") +
                                  " (valid keys: context, conditions, statements, error_mode)");
    }
  }
  TransformGroup g;
  if (const Node* c = e.Find("context")) {
    auto k = ottl::ParseContextKind(c->scalar);
    if (!k || std::find(allowed.begin(), allowed.end(), *k) == allowed.end()) {
      d.Error(*c, path + ".context: unknown context \"" + c->scalar +
                      "\" (valid: " + Names(allowed) + ")");
      return;
    }
    g.context = *k;
  } else {
    auto k = InferGroupContext(e, path, allowed, d);
    if (!k) return;
    g.context = *k;
  }
  if (const Node* m = e.Find("error_mode")) {
    ottl::ErrorMode mode;
    if (ottl::ParseErrorModeNode(*m, mode, d)) g.error_mode = mode;
  }
  if (const Node* c = e.Find("conditions"))
    ottl::ParseConditionList(*c, path + ".conditions", g.context, g.conditions, d);
  if (const Node* s = e.Find("statements"))
    ottl::ParseStatementList(*s, path + ".statements", g.context, g.statements, d);
  out.push_back(std::move(g));
}

void ParseGroups(const Node& n, const std::string& key, std::string_view signal,
                 std::vector<TransformGroup>& out, config::Diagnostics& d) {
  const auto& allowed = ottl::ContextsOf(signal);
  if (n.kind != Node::Kind::kSeq) {
    d.Error(n, key + ": expected a list of statements or of {context, statements} groups");
    return;
  }
  bool last_flat = false;
  for (size_t i = 0; i < n.seq.size(); ++i) {
    const Node& e = n.seq[i];
    const Node& at = e.line ? e : n;
    std::string path = key + "[" + std::to_string(i) + "]";
    if (e.IsMap()) {
      ParseGroup(e, path, allowed, out, d);
      last_flat = false;
      continue;
    }
    if (e.kind != Node::Kind::kScalar) {
      d.Error(at, path + ": expected a statement string or a {context, statements} group");
      continue;
    }
    auto k = ottl::InferContext(e.scalar, true, allowed);
    if (!k.ok()) {
      d.Error(at, path + ": statement \"" + e.scalar + "\": " + std::string(k.status().message()));
      continue;
    }
    auto st = ottl::Statement::Parse(e.scalar, *k);
    if (!st.ok()) {
      d.Error(at, path + ": statement \"" + e.scalar + "\": " + std::string(st.status().message()));
      continue;
    }
    // Consecutive flat statements of one context run as one group: one pass over the items.
    if (!last_flat || out.empty() || out.back().context != *k) {
      out.emplace_back();
      out.back().context = *k;
    }
    out.back().statements.push_back(std::move(*st));
    last_flat = true;
  }
}

}  // namespace

const config::Table<TransformConfig>& TransformConfigTable() {
  using C = TransformConfig;
  static const config::Table<C> table =
      config::Table<C>()
          .Custom("error_mode", "string", "propagate",
                  "what a failing statement does: propagate (the batch is refused), ignore (log "
                  "and go on with the next statement) or silent (go on without logging)",
                  [](const Node& n, C& c, config::Diagnostics& d) {
                    ottl::ParseErrorModeNode(n, c.error_mode, d);
                  })
          .Custom("trace_statements", "list", "[]",
                  "OTTL statements for spans: strings (context inferred from path prefixes such "
                  "as span. or resource.) or {context, conditions, statements, error_mode} "
                  "groups; contexts resource, scope, span, spanevent",
                  [](const Node& n, C& c, config::Diagnostics& d) {
                    ParseGroups(n, "trace_statements", "traces", c.trace_statements, d);
                  })
          .Custom("metric_statements", "list", "[]",
                  "OTTL statements for metrics; contexts resource, scope, metric, datapoint",
                  [](const Node& n, C& c, config::Diagnostics& d) {
                    ParseGroups(n, "metric_statements", "metrics", c.metric_statements, d);
                  })
          .Custom("log_statements", "list", "[]",
                  "OTTL statements for logs; contexts resource, scope, log",
                  [](const Node& n, C& c, config::Diagnostics& d) {
                    ParseGroups(n, "log_statements", "logs", c.log_statements, d);
                  })
          .NotSupportedYet("flatten_data", "give every log record its own resource and scope");
  return table;
}

}  // namespace otter
