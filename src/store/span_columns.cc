#include "store/span_columns.h"

#include <sys/mman.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <map>
#include <new>

#include "otlp/proto_codec.h"
#include "store/block.h"
#include "store/hash.h"
#include "store/id_hash.h"
#include "store/number_coding.h"

namespace otter::store {

void* AllocateChunk(size_t bytes) {
  if (bytes < kMappedChunkBytes) return ::operator new(bytes);
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  return p;
}

void FreeChunk(void* p, size_t bytes) {
  if (bytes < kMappedChunkBytes) {
    ::operator delete(p);
  } else {
    ::munmap(p, bytes);
  }
}

using pdata::AnyValue;
using Type = pdata::AnyValue::Type;

// ---------------------------------------------------------------- strings

StringTable::StringTable() : strings_(1), slots_(64) {}

namespace {

// Seeded per process, so that clients cannot choose strings that collide (hash flooding).
uint32_t HashString(std::string_view s) {
  return static_cast<uint32_t>(HashBytes(s, kProcessSeed));
}

}  // namespace

uint32_t StringTable::Intern(std::string_view s) {
  if (s.empty()) return 0;
  if (strings_.size() * 2 >= slots_.size()) Grow();
  uint32_t h = HashString(s);
  size_t mask = slots_.size() - 1;
  for (size_t i = h & mask;; i = (i + 1) & mask) {
    Slot& slot = slots_[i];
    if (slot.id == 0) {
      slot = {h, static_cast<uint32_t>(strings_.size())};
      strings_.push_back(arena_->Copy(s));
      return slot.id;
    }
    if (slot.hash == h && strings_[slot.id] == s) return slot.id;
  }
}

uint32_t StringTable::Add(std::string_view s) {
  if (s.empty()) return 0;
  strings_.push_back(arena_->Copy(s));
  return static_cast<uint32_t>(strings_.size() - 1);
}

uint32_t StringTable::Push(std::string_view s) {
  strings_.push_back(s);
  return static_cast<uint32_t>(strings_.size() - 1);
}

void StringTable::Grow() {
  std::vector<Slot> slots(slots_.size() * 2);
  size_t mask = slots.size() - 1;
  for (const Slot& slot : slots_) {
    if (slot.id == 0) continue;
    size_t i = slot.hash & mask;
    while (slots[i].id) i = (i + 1) & mask;
    slots[i] = slot;
  }
  slots_ = std::move(slots);
}

size_t StringTable::bytes() const {
  return arena_->bytes() + strings_.capacity() * sizeof(std::string_view) +
         slots_.capacity() * sizeof(Slot);
}

// ---------------------------------------------------------------- whole values

namespace {

// A self-contained serialisation of an AnyValue (for arrays and maps stored as one string, and
// for the dedup keys of resources and scopes).
void PutAny(std::string& out, const AnyValue& v) {
  out += static_cast<char>(v.type);
  switch (v.type) {
    case Type::kString:
    case Type::kBytes:
      PutString(out, v.string_value);
      break;
    case Type::kBool:
      out += static_cast<char>(v.bool_value);
      break;
    case Type::kInt:
      PutVarint(out, ZigZag(v.int_value));
      break;
    case Type::kDouble: {
      auto bits = std::bit_cast<uint64_t>(v.double_value);
      out.append(reinterpret_cast<const char*>(&bits), 8);
      break;
    }
    case Type::kArray:
      PutVarint(out, v.array_value.size());
      for (const auto& e : v.array_value) PutAny(out, e);
      break;
    case Type::kKvList:
      PutVarint(out, v.kvlist_value.size());
      for (const auto& kv : v.kvlist_value) {
        PutString(out, kv.key);
        PutAny(out, kv.value);
      }
      break;
    case Type::kEmpty:
      break;
  }
}

bool GetAny(IndexReader& in, pdata::TraceBatch* out, AnyValue* v, int depth = 0) {
  std::string_view b;
  if (depth > 64 || !in.Bytes(1, &b)) return false;
  v->type = static_cast<Type>(b[0]);
  uint64_t n = 0;
  switch (v->type) {
    case Type::kString:
    case Type::kBytes:
      if (!in.String(&b)) return false;
      v->string_value = out->arenas().Copy(b);
      return true;
    case Type::kBool:
      if (!in.Bytes(1, &b)) return false;
      v->bool_value = b[0] != 0;
      return true;
    case Type::kInt:
      if (!in.Varint(&n)) return false;
      v->int_value = UnZigZag(n);
      return true;
    case Type::kDouble:
      if (!in.Bytes(8, &b)) return false;
      std::memcpy(&n, b.data(), 8);
      v->double_value = std::bit_cast<double>(n);
      return true;
    case Type::kArray:
      if (!in.Varint(&n) || n > (1u << 24)) return false;
      v->array_value.resize(n);
      for (auto& e : v->array_value)
        if (!GetAny(in, out, &e, depth + 1)) return false;
      return true;
    case Type::kKvList:
      if (!in.Varint(&n) || n > (1u << 24)) return false;
      v->kvlist_value.resize(n);
      for (auto& kv : v->kvlist_value) {
        if (!in.String(&b)) return false;
        kv.key = out->arenas().Copy(b);
        if (!GetAny(in, out, &kv.value, depth + 1)) return false;
      }
      return true;
    case Type::kEmpty:
      return true;
  }
  return false;
}

void PutAttributes(std::string& out, const pdata::Attributes& attrs) {
  PutVarint(out, attrs.size());
  for (const auto& kv : attrs) {
    PutString(out, kv.key);
    PutAny(out, kv.value);
  }
}

}  // namespace

// ---------------------------------------------------------------- rows

uint32_t SpanRows::Key(size_t position, std::string_view key) {
  // Attribute lists usually repeat the previous list's keys in the same order.
  if (position < recent_keys_.size() && strings[recent_keys_[position]] == key)
    return recent_keys_[position];
  uint32_t id = strings.Intern(key);
  if (position < kRecentKeys) {
    if (position >= recent_keys_.size()) recent_keys_.resize(position + 1);
    recent_keys_[position] = id;
  }
  return id;
}

uint32_t SpanRows::StringValue(uint32_t key, std::string_view value) {
  // A key whose values are mostly new (request ids, URLs with ids) stops being deduplicated: its
  // strings are only copied, which keeps the table small and the lookups cached.
  if (key >= key_stats_.size()) key_stats_.resize(key + 1);
  KeyStats& k = key_stats_[key];
  if (k.values >= kSampleValues && k.fresh * 2 > k.values) return strings.Add(value);
  size_t before = strings.size();
  uint32_t id = strings.Intern(value);
  if (k.values < kSampleValues) {
    ++k.values;
    k.fresh += strings.size() != before;
  }
  return id;
}

AttrCell SpanRows::Cell(size_t position, const pdata::KeyValue& kv) {
  AttrCell c{Key(position, kv.key), kv.value.type, 0};
  switch (kv.value.type) {
    case Type::kString:
    case Type::kBytes:
      c.value = StringValue(c.key, kv.value.string_value);
      break;
    case Type::kBool:
      c.value = kv.value.bool_value;
      break;
    case Type::kInt:
      c.value = static_cast<uint64_t>(kv.value.int_value);
      break;
    case Type::kDouble:
      c.value = std::bit_cast<uint64_t>(kv.value.double_value);
      break;
    case Type::kArray:
    case Type::kKvList:
      blob_.clear();
      PutAny(blob_, kv.value);
      c.value = StringValue(c.key, blob_);
      break;
    case Type::kEmpty:
      break;
  }
  return c;
}

uint32_t SpanRows::AddAttrs(const pdata::Attributes& list) {
  auto first = static_cast<uint32_t>(attrs.size());
  for (size_t i = 0; i < list.size(); ++i) attrs.push_back(Cell(i, list[i]));
  return first;
}

uint32_t SpanRows::ScopeOf(const pdata::ResourceSpans& rs, const pdata::ScopeSpans& ss) {
  std::string key;
  PutAttributes(key, rs.resource.attributes);
  PutVarint(key, rs.resource.dropped_attributes_count);
  PutString(key, rs.schema_url);
  auto [rit, rnew] = resource_ids_.try_emplace(key, static_cast<uint32_t>(resources.size()));
  if (rnew) {
    ResourceRow r;
    r.attrs = AddAttrs(rs.resource.attributes);
    r.nattrs = static_cast<uint32_t>(rs.resource.attributes.size());
    r.dropped = rs.resource.dropped_attributes_count;
    r.schema_url = strings.Intern(rs.schema_url);
    resources.push_back(r);
  }
  key.clear();
  PutVarint(key, rit->second);
  PutString(key, ss.scope.name);
  PutString(key, ss.scope.version);
  PutAttributes(key, ss.scope.attributes);
  PutVarint(key, ss.scope.dropped_attributes_count);
  PutString(key, ss.schema_url);
  auto [sit, snew] = scope_ids_.try_emplace(std::move(key), static_cast<uint32_t>(scopes.size()));
  if (snew) {
    ScopeRow s;
    s.resource = rit->second;
    s.name = strings.Intern(ss.scope.name);
    s.version = strings.Intern(ss.scope.version);
    s.attrs = AddAttrs(ss.scope.attributes);
    s.nattrs = static_cast<uint32_t>(ss.scope.attributes.size());
    s.dropped = ss.scope.dropped_attributes_count;
    s.schema_url = strings.Intern(ss.schema_url);
    scopes.push_back(s);
  }
  return sit->second;
}

SpanRow SpanRows::RowOf(const pdata::Span& sp, uint32_t scope) {
  SpanRow r;
  r.trace_id = sp.trace_id;
  r.span_id = sp.span_id;
  r.parent = sp.parent_span_id;
  r.start = sp.start_time_unix_nano;
  r.end = sp.end_time_unix_nano;
  r.name = strings.Intern(sp.name);
  r.trace_state = strings.Intern(sp.trace_state);
  r.status_message = strings.Intern(sp.status.message);
  r.status_code = static_cast<int32_t>(sp.status.code);
  r.kind = static_cast<int32_t>(sp.kind);
  r.scope = scope;
  r.flags = sp.flags;
  r.dropped_attrs = sp.dropped_attributes_count;
  r.dropped_events = sp.dropped_events_count;
  r.dropped_links = sp.dropped_links_count;
  return r;
}

void SpanRows::Append(const pdata::TraceBatch& batch) {
  for (const auto& rs : batch.resources()) {
    for (const auto& ss : rs.scope_spans) {
      uint32_t scope = ScopeOf(rs, ss);
      for (const auto& sp : ss.spans) {
        SpanRow r = RowOf(sp, scope);
        r.attrs = AddAttrs(sp.attributes);
        r.nattrs = static_cast<uint32_t>(sp.attributes.size());
        r.events = static_cast<uint32_t>(events.size());
        r.nevents = static_cast<uint32_t>(sp.events.size());
        for (const auto& e : sp.events) {
          EventRow er{e.time_unix_nano, strings.Intern(e.name), 0,
                      static_cast<uint32_t>(e.attributes.size()), e.dropped_attributes_count};
          er.attrs = AddAttrs(e.attributes);
          events.push_back(er);
        }
        r.links = static_cast<uint32_t>(links.size());
        r.nlinks = static_cast<uint32_t>(sp.links.size());
        for (const auto& l : sp.links) {
          LinkRow lr{l.trace_id,
                     l.span_id,
                     strings.Intern(l.trace_state),
                     0,
                     static_cast<uint32_t>(l.attributes.size()),
                     l.dropped_attributes_count,
                     l.flags};
          lr.attrs = AddAttrs(l.attributes);
          links.push_back(lr);
        }
        spans.push_back(r);
      }
    }
  }
}

// Builds rows as Append does, from otlp::WalkTraces' visits: a span's own attributes come
// first, then each event's and each link's, then the span.
class SpanRows::WireVisitor final : public otlp::TraceVisitor {
 public:
  explicit WireVisitor(SpanRows& rows) : rows_(rows) { Next(); }

  void Scope(const pdata::ResourceSpans& rs, const pdata::ScopeSpans& ss) override {
    scope_ = rows_.ScopeOf(rs, ss);
    Next();
  }
  void Attribute(const pdata::KeyValue& kv, uint32_t index) override {
    rows_.attrs.push_back(rows_.Cell(index, kv));
  }
  void Event(const pdata::SpanEvent& e, uint32_t nattrs) override {
    rows_.events.push_back(EventRow{e.time_unix_nano, rows_.strings.Intern(e.name),
                                    static_cast<uint32_t>(rows_.attrs.size()) - nattrs, nattrs,
                                    e.dropped_attributes_count});
  }
  void Link(const pdata::SpanLink& l, uint32_t nattrs) override {
    rows_.links.push_back(LinkRow{l.trace_id, l.span_id, rows_.strings.Intern(l.trace_state),
                                  static_cast<uint32_t>(rows_.attrs.size()) - nattrs, nattrs,
                                  l.dropped_attributes_count, l.flags});
  }
  void Span(const pdata::Span& sp, uint32_t nattrs) override {
    SpanRow r = rows_.RowOf(sp, scope_);
    r.attrs = attrs_;  // the span's own attributes come first
    r.nattrs = nattrs;
    r.events = static_cast<uint32_t>(events_);
    r.nevents = static_cast<uint32_t>(rows_.events.size() - events_);
    r.links = static_cast<uint32_t>(links_);
    r.nlinks = static_cast<uint32_t>(rows_.links.size() - links_);
    rows_.spans.push_back(r);
    Next();
  }

 private:
  void Next() {
    attrs_ = static_cast<uint32_t>(rows_.attrs.size());
    events_ = rows_.events.size();
    links_ = rows_.links.size();
  }
  SpanRows& rows_;
  uint32_t scope_ = 0;
  // The next span's first attribute, event and link.
  uint32_t attrs_ = 0;
  size_t events_ = 0, links_ = 0;
};

bool SpanRows::AppendWire(std::string_view request) {
  size_t nspans = spans.size();
  WireVisitor visitor(*this);
  if (otlp::WalkTraces(request, visitor)) return true;
  // Only the spans go: the attributes, events and links added stay unreferenced, and a resource
  // or scope added may already be known by its key.
  spans.truncate(nspans);
  return false;
}

pdata::AnyValue SpanRows::Value(const AttrCell& c, pdata::TraceBatch* out) const {
  AnyValue v;
  v.type = c.type;
  switch (c.type) {
    case Type::kString:
    case Type::kBytes:
      v.string_value = out->arenas().Copy(strings[static_cast<uint32_t>(c.value)]);
      break;
    case Type::kBool:
      v.bool_value = c.value != 0;
      break;
    case Type::kInt:
      v.int_value = static_cast<int64_t>(c.value);
      break;
    case Type::kDouble:
      v.double_value = std::bit_cast<double>(c.value);
      break;
    case Type::kArray:
    case Type::kKvList: {
      IndexReader in(strings[static_cast<uint32_t>(c.value)]);
      if (!GetAny(in, out, &v)) v = AnyValue();  // checked when the page was decoded
      break;
    }
    case Type::kEmpty:
      break;
  }
  return v;
}

std::string SpanRows::ValueString(const AttrCell& cell) const {
  pdata::TraceBatch scratch;
  return Value(cell, &scratch).ToString();
}

void SpanRows::AddAttrsTo(uint32_t first, uint32_t n, pdata::Attributes* to,
                          pdata::TraceBatch* out) const {
  to->reserve(n);
  for (uint32_t i = first; i < first + n; ++i)
    to->push_back({out->arenas().Copy(strings[attrs[i].key]), Value(attrs[i], out)});
}

void SpanRows::ToBatch(std::span<const uint32_t> rows, pdata::TraceBatch* out) const {
  // Output position of each resource and scope used, in order of first use.
  std::map<uint32_t, size_t> resource_at;
  std::map<uint32_t, std::pair<size_t, size_t>> scope_at;
  auto copy = [&](uint32_t id) { return out->arenas().Copy(strings[id]); };
  for (uint32_t idx : rows) {
    const SpanRow& r = spans[idx];
    auto sit = scope_at.find(r.scope);
    if (sit == scope_at.end()) {
      const ScopeRow& sr = scopes[r.scope];
      auto rit = resource_at.find(sr.resource);
      if (rit == resource_at.end()) {
        const ResourceRow& rr = resources[sr.resource];
        pdata::ResourceSpans rs;
        AddAttrsTo(rr.attrs, rr.nattrs, &rs.resource.attributes, out);
        rs.resource.dropped_attributes_count = rr.dropped;
        rs.schema_url = copy(rr.schema_url);
        rit = resource_at.emplace(sr.resource, out->resources().size()).first;
        out->resources().push_back(std::move(rs));
      }
      auto& rs = out->resources()[rit->second];
      pdata::ScopeSpans ss;
      ss.scope.name = copy(sr.name);
      ss.scope.version = copy(sr.version);
      AddAttrsTo(sr.attrs, sr.nattrs, &ss.scope.attributes, out);
      ss.scope.dropped_attributes_count = sr.dropped;
      ss.schema_url = copy(sr.schema_url);
      sit = scope_at.emplace(r.scope, std::pair{rit->second, rs.scope_spans.size()}).first;
      rs.scope_spans.push_back(std::move(ss));
    }
    pdata::Span sp;
    sp.trace_id = r.trace_id;
    sp.span_id = r.span_id;
    sp.parent_span_id = r.parent;
    sp.trace_state = copy(r.trace_state);
    sp.name = copy(r.name);
    sp.kind = static_cast<pdata::SpanKind>(r.kind);
    sp.start_time_unix_nano = r.start;
    sp.end_time_unix_nano = r.end;
    AddAttrsTo(r.attrs, r.nattrs, &sp.attributes, out);
    sp.dropped_attributes_count = r.dropped_attrs;
    sp.events.reserve(r.nevents);
    for (uint32_t i = r.events; i < r.events + r.nevents; ++i) {
      const EventRow& er = events[i];
      pdata::SpanEvent e;
      e.time_unix_nano = er.time;
      e.name = copy(er.name);
      AddAttrsTo(er.attrs, er.nattrs, &e.attributes, out);
      e.dropped_attributes_count = er.dropped;
      sp.events.push_back(std::move(e));
    }
    sp.dropped_events_count = r.dropped_events;
    for (uint32_t i = r.links; i < r.links + r.nlinks; ++i) {
      const LinkRow& lr = links[i];
      pdata::SpanLink l;
      l.trace_id = lr.trace_id;
      l.span_id = lr.span_id;
      l.trace_state = copy(lr.trace_state);
      AddAttrsTo(lr.attrs, lr.nattrs, &l.attributes, out);
      l.dropped_attributes_count = lr.dropped;
      l.flags = lr.flags;
      sp.links.push_back(std::move(l));
    }
    sp.dropped_links_count = r.dropped_links;
    sp.status.code = static_cast<pdata::StatusCode>(r.status_code);
    sp.status.message = copy(r.status_message);
    sp.flags = r.flags;
    out->resources()[sit->second.first].scope_spans[sit->second.second].spans.push_back(
        std::move(sp));
  }
}

size_t SpanRows::bytes() const {
  return spans.bytes() + attrs.bytes() + events.bytes() + links.bytes() + strings.bytes() +
         page.size();
}

// ---------------------------------------------------------------- pages
//
// A page is a sequence of streams, each a varint length and bytes, in the order of `Stream`.
// Strings are references into a page dictionary built in order of first use: 0 is "", 1 a new
// string (the next one in kStrLens/kStrData), n >= 2 the string with page id n - 1. Encoder and
// decoder visit the reference-bearing streams in the same order, so both number new strings alike.

namespace {

enum Stream : uint8_t {
  kResourceTable,  // resources then scopes, attributes inline
  kSpanIds,        // 8 raw bytes each
  kParents,    // 0 none, 1 explicit (kParentIds), n >= 2 the span n - 1 places before in the trace
  kParentIds,  // 8 raw bytes each
  kStarts,     // delta from the previous span of the trace (the first: from its min start)
  kDurations,  // zigzag(end - start)
  kNames,
  kKinds,
  kStatus,  // code
  kStatusMessages,
  kFlags,
  kTraceStates,
  kScopes,
  kDropped,   // attributes, events, links
  kAttrSets,  // key set per span
  kEventCounts,
  kEventTimes,  // zigzag(time - span start)
  kEventNames,
  kEventDropped,
  kEventAttrSets,
  kLinkCounts,
  kLinkIds,  // 24 raw bytes each
  kLinkStates,
  kLinkFlags,
  kLinkDropped,
  kLinkAttrSets,
  kKeySets,  // the key sets: their columns
  kColumns,  // per attribute key: the key, its values' types and values
  kStrLens,
  kStrData,
  kStreamCount
};

}  // namespace

SpanPageWriter::SpanPageWriter(const SpanRows& rows)
    : rows_(rows),
      remap_(rows.strings.size(), 0),
      key_column_(rows.strings.size(), 0),
      streams_(kStreamCount) {}

std::string SpanPageWriter::Encode(std::span<const uint32_t> order,
                                   std::span<const PageTrace> traces) {
  ++page_;
  const SpanRows& R = rows_;
  Sink* s = streams_.data();
  for (auto& x : streams_) x.clear();
  uint32_t next_id = 1;
  auto ref = [&](Sink& out, uint32_t id) {
    if (id == 0) {
      out.Byte(0);
      return;
    }
    uint64_t& m = remap_[id];
    if ((m >> 32) == page_) {
      out.Varint((m & 0xffffffff) + 1);
      return;
    }
    m = (page_ << 32) | next_id++;
    out.Byte(1);
    std::string_view str = R.strings[id];
    s[kStrLens].Varint(str.size());
    s[kStrData].Raw(str.data(), str.size());
  };
  auto put_value = [&](Sink& out, const AttrCell& c) {
    switch (c.type) {
      case Type::kString:
      case Type::kBytes:
      case Type::kArray:
      case Type::kKvList:
        ref(out, static_cast<uint32_t>(c.value));
        break;
      case Type::kBool:
        out.Byte(c.value != 0);
        break;
      case Type::kInt:
        out.Varint(ZigZag(static_cast<int64_t>(c.value)));
        break;
      case Type::kDouble:
        out.Raw(&c.value, 8);
        break;
      case Type::kEmpty:
        break;
    }
  };
  auto put_cell = [&](Sink& out, const AttrCell& c) {
    out.Byte(static_cast<uint8_t>(c.type));
    put_value(out, c);
  };
  auto put_attrs = [&](Sink& out, uint32_t first, uint32_t n) {
    out.Varint(n);
    for (uint32_t i = first; i < first + n; ++i) {
      ref(out, R.attrs[i].key);
      put_cell(out, R.attrs[i]);
    }
  };

  // Resources and scopes used by the page, numbered by first use.
  std::map<uint32_t, uint32_t> scope_ids, resource_ids;
  std::vector<uint32_t> page_scopes, page_resources;
  for (const PageTrace& t : traces) {
    for (uint32_t k = t.first; k < t.first + t.count; ++k) {
      uint32_t sc = R.spans[order[k]].scope;
      if (!scope_ids.try_emplace(sc, static_cast<uint32_t>(page_scopes.size())).second) continue;
      page_scopes.push_back(sc);
      uint32_t res = R.scopes[sc].resource;
      if (resource_ids.try_emplace(res, static_cast<uint32_t>(page_resources.size())).second)
        page_resources.push_back(res);
    }
  }
  Sink& table = s[kResourceTable];
  table.Varint(page_resources.size());
  for (uint32_t res : page_resources) {
    const ResourceRow& rr = R.resources[res];
    put_attrs(table, rr.attrs, rr.nattrs);
    table.Varint(rr.dropped);
    ref(table, rr.schema_url);
  }
  table.Varint(page_scopes.size());
  for (uint32_t sc : page_scopes) {
    const ScopeRow& sr = R.scopes[sc];
    table.Varint(resource_ids[sr.resource]);
    ref(table, sr.name);
    ref(table, sr.version);
    put_attrs(table, sr.attrs, sr.nattrs);
    table.Varint(sr.dropped);
    ref(table, sr.schema_url);
  }

  // Span-level columns, one pass each (so string references come out stream by stream).
  auto each_span = [&](auto&& fn) {
    for (const PageTrace& t : traces)
      for (uint32_t k = t.first; k < t.first + t.count; ++k) fn(t, k, R.spans[order[k]]);
  };
  std::unordered_map<pdata::SpanId, uint32_t, IdHash> positions;  // within a large trace
  uint32_t last_scope = UINT32_MAX, last_scope_id = 0;
  for (const PageTrace& t : traces) {
    bool large = t.count > 32;
    if (large) positions.clear();
    uint64_t prev_start = t.min_start;
    for (uint32_t k = t.first; k < t.first + t.count; ++k) {
      const SpanRow& r = R.spans[order[k]];
      s[kSpanIds].Raw(r.span_id.bytes.data(), 8);
      uint32_t back = 0;  // places before this span, 0 = not in the trace before it
      if (!r.parent.empty()) {
        if (large) {
          auto it = positions.find(r.parent);
          if (it != positions.end()) back = k - it->second;
        } else {
          for (uint32_t j = k; j > t.first; --j) {
            if (R.spans[order[j - 1]].span_id == r.parent) {
              back = k - (j - 1);
              break;
            }
          }
        }
      }
      if (large) positions.try_emplace(r.span_id, k);
      if (r.parent.empty()) {
        s[kParents].Byte(0);
      } else if (back) {
        s[kParents].Varint(back + 1);
      } else {
        s[kParents].Byte(1);
        s[kParentIds].Raw(r.parent.bytes.data(), 8);
      }
      s[kStarts].Varint(r.start - prev_start);
      prev_start = r.start;
      s[kDurations].Varint(ZigZag(static_cast<int64_t>(r.end - r.start)));
      s[kKinds].Varint(static_cast<uint32_t>(r.kind));
      s[kStatus].Varint(static_cast<uint32_t>(r.status_code));
      s[kFlags].Varint(r.flags);
      if (r.scope != last_scope) {
        last_scope = r.scope;
        last_scope_id = scope_ids[r.scope];
      }
      s[kScopes].Varint(last_scope_id);
      s[kDropped].Varint(r.dropped_attrs);
      s[kDropped].Varint(r.dropped_events);
      s[kDropped].Varint(r.dropped_links);
      s[kEventCounts].Varint(r.nevents);
      s[kLinkCounts].Varint(r.nlinks);
    }
  }
  each_span([&](const PageTrace&, uint32_t, const SpanRow& r) { ref(s[kNames], r.name); });
  each_span([&](const PageTrace&, uint32_t, const SpanRow& r) {
    ref(s[kStatusMessages], r.status_message);
  });
  each_span(
      [&](const PageTrace&, uint32_t, const SpanRow& r) { ref(s[kTraceStates], r.trace_state); });
  each_span([&](const PageTrace&, uint32_t, const SpanRow& r) {
    for (uint32_t i = r.events; i < r.events + r.nevents; ++i) {
      const EventRow& e = R.events[i];
      s[kEventTimes].Varint(ZigZag(static_cast<int64_t>(e.time - r.start)));
      s[kEventDropped].Varint(e.dropped);
    }
  });
  each_span([&](const PageTrace&, uint32_t, const SpanRow& r) {
    for (uint32_t i = r.events; i < r.events + r.nevents; ++i)
      ref(s[kEventNames], R.events[i].name);
  });
  each_span([&](const PageTrace&, uint32_t, const SpanRow& r) {
    for (uint32_t i = r.links; i < r.links + r.nlinks; ++i) {
      const LinkRow& l = R.links[i];
      s[kLinkIds].Raw(l.trace_id.bytes.data(), 16);
      s[kLinkIds].Raw(l.span_id.bytes.data(), 8);
      s[kLinkFlags].Varint(l.flags);
      s[kLinkDropped].Varint(l.dropped);
    }
  });
  each_span([&](const PageTrace&, uint32_t, const SpanRow& r) {
    for (uint32_t i = r.links; i < r.links + r.nlinks; ++i)
      ref(s[kLinkStates], R.links[i].trace_state);
  });

  // Attributes: each list becomes a key set (the columns of its keys, in order) and its values
  // go to their key's column. Consecutive lists usually repeat the previous set.
  size_t ncolumns = 0;
  std::map<std::vector<uint32_t>, uint32_t> set_ids;
  std::vector<const std::vector<uint32_t>*> sets;
  std::vector<uint32_t> keys, cols;  // of the last list
  uint32_t last_id = UINT32_MAX;
  auto add_list = [&](Sink& out, uint32_t first, uint32_t n) {
    bool same = n == keys.size() && last_id != UINT32_MAX;
    for (uint32_t i = 0; same && i < n; ++i) same = R.attrs[first + i].key == keys[i];
    if (!same) {
      keys.clear();
      cols.clear();
      for (uint32_t i = first; i < first + n; ++i) {
        uint32_t key = R.attrs[i].key;
        uint64_t& m = key_column_[key];
        if ((m >> 32) != page_) {
          m = (page_ << 32) | ncolumns;
          if (ncolumns == columns_.size()) columns_.emplace_back();
          columns_[ncolumns].key = key;
          columns_[ncolumns].cells.clear();
          ++ncolumns;
        }
        keys.push_back(key);
        cols.push_back(static_cast<uint32_t>(m));
      }
      auto [it, fresh] = set_ids.try_emplace(cols, static_cast<uint32_t>(sets.size()));
      if (fresh) sets.push_back(&it->first);
      last_id = it->second;
    }
    for (uint32_t i = 0; i < n; ++i) columns_[cols[i]].cells.push_back(&R.attrs[first + i]);
    out.Varint(last_id);
  };
  each_span([&](const PageTrace&, uint32_t, const SpanRow& r) {
    add_list(s[kAttrSets], r.attrs, r.nattrs);
    for (uint32_t i = r.events; i < r.events + r.nevents; ++i)
      add_list(s[kEventAttrSets], R.events[i].attrs, R.events[i].nattrs);
    for (uint32_t i = r.links; i < r.links + r.nlinks; ++i)
      add_list(s[kLinkAttrSets], R.links[i].attrs, R.links[i].nattrs);
  });
  s[kKeySets].Varint(sets.size());
  for (const auto* set : sets) {
    s[kKeySets].Varint(set->size());
    for (uint32_t c : *set) s[kKeySets].Varint(c);
  }
  Sink& out = s[kColumns];
  out.Varint(ncolumns);
  std::string types;
  Sink& values = values_;
  std::vector<uint64_t>& numbers = numbers_;
  for (size_t ci = 0; ci < ncolumns; ++ci) {
    const Column& c = columns_[ci];
    ref(out, c.key);
    out.Varint(c.cells.size());
    Type type = c.cells[0]->type;
    bool uniform = std::all_of(c.cells.begin(), c.cells.end(),
                               [&](const AttrCell* cell) { return cell->type == type; });
    if (uniform && (type == Type::kInt || type == Type::kDouble)) {
      numbers.clear();
      for (const AttrCell* cell : c.cells) numbers.push_back(cell->value);
      if (PutNumbers(out, type, numbers)) continue;
    }
    types.clear();
    values.clear();
    for (const AttrCell* cell : c.cells) {
      types += static_cast<char>(cell->type);
      put_value(values, *cell);
    }
    // A key's values have one type almost always: the type is stored once then.
    if (uniform) {
      out.Byte(kOneType);
      out.Byte(static_cast<uint8_t>(type));
    } else {
      out.Byte(kMixedTypes);
      out.Raw(types.data(), types.size());
    }
    out.Raw(values.data(), values.size());
  }

  std::string page;
  size_t total = 0;
  for (const auto& x : streams_) total += x.size() + 5;
  page.reserve(total);
  for (const auto& x : streams_) PutString(page, x.view());
  return page;
}

namespace {

// Reads a page back (see Encode for the layout). Every count and index is checked: a corrupt
// page fails with DataLoss, never reads out of bounds.
class PageDecoder {
 public:
  PageDecoder(std::span<const PageTraceInfo> traces, SpanRows* out) : traces_(traces), out_(*out) {}

  bool Run() {
    IndexReader in(out_.page);
    for (auto& x : st_)
      if (!in.String(&x)) return false;
    if (!in.done()) return false;
    lens_ = IndexReader(st_[kStrLens]);
    for (int i = 0; i < kStreamCount; ++i) r_[i] = IndexReader(st_[i]);
    return Resources() && Spans() && Strings() && Events() && Links() && Attributes() && Finished();
  }

 private:
  bool Ref(IndexReader& r, uint32_t* id) {
    uint64_t v;
    if (!r.Varint(&v)) return false;
    if (v == 0) {
      *id = 0;
    } else if (v == 1) {
      uint64_t n;
      std::string_view data = st_[kStrData];
      if (!lens_.Varint(&n) || n > data.size() - data_pos_) return false;
      *id = out_.strings.Push(data.substr(data_pos_, n));
      data_pos_ += n;
    } else {
      if (v - 1 >= out_.strings.size()) return false;
      *id = static_cast<uint32_t>(v - 1);
    }
    return true;
  }

  bool Byte(IndexReader& r, uint8_t* b) {
    std::string_view v;
    if (!r.Bytes(1, &v)) return false;
    *b = static_cast<uint8_t>(v[0]);
    return true;
  }

  bool Value(IndexReader& r, Type type, AttrCell* c) {
    c->type = type;
    uint64_t v = 0;
    std::string_view raw;
    uint8_t b = 0;
    switch (type) {
      case Type::kString:
      case Type::kBytes: {
        uint32_t id;
        if (!Ref(r, &id)) return false;
        c->value = id;
        return true;
      }
      case Type::kArray:
      case Type::kKvList: {
        uint32_t id;
        if (!Ref(r, &id)) return false;
        c->value = id;
        IndexReader blob(out_.strings[id]);
        AnyValue check;
        return GetAny(blob, &scratch_, &check) && blob.done() && check.type == type;
      }
      case Type::kBool:
        if (!Byte(r, &b)) return false;
        c->value = b != 0;
        return true;
      case Type::kInt:
        if (!r.Varint(&v)) return false;
        c->value = static_cast<uint64_t>(UnZigZag(v));
        return true;
      case Type::kDouble:
        if (!r.Bytes(8, &raw)) return false;
        std::memcpy(&c->value, raw.data(), 8);
        return true;
      case Type::kEmpty:
        return true;
    }
    return false;
  }

  // An attribute list written inline (resources and scopes).
  bool InlineAttrs(IndexReader& r, uint32_t* first, uint32_t* n) {
    uint64_t count;
    if (!r.Varint(&count) || count > r_[kResourceTable].remaining()) return false;
    *first = static_cast<uint32_t>(out_.attrs.size());
    *n = static_cast<uint32_t>(count);
    for (uint64_t i = 0; i < count; ++i) {
      AttrCell c;
      uint8_t t;
      if (!Ref(r, &c.key) || !Byte(r, &t) || t > static_cast<uint8_t>(Type::kBytes) ||
          !Value(r, static_cast<Type>(t), &c))
        return false;
      out_.attrs.push_back(c);
    }
    return true;
  }

  bool Resources() {
    IndexReader& r = r_[kResourceTable];
    uint64_t n;
    if (!r.Varint(&n) || n > r.remaining()) return false;
    for (uint64_t i = 0; i < n; ++i) {
      ResourceRow rr;
      if (!InlineAttrs(r, &rr.attrs, &rr.nattrs) || !r.U32(&rr.dropped) || !Ref(r, &rr.schema_url))
        return false;
      out_.resources.push_back(rr);
    }
    if (!r.Varint(&n) || n > r.remaining()) return false;
    for (uint64_t i = 0; i < n; ++i) {
      ScopeRow sr;
      if (!r.U32(&sr.resource) || sr.resource >= out_.resources.size() || !Ref(r, &sr.name) ||
          !Ref(r, &sr.version) || !InlineAttrs(r, &sr.attrs, &sr.nattrs) || !r.U32(&sr.dropped) ||
          !Ref(r, &sr.schema_url))
        return false;
      out_.scopes.push_back(sr);
    }
    return true;
  }

  bool Spans() {
    uint64_t total = 0;
    for (const auto& t : traces_) total += t.count;
    if (total * 8 != st_[kSpanIds].size()) return false;
    std::string_view ids = st_[kSpanIds];
    uint64_t nevents = 0, nlinks = 0;
    for (const auto& t : traces_) {
      auto first = out_.spans.size();
      uint64_t start = t.min_start;
      for (uint32_t k = 0; k < t.count; ++k) {
        SpanRow row;
        row.trace_id = t.id;
        std::memcpy(row.span_id.bytes.data(), ids.data() + out_.spans.size() * 8, 8);
        uint64_t parent, delta, duration, kind, status, nev, nl;
        std::string_view raw;
        if (!r_[kParents].Varint(&parent)) return false;
        if (parent == 1) {
          if (!r_[kParentIds].Bytes(8, &raw)) return false;
          std::memcpy(row.parent.bytes.data(), raw.data(), 8);
        } else if (parent >= 2) {
          if (parent - 1 > k) return false;
          row.parent = out_.spans[first + k - (parent - 1)].span_id;
        }
        if (!r_[kStarts].Varint(&delta) || !r_[kDurations].Varint(&duration) ||
            !r_[kKinds].Varint(&kind) || !r_[kStatus].Varint(&status) ||
            !r_[kFlags].U32(&row.flags) || !r_[kScopes].U32(&row.scope) ||
            row.scope >= out_.scopes.size() || !r_[kDropped].U32(&row.dropped_attrs) ||
            !r_[kDropped].U32(&row.dropped_events) || !r_[kDropped].U32(&row.dropped_links) ||
            !r_[kEventCounts].Varint(&nev) || !r_[kLinkCounts].Varint(&nl))
          return false;
        start += delta;
        row.start = start;
        row.end = start + static_cast<uint64_t>(UnZigZag(duration));
        row.kind = static_cast<int32_t>(kind);
        row.status_code = static_cast<int32_t>(status);
        row.events = static_cast<uint32_t>(nevents);
        row.nevents = static_cast<uint32_t>(nev);
        row.links = static_cast<uint32_t>(nlinks);
        row.nlinks = static_cast<uint32_t>(nl);
        nevents += nev;
        nlinks += nl;
        if (nevents > st_[kEventDropped].size() || nlinks > st_[kLinkDropped].size()) return false;
        out_.spans.push_back(row);
      }
    }
    out_.events.resize(nevents);
    out_.links.resize(nlinks);
    return true;
  }

  bool Strings() {
    for (auto& row : out_.spans)
      if (!Ref(r_[kNames], &row.name)) return false;
    for (auto& row : out_.spans)
      if (!Ref(r_[kStatusMessages], &row.status_message)) return false;
    for (auto& row : out_.spans)
      if (!Ref(r_[kTraceStates], &row.trace_state)) return false;
    return true;
  }

  bool Events() {
    for (const auto& row : out_.spans) {
      for (uint32_t i = row.events; i < row.events + row.nevents; ++i) {
        uint64_t t;
        if (!r_[kEventTimes].Varint(&t) || !r_[kEventDropped].U32(&out_.events[i].dropped))
          return false;
        out_.events[i].time = row.start + static_cast<uint64_t>(UnZigZag(t));
      }
    }
    for (auto& e : out_.events)
      if (!Ref(r_[kEventNames], &e.name)) return false;
    return true;
  }

  bool Links() {
    for (auto& l : out_.links) {
      std::string_view raw;
      if (!r_[kLinkIds].Bytes(24, &raw) || !r_[kLinkFlags].U32(&l.flags) ||
          !r_[kLinkDropped].U32(&l.dropped))
        return false;
      std::memcpy(l.trace_id.bytes.data(), raw.data(), 16);
      std::memcpy(l.span_id.bytes.data(), raw.data() + 16, 8);
    }
    for (auto& l : out_.links)
      if (!Ref(r_[kLinkStates], &l.trace_state)) return false;
    return true;
  }

  bool Attributes() {
    IndexReader& ks = r_[kKeySets];
    uint64_t nsets;
    if (!ks.Varint(&nsets) || nsets > ks.remaining() + 1) return false;
    std::vector<std::vector<uint32_t>> sets(nsets);
    for (auto& set : sets) {
      uint64_t n;
      if (!ks.Varint(&n) || n > ks.remaining()) return false;
      set.resize(n);
      for (auto& c : set)
        if (!ks.U32(&c)) return false;
    }
    IndexReader& r = r_[kColumns];
    uint64_t ncols;
    if (!r.Varint(&ncols) || ncols > r.remaining()) return false;
    std::vector<std::vector<AttrCell>> columns(ncols);
    for (auto& col : columns) {
      uint32_t key;
      uint64_t n;
      uint8_t coding, type = 0;
      std::string_view types;
      if (!Ref(r, &key) || !r.Varint(&n) || n > r.remaining() || !Byte(r, &coding)) return false;
      col.resize(n);
      if (coding == kIntDeltas || coding == kDecimalDoubles) {
        if (!ReadNumbers(r, coding, key, col)) return false;
        continue;
      }
      if (coding > kOneType) return false;
      bool uniform = coding == kOneType;
      if (uniform ? !Byte(r, &type) : !r.Bytes(n, &types)) return false;
      for (uint64_t i = 0; i < n; ++i) {
        auto t = uniform ? type : static_cast<uint8_t>(types[i]);
        if (t > static_cast<uint8_t>(Type::kBytes)) return false;
        col[i].key = key;
        if (!Value(r, static_cast<Type>(t), &col[i])) return false;
      }
    }
    for (const auto& set : sets)
      for (uint32_t c : set)
        if (c >= ncols) return false;
    std::vector<size_t> cursor(ncols, 0);
    auto list = [&](IndexReader& ids, uint32_t* first, uint32_t* n) {
      uint64_t id;
      if (!ids.Varint(&id) || id >= sets.size()) return false;
      *first = static_cast<uint32_t>(out_.attrs.size());
      *n = static_cast<uint32_t>(sets[id].size());
      for (uint32_t c : sets[id]) {
        if (cursor[c] >= columns[c].size()) return false;
        out_.attrs.push_back(columns[c][cursor[c]++]);
      }
      return true;
    };
    for (auto& row : out_.spans) {
      if (!list(r_[kAttrSets], &row.attrs, &row.nattrs)) return false;
      for (uint32_t i = row.events; i < row.events + row.nevents; ++i)
        if (!list(r_[kEventAttrSets], &out_.events[i].attrs, &out_.events[i].nattrs)) return false;
      for (uint32_t i = row.links; i < row.links + row.nlinks; ++i)
        if (!list(r_[kLinkAttrSets], &out_.links[i].attrs, &out_.links[i].nattrs)) return false;
    }
    return true;
  }

  bool Finished() {
    for (int i = 0; i < kStreamCount; ++i)
      if (i != kSpanIds && i != kStrLens && i != kStrData && !r_[i].done()) return false;
    return lens_.done() && data_pos_ == st_[kStrData].size();
  }

  std::span<const PageTraceInfo> traces_;
  SpanRows& out_;
  std::string_view st_[kStreamCount];
  IndexReader r_[kStreamCount] = {};
  IndexReader lens_;
  size_t data_pos_ = 0;
  pdata::TraceBatch scratch_;  // for checking serialised arrays and maps
};

}  // namespace

Status DecodeSpanPage(std::string page, std::span<const PageTraceInfo> traces, SpanRows* out) {
  out->page = std::move(page);
  PageDecoder d(traces, out);
  if (!d.Run()) return DataLoss("malformed span page");
  return Status::Ok();
}

}  // namespace otter::store
