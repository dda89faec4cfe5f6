#include "query/logql/line_pattern.h"

#include <fmt/format.h>

#include <set>

namespace otter::query::logql {

namespace {

bool IsNameStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsNameChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

}  // namespace

StatusOr<std::vector<LinePattern::Node>> LinePattern::Lex(std::string_view text) {
  std::vector<Node> nodes;
  size_t i = 0;
  while (i < text.size()) {
    // A capture is `<` identifier `>`; anything else is literal text.
    if (text[i] == '<' && i + 1 < text.size() && IsNameStart(text[i + 1])) {
      size_t j = i + 2;
      while (j < text.size() && IsNameChar(text[j])) ++j;
      if (j < text.size() && text[j] == '>') {
        nodes.push_back({true, std::string(text.substr(i + 1, j - i - 1))});
        i = j + 1;
        continue;
      }
    }
    if (nodes.empty() || nodes.back().capture) nodes.push_back({false, ""});
    nodes.back().text += text[i++];
  }
  for (size_t k = 0; k + 1 < nodes.size(); ++k) {
    if (nodes[k].capture && nodes[k + 1].capture)
      return InvalidArgument(fmt::format("found consecutive capture '<{}><{}>': invalid expression",
                                         nodes[k].text, nodes[k + 1].text));
  }
  return nodes;
}

StatusOr<LinePattern> LinePattern::ParseExtractor(std::string_view text) {
  LinePattern p;
  ASSIGN_OR_RETURN(p.nodes_, Lex(text));
  std::set<std::string> seen;
  for (const Node& n : p.nodes_) {
    if (!n.capture || n.text == "_") continue;
    if (!seen.insert(n.text).second)
      return InvalidArgument(
          fmt::format("duplicate capture name ({}): invalid expression", n.text));
    p.names_.push_back(n.text);
  }
  if (p.names_.empty()) return InvalidArgument("at least one capture is required");
  return p;
}

StatusOr<LinePattern> LinePattern::ParseFilter(std::string_view text) {
  LinePattern p;
  ASSIGN_OR_RETURN(p.nodes_, Lex(text));
  for (const Node& n : p.nodes_) {
    if (n.capture && n.text != "_")
      return InvalidArgument(fmt::format("named captures are not allowed: found '<{}>'", n.text));
  }
  return p;
}

std::vector<std::string_view> LinePattern::Extract(std::string_view in) const {
  std::vector<std::string_view> out;
  if (in.empty() || nodes_.empty()) return out;
  size_t k = 0;
  if (!nodes_[0].capture) {
    if (in.substr(0, nodes_[0].text.size()) != nodes_[0].text) return out;
    in.remove_prefix(nodes_[0].text.size());
    k = 1;
  }
  // From here: capture, literal, capture, ... (literal)?
  while (k < nodes_.size()) {
    const Node& cap = nodes_[k];
    const bool named = cap.text != "_";
    if (k + 1 == nodes_.size()) {  // ends on a capture: it takes the rest
      if (named) out.push_back(in);
      return out;
    }
    const std::string& lit = nodes_[k + 1].text;
    k += 2;
    size_t at = in.find(lit);
    if (at == std::string_view::npos) {
      if (named) out.push_back(in);
      return out;
    }
    if (named) out.push_back(in.substr(0, at));
    in.remove_prefix(at + lit.size());
  }
  return out;
}

bool LinePattern::Test(std::string_view in) const {
  if (in.empty() || nodes_.empty()) return in.empty() && nodes_.empty();
  size_t off = 0;
  for (size_t k = 0; k < nodes_.size(); ++k) {
    if (nodes_[k].capture) continue;
    size_t at = in.find(nodes_[k].text, off);
    if (at == std::string_view::npos) return false;
    // A literal right after the previous one (an empty capture, or a repeated literal) fails.
    if (k != 0 && at == off) return false;
    off = at + nodes_[k].text.size();
  }
  const bool ends_on_capture = nodes_.back().capture;
  return ends_on_capture == (off != in.size());
}

}  // namespace otter::query::logql
