// The log-line parsers behind LogQL's `| json`, `| logfmt` and `| unpack` stages: a small JSON
// reader (flattening nested objects with "_" like Loki, or extracting jq-like paths) and a
// logfmt scanner. Label names are sanitised like Loki's. Plain functions; thread-safe.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace otter::query::logql {

using KeyValueFn = std::function<void(std::string key, std::string value)>;

// Loki's label-name sanitising: characters outside [a-zA-Z0-9_] become '_'; a leading digit
// gets a '_' prefix when `is_prefix`. Surrounding spaces are trimmed.
std::string SanitizeLabelKey(std::string_view key, bool is_prefix);

// Flattens a JSON object line as Loki's `| json` does: nested keys joined with '_' (each part
// sanitised), strings unescaped, numbers and booleans as written; arrays and nulls are skipped.
// Read lazily like Loki's reader: fields before a syntax error are passed on, then the error
// (jsonparser's text, for __error_details__) is returned.
Status ParseJsonLine(std::string_view line, const KeyValueFn& fn);

// Extracts each of `paths` (`a.b`, `a["b c"]`, `list[0]`) from a JSON object line. Missing
// paths give "". Strings (escapes kept, as Loki does), objects and arrays are returned as their
// JSON text.
Status ExtractJsonPaths(std::string_view line, const std::vector<std::string>& paths,
                        std::vector<std::string>* values);

// Loki's `| unpack`: top-level string fields of a JSON object; the `_entry` field replaces the
// line.
Status UnpackJsonLine(std::string_view line, const KeyValueFn& fn, std::string* entry,
                      bool* has_entry);

// logfmt like Loki's decoder: `key=value key2="quoted \"value\"" flag`. `fn` gets every key with
// its value ("" for `flag` and `key=`). A syntax error skips to the next space; `strict` stops
// there. Returns the last syntax error (the caller decides whether it matters).
Status ParseLogfmtLine(std::string_view line, bool strict, const KeyValueFn& fn);

// The same decoder with keys as written, stopping at the first syntax error (returned): the
// pattern detector's logfmt tokens.
Status ScanLogfmtRaw(std::string_view line,
                     const std::function<void(std::string_view key, std::string value)>& fn);

// The raw text (escapes kept, quotes removed) of the first of `keys` that is a top-level string
// field of the JSON object `line`; nullopt when none is (or the line is not a JSON object).
std::optional<std::string> JsonTopLevelStringRaw(std::string_view line,
                                                 const std::vector<std::string_view>& keys);

}  // namespace otter::query::logql
