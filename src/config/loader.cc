#include "config/loader.h"

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace otter::config {
namespace {

// Bounds on the tree built from one document. yaml-cpp resolves aliases to shared nodes, so an
// alias inside its own anchor makes a cycle, and nested aliases expand exponentially ("billion
// laughs"); no real config comes near either bound.
constexpr int kMaxDepth = 128;
constexpr size_t kMaxNodes = 1'000'000;

struct TooLarge {
  int line;
  std::string what;
};

Node Convert(const YAML::Node& y, const std::string& source, int line_hint, int depth,
             size_t& nodes) {
  Node n;
  n.file = source;
  n.line = y.Mark().line >= 0 ? y.Mark().line + 1 : line_hint;
  if (depth > kMaxDepth)
    throw TooLarge{n.line, "nested deeper than " + std::to_string(kMaxDepth) +
                               " levels (an alias inside its own anchor?)"};
  if (++nodes > kMaxNodes)
    throw TooLarge{n.line,
                   "more than " + std::to_string(kMaxNodes) + " values once aliases are expanded"};
  switch (y.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      n.kind = Node::Kind::kNull;
      break;
    case YAML::NodeType::Scalar:
      n.kind = Node::Kind::kScalar;
      n.scalar = y.Scalar();
      n.quoted = y.Tag() == "!";  // yaml-cpp tags non-plain scalars "!", plain ones "?"
      break;
    case YAML::NodeType::Sequence:
      n.kind = Node::Kind::kSeq;
      for (const auto& item : y) n.seq.push_back(Convert(item, source, n.line, depth + 1, nodes));
      break;
    case YAML::NodeType::Map:
      n.kind = Node::Kind::kMap;
      for (const auto& kv : y) {
        int key_line = kv.first.Mark().line >= 0 ? kv.first.Mark().line + 1 : n.line;
        Node value = Convert(kv.second, source, key_line, depth + 1, nodes);
        // A component or section is best located by its key's line (a block map's own mark
        // is its first child's line).
        if (value.kind != Node::Kind::kScalar) value.line = key_line;
        n.map.emplace_back(kv.first.Scalar(), std::move(value));
      }
      break;
  }
  return n;
}

Status ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("cannot read config file \"" + path + "\"");
  std::stringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return Status::Ok();
}

// "a::b::c" → ["a","b","c"]
std::vector<std::string> SplitPath(const std::string& path) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t pos = path.find("::", start);
    parts.push_back(path.substr(start, pos - start));
    if (pos == std::string::npos) break;
    start = pos + 2;
  }
  return parts;
}

// Builds {a: {b: value}} for a "a::b" path and a parsed value.
Node Nest(const std::vector<std::string>& path, Node value, const std::string& source) {
  for (auto it = path.rbegin(); it != path.rend(); ++it) {
    Node m;
    m.kind = Node::Kind::kMap;
    m.file = source;
    m.map.emplace_back(*it, std::move(value));
    value = std::move(m);
  }
  return value;
}

StatusOr<std::string> ExpandScalar(const std::string& s, const EnvLookup& env, const Node& at,
                                   std::vector<std::string>* warnings) {
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    if (s[i] != '$') {
      out += s[i++];
      continue;
    }
    if (i + 1 < s.size() && s[i + 1] == '$') {  // $$ → literal $
      out += '$';
      i += 2;
      continue;
    }
    if (i + 1 < s.size() && s[i + 1] == '{') {
      size_t close = s.find('}', i + 2);
      if (close == std::string::npos)
        return InvalidArgument(at.Where() + ": unterminated ${ in \"" + s + "\"");
      std::string ref = s.substr(i + 2, close - i - 2);
      std::string scheme = "env";
      if (auto colon = ref.find(':');
          colon != std::string::npos && ref.compare(colon, 2, ":-") != 0) {
        scheme = ref.substr(0, colon);
        ref = ref.substr(colon + 1);
      }
      if (scheme != "env")
        return InvalidArgument(at.Where() + ": config provider \"" + scheme + "\" in \"${" +
                               s.substr(i + 2, close - i - 2) +
                               "}\" is not supported (supported: env)");
      std::string name = ref, fallback;
      bool has_default = false;
      if (auto dash = ref.find(":-"); dash != std::string::npos) {
        name = ref.substr(0, dash);
        fallback = ref.substr(dash + 2);
        has_default = true;
      }
      std::string value;
      if (!env(name, &value)) {
        value = has_default ? fallback : "";
        // otelcol expands an unset variable to "" but says so: a typo in a variable name
        // otherwise silently becomes an empty endpoint or key.
        if (!has_default && warnings)
          warnings->push_back(at.Where() +
                              ": configuration references unset environment variable " + name +
                              "; it expands to \"\"");
      }
      out += value;
      i = close + 1;
      continue;
    }
    out += s[i++];
  }
  return out;
}

}  // namespace

EnvLookup ProcessEnv() {
  return [](const std::string& name, std::string* value) {
    const char* v = std::getenv(name.c_str());
    if (!v) return false;
    *value = v;
    return true;
  };
}

StatusOr<Node> ParseYaml(const std::string& text, const std::string& source) {
  try {
    YAML::Node y = YAML::Load(text);
    size_t nodes = 0;
    Node n = Convert(y, source, 1, 0, nodes);
    if (n.kind == Node::Kind::kNull) {
      n.kind = Node::Kind::kMap;
      n.line = 1;
    }
    return n;
  } catch (const YAML::Exception& e) {
    return InvalidArgument(source + ":" + std::to_string(e.mark.line + 1) +
                           ": invalid YAML: " + e.msg);
  } catch (const TooLarge& e) {
    return InvalidArgument(source + ":" + std::to_string(e.line) + ": document " + e.what);
  }
}

void Merge(Node& base, const Node& overlay) {
  if (base.IsMap() && overlay.IsMap()) {
    for (const auto& [k, v] : overlay.map) {
      if (Node* existing = base.FindMutable(k))
        Merge(*existing, v);
      else
        base.map.emplace_back(k, v);
    }
    return;
  }
  base = overlay;
}

Status ExpandEnv(Node& node, const EnvLookup& env, std::vector<std::string>* warnings) {
  switch (node.kind) {
    case Node::Kind::kScalar: {
      ASSIGN_OR_RETURN(node.scalar, ExpandScalar(node.scalar, env, node, warnings));
      return Status::Ok();
    }
    case Node::Kind::kMap:
      for (auto& [k, v] : node.map) RETURN_IF_ERROR(ExpandEnv(v, env, warnings));
      return Status::Ok();
    case Node::Kind::kSeq:
      for (auto& v : node.seq) RETURN_IF_ERROR(ExpandEnv(v, env, warnings));
      return Status::Ok();
    case Node::Kind::kNull:
      return Status::Ok();
  }
  return Status::Ok();
}

StatusOr<Node> Load(const LoadOptions& options, std::vector<std::string>* warnings) {
  Node root;
  root.kind = Node::Kind::kMap;
  for (const auto& uri : options.uris) {
    std::string text, source;
    if (uri.rfind("env:", 0) == 0) {
      source = uri;
      if (!options.env(uri.substr(4), &text))
        return InvalidArgument("--config " + uri + ": environment variable is not set");
    } else if (uri.rfind("yaml:", 0) == 0) {
      // yaml:a::b: value  → {a: {b: value}}
      std::string body = uri.substr(5);
      auto colon = body.find(": ");
      if (colon == std::string::npos) colon = body.rfind(':');
      if (colon == std::string::npos)
        return InvalidArgument("--config " + uri + ": expected yaml:key::path: value");
      ASSIGN_OR_RETURN(Node value, ParseYaml(body.substr(colon + 1), uri));
      Merge(root, Nest(SplitPath(body.substr(0, colon)), std::move(value), uri));
      continue;
    } else {
      source = uri.rfind("file:", 0) == 0 ? uri.substr(5) : uri;
      RETURN_IF_ERROR(ReadFile(source, &text));
    }
    ASSIGN_OR_RETURN(Node doc, ParseYaml(text, source));
    if (!doc.IsMap()) return InvalidArgument(source + ":1: the config must be a YAML map");
    Merge(root, doc);
  }
  for (const auto& set : options.sets) {
    auto eq = set.find('=');
    if (eq == std::string::npos || eq == 0)
      return InvalidArgument("--set " + set + ": expected key::path=value");
    ASSIGN_OR_RETURN(Node value, ParseYaml(set.substr(eq + 1), "--set " + set));
    value.file = "--set " + set;
    value.line = 0;
    Merge(root, Nest(SplitPath(set.substr(0, eq)), std::move(value), "--set " + set));
  }
  RETURN_IF_ERROR(ExpandEnv(root, options.env, warnings));
  return root;
}

}  // namespace otter::config
