// Log pattern detection for Loki's /loki/api/v1/patterns: a Drain clusterer (He et al., "Drain:
// An Online Log Parsing Approach with Fixed Depth Tree") as Loki's pattern ingester runs it, but
// over the selected lines at query time. Lines are split into tokens at spaces and punctuation,
// routed through a fixed-depth prefix tree (token count, then leading tokens; tokens with digits
// share a wildcard branch) to candidate clusters, and join the most similar one when at least
// `similarity` of the tokens agree; differing positions become `<_>`. The number of clusters is
// bounded: the least recently used cluster is evicted. Not thread-safe (one per query).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace otter::query::logql {

struct DrainOptions {
  double similarity = 0.3;        // Loki's SimTh
  int depth = 30;                 // LogClusterDepth: the tree holds depth - 2 levels
  size_t max_children = 15;       // per tree node
  size_t max_clusters = 300;      // least recently used clusters are evicted past this
  size_t max_line_length = 3000;  // longer lines are skipped
};

// Loki's punctuation tokenizer: tokens, and after which token each space went (-1: before the
// first). Exposed for tests.
struct LineTokens {
  std::vector<std::string> tokens;
  std::vector<int> spaces_after;
};
LineTokens TokenizeLine(std::string_view line);

// How Loki's pattern ingester reads a stream's lines, guessed from its first line: logfmt lines
// become key/value tokens (timestamps and trace ids as <_>), JSON lines contribute their
// message field (log, message, msg, msg_, _msg or content) between two <_>, anything else is
// split at punctuation.
enum class LineFormat { kUnknown, kLogfmt, kJson };
LineFormat DetectLineFormat(std::string_view line);

class Drain {
 public:
  static constexpr std::string_view kWildcard = "<_>";

  explicit Drain(DrainOptions options = {}, LineFormat format = LineFormat::kUnknown);
  ~Drain();
  Drain(const Drain&) = delete;
  Drain& operator=(const Drain&) = delete;

  // Adds a line; returns the id of the cluster it joined or started, or -1 when the line was
  // skipped (longer than max_line_length, fewer than 4 or more than 80 tokens).
  int Train(std::string_view line);

  // The cluster's current pattern ("<_>" for varying tokens, runs of them collapsed); "" for an
  // unknown (or evicted) id.
  std::string Pattern(int id) const;
  // Ids of the clusters alive, in creation order.
  std::vector<int> ClusterIds() const;
  size_t evicted() const { return evicted_; }

 private:
  struct Node;
  struct Cluster {
    int id = 0;
    std::vector<std::string> tokens;
    std::vector<int> spaces_after;
    uint64_t last_used = 0;
  };

  Cluster* Get(int id);  // touches the cluster (LRU)
  Cluster* Search(const std::vector<std::string>& tokens);
  void AddToTree(int id, const Cluster& cluster);

  // The line's tokens in this drain's format; false when the line is skipped.
  bool Tokenize(std::string_view line, LineTokens* out) const;

  DrainOptions options_;
  LineFormat format_;
  std::unique_ptr<Node> root_;
  std::map<int, Cluster> clusters_;
  int next_id_ = 0;
  uint64_t tick_ = 0;
  size_t evicted_ = 0;
};

// Per-pattern sample counts for the patterns endpoint: lines of one (stream, level) group are
// clustered together; counts are kept per step (time truncated to a multiple of step_ns).
class PatternCounter {
 public:
  PatternCounter(int64_t step_ns, DrainOptions options) : step_ns_(step_ns), options_(options) {}

  // Adds one line; false when the line was skipped (see Drain::Train).
  bool Add(const std::string& group, const std::string& level, int64_t ts_ns,
           std::string_view line);

  struct Series {
    std::string pattern;
    std::string level;
    std::vector<std::pair<int64_t, int64_t>> samples;  // (step start ns, count), ascending,
                                                       // zeros for empty steps in between
  };
  // Identical patterns of different groups merged; ordered by total count (descending), then
  // pattern and level.
  std::vector<Series> Result() const;

  size_t groups() const { return groups_.size(); }
  bool HasGroup(const std::string& group) const { return groups_.count(group) > 0; }

 private:
  struct Group {
    std::string level;
    LineFormat format = LineFormat::kUnknown;
    std::unique_ptr<Drain> drain;
    std::unordered_map<int, std::map<int64_t, int64_t>> counts;  // cluster id → step → count
  };
  int64_t step_ns_;
  DrainOptions options_;
  std::map<std::string, Group> groups_;
};

}  // namespace otter::query::logql
