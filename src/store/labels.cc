#include "store/labels.h"

#include <algorithm>
#include <cstdint>

namespace otter::store {

void SortLabels(Labels& labels) {
  std::stable_sort(labels.begin(), labels.end(),
                   [](const Label& a, const Label& b) { return a.name < b.name; });
  // Keep the last of equal names.
  Labels out;
  out.reserve(labels.size());
  for (auto& l : labels) {
    if (!out.empty() && out.back().name == l.name) {
      out.back().value = std::move(l.value);
    } else {
      out.push_back(std::move(l));
    }
  }
  labels = std::move(out);
}

std::string_view GetLabel(const Labels& labels, std::string_view name) {
  auto it = std::lower_bound(labels.begin(), labels.end(), name,
                             [](const Label& l, std::string_view n) { return l.name < n; });
  if (it != labels.end() && it->name == name) return it->value;
  return {};
}

void SetLabel(Labels& labels, std::string_view name, std::string_view value) {
  auto it = std::lower_bound(labels.begin(), labels.end(), name,
                             [](const Label& l, std::string_view n) { return l.name < n; });
  bool found = it != labels.end() && it->name == name;
  if (value.empty()) {
    if (found) labels.erase(it);
    return;
  }
  if (found) {
    it->value = std::string(value);
  } else {
    labels.insert(it, Label{std::string(name), std::string(value)});
  }
}

std::string LabelsToString(const Labels& labels) {
  std::string out = "{";
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i) out += ", ";
    out += labels[i].name;
    out += "=\"";
    for (char c : labels[i].value) {
      if (c == '"' || c == '\\') out += '\\';
      if (c == '\n') {
        out += "\\n";
        continue;
      }
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

uint64_t HashLabels(const Labels& labels) {
  return HashLabelsWhere(labels, [](const Label&) { return true; });
}

}  // namespace otter::store
