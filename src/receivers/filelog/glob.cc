#include "receivers/filelog/glob.h"

#include <dirent.h>
#include <fnmatch.h>
#include <sys/stat.h>

#include <algorithm>
#include <set>

namespace otter::filelog {
namespace {

// Expands {a,b} alternatives (nested ones too) into plain patterns.
void ExpandBraces(const std::string& p, std::vector<std::string>* out) {
  size_t open = std::string::npos;
  int depth = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i] == '\\') {
      ++i;
      continue;
    }
    if (p[i] == '{') {
      if (depth++ == 0) open = i;
    } else if (p[i] == '}' && depth > 0 && --depth == 0) {
      std::vector<std::string> alts;
      std::string cur;
      int d = 0;
      for (size_t k = open + 1; k < i; ++k) {
        char c = p[k];
        if (c == '{') ++d;
        if (c == '}') --d;
        if (c == ',' && d == 0) {
          alts.push_back(cur);
          cur.clear();
        } else {
          cur.push_back(c);
        }
      }
      alts.push_back(cur);
      for (const auto& a : alts) ExpandBraces(p.substr(0, open) + a + p.substr(i + 1), out);
      return;
    }
  }
  out->push_back(p);
}

std::vector<std::string> Split(std::string_view p) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (i <= p.size()) {
    size_t j = p.find('/', i);
    if (j == std::string_view::npos) j = p.size();
    if (j > i) parts.emplace_back(p.substr(i, j - i));
    i = j + 1;
  }
  return parts;
}

bool HasMeta(const std::string& s) { return s.find_first_of("*?[\\") != std::string::npos; }

bool MatchParts(const std::vector<std::string>& pat, size_t pi,
                const std::vector<std::string>& path, size_t si) {
  if (pi == pat.size()) return si == path.size();
  if (pat[pi] == "**") {
    for (size_t k = si; k <= path.size(); ++k)
      if (MatchParts(pat, pi + 1, path, k)) return true;
    return false;
  }
  if (si == path.size()) return false;
  if (fnmatch(pat[pi].c_str(), path[si].c_str(), 0) != 0) return false;
  return MatchParts(pat, pi + 1, path, si + 1);
}

bool IsDir(const std::string& p, bool follow) {
  struct stat st;
  int r = follow ? ::stat(p.c_str(), &st) : ::lstat(p.c_str(), &st);
  return r == 0 && S_ISDIR(st.st_mode);
}

bool IsFile(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string Join(const std::string& dir, const std::string& name) {
  if (dir.empty()) return name;
  if (dir == "/") return "/" + name;
  return dir + "/" + name;
}

void Expand(const std::string& dir, const std::vector<std::string>& parts, size_t i,
            std::set<std::string>* out, int depth) {
  if (depth > 64) return;
  if (i == parts.size()) {
    if (IsFile(dir)) out->insert(dir);
    return;
  }
  const std::string& part = parts[i];
  if (part == "**") {
    Expand(dir, parts, i + 1, out, depth);
  }
  if (!HasMeta(part) && part != "**") {
    Expand(Join(dir, part), parts, i + 1, out, depth);
    return;
  }
  DIR* d = ::opendir(dir.empty() ? "." : dir.c_str());
  if (!d) return;
  std::vector<std::string> names;
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    names.push_back(std::move(name));
  }
  ::closedir(d);
  for (const auto& name : names) {
    std::string child = Join(dir, name);
    if (part == "**") {
      // Descend into real directories only (no symlink loops).
      if (IsDir(child, false)) Expand(child, parts, i, out, depth + 1);
    } else if (fnmatch(part.c_str(), name.c_str(), 0) == 0) {
      Expand(child, parts, i + 1, out, depth);
    }
  }
}

}  // namespace

Status ValidateGlob(std::string_view pattern) {
  if (pattern.empty()) return InvalidArgument("empty glob");
  int depth = 0, bracket = 0;
  for (size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (c == '\\') {
      ++i;
      continue;
    }
    if (c == '{') ++depth;
    if (c == '}' && --depth < 0)
      return InvalidArgument("syntax error in pattern \"" + std::string(pattern) + "\"");
    if (c == '[') ++bracket;
    if (c == ']' && bracket > 0) --bracket;
  }
  if (depth != 0 || bracket != 0)
    return InvalidArgument("syntax error in pattern \"" + std::string(pattern) + "\"");
  return Status::Ok();
}

bool GlobMatch(std::string_view pattern, std::string_view path) {
  std::vector<std::string> pats;
  ExpandBraces(std::string(pattern), &pats);
  const auto path_parts = Split(path);
  const bool abs_path = !path.empty() && path[0] == '/';
  for (const auto& p : pats) {
    if ((!p.empty() && p[0] == '/') != abs_path) continue;
    if (MatchParts(Split(p), 0, path_parts, 0)) return true;
  }
  return false;
}

std::vector<std::string> FindFiles(const std::vector<std::string>& include,
                                   const std::vector<std::string>& exclude) {
  std::set<std::string> found;
  for (const auto& inc : include) {
    std::vector<std::string> pats;
    ExpandBraces(inc, &pats);
    for (const auto& p : pats) {
      const bool abs = !p.empty() && p[0] == '/';
      Expand(abs ? "/" : "", Split(p), 0, &found, 0);
    }
  }
  std::vector<std::string> out;
  for (const auto& f : found) {
    bool excluded = false;
    for (const auto& ex : exclude) excluded = excluded || GlobMatch(ex, f);
    if (!excluded) out.push_back(f);
  }
  return out;
}

}  // namespace otter::filelog
