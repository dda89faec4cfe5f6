#include "receivers/filelog/operators.h"

#include <map>
#include <set>

#include "receivers/filelog/expr.h"

namespace otter::filelog {

const std::vector<std::string> kCommonKeys = {"id", "type", "output", "on_error"};

Operator::~Operator() = default;
OperatorPipeline::~OperatorPipeline() = default;

// ---- OperatorNode ----------------------------------------------------------------------------

void OperatorNode::Error(const config::Node& at, const std::string& message) const {
  d_.Error(at.line ? at : n_, where_ + ": " + message);
}

void OperatorNode::Error(const std::string& key, const std::string& message) const {
  const config::Node* at = n_.Find(key);
  Error(at ? *at : n_, key + ": " + message);
}

std::string OperatorNode::String(const std::string& key, std::string def) const {
  const config::Node* v = n_.Find(key);
  if (!v || v->IsNull()) return def;
  if (v->kind != config::Node::Kind::kScalar) {
    Error(key, "expected a string");
    return def;
  }
  return v->scalar;
}

bool OperatorNode::Bool(const std::string& key, bool def) const {
  const config::Node* v = n_.Find(key);
  if (!v || v->IsNull()) return def;
  if (v->scalar == "true") return true;
  if (v->scalar == "false") return false;
  Error(key, "expected true or false, got \"" + v->scalar + "\"");
  return def;
}

Field OperatorNode::FieldAt(const std::string& key, const Field& def, bool* ok) const {
  auto f = OptionalField(key, ok);
  return f ? *f : def;
}

std::optional<Field> OperatorNode::OptionalField(const std::string& key, bool* ok) const {
  const config::Node* v = n_.Find(key);
  if (!v || v->IsNull()) return std::nullopt;
  if (v->kind != config::Node::Kind::kScalar) {
    Error(key, "expected a field such as attributes.name");
    *ok = false;
    return std::nullopt;
  }
  auto f = Field::Parse(v->scalar);
  if (!f.ok()) {
    Error(key, std::string(f.status().message()));
    *ok = false;
    return std::nullopt;
  }
  return *f;
}

bool OperatorNode::CheckKeys(const std::vector<std::string>& allowed) const {
  bool ok = true;
  for (const auto& [key, value] : n_.map) {
    bool found = false;
    for (const auto& a : allowed) found = found || a == key;
    if (found) continue;
    std::string near = config::NearestName(key, allowed);
    Error(value,
          "unknown key \"" + key + "\"" + (near.empty() ? "" : "; did you mean \"" + near + "\"?"));
    ok = false;
  }
  return ok;
}

// ---- values ----------------------------------------------------------------------------------

pdata::AnyValue NodeValue(const config::Node& n) {
  pdata::AnyValue v;
  switch (n.kind) {
    case config::Node::Kind::kNull:
      return v;
    case config::Node::Kind::kScalar: {
      const std::string& s = n.scalar;
      if (!n.quoted) {
        if (s == "true" || s == "false") return pdata::AnyValue::Bool(s == "true");
        char* end = nullptr;
        long long i = std::strtoll(s.c_str(), &end, 10);
        if (!s.empty() && end == s.c_str() + s.size()) return pdata::AnyValue::Int(i);
        double d = std::strtod(s.c_str(), &end);
        if (!s.empty() && end == s.c_str() + s.size() &&
            s.find_first_of(".eE") != std::string::npos)
          return pdata::AnyValue::Double(d);
      }
      return pdata::AnyValue::String(s);
    }
    case config::Node::Kind::kMap:
      v.type = pdata::AnyValue::Type::kKvList;
      for (const auto& [k, c] : n.map) v.kvlist_value.push_back({k, NodeValue(c)});
      return v;
    case config::Node::Kind::kSeq:
      v.type = pdata::AnyValue::Type::kArray;
      for (const auto& c : n.seq) v.array_value.push_back(NodeValue(c));
      return v;
  }
  return v;
}

pdata::AnyValue CopyInto(const pdata::AnyValue& v, pdata::ArenaSet& arena) {
  pdata::AnyValue out = v;
  if (v.type == pdata::AnyValue::Type::kString || v.type == pdata::AnyValue::Type::kBytes)
    out.string_value = arena.Copy(v.string_value);
  for (auto& a : out.array_value) a = CopyInto(a, arena);
  for (auto& kv : out.kvlist_value) {
    kv.key = arena.Copy(kv.key);
    kv.value = CopyInto(kv.value, arena);
  }
  return out;
}

// ---- the pipeline ----------------------------------------------------------------------------

std::unique_ptr<OperatorPipeline> OperatorPipeline::Build(const config::Node& list,
                                                          config::Diagnostics& d) {
  auto p = std::unique_ptr<OperatorPipeline>(new OperatorPipeline());
  if (list.IsNull()) return p;
  if (list.kind != config::Node::Kind::kSeq) {
    d.Error(list, "operators: expected a list of operators");
    return nullptr;
  }
  bool ok = true;
  const size_t errors_before = d.errors().size();
  std::map<std::string, size_t> ids;
  for (size_t i = 0; i < list.seq.size(); ++i) {
    const config::Node& n = list.seq[i];
    std::string where = "operators[" + std::to_string(i) + "]";
    if (!n.IsMap()) {
      d.Error(n.line ? n : list, where + ": expected a map with a type");
      ok = false;
      continue;
    }
    OperatorNode on(n, d, where);
    std::string type = on.String("type", "");
    if (type.empty()) {
      on.Error(n, "missing required field \"type\"");
      ok = false;
      continue;
    }
    const size_t before = d.errors().size();
    std::unique_ptr<Operator> op = BuildParser(type, on);
    if (!op && d.errors().size() == before) op = BuildTransformer(type, on);
    if (!op) {
      if (d.errors().size() == before)
        on.Error("type", "unsupported operator type \"" + type +
                             "\" (otter has json_parser, regex_parser, key_value_parser, "
                             "time_parser, severity_parser, trace_parser, move, copy, remove, "
                             "add, retain, noop)");
      ok = false;
      continue;
    }
    op->type = type;
    op->id = on.String("id", type);
    std::string on_error = on.String("on_error", "send");
    if (on_error == "send")
      op->on_error = OnError::kSend;
    else if (on_error == "send_quiet")
      op->on_error = OnError::kSendQuiet;
    else if (on_error == "drop")
      op->on_error = OnError::kDrop;
    else if (on_error == "drop_quiet")
      op->on_error = OnError::kDropQuiet;
    else {
      on.Error("on_error", "must be one of send, send_quiet, drop, drop_quiet");
      ok = false;
    }
    if (const config::Node* out = n.Find("output")) {
      if (out->kind == config::Node::Kind::kScalar) {
        op->outputs.push_back(out->scalar);
      } else if (out->kind == config::Node::Kind::kSeq) {
        for (const auto& o : out->seq) op->outputs.push_back(o.scalar);
      }
      if (op->outputs.size() > 1) {
        on.Error("output", "otter supports one output per operator (use a router upstream)");
        ok = false;
      }
    }
    if (const config::Node* cond = n.Find("if"); cond && !cond->IsNull()) {
      auto c = Condition::Parse(cond->scalar);
      if (!c.ok()) {
        on.Error("if", std::string(c.status().message()));
        ok = false;
      } else {
        op->condition = std::move(*c);
      }
    }
    if (!ids.emplace(op->id, i).second) {
      on.Error("id", "duplicate operator id \"" + op->id +
                         "\" (give operators of the same type distinct ids)");
      ok = false;
    }
    p->ops_.push_back(std::move(op));
  }
  if (!ok || d.errors().size() != errors_before) return nullptr;
  // Resolve outputs; the graph must not loop.
  p->next_.resize(p->ops_.size());
  for (size_t i = 0; i < p->ops_.size(); ++i) {
    if (p->ops_[i]->outputs.empty()) {
      p->next_[i] = i + 1;
      continue;
    }
    auto it = ids.find(p->ops_[i]->outputs[0]);
    if (it == ids.end()) {
      d.Error(list.seq[i], "operators[" + std::to_string(i) + "]: output: no operator with id \"" +
                               p->ops_[i]->outputs[0] + "\"");
      return nullptr;
    }
    p->next_[i] = it->second;
  }
  for (size_t start = 0; start < p->ops_.size(); ++start) {
    std::set<size_t> seen;
    for (size_t i = start; i < p->ops_.size(); i = p->next_[i]) {
      if (!seen.insert(i).second) {
        d.Error(list.seq[start],
                "operators: the outputs form a cycle through \"" + p->ops_[i]->id + "\"");
        return nullptr;
      }
    }
  }
  return p;
}

bool OperatorPipeline::Run(Entry& e, pdata::ArenaSet& arena) {
  for (size_t i = 0; i < ops_.size(); i = next_[i]) {
    Operator& op = *ops_[i];
    if (op.condition && !op.condition->Eval(e)) continue;
    Status s = op.Process(e, arena);
    if (s.ok()) continue;
    bool quiet = op.on_error == OnError::kSendQuiet || op.on_error == OnError::kDropQuiet;
    if (on_error_) on_error_(op, s, quiet);
    if (op.on_error == OnError::kDrop || op.on_error == OnError::kDropQuiet) return false;
  }
  return true;
}

}  // namespace otter::filelog
