// Transformer operators: move, copy, remove, add, retain, noop (stanza's semantics: a missing
// source field is an error handled per on_error; add's value is copied into every entry).
#include <set>

#include "receivers/filelog/operators.h"

namespace otter::filelog {
namespace {

using pdata::AnyValue;

class MoveOp final : public Operator {
 public:
  MoveOp(Field from, Field to, bool copy)
      : from_(std::move(from)), to_(std::move(to)), copy_(copy) {}
  Status Process(Entry& e, pdata::ArenaSet& arena) override {
    std::optional<AnyValue> v;
    if (copy_) {
      if (const AnyValue* p = from_.Get(e)) v = *p;
    } else {
      v = from_.Delete(e);
    }
    if (!v) return InvalidArgument("field does not exist: " + from_.ToString());
    return to_.Set(e, std::move(*v), arena);
  }

 private:
  Field from_, to_;
  bool copy_;
};

class RemoveOp final : public Operator {
 public:
  explicit RemoveOp(Field f) : field_(std::move(f)) {}
  Status Process(Entry& e, pdata::ArenaSet&) override {
    if (!field_.Delete(e)) return InvalidArgument("field does not exist: " + field_.ToString());
    return Status::Ok();
  }

 private:
  Field field_;
};

class AddOp final : public Operator {
 public:
  AddOp(Field f, const config::Node& value)
      : field_(std::move(f)), node_(value), value_(NodeValue(node_)) {}
  Status Process(Entry& e, pdata::ArenaSet& arena) override {
    // value_'s strings are views into node_ (owned by the operator): copy them into the batch.
    return field_.Set(e, CopyInto(value_, arena), arena);
  }

 private:
  Field field_;
  config::Node node_;
  AnyValue value_;
};

class RetainOp final : public Operator {
 public:
  explicit RetainOp(std::vector<Field> fields) : fields_(std::move(fields)) {}
  Status Process(Entry& e, pdata::ArenaSet& arena) override {
    Entry kept;
    bool roots[3] = {false, false, false};
    for (const Field& f : fields_) {
      roots[static_cast<int>(f.root())] = true;
      if (const AnyValue* v = f.Get(e)) (void)f.Set(kept, *v, arena);
    }
    if (roots[static_cast<int>(Field::Root::kBody)]) e.record.body = std::move(kept.record.body);
    if (roots[static_cast<int>(Field::Root::kAttributes)])
      e.record.attributes = std::move(kept.record.attributes);
    if (roots[static_cast<int>(Field::Root::kResource)]) e.resource = std::move(kept.resource);
    return Status::Ok();
  }

 private:
  std::vector<Field> fields_;
};

class NoopOp final : public Operator {
 public:
  Status Process(Entry&, pdata::ArenaSet&) override { return Status::Ok(); }
};

std::vector<std::string> Keys(std::initializer_list<const char*> extra) {
  std::vector<std::string> k = kCommonKeys;
  k.push_back("if");
  for (const char* e : extra) k.push_back(e);
  return k;
}

std::optional<Field> Required(const OperatorNode& n, const std::string& key, bool* ok) {
  auto f = n.OptionalField(key, ok);
  if (!f && *ok) {
    n.Error(n.node(), "missing required field '" + key + "'");
    *ok = false;
  }
  return f;
}

}  // namespace

std::unique_ptr<Operator> BuildTransformer(const std::string& type, const OperatorNode& n) {
  bool ok = true;
  if (type == "move" || type == "copy") {
    ok = n.CheckKeys(Keys({"from", "to"}));
    auto from = Required(n, "from", &ok);
    auto to = Required(n, "to", &ok);
    if (!ok) return nullptr;
    return std::make_unique<MoveOp>(*from, *to, type == "copy");
  }
  if (type == "remove") {
    ok = n.CheckKeys(Keys({"field"}));
    auto f = Required(n, "field", &ok);
    if (!ok) return nullptr;
    return std::make_unique<RemoveOp>(*f);
  }
  if (type == "add") {
    ok = n.CheckKeys(Keys({"field", "value"}));
    auto f = Required(n, "field", &ok);
    const config::Node* v = n.Find("value");
    if (!v) {
      n.Error(n.node(), "missing required field 'value'");
      return nullptr;
    }
    if (v->kind == config::Node::Kind::kScalar && v->scalar.starts_with("EXPR(")) {
      n.Error("value", "EXPR() values are not supported yet by otter");
      return nullptr;
    }
    if (!ok) return nullptr;
    return std::make_unique<AddOp>(*f, *v);
  }
  if (type == "retain") {
    ok = n.CheckKeys(Keys({"fields"}));
    const config::Node* list = n.Find("fields");
    if (!list || list->kind != config::Node::Kind::kSeq || list->seq.empty()) {
      n.Error(list ? *list : n.node(), "fields: a non-empty list of fields is required");
      return nullptr;
    }
    std::vector<Field> fields;
    for (const auto& item : list->seq) {
      auto f = Field::Parse(item.scalar);
      if (!f.ok()) {
        n.Error(item, "fields: " + std::string(f.status().message()));
        ok = false;
        continue;
      }
      fields.push_back(*f);
    }
    if (!ok) return nullptr;
    return std::make_unique<RetainOp>(std::move(fields));
  }
  if (type == "noop") {
    if (!n.CheckKeys(Keys({}))) return nullptr;
    return std::make_unique<NoopOp>();
  }
  return nullptr;
}

}  // namespace otter::filelog
