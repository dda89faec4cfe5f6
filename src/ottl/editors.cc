// OTTL editors (functions that change the item, lowercase names): set, delete_key,
// delete_matching_keys, keep_keys, keep_matching_keys, replace_pattern, replace_all_patterns,
// replace_match, replace_all_matches, truncate_all, limit, merge_maps.
#include <re2/re2.h>

#include <algorithm>
#include <functional>
#include <map>

#include "config/node.h"
#include "ottl/internal.h"
#include "query/go_regex.h"

namespace otter::ottl::internal {
namespace {

// An editor as a closure over its compiled arguments.
class FnEditor final : public Editor {
 public:
  explicit FnEditor(std::function<Status(Context&)> fn) : fn_(std::move(fn)) {}
  Status Run(Context& ctx) const override { return fn_(ctx); }

 private:
  std::function<Status(Context&)> fn_;
};

EditorPtr Make(std::function<Status(Context&)> fn) {
  return std::make_unique<FnEditor>(std::move(fn));
}

StatusOr<std::shared_ptr<PathExpr>> TargetPath(const Node& call, const Node* arg, Compiler& c) {
  if (arg->kind != Node::Kind::kPath)
    return ErrorAt(arg->column, call.text + ": target must be a path such as attributes[\"k\"]");
  ASSIGN_OR_RETURN(PathPtr p, c.Path(*arg));
  return std::shared_ptr<PathExpr>(std::move(p));
}

// Go's regexp.ReplaceAllString: every non-overlapping match, `$1`/`${name}` expanded; an empty
// match right after the previous match is skipped.
// The result goes to `out` (cleared first), whose capacity callers reuse across items.
bool ReplaceAll(std::string_view in, const RE2& re, std::string_view tmpl, std::string& out) {
  thread_local std::vector<re2::StringPiece> groups;
  groups.assign(re.NumberOfCapturingGroups() + 1, re2::StringPiece());
  out.clear();
  bool changed = false;
  size_t pos = 0;
  size_t last_end = std::string_view::npos;
  while (pos <= in.size()) {
    if (!re.Match(in, pos, in.size(), RE2::UNANCHORED, groups.data(),
                  static_cast<int>(groups.size())))
      break;
    size_t start = groups[0].data() - in.data();
    size_t end = start + groups[0].size();
    out.append(in.substr(pos, start - pos));
    if (groups[0].empty() && start == last_end) {  // abuts the previous match
      if (start < in.size()) out += in[start];
      pos = start + 1;
      continue;
    }
    out += query::ExpandTemplate(tmpl, re, groups);
    changed = true;
    last_end = end;
    if (groups[0].empty()) {
      if (start < in.size()) out += in[start];
      pos = start + 1;
    } else {
      pos = end;
    }
  }
  if (pos < in.size()) out.append(in.substr(pos));
  return changed;
}

StatusOr<EditorPtr> Set(const Node& call, Compiler& c) {
  ASSIGN_OR_RETURN(auto args, BindArgs(call, {{"target"}, {"value"}}));
  ASSIGN_OR_RETURN(auto target, TargetPath(call, args[0], c));
  ASSIGN_OR_RETURN(std::shared_ptr<Expr> value, c.Value(*args[1]));
  return Make([target, value](Context& ctx) {
    Value v;
    RETURN_IF_ERROR(value->Eval(ctx, v));
    return target->Set(ctx, std::move(v));
  });
}

// An editor that removes keys of a map for which `drop(key)` is true.
StatusOr<EditorPtr> RemoveIf(const Node& call, Compiler& c, const Node* target_arg,
                             std::function<bool(std::string_view)> drop) {
  ASSIGN_OR_RETURN(auto target, TargetPath(call, target_arg, c));
  return Make([target, drop](Context& ctx) {
    pdata::Attributes* m = nullptr;
    RETURN_IF_ERROR(target->Map(ctx, &m));
    m->erase(std::remove_if(m->begin(), m->end(), [&](const auto& kv) { return drop(kv.key); }),
             m->end());
    return Status::Ok();
  });
}

StatusOr<EditorPtr> DeleteKey(const Node& call, Compiler& c) {
  ASSIGN_OR_RETURN(auto args, BindArgs(call, {{"target"}, {"key"}}));
  ASSIGN_OR_RETURN(std::string key, LiteralString(call, args[1], "key"));
  return RemoveIf(call, c, args[0], [key](std::string_view k) { return k == key; });
}

StatusOr<EditorPtr> MatchingKeys(const Node& call, Compiler& c, bool keep) {
  ASSIGN_OR_RETURN(auto args, BindArgs(call, {{"target"}, {"pattern"}}));
  ASSIGN_OR_RETURN(std::shared_ptr<RE2> re, CompileRegex(call, args[1]));
  return RemoveIf(call, c, args[0],
                  [re, keep](std::string_view k) { return RE2::PartialMatch(k, *re) != keep; });
}

StatusOr<EditorPtr> KeepKeys(const Node& call, Compiler& c) {
  ASSIGN_OR_RETURN(auto args, BindArgs(call, {{"target"}, {"keys"}}));
  ASSIGN_OR_RETURN(std::vector<std::string> keys, LiteralStringList(call, args[1], "keys"));
  return RemoveIf(call, c, args[0], [keys](std::string_view k) {
    return std::find(keys.begin(), keys.end(), k) == keys.end();
  });
}

// Rewrites string values: the path's own value, or every value of a map.
StatusOr<EditorPtr> RewriteValue(const Node& call, Compiler& c, const Node* target_arg,
                                 std::function<bool(std::string_view, std::string*)> rewrite) {
  ASSIGN_OR_RETURN(auto target, TargetPath(call, target_arg, c));
  return Make([target, rewrite](Context& ctx) {
    Value v;
    RETURN_IF_ERROR(target->Eval(ctx, v));
    thread_local std::string out;  // reused: no allocation per item once warm
    if (v.type != Type::kString || !rewrite(v.string_value, &out)) return Status::Ok();
    return target->Set(ctx, Value::String(out));  // Set copies into the arenas
  });
}

StatusOr<EditorPtr> RewriteMap(const Node& call, Compiler& c, const Node* target_arg, bool keys,
                               std::function<bool(std::string_view, std::string*)> rewrite) {
  ASSIGN_OR_RETURN(auto target, TargetPath(call, target_arg, c));
  return Make([target, rewrite, keys](Context& ctx) {
    pdata::Attributes* m = nullptr;
    RETURN_IF_ERROR(target->Map(ctx, &m));
    thread_local std::string out;  // reused: no allocation per item once warm
    for (auto& kv : *m) {
      if (keys) {
        if (rewrite(kv.key, &out)) kv.key = ctx.arenas->Copy(out);
      } else if (kv.value.type == Type::kString && rewrite(kv.value.string_value, &out)) {
        kv.value.string_value = ctx.arenas->Copy(out);
      }
    }
    if (keys) {  // a rename onto an existing key keeps the later entry, as a map would
      for (size_t i = m->size(); i-- > 0;) {
        for (size_t j = 0; j < i; ++j) {
          if ((*m)[j].key == (*m)[i].key) {
            m->erase(m->begin() + j);
            --i;
            break;
          }
        }
      }
    }
    return Status::Ok();
  });
}

std::function<bool(std::string_view, std::string*)> RegexRewrite(std::shared_ptr<RE2> re,
                                                                 std::string tmpl) {
  return
      [re, tmpl](std::string_view in, std::string* out) { return ReplaceAll(in, *re, tmpl, *out); };
}

std::function<bool(std::string_view, std::string*)> GlobRewrite(std::string pattern,
                                                                std::string replacement) {
  return [pattern, replacement](std::string_view in, std::string* out) {
    if (!GlobMatch(pattern, in)) return false;
    *out = replacement;
    return true;
  };
}

Status NoFunctionArg(const Node& call, const Node* arg) {
  if (!arg) return Status::Ok();
  return ErrorAt(arg->column, call.text + ": the function argument is not supported by otter yet");
}

// replace_pattern / replace_all_patterns (regex) and replace_match / replace_all_matches (glob):
// `all` rewrites every value (or key) of a map instead of one value.
StatusOr<EditorPtr> Replace(const Node& call, Compiler& c, bool regex, bool all) {
  const bool has_mode = regex && all;
  const char* pattern_param = regex ? "regex" : "pattern";
  auto bound = has_mode ? BindArgs(call, {{"target"},
                                          {"mode"},
                                          {"regex"},
                                          {"replacement"},
                                          {"function", true},
                                          {"replacementFormat", true}})
                        : BindArgs(call, {{"target"},
                                          {pattern_param},
                                          {"replacement"},
                                          {"function", true},
                                          {"replacementFormat", true}});
  ASSIGN_OR_RETURN(std::vector<const Node*> args, std::move(bound));
  if (!has_mode)
    args.insert(args.begin() + 1, nullptr);  // [target, mode, pattern, replacement, ...]
  RETURN_IF_ERROR(NoFunctionArg(call, args[4]));
  bool keys = false;
  if (has_mode) {
    ASSIGN_OR_RETURN(std::string mode, LiteralString(call, args[1], "mode"));
    if (mode != "key" && mode != "value")
      return ErrorAt(args[1]->column,
                     call.text + ": invalid mode \"" + mode + "\", must be \"key\" or \"value\"");
    keys = mode == "key";
  }
  ASSIGN_OR_RETURN(std::string repl, LiteralString(call, args[3], "replacement"));
  std::function<bool(std::string_view, std::string*)> rewrite;
  if (regex) {
    ASSIGN_OR_RETURN(std::shared_ptr<RE2> re, CompileRegex(call, args[2]));
    rewrite = RegexRewrite(re, repl);
  } else {
    ASSIGN_OR_RETURN(std::string pattern, LiteralString(call, args[2], "pattern"));
    rewrite = GlobRewrite(pattern, repl);
  }
  return all ? RewriteMap(call, c, args[0], keys, rewrite)
             : RewriteValue(call, c, args[0], rewrite);
}

StatusOr<EditorPtr> TruncateAll(const Node& call, Compiler& c) {
  ASSIGN_OR_RETURN(auto args, BindArgs(call, {{"target"}, {"limit"}}));
  ASSIGN_OR_RETURN(int64_t limit, LiteralInt(call, args[1], "limit"));
  if (limit < 0) {
    return ErrorAt(args[1]->column, "invalid limit for truncate_all function, " +
                                        std::to_string(limit) + " cannot be negative");
  }
  ASSIGN_OR_RETURN(auto target, TargetPath(call, args[0], c));
  return Make([target, limit](Context& ctx) {
    pdata::Attributes* m = nullptr;
    RETURN_IF_ERROR(target->Map(ctx, &m));
    for (auto& kv : *m) {
      if (kv.value.type == Type::kString && kv.value.string_value.size() > size_t(limit))
        kv.value.string_value = kv.value.string_value.substr(0, limit);
    }
    return Status::Ok();
  });
}

StatusOr<EditorPtr> Limit(const Node& call, Compiler& c) {
  ASSIGN_OR_RETURN(auto args, BindArgs(call, {{"target"}, {"limit"}, {"priority_keys", true}}));
  ASSIGN_OR_RETURN(int64_t limit, LiteralInt(call, args[1], "limit"));
  std::vector<std::string> priority;
  if (args[2]) {
    ASSIGN_OR_RETURN(priority, LiteralStringList(call, args[2], "priority_keys"));
  }
  if (limit < 1) {
    return ErrorAt(args[1]->column, "invalid limit for limit function, " + std::to_string(limit) +
                                        " cannot be less than 1");
  }
  if (int64_t(priority.size()) > limit) {
    return ErrorAt(args[2]->column, "invalid limit for limit function, number of priority keys (" +
                                        std::to_string(priority.size()) +
                                        ") cannot be greater than the limit (" +
                                        std::to_string(limit) + ")");
  }
  ASSIGN_OR_RETURN(auto target, TargetPath(call, args[0], c));
  return Make([target, limit, priority](Context& ctx) {
    pdata::Attributes* m = nullptr;
    RETURN_IF_ERROR(target->Map(ctx, &m));
    if (int64_t(m->size()) <= limit) return Status::Ok();
    auto is_priority = [&](std::string_view k) {
      return std::find(priority.begin(), priority.end(), k) != priority.end();
    };
    int64_t kept = 0;
    for (const auto& kv : *m) kept += is_priority(kv.key);
    m->erase(std::remove_if(m->begin(), m->end(),
                            [&](const auto& kv) {
                              if (is_priority(kv.key)) return false;
                              if (kept < limit) {
                                ++kept;
                                return false;
                              }
                              return true;
                            }),
             m->end());
    return Status::Ok();
  });
}

StatusOr<EditorPtr> MergeMaps(const Node& call, Compiler& c) {
  ASSIGN_OR_RETURN(auto args, BindArgs(call, {{"target"}, {"source"}, {"strategy"}}));
  ASSIGN_OR_RETURN(std::string strategy, LiteralString(call, args[2], "strategy"));
  if (strategy != "insert" && strategy != "update" && strategy != "upsert")
    return ErrorAt(args[2]->column, "merge_maps: invalid strategy \"" + strategy +
                                        "\", must be insert, update or upsert");
  ASSIGN_OR_RETURN(auto target, TargetPath(call, args[0], c));
  ASSIGN_OR_RETURN(std::shared_ptr<Expr> source, c.Value(*args[1]));
  return Make([target, source, strategy](Context& ctx) {
    Value src;
    RETURN_IF_ERROR(source->Eval(ctx, src));
    if (src.type != Type::kKvList)
      return InvalidArgument("merge_maps: source is a " + std::string(TypeName(src)) +
                             ", not a map");
    pdata::Attributes* m = nullptr;
    RETURN_IF_ERROR(target->Map(ctx, &m));
    for (const auto& kv : src.kvlist_value) {
      const bool exists = pdata::FindAttribute(*m, kv.key) != nullptr;
      if ((strategy == "insert" && exists) || (strategy == "update" && !exists)) continue;
      std::string_view key = ctx.arenas->Copy(kv.key);
      Value v = OwnValue(ctx, kv.value);
      pdata::UpsertAttribute(*m, key, std::move(v));
    }
    return Status::Ok();
  });
}

using EditorFactory = StatusOr<EditorPtr> (*)(const Node&, Compiler&);

const std::map<std::string, EditorFactory, std::less<>>& Editors() {
  static const auto* kEditors = new std::map<std::string, EditorFactory, std::less<>>{
      {"set", Set},
      {"delete_key", DeleteKey},
      {"delete_matching_keys",
       [](const Node& call, Compiler& c) { return MatchingKeys(call, c, false); }},
      {"keep_keys", KeepKeys},
      {"keep_matching_keys",
       [](const Node& call, Compiler& c) { return MatchingKeys(call, c, true); }},
      {"replace_pattern",
       [](const Node& call, Compiler& c) { return Replace(call, c, true, false); }},
      {"replace_all_patterns",
       [](const Node& call, Compiler& c) { return Replace(call, c, true, true); }},
      {"replace_match",
       [](const Node& call, Compiler& c) { return Replace(call, c, false, false); }},
      {"replace_all_matches",
       [](const Node& call, Compiler& c) { return Replace(call, c, false, true); }},
      {"truncate_all", TruncateAll},
      {"limit", Limit},
      {"merge_maps", MergeMaps},
  };
  return *kEditors;
}

}  // namespace

StatusOr<EditorPtr> CompileEditor(const Node& call, Compiler& c) {
  bool found = false;
  ASSIGN_OR_RETURN(EditorPtr extra, CompileMoreEditors(call, c, &found));
  if (found) return extra;
  auto it = Editors().find(call.text);
  if (it == Editors().end()) {
    std::vector<std::string> names = MoreEditorNames();
    for (const auto& [n, _] : Editors()) names.push_back(n);
    std::string near = config::NearestName(call.text, names);
    return ErrorAt(call.column, "unknown function \"" + call.text + "\"" +
                                    (near.empty() ? "" : "; did you mean \"" + near + "\"?"));
  }
  return it->second(call, c);
}

}  // namespace otter::ottl::internal
