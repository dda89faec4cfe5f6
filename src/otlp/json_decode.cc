// OTLP/JSON -> pdata. simdjson's DOM parser validates the whole body first (so invalid JSON is
// never half-accepted), then one generic object walker fills pdata structs, driven by a table of
// (lowerCamelCase key, reader) per OTLP message. Tolerances follow the Go collector's decoder
// (pdata/internal/json): snake_case keys, enum names, 64-bit ints as numbers or strings, null =
// absent, unknown keys ignored. Error paths are built only while unwinding from a failure.
#include <fmt/format.h>
#include <simdjson.h>

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "otlp/json_codec.h"
#include "otlp/proto_codec.h"  // kMaxAnyValueDepth, shared by both codecs

namespace otter::otlp {
namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

// A thread keeps its parser for bodies up to this size. The parser reserves ~14x the body in
// address space but touches only ~3x (structural index, tape, unescaped strings), so a thread
// retains at most ~12 MiB. Larger bodies get a parser of their own, freed after the call: that
// costs page faults on every call (measured ~4x slower decoding), but such bodies are rare.
constexpr size_t kMaxReusedParserBody = 4 << 20;
static_assert(kJsonDecodePadding >= simdjson::SIMDJSON_PADDING);
// Offending values quoted in error messages are cut to this many bytes.
constexpr size_t kMaxQuotedValue = 64;

// True when `key` is `camel` or its snake_case spelling ("traceId" or "trace_id").
bool KeyIs(std::string_view key, std::string_view camel) {
  // Both spellings start with the same lowercase letter: most mismatches end here, cheaply.
  if (key.empty() || key[0] != camel[0]) return false;
  if (key.size() <= camel.size()) return key == camel;
  size_t j = 0;
  for (char c : camel) {
    if (c >= 'A' && c <= 'Z') {
      if (j + 2 > key.size() || key[j] != '_' || key[j + 1] != c - 'A' + 'a') return false;
      j += 2;
    } else {
      if (j >= key.size() || key[j] != c) return false;
      ++j;
    }
  }
  return j == key.size();
}

std::string_view TypeName(element_type t) {
  switch (t) {
    case element_type::ARRAY:
      return "an array";
    case element_type::OBJECT:
      return "an object";
    case element_type::INT64:
    case element_type::UINT64:
    case element_type::DOUBLE:
      return "a number";
    case element_type::STRING:
      return "a string";
    case element_type::BOOL:
      return "a boolean";
    case element_type::NULL_VALUE:
      return "null";
  }
  return "an unknown value";
}

// Renders a string for an error message: quoted, cut short, control and non-ASCII bytes escaped.
std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size() && i < kMaxQuotedValue; ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  if (s.size() > kMaxQuotedValue) out += "...";
  out += '"';
  return out;
}

std::string DoubleText(double d) {
  char buf[32];
  auto res = std::to_chars(buf, buf + sizeof buf, d);
  return std::string(buf, res.ptr);
}

bool ExactIntegralDouble(double d) { return std::isfinite(d) && d == std::trunc(d); }

// An integer as sign and magnitude, so every JSON spelling can be range-checked exactly.
// `overflow`: an integer whose magnitude does not fit in 64 bits (out of range for any field).
struct WideInt {
  bool negative = false;
  uint64_t magnitude = 0;
  bool overflow = false;
};

std::optional<WideInt> FromDouble(double d) {
  if (!ExactIntegralDouble(d)) return std::nullopt;
  // 2^64 is exactly representable; every integral double below it fits in uint64_t.
  if (std::fabs(d) >= 18446744073709551616.0) return WideInt{d < 0, 0, true};
  return WideInt{d < 0 && d != 0, static_cast<uint64_t>(std::fabs(d)), false};
}

// Decimal digits with an optional '-', or failing that any JSON-number spelling of an exact
// integer ("1.7e18"), as proto3 JSON parsers accept.
std::optional<WideInt> ParseIntString(std::string_view s) {
  WideInt w;
  const char* p = s.data();
  const char* end = s.data() + s.size();
  if (p != end && *p == '-') {
    w.negative = true;
    ++p;
  }
  auto res = std::from_chars(p, end, w.magnitude);
  if (res.ptr == end && p != end) {
    if (res.ec == std::errc::result_out_of_range) return WideInt{w.negative, 0, true};
    if (res.ec == std::errc()) {
      if (w.magnitude == 0) w.negative = false;
      return w;
    }
  }
  double d;
  auto dres = std::from_chars(s.data(), end, d);
  if (dres.ptr != end || s.empty()) return std::nullopt;
  if (dres.ec == std::errc::result_out_of_range) {
    // Overflow ("1e400") is a too-large integer; underflow ("1e-400") is no integer at all.
    bool underflow = s.find("e-") != s.npos || s.find("E-") != s.npos;
    return underflow ? std::nullopt : std::optional<WideInt>(WideInt{s[0] == '-', 0, true});
  }
  if (dres.ec != std::errc()) return std::nullopt;
  return FromDouble(d);
}

class Decoder;

// How one JSON key of message T is read: `read` stores the value into the T.
template <class T>
struct Field {
  std::string_view name;  // lowerCamelCase; the snake_case spelling is accepted too
  bool (*read)(Decoder&, element, T&);
};

// The field table of each OTLP message, specialized below.
template <class T>
std::span<const Field<T>> FieldsOf();
// AnyValue and KeyValue refer to each other (kvlistValue), so these are declared up front.
template <>
std::span<const Field<pdata::AnyValue>> FieldsOf();
template <>
std::span<const Field<pdata::KeyValue>> FieldsOf();
template <>
std::span<const Field<std::vector<pdata::AnyValue>>> FieldsOf();
template <>
std::span<const Field<std::vector<pdata::KeyValue>>> FieldsOf();

class Decoder {
 public:
  explicit Decoder(pdata::ArenaSet& arenas) : arenas_(arenas) {}

  // A failing reader calls Fail() and returns false; each enclosing level then prepends its
  // path segment (In / InIndex) on the way out, so nothing is built on the success path.
  bool Fail(std::string message) {
    message_ = std::move(message);
    return false;
  }
  bool In(std::string_view key) {
    std::string seg(key);
    if (!path_.empty() && path_[0] != '[') seg += '.';
    path_.insert(0, seg);
    return false;
  }
  bool InIndex(size_t i) {
    std::string seg = fmt::format("[{}]", i);
    if (!path_.empty() && path_[0] != '[') seg += '.';
    path_.insert(0, seg);
    return false;
  }
  Status ToStatus() const {
    return InvalidArgument(path_.empty() ? message_ : path_ + ": " + message_);
  }

  bool WrongType(element v, std::string_view expected) {
    return Fail(fmt::format("expected {}, got {}", expected, TypeName(v.type())));
  }

  // Reads a JSON object into `out`: known keys (either spelling) go to their reader, null
  // values count as absent, unknown keys are skipped. A key given twice: the last value wins,
  // except for repeated fields, whose elements are appended.
  template <class T>
  bool ReadObject(element v, T& out, std::span<const Field<T>> fields) {
    object obj;
    if (v.get_object().get(obj) != simdjson::SUCCESS) return WrongType(v, "an object");
    for (simdjson::dom::key_value_pair kv : obj) {
      if (kv.value.is_null()) continue;
      for (const Field<T>& f : fields) {
        if (KeyIs(kv.key, f.name)) {
          if (!f.read(*this, kv.value, out)) return In(f.name);
          break;
        }
      }
    }
    return true;
  }

  // One reader per pdata field type; a repeated field is an array of its element type and any
  // other struct is a message read through its FieldsOf table.
  template <class T>
  bool Read(element v, T* out) {
    return ReadObject(v, *out, FieldsOf<T>());
  }
  template <class T>
  bool Read(element v, std::vector<T>* out) {
    array arr;
    if (v.get_array().get(arr) != simdjson::SUCCESS) return WrongType(v, "an array");
    out->reserve(out->size() + arr.size());
    size_t i = 0;
    for (element e : arr) {
      if (!Read(e, &out->emplace_back())) return InIndex(i);
      ++i;
    }
    return true;
  }

  bool Read(element v, std::string_view* out) {
    std::string_view s;
    if (v.get_string().get(s) != simdjson::SUCCESS) return WrongType(v, "a string");
    *out = arenas_.Copy(s);
    return true;
  }

  bool Read(element v, bool* out) {
    if (v.get_bool().get(*out) != simdjson::SUCCESS) return WrongType(v, "a boolean");
    return true;
  }

  bool Read(element v, uint64_t* out) {
    WideInt w;
    if (!ReadInt(v, &w)) return false;
    if (w.negative || w.overflow) return OutOfRange(v, "0", "18446744073709551615");
    *out = w.magnitude;
    return true;
  }

  bool Read(element v, int64_t* out) {
    WideInt w;
    if (!ReadInt(v, &w)) return false;
    constexpr uint64_t kMax = std::numeric_limits<int64_t>::max();
    if (w.overflow || w.magnitude > kMax + (w.negative ? 1 : 0)) {
      return OutOfRange(v, "-9223372036854775808", "9223372036854775807");
    }
    *out = w.negative ? static_cast<int64_t>(0 - w.magnitude) : static_cast<int64_t>(w.magnitude);
    return true;
  }

  bool Read(element v, uint32_t* out) {
    WideInt w;
    if (!ReadInt(v, &w)) return false;
    if (w.negative || w.overflow || w.magnitude > std::numeric_limits<uint32_t>::max()) {
      return OutOfRange(v, "0", "4294967295");
    }
    *out = static_cast<uint32_t>(w.magnitude);
    return true;
  }

  bool Read(element v, int32_t* out) {
    WideInt w;
    if (!ReadInt(v, &w)) return false;
    constexpr uint64_t kMax = std::numeric_limits<int32_t>::max();
    if (w.overflow || w.magnitude > kMax + (w.negative ? 1 : 0)) {
      return OutOfRange(v, "-2147483648", "2147483647");
    }
    *out = w.negative ? static_cast<int32_t>(-static_cast<int64_t>(w.magnitude))
                      : static_cast<int32_t>(w.magnitude);
    return true;
  }

  // A JSON number, "NaN" / "Infinity" / "-Infinity", or a number spelled as a string.
  bool Read(element v, double* out) {
    switch (v.type()) {
      case element_type::DOUBLE:
        *out = v.get_double().value_unsafe();
        return true;
      case element_type::INT64:
        *out = static_cast<double>(v.get_int64().value_unsafe());
        return true;
      case element_type::UINT64:
        *out = static_cast<double>(v.get_uint64().value_unsafe());
        return true;
      case element_type::STRING: {
        std::string_view s = v.get_string().value_unsafe();
        if (s == "NaN") {
          *out = std::numeric_limits<double>::quiet_NaN();
        } else if (s == "Infinity") {
          *out = std::numeric_limits<double>::infinity();
        } else if (s == "-Infinity") {
          *out = -std::numeric_limits<double>::infinity();
        } else {
          auto res = std::from_chars(s.data(), s.data() + s.size(), *out);
          if (res.ec != std::errc() || res.ptr != s.data() + s.size() || s.empty()) {
            return Fail("expected a number or \"NaN\"/\"Infinity\"/\"-Infinity\", got " + Quote(s));
          }
        }
        return true;
      }
      default:
        return WrongType(v, "a number");
    }
  }

  bool Read(element v, std::optional<double>* out) { return Read(v, &out->emplace()); }

  // Trace and span ids are hex (not base64), either case. "" is the absent (all-zero) id, as in
  // the Go collector, whose decoder turns "" into the zero id without error.
  template <size_t N>
  bool Read(element v, pdata::Id<N>* out) {
    std::string_view s;
    if (v.get_string().get(s) != simdjson::SUCCESS) return WrongType(v, "a hex string");
    if (s.empty()) {
      *out = {};
      return true;
    }
    if (s.size() != 2 * N) {
      return Fail(fmt::format("must be {} hex characters ({} bytes), got {} characters", 2 * N, N,
                              s.size()));
    }
    if (!pdata::ParseHexId(s, out)) {
      size_t bad = 0;
      while (bad < s.size() && std::isxdigit(static_cast<unsigned char>(s[bad]))) ++bad;
      return Fail(fmt::format("must be hex, got {} (bad character at position {})", Quote(s), bad));
    }
    return true;
  }

  bool Read(element v, pdata::AnyValue* out) {
    if (depth_ >= kMaxAnyValueDepth) {
      return Fail(fmt::format("AnyValue nested more than {} levels deep", kMaxAnyValueDepth));
    }
    ++depth_;
    bool ok = ReadObject(v, *out, FieldsOf<pdata::AnyValue>());
    --depth_;
    return ok;
  }

  bool Read(element v, pdata::SpanKind* out) {
    static constexpr std::string_view kNames[] = {"SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL",
                                                  "SPAN_KIND_SERVER",      "SPAN_KIND_CLIENT",
                                                  "SPAN_KIND_PRODUCER",    "SPAN_KIND_CONSUMER"};
    return ReadEnum(v, kNames, "SpanKind", out);
  }
  bool Read(element v, pdata::StatusCode* out) {
    static constexpr std::string_view kNames[] = {"STATUS_CODE_UNSET", "STATUS_CODE_OK",
                                                  "STATUS_CODE_ERROR"};
    return ReadEnum(v, kNames, "StatusCode", out);
  }
  bool Read(element v, pdata::AggregationTemporality* out) {
    static constexpr std::string_view kNames[] = {"AGGREGATION_TEMPORALITY_UNSPECIFIED",
                                                  "AGGREGATION_TEMPORALITY_DELTA",
                                                  "AGGREGATION_TEMPORALITY_CUMULATIVE"};
    return ReadEnum(v, kNames, "AggregationTemporality", out);
  }
  bool ReadSeverityNumber(element v, int32_t* out) {
    static constexpr std::string_view kNames[] = {
        "SEVERITY_NUMBER_UNSPECIFIED", "SEVERITY_NUMBER_TRACE",  "SEVERITY_NUMBER_TRACE2",
        "SEVERITY_NUMBER_TRACE3",      "SEVERITY_NUMBER_TRACE4", "SEVERITY_NUMBER_DEBUG",
        "SEVERITY_NUMBER_DEBUG2",      "SEVERITY_NUMBER_DEBUG3", "SEVERITY_NUMBER_DEBUG4",
        "SEVERITY_NUMBER_INFO",        "SEVERITY_NUMBER_INFO2",  "SEVERITY_NUMBER_INFO3",
        "SEVERITY_NUMBER_INFO4",       "SEVERITY_NUMBER_WARN",   "SEVERITY_NUMBER_WARN2",
        "SEVERITY_NUMBER_WARN3",       "SEVERITY_NUMBER_WARN4",  "SEVERITY_NUMBER_ERROR",
        "SEVERITY_NUMBER_ERROR2",      "SEVERITY_NUMBER_ERROR3", "SEVERITY_NUMBER_ERROR4",
        "SEVERITY_NUMBER_FATAL",       "SEVERITY_NUMBER_FATAL2", "SEVERITY_NUMBER_FATAL3",
        "SEVERITY_NUMBER_FATAL4"};
    return ReadEnum(v, kNames, "SeverityNumber", out);
  }

  // Standard or URL-safe base64, padding optional (proto3 JSON parsers accept both alphabets).
  bool ReadBytes(element v, std::string_view* out) {
    std::string_view s;
    if (v.get_string().get(s) != simdjson::SUCCESS) return WrongType(v, "a base64 string");
    scratch_.clear();
    uint32_t acc = 0;
    int bits = 0;
    size_t i = 0;
    for (; i < s.size() && s[i] != '='; ++i) {
      int d = Base64Digit(s[i]);
      if (d < 0) {
        return Fail(fmt::format("invalid base64: bad character at position {}", i));
      }
      acc = (acc << 6) | static_cast<uint32_t>(d);
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        scratch_ += static_cast<char>((acc >> bits) & 0xff);
      }
    }
    size_t data_chars = i;
    size_t pad = 0;
    for (; i < s.size() && s[i] == '='; ++i) ++pad;
    if (i != s.size() || data_chars % 4 == 1 || (pad && (data_chars + pad) % 4 != 0)) {
      return Fail("invalid base64: bad length or padding");
    }
    *out = arenas_.Copy(scratch_);
    return true;
  }

 private:
  static int Base64Digit(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
  }

  // An integer given as a JSON number (exact-integer doubles such as 1.7e18 included) or as a
  // string holding one, as the Go collector and proto3 JSON accept for every integer type.
  bool ReadInt(element v, WideInt* out) {
    std::optional<WideInt> w;
    switch (v.type()) {
      case element_type::INT64: {
        int64_t i = v.get_int64().value_unsafe();
        w = WideInt{i < 0, i < 0 ? 0 - static_cast<uint64_t>(i) : static_cast<uint64_t>(i)};
        break;
      }
      case element_type::UINT64:
        w = WideInt{false, v.get_uint64().value_unsafe()};
        break;
      case element_type::DOUBLE:
        w = FromDouble(v.get_double().value_unsafe());
        break;
      case element_type::STRING:
        w = ParseIntString(v.get_string().value_unsafe());
        break;
      default:
        return WrongType(v, "an integer (number or decimal string)");
    }
    if (!w) return Fail("expected an integer, got " + ValueText(v));
    *out = *w;
    return true;
  }

  bool OutOfRange(element v, std::string_view lo, std::string_view hi) {
    return Fail(fmt::format("integer out of range [{}, {}]: {}", lo, hi, ValueText(v)));
  }

  static std::string ValueText(element v) {
    switch (v.type()) {
      case element_type::INT64:
        return std::to_string(v.get_int64().value_unsafe());
      case element_type::UINT64:
        return std::to_string(v.get_uint64().value_unsafe());
      case element_type::DOUBLE:
        return DoubleText(v.get_double().value_unsafe());
      case element_type::STRING:
        return Quote(v.get_string().value_unsafe());
      default:
        return std::string(TypeName(v.type()));
    }
  }

  // Enums: the integer (any value, as proto3 enums are open) or the full proto name. Unlike the
  // Go collector, which maps unknown names to 0 silently, an unknown name is an error.
  template <class E, size_t N>
  bool ReadEnum(element v, const std::string_view (&names)[N], std::string_view enum_name, E* out) {
    std::string_view s;
    if (v.get_string().get(s) == simdjson::SUCCESS) {
      for (size_t i = 0; i < N; ++i) {
        if (s == names[i]) {
          *out = static_cast<E>(i);
          return true;
        }
      }
      std::optional<WideInt> w = ParseIntString(s);
      if (!w) return Fail(fmt::format("unknown {} name {}", enum_name, Quote(s)));
    }
    int32_t i;
    if (!Read(v, &i)) return false;
    *out = static_cast<E>(i);
    return true;
  }

  pdata::ArenaSet& arenas_;
  int depth_ = 0;
  std::string scratch_;
  std::string message_;
  std::string path_;
};

// Reads a field whose pdata member type has a Decoder::Read overload.
template <class M>
struct MemberClass;
template <class C, class V>
struct MemberClass<V C::*> {
  using type = C;
};
template <auto M>
bool ReadMember(Decoder& d, element v, typename MemberClass<decltype(M)>::type& o) {
  return d.Read(v, &(o.*M));
}

// ---- common.proto -------------------------------------------------------------------------------

// AnyValue: a oneof; with several members present the last one wins.
template <>
std::span<const Field<pdata::AnyValue>> FieldsOf() {
  using pdata::AnyValue;
  using Type = AnyValue::Type;
  static constexpr Field<AnyValue> kFields[] = {
      {"stringValue",
       [](Decoder& d, element v, AnyValue& o) {
         o = AnyValue{};
         o.type = Type::kString;
         return d.Read(v, &o.string_value);
       }},
      {"intValue",
       [](Decoder& d, element v, AnyValue& o) {
         o = AnyValue{};
         o.type = Type::kInt;
         return d.Read(v, &o.int_value);
       }},
      {"boolValue",
       [](Decoder& d, element v, AnyValue& o) {
         o = AnyValue{};
         o.type = Type::kBool;
         return d.Read(v, &o.bool_value);
       }},
      {"doubleValue",
       [](Decoder& d, element v, AnyValue& o) {
         o = AnyValue{};
         o.type = Type::kDouble;
         return d.Read(v, &o.double_value);
       }},
      {"arrayValue",
       [](Decoder& d, element v, AnyValue& o) {
         o = AnyValue{};
         o.type = Type::kArray;
         return d.ReadObject(v, o.array_value, FieldsOf<std::vector<AnyValue>>());
       }},
      {"kvlistValue",
       [](Decoder& d, element v, AnyValue& o) {
         o = AnyValue{};
         o.type = Type::kKvList;
         return d.ReadObject(v, o.kvlist_value, FieldsOf<std::vector<pdata::KeyValue>>());
       }},
      {"bytesValue",
       [](Decoder& d, element v, AnyValue& o) {
         o = AnyValue{};
         o.type = Type::kBytes;
         return d.ReadBytes(v, &o.string_value);
       }},
  };
  return kFields;
}

// ArrayValue and KeyValueList: {"values": [...]}.
template <>
std::span<const Field<std::vector<pdata::AnyValue>>> FieldsOf() {
  static constexpr Field<std::vector<pdata::AnyValue>> kFields[] = {
      {"values",
       [](Decoder& d, element v, std::vector<pdata::AnyValue>& o) { return d.Read(v, &o); }}};
  return kFields;
}
template <>
std::span<const Field<std::vector<pdata::KeyValue>>> FieldsOf() {
  static constexpr Field<std::vector<pdata::KeyValue>> kFields[] = {
      {"values",
       [](Decoder& d, element v, std::vector<pdata::KeyValue>& o) { return d.Read(v, &o); }}};
  return kFields;
}

template <>
std::span<const Field<pdata::KeyValue>> FieldsOf() {
  static constexpr Field<pdata::KeyValue> kFields[] = {
      {"key", ReadMember<&pdata::KeyValue::key>},
      {"value", ReadMember<&pdata::KeyValue::value>},
  };
  return kFields;
}

// Resource.entityRefs is not in pdata yet and is skipped like an unknown key.
template <>
std::span<const Field<pdata::Resource>> FieldsOf() {
  static constexpr Field<pdata::Resource> kFields[] = {
      {"attributes", ReadMember<&pdata::Resource::attributes>},
      {"droppedAttributesCount", ReadMember<&pdata::Resource::dropped_attributes_count>},
  };
  return kFields;
}

template <>
std::span<const Field<pdata::InstrumentationScope>> FieldsOf() {
  using S = pdata::InstrumentationScope;
  static constexpr Field<S> kFields[] = {
      {"name", ReadMember<&S::name>},
      {"version", ReadMember<&S::version>},
      {"attributes", ReadMember<&S::attributes>},
      {"droppedAttributesCount", ReadMember<&S::dropped_attributes_count>},
  };
  return kFields;
}

// ---- trace.proto --------------------------------------------------------------------------------

template <>
std::span<const Field<pdata::SpanEvent>> FieldsOf() {
  using E = pdata::SpanEvent;
  static constexpr Field<E> kFields[] = {
      {"timeUnixNano", ReadMember<&E::time_unix_nano>},
      {"name", ReadMember<&E::name>},
      {"attributes", ReadMember<&E::attributes>},
      {"droppedAttributesCount", ReadMember<&E::dropped_attributes_count>},
  };
  return kFields;
}

template <>
std::span<const Field<pdata::SpanLink>> FieldsOf() {
  using L = pdata::SpanLink;
  static constexpr Field<L> kFields[] = {
      {"traceId", ReadMember<&L::trace_id>},
      {"spanId", ReadMember<&L::span_id>},
      {"traceState", ReadMember<&L::trace_state>},
      {"attributes", ReadMember<&L::attributes>},
      {"droppedAttributesCount", ReadMember<&L::dropped_attributes_count>},
      {"flags", ReadMember<&L::flags>},
  };
  return kFields;
}

template <>
std::span<const Field<pdata::SpanStatus>> FieldsOf() {
  static constexpr Field<pdata::SpanStatus> kFields[] = {
      {"code", ReadMember<&pdata::SpanStatus::code>},
      {"message", ReadMember<&pdata::SpanStatus::message>},
  };
  return kFields;
}

// A missing or "" traceId/spanId decodes to the all-zero id instead of failing: the Go
// collector accepts both in JSON and protobuf (its receiver does not validate ids), and
// rejecting here would refuse data the reference implementation takes. Wrong lengths and
// non-hex characters are errors.
template <>
std::span<const Field<pdata::Span>> FieldsOf() {
  using S = pdata::Span;
  static constexpr Field<S> kFields[] = {
      {"traceId", ReadMember<&S::trace_id>},
      {"spanId", ReadMember<&S::span_id>},
      {"parentSpanId", ReadMember<&S::parent_span_id>},
      {"name", ReadMember<&S::name>},
      {"kind", ReadMember<&S::kind>},
      {"startTimeUnixNano", ReadMember<&S::start_time_unix_nano>},
      {"endTimeUnixNano", ReadMember<&S::end_time_unix_nano>},
      {"attributes", ReadMember<&S::attributes>},
      {"status", ReadMember<&S::status>},
      {"traceState", ReadMember<&S::trace_state>},
      {"flags", ReadMember<&S::flags>},
      {"events", ReadMember<&S::events>},
      {"links", ReadMember<&S::links>},
      {"droppedAttributesCount", ReadMember<&S::dropped_attributes_count>},
      {"droppedEventsCount", ReadMember<&S::dropped_events_count>},
      {"droppedLinksCount", ReadMember<&S::dropped_links_count>},
  };
  return kFields;
}

template <>
std::span<const Field<pdata::ScopeSpans>> FieldsOf() {
  using S = pdata::ScopeSpans;
  static constexpr Field<S> kFields[] = {
      {"scope", ReadMember<&S::scope>},
      {"spans", ReadMember<&S::spans>},
      {"schemaUrl", ReadMember<&S::schema_url>},
  };
  return kFields;
}

template <>
std::span<const Field<pdata::ResourceSpans>> FieldsOf() {
  using R = pdata::ResourceSpans;
  static constexpr Field<R> kFields[] = {
      {"resource", ReadMember<&R::resource>},
      {"scopeSpans", ReadMember<&R::scope_spans>},
      {"schemaUrl", ReadMember<&R::schema_url>},
  };
  return kFields;
}

template <>
std::span<const Field<pdata::TraceBatch>> FieldsOf() {
  static constexpr Field<pdata::TraceBatch> kFields[] = {
      {"resourceSpans",
       [](Decoder& d, element v, pdata::TraceBatch& b) { return d.Read(v, &b.resources()); }},
  };
  return kFields;
}

// ---- metrics.proto ------------------------------------------------------------------------------

template <>
std::span<const Field<pdata::Exemplar>> FieldsOf() {
  using E = pdata::Exemplar;
  static constexpr Field<E> kFields[] = {
      {"timeUnixNano", ReadMember<&E::time_unix_nano>},
      {"asDouble",
       [](Decoder& d, element v, E& o) {
         o.is_int = false;
         o.as_int = 0;
         return d.Read(v, &o.as_double);
       }},
      {"asInt",
       [](Decoder& d, element v, E& o) {
         o.is_int = true;
         o.as_double = 0;
         return d.Read(v, &o.as_int);
       }},
      {"filteredAttributes", ReadMember<&E::filtered_attributes>},
      {"spanId", ReadMember<&E::span_id>},
      {"traceId", ReadMember<&E::trace_id>},
  };
  return kFields;
}

template <>
std::span<const Field<pdata::NumberDataPoint>> FieldsOf() {
  using P = pdata::NumberDataPoint;
  static constexpr Field<P> kFields[] = {
      {"attributes", ReadMember<&P::attributes>},
      {"startTimeUnixNano", ReadMember<&P::start_time_unix_nano>},
      {"timeUnixNano", ReadMember<&P::time_unix_nano>},
      {"asDouble",
       [](Decoder& d, element v, P& o) {
         o.value_type = P::ValueType::kDouble;
         o.as_int = 0;
         return d.Read(v, &o.as_double);
       }},
      {"asInt",
       [](Decoder& d, element v, P& o) {
         o.value_type = P::ValueType::kInt;
         o.as_double = 0;
         return d.Read(v, &o.as_int);
       }},
      {"exemplars", ReadMember<&P::exemplars>},
      {"flags", ReadMember<&P::flags>},
  };
  return kFields;
}

template <>
std::span<const Field<pdata::HistogramDataPoint>> FieldsOf() {
  using P = pdata::HistogramDataPoint;
  static constexpr Field<P> kFields[] = {
      {"attributes", ReadMember<&P::attributes>},
      {"startTimeUnixNano", ReadMember<&P::start_time_unix_nano>},
      {"timeUnixNano", ReadMember<&P::time_unix_nano>},
      {"count", ReadMember<&P::count>},
      {"sum", ReadMember<&P::sum>},
      {"bucketCounts", ReadMember<&P::bucket_counts>},
      {"explicitBounds", ReadMember<&P::explicit_bounds>},
      {"exemplars", ReadMember<&P::exemplars>},
      {"flags", ReadMember<&P::flags>},
      {"min", ReadMember<&P::min>},
      {"max", ReadMember<&P::max>},
  };
  return kFields;
}

template <>
std::span<const Field<pdata::ExponentialBuckets>> FieldsOf() {
  using B = pdata::ExponentialBuckets;
  static constexpr Field<B> kFields[] = {
      {"offset", ReadMember<&B::offset>},
      {"bucketCounts", ReadMember<&B::bucket_counts>},
  };
  return kFields;
}

template <>
std::span<const Field<pdata::ExponentialHistogramDataPoint>> FieldsOf() {
  using P = pdata::ExponentialHistogramDataPoint;
  static constexpr Field<P> kFields[] = {
      {"attributes", ReadMember<&P::attributes>},
      {"startTimeUnixNano", ReadMember<&P::start_time_unix_nano>},
      {"timeUnixNano", ReadMember<&P::time_unix_nano>},
      {"count", ReadMember<&P::count>},
      {"sum", ReadMember<&P::sum>},
      {"scale", ReadMember<&P::scale>},
      {"zeroCount", ReadMember<&P::zero_count>},
      {"positive", ReadMember<&P::positive>},
      {"negative", ReadMember<&P::negative>},
      {"flags", ReadMember<&P::flags>},
      {"exemplars", ReadMember<&P::exemplars>},
      {"min", ReadMember<&P::min>},
      {"max", ReadMember<&P::max>},
      {"zeroThreshold", ReadMember<&P::zero_threshold>},
  };
  return kFields;
}

template <>
std::span<const Field<pdata::QuantileValue>> FieldsOf() {
  static constexpr Field<pdata::QuantileValue> kFields[] = {
      {"quantile", ReadMember<&pdata::QuantileValue::quantile>},
      {"value", ReadMember<&pdata::QuantileValue::value>},
  };
  return kFields;
}

template <>
std::span<const Field<pdata::SummaryDataPoint>> FieldsOf() {
  using P = pdata::SummaryDataPoint;
  static constexpr Field<P> kFields[] = {
      {"attributes", ReadMember<&P::attributes>},
      {"startTimeUnixNano", ReadMember<&P::start_time_unix_nano>},
      {"timeUnixNano", ReadMember<&P::time_unix_nano>},
      {"count", ReadMember<&P::count>},
      {"sum", ReadMember<&P::sum>},
      {"quantileValues", ReadMember<&P::quantile_values>},
      {"flags", ReadMember<&P::flags>},
  };
  return kFields;
}

// The body of gauge / sum / histogram / exponentialHistogram / summary, read into the Metric.
constexpr Field<pdata::Metric> kGaugeFields[] = {
    {"dataPoints", ReadMember<&pdata::Metric::number_points>},
};
constexpr Field<pdata::Metric> kSumFields[] = {
    {"dataPoints", ReadMember<&pdata::Metric::number_points>},
    {"aggregationTemporality", ReadMember<&pdata::Metric::temporality>},
    {"isMonotonic", ReadMember<&pdata::Metric::is_monotonic>},
};
constexpr Field<pdata::Metric> kHistogramFields[] = {
    {"dataPoints", ReadMember<&pdata::Metric::histogram_points>},
    {"aggregationTemporality", ReadMember<&pdata::Metric::temporality>},
};
constexpr Field<pdata::Metric> kExpHistogramFields[] = {
    {"dataPoints", ReadMember<&pdata::Metric::exp_histogram_points>},
    {"aggregationTemporality", ReadMember<&pdata::Metric::temporality>},
};
constexpr Field<pdata::Metric> kSummaryFields[] = {
    {"dataPoints", ReadMember<&pdata::Metric::summary_points>},
};

std::string_view MetricTypeKey(pdata::MetricType t) {
  switch (t) {
    case pdata::MetricType::kEmpty:
      return "none";
    case pdata::MetricType::kGauge:
      return "gauge";
    case pdata::MetricType::kSum:
      return "sum";
    case pdata::MetricType::kHistogram:
      return "histogram";
    case pdata::MetricType::kExponentialHistogram:
      return "exponentialHistogram";
    case pdata::MetricType::kSummary:
      return "summary";
  }
  return "unknown";
}

// Metric.data is a oneof: two different members in one metric are refused rather than guessed.
template <pdata::MetricType kType, const auto& kBodyFields>
bool ReadMetricData(Decoder& d, element v, pdata::Metric& m) {
  if (m.type != pdata::MetricType::kEmpty && m.type != kType) {
    return d.Fail(fmt::format("a metric has exactly one data field, but this one also has {}",
                              MetricTypeKey(m.type)));
  }
  m.type = kType;
  return d.ReadObject(v, m, std::span<const Field<pdata::Metric>>(kBodyFields));
}

template <>
std::span<const Field<pdata::Metric>> FieldsOf() {
  using M = pdata::Metric;
  using T = pdata::MetricType;
  static constexpr Field<M> kFields[] = {
      {"name", ReadMember<&M::name>},
      {"description", ReadMember<&M::description>},
      {"unit", ReadMember<&M::unit>},
      {"gauge", ReadMetricData<T::kGauge, kGaugeFields>},
      {"sum", ReadMetricData<T::kSum, kSumFields>},
      {"histogram", ReadMetricData<T::kHistogram, kHistogramFields>},
      {"exponentialHistogram", ReadMetricData<T::kExponentialHistogram, kExpHistogramFields>},
      {"summary", ReadMetricData<T::kSummary, kSummaryFields>},
      {"metadata", ReadMember<&M::metadata>},
  };
  return kFields;
}

template <>
std::span<const Field<pdata::ScopeMetrics>> FieldsOf() {
  using S = pdata::ScopeMetrics;
  static constexpr Field<S> kFields[] = {
      {"scope", ReadMember<&S::scope>},
      {"metrics", ReadMember<&S::metrics>},
      {"schemaUrl", ReadMember<&S::schema_url>},
  };
  return kFields;
}

template <>
std::span<const Field<pdata::ResourceMetrics>> FieldsOf() {
  using R = pdata::ResourceMetrics;
  static constexpr Field<R> kFields[] = {
      {"resource", ReadMember<&R::resource>},
      {"scopeMetrics", ReadMember<&R::scope_metrics>},
      {"schemaUrl", ReadMember<&R::schema_url>},
  };
  return kFields;
}

template <>
std::span<const Field<pdata::MetricBatch>> FieldsOf() {
  static constexpr Field<pdata::MetricBatch> kFields[] = {
      {"resourceMetrics",
       [](Decoder& d, element v, pdata::MetricBatch& b) { return d.Read(v, &b.resources()); }},
  };
  return kFields;
}

// ---- logs.proto ---------------------------------------------------------------------------------

template <>
std::span<const Field<pdata::LogRecord>> FieldsOf() {
  using L = pdata::LogRecord;
  static constexpr Field<L> kFields[] = {
      {"timeUnixNano", ReadMember<&L::time_unix_nano>},
      {"observedTimeUnixNano", ReadMember<&L::observed_time_unix_nano>},
      {"severityNumber",
       [](Decoder& d, element v, L& o) { return d.ReadSeverityNumber(v, &o.severity_number); }},
      {"severityText", ReadMember<&L::severity_text>},
      {"body", ReadMember<&L::body>},
      {"attributes", ReadMember<&L::attributes>},
      {"droppedAttributesCount", ReadMember<&L::dropped_attributes_count>},
      {"flags", ReadMember<&L::flags>},
      {"traceId", ReadMember<&L::trace_id>},
      {"spanId", ReadMember<&L::span_id>},
      {"eventName", ReadMember<&L::event_name>},
  };
  return kFields;
}

template <>
std::span<const Field<pdata::ScopeLogs>> FieldsOf() {
  using S = pdata::ScopeLogs;
  static constexpr Field<S> kFields[] = {
      {"scope", ReadMember<&S::scope>},
      {"logRecords", ReadMember<&S::log_records>},
      {"schemaUrl", ReadMember<&S::schema_url>},
  };
  return kFields;
}

template <>
std::span<const Field<pdata::ResourceLogs>> FieldsOf() {
  using R = pdata::ResourceLogs;
  static constexpr Field<R> kFields[] = {
      {"resource", ReadMember<&R::resource>},
      {"scopeLogs", ReadMember<&R::scope_logs>},
      {"schemaUrl", ReadMember<&R::schema_url>},
  };
  return kFields;
}

template <>
std::span<const Field<pdata::LogBatch>> FieldsOf() {
  static constexpr Field<pdata::LogBatch> kFields[] = {
      {"resourceLogs",
       [](Decoder& d, element v, pdata::LogBatch& b) { return d.Read(v, &b.resources()); }},
  };
  return kFields;
}

// simdjson refuses integer literals that do not fit in 64 bits, failing the whole body, yet
// JavaScript writes doubles from 2^64 up to 1e21 in that form (JSON.stringify(2**64)). Returns
// the body with ".0" appended to each such literal, so it parses as a double (and integer fields
// then report it as out of range), or nullopt if there is none.
std::optional<std::string> WidenBigIntegers(std::string_view body) {
  std::string out;
  size_t copied = 0;
  for (size_t i = 0; i < body.size();) {
    char c = body[i];
    if (c == '"') {
      for (++i; i < body.size() && body[i] != '"'; ++i) {
        if (body[i] == '\\') ++i;
      }
      ++i;
      continue;
    }
    if (c != '-' && (c < '0' || c > '9')) {
      ++i;
      continue;
    }
    if (c == '-') ++i;
    size_t digits = i;
    while (i < body.size() && body[i] >= '0' && body[i] <= '9') ++i;
    bool is_integer = i == body.size() || (body[i] != '.' && body[i] != 'e' && body[i] != 'E');
    while (i < body.size() &&
           (std::isdigit(static_cast<unsigned char>(body[i])) || body[i] == '.' || body[i] == 'e' ||
            body[i] == 'E' || body[i] == '+' || body[i] == '-')) {
      ++i;
    }
    if (!is_integer || i - digits < 19) continue;
    uint64_t magnitude;
    auto res = std::from_chars(body.data() + digits, body.data() + i, magnitude);
    if (res.ec == std::errc() && (c != '-' || magnitude <= uint64_t{1} << 63)) continue;
    out.append(body.data() + copied, i - copied);
    out += ".0";
    copied = i;
  }
  if (copied == 0) return std::nullopt;
  out.append(body.data() + copied, body.size() - copied);
  return out;
}

// ---- entry point --------------------------------------------------------------------------------

template <class B>
StatusOr<B> Decode(std::string body) {
  thread_local simdjson::dom::parser reused_parser;
  std::optional<simdjson::dom::parser> own_parser;
  simdjson::dom::parser* parser = &reused_parser;
  if (body.size() > kMaxReusedParserBody) parser = &own_parser.emplace();

  // simdjson reads up to SIMDJSON_PADDING bytes past the end; we own the body, so pad it (a
  // copy only if the caller did not leave kJsonDecodePadding bytes of spare capacity).
  const size_t size = body.size();
  body.resize(size + kJsonDecodePadding);
  element root;
  simdjson::error_code err = parser->parse(body.data(), size, false).get(root);
  std::optional<std::string> widened;
  if (err == simdjson::NUMBER_ERROR &&
      (widened = WidenBigIntegers(std::string_view(body.data(), size)))) {
    const size_t widened_size = widened->size();
    widened->resize(widened_size + simdjson::SIMDJSON_PADDING);
    simdjson::error_code retry = parser->parse(widened->data(), widened_size, false).get(root);
    if (retry == simdjson::SUCCESS) err = retry;
  }
  if (err != simdjson::SUCCESS) {
    return InvalidArgument(fmt::format("invalid JSON: {}", simdjson::error_message(err)));
  }
  B batch;
  Decoder decoder(batch.arenas());
  if (!decoder.Read(root, &batch)) return decoder.ToStatus();
  return batch;
}

}  // namespace

StatusOr<pdata::TraceBatch> DecodeTracesJson(std::string body) {
  return Decode<pdata::TraceBatch>(std::move(body));
}
StatusOr<pdata::MetricBatch> DecodeMetricsJson(std::string body) {
  return Decode<pdata::MetricBatch>(std::move(body));
}
StatusOr<pdata::LogBatch> DecodeLogsJson(std::string body) {
  return Decode<pdata::LogBatch>(std::move(body));
}

}  // namespace otter::otlp
