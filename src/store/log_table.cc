#include "store/log_table.h"

#include <algorithm>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <unordered_map>

#include "otlp/proto_codec.h"
#include "store/id_hash.h"

namespace otter::store {

namespace {

int64_t Timestamp(const pdata::LogRecord& r) {
  return static_cast<int64_t>(r.time_unix_nano ? r.time_unix_nano : r.observed_time_unix_nano);
}

// The length of the record's Loki line (its body as text).
uint32_t LineBytes(const pdata::LogRecord& r) {
  size_t n = r.body.type == pdata::AnyValue::Type::kString ? r.body.string_value.size()
                                                           : r.body.ToString().size();
  return static_cast<uint32_t>(std::min<size_t>(n, UINT32_MAX));
}

}  // namespace

// ---------------------------------------------------------------- head

struct LogTable::Head {
  struct RecordRef {
    uint32_t batch;
    uint32_t resource;
    uint32_t scope;
    uint32_t record;
    int64_t ts_ns;
    uint32_t bytes;  // the line's length (index/stats, index/volume)
  };
  struct Stream {
    Labels labels;
    std::vector<RecordRef> refs;  // arrival order
    int64_t min_ts = INT64_MAX;
    int64_t max_ts = INT64_MIN;
  };
  explicit Head(std::shared_ptr<const LokiMapping> m) : mapping(std::move(m)) {}

  std::shared_ptr<const LokiMapping> mapping;
  std::vector<pdata::LogBatch> batches;
  std::vector<Stream> streams;
  std::unordered_map<uint64_t, std::vector<uint32_t>> stream_by_hash;
  std::unordered_map<pdata::TraceId, std::vector<std::pair<uint32_t, RecordRef>>, IdHash> by_trace;
  size_t records = 0;

  void Add(pdata::LogBatch&& batch) {
    auto b = static_cast<uint32_t>(batches.size());
    const auto& resources = batch.resources();
    for (uint32_t r = 0; r < resources.size(); ++r) {
      Labels labels = mapping->StreamLabels(resources[r].resource);
      auto& candidates = stream_by_hash[HashLabels(labels)];
      uint32_t idx = UINT32_MAX;
      for (uint32_t c : candidates)
        if (streams[c].labels == labels) idx = c;
      if (idx == UINT32_MAX) {
        idx = static_cast<uint32_t>(streams.size());
        streams.push_back(Stream{std::move(labels), {}});
        candidates.push_back(idx);
      }
      Stream& stream = streams[idx];
      const auto& scopes = resources[r].scope_logs;
      for (uint32_t s = 0; s < scopes.size(); ++s) {
        const auto& recs = scopes[s].log_records;
        for (uint32_t i = 0; i < recs.size(); ++i) {
          RecordRef ref{b, r, s, i, Timestamp(recs[i]), LineBytes(recs[i])};
          stream.refs.push_back(ref);
          stream.min_ts = std::min(stream.min_ts, ref.ts_ns);
          stream.max_ts = std::max(stream.max_ts, ref.ts_ns);
          if (!recs[i].trace_id.empty()) by_trace[recs[i].trace_id].emplace_back(idx, ref);
        }
        records += recs.size();
      }
    }
    batches.push_back(std::move(batch));
  }

  LogEntry Entry(const Labels& stream, const RecordRef& ref) const {
    const auto& rl = batches[ref.batch].resources()[ref.resource];
    const auto& sl = rl.scope_logs[ref.scope];
    return mapping->Entry(stream, rl.resource, sl.scope, sl.log_records[ref.record]);
  }

  // The records of `refs` (one stream) as one batch sharing the source arenas.
  pdata::LogBatch Assemble(const RecordRef* refs, size_t n) const {
    pdata::LogBatch out;
    std::vector<uint32_t> shared;
    const RecordRef* prev = nullptr;
    for (size_t k = 0; k < n; ++k) {
      const RecordRef& ref = refs[k];
      const pdata::LogBatch& src = batches[ref.batch];
      if (std::find(shared.begin(), shared.end(), ref.batch) == shared.end()) {
        out.arenas().Absorb(src.arenas().ShareForRead());
        shared.push_back(ref.batch);
      }
      const auto& rl = src.resources()[ref.resource];
      const auto& sl = rl.scope_logs[ref.scope];
      bool same_resource = prev && prev->batch == ref.batch && prev->resource == ref.resource;
      if (!same_resource) {
        auto& dst = out.resources().emplace_back();
        dst.resource = rl.resource;
        dst.schema_url = rl.schema_url;
      }
      auto& dst_rl = out.resources().back();
      if (!same_resource || prev->scope != ref.scope) {
        auto& dst_sl = dst_rl.scope_logs.emplace_back();
        dst_sl.scope = sl.scope;
        dst_sl.schema_url = sl.schema_url;
      }
      dst_rl.scope_logs.back().log_records.push_back(sl.log_records[ref.record]);
      prev = &ref;
    }
    return out;
  }
};

// ---------------------------------------------------------------- blocks

struct LogTable::Block {
  struct Chunk {
    uint32_t stream;
    RecordLocation loc;
    int64_t min_ts, max_ts;
    uint32_t count;
    uint64_t bytes = 0;  // line bytes; known when the block has_bytes
  };
  struct Stream {
    Labels labels;
    std::vector<uint32_t> chunks;
    int64_t min_ts = INT64_MAX, max_ts = INT64_MIN;
  };
  std::shared_ptr<BlockReader> reader;
  uint64_t first_segment = 0;  // the WAL segments it covers, up to reader->wal_segment()
  std::vector<Stream> streams;
  std::vector<Chunk> chunks;
  std::vector<std::pair<pdata::TraceId, uint32_t>> by_trace;  // sorted
  int64_t min_ts = INT64_MAX, max_ts = INT64_MIN;
  // Blocks written before the index held chunk line bytes have none (their stats read chunks).
  bool has_bytes = false;

  // For retention (store/block_retention.h): the newest record's time, in ns.
  int64_t newest() const { return chunks.empty() ? INT64_MAX : max_ts; }

  StatusOr<pdata::LogBatch> Load(const Chunk& c) const {
    ASSIGN_OR_RETURN(std::string record, reader->Read(c.loc));
    auto batch = otlp::DecodeLogs(std::move(record));
    if (!batch.ok())
      return reader->Checked(
          DataLoss(reader->path() + ": " + std::string(batch.status().message())));
    return batch;
  }

  static StatusOr<std::shared_ptr<const Block>> Parse(std::shared_ptr<BlockReader> reader) {
    auto b = std::make_shared<Block>();
    IndexReader in(reader->signal_index());
    uint64_t nstreams = 0;
    in.Varint(&nstreams);
    for (uint64_t s = 0; in.ok() && s < nstreams; ++s) {
      Stream st;
      uint64_t nlabels = 0, nchunks = 0;
      in.Varint(&nlabels);
      for (uint64_t l = 0; in.ok() && l < nlabels; ++l) {
        std::string_view n, v;
        in.String(&n);
        in.String(&v);
        st.labels.push_back(Label{std::string(n), std::string(v)});
      }
      in.Varint(&nchunks);
      for (uint64_t c = 0; in.ok() && c < nchunks; ++c) {
        Chunk ch{static_cast<uint32_t>(s), {}, 0, 0, 0, 0};
        uint64_t min = 0, span = 0;
        in.U32(&ch.loc.frame);
        in.U32(&ch.loc.offset);
        in.U32(&ch.loc.length);
        in.Varint(&min);
        in.Varint(&span);
        in.U32(&ch.count);
        ch.min_ts = static_cast<int64_t>(min);
        ch.max_ts = static_cast<int64_t>(min + span);
        st.chunks.push_back(static_cast<uint32_t>(b->chunks.size()));
        st.min_ts = std::min(st.min_ts, ch.min_ts);
        st.max_ts = std::max(st.max_ts, ch.max_ts);
        b->chunks.push_back(ch);
      }
      b->min_ts = std::min(b->min_ts, st.min_ts);
      b->max_ts = std::max(b->max_ts, st.max_ts);
      b->streams.push_back(std::move(st));
    }
    uint64_t ntrace = 0;
    in.Varint(&ntrace);
    for (uint64_t i = 0; in.ok() && i < ntrace; ++i) {
      std::string_view id;
      uint32_t chunk = 0;
      in.Bytes(16, &id);
      in.U32(&chunk);
      if (!in.ok() || chunk >= b->chunks.size()) break;
      pdata::TraceId t;
      std::memcpy(t.bytes.data(), id.data(), 16);
      b->by_trace.emplace_back(t, chunk);
    }
    if (in.ok() && !in.done()) {
      uint64_t n = 0;
      in.Varint(&n);
      for (uint64_t c = 0; in.ok() && c < n && c < b->chunks.size(); ++c)
        in.Varint(&b->chunks[c].bytes);
      b->has_bytes = in.ok() && n == b->chunks.size();
    }
    if (!in.ok() || !in.done()) return DataLoss(reader->path() + ": malformed log index");
    b->first_segment = FirstSegment(*reader);
    b->reader = std::move(reader);
    return std::shared_ptr<const Block>(std::move(b));
  }
};

namespace {

// A chunk's entry in the index: where it is, its time range and record count.
void PutChunk(std::string& index, const RecordLocation& loc, int64_t min_ts, int64_t max_ts,
              uint64_t count) {
  PutVarint(index, loc.frame);
  PutVarint(index, loc.offset);
  PutVarint(index, loc.length);
  PutVarint(index, static_cast<uint64_t>(min_ts));
  PutVarint(index, static_cast<uint64_t>(max_ts - min_ts));
  PutVarint(index, count);
}

// The chunks' line bytes, in chunk order (after the trace-id index; older blocks lack it).
void PutChunkBytes(std::string& index, const std::vector<uint64_t>& bytes) {
  PutVarint(index, bytes.size());
  for (uint64_t b : bytes) PutVarint(index, b);
}

void PutTraceIndex(std::string& index, std::vector<std::pair<pdata::TraceId, uint32_t>>& by_trace) {
  std::sort(by_trace.begin(), by_trace.end());
  by_trace.erase(std::unique(by_trace.begin(), by_trace.end()), by_trace.end());
  PutVarint(index, by_trace.size());
  for (const auto& [id, chunk] : by_trace) {
    index.append(reinterpret_cast<const char*>(id.bytes.data()), 16);
    PutVarint(index, chunk);
  }
}

}  // namespace

// ---------------------------------------------------------------- table

LogTable::LogTable(LokiMapping mapping)
    : mapping_(std::make_shared<const LokiMapping>(std::move(mapping))),
      active_(std::make_shared<Head>(mapping_)) {}
LogTable::~LogTable() = default;

void LogTable::Apply(pdata::LogBatch&& batch) {
  if (watch_count_.load(std::memory_order_relaxed) > 0) Notify(batch);
  std::unique_lock lock(mu_);
  active_->Add(std::move(batch));
}

class LogTable::WatchHandle final : public LogWatch {
 public:
  WatchHandle(LogTable& table, std::list<Watcher>::iterator it) : table_(table), it_(it) {}
  ~WatchHandle() override {
    std::lock_guard lock(table_.watch_mu_);
    table_.watchers_.erase(it_);
    table_.watch_count_.store(table_.watchers_.size());
  }

 private:
  LogTable& table_;
  std::list<Watcher>::iterator it_;
};

std::unique_ptr<LogWatch> LogTable::Watch(Matchers stream_matchers, LogWatchFn fn) {
  std::lock_guard lock(watch_mu_);
  auto it = watchers_.insert(watchers_.end(), Watcher{std::move(stream_matchers), std::move(fn)});
  watch_count_.store(watchers_.size());
  return std::make_unique<WatchHandle>(*this, it);
}

void LogTable::Notify(const pdata::LogBatch& batch) {
  std::lock_guard lock(watch_mu_);
  for (const auto& rl : batch.resources()) {
    const Labels labels = mapping_->StreamLabels(rl.resource);
    for (const Watcher& w : watchers_) {
      if (!MatchesAll(w.matchers, labels)) continue;
      for (const auto& sl : rl.scope_logs)
        for (const auto& record : sl.log_records)
          w.fn(labels, mapping_->Entry(labels, rl.resource, sl.scope, record));
    }
  }
}

void LogTable::Freeze() {
  std::unique_lock lock(mu_);
  frozen_ = std::move(active_);
  active_ = std::make_shared<Head>(mapping_);
}

std::string LogTable::BuildBlock(uint64_t wal_segment) const {
  std::shared_ptr<const Head> head;
  {
    std::shared_lock lock(mu_);
    head = frozen_;
  }
  if (!head || head->streams.empty()) return {};
  BlockWriter writer;
  std::string index;
  std::vector<std::pair<pdata::TraceId, uint32_t>> by_trace;
  uint32_t chunk_no = 0;
  PutVarint(index, head->streams.size());
  std::string record;
  std::vector<uint64_t> chunk_bytes;
  {
    for (const auto& st : head->streams) {
      PutVarint(index, st.labels.size());
      for (const auto& l : st.labels) {
        PutString(index, l.name);
        PutString(index, l.value);
      }
      std::vector<Head::RecordRef> refs = st.refs;
      std::stable_sort(refs.begin(), refs.end(),
                       [](const auto& a, const auto& b) { return a.ts_ns < b.ts_ns; });
      size_t nchunks = (refs.size() + kChunkRecords - 1) / kChunkRecords;
      PutVarint(index, nchunks);
      for (size_t c = 0; c < nchunks; ++c, ++chunk_no) {
        size_t from = c * kChunkRecords, n = std::min(kChunkRecords, refs.size() - from);
        pdata::LogBatch chunk = head->Assemble(refs.data() + from, n);
        for (const auto& rl : chunk.resources())
          for (const auto& sl : rl.scope_logs)
            for (const auto& r : sl.log_records)
              if (!r.trace_id.empty()) by_trace.emplace_back(r.trace_id, chunk_no);
        record.clear();
        otlp::EncodeLogs(chunk, &record);
        RecordLocation loc = writer.Add(record);
        PutChunk(index, loc, refs[from].ts_ns, refs[from + n - 1].ts_ns, n);
        uint64_t bytes = 0;
        for (size_t k = from; k < from + n; ++k) bytes += refs[k].bytes;
        chunk_bytes.push_back(bytes);
      }
    }
  }
  PutTraceIndex(index, by_trace);
  PutChunkBytes(index, chunk_bytes);
  return writer.Finish(index, wal_segment);
}

StatusOr<std::vector<std::string>> LogTable::CompactOnce(uint64_t max_bytes,
                                                         const BlockWrite& write,
                                                         const std::atomic<bool>* cancel,
                                                         bool eager) {
  return CompactRun(mu_, blocks_, max_bytes, eager, write,
                    [&](const std::vector<std::shared_ptr<const Block>>& in, uint64_t last, int fd,
                        const std::string& path) { return Compact(in, last, cancel, fd, path); });
}

Status LogTable::Compact(const std::vector<std::shared_ptr<const Block>>& in, uint64_t wal_segment,
                         const std::atomic<bool>* cancel, int fd, const std::string& path) const {
  // Every frame of every input is copied as stored (file to file in the kernel); frame_base[i]
  // renumbers input i's frames.
  BlockWriter writer(fd, path);
  std::vector<uint32_t> frame_base(in.size());
  uint32_t frames = 0;
  for (size_t i = 0; i < in.size(); ++i) {
    frame_base[i] = frames;
    for (uint32_t f = 0; f < in[i]->reader->frame_count(); ++f, ++frames) {
      if (cancel && cancel->load(std::memory_order_relaxed)) return Aborted("");
      RETURN_IF_ERROR(writer.AddFrameOf(*in[i]->reader, f).status());
    }
  }
  // Streams with the same labels become one, their chunks (input, chunk) oldest input first.
  std::vector<const Labels*> labels;
  std::vector<std::vector<std::pair<uint32_t, uint32_t>>> chunks;
  std::unordered_map<uint64_t, std::vector<uint32_t>> by_hash;
  for (size_t i = 0; i < in.size(); ++i) {
    for (const Block::Stream& st : in[i]->streams) {
      auto& candidates = by_hash[HashLabels(st.labels)];
      auto it = std::find_if(candidates.begin(), candidates.end(),
                             [&](uint32_t s) { return *labels[s] == st.labels; });
      uint32_t s = it != candidates.end() ? *it : static_cast<uint32_t>(labels.size());
      if (s == labels.size()) {
        candidates.push_back(s);
        labels.push_back(&st.labels);
        chunks.emplace_back();
      }
      for (uint32_t c : st.chunks) chunks[s].emplace_back(static_cast<uint32_t>(i), c);
    }
  }
  // The index, chunks numbered in the order it lists them; renumber[i][c] is input i's chunk c.
  std::string index;
  std::vector<std::vector<uint32_t>> renumber(in.size());
  for (size_t i = 0; i < in.size(); ++i) renumber[i].resize(in[i]->chunks.size());
  uint32_t next = 0;
  std::vector<uint64_t> chunk_bytes;
  bool has_bytes = true;
  for (const auto& b : in) has_bytes = has_bytes && b->has_bytes;
  PutVarint(index, labels.size());
  for (size_t s = 0; s < labels.size(); ++s) {
    PutVarint(index, labels[s]->size());
    for (const auto& l : *labels[s]) {
      PutString(index, l.name);
      PutString(index, l.value);
    }
    PutVarint(index, chunks[s].size());
    for (auto [i, c] : chunks[s]) {
      const Block::Chunk& ch = in[i]->chunks[c];
      RecordLocation loc = ch.loc;
      loc.frame += frame_base[i];
      PutChunk(index, loc, ch.min_ts, ch.max_ts, ch.count);
      chunk_bytes.push_back(ch.bytes);
      renumber[i][c] = next++;
    }
  }
  std::vector<std::pair<pdata::TraceId, uint32_t>> by_trace;
  for (size_t i = 0; i < in.size(); ++i)
    for (const auto& [id, c] : in[i]->by_trace) by_trace.emplace_back(id, renumber[i][c]);
  PutTraceIndex(index, by_trace);
  if (has_bytes) PutChunkBytes(index, chunk_bytes);
  return writer.FinishFile(index, wal_segment);
}

Status LogTable::AddBlock(std::shared_ptr<BlockReader> reader, bool replaces_frozen) {
  ASSIGN_OR_RETURN(std::shared_ptr<const Block> block, Block::Parse(std::move(reader)));
  std::unique_lock lock(mu_);
  blocks_.push_back(std::move(block));
  if (replaces_frozen) frozen_.reset();
  return Status::Ok();
}

void LogTable::DropFrozen() { store::DropFrozen(mu_, frozen_); }

std::vector<std::string> LogTable::RemoveBlocksBefore(int64_t cutoff_ns) {
  return store::RemoveBlocksBefore<Block>(mu_, blocks_, cutoff_ns);
}

bool LogTable::RemoveBlockOfFile(const std::string& path) {
  return !store::RemoveBlockOfFile<Block>(mu_, blocks_, path).empty();
}

std::vector<std::string> LogTable::RemoveOldestBlock() {
  return store::RemoveOldestBlock<Block>(mu_, blocks_);
}

size_t LogTable::record_count() const {
  std::shared_lock lock(mu_);
  return active_->records + (frozen_ ? frozen_->records : 0);
}

size_t LogTable::block_count() const { return BlockCount<Block>(mu_, blocks_); }

uint64_t LogTable::block_bytes() const { return BlockBytes<Block>(mu_, blocks_); }

namespace {

// Entries gathered for one Select, grouped by stream label set across heads and blocks.
class Gather {
 public:
  Gather(const LogSelect& q) : q_(q) {}
  bool InRange(int64_t ts) const { return ts >= q_.start_ns && ts < q_.end_ns; }
  Status Add(const Labels& labels, LogEntry&& e) {
    if (++total_ > LogTable::kMaxSelectEntries) {
      return ResourceExhausted("the query selects more than " +
                               std::to_string(LogTable::kMaxSelectEntries) +
                               " log entries; narrow the selector or the time range");
    }
    hits_.push_back(Hit{e.ts_ns, Slot(labels), std::move(e)});
    return Status::Ok();
  }
  // Keeps the first `limit` entries in the query's direction (all when 0).
  std::vector<LogStream> Finish() {
    bool fwd = q_.direction == Direction::kForward;
    auto order = [fwd](const Hit& a, const Hit& b) { return fwd ? a.ts < b.ts : a.ts > b.ts; };
    if (q_.limit && hits_.size() > q_.limit) {
      std::partial_sort(hits_.begin(), hits_.begin() + static_cast<ptrdiff_t>(q_.limit),
                        hits_.end(), order);
      hits_.resize(q_.limit);
    } else {
      std::stable_sort(hits_.begin(), hits_.end(), order);
    }
    std::vector<LogStream> out;
    std::vector<int> where(labels_.size(), -1);
    for (auto& h : hits_) {
      if (where[h.slot] < 0) {
        where[h.slot] = static_cast<int>(out.size());
        out.push_back(LogStream{labels_[h.slot], {}});
      }
      out[where[h.slot]].entries.push_back(std::move(h.entry));
    }
    return out;
  }

 private:
  struct Hit {
    int64_t ts;
    uint32_t slot;
    LogEntry entry;
  };
  uint32_t Slot(const Labels& labels) {
    auto& list = by_hash_[HashLabels(labels)];
    for (uint32_t s : list)
      if (labels_[s] == labels) return s;
    labels_.push_back(labels);
    list.push_back(static_cast<uint32_t>(labels_.size() - 1));
    return list.back();
  }
  const LogSelect& q_;
  size_t total_ = 0;
  std::vector<Hit> hits_;
  std::vector<Labels> labels_;
  std::unordered_map<uint64_t, std::vector<uint32_t>> by_hash_;
};

}  // namespace

StatusOr<std::vector<LogStream>> LogTable::Select(const LogSelect& q) {
  Gather gather(q);
  std::optional<pdata::TraceId> trace;
  if (q.trace_id) {
    pdata::TraceId id;
    if (!pdata::ParseHexId(*q.trace_id, &id)) return std::vector<LogStream>{};
    trace = id;
  }
  std::vector<std::shared_ptr<const Block>> blocks;
  {
    // Heads mutate under Apply: convert their entries while holding the lock.
    std::shared_lock lock(mu_);
    blocks = blocks_;
    for (const Head* head : {frozen_.get(), static_cast<const Head*>(active_.get())}) {
      if (!head) continue;
      if (trace) {
        auto it = head->by_trace.find(*trace);
        if (it == head->by_trace.end()) continue;
        for (const auto& [s, ref] : it->second) {
          if (gather.InRange(ref.ts_ns) && MatchesAll(q.stream_matchers, head->streams[s].labels))
            RETURN_IF_ERROR(
                gather.Add(head->streams[s].labels, head->Entry(head->streams[s].labels, ref)));
        }
        continue;
      }
      // Pick the entries by time first and build only those (building one allocates).
      std::vector<std::pair<const Head::Stream*, Head::RecordRef>> refs;
      for (const auto& st : head->streams) {
        if (st.max_ts < q.start_ns || st.min_ts >= q.end_ns) continue;
        if (!MatchesAll(q.stream_matchers, st.labels)) continue;
        for (const auto& ref : st.refs)
          if (gather.InRange(ref.ts_ns)) refs.emplace_back(&st, ref);
      }
      if (q.limit && refs.size() > q.limit) {
        bool fwd = q.direction == Direction::kForward;
        std::nth_element(refs.begin(), refs.begin() + static_cast<ptrdiff_t>(q.limit), refs.end(),
                         [fwd](const auto& a, const auto& b) {
                           return fwd ? a.second.ts_ns < b.second.ts_ns
                                      : a.second.ts_ns > b.second.ts_ns;
                         });
        refs.resize(q.limit);
      }
      for (const auto& [st, ref] : refs)
        RETURN_IF_ERROR(gather.Add(st->labels, head->Entry(st->labels, ref)));
    }
  }
  for (const auto& b : blocks) {
    if (b->chunks.empty() || b->max_ts < q.start_ns || b->min_ts >= q.end_ns) continue;
    std::vector<uint32_t> chunks;
    if (trace) {
      auto lo = std::lower_bound(b->by_trace.begin(), b->by_trace.end(),
                                 std::make_pair(*trace, uint32_t{0}));
      for (auto it = lo; it != b->by_trace.end() && it->first == *trace; ++it)
        chunks.push_back(it->second);
    } else {
      for (const auto& st : b->streams) {
        if (st.max_ts < q.start_ns || st.min_ts >= q.end_ns) continue;
        if (!MatchesAll(q.stream_matchers, st.labels)) continue;
        chunks.insert(chunks.end(), st.chunks.begin(), st.chunks.end());
      }
    }
    for (uint32_t c : chunks) {
      const Block::Chunk& ch = b->chunks[c];
      const Labels& labels = b->streams[ch.stream].labels;
      if (ch.max_ts < q.start_ns || ch.min_ts >= q.end_ns) continue;
      if (trace && !MatchesAll(q.stream_matchers, labels)) continue;
      ASSIGN_OR_RETURN(pdata::LogBatch batch, b->Load(ch));
      for (const auto& rl : batch.resources()) {
        for (const auto& sl : rl.scope_logs) {
          for (const auto& r : sl.log_records) {
            if (!gather.InRange(Timestamp(r)) || (trace && r.trace_id != *trace)) continue;
            RETURN_IF_ERROR(gather.Add(labels, mapping_->Entry(labels, rl.resource, sl.scope, r)));
          }
        }
      }
    }
  }
  return gather.Finish();
}

namespace {

// Entries a head run holds: a scan converts a head's records this many at a time.
constexpr size_t kHeadRun = 1024;
// Entries passed between two checks of a scan's deadline.
constexpr size_t kScanCheckEvery = 256;

}  // namespace

Status LogTable::Scan(const LogSelect& q, const QueryLimits& limits, const LogVisitor& fn) {
  // A k-way merge over "pieces": runs of entries already in scan order (a block chunk, or a
  // slice of a head's records sorted by time). A piece is loaded only when the merge reaches the
  // earliest time it may hold, so the scan holds the pieces overlapping the current time, not
  // the range, and a caller that stops early never reads the rest.
  const bool fwd = q.direction == Direction::kForward;
  auto before = [fwd](int64_t a, int64_t b) { return fwd ? a < b : a > b; };
  RETURN_IF_ERROR(limits.CheckDeadline());
  std::optional<pdata::TraceId> trace;
  if (q.trace_id) {
    pdata::TraceId id;
    if (!pdata::ParseHexId(*q.trace_id, &id)) return Status::Ok();
    trace = id;
  }
  auto in_range = [&q](int64_t ts) { return ts >= q.start_ns && ts < q.end_ns; };

  struct HeadRef {
    uint32_t labels;  // into head_labels
    Head::RecordRef ref;
  };
  struct Piece {
    int64_t first_ts;  // the earliest entry it may hold, in scan order
    const Block* block = nullptr;
    uint32_t chunk = 0;                    // block pieces
    size_t head = 0, from = 0, count = 0;  // head pieces: head_refs[head][from, from + count)
  };
  std::vector<std::shared_ptr<const Block>> blocks;
  std::shared_ptr<const Head> heads[2];
  std::vector<HeadRef> head_refs[2];
  std::deque<Labels> head_labels;  // copies: an active head's stream list may grow meanwhile
  std::vector<Piece> pieces;
  {
    std::shared_lock lock(mu_);
    blocks = blocks_;
    heads[0] = frozen_;
    heads[1] = active_;
    for (size_t h = 0; h < 2; ++h) {
      const Head* head = heads[h].get();
      if (!head) continue;
      std::vector<int64_t> label_of(head->streams.size(), -1);
      auto labels_of = [&](uint32_t s) {
        if (label_of[s] < 0) {
          label_of[s] = static_cast<int64_t>(head_labels.size());
          head_labels.push_back(head->streams[s].labels);
        }
        return static_cast<uint32_t>(label_of[s]);
      };
      std::vector<HeadRef>& refs = head_refs[h];
      if (trace) {
        auto it = head->by_trace.find(*trace);
        if (it != head->by_trace.end()) {
          for (const auto& [s, ref] : it->second)
            if (in_range(ref.ts_ns) && MatchesAll(q.stream_matchers, head->streams[s].labels))
              refs.push_back({labels_of(s), ref});
        }
      } else {
        for (uint32_t s = 0; s < head->streams.size(); ++s) {
          const Head::Stream& st = head->streams[s];
          if (st.max_ts < q.start_ns || st.min_ts >= q.end_ns) continue;
          if (!MatchesAll(q.stream_matchers, st.labels)) continue;
          for (const auto& ref : st.refs)
            if (in_range(ref.ts_ns)) refs.push_back({labels_of(s), ref});
        }
      }
      std::stable_sort(refs.begin(), refs.end(), [&](const HeadRef& a, const HeadRef& b) {
        return before(a.ref.ts_ns, b.ref.ts_ns);
      });
      for (size_t from = 0; from < refs.size(); from += kHeadRun)
        pieces.push_back(
            {refs[from].ref.ts_ns, nullptr, 0, h, from, std::min(kHeadRun, refs.size() - from)});
    }
  }
  for (const auto& b : blocks) {
    if (b->chunks.empty() || b->max_ts < q.start_ns || b->min_ts >= q.end_ns) continue;
    auto add = [&](uint32_t c) {
      const Block::Chunk& ch = b->chunks[c];
      if (ch.max_ts < q.start_ns || ch.min_ts >= q.end_ns) return;
      pieces.push_back({fwd ? ch.min_ts : ch.max_ts, b.get(), c, 0, 0, 0});
    };
    if (trace) {
      auto lo = std::lower_bound(b->by_trace.begin(), b->by_trace.end(),
                                 std::make_pair(*trace, uint32_t{0}));
      for (auto it = lo; it != b->by_trace.end() && it->first == *trace; ++it)
        if (MatchesAll(q.stream_matchers, b->streams[b->chunks[it->second].stream].labels))
          add(it->second);
    } else {
      for (const auto& st : b->streams) {
        if (st.max_ts < q.start_ns || st.min_ts >= q.end_ns) continue;
        if (!MatchesAll(q.stream_matchers, st.labels)) continue;
        for (uint32_t c : st.chunks) add(c);
      }
    }
  }
  std::stable_sort(pieces.begin(), pieces.end(),
                   [&](const Piece& a, const Piece& b) { return before(a.first_ts, b.first_ts); });

  struct Run {
    std::vector<std::pair<const Labels*, LogEntry>> entries;  // in scan order
    size_t pos = 0;
  };
  std::vector<Run> runs;  // by load order; emptied when consumed
  size_t held = 0;
  auto load = [&](const Piece& p) -> Status {
    RETURN_IF_ERROR(limits.CheckDeadline());
    Run run;
    if (p.block) {
      const Block::Chunk& ch = p.block->chunks[p.chunk];
      const Labels* labels = &p.block->streams[ch.stream].labels;
      ASSIGN_OR_RETURN(pdata::LogBatch batch, p.block->Load(ch));
      for (const auto& rl : batch.resources())
        for (const auto& sl : rl.scope_logs)
          for (const auto& r : sl.log_records)
            if (in_range(Timestamp(r)) && (!trace || r.trace_id == *trace))
              run.entries.emplace_back(labels, mapping_->Entry(*labels, rl.resource, sl.scope, r));
      auto order = [&](const auto& a, const auto& b) {
        return before(a.second.ts_ns, b.second.ts_ns);
      };
      // Chunks are stored oldest first; older blocks may not be sorted within a chunk.
      if (!fwd) std::reverse(run.entries.begin(), run.entries.end());
      if (!std::is_sorted(run.entries.begin(), run.entries.end(), order))
        std::stable_sort(run.entries.begin(), run.entries.end(), order);
    } else {
      const Head& head = *heads[p.head];
      run.entries.reserve(p.count);
      std::shared_lock lock(mu_);  // the active head's batches grow under Apply
      for (size_t i = p.from; i < p.from + p.count; ++i) {
        const HeadRef& r = head_refs[p.head][i];
        run.entries.emplace_back(&head_labels[r.labels], head.Entry(head_labels[r.labels], r.ref));
      }
    }
    held += run.entries.size();
    RETURN_IF_ERROR(limits.CheckHeld(held, "log entries"));
    runs.push_back(std::move(run));
    return Status::Ok();
  };
  // Runs with entries left, the one whose next entry comes first on top (ties: loaded first).
  auto later = [&](size_t a, size_t b) {
    int64_t ta = runs[a].entries[runs[a].pos].second.ts_ns;
    int64_t tb = runs[b].entries[runs[b].pos].second.ts_ns;
    return ta != tb ? before(tb, ta) : a > b;
  };
  std::vector<size_t> heap;
  size_t next = 0, passed = 0;
  // Entries already passed at the current time: an entry repeating one of them (same stream,
  // time, line and metadata: a retried export stored twice) is passed once, as Loki does.
  int64_t seen_ts = 0;
  std::vector<std::pair<const Labels*, uint64_t>> seen;
  auto repeated = [&](const Labels* labels, const LogEntry& e) {
    uint64_t h = std::hash<std::string_view>()(e.line);
    for (const auto& m : e.metadata)
      h = (h * 0x9E3779B97F4A7C15ull) ^ std::hash<std::string_view>()(m.name) ^
          (std::hash<std::string_view>()(m.value) << 1);
    if (seen.empty() || e.ts_ns != seen_ts) {
      seen.clear();
      seen_ts = e.ts_ns;
    }
    for (const auto& [l, hash] : seen)
      if (hash == h && (l == labels || *l == *labels)) return true;
    seen.emplace_back(labels, h);
    return false;
  };
  while (true) {
    while (next < pieces.size() &&
           (heap.empty() || !before(runs[heap.front()].entries[runs[heap.front()].pos].second.ts_ns,
                                    pieces[next].first_ts))) {
      RETURN_IF_ERROR(load(pieces[next++]));
      if (runs.back().entries.empty()) continue;
      heap.push_back(runs.size() - 1);
      std::push_heap(heap.begin(), heap.end(), later);
    }
    if (heap.empty()) break;
    std::pop_heap(heap.begin(), heap.end(), later);
    Run& run = runs[heap.back()];
    const Labels* labels = run.entries[run.pos].first;
    LogEntry e = std::move(run.entries[run.pos++].second);
    --held;
    if (run.pos < run.entries.size()) {
      std::push_heap(heap.begin(), heap.end(), later);
    } else {
      heap.pop_back();
      std::vector<std::pair<const Labels*, LogEntry>>().swap(run.entries);
      run.pos = 0;
    }
    if (repeated(labels, e)) continue;
    if (!fn(*labels, std::move(e))) break;
    if (++passed == q.limit) break;
    if (passed % kScanCheckEvery == 0) RETURN_IF_ERROR(limits.CheckDeadline());
  }
  return Status::Ok();
}

void LogTable::ForEachStream(int64_t start_ns, int64_t end_ns,
                             const std::function<void(const Labels&)>& fn) const {
  std::shared_lock lock(mu_);
  for (const Head* head : {frozen_.get(), static_cast<const Head*>(active_.get())}) {
    if (!head) continue;
    for (const auto& st : head->streams)
      if (st.max_ts >= start_ns && st.min_ts < end_ns) fn(st.labels);
  }
  for (const auto& b : blocks_)
    for (const auto& st : b->streams)
      if (st.max_ts >= start_ns && st.min_ts < end_ns) fn(st.labels);
}

StatusOr<std::vector<std::string>> LogTable::LabelNames(int64_t start_ns, int64_t end_ns) {
  std::set<std::string> names;
  ForEachStream(start_ns, end_ns, [&](const Labels& labels) {
    for (const auto& l : labels) names.insert(l.name);
  });
  return std::vector<std::string>(names.begin(), names.end());
}

StatusOr<std::vector<std::string>> LogTable::LabelValues(const std::string& name, int64_t start_ns,
                                                         int64_t end_ns) {
  std::set<std::string> values;
  ForEachStream(start_ns, end_ns, [&](const Labels& labels) {
    std::string_view v = GetLabel(labels, name);
    if (!v.empty()) values.emplace(v);
  });
  return std::vector<std::string>(values.begin(), values.end());
}

StatusOr<std::vector<Labels>> LogTable::Series(const std::vector<Matchers>& match_sets,
                                               int64_t start_ns, int64_t end_ns) {
  std::set<Labels> out;
  ForEachStream(start_ns, end_ns, [&](const Labels& labels) {
    bool any = match_sets.empty();
    for (const auto& m : match_sets) any = any || MatchesAll(m, labels);
    if (any) out.insert(labels);
  });
  return std::vector<Labels>(out.begin(), out.end());
}

StatusOr<std::vector<StreamStats>> LogTable::IndexStats(const Matchers& matchers, int64_t start_ns,
                                                        int64_t end_ns, const QueryLimits& limits) {
  std::map<Labels, StreamStats> by_labels;
  auto add = [&](const Labels& labels, uint64_t chunks, uint64_t entries, uint64_t bytes) {
    if (entries == 0) return;
    StreamStats& s = by_labels[labels];
    s.chunks += chunks;
    s.entries += entries;
    s.bytes += bytes;
  };
  std::vector<std::shared_ptr<const Block>> blocks;
  {
    std::shared_lock lock(mu_);
    blocks = blocks_;
    for (const Head* head : {frozen_.get(), static_cast<const Head*>(active_.get())}) {
      if (!head) continue;
      for (const auto& st : head->streams) {
        if (st.max_ts < start_ns || st.min_ts >= end_ns || !MatchesAll(matchers, st.labels))
          continue;
        uint64_t entries = 0, bytes = 0;
        for (const auto& ref : st.refs) {
          if (ref.ts_ns < start_ns || ref.ts_ns >= end_ns) continue;
          ++entries;
          bytes += ref.bytes;
        }
        // The chunks the head's records will make.
        add(st.labels, (entries + kChunkRecords - 1) / kChunkRecords, entries, bytes);
      }
    }
  }
  size_t visited = 0;
  for (const auto& b : blocks) {
    if (b->chunks.empty() || b->max_ts < start_ns || b->min_ts >= end_ns) continue;
    for (const auto& st : b->streams) {
      if (st.max_ts < start_ns || st.min_ts >= end_ns || !MatchesAll(matchers, st.labels)) continue;
      for (uint32_t c : st.chunks) {
        const Block::Chunk& ch = b->chunks[c];
        if (ch.max_ts < start_ns || ch.min_ts >= end_ns) continue;
        if (++visited % 1024 == 0) RETURN_IF_ERROR(limits.CheckDeadline());
        uint64_t bytes = ch.bytes;
        if (!b->has_bytes) {
          ASSIGN_OR_RETURN(pdata::LogBatch batch, b->Load(ch));
          for (const auto& rl : batch.resources())
            for (const auto& sl : rl.scope_logs)
              for (const auto& r : sl.log_records) bytes += LineBytes(r);
        }
        // A chunk partly in the range counts in proportion to the time it covers (Loki).
        double part = 1;
        if (ch.min_ts < start_ns || ch.max_ts >= end_ns) {
          int64_t from = std::max(ch.min_ts, start_ns), to = std::min(ch.max_ts, end_ns);
          part = ch.max_ts > ch.min_ts
                     ? static_cast<double>(to - from) / static_cast<double>(ch.max_ts - ch.min_ts)
                     : 1;
        }
        add(st.labels, 1, static_cast<uint64_t>(part * ch.count),
            static_cast<uint64_t>(part * static_cast<double>(bytes)));
      }
    }
  }
  RETURN_IF_ERROR(limits.CheckDeadline());
  std::vector<StreamStats> out;
  out.reserve(by_labels.size());
  for (auto& [labels, s] : by_labels) {
    s.labels = labels;
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace otter::store
