// JsonWriter: appends compact JSON to a string, for the query APIs' responses. The caller
// keeps the structure balanced (Begin/End pairs); commas are inserted automatically.
// Not thread-safe; one writer per response.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace otter::query {

class JsonWriter {
 public:
  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  // An object member's name; the next call writes its value.
  JsonWriter& Key(std::string_view key);
  JsonWriter& String(std::string_view s);
  JsonWriter& Int(int64_t v);
  JsonWriter& Uint(uint64_t v);
  // A JSON number; NaN and infinities (not representable) are written as null.
  JsonWriter& Double(double v);
  JsonWriter& Bool(bool b);
  JsonWriter& Null();
  // Pre-encoded JSON, inserted as one value.
  JsonWriter& Raw(std::string_view json);

  const std::string& str() const { return out_; }
  std::string Take() { return std::move(out_); }

 private:
  void Separate();
  std::string out_;
  std::vector<bool> first_;  // per open container: no element written yet
  bool after_key_ = false;
};

// Appends code point `cp` encoded as UTF-8 (for the query languages' string escapes).
void AppendUtf8(std::string& out, uint32_t cp);

// Prometheus's float formatting (Go strconv.FormatFloat(v, 'f', -1, 64)): shortest
// round-tripping decimal, "NaN", "+Inf", "-Inf".
std::string FormatPromFloat(double v);

}  // namespace otter::query
