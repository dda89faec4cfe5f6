// Content codings for HTTP bodies and exporter payloads: gzip, deflate (zlib-wrapped or raw),
// zstd, snappy (block; framed input is detected, as the Go collector does), x-snappy-framed and
// lz4 (frame format). Decoding always takes an output limit and stops *at* it with
// ResourceExhausted, so a compression bomb costs at most `max_output` bytes of memory.
// Used by the OTLP/HTTP receiver (decode) and the exporters (encode). Stateless; thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace otter::net {

enum class Encoding { kIdentity, kGzip, kDeflate, kZlib, kZstd, kSnappy, kSnappyFramed, kLz4 };

// Maps a Content-Encoding value ("gzip", "x-gzip", "deflate", "zlib", "zstd", "snappy",
// "x-snappy-framed", "lz4", "" / "identity"; case-insensitive, surrounding blanks ignored) to an
// Encoding; nullopt for anything else.
std::optional<Encoding> ParseContentEncoding(std::string_view value);
// The canonical Content-Encoding token ("" for identity).
std::string_view EncodingName(Encoding e);

// Decodes `in`. Errors: ResourceExhausted when the output would exceed `max_output` bytes (the
// message names the limit), InvalidArgument for corrupt or truncated input (names the coding).
StatusOr<std::string> Decompress(Encoding e, std::string_view in, size_t max_output);

// Encodes `in` with the library's default level. kIdentity returns a copy.
StatusOr<std::string> Compress(Encoding e, std::string_view in);

}  // namespace otter::net
