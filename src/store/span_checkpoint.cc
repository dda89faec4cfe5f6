// The trace head's part of the head checkpoint (docs/storage.md, "Head checkpoint"): SpanRows'
// arrays as they are in memory, so that start-up copies them back instead of parsing the WAL's
// requests again. Each array goes out as records in the WAL's framing (store/wal.h), a record
// holding the element size and then raw elements; the string table as lengths and bytes plus the
// ids that were interned (the hash table is rebuilt: its hashes are seeded per process).
#include <bit>

#include "store/block.h"
#include "store/file_util.h"
#include "store/hash.h"
#include "store/span_columns.h"
#include "store/wal.h"

namespace otter::store {

using Type = pdata::AnyValue::Type;

namespace {

// Record types 2..12; the store's header (1) and end (13) records enclose them.
enum Record : uint8_t {
  kSpans = 2,
  kAttrs = 3,
  kEvents = 4,
  kLinks = 5,
  kResources = 6,
  kScopes = 7,
  kStrings = 8,
  kInterned = 9,
  kResourceKeys = 10,
  kScopeKeys = 11,
  kKeyStats = 12,
};

constexpr size_t kPieceBytes = 32u << 20;  // per record; the WAL's limit is 512 MiB

static_assert(std::is_trivially_copyable_v<SpanRow> && std::is_trivially_copyable_v<AttrCell> &&
              std::is_trivially_copyable_v<EventRow> && std::is_trivially_copyable_v<LinkRow> &&
              std::is_trivially_copyable_v<ResourceRow> && std::is_trivially_copyable_v<ScopeRow>);

// Raw elements, element size first (a build whose rows differ refuses the file).
class ArrayWriter {
 public:
  ArrayWriter(uint8_t type, size_t elem, std::string* out) : type_(type), elem_(elem), out_(out) {
    Start();
  }
  void Add(const void* p, size_t n) {
    const char* c = static_cast<const char*>(p);
    while (n > 0) {
      size_t room = (kPieceBytes - (piece_.size() - 4)) / elem_;
      if (room == 0) {
        Finish();
        Start();
        continue;
      }
      size_t take = std::min(n, room);
      piece_.append(c, take * elem_);
      c += take * elem_;
      n -= take;
    }
  }
  void Finish() {
    if (piece_.size() > 4) AppendFramedRecord(out_, type_, piece_);
    piece_.clear();
  }

 private:
  void Start() {
    piece_.clear();
    char e[4];
    StoreLE32(e, static_cast<uint32_t>(elem_));
    piece_.append(e, 4);
  }
  uint8_t type_;
  size_t elem_;
  std::string* out_;
  std::string piece_;
};

template <class T>
void PutChunked(std::string* out, uint8_t type, const Chunked<T>& a, uint64_t from) {
  ArrayWriter w(type, sizeof(T), out);
  a.ForEachRun(from, [&](const T* p, size_t n) { w.Add(p, n); });
  w.Finish();
}

template <class T>
void PutVector(std::string* out, uint8_t type, const std::vector<T>& v, uint64_t from) {
  ArrayWriter w(type, sizeof(T), out);
  if (from < v.size()) w.Add(v.data() + from, v.size() - from);
  w.Finish();
}

// The elements of an array record, or DataLoss when its element size is not T's.
template <class T>
StatusOr<std::pair<const char*, size_t>> Elements(std::string_view p) {
  if (p.size() < 4 || LoadLE32(p.data()) != sizeof(T) || (p.size() - 4) % sizeof(T) != 0)
    return DataLoss("checkpoint record of another row layout");
  return std::make_pair(p.data() + 4, (p.size() - 4) / sizeof(T));
}

template <class T>
Status LoadChunked(std::string_view p, Chunked<T>* a) {
  ASSIGN_OR_RETURN(auto e, Elements<T>(p));
  a->AppendBytes(e.first, e.second);  // the payload sits at any offset: copied bytewise
  return Status::Ok();
}

template <class T>
Status LoadVector(std::string_view p, std::vector<T>* v) {
  ASSIGN_OR_RETURN(auto e, Elements<T>(p));
  size_t at = v->size();
  v->resize(at + e.second);
  std::memcpy(static_cast<void*>(v->data() + at), e.first, e.second * sizeof(T));
  return Status::Ok();
}

void PutKeys(std::string* out, uint8_t type, const std::unordered_map<std::string, uint32_t>& ids,
             uint64_t from) {
  std::string p;
  for (const auto& [key, id] : ids) {
    if (id < from) continue;
    PutVarint(p, id);
    PutString(p, key);
  }
  if (!p.empty()) AppendFramedRecord(out, type, p);
}

Status LoadKeys(std::string_view p, std::unordered_map<std::string, uint32_t>* ids) {
  IndexReader in(p);
  while (in.ok() && !in.done()) {
    uint64_t id = 0;
    std::string_view key;
    in.Varint(&id);
    in.String(&key);
    if (in.ok()) ids->emplace(std::string(key), static_cast<uint32_t>(id));
  }
  return in.ok() ? Status::Ok() : DataLoss("malformed checkpoint keys");
}

}  // namespace

std::vector<uint32_t> StringTable::InternedSince(uint32_t from) const {
  std::vector<uint32_t> ids;
  for (const Slot& slot : slots_)
    if (slot.id >= from && slot.id != 0) ids.push_back(slot.id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

void StringTable::AdoptStrings(std::string bytes, std::span<const uint32_t> lengths) {
  std::string_view all = arena_->Adopt(std::move(bytes));
  strings_.reserve(strings_.size() + lengths.size());
  size_t at = 0;
  for (uint32_t n : lengths) {
    strings_.push_back(all.substr(at, n));
    at += n;
  }
}

void StringTable::IndexInterned(std::span<const uint32_t> ids) {
  while (strings_.size() * 2 >= slots_.size()) Grow();
  size_t mask = slots_.size() - 1;
  for (uint32_t id : ids) {
    auto h = static_cast<uint32_t>(HashBytes(strings_[id], kProcessSeed));
    size_t i = h & mask;
    while (slots_[i].id) i = (i + 1) & mask;
    slots_[i] = {h, id};
  }
}

RowsMark SpanRows::Mark() const {
  return {spans.size(),     attrs.size(),  events.size(), links.size(),
          resources.size(), scopes.size(), strings.size()};
}

RowsMark SpanRows::AppendCheckpoint(const RowsMark& from, std::string* out) const {
  PutChunked(out, kSpans, spans, from.spans);
  PutChunked(out, kAttrs, attrs, from.attrs);
  PutChunked(out, kEvents, events, from.events);
  PutChunked(out, kLinks, links, from.links);
  PutVector(out, kResources, resources, from.resources);
  PutVector(out, kScopes, scopes, from.scopes);
  // Strings: count, lengths, then the bytes, in pieces.
  std::string lens, bytes;
  uint64_t count = 0;
  auto flush = [&] {
    if (count == 0) return;
    std::string p;
    PutVarint(p, count);
    p += lens;
    p += bytes;
    AppendFramedRecord(out, kStrings, p);
    lens.clear();
    bytes.clear();
    count = 0;
  };
  for (uint64_t i = std::max<uint64_t>(from.strings, 1); i < strings.size(); ++i) {
    std::string_view s = strings[static_cast<uint32_t>(i)];
    PutVarint(lens, s.size());
    bytes += s;
    ++count;
    if (bytes.size() + lens.size() >= kPieceBytes) flush();
  }
  flush();
  std::vector<uint32_t> interned =
      strings.InternedSince(static_cast<uint32_t>(std::max<uint64_t>(from.strings, 1)));
  {
    ArrayWriter w(kInterned, 4, out);
    for (uint32_t id : interned) {
      char b[4];
      StoreLE32(b, id);
      w.Add(b, 1);
    }
    w.Finish();
  }
  PutKeys(out, kResourceKeys, resource_ids_, from.resources);
  PutKeys(out, kScopeKeys, scope_ids_, from.scopes);
  std::string stats;
  for (size_t k = 0; k < key_stats_.size(); ++k) {
    if (key_stats_[k].values == 0) continue;
    PutVarint(stats, k);
    PutVarint(stats, key_stats_[k].values);
    PutVarint(stats, key_stats_[k].fresh);
  }
  if (!stats.empty()) AppendFramedRecord(out, kKeyStats, stats);
  return Mark();
}

Status SpanRows::LoadCheckpointRecord(uint8_t type, std::string_view p) {
  switch (type) {
    case kSpans:
      return LoadChunked(p, &spans);
    case kAttrs:
      return LoadChunked(p, &attrs);
    case kEvents:
      return LoadChunked(p, &events);
    case kLinks:
      return LoadChunked(p, &links);
    case kResources:
      return LoadVector(p, &resources);
    case kScopes:
      return LoadVector(p, &scopes);
    case kStrings: {
      IndexReader in(p);
      uint64_t count = 0;
      in.Varint(&count);
      if (!in.ok() || count > p.size()) return DataLoss("malformed checkpoint strings");
      std::vector<uint32_t> lengths(count);
      uint64_t total = 0;
      for (auto& n : lengths) {
        uint64_t v = 0;
        in.Varint(&v);
        n = static_cast<uint32_t>(v);
        total += v;
      }
      std::string_view bytes;
      if (in.ok()) in.Bytes(total, &bytes);
      if (!in.ok() || !in.done()) return DataLoss("malformed checkpoint strings");
      strings.AdoptStrings(std::string(bytes), lengths);
      return Status::Ok();
    }
    case kInterned: {
      ASSIGN_OR_RETURN(auto e, Elements<uint32_t>(p));
      std::vector<uint32_t> ids(e.second);
      for (size_t i = 0; i < ids.size(); ++i) {
        ids[i] = LoadLE32(e.first + 4 * i);
        if (ids[i] == 0 || ids[i] >= strings.size())
          return DataLoss("checkpoint names a string it does not hold");
      }
      strings.IndexInterned(ids);
      return Status::Ok();
    }
    case kResourceKeys:
      return LoadKeys(p, &resource_ids_);
    case kScopeKeys:
      return LoadKeys(p, &scope_ids_);
    case kKeyStats: {
      IndexReader in(p);
      while (in.ok() && !in.done()) {
        uint64_t k = 0, values = 0, fresh = 0;
        in.Varint(&k);
        in.Varint(&values);
        in.Varint(&fresh);
        if (!in.ok() || k >= strings.size()) return DataLoss("malformed checkpoint key stats");
        if (k >= key_stats_.size()) key_stats_.resize(k + 1);
        key_stats_[k] = {static_cast<uint32_t>(values), static_cast<uint32_t>(fresh)};
      }
      return in.ok() ? Status::Ok() : DataLoss("malformed checkpoint key stats");
    }
  }
  return DataLoss("unknown checkpoint record type " + std::to_string(type));
}

Status SpanRows::CheckLoaded(const RowsMark& from) const {
  const uint64_t ns = strings.size();
  auto range = [](uint64_t first, uint64_t n, uint64_t size) { return first + n <= size; };
  bool ok = true;
  for (uint64_t i = from.attrs; ok && i < attrs.size(); ++i) {
    const AttrCell& c = attrs[i];
    ok = c.key < ns;
    if (c.type == Type::kString || c.type == Type::kBytes || c.type == Type::kArray ||
        c.type == Type::kKvList)
      ok = ok && c.value < ns;
  }
  for (uint64_t i = from.spans; ok && i < spans.size(); ++i) {
    const SpanRow& r = spans[i];
    ok = r.scope < scopes.size() && r.name < ns && r.trace_state < ns && r.status_message < ns &&
         range(r.attrs, r.nattrs, attrs.size()) && range(r.events, r.nevents, events.size()) &&
         range(r.links, r.nlinks, links.size());
  }
  for (uint64_t i = from.events; ok && i < events.size(); ++i)
    ok = events[i].name < ns && range(events[i].attrs, events[i].nattrs, attrs.size());
  for (uint64_t i = from.links; ok && i < links.size(); ++i)
    ok = links[i].trace_state < ns && range(links[i].attrs, links[i].nattrs, attrs.size());
  for (uint64_t i = from.resources; ok && i < resources.size(); ++i) {
    const ResourceRow& r = resources[i];
    ok = r.schema_url < ns && range(r.attrs, r.nattrs, attrs.size());
  }
  for (uint64_t i = from.scopes; ok && i < scopes.size(); ++i) {
    const ScopeRow& s = scopes[i];
    ok = s.resource < resources.size() && s.name < ns && s.version < ns && s.schema_url < ns &&
         range(s.attrs, s.nattrs, attrs.size());
  }
  return ok ? Status::Ok() : DataLoss("checkpoint rows refer to data it does not hold");
}

}  // namespace otter::store
