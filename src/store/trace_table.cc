#include "store/trace_table.h"

#include <algorithm>
#include <mutex>
#include <unordered_set>

#include "otlp/proto_codec.h"

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

bool TagMatches(const pdata::Resource& resource, const pdata::Span& span, std::string_view key,
                std::string_view value) {
  auto attr_matches = [&](const pdata::Attributes& attrs) {
    const pdata::AnyValue* v = pdata::FindAttribute(attrs, key);
    return v && v->ToString() == value;
  };
  if (attr_matches(span.attributes) || attr_matches(resource.attributes)) return true;
  for (const auto& e : span.events)
    if (attr_matches(e.attributes)) return true;
  if (key == "error") return value == "true" && span.status.code == pdata::StatusCode::kError;
  if (key == "span.kind") return value == SpanKindName(span.kind);
  if (key == "otel.status_code") {
    return (value == "ERROR" && span.status.code == pdata::StatusCode::kError) ||
           (value == "OK" && span.status.code == pdata::StatusCode::kOk);
  }
  if (key == "otel.status_description") return value == span.status.message;
  return false;
}

bool SpanMatches(const pdata::Resource& resource, const pdata::Span& span, const TraceSearch& q) {
  if (span.start_time_unix_nano < q.start_ns || span.start_time_unix_nano > q.end_ns) return false;
  if (!q.operation.empty() && span.name != q.operation) return false;
  uint64_t d = span.end_time_unix_nano > span.start_time_unix_nano
                   ? span.end_time_unix_nano - span.start_time_unix_nano
                   : 0;
  if (q.min_duration_ns && d < *q.min_duration_ns) return false;
  if (q.max_duration_ns && d > *q.max_duration_ns) return false;
  for (const auto& [k, v] : q.tags)
    if (!TagMatches(resource, span, k, v)) return false;
  return true;
}

// Keeps only the spans of trace `id` (and the resources/scopes that still have spans).
void KeepTrace(pdata::TraceBatch& batch, const pdata::TraceId& id) {
  auto& resources = batch.resources();
  for (auto& rs : resources) {
    for (auto& ss : rs.scope_spans)
      std::erase_if(ss.spans, [&](const pdata::Span& s) { return !(s.trace_id == id); });
    std::erase_if(rs.scope_spans, [](const pdata::ScopeSpans& ss) { return ss.spans.empty(); });
  }
  std::erase_if(resources, [](const pdata::ResourceSpans& rs) { return rs.scope_spans.empty(); });
}

}  // namespace

// ---------------------------------------------------------------- head

// The head keeps each write as the OTLP bytes the WAL holds (about a third of the decoded
// form's memory) with a trace-id index into them; queries decode what they need.
struct TraceTable::Head {
  using Payload = std::shared_ptr<const std::string>;
  struct Trace {
    std::vector<uint32_t> payloads;  // indexes, ascending
    std::vector<uint32_t> ops;       // operation ids (TraceTable::ops_) of its spans
    uint64_t min_start = UINT64_MAX;
    uint64_t max_start = 0;
  };
  std::vector<Payload> payloads;
  std::unordered_map<pdata::TraceId, Trace, IdHash> by_trace;
  size_t spans = 0;
  uint64_t first_write_ns = 0;

  // `span_ops` holds each span's operation id, in batch order.
  void Add(const pdata::TraceBatch& batch, std::string&& payload,
           const std::vector<uint32_t>& span_ops) {
    auto idx = static_cast<uint32_t>(payloads.size());
    size_t k = 0;
    for (const auto& rs : batch.resources()) {
      for (const auto& ss : rs.scope_spans) {
        for (const auto& span : ss.spans) {
          Trace& t = by_trace[span.trace_id];
          if (t.payloads.empty() || t.payloads.back() != idx) t.payloads.push_back(idx);
          uint32_t op = span_ops[k++];
          if (std::find(t.ops.begin(), t.ops.end(), op) == t.ops.end()) t.ops.push_back(op);
          t.min_start = std::min(t.min_start, span.start_time_unix_nano);
          t.max_start = std::max(t.max_start, span.start_time_unix_nano);
        }
        spans += ss.spans.size();
      }
    }
    payloads.push_back(std::make_shared<const std::string>(std::move(payload)));
  }

  // The payloads holding spans of `id` (empty when none). Requires the table's lock.
  std::vector<Payload> PayloadsOf(const pdata::TraceId& id) const {
    std::vector<Payload> out;
    auto it = by_trace.find(id);
    if (it != by_trace.end())
      for (uint32_t i : it->second.payloads) out.push_back(payloads[i]);
    return out;
  }
};

namespace {

// Appends the spans of trace `id` found in `payloads` to *out (decoding copies, so the result
// owns its bytes).
Status AppendTraceFrom(const std::vector<std::shared_ptr<const std::string>>& payloads,
                       const pdata::TraceId& id, pdata::TraceBatch* out) {
  for (const auto& p : payloads) {
    ASSIGN_OR_RETURN(pdata::TraceBatch batch, otlp::DecodeTraces(*p));
    KeepTrace(batch, id);
    out->Append(std::move(batch));
  }
  return Status::Ok();
}

}  // namespace

// ---------------------------------------------------------------- blocks

struct TraceTable::Block {
  struct Entry {
    pdata::TraceId id;
    uint32_t first_ref = 0;  // into refs
    uint32_t nrefs = 0;
    uint32_t first_op = 0;  // into op_refs
    uint32_t nops = 0;
    uint64_t min_start = 0;
    uint64_t max_start = 0;
  };
  std::shared_ptr<BlockReader> reader;
  std::vector<RecordLocation> records;  // the OTLP requests, as written
  std::vector<uint32_t> refs;           // record indexes per trace
  std::vector<Entry> entries;           // by id
  uint64_t min_start = UINT64_MAX;
  uint64_t max_start = 0;
  std::vector<std::pair<std::string, Operation>> ops;  // (service, operation) by block-local id
  std::vector<uint32_t> op_refs;                       // block-local op ids per trace

  const Entry* Find(const pdata::TraceId& id) const {
    auto it = std::lower_bound(entries.begin(), entries.end(), id,
                               [](const Entry& e, const pdata::TraceId& x) { return e.id < x; });
    return it != entries.end() && it->id == id ? &*it : nullptr;
  }
  // The spans of trace `e` (its records decoded, other traces' spans dropped).
  StatusOr<pdata::TraceBatch> Load(const Entry& e) const {
    pdata::TraceBatch out;
    for (uint32_t k = 0; k < e.nrefs; ++k) {
      ASSIGN_OR_RETURN(std::string record, reader->Read(records[refs[e.first_ref + k]]));
      ASSIGN_OR_RETURN(pdata::TraceBatch batch, otlp::DecodeTraces(std::move(record)));
      KeepTrace(batch, e.id);
      out.Append(std::move(batch));
    }
    return out;
  }

  static StatusOr<std::shared_ptr<const Block>> Parse(std::shared_ptr<BlockReader> reader) {
    auto b = std::make_shared<Block>();
    IndexReader in(reader->signal_index());
    uint64_t nops = 0, nrecords = 0, ntraces = 0;
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
    in.Varint(&nrecords);
    for (uint64_t i = 0; in.ok() && i < nrecords; ++i) {
      RecordLocation loc;
      in.U32(&loc.frame);
      in.U32(&loc.offset);
      in.U32(&loc.length);
      b->records.push_back(loc);
    }
    in.Varint(&ntraces);
    b->entries.reserve(in.ok() ? std::min<uint64_t>(ntraces, 1 << 24) : 0);
    for (uint64_t i = 0; in.ok() && i < ntraces; ++i) {
      Entry e;
      std::string_view id;
      uint64_t min_delta = 0, span = 0;
      in.Bytes(16, &id);
      in.U32(&e.nrefs);
      e.first_ref = static_cast<uint32_t>(b->refs.size());
      for (uint32_t k = 0; in.ok() && k < e.nrefs; ++k) {
        uint32_t r = 0;
        in.U32(&r);
        if (r >= b->records.size()) return DataLoss(reader->path() + ": trace index out of range");
        b->refs.push_back(r);
      }
      in.U32(&e.nops);
      e.first_op = static_cast<uint32_t>(b->op_refs.size());
      for (uint32_t k = 0; in.ok() && k < e.nops; ++k) {
        uint32_t op = 0;
        in.U32(&op);
        if (op >= b->ops.size()) return DataLoss(reader->path() + ": operation out of range");
        b->op_refs.push_back(op);
      }
      in.Varint(&min_delta);
      in.Varint(&span);
      if (!in.ok()) break;
      std::memcpy(e.id.bytes.data(), id.data(), 16);
      e.min_start = b->min_start + min_delta;
      e.max_start = e.min_start + span;
      b->entries.push_back(e);
    }
    if (!in.ok() || !in.done()) return DataLoss(reader->path() + ": malformed trace index");
    b->reader = std::move(reader);
    return std::shared_ptr<const Block>(std::move(b));
  }
};

// ---------------------------------------------------------------- table

TraceTable::TraceTable() : active_(std::make_shared<Head>()) {}
TraceTable::~TraceTable() = default;

void TraceTable::Apply(const pdata::TraceBatch& batch, std::string&& payload) {
  std::unique_lock lock(mu_);
  if (active_->payloads.empty()) {
    active_->first_write_ns =
        static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count());
  }
  std::vector<uint32_t> span_ops;
  span_ops.reserve(batch.ItemCount());
  for (const auto& rs : batch.resources()) {
    std::string_view service = ServiceName(rs.resource);
    for (const auto& ss : rs.scope_spans)
      for (const auto& span : ss.spans)
        span_ops.push_back(OperationId(service, {span.name, SpanKindName(span.kind)}));
  }
  active_->Add(batch, std::move(payload), span_ops);
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
}

std::string TraceTable::BuildBlock(uint64_t wal_segment) const {
  std::shared_ptr<const Head> head;
  std::vector<std::pair<std::string, Operation>> catalogue;
  {
    std::shared_lock lock(mu_);
    head = frozen_;
    catalogue = ops_;
  }
  if (!head || head->by_trace.empty()) return {};
  // The block's operation table: the catalogue entries its traces use, renumbered.
  std::vector<uint32_t> local(catalogue.size(), UINT32_MAX);
  std::vector<uint32_t> used;
  for (const auto& [id, t] : head->by_trace) {
    for (uint32_t op : t.ops) {
      if (local[op] != UINT32_MAX) continue;
      local[op] = static_cast<uint32_t>(used.size());
      used.push_back(op);
    }
  }
  // The requests go in as they were written (no decoding): one record each, zstd-compressed in
  // frames; the index maps each trace to the records holding its spans.
  BlockWriter writer;
  std::vector<RecordLocation> records;
  records.reserve(head->payloads.size());
  for (const auto& p : head->payloads) records.push_back(writer.Add(*p));
  std::vector<const std::pair<const pdata::TraceId, Head::Trace>*> traces;
  traces.reserve(head->by_trace.size());
  uint64_t min_start = UINT64_MAX, max_start = 0;
  for (const auto& entry : head->by_trace) {
    traces.push_back(&entry);
    min_start = std::min(min_start, entry.second.min_start);
    max_start = std::max(max_start, entry.second.max_start);
  }
  std::sort(traces.begin(), traces.end(),
            [](const auto* a, const auto* b) { return a->first < b->first; });
  std::string index;
  PutVarint(index, min_start);
  PutVarint(index, max_start);
  PutVarint(index, used.size());
  for (uint32_t op : used) {
    PutString(index, catalogue[op].first);
    PutString(index, catalogue[op].second.name);
    PutString(index, catalogue[op].second.span_kind);
  }
  PutVarint(index, records.size());
  for (const auto& r : records) {
    PutVarint(index, r.frame);
    PutVarint(index, r.offset);
    PutVarint(index, r.length);
  }
  PutVarint(index, traces.size());
  for (const auto* t : traces) {
    index.append(reinterpret_cast<const char*>(t->first.bytes.data()), 16);
    PutVarint(index, t->second.payloads.size());
    for (uint32_t r : t->second.payloads) PutVarint(index, r);
    PutVarint(index, t->second.ops.size());
    for (uint32_t op : t->second.ops) PutVarint(index, local[op]);
    PutVarint(index, t->second.min_start - min_start);
    PutVarint(index, t->second.max_start - t->second.min_start);
  }
  return writer.Finish(index, wal_segment);
}

Status TraceTable::AddBlock(std::shared_ptr<BlockReader> reader, bool replaces_frozen) {
  ASSIGN_OR_RETURN(std::shared_ptr<const Block> block, Block::Parse(std::move(reader)));
  std::unique_lock lock(mu_);
  for (const auto& [svc, op] : block->ops) OperationId(svc, OperationLess::K(op));
  blocks_.push_back(std::move(block));
  if (replaces_frozen) frozen_.reset();
  return Status::Ok();
}

void TraceTable::DropFrozen() {
  std::unique_lock lock(mu_);
  frozen_.reset();
}

std::vector<std::string> TraceTable::RemoveBlocksBefore(uint64_t cutoff_ns) {
  std::unique_lock lock(mu_);
  std::vector<std::string> removed;
  std::erase_if(blocks_, [&](const auto& b) {
    if (b->entries.empty() || b->max_start >= cutoff_ns) return false;
    removed.push_back(b->reader->path());
    return true;
  });
  return removed;
}

std::string TraceTable::RemoveOldestBlock() {
  std::unique_lock lock(mu_);
  if (blocks_.empty()) return {};
  std::string path = blocks_.front()->reader->path();
  blocks_.erase(blocks_.begin());
  return path;
}

size_t TraceTable::span_count() const {
  std::shared_lock lock(mu_);
  return active_->spans + (frozen_ ? frozen_->spans : 0);
}

size_t TraceTable::block_count() const {
  std::shared_lock lock(mu_);
  return blocks_.size();
}

uint64_t TraceTable::block_bytes() const {
  std::shared_lock lock(mu_);
  uint64_t n = 0;
  for (const auto& b : blocks_) n += b->reader->file_bytes();
  return n;
}

uint64_t TraceTable::oldest_head_ns() const {
  std::shared_lock lock(mu_);
  return active_->first_write_ns;
}

StatusOr<pdata::TraceBatch> TraceTable::GetTrace(const pdata::TraceId& id) {
  std::vector<std::shared_ptr<const Block>> blocks;
  std::vector<Head::Payload> payloads;  // frozen head first, then the active one
  {
    std::shared_lock lock(mu_);
    blocks = blocks_;
    if (frozen_) payloads = frozen_->PayloadsOf(id);
    for (auto& p : active_->PayloadsOf(id)) payloads.push_back(std::move(p));
  }
  // Decode and read blocks without holding the lock (the writer never waits on a query).
  pdata::TraceBatch out;
  bool found = !payloads.empty();
  RETURN_IF_ERROR(AppendTraceFrom(payloads, id, &out));
  // Newest block first, each prepended: the result lists the oldest spans first.
  for (auto it = blocks.rbegin(); it != blocks.rend(); ++it) {
    const auto& b = *it;
    const Block::Entry* e = b->Find(id);
    if (!e) continue;
    ASSIGN_OR_RETURN(pdata::TraceBatch part, b->Load(*e));
    part.Append(std::move(out));
    out = std::move(part);
    found = true;
  }
  if (!found) return NotFound("trace " + id.Hex() + " not found");
  return out;
}

Status TraceTable::ForEachMatch(const TraceSearch& q,
                                const std::function<bool(pdata::TraceBatch&&)>& fn) {
  auto op_matches = [&q](std::string_view service, const Operation& op) {
    return (q.service.empty() || service == q.service) &&
           (q.operation.empty() || op.name == q.operation);
  };
  auto overlaps = [&q](uint64_t min_start, uint64_t max_start) {
    return max_start >= q.start_ns && min_start <= q.end_ns;
  };
  // Candidates: traces whose span start range overlaps the query and that have a span of a
  // matching operation, with their latest start.
  std::vector<std::pair<uint64_t, pdata::TraceId>> candidates;
  std::vector<std::shared_ptr<const Block>> blocks;
  {
    std::shared_lock lock(mu_);
    blocks = blocks_;
    std::vector<bool> ok(ops_.size());
    for (size_t i = 0; i < ops_.size(); ++i) ok[i] = op_matches(ops_[i].first, ops_[i].second);
    for (const Head* head : {frozen_.get(), static_cast<const Head*>(active_.get())}) {
      if (!head) continue;
      for (const auto& [id, t] : head->by_trace) {
        if (!overlaps(t.min_start, t.max_start)) continue;
        if (std::any_of(t.ops.begin(), t.ops.end(), [&](uint32_t op) { return ok[op]; }))
          candidates.emplace_back(t.max_start, id);
      }
    }
  }
  for (const auto& b : blocks) {
    if (b->entries.empty() || !overlaps(b->min_start, b->max_start)) continue;
    std::vector<bool> ok(b->ops.size());
    bool any = false;
    for (size_t i = 0; i < b->ops.size(); ++i)
      any |= ok[i] = op_matches(b->ops[i].first, b->ops[i].second);
    if (!any) continue;
    for (const auto& e : b->entries) {
      if (!overlaps(e.min_start, e.max_start)) continue;
      for (uint32_t k = 0; k < e.nops; ++k) {
        if (ok[b->op_refs[e.first_op + k]]) {
          candidates.emplace_back(e.max_start, e.id);
          break;
        }
      }
    }
  }
  // Newest first; a trace in several places (head and blocks) is checked once.
  std::sort(candidates.begin(), candidates.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  std::unordered_set<pdata::TraceId, IdHash> seen;
  for (const auto& [t, id] : candidates) {
    if (!seen.insert(id).second) continue;
    ASSIGN_OR_RETURN(pdata::TraceBatch trace, GetTrace(id));
    bool match = false;
    for (const auto& rs : trace.resources()) {
      if (!q.service.empty() && ServiceName(rs.resource) != q.service) continue;
      for (const auto& ss : rs.scope_spans)
        for (const auto& span : ss.spans) match = match || SpanMatches(rs.resource, span, q);
    }
    if (match && !fn(std::move(trace))) break;
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

}  // namespace otter::store
