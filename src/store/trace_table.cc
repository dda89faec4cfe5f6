#include "store/trace_table.h"

#include <algorithm>
#include <cstring>
#include <list>
#include <map>
#include <mutex>
#include <set>
#include <tuple>
#include <unordered_set>

#include "store/hash.h"
#include "store/span_columns.h"
#include "store/tag_filter.h"

namespace otter::store {

std::string_view SpanKindName(pdata::SpanKind kind) {
  switch (kind) {
    case pdata::SpanKind::kInternal:
      return "internal";
    case pdata::SpanKind::kServer:
      return "server";
    case pdata::SpanKind::kClient:
      return "client";
    case pdata::SpanKind::kProducer:
      return "producer";
    case pdata::SpanKind::kConsumer:
      return "consumer";
    default:
      return "";
  }
}

std::string_view ServiceName(const pdata::Resource& resource) {
  const pdata::AnyValue* v = pdata::FindAttribute(resource.attributes, "service.name");
  return v && v->type == pdata::AnyValue::Type::kString ? v->string_value : std::string_view();
}

namespace {

// Traces (or block entries) between two checks of a query's deadline.
constexpr uint32_t kCheckEvery = 1024;

// Index section tags after the pages (docs/storage.md, "Block file").
constexpr uint64_t kTagFilterSection = 1;  // a tag filter per page, in page order

// The service.name of a scope's resource ("" if absent).
std::string_view ServiceOf(const SpanRows& rows, uint32_t scope) {
  const ResourceRow& res = rows.resources[rows.scopes[scope].resource];
  for (uint32_t i = res.attrs; i < res.attrs + res.nattrs; ++i) {
    const AttrCell& c = rows.attrs[i];
    if (c.type == pdata::AnyValue::Type::kString && rows.strings[c.key] == "service.name")
      return rows.strings[static_cast<uint32_t>(c.value)];
  }
  return {};
}

// Whether attribute `key` among rows.attrs[first, first + n) renders as `value`.
bool AttrMatches(const SpanRows& rows, uint32_t first, uint32_t n, std::string_view key,
                 std::string_view value) {
  for (uint32_t i = first; i < first + n; ++i) {
    const AttrCell& c = rows.attrs[i];
    if (rows.strings[c.key] != key) continue;
    if (c.type == pdata::AnyValue::Type::kString) {
      if (rows.strings[static_cast<uint32_t>(c.value)] == value) return true;
    } else if (rows.ValueString(c) == value) {
      return true;
    }
  }
  return false;
}

// Jaeger's tag semantics: a span, resource or event attribute, or a derived tag.
bool TagMatches(const SpanRows& rows, const SpanRow& r, std::string_view key,
                std::string_view value) {
  const ResourceRow& res = rows.resources[rows.scopes[r.scope].resource];
  if (AttrMatches(rows, r.attrs, r.nattrs, key, value) ||
      AttrMatches(rows, res.attrs, res.nattrs, key, value))
    return true;
  for (uint32_t i = r.events; i < r.events + r.nevents; ++i)
    if (AttrMatches(rows, rows.events[i].attrs, rows.events[i].nattrs, key, value)) return true;
  auto code = static_cast<pdata::StatusCode>(r.status_code);
  if (key == "error") return value == "true" && code == pdata::StatusCode::kError;
  if (key == "span.kind") return value == SpanKindName(static_cast<pdata::SpanKind>(r.kind));
  if (key == "otel.status_code") {
    return (value == "ERROR" && code == pdata::StatusCode::kError) ||
           (value == "OK" && code == pdata::StatusCode::kOk);
  }
  if (key == "otel.status_description") return value == rows.strings[r.status_message];
  return false;
}

// Whether span `r` satisfies the query's span conditions (service, time, operation, duration,
// tags).
bool SpanMatches(const SpanRows& rows, const SpanRow& r, const TraceSearch& q) {
  if (r.start < q.start_ns || r.start > q.end_ns) return false;
  if (!q.operation.empty() && rows.strings[r.name] != q.operation) return false;
  uint64_t d = r.end > r.start ? r.end - r.start : 0;
  if (q.min_duration_ns && d < *q.min_duration_ns) return false;
  if (q.max_duration_ns && d > *q.max_duration_ns) return false;
  if (!q.service.empty() && ServiceOf(rows, r.scope) != q.service) return false;
  for (const auto& [k, v] : q.tags)
    if (!TagMatches(rows, r, k, v)) return false;
  return true;
}

}  // namespace

// What a search can rule a trace out by without reading its spans.
struct TraceSummary {
  uint64_t min_start = UINT64_MAX, max_start = 0;  // of its spans' starts
  uint64_t max_duration = 0;                       // its longest span
  bool error = false;                              // a span has status ERROR

  void Add(const SpanRow& r) {
    min_start = std::min(min_start, r.start);
    max_start = std::max(max_start, r.start);
    max_duration = std::max(max_duration, r.end > r.start ? r.end - r.start : 0);
    error = error || r.status_code == static_cast<int32_t>(pdata::StatusCode::kError);
  }
  // Whether a span of the trace might match `q` (its time range, duration and error tags).
  bool MayMatch(const TraceSearch& q) const {
    if (max_start < q.start_ns || min_start > q.end_ns) return false;
    if (q.min_duration_ns && max_duration < *q.min_duration_ns) return false;
    for (const auto& [k, v] : q.tags)
      if (!error && ((k == "error" && v == "true") || (k == "otel.status_code" && v == "ERROR")))
        return false;
    return true;
  }
};

// ---------------------------------------------------------------- head

// The head keeps spans as rows (store/span_columns.h) with a trace-id index into them.
// A trace's spans and operations are lists threaded through arrays of the head (no allocation
// per trace).
struct TraceTable::Head {
  static constexpr uint32_t kEnd = UINT32_MAX;
  struct Trace {
    pdata::TraceId id;
    uint32_t first = kEnd, last = kEnd;  // its rows in write order, linked by next_row
    uint32_t count = 0;
    uint32_t ops = kEnd;  // its distinct operation ids: a list in op_links
    uint32_t nops = 0;
    TraceSummary summary;
  };
  struct OpLink {
    uint32_t op;  // TraceTable::ops_ id
    uint32_t next;
  };
  SpanRows rows;
  Chunked<uint32_t> next_row;  // per row: the next row of its trace, or kEnd
  Chunked<OpLink> op_links;
  // Traces in order of their first span's arrival: a flush writes them in this order, so that it
  // reads the rows about sequentially.
  Chunked<Trace> traces;
  // Trace id → its number in `traces`: open addressing, at most half full, each slot
  // (hash << 32 | number + 1) or 0. Ids are hashed with a per-process seed, so that clients
  // cannot choose ids that collide.
  std::vector<uint64_t> slots = std::vector<uint64_t>(1024);
  std::unordered_map<uint64_t, uint32_t> op_cache;  // see Apply
  uint64_t first_write_ns = 0;

  static uint32_t Hash(const pdata::TraceId& id) {
    return static_cast<uint32_t>(HashBytes(
        std::string_view(reinterpret_cast<const char*>(id.bytes.data()), 16), kProcessSeed));
  }
  // The slot of `id` (hash h), or the free slot where it would go.
  size_t Probe(const pdata::TraceId& id, uint32_t h) const {
    size_t mask = slots.size() - 1;
    size_t i = h & mask;
    while (slots[i] &&
           ((slots[i] >> 32) != h || traces[static_cast<uint32_t>(slots[i]) - 1].id != id))
      i = (i + 1) & mask;
    return i;
  }
  // The trace of `id`, or null.
  const Trace* Find(const pdata::TraceId& id) const {
    uint64_t slot = slots[Probe(id, Hash(id))];
    return slot ? &traces[static_cast<uint32_t>(slot) - 1] : nullptr;
  }
  // The trace of `id`, added if new.
  Trace& FindOrAdd(const pdata::TraceId& id) {
    if (traces.size() * 2 >= slots.size()) Rehash(slots.size() * 2);
    uint32_t h = Hash(id);
    uint64_t& slot = slots[Probe(id, h)];
    if (!slot) {
      Trace fresh;
      fresh.id = id;
      traces.push_back(fresh);
      slot = (uint64_t{h} << 32) | traces.size();
    }
    return traces[static_cast<uint32_t>(slot) - 1];
  }
  void Rehash(size_t n) {
    std::vector<uint64_t> bigger(n);
    for (uint64_t slot : slots) {
      if (!slot) continue;
      size_t i = (slot >> 32) & (n - 1);
      while (bigger[i]) i = (i + 1) & (n - 1);
      bigger[i] = slot;
    }
    slots = std::move(bigger);
  }

  // Indexes the rows appended since `first`; `op_of(row)` gives a span's operation id.
  template <class OpOf>
  void Index(uint32_t first, OpOf&& op_of) {
    for (auto i = first; i < rows.spans.size(); ++i) {
      const SpanRow& r = rows.spans[i];
      next_row.push_back(kEnd);
      Trace& t = FindOrAdd(r.trace_id);
      if (t.count++ == 0) {
        t.first = i;
      } else {
        next_row[t.last] = i;
      }
      t.last = i;
      uint32_t op = op_of(r);
      uint32_t k = t.ops;
      while (k != kEnd && op_links[k].op != op) k = op_links[k].next;
      if (k == kEnd) {
        op_links.push_back({op, t.ops});
        t.ops = static_cast<uint32_t>(op_links.size() - 1);
        ++t.nops;
      }
      t.summary.Add(r);
    }
  }

  template <class Fn>
  void ForEachRow(const Trace& t, Fn&& fn) const {
    for (uint32_t i = t.first; i != kEnd; i = next_row[i]) fn(i);
  }
  template <class Fn>
  void ForEachOp(const Trace& t, Fn&& fn) const {
    for (uint32_t k = t.ops; k != kEnd; k = op_links[k].next) fn(op_links[k].op);
  }

  // Whether a span of `id` here matches `q`. Requires the table's lock for the active head.
  bool Matches(const pdata::TraceId& id, const TraceSearch& q) const {
    const Trace* t = Find(id);
    if (!t) return false;
    for (uint32_t i = t->first; i != kEnd; i = next_row[i])
      if (SpanMatches(rows, rows.spans[i], q)) return true;
    return false;
  }

  // Appends the spans of `id` to *out; false when the head has none. Requires the table's lock.
  bool Load(const pdata::TraceId& id, pdata::TraceBatch* out) const {
    const Trace* t = Find(id);
    if (!t) return false;
    std::vector<uint32_t> trace_rows;
    ForEachRow(*t, [&](uint32_t i) { trace_rows.push_back(i); });
    rows.ToBatch(trace_rows, out);
    return true;
  }
};

// ---------------------------------------------------------------- blocks

// A block holds pages of spans (span_columns.h), each of whole traces in the order the head
// received them (a trace is never split across pages), and an index of the pages and of every
// trace.
struct TraceTable::Block {
  struct Entry {
    pdata::TraceId id;
    uint32_t page = 0;
    uint32_t first_row = 0;  // within the page
    uint32_t count = 0;      // spans
    uint32_t first_op = 0;   // into op_refs
    uint32_t nops = 0;
    TraceSummary summary;
  };
  struct Page {
    RecordLocation loc;
    uint32_t first_entry = 0, entries = 0;
    std::string_view tag_filter;  // into reader->signal_index(); empty: none (older blocks)
  };
  std::shared_ptr<BlockReader> reader;
  uint64_t first_segment = 0;  // the WAL segments it covers, up to reader->wal_segment()
  std::vector<Page> pages;
  std::vector<Entry> entries;   // page by page, in page order
  std::vector<uint32_t> by_id;  // entry numbers by (id, number)
  uint64_t min_start = UINT64_MAX;
  uint64_t max_start = 0;
  uint32_t reader_version = 0;  // the block format version (BlockReader::version)
  // For retention (store/block_retention.h): the newest span's start, in ns.
  int64_t newest() const {
    return entries.empty() ? INT64_MAX
                           : static_cast<int64_t>(std::min<uint64_t>(max_start, INT64_MAX));
  }
  std::vector<std::pair<std::string, Operation>> ops;  // (service, operation) by block-local id
  std::vector<uint32_t> op_refs;                       // block-local op ids per trace

  // The entries of `id`, oldest first (a compacted block keeps its inputs' pages, so a trace
  // written across flushes has an entry in each).
  std::span<const uint32_t> Find(const pdata::TraceId& id) const {
    auto [lo, hi] = std::equal_range(by_id.begin(), by_id.end(), id, IdLess{this});
    return {lo, hi};
  }
  struct IdLess {
    const Block* b;
    bool operator()(uint32_t e, const pdata::TraceId& id) const { return b->entries[e].id < id; }
    bool operator()(const pdata::TraceId& id, uint32_t e) const { return id < b->entries[e].id; }
  };
  // Page `n`, decoded.
  StatusOr<std::shared_ptr<const SpanRows>> DecodePage(uint32_t n) const {
    const Page& p = pages[n];
    std::vector<PageTraceInfo> traces;
    traces.reserve(p.entries);
    for (uint32_t i = p.first_entry; i < p.first_entry + p.entries; ++i)
      traces.push_back({entries[i].id, entries[i].summary.min_start, entries[i].count});
    ASSIGN_OR_RETURN(std::string page, reader->Read(p.loc));
    auto rows = std::make_shared<SpanRows>();
    Status st = DecodeSpanPage(std::move(page), traces, rows.get());
    if (!st.ok())
      return reader->Checked(DataLoss(reader->path() + ": " + std::string(st.message())));
    return std::shared_ptr<const SpanRows>(std::move(rows));
  }

  // Version 2's page table and entries, column by column (see Index()).
  static bool ParseEntries(IndexReader& in, uint64_t npages, Block* b) {
    size_t total = 0;
    for (uint64_t i = 0; in.ok() && i < npages; ++i) {
      Page p;
      in.U32(&p.loc.frame);
      in.U32(&p.loc.offset);
      in.U32(&p.loc.length);
      in.U32(&p.entries);
      p.first_entry = static_cast<uint32_t>(total);
      total += p.entries;
      // Each entry takes at least 16 + 7 bytes: no allocation beyond what the index can hold.
      if (total > in.remaining() / 23) return false;
      b->pages.push_back(p);
    }
    if (!in.ok()) return false;
    b->entries.resize(total);
    std::string_view id;
    for (Entry& e : b->entries) {
      if (!in.Bytes(16, &id)) return false;
      std::memcpy(e.id.bytes.data(), id.data(), 16);
    }
    for (Entry& e : b->entries) in.U32(&e.count);
    for (Entry& e : b->entries) in.U32(&e.nops);
    for (Entry& e : b->entries) {
      e.first_op = static_cast<uint32_t>(b->op_refs.size());
      if (e.nops > in.remaining()) return false;
      for (uint32_t j = 0; in.ok() && j < e.nops; ++j) {
        uint32_t op = 0;
        in.U32(&op);
        if (op >= b->ops.size()) return false;
        b->op_refs.push_back(op);
      }
    }
    uint64_t v = 0, prev = b->min_start;
    for (Entry& e : b->entries) {
      in.Varint(&v);
      prev += static_cast<uint64_t>(UnZigZag(v));
      e.summary.min_start = prev;
    }
    for (Entry& e : b->entries) {
      in.Varint(&v);
      e.summary.max_start = e.summary.min_start + v;
    }
    for (Entry& e : b->entries) in.Varint(&e.summary.max_duration);
    for (Entry& e : b->entries) {
      in.Varint(&v);
      e.summary.error = v != 0;
    }
    for (uint32_t pi = 0; pi < b->pages.size(); ++pi) {
      const Page& p = b->pages[pi];
      uint32_t row = 0;
      for (uint32_t k = p.first_entry; k < p.first_entry + p.entries; ++k) {
        b->entries[k].page = pi;
        b->entries[k].first_row = row;
        row += b->entries[k].count;
      }
    }
    return in.ok();
  }

  static StatusOr<std::shared_ptr<const Block>> Parse(std::shared_ptr<BlockReader> reader) {
    auto b = std::make_shared<Block>();
    b->reader_version = reader->version();
    IndexReader in(reader->signal_index());
    uint64_t nops = 0, npages = 0;
    in.Varint(&b->min_start);
    in.Varint(&b->max_start);
    in.Varint(&nops);
    for (uint64_t i = 0; in.ok() && i < nops; ++i) {
      std::string_view svc, name, kind;
      in.String(&svc);
      in.String(&name);
      in.String(&kind);
      b->ops.emplace_back(std::string(svc), Operation{std::string(name), std::string(kind)});
    }
    in.Varint(&npages);
    if (b->reader_version >= 2) {
      if (!ParseEntries(in, npages, b.get()))
        return DataLoss(reader->path() + ": malformed trace index");
    }
    for (uint64_t i = 0; b->reader_version < 2 && in.ok() && i < npages; ++i) {
      Page p;
      in.U32(&p.loc.frame);
      in.U32(&p.loc.offset);
      in.U32(&p.loc.length);
      in.U32(&p.entries);
      p.first_entry = static_cast<uint32_t>(b->entries.size());
      uint32_t row = 0;
      for (uint32_t k = 0; in.ok() && k < p.entries; ++k) {
        Entry e;
        e.page = static_cast<uint32_t>(b->pages.size());
        e.first_row = row;
        std::string_view id;
        uint64_t min_delta = 0, span = 0;
        in.Bytes(16, &id);
        in.U32(&e.count);
        in.U32(&e.nops);
        e.first_op = static_cast<uint32_t>(b->op_refs.size());
        for (uint32_t j = 0; in.ok() && j < e.nops; ++j) {
          uint32_t op = 0;
          in.U32(&op);
          if (op >= b->ops.size()) return DataLoss(reader->path() + ": operation out of range");
          b->op_refs.push_back(op);
        }
        uint64_t error = 0;
        in.Varint(&min_delta);
        in.Varint(&span);
        in.Varint(&e.summary.max_duration);
        in.Varint(&error);
        if (!in.ok()) break;
        std::memcpy(e.id.bytes.data(), id.data(), 16);
        e.summary.min_start = b->min_start + min_delta;
        e.summary.max_start = e.summary.min_start + span;
        e.summary.error = error != 0;
        row += e.count;
        b->entries.push_back(e);
      }
      b->pages.push_back(p);
    }
    // Optional sections (absent from blocks written before they existed).
    while (in.ok() && !in.done()) {
      uint64_t section = 0;
      in.Varint(&section);
      if (section != kTagFilterSection) return DataLoss(reader->path() + ": unknown index section");
      for (Page& p : b->pages) in.String(&p.tag_filter);
    }
    if (!in.ok() || b->pages.size() != npages)
      return DataLoss(reader->path() + ": malformed trace index");
    // By id, then entry number: the id's bytes as two big-endian words (the byte order ids
    // compare in), sorted in place rather than through the entries (a merged block has ~10^6).
    struct Key {
      uint64_t hi, lo;
      uint32_t entry;
    };
    std::vector<Key> keys(b->entries.size());
    for (uint32_t i = 0; i < keys.size(); ++i) {
      const auto& id = b->entries[i].id.bytes;
      uint64_t hi, lo;
      std::memcpy(&hi, id.data(), 8);
      std::memcpy(&lo, id.data() + 8, 8);
      keys[i] = {__builtin_bswap64(hi), __builtin_bswap64(lo), i};
    }
    std::sort(keys.begin(), keys.end(), [](const Key& x, const Key& y) {
      return x.hi != y.hi ? x.hi < y.hi : x.lo != y.lo ? x.lo < y.lo : x.entry < y.entry;
    });
    b->by_id.resize(keys.size());
    for (size_t i = 0; i < keys.size(); ++i) b->by_id[i] = keys[i].entry;
    b->first_segment = FirstSegment(*reader);
    b->reader = std::move(reader);
    return std::shared_ptr<const Block>(std::move(b));
  }
};

// Decoded block pages, most recently used first: a search reads each page once, not once per
// candidate trace. Entries keep their block alive, so a block address is never reused while
// cached.
class TraceTable::PageCache {
 public:
  StatusOr<std::shared_ptr<const SpanRows>> Get(const std::shared_ptr<const Block>& block,
                                                uint32_t page) {
    for (auto it = pages_.begin(); it != pages_.end(); ++it) {
      if (it->block == block && it->page == page) {
        pages_.splice(pages_.begin(), pages_, it);
        return pages_.front().rows;
      }
    }
    ASSIGN_OR_RETURN(std::shared_ptr<const SpanRows> rows, block->DecodePage(page));
    pages_.push_front({block, page, rows});
    if (pages_.size() > kPages) pages_.pop_back();
    return rows;
  }

 private:
  static constexpr size_t kPages = 8;
  struct Entry {
    std::shared_ptr<const Block> block;
    uint32_t page;
    std::shared_ptr<const SpanRows> rows;
  };
  std::list<Entry> pages_;
};

// ---------------------------------------------------------------- block building

// Writes a trace block from pages of whole traces (a flushed head's pages, or the pages of
// blocks being compacted), and its index (see Block::Parse for the layout).
class TraceTable::BlockBuilder {
 public:
  struct TraceMeta {
    pdata::TraceId id;
    uint32_t count = 0;               // spans
    uint32_t first_op = 0, nops = 0;  // into ops()
    TraceSummary summary;
  };

  explicit BlockBuilder(std::vector<std::pair<std::string, Operation>> ops,
                        BlockWriter writer = BlockWriter())
      : ops_table_(std::move(ops)), writer_(std::move(writer)) {}

  // Per-trace operation numbers (into the block's operation table) go here, then the trace's
  // meta names them by first_op/nops.
  std::vector<uint32_t>& ops() { return trace_ops_; }

  // One encoded page, its traces in page order, and its tag filter (store/tag_filter.h).
  void AddPage(std::string_view page, std::span<const TraceMeta> traces,
               std::string_view tag_filter) {
    AddPageAt(writer_.AddFrame(page), traces, tag_filter);
  }
  // A page copied, still compressed, from another block (`page`: where `source` holds it).
  Status AddPageOf(const BlockReader& source, RecordLocation page,
                   std::span<const TraceMeta> traces, std::string_view tag_filter) {
    if (page.offset != 0)
      return DataLoss(source.path() + ": a span page is not a frame of its own");
    ASSIGN_OR_RETURN(RecordLocation loc, writer_.AddFrameOf(source, page.frame));
    if (loc.length != page.length)
      return DataLoss(source.path() + ": a span page is not a frame of its own");
    AddPageAt(loc, traces, tag_filter);
    return Status::Ok();
  }

  std::string Finish(uint64_t wal_segment) { return writer_.Finish(Index(), wal_segment); }
  Status FinishFile(uint64_t wal_segment) { return writer_.FinishFile(Index(), wal_segment); }

 private:
  std::string Index() const {
    std::string index;
    PutVarint(index, min_start_);
    PutVarint(index, max_start_);
    PutVarint(index, ops_table_.size());
    for (const auto& [service, op] : ops_table_) {
      PutString(index, service);
      PutString(index, op.name);
      PutString(index, op.span_kind);
    }
    PutVarint(index, pages_.size());
    for (const auto& [loc, ntraces, filter] : pages_) {
      PutVarint(index, loc.frame);
      PutVarint(index, loc.offset);
      PutVarint(index, loc.length);
      PutVarint(index, ntraces);
    }
    // The traces of all pages, in page order, column by column (block format 2; version 1 wrote
    // each entry's fields together): values of one kind side by side compress far better.
    for (const TraceMeta& m : traces_)
      index.append(reinterpret_cast<const char*>(m.id.bytes.data()), 16);
    for (const TraceMeta& m : traces_) PutVarint(index, m.count);
    for (const TraceMeta& m : traces_) PutVarint(index, m.nops);
    for (const TraceMeta& m : traces_)
      for (uint32_t i = m.first_op; i < m.first_op + m.nops; ++i) PutVarint(index, trace_ops_[i]);
    uint64_t prev = min_start_;  // starts as deltas from the previous trace's: about in order
    for (const TraceMeta& m : traces_) {
      PutVarint(index, ZigZag(static_cast<int64_t>(m.summary.min_start - prev)));
      prev = m.summary.min_start;
    }
    for (const TraceMeta& m : traces_) PutVarint(index, m.summary.max_start - m.summary.min_start);
    for (const TraceMeta& m : traces_) PutVarint(index, m.summary.max_duration);
    for (const TraceMeta& m : traces_) PutVarint(index, m.summary.error);
    PutVarint(index, kTagFilterSection);
    for (const auto& page : pages_) PutString(index, std::get<2>(page));
    return index;
  }

  void AddPageAt(RecordLocation loc, std::span<const TraceMeta> traces,
                 std::string_view tag_filter) {
    pages_.emplace_back(loc, static_cast<uint32_t>(traces.size()), tag_filter);
    for (const TraceMeta& t : traces) {
      min_start_ = std::min(min_start_, t.summary.min_start);
      max_start_ = std::max(max_start_, t.summary.max_start);
      traces_.push_back(t);
    }
  }

  std::vector<std::pair<std::string, Operation>> ops_table_;
  BlockWriter writer_;
  std::vector<std::tuple<RecordLocation, uint32_t, std::string>> pages_;  // where, traces, filter
  std::vector<TraceMeta> traces_;
  std::vector<uint32_t> trace_ops_;
  uint64_t min_start_ = UINT64_MAX, max_start_ = 0;
};

// ---------------------------------------------------------------- table

TraceTable::TraceTable() : active_(std::make_shared<Head>()) {}
TraceTable::~TraceTable() = default;

void TraceTable::Apply(const pdata::TraceBatch& batch) {
  std::unique_lock lock(mu_);
  auto first = static_cast<uint32_t>(active_->rows.spans.size());
  active_->rows.Append(batch);
  IndexActive(first);
}

bool TraceTable::ApplyWire(std::string_view request) {
  std::unique_lock lock(mu_);
  auto first = static_cast<uint32_t>(active_->rows.spans.size());
  if (!active_->rows.AppendWire(request)) return false;
  IndexActive(first);
  return true;
}

void TraceTable::AppendCheckpoint(RowsMark* mark, std::string* out) const {
  std::shared_lock lock(mu_);
  *mark = active_->rows.AppendCheckpoint(*mark, out);
}

Status TraceTable::LoadCheckpointRecord(uint8_t type, std::string_view payload) {
  std::unique_lock lock(mu_);
  return active_->rows.LoadCheckpointRecord(type, payload);
}

RowsMark TraceTable::HeadMark() const {
  std::shared_lock lock(mu_);
  return active_->rows.Mark();
}

Status TraceTable::IndexLoaded(const RowsMark& from) {
  std::unique_lock lock(mu_);
  RETURN_IF_ERROR(active_->rows.CheckLoaded(from));
  IndexActive(static_cast<uint32_t>(from.spans));
  return Status::Ok();
}

void TraceTable::ResetActive() {
  std::unique_lock lock(mu_);
  active_ = std::make_shared<Head>();
}

void TraceTable::IndexActive(uint32_t first) {
  Head& head = *active_;
  if (first == 0 && !head.rows.spans.empty()) {
    head.first_write_ns =
        static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count());
  }
  head.Index(first, [&](const SpanRow& r) {
    auto op = [&] {
      return OperationId(
          ServiceOf(head.rows, r.scope),
          {head.rows.strings[r.name], SpanKindName(static_cast<pdata::SpanKind>(r.kind))});
    };
    // (scope, name, kind) → operation, cached per head: integer keys, no string compares.
    if (r.kind < 0 || r.kind > 7 || r.scope >= (1u << 29)) return op();
    uint64_t key = (uint64_t{r.scope} << 35) | (static_cast<uint64_t>(r.kind) << 32) | r.name;
    auto [it, fresh] = head.op_cache.try_emplace(key, 0);
    if (fresh) it->second = op();
    return it->second;
  });
}

uint32_t TraceTable::OperationId(std::string_view service, OperationLess::Key key) {
  auto svc = services_.find(service);
  if (svc == services_.end()) svc = services_.emplace(std::string(service), OperationIds{}).first;
  // Most spans repeat a known operation: look it up without building strings.
  auto it = svc->second.find(key);
  if (it != svc->second.end()) return it->second;
  auto id = static_cast<uint32_t>(ops_.size());
  Operation op{std::string(key.first), std::string(key.second)};
  ops_.emplace_back(svc->first, op);
  svc->second.emplace(std::move(op), id);
  return id;
}

void TraceTable::Freeze() {
  std::unique_lock lock(mu_);
  frozen_ = std::move(active_);
  active_ = std::make_shared<Head>();
  // The next head is likely as large.
  active_->Rehash(std::max(active_->slots.size(), frozen_->slots.size()));
}

std::string TraceTable::BuildBlock(uint64_t wal_segment) const {
  std::shared_ptr<const Head> head;
  std::vector<std::pair<std::string, Operation>> catalogue;
  {
    std::shared_lock lock(mu_);
    head = frozen_;
    catalogue = ops_;
  }
  if (!head || head->traces.empty()) return {};
  // The block's operation table: the catalogue entries its traces use, renumbered.
  std::vector<uint32_t> local(catalogue.size(), UINT32_MAX);
  std::vector<std::pair<std::string, Operation>> used;
  for (const Head::Trace& t : head->traces) {
    head->ForEachOp(t, [&](uint32_t op) {
      if (local[op] != UINT32_MAX) return;
      local[op] = static_cast<uint32_t>(used.size());
      used.push_back(catalogue[op]);
    });
  }
  // Pages of whole traces, about kPageSpans spans each; a trace's spans by start time.
  const SpanRows& rows = head->rows;
  BlockBuilder builder(std::move(used));
  SpanPageWriter pages(rows);
  SpanTagFilterWriter filters(rows);
  std::vector<uint32_t> order;
  std::vector<PageTrace> page_traces;
  std::vector<BlockBuilder::TraceMeta> meta;
  for (const Head::Trace& t : head->traces) {
    PageTrace pt{t.summary.min_start, static_cast<uint32_t>(order.size()), t.count};
    head->ForEachRow(t, [&](uint32_t i) { order.push_back(i); });
    auto earlier = [&](uint32_t a, uint32_t b) {
      return rows.spans[a].start < rows.spans[b].start;
    };
    if (t.count <= 16) {
      // Most traces are small: an insertion sort, stable, without stable_sort's buffer.
      for (auto i = order.begin() + pt.first + 1; i < order.end(); ++i)
        for (auto j = i; j > order.begin() + pt.first && earlier(*j, *(j - 1)); --j)
          std::iter_swap(j, j - 1);
    } else {
      std::stable_sort(order.begin() + pt.first, order.end(), earlier);
    }
    page_traces.push_back(pt);
    auto first_op = static_cast<uint32_t>(builder.ops().size());
    head->ForEachOp(t, [&](uint32_t op) { builder.ops().push_back(local[op]); });
    meta.push_back({t.id, pt.count, first_op, t.nops, t.summary});
    if (order.size() >= kPageSpans) {
      builder.AddPage(pages.Encode(order, page_traces), meta, filters.Build(order));
      order.clear();
      page_traces.clear();
      meta.clear();
    }
  }
  if (!order.empty()) builder.AddPage(pages.Encode(order, page_traces), meta, filters.Build(order));
  return builder.Finish(wal_segment);
}

Status TraceTable::Compact(const std::vector<std::shared_ptr<const Block>>& in,
                           uint64_t wal_segment, const std::atomic<bool>* cancel, int fd,
                           const std::string& path) const {
  // The output's operation table is the union of the inputs'; op_map[i] renumbers input i's.
  std::vector<std::pair<std::string, Operation>> ops;
  std::map<std::tuple<std::string_view, std::string_view, std::string_view>, uint32_t> op_ids;
  std::vector<std::vector<uint32_t>> op_map(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    for (const auto& [service, op] : in[i]->ops) {
      auto key = std::tuple<std::string_view, std::string_view, std::string_view>(service, op.name,
                                                                                  op.span_kind);
      auto [it, fresh] = op_ids.try_emplace(key, static_cast<uint32_t>(ops.size()));
      if (fresh) ops.emplace_back(service, op);
      op_map[i].push_back(it->second);
    }
  }
  BlockBuilder builder(std::move(ops), BlockWriter(fd, path));
  // The inputs' pages are copied as they are stored (no decoding, no recompression; file to file
  // in the kernel), oldest first, with their index entries renumbered; a trace written across
  // flushes keeps an entry per page (Block::Find returns them all).
  std::vector<BlockBuilder::TraceMeta> meta;
  for (size_t i = 0; i < in.size(); ++i) {
    const Block& b = *in[i];
    for (const Block::Page& p : b.pages) {
      if (cancel && cancel->load(std::memory_order_relaxed)) return Aborted("");
      meta.clear();
      for (uint32_t k = p.first_entry; k < p.first_entry + p.entries; ++k) {
        const Block::Entry& e = b.entries[k];
        auto first_op = static_cast<uint32_t>(builder.ops().size());
        for (uint32_t j = e.first_op; j < e.first_op + e.nops; ++j)
          builder.ops().push_back(op_map[i][b.op_refs[j]]);
        meta.push_back({e.id, e.count, first_op, e.nops, e.summary});
      }
      RETURN_IF_ERROR(builder.AddPageOf(*b.reader, p.loc, meta, p.tag_filter));
    }
  }
  return builder.FinishFile(wal_segment);
}

StatusOr<std::vector<std::string>> TraceTable::CompactOnce(uint64_t max_bytes,
                                                           const BlockWrite& write,
                                                           const std::atomic<bool>* cancel,
                                                           bool eager) {
  return CompactRun(mu_, blocks_, max_bytes, eager, write,
                    [&](const std::vector<std::shared_ptr<const Block>>& in, uint64_t last, int fd,
                        const std::string& path) { return Compact(in, last, cancel, fd, path); });
}

Status TraceTable::AddBlock(std::shared_ptr<BlockReader> reader, bool replaces_frozen) {
  ASSIGN_OR_RETURN(std::shared_ptr<const Block> block, Block::Parse(std::move(reader)));
  std::unique_lock lock(mu_);
  for (const auto& [svc, op] : block->ops) OperationId(svc, OperationLess::K(op));
  blocks_.push_back(std::move(block));
  if (replaces_frozen) frozen_.reset();
  return Status::Ok();
}

void TraceTable::DropFrozen() { store::DropFrozen(mu_, frozen_); }

std::vector<std::string> TraceTable::RemoveBlocksBefore(uint64_t cutoff_ns) {
  return store::RemoveBlocksBefore<Block>(
      mu_, blocks_, static_cast<int64_t>(std::min<uint64_t>(cutoff_ns, INT64_MAX)));
}

bool TraceTable::RemoveBlockOfFile(const std::string& path) {
  return !store::RemoveBlockOfFile<Block>(mu_, blocks_, path).empty();
}

std::vector<std::string> TraceTable::RemoveOldestBlock() {
  return store::RemoveOldestBlock<Block>(mu_, blocks_);
}

size_t TraceTable::span_count() const {
  std::shared_lock lock(mu_);
  return active_->rows.spans.size() + (frozen_ ? frozen_->rows.spans.size() : 0);
}

size_t TraceTable::block_count() const { return BlockCount<Block>(mu_, blocks_); }

uint64_t TraceTable::block_bytes() const { return BlockBytes<Block>(mu_, blocks_); }

uint64_t TraceTable::oldest_head_ns() const {
  std::shared_lock lock(mu_);
  return active_->first_write_ns;
}

StatusOr<pdata::TraceBatch> TraceTable::GetTrace(const pdata::TraceId& id) {
  PageCache cache;
  return GetTrace(id, &cache);
}

namespace {

// A retried export that was stored although its answer was lost is stored twice: a span equal
// to an earlier one in id, parent, name, kind and times is shown once (as Tempo's trace combiner
// does). Spans sharing an id but differing otherwise (Zipkin's shared client/server spans) stay.
void DropRepeatedSpans(pdata::TraceBatch* batch) {
  using Key = std::tuple<uint64_t, uint64_t, uint64_t, uint64_t, int, std::string_view>;
  auto key = [](const pdata::Span& s) {
    uint64_t id, parent;
    std::memcpy(&id, s.span_id.bytes.data(), 8);
    std::memcpy(&parent, s.parent_span_id.bytes.data(), 8);
    return Key{id,
               parent,
               s.start_time_unix_nano,
               s.end_time_unix_nano,
               static_cast<int>(s.kind),
               std::string_view(s.name)};
  };
  std::vector<Key> keys;
  for (const auto& rs : batch->resources())
    for (const auto& ss : rs.scope_spans)
      for (const auto& s : ss.spans) keys.push_back(key(s));
  std::sort(keys.begin(), keys.end());
  if (std::adjacent_find(keys.begin(), keys.end()) == keys.end()) return;  // the usual case
  std::set<Key> seen;
  for (auto& rs : batch->resources()) {
    for (auto& ss : rs.scope_spans)
      std::erase_if(ss.spans, [&](const pdata::Span& s) { return !seen.insert(key(s)).second; });
    std::erase_if(rs.scope_spans, [](const pdata::ScopeSpans& ss) { return ss.spans.empty(); });
  }
  std::erase_if(batch->resources(),
                [](const pdata::ResourceSpans& rs) { return rs.scope_spans.empty(); });
}

}  // namespace

StatusOr<pdata::TraceBatch> TraceTable::GetTrace(const pdata::TraceId& id, PageCache* cache) {
  std::vector<std::shared_ptr<const Block>> blocks;
  pdata::TraceBatch out;  // frozen head first, then the active one
  bool found = false;
  {
    std::shared_lock lock(mu_);
    blocks = blocks_;
    if (frozen_) found = frozen_->Load(id, &out);
    found = active_->Load(id, &out) || found;
  }
  // Blocks are read without the lock (the writer never waits on a block read). Newest block
  // first, each prepended: the result lists the oldest spans first.
  for (auto it = blocks.rbegin(); it != blocks.rend(); ++it) {
    std::span<const uint32_t> entries = (*it)->Find(id);
    for (auto e = entries.rbegin(); e != entries.rend(); ++e) {
      const Block::Entry& entry = (*it)->entries[*e];
      ASSIGN_OR_RETURN(std::shared_ptr<const SpanRows> rows, cache->Get(*it, entry.page));
      std::vector<uint32_t> idx(entry.count);
      for (uint32_t k = 0; k < entry.count; ++k) idx[k] = entry.first_row + k;
      pdata::TraceBatch part;
      rows->ToBatch(idx, &part);
      part.Append(std::move(out));
      out = std::move(part);
      found = true;
    }
  }
  if (!found) return NotFound("trace " + id.Hex() + " not found");
  DropRepeatedSpans(&out);
  return out;
}

Status TraceTable::ForEachMatch(const TraceSearch& q,
                                const std::function<bool(pdata::TraceBatch&&)>& fn) {
  auto op_matches = [&q](std::string_view service, const Operation& op) {
    return (q.service.empty() || service == q.service) &&
           (q.operation.empty() || op.name == q.operation);
  };
  // Whether a block's time range overlaps the query (single traces use TraceSummary::MayMatch).
  auto overlaps = [&q](uint64_t min_start, uint64_t max_start) {
    return max_start >= q.start_ns && min_start <= q.end_ns;
  };
  // Candidates: traces whose span start range overlaps the query and that have a span of a
  // matching operation, with their latest start and where they are (a block entry, or a head).
  struct Candidate {
    uint64_t max_start;
    pdata::TraceId id;
    const std::shared_ptr<const Block>* block;  // in `blocks`; nullptr: a head
    uint32_t entry;
  };
  std::vector<Candidate> candidates;
  std::vector<std::shared_ptr<const Block>> blocks;
  RETURN_IF_ERROR(q.limits.CheckDeadline());
  {
    std::shared_lock lock(mu_);
    blocks = blocks_;
    std::vector<bool> ok(ops_.size());
    for (size_t i = 0; i < ops_.size(); ++i) ok[i] = op_matches(ops_[i].first, ops_[i].second);
    for (const Head* head : {frozen_.get(), static_cast<const Head*>(active_.get())}) {
      if (!head) continue;
      for (const Head::Trace& t : head->traces) {
        if (!t.summary.MayMatch(q)) continue;
        bool any = false;
        head->ForEachOp(t, [&](uint32_t op) { any = any || ok[op]; });
        if (any) candidates.push_back({t.summary.max_start, t.id, nullptr, 0});
      }
    }
  }
  RETURN_IF_ERROR(q.limits.CheckHeld(candidates.size(), "candidate traces"));
  // Newest first, from a heap: a search usually stops after `limit` matches, so ordering all
  // candidates would be wasted, and so would reading every block: blocks are scanned into the
  // heap newest first, each just before a candidate older than its newest trace would be taken.
  // A trace in several places (head and blocks) is a candidate in each, and matches when a span
  // in any of them does; it is returned once.
  auto later_in_output = [](const Candidate& a, const Candidate& b) {
    return a.max_start != b.max_start ? a.max_start < b.max_start : b.id < a.id;
  };
  std::make_heap(candidates.begin(), candidates.end(), later_in_output);
  std::erase_if(blocks, [&](const auto& b) {
    return b->entries.empty() || !overlaps(b->min_start, b->max_start);
  });
  std::sort(blocks.begin(), blocks.end(),
            [](const auto& a, const auto& b) { return a->max_start > b->max_start; });
  // Block pages whose tag filters rule out a tag are skipped without being read.
  std::vector<TagProbe> probes;
  for (const auto& [k, v] : q.tags)
    if (TagIsFilterable(k)) probes.emplace_back(k, v);
  auto page_may_match = [&probes](const Block::Page& p) {
    return std::all_of(probes.begin(), probes.end(),
                       [&](const TagProbe& t) { return t.MayMatch(p.tag_filter); });
  };
  auto scan = [&](const std::shared_ptr<const Block>& b) -> Status {
    std::vector<bool> ok(b->ops.size());
    bool any = false;
    for (size_t i = 0; i < b->ops.size(); ++i)
      any |= ok[i] = op_matches(b->ops[i].first, b->ops[i].second);
    if (!any) return Status::Ok();
    size_t before = candidates.size();
    uint32_t page = UINT32_MAX;
    bool page_ok = true;
    for (uint32_t i = 0; i < b->entries.size(); ++i) {
      if (i % kCheckEvery == 0) {
        RETURN_IF_ERROR(q.limits.CheckDeadline());
        RETURN_IF_ERROR(q.limits.CheckHeld(candidates.size(), "candidate traces"));
      }
      const Block::Entry& e = b->entries[i];
      if (!e.summary.MayMatch(q)) continue;
      if (e.page != page) {
        page = e.page;
        page_ok = page_may_match(b->pages[page]);
      }
      if (!page_ok) continue;
      for (uint32_t k = 0; k < e.nops; ++k) {
        if (ok[b->op_refs[e.first_op + k]]) {
          candidates.push_back({e.summary.max_start, e.id, &b, i});
          break;
        }
      }
    }
    size_t added = candidates.size() - before;
    if (added > before) {
      std::make_heap(candidates.begin(), candidates.end(), later_in_output);
    } else {
      for (size_t n = before + 1; n <= candidates.size(); ++n)
        std::push_heap(candidates.begin(), candidates.begin() + static_cast<ptrdiff_t>(n),
                       later_in_output);
    }
    return q.limits.CheckHeld(candidates.size(), "candidate traces");
  };
  PageCache cache;
  std::unordered_set<pdata::TraceId, IdHash> returned;
  size_t next_block = 0;
  size_t taken = 0;
  while (true) {
    while (next_block < blocks.size() &&
           (candidates.empty() || blocks[next_block]->max_start >= candidates.front().max_start))
      RETURN_IF_ERROR(scan(blocks[next_block++]));
    if (candidates.empty()) break;
    if (++taken % kCheckEvery == 0) RETURN_IF_ERROR(q.limits.CheckDeadline());
    std::pop_heap(candidates.begin(), candidates.end(), later_in_output);
    const Candidate c = candidates.back();
    candidates.pop_back();
    if (returned.count(c.id)) continue;
    bool match = false;
    if (c.block) {
      const Block::Entry& e = (*c.block)->entries[c.entry];
      ASSIGN_OR_RETURN(std::shared_ptr<const SpanRows> rows, cache.Get(*c.block, e.page));
      for (uint32_t k = e.first_row; !match && k < e.first_row + e.count; ++k)
        match = SpanMatches(*rows, rows->spans[k], q);
    } else {
      // Read under the lock: the active head changes (and may have been frozen since).
      std::shared_lock lock(mu_);
      match = (frozen_ && frozen_->Matches(c.id, q)) || active_->Matches(c.id, q);
    }
    if (!match) continue;
    returned.insert(c.id);
    ASSIGN_OR_RETURN(pdata::TraceBatch trace, GetTrace(c.id, &cache));
    if (!fn(std::move(trace))) break;
  }
  return Status::Ok();
}

StatusOr<std::vector<pdata::TraceBatch>> TraceTable::FindTraces(const TraceSearch& search) {
  std::vector<pdata::TraceBatch> out;
  RETURN_IF_ERROR(ForEachMatch(search, [&](pdata::TraceBatch&& t) {
    out.push_back(std::move(t));
    return search.limit == 0 || out.size() < search.limit;
  }));
  return out;
}

std::vector<std::string> TraceTable::Services() {
  std::shared_lock lock(mu_);
  std::vector<std::string> out;
  for (const auto& [name, ops] : services_)
    if (!name.empty()) out.push_back(name);
  return out;
}

std::vector<Operation> TraceTable::Operations(const std::string& service) {
  std::shared_lock lock(mu_);
  std::set<Operation> all;
  for (const auto& [name, ops] : services_)
    if (service.empty() || name == service)
      for (const auto& [op, id] : ops) all.insert(op);
  return {all.begin(), all.end()};
}

Status TraceTable::ScanTraces(uint64_t start_ns, uint64_t end_ns,
                              const std::function<bool(const pdata::TraceBatch&)>& fn) {
  TraceSearch q;
  q.start_ns = start_ns;
  q.end_ns = end_ns;
  q.limit = 0;
  return ForEachMatch(q, [&](pdata::TraceBatch&& t) { return fn(t); });
}

StatusOr<std::vector<DependencyLink>> TraceTable::Dependencies(uint64_t start_ns, uint64_t end_ns,
                                                               const QueryLimits& limits) {
  // Places a trace's spans may be in: blocks oldest first, then the frozen and the active head.
  // Each trace is counted once, at the first place holding a part of it that overlaps the
  // window; its calls are then counted over all its parts. Spans are read as rows (service,
  // span id, parent id), never converted to OTLP, and one trace is held at a time.
  std::vector<std::shared_ptr<const Block>> blocks;
  std::shared_ptr<const Head> frozen, active;
  {
    std::shared_lock lock(mu_);
    blocks = blocks_;
    frozen = frozen_;
    active = active_;
  }
  auto overlaps = [&](const TraceSummary& s) {
    return s.max_start >= start_ns && s.min_start <= end_ns;
  };
  // Whether block `b` holds a part of `id` that overlaps the window.
  auto block_has = [&](const Block& b, const pdata::TraceId& id) {
    for (uint32_t e : b.Find(id))
      if (overlaps(b.entries[e].summary)) return true;
    return false;
  };
  // Requires mu_ (shared) for the active head.
  auto head_has = [&](const Head* h, const pdata::TraceId& id) {
    const Head::Trace* t = h ? h->Find(id) : nullptr;
    return t && overlaps(t->summary);
  };

  struct SpanLink {
    pdata::SpanId span, parent;
    uint32_t service;  // into `services`
  };
  std::map<std::string, uint32_t, std::less<>> service_ids;
  std::vector<std::string_view> services;
  auto service_id = [&](std::string_view name) {
    auto it = service_ids.find(name);
    if (it == service_ids.end()) {
      it = service_ids.emplace(std::string(name), static_cast<uint32_t>(services.size())).first;
      services.push_back(it->first);
    }
    return it->second;
  };
  std::map<std::pair<uint32_t, uint32_t>, uint64_t> calls;
  std::vector<SpanLink> spans;
  PageCache cache;
  auto add_rows = [&](const SpanRows& rows, auto&& for_each_row) {
    // A trace's spans share a few resources: look each service up once.
    uint32_t last_scope = UINT32_MAX, last_service = 0;
    for_each_row([&](uint32_t i) {
      const SpanRow& r = rows.spans[i];
      if (r.scope != last_scope) {
        last_scope = r.scope;
        last_service = service_id(ServiceOf(rows, r.scope));
      }
      spans.push_back({r.span_id, r.parent, last_service});
    });
  };
  auto add_head = [&](const Head* h, const pdata::TraceId& id) {
    const Head::Trace* t = h ? h->Find(id) : nullptr;
    if (t) add_rows(h->rows, [&](auto&& fn) { h->ForEachRow(*t, fn); });
  };
  // Counts the calls of trace `id`, gathering its parts from every place.
  auto count = [&](const pdata::TraceId& id) -> Status {
    spans.clear();
    for (const auto& b : blocks) {
      for (uint32_t e : b->Find(id)) {
        const Block::Entry& entry = b->entries[e];
        ASSIGN_OR_RETURN(std::shared_ptr<const SpanRows> rows, cache.Get(b, entry.page));
        add_rows(*rows, [&](auto&& fn) {
          for (uint32_t k = entry.first_row; k < entry.first_row + entry.count; ++k) fn(k);
        });
      }
    }
    {
      std::shared_lock lock(mu_);
      add_head(frozen.get(), id);
      add_head(active.get(), id);
    }
    RETURN_IF_ERROR(limits.CheckHeld(spans.size(), "spans of one trace"));
    auto by_span = [](const SpanLink& a, const SpanLink& b) { return a.span < b.span; };
    std::sort(spans.begin(), spans.end(), by_span);
    for (const SpanLink& s : spans) {
      if (s.parent.empty()) continue;
      auto it = std::lower_bound(spans.begin(), spans.end(), SpanLink{s.parent, {}, 0}, by_span);
      if (it == spans.end() || it->span != s.parent || it->service == s.service) continue;
      ++calls[{it->service, s.service}];
    }
    return Status::Ok();
  };

  uint32_t checked = 0;
  auto check = [&]() -> Status {
    return ++checked % kCheckEvery == 0 ? limits.CheckDeadline() : Status::Ok();
  };
  RETURN_IF_ERROR(limits.CheckDeadline());
  for (size_t i = 0; i < blocks.size(); ++i) {
    const Block& b = *blocks[i];
    if (b.entries.empty() || b.max_start < start_ns || b.min_start > end_ns) continue;
    for (const Block::Entry& e : b.entries) {
      RETURN_IF_ERROR(check());
      if (!overlaps(e.summary)) continue;
      bool earlier = false;
      for (size_t j = 0; j < i && !earlier; ++j) earlier = block_has(*blocks[j], e.id);
      // An entry of the same trace earlier in this block (a compacted block keeps the pages of
      // its inputs) counted it already.
      std::span<const uint32_t> same = b.Find(e.id);
      if (!earlier && same.size() > 1) {
        for (uint32_t k : same) {
          if (&b.entries[k] == &e) break;
          earlier = earlier || overlaps(b.entries[k].summary);
        }
      }
      if (!earlier) RETURN_IF_ERROR(count(e.id));
    }
  }
  for (const Head* h : {frozen.get(), active.get()}) {
    if (!h) continue;
    // Trace ids first (under the lock, the active head grows), then one trace at a time.
    std::vector<pdata::TraceId> ids;
    {
      std::shared_lock lock(mu_);
      for (const Head::Trace& t : h->traces) {
        if (!overlaps(t.summary)) continue;
        bool earlier = h == active.get() && head_has(frozen.get(), t.id);
        if (!earlier) ids.push_back(t.id);
      }
    }
    RETURN_IF_ERROR(limits.CheckHeld(ids.size(), "trace ids"));
    for (const pdata::TraceId& id : ids) {
      RETURN_IF_ERROR(check());
      bool earlier = false;
      for (size_t j = 0; j < blocks.size() && !earlier; ++j) earlier = block_has(*blocks[j], id);
      if (!earlier) RETURN_IF_ERROR(count(id));
    }
  }
  std::vector<DependencyLink> out;
  out.reserve(calls.size());
  for (const auto& [key, n] : calls)
    out.push_back({std::string(services[key.first]), std::string(services[key.second]), n});
  std::sort(out.begin(), out.end(), [](const DependencyLink& a, const DependencyLink& b) {
    return std::tie(a.parent, a.child) < std::tie(b.parent, b.child);
  });
  return out;
}

}  // namespace otter::store
