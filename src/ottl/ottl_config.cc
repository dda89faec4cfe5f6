#include "ottl/ottl_config.h"

namespace otter::ottl {

bool ParseErrorModeNode(const config::Node& n, ErrorMode& out, config::Diagnostics& d) {
  if (n.kind == config::Node::Kind::kScalar) {
    if (auto m = ParseErrorMode(n.scalar)) {
      out = *m;
      return true;
    }
  }
  d.Error(n, "error_mode: invalid error_mode \"" + n.scalar +
                 "\"; valid values are ignore, propagate, silent");
  return false;
}

std::vector<const config::Node*> StringEntries(const config::Node& list, const std::string& key,
                                               config::Diagnostics& d) {
  std::vector<const config::Node*> out;
  if (list.IsNull()) return out;
  if (list.kind != config::Node::Kind::kSeq) {
    d.Error(list, key + ": expected a list of OTTL strings");
    return out;
  }
  for (size_t i = 0; i < list.seq.size(); ++i) {
    const config::Node& e = list.seq[i];
    if (e.kind != config::Node::Kind::kScalar) {
      d.Error(e.line ? e : list, key + "[" + std::to_string(i) + "]: expected a string");
      continue;
    }
    out.push_back(&e);
  }
  return out;
}

namespace {
template <class T>
void ParseList(const config::Node& list, const std::string& key, ContextKind context,
               const char* what, std::vector<T>& out, config::Diagnostics& d) {
  size_t i = 0;
  for (const config::Node* e : StringEntries(list, key, d)) {
    while (&list.seq[i] != e) ++i;
    auto parsed = T::Parse(e->scalar, context);
    if (!parsed.ok()) {
      d.Error(e->line ? *e : list, key + "[" + std::to_string(i) + "]: " + what + " \"" +
                                       e->scalar + "\": " + std::string(parsed.status().message()));
      continue;
    }
    out.push_back(std::move(*parsed));
  }
}
}  // namespace

void ParseStatementList(const config::Node& list, const std::string& key, ContextKind context,
                        std::vector<Statement>& out, config::Diagnostics& d) {
  ParseList(list, key, context, "statement", out, d);
}

void ParseConditionList(const config::Node& list, const std::string& key, ContextKind context,
                        std::vector<Condition>& out, config::Diagnostics& d) {
  ParseList(list, key, context, "condition", out, d);
}

}  // namespace otter::ottl
