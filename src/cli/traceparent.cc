#include "cli/traceparent.h"

#include <sys/random.h>

#include <cstdio>
#include <random>
#include <string>

namespace otter::cli {
namespace {

bool LowerHex(std::string_view s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

std::string_view TrimBlanks(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

template <size_t N>
pdata::Id<N> RandomId() {
  pdata::Id<N> id;
  while (id.empty()) {
    size_t got = 0;
    while (got < N) {
      ssize_t n = getrandom(id.bytes.data() + got, N - got, 0);
      if (n > 0) {
        got += static_cast<size_t>(n);
      } else {  // no getrandom (old kernel, seccomp): the library's nondeterministic source
        std::random_device rd;
        for (; got < N; ++got) id.bytes[got] = static_cast<uint8_t>(rd());
      }
    }
  }
  return id;
}

}  // namespace

std::optional<TraceParent> ParseTraceParent(std::string_view value) {
  std::string_view v = TrimBlanks(value);
  // version "-" trace-id "-" parent-id "-" flags: 2+1+32+1+16+1+2 = 55 characters.
  if (v.size() < 55 || v[2] != '-' || v[35] != '-' || v[52] != '-') return std::nullopt;
  std::string_view version = v.substr(0, 2), trace = v.substr(3, 32), span = v.substr(36, 16),
                   flags = v.substr(53, 2);
  if (!LowerHex(version) || version == "ff") return std::nullopt;
  if (version == "00" ? v.size() != 55 : (v.size() > 55 && v[55] != '-')) return std::nullopt;
  if (!LowerHex(trace) || !LowerHex(span) || !LowerHex(flags)) return std::nullopt;
  TraceParent out;
  if (!pdata::ParseHexId(trace, &out.trace_id) || !pdata::ParseHexId(span, &out.span_id))
    return std::nullopt;
  if (out.trace_id.empty() || out.span_id.empty()) return std::nullopt;
  out.flags = static_cast<uint8_t>(std::stoi(std::string(flags), nullptr, 16));
  return out;
}

std::string FormatTraceParent(const pdata::TraceId& trace_id, const pdata::SpanId& span_id,
                              uint8_t flags) {
  char f[3];
  std::snprintf(f, sizeof f, "%02x", flags);
  return "00-" + trace_id.Hex() + "-" + span_id.Hex() + "-" + f;
}

pdata::TraceId NewTraceId() { return RandomId<16>(); }
pdata::SpanId NewSpanId() { return RandomId<8>(); }

}  // namespace otter::cli
