#include "store/tag_filter.h"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>

#include "store/block.h"
#include "store/file_util.h"
#include "store/hash.h"

namespace otter::store {

namespace {

using Type = pdata::AnyValue::Type;

// Fixed seed and salts: these hashes are persisted in block indexes.
constexpr uint64_t kTextSeed = 0x6f74746572746167ull;  // "ottertag"
constexpr uint64_t kItemMul = 0xff51afd7ed558ccdull;

// One bit per 32-bit word of a block (Parquet's split-block bloom filter salts).
constexpr uint32_t kSalt[8] = {0x47b6137bU, 0x44974d91U, 0x8824ad5bU, 0xa2b7289dU,
                               0x705495c7U, 0x2df1424bU, 0x9efc4947U, 0x5c6bfb31U};
constexpr size_t kBlockBytes = 32;
constexpr size_t kBitsPerItem = 10;

size_t BlockOf(uint64_t item, size_t blocks) {
  return static_cast<size_t>(((item >> 32) * blocks) >> 32);
}

bool FilterHas(std::string_view filter, uint64_t item) {
  size_t blocks = filter.size() / kBlockBytes;
  const char* block = filter.data() + BlockOf(item, blocks) * kBlockBytes;
  auto key = static_cast<uint32_t>(item);
  for (size_t i = 0; i < 8; ++i) {
    uint32_t bit = (key * kSalt[i]) >> 27;
    if (!(LoadLE32(block + 4 * i) >> bit & 1)) return false;
  }
  return true;
}

}  // namespace

uint64_t TagTextHash(std::string_view text) { return HashBytesV1(text, kTextSeed) | 1; }
// Asymmetric in key and value: (k, v) and (v, k) are different items.
uint64_t TagItem(uint64_t key_hash, uint64_t value_hash) {
  return Mix(key_hash ^ kItemMul, value_hash);
}

// ---------------------------------------------------------------- building

size_t TagFilterBuilder::EstimateDistinct() {
  // Linear counting: hash into a bitmap of about 8 bits per item, then n ≈ -m ln(zeros / m).
  size_t m = std::bit_ceil(std::max<size_t>(1024, items_.size() * 8));
  seen_.assign(m / 64, 0);
  for (uint64_t item : items_) {
    size_t i = static_cast<size_t>(item >> 20) & (m - 1);
    seen_[i / 64] |= uint64_t{1} << (i % 64);
  }
  size_t ones = 0;
  for (uint64_t w : seen_) ones += static_cast<size_t>(std::popcount(w));
  if (ones == m) return items_.size();
  double zeros = static_cast<double>(m - ones);
  double est = -static_cast<double>(m) * std::log(zeros / static_cast<double>(m));
  return std::min(items_.size(), static_cast<size_t>(std::ceil(est)));
}

void TagFilterBuilder::AddAnyValueKey(uint64_t key_hash) {
  if (std::find(any_keys_.begin(), any_keys_.end(), key_hash) == any_keys_.end())
    any_keys_.push_back(key_hash);
}

std::string TagFilterBuilder::Finish() {
  size_t distinct = EstimateDistinct();
  size_t blocks = std::max<size_t>(1, (distinct * kBitsPerItem + 255) / 256);
  std::vector<uint32_t> words(blocks * 8, 0);
  for (uint64_t item : items_) {
    uint32_t* block = words.data() + BlockOf(item, blocks) * 8;
    auto key = static_cast<uint32_t>(item);
    for (size_t i = 0; i < 8; ++i) block[i] |= uint32_t{1} << ((key * kSalt[i]) >> 27);
  }
  std::string out;
  PutVarint(out, any_keys_.size());
  size_t at = out.size();
  out.resize(at + any_keys_.size() * 8 + words.size() * 4);
  for (uint64_t k : any_keys_) {
    StoreLE64(out.data() + at, k);
    at += 8;
  }
  for (uint32_t w : words) {
    StoreLE32(out.data() + at, w);
    at += 4;
  }
  items_.clear();
  any_keys_.clear();
  return out;
}

SpanTagFilterWriter::SpanTagFilterWriter(const SpanRows& rows)
    : rows_(rows), recent_(4096), key_hashes_(256), resource_page_(rows.resources.size(), 0) {}

uint64_t SpanTagFilterWriter::KeyHash(uint32_t key) {
  auto& [id, hash] = key_hashes_[key & (key_hashes_.size() - 1)];
  if (id != key + 1) {
    id = key + 1;
    hash = TagTextHash(rows_.strings[key]);
  }
  return hash;
}

void SpanTagFilterWriter::AddAttrs(uint32_t first, uint32_t n) {
  static const uint64_t kTrue = TagTextHash("true"), kFalse = TagTextHash("false");
  char digits[24];
  for (uint32_t i = first; i < first + n; ++i) {
    const AttrCell& c = rows_.attrs[i];
    auto type = static_cast<uint32_t>(c.type);
    Cell& seen =
        recent_[Mix(c.value ^ kItemMul, c.key + (uint64_t{type} << 32) + 1) & (recent_.size() - 1)];
    if (seen.value == c.value && seen.key == c.key && seen.type == type) continue;
    seen = {c.value, c.key, type};
    uint64_t k = KeyHash(c.key);
    switch (c.type) {
      case Type::kString:
        builder_.Add(TagItem(k, TagTextHash(rows_.strings[static_cast<uint32_t>(c.value)])));
        break;
      case Type::kBool:
        builder_.Add(TagItem(k, c.value ? kTrue : kFalse));
        break;
      case Type::kInt: {
        char* end =
            std::to_chars(digits, digits + sizeof digits, static_cast<int64_t>(c.value)).ptr;
        builder_.Add(TagItem(k, TagTextHash(std::string_view(digits, end - digits))));
        break;
      }
      default:
        builder_.AddAnyValueKey(k);
        break;
    }
  }
}

std::string SpanTagFilterWriter::Build(std::span<const uint32_t> order) {
  ++page_;
  std::fill(recent_.begin(), recent_.end(), Cell{});
  for (uint32_t idx : order) {
    const SpanRow& r = rows_.spans[idx];
    AddAttrs(r.attrs, r.nattrs);
    for (uint32_t e = r.events; e < r.events + r.nevents; ++e)
      AddAttrs(rows_.events[e].attrs, rows_.events[e].nattrs);
    uint32_t res = rows_.scopes[r.scope].resource;
    if (resource_page_[res] != page_) {
      resource_page_[res] = page_;
      AddAttrs(rows_.resources[res].attrs, rows_.resources[res].nattrs);
    }
  }
  return builder_.Finish();
}

// ---------------------------------------------------------------- probing

TagProbe::TagProbe(std::string_view key, std::string_view value)
    : key_hash_(TagTextHash(key)), item_(TagItem(key_hash_, TagTextHash(value))) {}

bool TagProbe::MayMatch(std::string_view filter) const {
  IndexReader in(filter);
  uint64_t any_keys = 0;
  if (!in.Varint(&any_keys) || any_keys > in.remaining() / 8) return true;  // none, or malformed
  std::string_view keys;
  in.Bytes(any_keys * 8, &keys);
  for (size_t i = 0; i < any_keys; ++i)
    if (LoadLE64(keys.data() + 8 * i) == key_hash_) return true;
  std::string_view bloom = filter.substr(filter.size() - in.remaining());
  return bloom.size() < kBlockBytes || FilterHas(bloom, item_);
}

bool TagIsFilterable(std::string_view key) {
  return key != "error" && key != "span.kind" && key != "otel.status_code" &&
         key != "otel.status_description";
}

}  // namespace otter::store
