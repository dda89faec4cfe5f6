#include "otlp/utf8.h"

#include <simdjson.h>

#include <cstdint>
#include <cstring>

namespace otter::otlp {

bool IsValidUtf8Bytes(const char* p, size_t n) { return simdjson::validate_utf8(p, n); }

std::string RepairUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 8);
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  for (size_t i = 0; i < s.size();) {
    size_t n = Utf8SequenceLength(p + i, s.size() - i);
    if (n == 0) {
      out += "\xef\xbf\xbd";  // U+FFFD
      ++i;
    } else {
      out.append(s.data() + i, n);
      i += n;
    }
  }
  return out;
}

std::string_view Utf8Prefix(std::string_view s, size_t max_bytes) {
  if (s.size() <= max_bytes) return s;
  size_t cut = max_bytes;
  // Step back over continuation bytes (10xxxxxx) to the start of the cut sequence.
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xc0) == 0x80) --cut;
  return s.substr(0, cut);
}

}  // namespace otter::otlp
