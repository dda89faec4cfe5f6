#include "receivers/filelog/splitter.h"

#include <simdjson.h>

#include <algorithm>

namespace otter::filelog {
namespace {

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

}  // namespace

Splitter::Splitter(const FileLogConfig& cfg)
    : max_log_size_(static_cast<size_t>(cfg.max_log_size)),
      trim_leading_(!cfg.preserve_leading_whitespaces),
      trim_trailing_(!cfg.preserve_trailing_whitespaces),
      nop_(cfg.encoding == "nop") {
  if (cfg.multiline) {
    omit_ = cfg.multiline->omit_pattern;
    // As in stanza, patterns are multi-line: ^ and $ match at line boundaries.
    if (!cfg.multiline->line_start_pattern.empty())
      start_ = std::make_unique<RE2>("(?m)" + cfg.multiline->line_start_pattern, RE2::Quiet);
    else if (!cfg.multiline->line_end_pattern.empty())
      end_ = std::make_unique<RE2>("(?m)" + cfg.multiline->line_end_pattern, RE2::Quiet);
  }
}

size_t Splitter::Next(std::string_view data, bool flush, std::string_view* token) const {
  if (data.empty()) return 0;
  size_t n = start_ ? NextStart(data, flush, token)
             : end_ ? NextEnd(data, flush, token)
                    : NextLine(data, flush, token);
  if (n > 0) return n;
  // No entry boundary within max_log_size bytes: cut there.
  if (data.size() >= max_log_size_) {
    *token = data.substr(0, max_log_size_);
    return max_log_size_;
  }
  if (flush) {
    *token = data;
    if (!start_ && !end_ && !token->empty() && token->back() == '\r') token->remove_suffix(1);
    return data.size();
  }
  return 0;
}

size_t Splitter::NextLine(std::string_view data, bool, std::string_view* token) const {
  size_t nl = data.substr(0, std::min(data.size(), max_log_size_ + 1)).find('\n');
  if (nl == std::string_view::npos) return 0;
  std::string_view t = data.substr(0, nl);
  if (!t.empty() && t.back() == '\r') t.remove_suffix(1);
  *token = t;
  return nl + 1;
}

size_t Splitter::NextStart(std::string_view data, bool flush, std::string_view* token) const {
  re2::StringPiece m;
  re2::StringPiece text(data.data(), data.size());
  if (!start_->Match(text, 0, data.size(), RE2::UNANCHORED, &m, 1)) return 0;
  size_t first_start = static_cast<size_t>(m.data() - data.data());
  size_t first_end = first_start + m.size();
  if (first_start != 0) {
    // Text before the first start of an entry is an entry of its own (nothing is lost).
    *token = data.substr(0, first_start);
    return first_start;
  }
  if (first_end == data.size()) return 0;
  if (flush) {
    *token = omit_ ? data.substr(first_end) : data;
    return data.size();
  }
  size_t from = first_end + (first_end == first_start ? 1 : 0);
  if (from >= data.size()) return 0;
  re2::StringPiece m2;
  if (!start_->Match(text, from, data.size(), RE2::UNANCHORED, &m2, 1)) return 0;
  size_t second = static_cast<size_t>(m2.data() - data.data());
  *token = data.substr(omit_ ? first_end : 0, second - (omit_ ? first_end : 0));
  return second;
}

size_t Splitter::NextEnd(std::string_view data, bool flush, std::string_view* token) const {
  re2::StringPiece m;
  re2::StringPiece text(data.data(), data.size());
  if (!end_->Match(text, 0, data.size(), RE2::UNANCHORED, &m, 1)) return 0;
  size_t s = static_cast<size_t>(m.data() - data.data());
  size_t e = s + m.size();
  // A match reaching the end of what was read may still grow.
  if (!flush && e + 1 == data.size()) return 0;
  if (e == 0) return 0;
  *token = data.substr(0, omit_ ? s : e);
  return e;
}

std::string_view Splitter::Trim(std::string_view t) const {
  if (trim_leading_)
    while (!t.empty() && IsSpace(t.front())) t.remove_prefix(1);
  if (trim_trailing_)
    while (!t.empty() && IsSpace(t.back())) t.remove_suffix(1);
  return t;
}

std::string_view Splitter::Decode(std::string_view token, std::string* out) const {
  if (nop_ || simdjson::validate_utf8(token.data(), token.size())) return token;
  // Replace each invalid byte with U+FFFD, keep valid sequences.
  out->clear();
  size_t i = 0;
  while (i < token.size()) {
    unsigned char c = static_cast<unsigned char>(token[i]);
    size_t len = c < 0x80           ? 1
                 : (c >> 5) == 0x6  ? 2
                 : (c >> 4) == 0xE  ? 3
                 : (c >> 3) == 0x1E ? 4
                                    : 0;
    if (len > 0 && i + len <= token.size() && simdjson::validate_utf8(token.data() + i, len)) {
      out->append(token.data() + i, len);
      i += len;
    } else {
      out->append("\xEF\xBF\xBD");
      ++i;
    }
  }
  return *out;
}

}  // namespace otter::filelog
