// Parsers and quoting that behave as Go's standard library does, with its error texts, for the
// query APIs that answer as Go servers (Jaeger, Prometheus): strconv, time.ParseDuration,
// time.Parse(RFC3339Nano). Pure functions, reentrant.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace otter::query {

// Go's time.ParseDuration, in nanoseconds ("1.5s", "300ms", "1h2m"); errors read like Go's
// (`time: invalid duration "x"`, `time: unknown unit "d" in duration "1d"`).
StatusOr<int64_t> ParseGoDuration(std::string_view s);

// Go's strconv.ParseInt(s, 10, bits); errors like `strconv.ParseInt: parsing "x": invalid syntax`.
StatusOr<int64_t> ParseGoInt(std::string_view s, int bits);

// Go's time.Parse(time.RFC3339Nano, s), in Unix nanoseconds; errors read like Go's
// (`parsing time "x" as "2006-01-02T15:04:05.999999999Z07:00": cannot parse "x" as "2006"`).
StatusOr<int64_t> ParseGoRfc3339Nano(std::string_view s);

// Go's strconv.Atoi and strconv.ParseBool, with their error texts.
StatusOr<int64_t> ParseGoAtoi(std::string_view s);
StatusOr<bool> ParseGoBool(std::string_view s);

// Go's strconv.Quote (enough of it for error messages): \", \\, \n, \r, \t, \xNN for control
// bytes and bytes that are not UTF-8.
std::string GoQuote(std::string_view s);

// The length of the UTF-8 sequence starting at s[i]; 0 when it is not valid UTF-8.
size_t Utf8SequenceLength(std::string_view s, size_t i);

}  // namespace otter::query
