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

// Traces (or pages, or directory entries) between two checks of a query's deadline.
constexpr uint32_t kCheckEvery = 1024;

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

// Decoded block pages and page directories, most recently used first: a search reads each page
// once, not once per candidate trace; and decoded id-table chunks, for queries that look up many
// ids. Entries keep their block alive, so a block address is never reused while cached.
class TraceTable::PageCache {
 public:
  using BlockPtr = std::shared_ptr<const TraceBlock>;
  StatusOr<std::shared_ptr<const PageDirectory>> Directory(const BlockPtr& block, uint32_t page) {
    if (auto* hit = Find(directories_, block, page)) return *hit;
    ASSIGN_OR_RETURN(std::shared_ptr<const PageDirectory> dir, block->Directory(page));
    Put(directories_, kDirectories, block, page, dir);
    return dir;
  }
  StatusOr<std::shared_ptr<const SpanRows>> Rows(const BlockPtr& block, uint32_t page) {
    if (auto* hit = Find(rows_, block, page)) return *hit;
    ASSIGN_OR_RETURN(std::shared_ptr<const PageDirectory> dir, Directory(block, page));
    ASSIGN_OR_RETURN(std::shared_ptr<const SpanRows> rows, block->DecodePage(page, *dir));
    Put(rows_, kPages, block, page, rows);
    return rows;
  }
  // Calls fn(page, directory entry) for each part of trace `id` in `block`, in page order, in
  // the pages `wanted(page)` accepts (the others' directories are not read).
  template <class Fn, class Wanted>
  Status ForEachPart(const BlockPtr& block, const pdata::TraceId& id, Fn&& fn, Wanted&& wanted) {
    ASSIGN_OR_RETURN(std::vector<uint32_t> pages, block->PagesOf(id, &chunks_));
    for (uint32_t page : pages) {
      if (!wanted(page)) continue;
      ASSIGN_OR_RETURN(std::shared_ptr<const PageDirectory> dir, Directory(block, page));
      Status st;
      dir->ForEachOf(id, [&](const PageDirectory::Entry& e) {
        if (st.ok()) st = fn(page, e);
      });
      RETURN_IF_ERROR(st);
    }
    return Status::Ok();
  }
  template <class Fn>
  Status ForEachPart(const BlockPtr& block, const pdata::TraceId& id, Fn&& fn) {
    return ForEachPart(block, id, std::forward<Fn>(fn), [](uint32_t) { return true; });
  }

 private:
  static constexpr size_t kPages = 8, kDirectories = 64;
  template <class T>
  struct Slot {
    BlockPtr block;
    uint32_t page;
    std::shared_ptr<const T> value;
  };
  template <class T>
  static std::shared_ptr<const T>* Find(std::list<Slot<T>>& slots, const BlockPtr& block,
                                        uint32_t page) {
    for (auto it = slots.begin(); it != slots.end(); ++it) {
      if (it->block == block && it->page == page) {
        slots.splice(slots.begin(), slots, it);
        return &slots.front().value;
      }
    }
    return nullptr;
  }
  template <class T>
  static void Put(std::list<Slot<T>>& slots, size_t max, const BlockPtr& block, uint32_t page,
                  std::shared_ptr<const T> value) {
    slots.push_front({block, page, std::move(value)});
    if (slots.size() > max) slots.pop_back();
  }
  std::list<Slot<PageDirectory>> directories_;
  std::list<Slot<SpanRows>> rows_;
  TraceBlock::ChunkCache chunks_;
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
  std::optional<TraceBlockBuilder> builder = BuildFrozen(BlockWriter());
  return builder ? builder->Finish(wal_segment) : std::string();
}

bool TraceTable::HasFrozenSpans() const {
  std::shared_lock lock(mu_);
  return frozen_ && !frozen_->traces.empty();
}

Status TraceTable::WriteBlock(uint64_t wal_segment, WritableFile& file) const {
  std::optional<TraceBlockBuilder> builder = BuildFrozen(BlockWriter(file));
  if (!builder) return FailedPrecondition("no frozen spans to write a block of");
  return builder->FinishFile(wal_segment);
}

std::optional<TraceBlockBuilder> TraceTable::BuildFrozen(BlockWriter writer) const {
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
  std::optional<TraceBlockBuilder> builder;
  builder.emplace(std::move(used), std::move(writer));
  SpanPageWriter pages(rows);
  SpanTagFilterWriter filters(rows);
  std::vector<uint32_t> order;
  std::vector<PageTrace> page_traces;
  PageDirectory dir;
  auto add_page = [&] {
    dir.tag_filter = filters.Build(order);
    builder->AddPage(pages.Encode(order, page_traces), dir);
    order.clear();
    page_traces.clear();
    dir.entries.clear();
    dir.op_refs.clear();
  };
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
    auto first_op = static_cast<uint32_t>(dir.op_refs.size());
    head->ForEachOp(t, [&](uint32_t op) { dir.op_refs.push_back(local[op]); });
    dir.entries.push_back({t.id, pt.first, pt.count, first_op, t.nops, t.summary});
    if (order.size() >= kPageSpans) add_page();
  }
  if (!order.empty()) add_page();
  return builder;
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
  TraceBlockBuilder builder(std::move(ops), BlockWriter(fd, path));
  // The inputs' pages are copied as they are stored (no decoding, no recompression; file to file
  // in the kernel), oldest first, with their directories renumbered; a trace written across
  // flushes keeps an entry per page (PagesOf finds them all).
  for (size_t i = 0; i < in.size(); ++i) {
    const Block& b = *in[i];
    for (uint32_t n = 0; n < b.pages.size(); ++n) {
      if (cancel && cancel->load(std::memory_order_relaxed)) return Aborted("");
      ASSIGN_OR_RETURN(std::shared_ptr<const PageDirectory> dir, b.Directory(n));
      PageDirectory renumbered = *dir;
      for (uint32_t& op : renumbered.op_refs) op = op_map[i][op];
      ASSIGN_OR_RETURN(renumbered.tag_filter, b.TagFilter(n));
      RETURN_IF_ERROR(builder.AddPageOf(*b.reader, b.pages[n].loc, renumbered));
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
  // first, each block's parts newest first, each prepended: the result lists the oldest spans
  // first.
  // A block whose id table or directories are damaged is skipped (it has been reported, and is
  // set aside): the trace may well be elsewhere, and damage to one block must not hide the rest.
  std::vector<std::pair<uint32_t, PageDirectory::Entry>> parts;
  for (auto it = blocks.rbegin(); it != blocks.rend(); ++it) {
    parts.clear();
    Status st = cache->ForEachPart(*it, id, [&](uint32_t page, const PageDirectory::Entry& e) {
      parts.emplace_back(page, e);
      return Status::Ok();
    });
    if (st.code() == StatusCode::kDataLoss) continue;
    RETURN_IF_ERROR(st);
    for (auto p = parts.rbegin(); p != parts.rend(); ++p) {
      const PageDirectory::Entry& entry = p->second;
      ASSIGN_OR_RETURN(std::shared_ptr<const SpanRows> rows, cache->Rows(*it, p->first));
      if (uint64_t{entry.first_row} + entry.count > rows->spans.size())
        return (*it)->reader->Checked(
            DataLoss((*it)->reader->path() + ": a trace's rows are past its page"));
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
  // Candidates: traces whose span start range overlaps the query and that have a span of a
  // matching operation, with their latest start and where they are (a block page's directory
  // entry, or a head).
  struct Candidate {
    uint64_t max_start;
    pdata::TraceId id;
    uint32_t block;  // in `blocks`; UINT32_MAX: a head
    uint32_t page, entry;
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
        if (any) candidates.push_back({t.summary.max_start, t.id, UINT32_MAX, 0, 0});
      }
    }
  }
  RETURN_IF_ERROR(q.limits.CheckHeld(candidates.size(), "candidate traces"));
  // Block pages that may hold a match (time range, longest span, error flag, an operation
  // wanted), from the summaries in memory; their directories are read only when the search
  // reaches them. ok[b][op]: block b's operation op is wanted.
  struct PageRef {
    uint64_t max_start;
    uint32_t block, page;
  };
  std::vector<PageRef> page_refs;
  std::vector<std::vector<bool>> ok(blocks.size());
  for (uint32_t b = 0; b < blocks.size(); ++b) {
    const Block& block = *blocks[b];
    if (block.pages.empty() || block.max_start < q.start_ns || block.min_start > q.end_ns) continue;
    ok[b].resize(block.ops.size());
    bool any = false;
    for (size_t i = 0; i < block.ops.size(); ++i)
      any |= ok[b][i] = op_matches(block.ops[i].first, block.ops[i].second);
    if (!any) continue;
    for (uint32_t n = 0; n < block.pages.size(); ++n) {
      if (n % kCheckEvery == 0) RETURN_IF_ERROR(q.limits.CheckDeadline());
      const Block::Page& p = block.pages[n];
      if (!p.summary.MayMatch(q)) continue;
      std::span<const uint32_t> ops = block.PageOps(p);
      if (std::any_of(ops.begin(), ops.end(), [&](uint32_t op) { return ok[b][op]; }))
        page_refs.push_back({p.summary.max_start, b, n});
    }
  }
  // Newest first, from a heap: a search usually stops after `limit` matches, so ordering all
  // candidates would be wasted, and so would reading every page: pages are scanned into the
  // heap newest first, each just before a candidate older than its newest trace would be taken.
  // A trace in several places (head and blocks) is a candidate in each, and matches when a span
  // in any of them does; it is returned once.
  auto later_in_output = [](const Candidate& a, const Candidate& b) {
    return a.max_start != b.max_start ? a.max_start < b.max_start : b.id < a.id;
  };
  std::make_heap(candidates.begin(), candidates.end(), later_in_output);
  std::sort(page_refs.begin(), page_refs.end(),
            [](const PageRef& a, const PageRef& b) { return a.max_start > b.max_start; });
  // Pages whose tag filters rule out a tag are skipped without being decoded.
  std::vector<TagProbe> probes;
  for (const auto& [k, v] : q.tags)
    if (TagIsFilterable(k)) probes.emplace_back(k, v);
  PageCache cache;
  auto scan = [&](const PageRef& ref) -> Status {
    const std::shared_ptr<const Block>& b = blocks[ref.block];
    if (!probes.empty()) {
      ASSIGN_OR_RETURN(std::string filter, b->TagFilter(ref.page));
      for (const TagProbe& t : probes)
        if (!t.MayMatch(filter)) return Status::Ok();
    }
    ASSIGN_OR_RETURN(std::shared_ptr<const PageDirectory> dir, cache.Directory(b, ref.page));
    const std::vector<bool>& wanted = ok[ref.block];
    for (uint32_t i = 0; i < dir->entries.size(); ++i) {
      const PageDirectory::Entry& e = dir->entries[i];
      if (!e.summary.MayMatch(q)) continue;
      for (uint32_t k = 0; k < e.nops; ++k) {
        if (wanted[dir->op_refs[e.first_op + k]]) {
          candidates.push_back({e.summary.max_start, e.id, ref.block, ref.page, i});
          std::push_heap(candidates.begin(), candidates.end(), later_in_output);
          break;
        }
      }
    }
    return q.limits.CheckHeld(candidates.size(), "candidate traces");
  };
  std::unordered_set<pdata::TraceId, IdHash> returned;
  size_t next_page = 0;
  size_t taken = 0;
  while (true) {
    while (next_page < page_refs.size() &&
           (candidates.empty() || page_refs[next_page].max_start >= candidates.front().max_start)) {
      if (++taken % kCheckEvery == 0) RETURN_IF_ERROR(q.limits.CheckDeadline());
      RETURN_IF_ERROR(scan(page_refs[next_page++]));
    }
    if (candidates.empty()) break;
    if (++taken % kCheckEvery == 0) RETURN_IF_ERROR(q.limits.CheckDeadline());
    std::pop_heap(candidates.begin(), candidates.end(), later_in_output);
    const Candidate c = candidates.back();
    candidates.pop_back();
    if (returned.count(c.id)) continue;
    bool match = false;
    if (c.block != UINT32_MAX) {
      const std::shared_ptr<const Block>& b = blocks[c.block];
      ASSIGN_OR_RETURN(std::shared_ptr<const PageDirectory> dir, cache.Directory(b, c.page));
      ASSIGN_OR_RETURN(std::shared_ptr<const SpanRows> rows, cache.Rows(b, c.page));
      const PageDirectory::Entry& e = dir->entries[c.entry];
      for (uint32_t k = e.first_row; !match && k < e.first_row + e.count; ++k)
        match = k < rows->spans.size() && SpanMatches(*rows, rows->spans[k], q);
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
  PageCache cache;
  // Whether block `b` holds a part of `id` that overlaps the window, in a page before `before`.
  auto block_has = [&](const std::shared_ptr<const Block>& b, const pdata::TraceId& id,
                       uint32_t before = UINT32_MAX) -> StatusOr<bool> {
    bool has = false;
    RETURN_IF_ERROR(cache.ForEachPart(
        b, id,
        [&](uint32_t, const PageDirectory::Entry& e) {
          has = has || overlaps(e.summary);
          return Status::Ok();
        },
        [&](uint32_t page) { return page < before; }));
    return has;
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
  // A part of a trace: a directory entry of a block page.
  struct Part {
    size_t block;
    uint32_t page;
    const PageDirectory::Entry* entry;
  };
  auto add_part = [&](size_t block, uint32_t page, const PageDirectory::Entry& e) -> Status {
    const std::shared_ptr<const Block>& b = blocks[block];
    ASSIGN_OR_RETURN(std::shared_ptr<const SpanRows> rows, cache.Rows(b, page));
    if (uint64_t{e.first_row} + e.count > rows->spans.size())
      return b->reader->Checked(DataLoss(b->reader->path() + ": a trace's rows are past its page"));
    add_rows(*rows, [&](auto&& fn) {
      for (uint32_t k = e.first_row; k < e.first_row + e.count; ++k) fn(k);
    });
    return Status::Ok();
  };
  // Counts the calls of trace `id`, gathering its parts from every place; `known`, a part found
  // by the caller, is not looked up again (a page holds a trace at most once).
  auto count = [&](const pdata::TraceId& id, const Part* known) -> Status {
    spans.clear();
    if (known) RETURN_IF_ERROR(add_part(known->block, known->page, *known->entry));
    for (size_t j = 0; j < blocks.size(); ++j) {
      RETURN_IF_ERROR(cache.ForEachPart(
          blocks[j], id,
          [&](uint32_t page, const PageDirectory::Entry& e) { return add_part(j, page, e); },
          [&](uint32_t page) { return !known || known->block != j || known->page != page; }));
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
  // Whether `id` has a part overlapping the window in blocks before block i, or in block i
  // before page n (a page holds a trace at most once).
  auto counted_earlier = [&](size_t i, uint32_t n, const pdata::TraceId& id) -> StatusOr<bool> {
    for (size_t j = 0; j < i; ++j) {
      ASSIGN_OR_RETURN(bool has, block_has(blocks[j], id));
      if (has) return true;
    }
    return block_has(blocks[i], id, n);
  };
  for (size_t i = 0; i < blocks.size(); ++i) {
    const std::shared_ptr<const Block>& b = blocks[i];
    if (b->pages.empty() || b->max_start < start_ns || b->min_start > end_ns) continue;
    for (uint32_t n = 0; n < b->pages.size(); ++n) {
      if (!overlaps(b->pages[n].summary)) continue;
      ASSIGN_OR_RETURN(std::shared_ptr<const PageDirectory> dir, cache.Directory(b, n));
      for (const PageDirectory::Entry& e : dir->entries) {
        RETURN_IF_ERROR(check());
        if (!overlaps(e.summary)) continue;
        ASSIGN_OR_RETURN(bool earlier, counted_earlier(i, n, e.id));
        Part part{i, n, &e};
        if (!earlier) RETURN_IF_ERROR(count(e.id, &part));
      }
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
      for (size_t j = 0; j < blocks.size() && !earlier; ++j) {
        ASSIGN_OR_RETURN(earlier, block_has(blocks[j], id));
      }
      if (!earlier) RETURN_IF_ERROR(count(id, nullptr));
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
