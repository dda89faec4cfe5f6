// FlatDocument: the document model of the none, raw and ecs mapping modes (contrib's objmodel
// facts): fields are flattened dotted keys; before writing they are sorted, a later duplicate
// key replaces an earlier one, and a scalar that an object would overwrite ("a" next to "a.b")
// moves to "a.value"; the output is either flat ("a.b": 1) or dedotted into nested objects.
// Values are stored pre-rendered as JSON. Reused across documents (Clear()) so that encoding a
// batch allocates only while its buffers grow. Not thread-safe: one per encoding call.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pdata/common.h"

namespace otter::elasticsearch_exporter {

// JSON helpers shared by the encoders: a double always with a radix point (1.0, as ES needs
// for float mappings; NaN/Inf become null); an AnyValue with nested maps as objects, bytes as
// hex when `bytes_as_hex` (else null), empty as null.
void AppendJsonDouble(double v, std::string& out);
void AppendAnyValueJson(const pdata::AnyValue& v, bool bytes_as_hex, std::string& out);

class FlatDocument {
 public:
  void Clear();
  // `prefix` + "." + `key` (just `key` when prefix is empty).
  void AddString(std::string_view prefix, std::string_view key, std::string_view v);  // skips ""
  void AddInt(std::string_view key, int64_t v);
  void AddUint(std::string_view key, uint64_t v);
  void AddTimestamp(std::string_view key, uint64_t unix_nano);
  void AddRaw(std::string_view key, std::string_view json);
  // Maps are flattened into prefix.key.sub...; empty values and bytes are skipped (as contrib).
  void AddValue(std::string_view prefix, std::string_view key, const pdata::AnyValue& v);
  void AddAttributes(std::string_view prefix, const pdata::Attributes& attrs);

  // Sorts, deduplicates and appends the JSON object (no newline).
  void Serialize(bool dedot, std::string& out);

 private:
  struct Field {
    uint32_t key_off, key_len, val_off, val_len;
  };
  std::string_view Key(const Field& f) const { return {keys_.data() + f.key_off, f.key_len}; }
  uint32_t PushKey(std::string_view prefix, std::string_view key);
  void Push(uint32_t key_off, size_t val_off);
  void Dedup();

  std::string keys_;  // all keys, back to back
  std::string vals_;  // all values as JSON, back to back
  std::vector<Field> fields_;
  std::vector<std::string_view> open_;  // dedot: the open object path
};

}  // namespace otter::elasticsearch_exporter
