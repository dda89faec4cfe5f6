// config::Node: a YAML document as otter sees it — maps, sequences and scalars, each remembering
// the file and line it came from so every error can say where. Built by the loader (loader.h)
// from one or more --config sources and --set overrides; read by component config tables.
// Immutable once loaded; safe to read from any thread.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace otter::config {

struct Node {
  enum class Kind { kNull, kScalar, kMap, kSeq };
  // Declared here, defaulted in node.cc: `map` holds pair<string, Node> while Node is still
  // incomplete, and clang 14 with libstdc++ 12 evaluates pair's conditionally-explicit default
  // constructor eagerly, which asks whether Node is default-constructible, which (for an implicit
  // constructor) needs pair<string, Node> complete: a cycle g++ tolerates and clang rejects. A
  // user-declared constructor answers that question from the declaration alone.
  Node();
  ~Node();
  Node(const Node&);
  Node(Node&&) noexcept;
  Node& operator=(const Node&);
  Node& operator=(Node&&) noexcept;

  Kind kind = Kind::kNull;
  std::string scalar;   // kScalar
  bool quoted = false;  // kScalar written quoted or as a block scalar: a string, never a number
  std::vector<std::pair<std::string, Node>> map;  // kMap, in file order
  std::vector<Node> seq;                          // kSeq
  std::string file;
  int line = 0;  // 1-based; 0 = not from a file (e.g. --set or a default)

  bool IsMap() const { return kind == Kind::kMap; }
  bool IsNull() const { return kind == Kind::kNull; }
  const Node* Find(std::string_view key) const;
  Node* FindMutable(std::string_view key);
  // "file:line" or "<where it came from>".
  std::string Where() const;
};

// True if `a` and `b` hold the same settings: same kinds, scalars and keys (maps compared
// regardless of key order), ignoring where they came from. A reload uses it to keep running
// a component whose config did not change.
bool SameSettings(const Node& a, const Node& b);

// Errors and warnings collected while loading and validating a config; every entry says where.
class Diagnostics {
 public:
  void Error(const Node& at, std::string message);
  void Error(std::string where, std::string message);
  void Warning(const Node& at, std::string message);
  bool ok() const { return errors_.empty(); }
  const std::vector<std::string>& errors() const { return errors_; }
  const std::vector<std::string>& warnings() const { return warnings_; }
  std::string ErrorsText() const;  // one per line

 private:
  std::vector<std::string> errors_;
  std::vector<std::string> warnings_;
};

// The candidate closest to `word` by edit distance, or "" if none is reasonably close.
std::string NearestName(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace otter::config
