// Cheap reading of /proc and /sys text files for the hostmetrics scrapers: a whole file is read
// into a buffer the reader keeps and reuses (no iostreams; after the first scrapes no
// allocation), and the text is cut into lines and fields as string_views. Paths are built in a
// reused string under the configured root. One ProcReader per scraper; not thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace otter::hostmetrics {

class ProcReader {
 public:
  explicit ProcReader(std::string root) : root_(std::move(root)) {
    if (root_ == "/") root_.clear();
    while (!root_.empty() && root_.back() == '/') root_.pop_back();
  }

  // root + `path` (which starts with '/'), in a reused buffer valid until the next Path call.
  const char* Path(std::string_view path);
  // root + a + b + c (e.g. "/proc/", pid, "/stat").
  const char* Path(std::string_view a, std::string_view b, std::string_view c = {});
  const std::string& root() const { return root_; }

  // Reads the whole file at an absolute path into the reused buffer. On failure returns false
  // and sets errno. The view stays valid until the next Read.
  bool ReadAbsolute(const char* path, std::string_view* out);
  bool Read(std::string_view path, std::string_view* out) { return ReadAbsolute(Path(path), out); }
  // Reads `name` relative to the directory `dirfd` (openat): per-process files are read through
  // one descriptor of /proc/<pid>, which spares the kernel a path walk per file.
  bool ReadAt(int dirfd, const char* name, std::string_view* out);

 private:
  std::string root_;
  std::string path_;
  std::string buf_;
};

// Cuts the next line (without '\n') off the front of `text`; false at the end.
bool NextLine(std::string_view& text, std::string_view* line);
// Cuts the next run of non-blank characters off the front of `text` ("" at the end).
std::string_view NextField(std::string_view& text);
// Skips `n` fields.
void SkipFields(std::string_view& text, int n);
// Parses a decimal unsigned number (0 on garbage); `ParseHex` a hexadecimal one.
uint64_t ParseU64(std::string_view s);
uint64_t ParseHex(std::string_view s);
double ParseDouble(std::string_view s);
// For "Key:   value unit" lines: true if `line` starts with `key` followed by ':', and sets
// *value to the first field after the colon.
bool KeyValue(std::string_view line, std::string_view key, std::string_view* value);
// Sets *out to the text of a string the kernel escaped in mountinfo (\040 for space, \011,
// \012, \134), reusing its capacity.
void UnescapeOctal(std::string_view s, std::string* out);

}  // namespace otter::hostmetrics
