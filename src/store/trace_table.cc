#include "store/trace_table.h"

#include <algorithm>
#include <mutex>

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

// Records every span of `batch` matching `q` into `latest` (trace id → newest matching start).
template <class Latest>
void CollectMatches(const pdata::TraceBatch& batch, const TraceSearch& q, Latest& latest) {
  for (const auto& rs : batch.resources()) {
    if (!q.service.empty() && ServiceName(rs.resource) != q.service) continue;
    for (const auto& ss : rs.scope_spans) {
      for (const auto& span : ss.spans) {
        if (!SpanMatches(rs.resource, span, q)) continue;
        uint64_t& t = latest[span.trace_id];
        t = std::max(t, span.start_time_unix_nano);
      }
    }
  }
}

}  // namespace

// ---------------------------------------------------------------- head

struct TraceTable::Head {
  struct SpanRef {
    uint32_t batch;
    uint32_t resource;
    uint32_t scope;
    uint32_t span;
  };
  std::vector<pdata::TraceBatch> batches;
  std::unordered_map<pdata::TraceId, std::vector<SpanRef>, IdHash> by_trace;
  size_t spans = 0;
  uint64_t first_write_ns = 0;

  void Add(pdata::TraceBatch&& batch) {
    auto b = static_cast<uint32_t>(batches.size());
    const auto& resources = batch.resources();
    for (uint32_t r = 0; r < resources.size(); ++r) {
      const auto& scopes = resources[r].scope_spans;
      for (uint32_t s = 0; s < scopes.size(); ++s) {
        const auto& list = scopes[s].spans;
        for (uint32_t i = 0; i < list.size(); ++i)
          by_trace[list[i].trace_id].push_back(SpanRef{b, r, s, i});
        spans += list.size();
      }
    }
    batches.push_back(std::move(batch));
  }

  // The spans of `refs` as one batch sharing the source batches' arenas.
  pdata::TraceBatch Assemble(const std::vector<SpanRef>& refs) const {
    pdata::TraceBatch out;
    std::vector<uint32_t> shared;
    const SpanRef* prev = nullptr;
    for (const SpanRef& ref : refs) {
      const pdata::TraceBatch& src = batches[ref.batch];
      if (std::find(shared.begin(), shared.end(), ref.batch) == shared.end()) {
        out.arenas().Absorb(src.arenas().ShareForRead());
        shared.push_back(ref.batch);
      }
      const auto& rs = src.resources()[ref.resource];
      const auto& ss = rs.scope_spans[ref.scope];
      bool same_resource = prev && prev->batch == ref.batch && prev->resource == ref.resource;
      if (!same_resource) {
        auto& dst = out.resources().emplace_back();
        dst.resource = rs.resource;
        dst.schema_url = rs.schema_url;
      }
      auto& dst_rs = out.resources().back();
      if (!same_resource || prev->scope != ref.scope) {
        auto& dst_ss = dst_rs.scope_spans.emplace_back();
        dst_ss.scope = ss.scope;
        dst_ss.schema_url = ss.schema_url;
      }
      dst_rs.scope_spans.back().spans.push_back(ss.spans[ref.span]);
      prev = &ref;
    }
    return out;
  }

  bool Get(const pdata::TraceId& id, pdata::TraceBatch* out) const {
    auto it = by_trace.find(id);
    if (it == by_trace.end()) return false;
    out->Append(Assemble(it->second));
    return true;
  }
};

// ---------------------------------------------------------------- blocks

struct TraceTable::Block {
  struct Entry {
    pdata::TraceId id;
    RecordLocation loc;
    uint64_t min_start = 0;
    uint64_t max_start = 0;
  };
  std::shared_ptr<BlockReader> reader;
  std::vector<Entry> entries;  // by id
  uint64_t min_start = UINT64_MAX;
  uint64_t max_start = 0;
  std::map<std::string, std::set<Operation>, std::less<>> services;

  const Entry* Find(const pdata::TraceId& id) const {
    auto it = std::lower_bound(entries.begin(), entries.end(), id,
                               [](const Entry& e, const pdata::TraceId& x) { return e.id < x; });
    return it != entries.end() && it->id == id ? &*it : nullptr;
  }
  StatusOr<pdata::TraceBatch> Load(const Entry& e) const {
    ASSIGN_OR_RETURN(std::string record, reader->Read(e.loc));
    return otlp::DecodeTraces(std::move(record));
  }

  static StatusOr<std::shared_ptr<const Block>> Parse(std::shared_ptr<BlockReader> reader) {
    auto b = std::make_shared<Block>();
    IndexReader in(reader->signal_index());
    uint64_t nservices = 0, ntraces = 0;
    in.Varint(&b->min_start);
    in.Varint(&b->max_start);
    in.Varint(&nservices);
    for (uint64_t i = 0; in.ok() && i < nservices; ++i) {
      std::string_view svc;
      uint64_t nops = 0;
      in.String(&svc);
      in.Varint(&nops);
      auto& ops = b->services[std::string(svc)];
      for (uint64_t j = 0; in.ok() && j < nops; ++j) {
        std::string_view name, kind;
        in.String(&name);
        in.String(&kind);
        ops.insert(Operation{std::string(name), std::string(kind)});
      }
    }
    in.Varint(&ntraces);
    b->entries.reserve(in.ok() ? std::min<uint64_t>(ntraces, 1 << 24) : 0);
    for (uint64_t i = 0; in.ok() && i < ntraces; ++i) {
      Entry e;
      std::string_view id;
      uint64_t min_delta = 0, span = 0;
      in.Bytes(16, &id);
      in.U32(&e.loc.frame);
      in.U32(&e.loc.offset);
      in.U32(&e.loc.length);
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

void TraceTable::Apply(pdata::TraceBatch&& batch) {
  std::unique_lock lock(mu_);
  if (active_->batches.empty()) {
    active_->first_write_ns =
        static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count());
  }
  for (const auto& rs : batch.resources()) {
    std::string_view service = ServiceName(rs.resource);
    auto svc = services_.find(service);
    if (svc == services_.end()) svc = services_.emplace(std::string(service), OperationSet{}).first;
    for (const auto& ss : rs.scope_spans) {
      for (const auto& span : ss.spans) {
        // Most spans repeat a known operation: look it up without building strings.
        OperationLess::Key key{span.name, SpanKindName(span.kind)};
        if (svc->second.find(key) == svc->second.end())
          svc->second.insert(Operation{std::string(key.first), std::string(key.second)});
      }
    }
  }
  active_->Add(std::move(batch));
}

void TraceTable::Freeze() {
  std::unique_lock lock(mu_);
  frozen_ = std::move(active_);
  active_ = std::make_shared<Head>();
}

std::string TraceTable::BuildBlock(uint64_t wal_segment) const {
  std::shared_ptr<const Head> head;
  {
    std::shared_lock lock(mu_);
    head = frozen_;
  }
  BlockWriter writer;
  std::vector<pdata::TraceId> ids;
  std::map<std::string, std::set<Operation>, std::less<>> services;
  if (head) {
    ids.reserve(head->by_trace.size());
    for (const auto& [id, refs] : head->by_trace) ids.push_back(id);
  }
  if (ids.empty()) return {};
  std::sort(ids.begin(), ids.end());
  uint64_t min_start = UINT64_MAX, max_start = 0;
  struct Row {
    RecordLocation loc;
    uint64_t min, max;
  };
  std::vector<Row> rows;
  rows.reserve(ids.size());
  std::string record;
  for (const auto& id : ids) {
    pdata::TraceBatch trace = head->Assemble(head->by_trace.at(id));
    uint64_t lo = UINT64_MAX, hi = 0;
    for (const auto& rs : trace.resources()) {
      auto& ops = services[std::string(ServiceName(rs.resource))];
      for (const auto& ss : rs.scope_spans) {
        for (const auto& span : ss.spans) {
          lo = std::min(lo, span.start_time_unix_nano);
          hi = std::max(hi, span.start_time_unix_nano);
          ops.insert(Operation{std::string(span.name), std::string(SpanKindName(span.kind))});
        }
      }
    }
    record.clear();
    otlp::EncodeTraces(trace, &record);
    rows.push_back(Row{writer.Add(record), lo, hi});
    min_start = std::min(min_start, lo);
    max_start = std::max(max_start, hi);
  }
  std::string index;
  PutVarint(index, min_start);
  PutVarint(index, max_start);
  PutVarint(index, services.size());
  for (const auto& [svc, ops] : services) {
    PutString(index, svc);
    PutVarint(index, ops.size());
    for (const auto& op : ops) {
      PutString(index, op.name);
      PutString(index, op.span_kind);
    }
  }
  PutVarint(index, ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    index.append(reinterpret_cast<const char*>(ids[i].bytes.data()), 16);
    PutVarint(index, rows[i].loc.frame);
    PutVarint(index, rows[i].loc.offset);
    PutVarint(index, rows[i].loc.length);
    PutVarint(index, rows[i].min - min_start);
    PutVarint(index, rows[i].max - rows[i].min);
  }
  return writer.Finish(index, wal_segment);
}

Status TraceTable::AddBlock(std::shared_ptr<BlockReader> reader, bool replaces_frozen) {
  ASSIGN_OR_RETURN(std::shared_ptr<const Block> block, Block::Parse(std::move(reader)));
  std::unique_lock lock(mu_);
  for (const auto& [svc, ops] : block->services) services_[svc].insert(ops.begin(), ops.end());
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
  pdata::TraceBatch out;
  bool found = false;
  std::vector<std::shared_ptr<const Block>> blocks;
  {
    std::shared_lock lock(mu_);
    blocks = blocks_;
    if (frozen_) found |= frozen_->Get(id, &out);
    found |= active_->Get(id, &out);
  }
  // Blocks are immutable: read them without holding the lock (the writer never waits on disk).
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

StatusOr<std::vector<pdata::TraceId>> TraceTable::MatchingTraces(const TraceSearch& q) {
  Latest latest;
  std::vector<std::shared_ptr<const Block>> blocks;
  {
    std::shared_lock lock(mu_);
    blocks = blocks_;
    for (const auto& b : active_->batches) CollectMatches(b, q, latest);
    if (frozen_)
      for (const auto& b : frozen_->batches) CollectMatches(b, q, latest);
  }
  for (const auto& b : blocks) {
    if (b->entries.empty() || b->max_start < q.start_ns || b->min_start > q.end_ns) continue;
    if (!q.service.empty() && !b->services.count(q.service)) continue;
    for (const auto& e : b->entries) {
      if (e.max_start < q.start_ns || e.min_start > q.end_ns) continue;
      ASSIGN_OR_RETURN(pdata::TraceBatch trace, b->Load(e));
      CollectMatches(trace, q, latest);
    }
  }
  std::vector<std::pair<uint64_t, pdata::TraceId>> order;
  order.reserve(latest.size());
  for (const auto& [id, t] : latest) order.emplace_back(t, id);
  std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  std::vector<pdata::TraceId> ids;
  for (const auto& [t, id] : order) {
    if (q.limit && ids.size() >= q.limit) break;
    ids.push_back(id);
  }
  return ids;
}

StatusOr<std::vector<pdata::TraceBatch>> TraceTable::FindTraces(const TraceSearch& search) {
  ASSIGN_OR_RETURN(std::vector<pdata::TraceId> ids, MatchingTraces(search));
  std::vector<pdata::TraceBatch> out;
  for (const auto& id : ids) {
    ASSIGN_OR_RETURN(pdata::TraceBatch t, GetTrace(id));
    out.push_back(std::move(t));
  }
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
    if (service.empty() || name == service) all.insert(ops.begin(), ops.end());
  return {all.begin(), all.end()};
}

Status TraceTable::ScanTraces(uint64_t start_ns, uint64_t end_ns,
                              const std::function<bool(const pdata::TraceBatch&)>& fn) {
  TraceSearch q;
  q.start_ns = start_ns;
  q.end_ns = end_ns;
  q.limit = 0;
  ASSIGN_OR_RETURN(std::vector<pdata::TraceId> ids, MatchingTraces(q));
  for (const auto& id : ids) {
    ASSIGN_OR_RETURN(pdata::TraceBatch t, GetTrace(id));
    if (!fn(t)) break;
  }
  return Status::Ok();
}

}  // namespace otter::store
