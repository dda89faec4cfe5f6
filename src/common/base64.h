// Base64 (RFC 4648), standard and URL-safe alphabets: OTLP/JSON bytes, Jaeger ids, HTTP Basic
// credentials and JWT segments. Pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace otter {

// Appends the padded standard encoding of `in`.
void AppendBase64(std::string& out, std::string_view in);
// Decodes; nullopt on a character outside the alphabet, bad padding or non-zero trailing bits
// (as Go's decoder). `padded` = '=' padding required; otherwise it must be absent.
std::optional<std::string> DecodeBase64(std::string_view s, bool url_safe, bool padded);

}  // namespace otter
