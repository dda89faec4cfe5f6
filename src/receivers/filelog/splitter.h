// Splitter: cuts a file's bytes into entries as the filelog receiver's `multiline` settings say —
// at newlines (a trailing \r dropped), before each line_start_pattern match, or after each
// line_end_pattern match — never longer than max_log_size, then trims whitespace (unless
// preserve_*_whitespaces) and decodes (utf-8: invalid bytes become U+FFFD; nop: raw bytes).
// Thread-safety: immutable after construction.
#pragma once

#include <re2/re2.h>

#include <memory>
#include <string>
#include <string_view>

#include "receivers/filelog/config.h"

namespace otter::filelog {

class Splitter {
 public:
  explicit Splitter(const FileLogConfig& cfg);

  // The next entry at the start of `data`. Returns the bytes consumed (0 = need more data, or
  // at EOF nothing left) and sets *token (a view into data, before trimming). With `flush`, what
  // is left counts as one last entry.
  size_t Next(std::string_view data, bool flush, std::string_view* token) const;
  // Trims per the preserve_* settings.
  std::string_view Trim(std::string_view token) const;
  // Decodes per `encoding` into *out (which may alias nothing); returns the text to use (either
  // `token` itself or *out).
  std::string_view Decode(std::string_view token, std::string* out) const;

 private:
  size_t NextLine(std::string_view data, bool flush, std::string_view* token) const;
  size_t NextStart(std::string_view data, bool flush, std::string_view* token) const;
  size_t NextEnd(std::string_view data, bool flush, std::string_view* token) const;

  std::unique_ptr<RE2> start_, end_;
  bool omit_ = false;
  size_t max_log_size_;
  bool trim_leading_, trim_trailing_;
  bool nop_ = false;
};

}  // namespace otter::filelog
