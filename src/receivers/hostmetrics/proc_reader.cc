#include "receivers/hostmetrics/proc_reader.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>

namespace otter::hostmetrics {

const char* ProcReader::Path(std::string_view path) {
  path_.assign(root_).append(path);
  return path_.c_str();
}

const char* ProcReader::Path(std::string_view a, std::string_view b, std::string_view c) {
  path_.assign(root_).append(a).append(b).append(c);
  return path_.c_str();
}

bool ProcReader::ReadAbsolute(const char* path, std::string_view* out) {
  return ReadAt(AT_FDCWD, path, out);
}

bool ProcReader::ReadAt(int dirfd, const char* name, std::string_view* out) {
  int fd = ::openat(dirfd, name, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  if (buf_.size() < 4096) buf_.resize(4096);
  size_t len = 0;
  for (;;) {
    if (len == buf_.size()) buf_.resize(buf_.size() * 2);
    ssize_t n = ::read(fd, buf_.data() + len, buf_.size() - len);
    if (n < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      ::close(fd);
      errno = e;
      return false;
    }
    if (n == 0) break;
    len += static_cast<size_t>(n);
  }
  ::close(fd);
  *out = std::string_view(buf_.data(), len);
  return true;
}

bool NextLine(std::string_view& text, std::string_view* line) {
  if (text.empty()) return false;
  size_t nl = text.find('\n');
  if (nl == std::string_view::npos) {
    *line = text;
    text = {};
  } else {
    *line = text.substr(0, nl);
    text.remove_prefix(nl + 1);
  }
  return true;
}

static bool Blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view NextField(std::string_view& text) {
  size_t i = 0;
  while (i < text.size() && Blank(text[i])) ++i;
  size_t start = i;
  while (i < text.size() && !Blank(text[i])) ++i;
  std::string_view field = text.substr(start, i - start);
  text.remove_prefix(i);
  return field;
}

void SkipFields(std::string_view& text, int n) {
  for (int i = 0; i < n; ++i) NextField(text);
}

uint64_t ParseU64(std::string_view s) {
  uint64_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

uint64_t ParseHex(std::string_view s) {
  uint64_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v, 16);
  return v;
}

double ParseDouble(std::string_view s) {
  double v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

bool KeyValue(std::string_view line, std::string_view key, std::string_view* value) {
  if (line.size() <= key.size() || line[key.size()] != ':' || line.substr(0, key.size()) != key)
    return false;
  line.remove_prefix(key.size() + 1);
  *value = NextField(line);
  return true;
}

void UnescapeOctal(std::string_view s, std::string* out_ptr) {
  std::string& out = *out_ptr;
  out.clear();
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() && s[i + 1] >= '0' && s[i + 1] <= '3' && s[i + 2] >= '0' &&
        s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
      out.push_back(
          static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0')));
      i += 3;
    } else {
      out.push_back(s[i]);
    }
  }
}

}  // namespace otter::hostmetrics
