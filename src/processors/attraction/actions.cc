#include "processors/attraction/actions.h"

#include <algorithm>
#include <cctype>
#include <cstring>

#include "processors/attraction/digest.h"

namespace otter::attraction {
namespace {

using Kind = AttrActions::Kind;

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string Nth(size_t i) { return std::to_string(i) + "-th"; }

Status Err(std::string msg) { return InvalidArgument(std::move(msg)); }

std::unique_ptr<RE2> CompileRegex(const std::string& pattern) {
  RE2::Options opts;
  opts.set_log_errors(false);
  return std::make_unique<RE2>(pattern, opts);
}

// Replaces `v` with the lowercase hex SHA-256 of its bytes as otelcol does: strings their
// UTF-8, bools one byte, ints and doubles 8 little-endian bytes. An empty string and values of
// other types (maps, arrays, bytes, empty) become the empty string.
void HashValue(pdata::AnyValue& v, pdata::ArenaSet& arenas) {
  unsigned char buf[8];
  std::string_view input;
  switch (v.type) {
    case pdata::AnyValue::Type::kString:
      input = v.string_value;
      break;
    case pdata::AnyValue::Type::kBool:
      buf[0] = v.bool_value ? 1 : 0;
      input = std::string_view(reinterpret_cast<const char*>(buf), 1);
      break;
    case pdata::AnyValue::Type::kInt:
    case pdata::AnyValue::Type::kDouble: {
      uint64_t bits = 0;
      if (v.type == pdata::AnyValue::Type::kInt)
        bits = static_cast<uint64_t>(v.int_value);
      else
        std::memcpy(&bits, &v.double_value, sizeof bits);
      for (int i = 0; i < 8; ++i) buf[i] = static_cast<unsigned char>(bits >> (8 * i));
      input = std::string_view(reinterpret_cast<const char*>(buf), 8);
      break;
    }
    default:
      break;
  }
  if (input.empty()) {
    v = pdata::AnyValue::String({});
    return;
  }
  char hex[kMaxHexDigest];
  size_t n = HexDigest(DigestAlgorithm::kSha256, input, hex);
  v = pdata::AnyValue::String(arenas.Copy(std::string_view(hex, n)));
}

// The metadata key `from_context` reads: "metadata.<key>", or a bare key (otelcol's fallback).
// otelcol's "auth.<attribute>" is refused at start-up: otter's receivers do not keep what an
// authenticator learned with the data, so it could only ever do nothing.
StatusOr<std::string> ContextKey(const std::string& from_context, size_t i) {
  constexpr std::string_view kMetadata = "metadata.";
  std::string_view key = from_context;
  if (key.starts_with("auth."))
    return Err("from_context \"" + from_context +
               "\" is not supported by otter (receivers do not keep authentication data with "
               "the data); use \"metadata.<header>\" or \"client.address\" at the " +
               Nth(i) + " action");
  if (key.starts_with(kMetadata)) key.remove_prefix(kMetadata.size());
  if (key.empty())
    return Err("from_context \"" + from_context + "\" names no metadata key at the " + Nth(i) +
               " action");
  return Lower(std::string(key));
}

}  // namespace

const config::Table<ActionConfig>& ActionConfigTable() {
  using C = ActionConfig;
  static const config::Table<C> table =
      config::Table<C>()
          .Field("key", &C::key, "the attribute to act on (delete/hash: this and/or `pattern`)")
          .Custom("value", "any", "", "the value to set (insert/update/upsert); typed from YAML",
                  [](const config::Node& n, C& c, config::Diagnostics& d) {
                    ConfigValue v;
                    if (ParseConfigValue(n, v, d)) c.value = std::move(v);
                  })
          .Field("pattern", &C::pattern,
                 "regex: delete/hash every key it matches; extract: the rule whose named groups "
                 "become attributes")
          .Field("from_attribute", &C::from_attribute,
                 "take the value from this attribute (insert/update/upsert)")
          .Field("from_context", &C::from_context,
                 "take the value from the request (insert/update/upsert): metadata.<header> "
                 "(needs the receiver's include_metadata) or client.address")
          .Field("converted_type", &C::converted_type, "convert: int, double or string")
          .Field("action", &C::action,
                 "insert, update, upsert, delete, hash, extract or convert (any case)");
  return table;
}

void ParseActionList(const config::Node& list, std::vector<ActionConfig>& out,
                     config::Diagnostics& d) {
  if (list.kind != config::Node::Kind::kSeq) {
    d.Error(list, "expected a list of actions");
    return;
  }
  out.clear();
  for (const auto& item : list.seq) {
    ActionConfig a;
    ActionConfigTable().Parse(item, a, d);
    out.push_back(std::move(a));
  }
}

StatusOr<std::unique_ptr<AttrActions>> AttrActions::Compile(
    const std::vector<ActionConfig>& actions, size_t* bad_index) {
  auto out = std::make_unique<AttrActions>();
  for (size_t i = 0; i < actions.size(); ++i) {
    if (bad_index) *bad_index = i;
    const ActionConfig& a = actions[i];
    const std::string name = Lower(a.action);
    Action act;
    if (name == "insert")
      act.kind = Kind::kInsert;
    else if (name == "update")
      act.kind = Kind::kUpdate;
    else if (name == "upsert")
      act.kind = Kind::kUpsert;
    else if (name == "delete")
      act.kind = Kind::kDelete;
    else if (name == "hash")
      act.kind = Kind::kHash;
    else if (name == "extract")
      act.kind = Kind::kExtract;
    else if (name == "convert")
      act.kind = Kind::kConvert;
    else
      return Err("error creating AttrProc due to unsupported action \"" + name + "\" at the " +
                 Nth(i) + " actions");

    if (act.kind == Kind::kDelete || act.kind == Kind::kHash) {
      if (a.key.empty() && a.pattern.empty())
        return Err(
            "error creating AttrProc due to missing required field (at least one of \"key\" and "
            "\"pattern\" have to be used) at the " +
            Nth(i) + " actions");
    } else if (a.key.empty()) {
      return Err("error creating AttrProc due to missing required field \"key\" at the " + Nth(i) +
                 " actions");
    }
    act.key = a.key;
    const int sources =
        int(a.value.has_value()) + int(!a.from_attribute.empty()) + int(!a.from_context.empty());
    const std::string quoted = "\"" + name + "\"";
    auto no_converted_type = [&]() {
      return Err("error creating AttrProc. Action " + quoted +
                 " does not use the \"converted_type\" field. This must not be specified for " +
                 Nth(i) + " action");
    };
    auto bad_pattern = [&](const RE2& re) {
      return Err("error creating AttrProc. Field \"pattern\" has invalid pattern: \"" + a.pattern +
                 "\" to be set at the " + Nth(i) + " actions (" + re.error() + ")");
    };
    switch (act.kind) {
      case Kind::kInsert:
      case Kind::kUpdate:
      case Kind::kUpsert:
        if (sources == 0)
          return Err(
              "error creating AttrProc. Either field \"value\", \"from_attribute\" or "
              "\"from_context\" setting must be specified for " +
              Nth(i) + " action");
        if (sources > 1)
          return Err("error creating AttrProc due to multiple value sources being set at the " +
                     Nth(i) + " actions");
        if (!a.pattern.empty())
          return Err("error creating AttrProc. Action " + quoted +
                     " does not use the \"pattern\" field. This must not be specified for " +
                     Nth(i) + " action");
        if (!a.converted_type.empty()) return no_converted_type();
        if (a.from_context == "client.address") {
          act.client_address = true;
        } else if (!a.from_context.empty()) {
          ASSIGN_OR_RETURN(act.context_key, ContextKey(a.from_context, i));
        }
        if (a.value && a.value->type == pdata::AnyValue::Type::kEmpty)
          return Err(
              "error creating AttrProc. Either field \"value\", \"from_attribute\" or "
              "\"from_context\" setting must be specified for " +
              Nth(i) + " action");
        act.value = a.value;
        act.from_attribute = a.from_attribute;
        break;
      case Kind::kDelete:
      case Kind::kHash:
        if (a.value || !a.from_attribute.empty())
          return Err("error creating AttrProc. Action " + quoted +
                     " does not use \"value\" or \"from_attribute\" field. These must not be "
                     "specified for " +
                     Nth(i) + " action");
        if (!a.pattern.empty()) {
          act.regex = CompileRegex(a.pattern);
          if (!act.regex->ok()) return bad_pattern(*act.regex);
        }
        if (!a.converted_type.empty()) return no_converted_type();
        break;
      case Kind::kExtract: {
        if (sources > 0)
          return Err("error creating AttrProc. Action " + quoted +
                     " does not use a value source field. These must not be specified for " +
                     Nth(i) + " action");
        if (a.pattern.empty())
          return Err(
              "error creating AttrProc due to missing required field \"pattern\" for action " +
              quoted + " at the " + Nth(i) + " action");
        if (!a.converted_type.empty()) return no_converted_type();
        act.regex = CompileRegex(a.pattern);
        if (!act.regex->ok()) return bad_pattern(*act.regex);
        const int groups = act.regex->NumberOfCapturingGroups();
        if (groups < 1)
          return Err(
              "error creating AttrProc. Field \"pattern\" contains no named matcher groups at "
              "the " +
              Nth(i) + " actions");
        const auto& names = act.regex->CapturingGroupNames();
        for (int g = 1; g <= groups; ++g) {
          auto it = names.find(g);
          if (it == names.end() || it->second.empty())
            return Err(
                "error creating AttrProc. Field \"pattern\" contains at least one unnamed "
                "matcher group at the " +
                Nth(i) + " actions");
          act.group_names.push_back(it->second);
        }
        break;
      }
      case Kind::kConvert:
        if (sources > 0 || !a.pattern.empty())
          return Err("error creating AttrProc. Action " + quoted +
                     " does not use value sources or \"pattern\" field. These must not be "
                     "specified for " +
                     Nth(i) + " action");
        if (a.converted_type == "string")
          act.converted_type = ConvertTarget::kString;
        else if (a.converted_type == "int")
          act.converted_type = ConvertTarget::kInt;
        else if (a.converted_type == "double")
          act.converted_type = ConvertTarget::kDouble;
        else if (a.converted_type.empty())
          return Err(
              "error creating AttrProc due to missing required field \"converted_type\" for "
              "action " +
              quoted + " at the " + Nth(i) + " action");
        else
          return Err("error creating AttrProc due to invalid value \"" + a.converted_type +
                     "\" in field \"converted_type\" for action " + quoted + " at the " + Nth(i) +
                     " action");
        break;
    }
    out->actions_.push_back(std::move(act));
  }
  return out;
}

AttrActions::Bound AttrActions::Bind(pdata::ArenaSet& arenas, const pdata::Metadata& metadata,
                                     std::string_view client_ip) const {
  Bound b;
  b.keys.reserve(actions_.size());
  b.values.resize(actions_.size());
  b.group_names.resize(actions_.size());
  for (size_t i = 0; i < actions_.size(); ++i) {
    const Action& a = actions_[i];
    b.keys.push_back(a.key.empty() ? std::string_view() : arenas.Copy(a.key));
    if (a.value) b.values[i] = Materialize(*a.value, arenas);
    if (a.client_address) b.values[i] = pdata::AnyValue::String(arenas.Copy(client_ip));
    if (!a.context_key.empty()) {
      // Views into the batch's arenas already: one value needs no copy, several are joined.
      std::string_view first;
      std::string joined;
      size_t n = 0;
      for (const auto& e : metadata.entries()) {
        if (e.key != a.context_key) continue;
        if (n == 0) {
          first = e.value;
        } else {
          if (n == 1) joined = first;
          joined += ';';
          joined += e.value;
        }
        ++n;
      }
      if (n == 1) b.values[i] = pdata::AnyValue::String(first);
      if (n > 1) b.values[i] = pdata::AnyValue::String(arenas.Copy(joined));
    }
    for (const auto& g : a.group_names) b.group_names[i].push_back(arenas.Copy(g));
  }
  return b;
}

void AttrActions::Apply(pdata::Attributes& attrs, const Bound& bound,
                        pdata::ArenaSet& arenas) const {
  for (size_t i = 0; i < actions_.size(); ++i) {
    const Action& a = actions_[i];
    const std::string_view key = bound.keys[i];
    switch (a.kind) {
      case Kind::kDelete:
        if (!key.empty()) pdata::RemoveAttribute(attrs, key);
        if (a.regex) {
          std::erase_if(attrs, [&](const pdata::KeyValue& kv) {
            return RE2::PartialMatch(kv.key, *a.regex);
          });
        }
        break;
      case Kind::kInsert:
      case Kind::kUpdate:
      case Kind::kUpsert: {
        pdata::AnyValue source;
        if (bound.values[i]) {
          source = *bound.values[i];
        } else if (!a.context_key.empty()) {
          break;  // from_context: not in this batch's metadata
        } else {
          const pdata::AnyValue* from = pdata::FindAttribute(attrs, a.from_attribute);
          if (!from) break;
          source = *from;
        }
        pdata::AnyValue* existing = nullptr;
        for (auto& kv : attrs)
          if (kv.key == key) {
            existing = &kv.value;
            break;
          }
        if (existing) {
          if (a.kind != Kind::kInsert) *existing = std::move(source);
        } else if (a.kind != Kind::kUpdate) {
          attrs.push_back({key, std::move(source)});
        }
        break;
      }
      case Kind::kHash:
        if (!key.empty()) {
          for (auto& kv : attrs)
            if (kv.key == key) {
              HashValue(kv.value, arenas);
              break;
            }
        }
        if (a.regex) {
          for (auto& kv : attrs)
            if (RE2::PartialMatch(kv.key, *a.regex)) HashValue(kv.value, arenas);
        }
        break;
      case Kind::kExtract: {
        const pdata::AnyValue* v = pdata::FindAttribute(attrs, key);
        if (!v || v->type != pdata::AnyValue::Type::kString) break;
        const std::string_view text = v->string_value;
        const size_t n = a.group_names.size();
        re2::StringPiece groups[16];
        std::vector<re2::StringPiece> many;
        re2::StringPiece* g = groups;
        if (n + 1 > 16) {
          many.resize(n + 1);
          g = many.data();
        }
        if (!a.regex->Match(re2::StringPiece(text.data(), text.size()), 0, text.size(),
                            RE2::UNANCHORED, g, static_cast<int>(n + 1)))
          break;
        for (size_t k = 0; k < n; ++k) {
          std::string_view part = g[k + 1].data()
                                      ? std::string_view(g[k + 1].data(), g[k + 1].size())
                                      : std::string_view();
          pdata::UpsertAttribute(attrs, bound.group_names[i][k], pdata::AnyValue::String(part));
        }
        break;
      }
      case Kind::kConvert:
        for (auto& kv : attrs)
          if (kv.key == key) {
            ConvertValue(kv.value, a.converted_type, arenas);
            break;
          }
        break;
    }
  }
}

void CheckActionList(const config::Node& list, const std::vector<ActionConfig>& actions,
                     config::Diagnostics& d) {
  size_t bad = 0;
  auto compiled = AttrActions::Compile(actions, &bad);
  if (compiled.ok()) return;
  const config::Node* at = &list;
  if (list.kind == config::Node::Kind::kSeq && bad < list.seq.size()) at = &list.seq[bad];
  d.Error(*at, std::string(compiled.status().message()));
}

}  // namespace otter::attraction
