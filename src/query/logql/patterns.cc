#include "query/logql/patterns.h"

#include <fmt/format.h>
#include <re2/re2.h>

#include <algorithm>

#include "query/logql/line_parsers.h"

namespace otter::query::logql {

namespace {

// Split points of Loki's punctuation tokenizer (ASCII): the space, '=', and Unicode punctuation
// except the characters that stay inside tokens (_ - . : /). '<', '>', '+', '$', '^', '`', '|'
// and '~' are symbols, not punctuation, so they stay inside tokens too.
bool IsSplit(unsigned char c) {
  switch (c) {
    case ' ':
    case '=':
    case '!':
    case '"':
    case '#':
    case '%':
    case '&':
    case '\'':
    case '(':
    case ')':
    case '*':
    case ',':
    case ';':
    case '?':
    case '@':
    case '[':
    case '\\':
    case ']':
    case '{':
    case '}':
      return true;
    default:
      return false;
  }
}

constexpr size_t kMaxTokens = 127;  // the tokenizer stops splitting here
constexpr size_t kMinTrainTokens = 4;
constexpr size_t kMaxTrainTokens = 80;

bool HasDigit(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Runs of "<_><_>..." become one "<_>".
std::string CollapseWildcards(std::string s) {
  const std::string_view w = Drain::kWildcard;
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    if (s.compare(i, w.size(), w) == 0) {
      out += w;
      while (s.compare(i, w.size(), w) == 0) i += w.size();
      continue;
    }
    out += s[i++];
  }
  return out;
}

}  // namespace

LineTokens TokenizeLine(std::string_view line) {
  LineTokens out;
  size_t start = 0;
  for (size_t i = 0; i < line.size() && out.tokens.size() < kMaxTokens; ++i) {
    const unsigned char c = static_cast<unsigned char>(line[i]);
    if (c >= 0x80 || !IsSplit(c)) continue;  // letters, digits, kept punctuation, non-ASCII
    if (i > start) out.tokens.emplace_back(line.substr(start, i - start));
    if (c == ' ') {
      out.spaces_after.push_back(static_cast<int>(out.tokens.size()) - 1);
    } else {
      out.tokens.emplace_back(1, static_cast<char>(c));
    }
    start = i + 1;
  }
  if (start < line.size()) out.tokens.emplace_back(line.substr(start));
  return out;
}

struct Drain::Node {
  std::vector<std::pair<std::string, std::unique_ptr<Node>>> children;
  std::vector<int> cluster_ids;

  Node* Child(std::string_view key) const {
    for (const auto& [k, n] : children)
      if (k == key) return n.get();
    return nullptr;
  }
  Node* AddChild(std::string_view key) {
    children.emplace_back(std::string(key), std::make_unique<Node>());
    return children.back().second.get();
  }
};

LineFormat DetectLineFormat(std::string_view line) {
  static const RE2 kLogfmt(R"re(^(\w+?=([^"]\S*?|".+?") )*?(\w+?=([^"]\S*?|".+?"))+$)re");
  if (line.size() < 2) return LineFormat::kUnknown;
  if (line.front() == '{' && line.back() == '}') return LineFormat::kJson;
  if (RE2::FullMatch(re2::StringPiece(line.data(), line.size()), kLogfmt))
    return LineFormat::kLogfmt;
  return LineFormat::kUnknown;
}

namespace {

// Loki's logfmt tokenizer replaces these keys' values.
bool IsVariableField(std::string_view key) {
  auto iequals = [&](std::string_view w) {
    return key.size() == w.size() &&
           std::equal(key.begin(), key.end(), w.begin(), [](char a, char b) {
             return std::tolower(static_cast<unsigned char>(a)) == b;
           });
  };
  return iequals("ts") || key == "t" || iequals("traceid") || iequals("time") ||
         iequals("timestamp");
}

// go-logfmt's value encoding: quoted (JSON-style escapes) when it holds a space, a control
// character, '=' or '"'.
std::string LogfmtValue(std::string_view v) {
  bool quote = std::any_of(v.begin(), v.end(), [](char c) {
    return static_cast<unsigned char>(c) <= ' ' || c == '=' || c == '"';
  });
  if (!quote) return std::string(v);
  std::string out = "\"";
  for (unsigned char c : v) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20) {
      out += fmt::format("\\u{:04x}", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

}  // namespace

Drain::Drain(DrainOptions options, LineFormat format)
    : options_(options), format_(format), root_(std::make_unique<Node>()) {
  options_.depth = std::max(options_.depth, 3);
}

Drain::~Drain() = default;

Drain::Cluster* Drain::Get(int id) {
  auto it = clusters_.find(id);
  if (it == clusters_.end()) return nullptr;
  it->second.last_used = ++tick_;
  return &it->second;
}

Drain::Cluster* Drain::Search(const std::vector<std::string>& tokens) {
  const size_t max_depth = static_cast<size_t>(options_.depth - 2);
  Node* node = root_->Child(std::to_string(tokens.size()));
  if (!node) return nullptr;
  size_t depth = 1;
  for (const std::string& token : tokens) {
    if (depth >= max_depth || depth == tokens.size()) break;
    Node* next = node->Child(token);
    if (!next) next = node->Child(kWildcard);
    if (!next) return nullptr;
    node = next;
    ++depth;
  }
  // The most similar cluster (ties: the one with more wildcards), if similar enough.
  Cluster* best = nullptr;
  double best_sim = -1;
  int best_params = -1;
  for (int id : node->cluster_ids) {
    Cluster* c = Get(id);
    if (!c) continue;
    int same = 0, params = 0;
    for (size_t i = 0; i < tokens.size(); ++i) {
      if (c->tokens[i] == kWildcard) {
        ++params;
      } else if (c->tokens[i] == tokens[i]) {
        ++same;
      }
    }
    double sim = static_cast<double>(same) / static_cast<double>(tokens.size());
    if (sim > best_sim || (sim == best_sim && params > best_params)) {
      best_sim = sim;
      best_params = params;
      best = c;
    }
  }
  return best_sim >= options_.similarity ? best : nullptr;
}

void Drain::AddToTree(int id, const Cluster& cluster) {
  const size_t max_depth = static_cast<size_t>(options_.depth - 2);
  const size_t count = cluster.tokens.size();
  const std::string count_key = std::to_string(count);
  Node* node = root_->Child(count_key);
  if (!node) node = root_->AddChild(count_key);
  size_t depth = 1;
  for (const std::string& token : cluster.tokens) {
    if (depth >= max_depth || depth >= count) {
      // The leaf: forget evicted clusters while here.
      std::vector<int> alive;
      for (int c : node->cluster_ids)
        if (Get(c)) alive.push_back(c);
      alive.push_back(id);
      node->cluster_ids = std::move(alive);
      return;
    }
    Node* next = node->Child(token);
    if (!next) {
      Node* wildcard = node->Child(kWildcard);
      const size_t n = node->children.size();
      if (HasDigit(token)) {
        next = wildcard ? wildcard : node->AddChild(kWildcard);
      } else if (wildcard) {
        next = n < options_.max_children ? node->AddChild(token) : wildcard;
      } else if (n + 1 < options_.max_children) {
        next = node->AddChild(token);
      } else if (n + 1 == options_.max_children) {
        next = node->AddChild(kWildcard);
      } else {
        // Unreachable with a consistent tree (a full node has a wildcard child); stay safe.
        next = node->AddChild(kWildcard);
      }
    }
    node = next;
    ++depth;
  }
}

bool Drain::Tokenize(std::string_view line, LineTokens* out) const {
  if (line.size() > options_.max_line_length) return false;
  if (format_ == LineFormat::kLogfmt) {
    Status st = ScanLogfmtRaw(line, [&](std::string_view key, std::string value) {
      out->tokens.emplace_back(key);
      out->tokens.push_back(IsVariableField(key) ? std::string(kWildcard) : std::move(value));
    });
    return st.ok();
  }
  std::string message;
  if (format_ == LineFormat::kJson) {
    static const std::vector<std::string_view> kFields = {"log",  "message", "msg",
                                                          "msg_", "_msg",    "content"};
    auto field = JsonTopLevelStringRaw(line, kFields);
    if (!field || field->size() > options_.max_line_length) return false;
    message = std::move(*field);
    line = message;
  }
  *out = TokenizeLine(line);
  return true;
}

int Drain::Train(std::string_view line) {
  LineTokens t;
  if (!Tokenize(line, &t)) return -1;
  if (t.tokens.size() < kMinTrainTokens || t.tokens.size() > kMaxTrainTokens) return -1;
  if (Cluster* c = Search(t.tokens)) {
    for (size_t i = 0; i < t.tokens.size(); ++i)
      if (c->tokens[i] != t.tokens[i]) c->tokens[i] = std::string(kWildcard);
    return Get(c->id)->id;
  }
  const int id = ++next_id_;
  Cluster& c = clusters_[id];
  c.id = id;
  c.tokens = std::move(t.tokens);
  c.spaces_after = std::move(t.spaces_after);
  c.last_used = ++tick_;
  if (clusters_.size() > options_.max_clusters) {
    auto oldest = clusters_.begin();
    for (auto it = clusters_.begin(); it != clusters_.end(); ++it)
      if (it->second.last_used < oldest->second.last_used) oldest = it;
    clusters_.erase(oldest);
    ++evicted_;
  }
  AddToTree(id, clusters_.at(id));
  return id;
}

std::string Drain::Pattern(int id) const {
  auto it = clusters_.find(id);
  if (it == clusters_.end()) return "";
  const Cluster& c = it->second;
  std::string out;
  if (format_ == LineFormat::kLogfmt) {
    for (size_t i = 0; i < c.tokens.size(); i += 2) {
      if (i) out += ' ';
      out += c.tokens[i] + "=" + LogfmtValue(i + 1 < c.tokens.size() ? c.tokens[i + 1] : "");
    }
    return CollapseWildcards(std::move(out));
  }
  size_t s = 0;
  for (size_t i = 0; i < c.tokens.size(); ++i) {
    out += c.tokens[i];
    while (s < c.spaces_after.size() && c.spaces_after[s] < static_cast<int>(i)) ++s;
    while (s < c.spaces_after.size() && c.spaces_after[s] == static_cast<int>(i)) {
      out += ' ';
      ++s;
    }
  }
  if (format_ == LineFormat::kJson) out = std::string(kWildcard) + out + std::string(kWildcard);
  return CollapseWildcards(std::move(out));
}

std::vector<int> Drain::ClusterIds() const {
  std::vector<int> ids;
  ids.reserve(clusters_.size());
  for (const auto& [id, c] : clusters_) ids.push_back(id);
  return ids;
}

bool PatternCounter::Add(const std::string& group, const std::string& level, int64_t ts_ns,
                         std::string_view line) {
  auto [it, inserted] = groups_.try_emplace(group);
  Group& g = it->second;
  if (inserted) {  // Loki guesses a stream's format from its first line
    g.level = level;
    g.drain = std::make_unique<Drain>(options_, DetectLineFormat(line));
  }
  int id = g.drain->Train(line);
  if (id < 0) return false;
  int64_t step = ts_ns - ts_ns % step_ns_;
  if (ts_ns < 0 && ts_ns % step_ns_ != 0) step -= step_ns_;
  ++g.counts[id][step];
  return true;
}

std::vector<PatternCounter::Series> PatternCounter::Result() const {
  // (pattern, level) → step → count
  std::map<std::pair<std::string, std::string>, std::map<int64_t, int64_t>> merged;
  for (const auto& [key, g] : groups_) {
    for (int id : g.drain->ClusterIds()) {
      auto counts = g.counts.find(id);
      if (counts == g.counts.end()) continue;
      auto& dst = merged[{g.drain->Pattern(id), g.level}];
      for (const auto& [t, n] : counts->second) dst[t] += n;
    }
  }
  std::vector<Series> out;
  std::vector<int64_t> totals;
  for (const auto& [key, steps] : merged) {
    Series s{key.first, key.second, {}};
    int64_t total = 0;
    for (const auto& [t, n] : steps) {
      while (!s.samples.empty() && s.samples.back().first + step_ns_ < t)
        s.samples.emplace_back(s.samples.back().first + step_ns_, 0);
      s.samples.emplace_back(t, n);
      total += n;
    }
    out.push_back(std::move(s));
    totals.push_back(total);
  }
  std::vector<size_t> order(out.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return totals[a] > totals[b]; });
  std::vector<Series> sorted;
  sorted.reserve(out.size());
  for (size_t i : order) sorted.push_back(std::move(out[i]));
  return sorted;
}

}  // namespace otter::query::logql
