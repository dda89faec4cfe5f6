#include "config/node.h"

#include <algorithm>

namespace otter::config {

Node::Node() = default;
Node::~Node() = default;
Node::Node(const Node&) = default;
Node::Node(Node&&) noexcept = default;
Node& Node::operator=(const Node&) = default;
Node& Node::operator=(Node&&) noexcept = default;

const Node* Node::Find(std::string_view key) const {
  for (const auto& [k, v] : map)
    if (k == key) return &v;
  return nullptr;
}

Node* Node::FindMutable(std::string_view key) {
  for (auto& [k, v] : map)
    if (k == key) return &v;
  return nullptr;
}

bool SameSettings(const Node& a, const Node& b) {
  if (a.kind != b.kind) return false;
  switch (a.kind) {
    case Node::Kind::kNull:
      return true;
    case Node::Kind::kScalar:
      return a.scalar == b.scalar && a.quoted == b.quoted;  // "1" and 1 differ in type
    case Node::Kind::kSeq:
      if (a.seq.size() != b.seq.size()) return false;
      for (size_t i = 0; i < a.seq.size(); ++i)
        if (!SameSettings(a.seq[i], b.seq[i])) return false;
      return true;
    case Node::Kind::kMap:
      if (a.map.size() != b.map.size()) return false;
      for (const auto& [k, v] : a.map) {
        const Node* other = b.Find(k);
        if (!other || !SameSettings(v, *other)) return false;
      }
      return true;
  }
  return false;
}

std::string Node::Where() const {
  if (file.empty()) return "<command line>";
  if (line == 0) return file;
  return file + ":" + std::to_string(line);
}

void Diagnostics::Error(const Node& at, std::string message) {
  Error(at.Where(), std::move(message));
}
void Diagnostics::Error(std::string where, std::string message) {
  errors_.push_back(where + ": " + message);
}
void Diagnostics::Warning(const Node& at, std::string message) {
  warnings_.push_back(at.Where() + ": " + message);
}

std::string Diagnostics::ErrorsText() const {
  std::string out;
  for (const auto& e : errors_) out += e + "\n";
  return out;
}

namespace {
size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}
}  // namespace

std::string NearestName(std::string_view word, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_d = std::string::npos;
  for (const auto& c : candidates) {
    size_t d = EditDistance(word, c);
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  size_t limit = std::max<size_t>(2, word.size() / 3);
  return best_d <= limit ? best : "";
}

}  // namespace otter::config
