#include "store/trace_block.h"

#include <algorithm>
#include <cstring>

#include "store/hash.h"

namespace otter::store {

namespace {

// Index section tags after the pages of a format-1/2 block.
constexpr uint64_t kTagFilterSection = 1;  // a tag filter per page, in page order
// Fingerprints per id-table chunk (each a frame: about 4–8 KB).
constexpr size_t kChunkRecords = 2048;
// Pages whose tag filters share a frame.
constexpr size_t kFilterPages = 64;
constexpr uint64_t kFingerprintSeed = 0x6f74746572746964ull;  // persisted: never change it

Status Malformed(const BlockReader& r, std::string_view what) {
  return DataLoss(r.path() + ": malformed trace " + std::string(what));
}

// Reads one summary per entry, column by column (min_start as zig-zag deltas from `base` and
// then from the entry before; the max_start − min_start; longest durations; error flags).
template <class Entries>
void ReadSummaries(IndexReader& in, uint64_t base, Entries& entries) {
  uint64_t v = 0, prev = base;
  for (auto& e : entries) {
    in.Varint(&v);
    prev += static_cast<uint64_t>(UnZigZag(v));
    e.summary.min_start = prev;
  }
  for (auto& e : entries) {
    in.Varint(&v);
    e.summary.max_start = e.summary.min_start + v;
  }
  for (auto& e : entries) in.Varint(&e.summary.max_duration);
  for (auto& e : entries) {
    in.Varint(&v);
    e.summary.error = v != 0;
  }
}

template <class Entries>
void WriteSummaries(std::string& out, uint64_t base, const Entries& entries) {
  uint64_t prev = base;  // starts as deltas from the previous trace's: about in order
  for (const auto& e : entries) {
    PutVarint(out, ZigZag(static_cast<int64_t>(e.summary.min_start - prev)));
    prev = e.summary.min_start;
  }
  for (const auto& e : entries) PutVarint(out, e.summary.max_start - e.summary.min_start);
  for (const auto& e : entries) PutVarint(out, e.summary.max_duration);
  for (const auto& e : entries) PutVarint(out, e.summary.error);
}

// Reads entries' ids, span counts and operations column by column; rows follow from the counts.
bool ReadEntries(IndexReader& in, size_t nops_table, PageDirectory* d) {
  std::string_view id;
  for (auto& e : d->entries) {
    if (!in.Bytes(16, &id)) return false;
    std::memcpy(e.id.bytes.data(), id.data(), 16);
  }
  uint32_t row = 0;
  for (auto& e : d->entries) {
    in.U32(&e.count);
    e.first_row = row;
    row += e.count;
  }
  for (auto& e : d->entries) in.U32(&e.nops);
  for (auto& e : d->entries) {
    e.first_op = static_cast<uint32_t>(d->op_refs.size());
    if (e.nops > in.remaining()) return false;
    for (uint32_t j = 0; in.ok() && j < e.nops; ++j) {
      uint32_t op = 0;
      in.U32(&op);
      if (op >= nops_table) return false;
      d->op_refs.push_back(op);
    }
  }
  return in.ok();
}

void ReadLocation(IndexReader& in, RecordLocation* loc) {
  in.U32(&loc->frame);
  in.U32(&loc->offset);
  in.U32(&loc->length);
}

}  // namespace

bool TraceSummary::MayMatch(const TraceSearch& q) const {
  if (max_start < q.start_ns || min_start > q.end_ns) return false;
  if (q.min_duration_ns && max_duration < *q.min_duration_ns) return false;
  for (const auto& [k, v] : q.tags)
    if (!error && ((k == "error" && v == "true") || (k == "otel.status_code" && v == "ERROR")))
      return false;
  return true;
}

uint32_t TraceFingerprint(const pdata::TraceId& id) {
  std::string_view bytes(reinterpret_cast<const char*>(id.bytes.data()), 16);
  return static_cast<uint32_t>(HashBytes(bytes, kFingerprintSeed) >> 32);
}

// ---------------------------------------------------------------- reading

StatusOr<std::shared_ptr<const TraceBlock>> TraceBlock::Parse(std::shared_ptr<BlockReader> reader) {
  auto b = std::make_shared<TraceBlock>();
  b->version = reader->version();
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
  if (!in.ok()) return Malformed(*reader, "index");
  if (b->version < 3) {
    RETURN_IF_ERROR(ParseLegacy(*reader, in, npages, b.get()));
  } else {
    // Each page takes at least 12 bytes of the index: no allocation beyond what it can hold.
    if (npages > in.remaining() / 12) return Malformed(*reader, "index");
    b->pages.resize(npages);
    uint64_t prev = b->min_start, v = 0;
    for (Page& p : b->pages) {
      ReadLocation(in, &p.loc);
      in.U32(&p.directory.frame);
      in.U32(&p.directory.length);
      ReadLocation(in, &p.tag_filter);
      in.U32(&p.traces);
      in.Varint(&v);
      prev += static_cast<uint64_t>(UnZigZag(v));
      p.summary.min_start = prev;
      in.Varint(&v);
      p.summary.max_start = p.summary.min_start + v;
      in.Varint(&p.summary.max_duration);
      in.Varint(&v);
      p.summary.error = v != 0;
      in.U32(&p.nops);
      p.first_op = static_cast<uint32_t>(b->page_ops.size());
      if (!in.ok() || p.nops > in.remaining()) return Malformed(*reader, "index");
      for (uint32_t j = 0; in.ok() && j < p.nops; ++j) {
        uint32_t op = 0;
        in.U32(&op);
        if (op >= b->ops.size()) return Malformed(*reader, "index");
        b->page_ops.push_back(op);
      }
    }
    uint64_t nchunks = 0;
    in.Varint(&nchunks);
    if (!in.ok() || nchunks > in.remaining() / 3) return Malformed(*reader, "index");
    b->id_chunks.resize(nchunks);
    for (IdChunk& c : b->id_chunks) {
      in.U32(&c.first_fp);
      in.U32(&c.loc.frame);
      in.U32(&c.loc.length);
    }
    if (!in.ok() || !in.done()) return Malformed(*reader, "index");
  }
  b->first_segment = FirstSegment(*reader);
  b->reader = std::move(reader);
  return std::shared_ptr<const TraceBlock>(std::move(b));
}

Status TraceBlock::ParseLegacy(const BlockReader& reader, IndexReader& in, uint64_t npages,
                               TraceBlock* b) {
  // Format 2: the page table, then the entries of all pages column by column; format 1: per
  // page its location and trace count, then each entry's fields together.
  std::vector<PageDirectory> dirs;
  if (b->version >= 2) {
    if (npages > in.remaining() / 4) return Malformed(reader, "index");
    std::vector<uint32_t> counts(npages);
    size_t total = 0;
    b->pages.resize(npages);
    for (uint64_t i = 0; in.ok() && i < npages; ++i) {
      ReadLocation(in, &b->pages[i].loc);
      in.U32(&counts[i]);
      total += counts[i];
      // Each entry takes at least 16 + 7 bytes: no allocation beyond what the index can hold.
      if (total > in.remaining() / 23) return Malformed(reader, "index");
    }
    PageDirectory all;
    all.entries.resize(total);
    if (!ReadEntries(in, b->ops.size(), &all)) return Malformed(reader, "index");
    ReadSummaries(in, b->min_start, all.entries);
    dirs.resize(npages);
    size_t at = 0;
    for (uint64_t i = 0; i < npages; ++i) {
      PageDirectory& d = dirs[i];
      uint32_t row = 0;
      for (size_t k = at; k < at + counts[i]; ++k) {
        PageDirectory::Entry e = all.entries[k];
        auto first_op = static_cast<uint32_t>(d.op_refs.size());
        d.op_refs.insert(d.op_refs.end(), all.op_refs.begin() + e.first_op,
                         all.op_refs.begin() + e.first_op + e.nops);
        e.first_op = first_op;
        e.first_row = row;
        row += e.count;
        d.entries.push_back(e);
      }
      at += counts[i];
    }
  } else {
    for (uint64_t i = 0; in.ok() && i < npages; ++i) {
      Page p;
      uint32_t n = 0;
      ReadLocation(in, &p.loc);
      in.U32(&n);
      PageDirectory d;
      uint32_t row = 0;
      for (uint32_t k = 0; in.ok() && k < n; ++k) {
        PageDirectory::Entry e;
        std::string_view id;
        uint64_t min_delta = 0, span = 0, error = 0;
        in.Bytes(16, &id);
        in.U32(&e.count);
        in.U32(&e.nops);
        e.first_op = static_cast<uint32_t>(d.op_refs.size());
        if (!in.ok() || e.nops > in.remaining()) return Malformed(reader, "index");
        for (uint32_t j = 0; in.ok() && j < e.nops; ++j) {
          uint32_t op = 0;
          in.U32(&op);
          if (op >= b->ops.size()) return Malformed(reader, "index");
          d.op_refs.push_back(op);
        }
        in.Varint(&min_delta);
        in.Varint(&span);
        in.Varint(&e.summary.max_duration);
        in.Varint(&error);
        if (!in.ok()) break;
        std::memcpy(e.id.bytes.data(), id.data(), 16);
        e.summary.min_start = b->min_start + min_delta;
        e.summary.max_start = e.summary.min_start + span;
        e.summary.error = error != 0;
        e.first_row = row;
        row += e.count;
        d.entries.push_back(e);
      }
      b->pages.push_back(p);
      dirs.push_back(std::move(d));
    }
  }
  // Optional sections (absent from blocks written before they existed).
  while (in.ok() && !in.done()) {
    uint64_t section = 0;
    in.Varint(&section);
    if (section != kTagFilterSection) return Malformed(reader, "index section");
    std::string_view filter;
    for (PageDirectory& d : dirs) {
      in.String(&filter);
      d.tag_filter = filter;
    }
  }
  if (!in.ok() || b->pages.size() != npages) return Malformed(reader, "index");
  // What format 3 keeps per page, and the whole id table as one chunk in memory.
  auto records = std::make_shared<Records>();
  for (uint32_t n = 0; n < npages; ++n) {
    Page& p = b->pages[n];
    const PageDirectory& d = dirs[n];
    p.traces = static_cast<uint32_t>(d.entries.size());
    p.first_op = static_cast<uint32_t>(b->page_ops.size());
    for (const PageDirectory::Entry& e : d.entries) {
      p.summary.Add(e.summary);
      records->push_back(uint64_t{TraceFingerprint(e.id)} << 32 | n);
    }
    std::vector<uint32_t> ops = d.op_refs;
    std::sort(ops.begin(), ops.end());
    ops.erase(std::unique(ops.begin(), ops.end()), ops.end());
    p.nops = static_cast<uint32_t>(ops.size());
    b->page_ops.insert(b->page_ops.end(), ops.begin(), ops.end());
    b->legacy_directories_.push_back(std::make_shared<const PageDirectory>(std::move(dirs[n])));
  }
  std::sort(records->begin(), records->end());
  b->legacy_records_ = std::move(records);
  return Status::Ok();
}

StatusOr<std::shared_ptr<const PageDirectory>> TraceBlock::Directory(uint32_t n) const {
  if (version < 3) return legacy_directories_.at(n);
  const Page& p = pages[n];
  ASSIGN_OR_RETURN(std::string raw, Read(p.directory));
  IndexReader in(raw);
  auto d = std::make_shared<PageDirectory>();
  uint64_t count = 0;
  in.Varint(&count);
  if (!in.ok() || count != p.traces || count > in.remaining() / 20)
    return reader->Checked(Malformed(*reader, "page directory"));
  d->entries.resize(count);
  if (!ReadEntries(in, ops.size(), d.get()))
    return reader->Checked(Malformed(*reader, "page directory"));
  ReadSummaries(in, p.summary.min_start, d->entries);
  if (!in.ok() || !in.done()) return reader->Checked(Malformed(*reader, "page directory"));
  return std::shared_ptr<const PageDirectory>(std::move(d));
}

StatusOr<std::string> TraceBlock::TagFilter(uint32_t n) const {
  if (version < 3) return legacy_directories_.at(n)->tag_filter;
  if (pages[n].tag_filter.length == 0) return std::string();
  return Read(pages[n].tag_filter);
}

StatusOr<std::string> TraceBlock::Read(const RecordLocation& loc) const {
  StatusOr<std::string> raw = reader->Read(loc);
  if (!raw.ok()) return reader->Checked(raw.status());
  return raw;
}

StatusOr<std::shared_ptr<const TraceBlock::Records>> TraceBlock::Chunk(size_t n) const {
  const IdChunk& c = id_chunks[n];
  ASSIGN_OR_RETURN(std::string raw, Read(c.loc));
  IndexReader in(raw);
  uint64_t count = 0;
  in.Varint(&count);
  if (!in.ok() || count > in.remaining() / 2)
    return reader->Checked(Malformed(*reader, "id table"));
  auto r = std::make_shared<Records>(count);
  uint64_t fp = c.first_fp, v = 0;
  for (uint64_t& rec : *r) {
    in.Varint(&v);
    fp += v;
    uint32_t page = 0;
    in.U32(&page);
    if (fp > UINT32_MAX || page >= pages.size())
      return reader->Checked(Malformed(*reader, "id table"));
    rec = fp << 32 | page;
  }
  if (!in.ok() || !in.done()) return reader->Checked(Malformed(*reader, "id table"));
  return std::shared_ptr<const Records>(std::move(r));
}

StatusOr<std::vector<uint32_t>> TraceBlock::PagesOf(const pdata::TraceId& id,
                                                    ChunkCache* cache) const {
  uint64_t fp = TraceFingerprint(id);
  std::vector<uint32_t> out;
  auto collect = [&](const Records& r) {
    auto lo = std::lower_bound(r.begin(), r.end(), fp << 32);
    for (; lo != r.end() && (*lo >> 32) == fp; ++lo) out.push_back(static_cast<uint32_t>(*lo));
  };
  if (legacy_records_) {
    collect(*legacy_records_);
  } else {
    // The last chunk starting below fp, or at it (equal fingerprints may straddle chunks).
    auto it = std::lower_bound(id_chunks.begin(), id_chunks.end(), fp,
                               [](const IdChunk& c, uint64_t f) { return c.first_fp < f; });
    size_t n = static_cast<size_t>(it - id_chunks.begin());
    if (n > 0) --n;
    for (; n < id_chunks.size() && id_chunks[n].first_fp <= fp; ++n) {
      std::shared_ptr<const Records> r;
      if (auto* hit = cache ? cache->Find(this, n) : nullptr) {
        r = *hit;
      } else {
        ASSIGN_OR_RETURN(r, Chunk(n));
        if (cache) cache->Put(this, n, r);
      }
      collect(*r);
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

StatusOr<std::shared_ptr<const SpanRows>> TraceBlock::DecodePage(uint32_t n,
                                                                 const PageDirectory& dir) const {
  std::vector<PageTraceInfo> traces;
  traces.reserve(dir.entries.size());
  for (const PageDirectory::Entry& e : dir.entries)
    traces.push_back({e.id, e.summary.min_start, e.count});
  ASSIGN_OR_RETURN(std::string page, reader->Read(pages[n].loc));
  auto rows = std::make_shared<SpanRows>();
  Status st = DecodeSpanPage(std::move(page), traces, rows.get());
  if (!st.ok()) return reader->Checked(DataLoss(reader->path() + ": " + std::string(st.message())));
  return std::shared_ptr<const SpanRows>(std::move(rows));
}

// ---------------------------------------------------------------- writing

void TraceBlockBuilder::AddPage(std::string_view page, const PageDirectory& dir) {
  AddDirectory(writer_.AddFrame(page), dir);
}

Status TraceBlockBuilder::AddPageOf(const BlockReader& source, RecordLocation page,
                                    const PageDirectory& dir) {
  if (page.offset != 0) return DataLoss(source.path() + ": a span page is not a frame of its own");
  ASSIGN_OR_RETURN(RecordLocation loc, writer_.AddFrameOf(source, page.frame));
  if (loc.length != page.length)
    return DataLoss(source.path() + ": a span page is not a frame of its own");
  AddDirectory(loc, dir);
  return Status::Ok();
}

void TraceBlockBuilder::AddDirectory(RecordLocation page, const PageDirectory& dir) {
  TraceBlock::Page p;
  p.loc = page;
  p.traces = static_cast<uint32_t>(dir.entries.size());
  auto n = static_cast<uint32_t>(pages_.size());
  for (const PageDirectory::Entry& e : dir.entries) {
    p.summary.Add(e.summary);
    fingerprints_.push_back(uint64_t{TraceFingerprint(e.id)} << 32 | n);
  }
  min_start_ = std::min(min_start_, p.summary.min_start);
  max_start_ = std::max(max_start_, p.summary.max_start);
  std::vector<uint32_t> ops = dir.op_refs;
  std::sort(ops.begin(), ops.end());
  ops.erase(std::unique(ops.begin(), ops.end()), ops.end());
  p.first_op = static_cast<uint32_t>(page_ops_.size());
  p.nops = static_cast<uint32_t>(ops.size());
  page_ops_.insert(page_ops_.end(), ops.begin(), ops.end());
  // The directory, column by column like the page itself.
  std::string d;
  PutVarint(d, dir.entries.size());
  for (const auto& e : dir.entries) d.append(reinterpret_cast<const char*>(e.id.bytes.data()), 16);
  for (const auto& e : dir.entries) PutVarint(d, e.count);
  for (const auto& e : dir.entries) PutVarint(d, e.nops);
  for (const auto& e : dir.entries)
    for (uint32_t i = e.first_op; i < e.first_op + e.nops; ++i) PutVarint(d, dir.op_refs[i]);
  WriteSummaries(d, p.summary.min_start, dir.entries);
  p.directory = writer_.AddFrame(d);
  p.tag_filter = {0, static_cast<uint32_t>(filters_.size()),
                  static_cast<uint32_t>(dir.tag_filter.size())};
  filters_ += dir.tag_filter;
  pages_.push_back(p);
  if (pages_.size() - filters_from_ >= kFilterPages) WriteFilters();
}

void TraceBlockBuilder::WriteFilters() {
  if (filters_from_ == pages_.size()) return;
  uint32_t frame = filters_.empty() ? 0 : writer_.AddFrame(filters_).frame;
  for (size_t i = filters_from_; i < pages_.size(); ++i) pages_[i].tag_filter.frame = frame;
  filters_.clear();
  filters_from_ = pages_.size();
}

std::string TraceBlockBuilder::Index() {
  WriteFilters();
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
  uint64_t prev = min_start_;
  for (const TraceBlock::Page& p : pages_) {
    PutVarint(index, p.loc.frame);
    PutVarint(index, p.loc.offset);
    PutVarint(index, p.loc.length);
    PutVarint(index, p.directory.frame);
    PutVarint(index, p.directory.length);
    PutVarint(index, p.tag_filter.frame);
    PutVarint(index, p.tag_filter.offset);
    PutVarint(index, p.tag_filter.length);
    PutVarint(index, p.traces);
    PutVarint(index, ZigZag(static_cast<int64_t>(p.summary.min_start - prev)));
    prev = p.summary.min_start;
    PutVarint(index, p.summary.max_start - p.summary.min_start);
    PutVarint(index, p.summary.max_duration);
    PutVarint(index, p.summary.error);
    PutVarint(index, p.nops);
    for (uint32_t i = p.first_op; i < p.first_op + p.nops; ++i) PutVarint(index, page_ops_[i]);
  }
  // The id table: fingerprints sorted, in chunks of their own frames; the index keeps a fence
  // (first fingerprint and frame) per chunk.
  std::sort(fingerprints_.begin(), fingerprints_.end());
  fingerprints_.erase(std::unique(fingerprints_.begin(), fingerprints_.end()), fingerprints_.end());
  std::string fences, chunk;
  size_t nchunks = 0;
  for (size_t at = 0; at < fingerprints_.size(); at += kChunkRecords) {
    size_t end = std::min(fingerprints_.size(), at + kChunkRecords);
    uint64_t prev_fp = fingerprints_[at] >> 32;
    chunk.clear();
    PutVarint(chunk, end - at);
    for (size_t i = at; i < end; ++i) {
      PutVarint(chunk, (fingerprints_[i] >> 32) - prev_fp);
      prev_fp = fingerprints_[i] >> 32;
      PutVarint(chunk, static_cast<uint32_t>(fingerprints_[i]));
    }
    RecordLocation loc = writer_.AddFrame(chunk);
    PutVarint(fences, fingerprints_[at] >> 32);
    PutVarint(fences, loc.frame);
    PutVarint(fences, loc.length);
    ++nchunks;
  }
  PutVarint(index, nchunks);
  index += fences;
  return index;
}

std::string TraceBlockBuilder::Finish(uint64_t wal_segment) {
  std::string index = Index();
  return writer_.Finish(index, wal_segment);
}

Status TraceBlockBuilder::FinishFile(uint64_t wal_segment) {
  std::string index = Index();
  return writer_.FinishFile(index, wal_segment);
}

}  // namespace otter::store
