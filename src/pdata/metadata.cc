#include "pdata/metadata.h"

#include <string>

namespace otter::pdata {
namespace {

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

}  // namespace

bool KeyEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (Lower(a[i]) != Lower(b[i])) return false;
  return true;
}

void Metadata::Add(ArenaSet& arenas, std::string_view key, std::string_view value) {
  std::string lower(key);
  for (char& c : lower) c = Lower(c);
  entries_.push_back({arenas.Copy(lower), arenas.Copy(value)});
}

std::vector<std::string_view> Metadata::Get(std::string_view key) const {
  std::vector<std::string_view> out;
  for (const Entry& e : entries_)
    if (KeyEquals(e.key, key)) out.push_back(e.value);
  return out;
}

size_t Metadata::Count(std::string_view key) const {
  size_t n = 0;
  for (const Entry& e : entries_) n += KeyEquals(e.key, key);
  return n;
}

}  // namespace otter::pdata
