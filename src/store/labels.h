// Label sets shared by the store and the query languages (PromQL, LogQL): a Labels value is a
// vector of name/value pairs sorted by name with unique names, as in Prometheus.
// Plain values; no thread-safety concerns.
#pragma once

#include <compare>
#include <string>
#include <string_view>
#include <vector>

namespace otter::store {

struct Label {
  std::string name;
  std::string value;
  friend bool operator==(const Label&, const Label&) = default;
  friend auto operator<=>(const Label&, const Label&) = default;
};

// Sorted by name, names unique. Build with SortLabels() or LabelsBuilder-style code that keeps
// the invariant.
using Labels = std::vector<Label>;

// Sorts by name and, for duplicate names, keeps the last one set.
void SortLabels(Labels& labels);
// The value of `name`, or "" when absent (Prometheus treats absent and empty alike).
std::string_view GetLabel(const Labels& labels, std::string_view name);
// Sets or replaces `name`, keeping the order. An empty value removes the label.
void SetLabel(Labels& labels, std::string_view name, std::string_view value);
// {a="x", b="y"} in PromQL selector syntax (values escaped), for errors and tests.
std::string LabelsToString(const Labels& labels);
// A stable 64-bit hash of the whole set (for grouping and maps).
uint64_t HashLabels(const Labels& labels);
// HashLabels of the labels `keep` accepts, without copying them out.
template <typename Keep>
uint64_t HashLabelsWhere(const Labels& labels, Keep keep) {
  // FNV-1a over name 0xff value 0xff ... (separators keep {a="bc"} and {ab="c"} apart).
  uint64_t h = 1469598103934665603ull;
  auto mix = [&h](std::string_view s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 1099511628211ull;
    }
    h ^= 0xff;
    h *= 1099511628211ull;
  };
  for (const auto& l : labels) {
    if (!keep(l)) continue;
    mix(l.name);
    mix(l.value);
  }
  return h;
}

}  // namespace otter::store
