#include "query/logql/line_parsers.h"

#include <fmt/format.h>

#include <cctype>
#include <cstdlib>
#include <utility>

#include "query/json_writer.h"

namespace otter::query::logql {

namespace {

struct JsonNode {
  // Declared here, defaulted below once JsonNode is complete: clang 14 with libstdc++ 12 rejects
  // implicit ones (pair<string, JsonNode>'s conditionally-explicit default constructor asks
  // whether the still incomplete JsonNode is default-constructible; see config::Node).
  JsonNode();
  ~JsonNode();
  JsonNode(const JsonNode&);
  JsonNode(JsonNode&&) noexcept;
  JsonNode& operator=(const JsonNode&);
  JsonNode& operator=(JsonNode&&) noexcept;

  enum class Type { kObject, kArray, kString, kNumber, kTrue, kFalse, kNull } type = Type::kNull;
  std::string str;       // decoded string, or the number's text
  std::string_view raw;  // the value's JSON text
  std::vector<std::pair<std::string, JsonNode>> members;
  std::vector<JsonNode> items;
};
JsonNode::JsonNode() = default;
JsonNode::~JsonNode() = default;
JsonNode::JsonNode(const JsonNode&) = default;
JsonNode::JsonNode(JsonNode&&) noexcept = default;
JsonNode& JsonNode::operator=(const JsonNode&) = default;
JsonNode& JsonNode::operator=(JsonNode&&) noexcept = default;

class JsonReader {
 public:
  explicit JsonReader(std::string_view s) : s_(s) {}

  // `allow_trailing`: what follows the value is not read (Loki's JSON reader stops at the
  // object's closing brace).
  Status ReadDocument(JsonNode* out, bool allow_trailing = false) {
    RETURN_IF_ERROR(ReadValue(out, 0));
    SkipSpace();
    if (i_ != s_.size() && !allow_trailing) return Error("unexpected trailing data");
    return Status::Ok();
  }

 private:
  Status Error(std::string_view what) const {
    return InvalidArgument(fmt::format("{} at offset {}", what, i_));
  }
  void SkipSpace() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r'))
      ++i_;
  }

  Status ReadString(std::string* out) {
    ++i_;  // opening quote
    while (i_ < s_.size()) {
      char c = s_[i_++];
      if (c == '"') return Status::Ok();
      if (c != '\\') {
        *out += c;
        continue;
      }
      if (i_ >= s_.size()) break;
      char e = s_[i_++];
      switch (e) {
        case '"':
          *out += '"';
          break;
        case '\\':
          *out += '\\';
          break;
        case '/':
          *out += '/';
          break;
        case 'b':
          *out += '\b';
          break;
        case 'f':
          *out += '\f';
          break;
        case 'n':
          *out += '\n';
          break;
        case 'r':
          *out += '\r';
          break;
        case 't':
          *out += '\t';
          break;
        case 'u': {
          auto hex4 = [&](uint32_t* v) {
            if (i_ + 4 > s_.size()) return false;
            *v = 0;
            for (int k = 0; k < 4; ++k) {
              char h = s_[i_ + k];
              int d = std::isdigit(static_cast<unsigned char>(h)) ? h - '0'
                      : (h >= 'a' && h <= 'f')                    ? h - 'a' + 10
                      : (h >= 'A' && h <= 'F')                    ? h - 'A' + 10
                                                                  : -1;
              if (d < 0) return false;
              *v = *v * 16 + d;
            }
            i_ += 4;
            return true;
          };
          uint32_t cp;
          if (!hex4(&cp)) return Error("invalid unicode escape");
          if (cp >= 0xD800 && cp < 0xDC00 && i_ + 1 < s_.size() && s_[i_] == '\\' &&
              s_[i_ + 1] == 'u') {
            i_ += 2;
            uint32_t lo;
            if (!hex4(&lo)) return Error("invalid unicode escape");
            if (lo >= 0xDC00 && lo < 0xE000) {
              cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else {
              AppendUtf8(*out, 0xFFFD);
              cp = lo;
            }
          } else if (cp >= 0xD800 && cp < 0xE000) {
            cp = 0xFFFD;
          }
          AppendUtf8(*out, cp);
          break;
        }
        default:
          return Error("invalid escape");
      }
    }
    return Error("unterminated string");
  }

  Status ReadValue(JsonNode* out, int depth) {
    if (depth > 64) return Error("nesting too deep");
    SkipSpace();
    if (i_ >= s_.size()) return Error("unexpected end of input");
    size_t start = i_;
    char c = s_[i_];
    if (c == '{') {
      out->type = JsonNode::Type::kObject;
      ++i_;
      SkipSpace();
      if (i_ < s_.size() && s_[i_] == '}') {
        ++i_;
      } else {
        while (true) {
          SkipSpace();
          if (i_ >= s_.size() || s_[i_] != '"') return Error("expected object key");
          std::string key;
          RETURN_IF_ERROR(ReadString(&key));
          SkipSpace();
          if (i_ >= s_.size() || s_[i_] != ':') return Error("expected ':'");
          ++i_;
          JsonNode v;
          RETURN_IF_ERROR(ReadValue(&v, depth + 1));
          out->members.emplace_back(std::move(key), std::move(v));
          SkipSpace();
          if (i_ < s_.size() && s_[i_] == ',') {
            ++i_;
            continue;
          }
          if (i_ < s_.size() && s_[i_] == '}') {
            ++i_;
            break;
          }
          return Error("expected ',' or '}'");
        }
      }
    } else if (c == '[') {
      out->type = JsonNode::Type::kArray;
      ++i_;
      SkipSpace();
      if (i_ < s_.size() && s_[i_] == ']') {
        ++i_;
      } else {
        while (true) {
          JsonNode v;
          RETURN_IF_ERROR(ReadValue(&v, depth + 1));
          out->items.push_back(std::move(v));
          SkipSpace();
          if (i_ < s_.size() && s_[i_] == ',') {
            ++i_;
            continue;
          }
          if (i_ < s_.size() && s_[i_] == ']') {
            ++i_;
            break;
          }
          return Error("expected ',' or ']'");
        }
      }
    } else if (c == '"') {
      out->type = JsonNode::Type::kString;
      RETURN_IF_ERROR(ReadString(&out->str));
    } else if (s_.substr(i_, 4) == "true") {
      out->type = JsonNode::Type::kTrue;
      out->str = "true";
      i_ += 4;
    } else if (s_.substr(i_, 5) == "false") {
      out->type = JsonNode::Type::kFalse;
      out->str = "false";
      i_ += 5;
    } else if (s_.substr(i_, 4) == "null") {
      out->type = JsonNode::Type::kNull;
      i_ += 4;
    } else if (c == '-' || std::isdigit(static_cast<unsigned char>(c))) {
      out->type = JsonNode::Type::kNumber;
      size_t j = i_ + 1;
      while (j < s_.size() && (std::isdigit(static_cast<unsigned char>(s_[j])) || s_[j] == '.' ||
                               s_[j] == 'e' || s_[j] == 'E' || s_[j] == '+' || s_[j] == '-'))
        ++j;
      out->str = std::string(s_.substr(i_, j - i_));
      i_ = j;
    } else {
      return Error(fmt::format("unexpected character '{}'", c));
    }
    out->raw = s_.substr(start, i_ - start);
    return Status::Ok();
  }

  std::string_view s_;
  size_t i_ = 0;
};

Status ReadObjectLine(std::string_view line, JsonNode* root) {
  // Loki's JSON reader (jsonparser.ObjectEach) says this for anything but an object.
  size_t first = line.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos || line[first] != '{')
    return InvalidArgument("Value looks like object, but can't find closing '}' symbol");
  JsonReader r(line);
  RETURN_IF_ERROR(r.ReadDocument(root, /*allow_trailing=*/true));
  if (root->type != JsonNode::Type::kObject) return InvalidArgument("not a JSON object");
  return Status::Ok();
}

// Loki's name for a nested field: the sanitised parts joined with '_', parts that are only white
// space left out, a leading digit prefixed with '_'.
std::string NestedKey(const std::vector<std::string_view>& parts) {
  std::string out;
  for (std::string_view part : parts) {
    std::string sanitized = SanitizeLabelKey(part, out.empty());
    if (sanitized.empty()) continue;
    if (!out.empty()) out += '_';
    out += sanitized;
  }
  return out;
}

// Loki's `| json` reads a line as buger/jsonparser's ObjectEach does: lazily, key by key, so
// the fields before a syntax error are kept, text after the object is not read, numbers are taken
// as written up to the next delimiter, and errors carry jsonparser's texts.
class LazyJsonWalker {
 public:
  explicit LazyJsonWalker(const KeyValueFn& fn) : fn_(fn) {}

  Status Object(std::string_view d, std::vector<std::string>& path) {
    size_t o = 0;
    if (!NextToken(d, &o) || d[o] != '{') return Error(kObject);
    ++o;
    if (!NextToken(d, &o)) return Error(kJson);
    if (d[o] == '}') return Status::Ok();
    while (o < d.size()) {
      if (d[o] == '}') return Status::Ok();
      if (d[o] != '"') return Error(kObject);
      ++o;
      size_t end = StringEnd(d.substr(o));
      if (end == std::string_view::npos) return Error(kJson);
      std::string_view raw_key = d.substr(o, end - 1);
      o += end;
      std::string key;
      if (!Unescape(raw_key, &key))
        return Error("Encountered an invalid escape sequence in a string");
      if (!NextToken(d, &o) || d[o] != ':') return Error(kJson);
      ++o;
      RETURN_IF_ERROR(Value(d, &o, key, path));
      if (!NextToken(d, &o)) return Error(kArray);
      if (d[o] == '}') return Status::Ok();
      if (d[o] != ',') return Error(kObject);
      ++o;
      if (!NextToken(d, &o)) return Error(kArray);
    }
    return Error(kObject);
  }

 private:
  static constexpr std::string_view kObject =
      "Value looks like object, but can't find closing '}' symbol";
  static constexpr std::string_view kJson = "Malformed JSON error";
  static constexpr std::string_view kArray = "Value is array, but can't find closing ']' symbol";
  static constexpr std::string_view kString = "Value is string, but can't find closing '\"' symbol";

  static Status Error(std::string_view msg) { return InvalidArgument(std::string(msg)); }

  static bool NextToken(std::string_view d, size_t* o) {
    while (*o < d.size() && (d[*o] == ' ' || d[*o] == '\n' || d[*o] == '\r' || d[*o] == '\t')) ++*o;
    return *o < d.size();
  }

  // The offset just past the closing quote of a string whose opening quote came before `d`.
  static size_t StringEnd(std::string_view d) {
    for (size_t i = 0; i < d.size(); ++i) {
      if (d[i] != '"') continue;
      size_t backslashes = 0;
      for (size_t j = i; j > 0 && d[j - 1] == '\\'; --j) ++backslashes;
      if (backslashes % 2 == 0) return i + 1;
    }
    return std::string_view::npos;
  }

  // The offset just past the block that `d` opens with `open`.
  static size_t BlockEnd(std::string_view d, char open, char close) {
    int level = 0;
    for (size_t i = 0; i < d.size(); ++i) {
      if (d[i] == '"') {
        size_t end = StringEnd(d.substr(i + 1));
        if (end == std::string_view::npos) return std::string_view::npos;
        i += end;
      } else if (d[i] == open) {
        ++level;
      } else if (d[i] == close && --level == 0) {
        return i + 1;
      }
    }
    return std::string_view::npos;
  }

  static bool Unescape(std::string_view raw, std::string* out) {
    if (raw.find('\\') == std::string_view::npos) {
      out->assign(raw);
      return true;
    }
    JsonNode node;
    std::string quoted = "\"" + std::string(raw) + "\"";
    if (!JsonReader(quoted).ReadDocument(&node).ok()) return false;
    *out = std::move(node.str);
    return true;
  }

  Status Value(std::string_view d, size_t* o, const std::string& key,
               std::vector<std::string>& path) {
    if (!NextToken(d, o)) return InvalidArgument("Key path not found");
    const char c = d[*o];
    if (c == '"') {
      size_t end = StringEnd(d.substr(*o + 1));
      if (end == std::string_view::npos) return Error(kString);
      std::string value;
      if (!Unescape(d.substr(*o + 1, end - 1), &value)) value.clear();  // Loki: ""
      *o += end + 1;
      Emit(path, key, std::move(value));
      return Status::Ok();
    }
    if (c == '[' || c == '{') {
      size_t end = BlockEnd(d.substr(*o), c, c == '[' ? ']' : '}');
      if (end == std::string_view::npos) return Error(c == '[' ? kArray : kObject);
      std::string_view block = d.substr(*o, end);
      *o += end;
      if (c == '[') return Status::Ok();  // arrays are skipped
      path.push_back(key);
      Status st = Object(block, path);
      path.pop_back();
      return st;
    }
    size_t end = *o;
    while (end < d.size() && d[end] != ' ' && d[end] != '\n' && d[end] != '\r' && d[end] != '\t' &&
           d[end] != ',' && d[end] != '}' && d[end] != ']')
      ++end;
    std::string_view value = d.substr(*o, end - *o);
    *o = end;
    if (c == 't' || c == 'f') {
      if (value != "true" && value != "false") return Error("Unknown value type");
      Emit(path, key, std::string(value));
    } else if (c == 'n' || c == 'u') {
      if (value != "null") return Error("Unknown value type");  // null: no label
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      Emit(path, key, std::string(value));
    } else {
      return Error("Unknown value type");
    }
    return Status::Ok();
  }

  void Emit(std::vector<std::string>& path, const std::string& key, std::string value) {
    std::string name;
    if (path.empty()) {
      name = SanitizeLabelKey(key, true);
    } else {
      std::vector<std::string_view> parts(path.begin(), path.end());
      parts.push_back(key);
      name = NestedKey(parts);
    }
    if (!name.empty()) fn_(std::move(name), std::move(value));
  }

  const KeyValueFn& fn_;
};

// Splits `a.b["c d"][0]` into segments; integers in brackets are array indexes.
bool SplitPath(std::string_view path, std::vector<std::pair<bool, std::string>>* out) {
  size_t i = 0;
  std::string cur;
  auto flush = [&]() {
    if (!cur.empty()) out->emplace_back(false, std::move(cur));
    cur.clear();
  };
  while (i < path.size()) {
    char c = path[i];
    if (c == '.') {
      flush();
      ++i;
    } else if (c == '[') {
      flush();
      size_t end = path.find(']', i);
      if (end == std::string_view::npos) return false;
      std::string_view inner = path.substr(i + 1, end - i - 1);
      if (inner.size() >= 2 && (inner.front() == '"' || inner.front() == '\'') &&
          inner.back() == inner.front()) {
        out->emplace_back(false, std::string(inner.substr(1, inner.size() - 2)));
      } else {
        for (char d : inner)
          if (!std::isdigit(static_cast<unsigned char>(d))) return false;
        if (inner.empty()) return false;
        out->emplace_back(true, std::string(inner));
      }
      i = end + 1;
    } else {
      cur += c;
      ++i;
    }
  }
  flush();
  return !out->empty();
}

}  // namespace

std::string SanitizeLabelKey(std::string_view key, bool is_prefix) {
  while (!key.empty() && std::isspace(static_cast<unsigned char>(key.front())))
    key.remove_prefix(1);
  while (!key.empty() && std::isspace(static_cast<unsigned char>(key.back()))) key.remove_suffix(1);
  std::string out;
  if (key.empty()) return out;
  if (is_prefix && std::isdigit(static_cast<unsigned char>(key[0]))) out += '_';
  for (char c : key) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x80 && u < 0xC0) continue;  // one '_' per multi-byte character, as Go maps runes
    out += (std::isalnum(u) || c == '_') && u < 0x80 ? c : '_';
  }
  return out;
}

Status ParseJsonLine(std::string_view line, const KeyValueFn& fn) {
  std::vector<std::string> path;
  return LazyJsonWalker(fn).Object(line, path);
}

Status ExtractJsonPaths(std::string_view line, const std::vector<std::string>& paths,
                        std::vector<std::string>* values) {
  JsonNode root;
  RETURN_IF_ERROR(ReadObjectLine(line, &root));
  values->clear();
  for (const std::string& path : paths) {
    std::vector<std::pair<bool, std::string>> segs;
    std::string value;
    if (SplitPath(path, &segs)) {
      const JsonNode* n = &root;
      for (const auto& [is_index, seg] : segs) {
        const JsonNode* next = nullptr;
        if (is_index && n->type == JsonNode::Type::kArray) {
          size_t idx = std::strtoul(seg.c_str(), nullptr, 10);
          if (idx < n->items.size()) next = &n->items[idx];
        } else if (!is_index && n->type == JsonNode::Type::kObject) {
          for (const auto& [k, v] : n->members)
            if (k == seg) {
              next = &v;
              break;
            }
        }
        n = next;
        if (!n) break;
      }
      if (n) {
        switch (n->type) {
          case JsonNode::Type::kObject:
          case JsonNode::Type::kArray:
            value = std::string(n->raw);
            break;
          case JsonNode::Type::kNull:
            break;
          case JsonNode::Type::kString:  // Loki returns the string as written, escapes kept
            value = std::string(n->raw.substr(1, n->raw.size() - 2));
            break;
          default:
            value = n->str;
            break;
        }
      }
    }
    values->push_back(std::move(value));
  }
  return Status::Ok();
}

Status UnpackJsonLine(std::string_view line, const KeyValueFn& fn, std::string* entry,
                      bool* has_entry) {
  JsonNode root;
  RETURN_IF_ERROR(ReadObjectLine(line, &root));
  *has_entry = false;
  for (const auto& [k, v] : root.members) {
    if (v.type != JsonNode::Type::kString) continue;
    if (k == "_entry") {
      *entry = v.str;
      *has_entry = true;
      continue;
    }
    std::string key = SanitizeLabelKey(k, true);
    if (!key.empty()) fn(std::move(key), v.str);
  }
  return Status::Ok();
}

namespace {

// One step of Loki's logfmt decoder: the next key (and value) from position *pos. Returns false
// (setting *error) on a syntax error, after skipping to the next space; *key is empty when only
// white space was left.
bool ScanLogfmtPair(std::string_view s, size_t* pos, std::string_view* key, std::string* value,
                    std::string* error) {
  auto syntax = [&](size_t at, std::string_view msg) {
    *error = fmt::format("logfmt syntax error at pos {} : {}", at + 1, msg);
  };
  auto skip_value = [&](size_t from) {
    while (from < s.size() && static_cast<unsigned char>(s[from]) > ' ') ++from;
    *pos = from;
    return false;
  };
  *key = {};
  value->clear();
  size_t i = *pos;
  while (i < s.size() && static_cast<unsigned char>(s[i]) <= ' ') ++i;
  if (i >= s.size()) {
    *pos = s.size();
    return false;
  }
  const size_t start = i;
  while (i < s.size() && static_cast<unsigned char>(s[i]) > ' ' && s[i] != '=' && s[i] != '"') ++i;
  if (i < s.size() && s[i] == '"') {
    syntax(i, "unexpected '\"'");
    return skip_value(i);
  }
  *key = s.substr(start, i - start);
  if (i >= s.size() || s[i] != '=') {  // a key without a value
    *pos = i;
    return true;
  }
  if (key->empty()) {
    syntax(i, "unexpected '='");
    return skip_value(i);
  }
  ++i;  // '='
  if (i >= s.size() || static_cast<unsigned char>(s[i]) <= ' ') {
    *pos = i;
    return true;
  }
  if (s[i] != '"') {
    const size_t vstart = i;
    for (; i < s.size() && static_cast<unsigned char>(s[i]) > ' '; ++i) {
      if (s[i] == '=' || s[i] == '"') {
        syntax(i, s[i] == '=' ? "unexpected '='" : "unexpected '\"'");
        return skip_value(i);
      }
    }
    value->assign(s.substr(vstart, i - vstart));
    *pos = i;
    return true;
  }
  // A quoted value: JSON string escapes.
  bool escaped = false, has_escape = false;
  for (size_t j = i + 1; j < s.size(); ++j) {
    if (escaped) {
      escaped = false;
    } else if (s[j] == '\\') {
      escaped = has_escape = true;
    } else if (s[j] == '"') {
      *pos = j + 1;
      if (!has_escape) {
        value->assign(s.substr(i + 1, j - i - 1));
        return true;
      }
      JsonNode node;
      if (!JsonReader(s.substr(i, j + 1 - i)).ReadDocument(&node).ok()) {
        syntax(j + 1, "invalid quoted value");
        return false;
      }
      *value = std::move(node.str);
      return true;
    }
  }
  *pos = s.size();
  syntax(s.size(), "unterminated quoted value");
  return false;
}

}  // namespace

Status ScanLogfmtRaw(std::string_view s,
                     const std::function<void(std::string_view, std::string)>& fn) {
  std::string error;
  std::string_view key;
  std::string value;
  for (size_t pos = 0; pos < s.size();) {
    if (!ScanLogfmtPair(s, &pos, &key, &value, &error)) break;
    fn(key, std::move(value));
  }
  if (!error.empty()) return InvalidArgument(error);
  return Status::Ok();
}

std::optional<std::string> JsonTopLevelStringRaw(std::string_view line,
                                                 const std::vector<std::string_view>& keys) {
  JsonNode root;
  if (!ReadObjectLine(line, &root).ok()) return std::nullopt;
  for (std::string_view key : keys) {
    for (const auto& [k, v] : root.members) {
      if (k != key) continue;
      if (v.type == JsonNode::Type::kString && v.raw.size() >= 2)
        return std::string(v.raw.substr(1, v.raw.size() - 2));
      break;
    }
  }
  return std::nullopt;
}

Status ParseLogfmtLine(std::string_view s, bool strict, const KeyValueFn& fn) {
  std::string error;
  std::string_view key;
  std::string value;
  for (size_t pos = 0; pos < s.size();) {
    if (!ScanLogfmtPair(s, &pos, &key, &value, &error)) {
      if (strict) break;
      continue;
    }
    std::string name = SanitizeLabelKey(key, true);
    if (!name.empty()) fn(std::move(name), std::move(value));
  }
  if (!error.empty()) return InvalidArgument(error);
  return Status::Ok();
}

}  // namespace otter::query::logql
