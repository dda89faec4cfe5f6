#include "processors/redaction/redaction.h"

#include <algorithm>

#include "processors/attraction/value.h"

namespace otter::redaction {
namespace {

using pdata::AnyValue;

constexpr std::string_view kSummaryKeys[] = {
    "redaction.redacted.keys",      "redaction.redacted.count",     "redaction.masked.keys",
    "redaction.masked.count",       "redaction.allowed.keys",       "redaction.allowed.count",
    "redaction.ignored.count",      "redaction.body.redacted.keys", "redaction.body.redacted.count",
    "redaction.body.masked.keys",   "redaction.body.masked.count",  "redaction.body.allowed.keys",
    "redaction.body.allowed.count", "redaction.body.ignored.count"};
enum SummaryKey {
  kRedactedKeys,
  kRedactedCount,
  kMaskedKeys,
  kMaskedCount,
  kAllowedKeys,
  kAllowedCount,
  kIgnoredCount,
  kBodyRedactedKeys,
  kBodyRedactedCount,
  kBodyMaskedKeys,
  kBodyMaskedCount,
  kBodyAllowedKeys,
  kBodyAllowedCount,
  kBodyIgnoredCount,
  kNumSummaryKeys
};

std::unique_ptr<RE2> Compile(const std::string& p) {
  RE2::Options opts;
  opts.set_log_errors(false);
  return std::make_unique<RE2>(p, opts);
}

bool AnyMatch(const std::vector<std::unique_ptr<RE2>>& res, std::string_view s) {
  for (const auto& re : res)
    if (RE2::PartialMatch(re2::StringPiece(s.data(), s.size()), *re)) return true;
  return false;
}

// Length of the UTF-8 sequence starting with byte c (1 for invalid bytes, as Go advances).
size_t RuneLength(unsigned char c) {
  if (c < 0x80) return 1;
  if ((c >> 5) == 6) return 2;
  if ((c >> 4) == 14) return 3;
  if ((c >> 3) == 30) return 4;
  return 1;
}

}  // namespace

struct Redactor::Keys {
  std::string_view k[kNumSummaryKeys];
};

StatusOr<std::unique_ptr<Redactor>> Redactor::Create(const RedactionConfig& cfg) {
  RETURN_IF_ERROR(cfg.Validate());
  auto r = std::make_unique<Redactor>();
  r->allow_all_keys_ = cfg.allow_all_keys;
  r->redact_all_types_ = cfg.redact_all_types;
  r->summary_ = cfg.summary == "debug"  ? Summary::kDebug
                : cfg.summary == "info" ? Summary::kInfo
                                        : Summary::kSilent;
  r->hash_ = !cfg.hash_function.empty();
  r->hash_function_ = cfg.hash_function == "sha1"   ? attraction::DigestAlgorithm::kSha1
                      : cfg.hash_function == "sha3" ? attraction::DigestAlgorithm::kSha3_256
                                                    : attraction::DigestAlgorithm::kMd5;
  // Reserve first: the sets hold views into these strings.
  r->owned_.reserve(cfg.allowed_keys.size() + cfg.ignored_keys.size() + kNumSummaryKeys);
  for (const auto& k : cfg.allowed_keys) r->allowed_.insert(r->owned_.emplace_back(k));
  // The summary attributes are allowed, so a second redaction processor keeps (and adds to) them.
  for (std::string_view k : kSummaryKeys) r->allowed_.insert(r->owned_.emplace_back(k));
  for (const auto& k : cfg.ignored_keys) r->ignored_.insert(r->owned_.emplace_back(k));
  for (const auto& p : cfg.ignored_key_patterns) r->ignored_patterns_.push_back(Compile(p));
  for (const auto& p : cfg.blocked_key_patterns) r->blocked_keys_.push_back(Compile(p));
  for (const auto& p : cfg.blocked_values) r->blocked_values_.push_back(Compile(p));
  for (const auto& p : cfg.allowed_values) r->allowed_values_.push_back(Compile(p));
  r->whole_value_ = Compile(".*");
  return r;
}

Redactor::Keys Redactor::Bind(pdata::ArenaSet& arenas) const {
  Keys keys;
  for (int i = 0; i < kNumSummaryKeys; ++i) keys.k[i] = arenas.Copy(kSummaryKeys[i]);
  return keys;
}

bool Redactor::Ignored(std::string_view key) const {
  return ignored_.count(key) || AnyMatch(ignored_patterns_, key);
}
bool Redactor::Redacted(std::string_view key) const {
  return !allow_all_keys_ && !allowed_.count(key);
}
bool Redactor::MaskedKey(std::string_view key) const { return AnyMatch(blocked_keys_, key); }
bool Redactor::AllowedValue(std::string_view value) const {
  return AnyMatch(allowed_values_, value);
}

std::string Redactor::Mask(std::string_view value, const RE2* re) const {
  if (!re) re = whole_value_.get();
  // Every non-overlapping match, left to right; an empty match right after a match is skipped
  // (Go's ReplaceAll rules).
  std::string out;
  const re2::StringPiece text(value.data(), value.size());
  size_t pos = 0;
  size_t last_end = std::string_view::npos;
  while (pos <= value.size()) {
    re2::StringPiece m;
    if (!re->Match(text, pos, value.size(), RE2::UNANCHORED, &m, 1)) break;
    const size_t start = static_cast<size_t>(m.data() - value.data());
    const size_t end = start + m.size();
    out.append(value.substr(pos, start - pos));
    if (!(m.empty() && start == last_end)) {
      if (hash_) {
        char hex[attraction::kMaxHexDigest];
        size_t n = attraction::HexDigest(hash_function_, value.substr(start, m.size()), hex);
        out.append(hex, n);
      } else {
        out += "****";
      }
      last_end = end;
    }
    if (m.empty()) {
      if (start >= value.size()) {
        pos = value.size() + 1;
        break;
      }
      size_t w =
          std::min(RuneLength(static_cast<unsigned char>(value[start])), value.size() - start);
      out.append(value.substr(start, w));
      pos = start + w;
    } else {
      pos = end;
    }
  }
  if (pos < value.size()) out.append(value.substr(pos));
  return out;
}

bool Redactor::MaskBlocked(std::string_view value, std::string& out) const {
  bool changed = false;
  std::string cur;
  for (const auto& re : blocked_values_) {
    std::string_view v = changed ? std::string_view(cur) : value;
    if (!RE2::PartialMatch(re2::StringPiece(v.data(), v.size()), *re)) continue;
    std::string next = Mask(v, re.get());
    if (next != v) {
      cur = std::move(next);
      changed = true;
    }
  }
  if (changed) out = std::move(cur);
  return changed;
}

void Redactor::AddSummary(std::vector<std::string_view>& names, pdata::Attributes& attrs,
                          std::string_view keys_attr, std::string_view count_attr,
                          pdata::ArenaSet& arenas) const {
  if (names.empty() || summary_ == Summary::kSilent) return;
  int64_t count = static_cast<int64_t>(names.size());
  if (summary_ == Summary::kDebug && !keys_attr.empty()) {
    std::vector<std::string_view> all(names.begin(), names.end());
    const AnyValue* existing = pdata::FindAttribute(attrs, keys_attr);
    if (existing && existing->type == AnyValue::Type::kString && !existing->string_value.empty()) {
      std::string_view rest = existing->string_value;
      while (true) {
        size_t comma = rest.find(',');
        all.push_back(rest.substr(0, comma));
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
      }
    }
    std::sort(all.begin(), all.end());
    std::string joined;
    for (size_t i = 0; i < all.size(); ++i) {
      if (i) joined += ',';
      joined += all[i];
    }
    pdata::UpsertAttribute(attrs, keys_attr, AnyValue::String(arenas.Copy(joined)));
  }
  const AnyValue* existing = pdata::FindAttribute(attrs, count_attr);
  if (existing && existing->type == AnyValue::Type::kInt) count += existing->int_value;
  pdata::UpsertAttribute(attrs, count_attr, AnyValue::Int(count));
}

void Redactor::ProcessAttrs(pdata::Attributes& attrs, const Keys& keys,
                            pdata::ArenaSet& arenas) const {
  Found f;
  std::string masked;
  for (auto& kv : attrs) {
    if (Ignored(kv.key)) {
      f.ignored.push_back(kv.key);
      continue;
    }
    if (Redacted(kv.key)) {
      f.redacted.push_back(kv.key);
      continue;
    }
    std::string rendered;
    std::string_view value;
    if (kv.value.type == AnyValue::Type::kString) {
      value = kv.value.string_value;
    } else if (redact_all_types_) {
      rendered = attraction::AsString(kv.value);
      value = rendered;
    }
    if (AllowedValue(value)) {
      f.allowed.push_back(kv.key);
      continue;
    }
    if (MaskedKey(kv.key)) {
      f.masked.push_back(kv.key);
      kv.value = AnyValue::String(arenas.Copy(Mask(value, nullptr)));
      continue;
    }
    if (MaskBlocked(value, masked)) {
      f.masked.push_back(kv.key);
      kv.value = AnyValue::String(arenas.Copy(masked));
    }
  }
  if (!f.redacted.empty()) {
    std::erase_if(attrs, [&](const pdata::KeyValue& kv) {
      return std::find(f.redacted.begin(), f.redacted.end(), kv.key) != f.redacted.end();
    });
  }
  AddSummary(f.redacted, attrs, keys.k[kRedactedKeys], keys.k[kRedactedCount], arenas);
  AddSummary(f.masked, attrs, keys.k[kMaskedKeys], keys.k[kMaskedCount], arenas);
  AddSummary(f.allowed, attrs, keys.k[kAllowedKeys], keys.k[kAllowedCount], arenas);
  AddSummary(f.ignored, attrs, {}, keys.k[kIgnoredCount], arenas);
}

void Redactor::BodyValue(std::string_view path, AnyValue& v, Found& f,
                         pdata::ArenaSet& arenas) const {
  switch (v.type) {
    case AnyValue::Type::kKvList: {
      std::vector<std::string_view> remove;
      for (auto& kv : v.kvlist_value) {
        std::string_view child = arenas.Copy(std::string(path) + "." + std::string(kv.key));
        if (Ignored(kv.key)) {
          f.ignored.push_back(child);
        } else if (Redacted(kv.key)) {
          remove.push_back(kv.key);
          f.redacted.push_back(child);
        } else if (MaskedKey(kv.key)) {
          f.masked.push_back(child);
          std::string_view s =
              kv.value.type == AnyValue::Type::kString ? kv.value.string_value : std::string_view();
          kv.value = AnyValue::String(arenas.Copy(Mask(s, nullptr)));
        } else {
          BodyValue(child, kv.value, f, arenas);
        }
      }
      std::erase_if(v.kvlist_value, [&](const pdata::KeyValue& kv) {
        return std::find(remove.begin(), remove.end(), kv.key) != remove.end();
      });
      break;
    }
    case AnyValue::Type::kArray:
      for (size_t i = 0; i < v.array_value.size(); ++i) {
        std::string child =
            std::string(path) + (path.empty() ? "" : ".") + "[" + std::to_string(i) + "]";
        BodyValue(arenas.Copy(child), v.array_value[i], f, arenas);
      }
      break;
    default: {
      std::string s = attraction::AsString(v);
      if (AllowedValue(s)) {
        if (!path.empty()) f.allowed.push_back(path);
        break;
      }
      std::string masked;
      if (MaskBlocked(s, masked)) {
        f.masked.push_back(path.empty() ? std::string_view("body") : path);
        v = AnyValue::String(arenas.Copy(masked));
      }
    }
  }
}

void Redactor::ProcessBody(pdata::LogRecord& log, const Keys& keys, pdata::ArenaSet& arenas) const {
  Found f;
  AnyValue& body = log.body;
  if (body.type == AnyValue::Type::kKvList) {
    // Top-level map keys are reported without a prefix.
    std::vector<std::string_view> remove;
    for (auto& kv : body.kvlist_value) {
      if (Ignored(kv.key)) {
        f.ignored.push_back(kv.key);
      } else if (Redacted(kv.key)) {
        remove.push_back(kv.key);
        f.redacted.push_back(kv.key);
      } else if (MaskedKey(kv.key)) {
        f.masked.push_back(kv.key);
        std::string_view s =
            kv.value.type == AnyValue::Type::kString ? kv.value.string_value : std::string_view();
        kv.value = AnyValue::String(arenas.Copy(Mask(s, nullptr)));
      } else {
        BodyValue(kv.key, kv.value, f, arenas);
      }
    }
    std::erase_if(body.kvlist_value, [&](const pdata::KeyValue& kv) {
      return std::find(remove.begin(), remove.end(), kv.key) != remove.end();
    });
  } else {
    BodyValue({}, body, f, arenas);
  }
  AddSummary(f.redacted, log.attributes, keys.k[kBodyRedactedKeys], keys.k[kBodyRedactedCount],
             arenas);
  AddSummary(f.masked, log.attributes, keys.k[kBodyMaskedKeys], keys.k[kBodyMaskedCount], arenas);
  AddSummary(f.allowed, log.attributes, keys.k[kBodyAllowedKeys], keys.k[kBodyAllowedCount],
             arenas);
  AddSummary(f.ignored, log.attributes, {}, keys.k[kBodyIgnoredCount], arenas);
}

void Redactor::Process(pdata::TraceBatch& batch) const {
  pdata::ArenaSet& arenas = batch.arenas();
  const Keys keys = Bind(arenas);
  for (auto& rs : batch.resources()) {
    ProcessAttrs(rs.resource.attributes, keys, arenas);
    for (auto& ss : rs.scope_spans) {
      ProcessAttrs(ss.scope.attributes, keys, arenas);
      for (auto& span : ss.spans) {
        ProcessAttrs(span.attributes, keys, arenas);
        for (auto& ev : span.events) ProcessAttrs(ev.attributes, keys, arenas);
      }
    }
  }
}

void Redactor::Process(pdata::LogBatch& batch) const {
  pdata::ArenaSet& arenas = batch.arenas();
  const Keys keys = Bind(arenas);
  for (auto& rl : batch.resources()) {
    ProcessAttrs(rl.resource.attributes, keys, arenas);
    for (auto& sl : rl.scope_logs) {
      ProcessAttrs(sl.scope.attributes, keys, arenas);
      for (auto& log : sl.log_records) {
        ProcessAttrs(log.attributes, keys, arenas);
        ProcessBody(log, keys, arenas);
      }
    }
  }
}

void Redactor::Process(pdata::MetricBatch& batch) const {
  pdata::ArenaSet& arenas = batch.arenas();
  const Keys keys = Bind(arenas);
  for (auto& rm : batch.resources()) {
    ProcessAttrs(rm.resource.attributes, keys, arenas);
    for (auto& sm : rm.scope_metrics) {
      ProcessAttrs(sm.scope.attributes, keys, arenas);
      for (auto& m : sm.metrics) {
        for (auto& p : m.number_points) ProcessAttrs(p.attributes, keys, arenas);
        for (auto& p : m.histogram_points) ProcessAttrs(p.attributes, keys, arenas);
        for (auto& p : m.exp_histogram_points) ProcessAttrs(p.attributes, keys, arenas);
        for (auto& p : m.summary_points) ProcessAttrs(p.attributes, keys, arenas);
      }
    }
  }
}

}  // namespace otter::redaction
