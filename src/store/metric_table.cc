#include "store/metric_table.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <mutex>
#include <set>
#include <tuple>
#include <unordered_set>

#include "store/compaction.h"

namespace otter::store {

// ---------------------------------------------------------------- registry

MetricTable::MetricTable(DeltaAccumulator::Options delta) : delta_(delta) {}
MetricTable::~MetricTable() = default;

ConvertedMetrics MetricTable::Convert(const pdata::MetricBatch& batch) const {
  ConvertedMetrics out;
  ConvertMetrics(batch, ConvertOptions{}, &out);
  return out;
}

uint32_t MetricTable::SeriesFor(Labels&& labels) {
  auto& candidates = by_hash_[HashLabels(labels)];
  for (uint32_t c : candidates)
    if (series_[c].labels == labels) return c;
  uint32_t idx;
  if (!free_slots_.empty()) {
    idx = free_slots_.back();
    free_slots_.pop_back();
    series_[idx] = StoredSeries{};
  } else {
    idx = static_cast<uint32_t>(series_.size());
    series_.emplace_back();
  }
  // Postings stay sorted (a reused slot is not the largest id) so that removal can search.
  for (const auto& l : labels) {
    auto& list = postings_[l.name][l.value];
    list.insert(std::upper_bound(list.begin(), list.end(), idx), idx);
  }
  series_[idx].labels = std::move(labels);
  candidates.push_back(idx);
  return idx;
}

MetricTable::SeriesRefusal MetricTable::AdmitSeries(ConvertedMetrics& converted, size_t max_series,
                                                    GroupAdmission& group) const {
  SeriesRefusal refusal;
  if (max_series == 0) return refusal;
  std::shared_lock lock(mu_);
  size_t live = series_.size() - free_slots_.size() + group.new_series.size() + group.unchecked;
  if (live + converted.series.size() <= max_series) {
    group.unchecked += converted.series.size();
    return refusal;
  }
  auto exists = [&](const Labels& labels) {
    auto it = by_hash_.find(HashLabels(labels));
    if (it != by_hash_.end()) {
      for (uint32_t c : it->second)
        if (series_[c].labels == labels) return true;
    }
    return group.new_series.count(labels) > 0;
  };
  std::erase_if(converted.series, [&](ConvertedSeries& cs) {
    if (exists(cs.labels)) return false;
    if (live < max_series) {
      ++live;
      group.new_series.insert(cs.labels);
      return false;
    }
    refusal.samples += cs.samples.size();
    refusal.series.push_back(std::move(cs.labels));
    return true;
  });
  return refusal;
}

void MetricTable::AddExemplars(StoredSeries& s, std::vector<ExemplarData>&& list) {
  for (auto& e : list) {
    bool dup = std::any_of(s.exemplars.begin(), s.exemplars.end(), [&](const ExemplarData& x) {
      return x.t_ms == e.t_ms && x.value == e.value && x.labels == e.labels;
    });
    if (!dup) s.exemplars.push_back(std::move(e));
  }
  if (s.exemplars.size() > kMaxExemplarsPerSeries) {
    std::sort(s.exemplars.begin(), s.exemplars.end(),
              [](const ExemplarData& a, const ExemplarData& b) { return a.t_ms < b.t_ms; });
    s.exemplars.erase(s.exemplars.begin(),
                      s.exemplars.end() - static_cast<ptrdiff_t>(kMaxExemplarsPerSeries));
  }
}

namespace {

// Adds `x` to a head in time order (a sample seldom arrives out of order); a re-sent time keeps
// the latest value. Returns whether the head grew.
template <class S>
bool InsertSample(std::vector<S>& head, S&& x) {
  if (head.empty() || head.back().t_ms < x.t_ms) {
    head.push_back(std::move(x));
    return true;
  }
  auto it = std::lower_bound(head.begin(), head.end(), x.t_ms,
                             [](const S& a, int64_t t) { return a.t_ms < t; });
  if (it != head.end() && it->t_ms == x.t_ms) {
    *it = std::move(x);
    return false;
  }
  head.insert(it, std::move(x));
  return true;
}

template <class S>
void AppendInRange(const std::vector<S>& samples, int64_t mint, int64_t maxt, std::vector<S>* out) {
  auto lo = std::lower_bound(samples.begin(), samples.end(), mint,
                             [](const S& a, int64_t t) { return a.t_ms < t; });
  auto hi =
      std::upper_bound(lo, samples.end(), maxt, [](int64_t t, const S& a) { return t < a.t_ms; });
  out->insert(out->end(), lo, hi);
}

// Sorts by time and keeps the last of equal times (a time written again after a flush).
template <class S>
void SortUnique(std::vector<S>* samples) {
  auto by_time = [](const S& a, const S& b) { return a.t_ms < b.t_ms; };
  // Usually already strictly ascending (chunks do not overlap): nothing to copy then.
  if (std::adjacent_find(samples->begin(), samples->end(),
                         [](const S& a, const S& b) { return a.t_ms >= b.t_ms; }) == samples->end())
    return;
  if (!std::is_sorted(samples->begin(), samples->end(), by_time))
    std::stable_sort(samples->begin(), samples->end(), by_time);
  std::vector<S> unique;
  unique.reserve(samples->size());
  for (S& s : *samples) {
    if (!unique.empty() && unique.back().t_ms == s.t_ms)
      unique.back() = std::move(s);
    else
      unique.push_back(std::move(s));
  }
  *samples = std::move(unique);
}

}  // namespace

void MetricTable::Apply(ConvertedMetrics&& converted) {
  std::unique_lock lock(mu_);
  for (auto& cs : converted.series) {
    StoredSeries& s = series_[SeriesFor(std::move(cs.labels))];
    for (Sample& x : cs.samples) {
      s.min_t = std::min(s.min_t, x.t_ms);
      s.max_t = std::max(s.max_t, x.t_ms);
      head_samples_ += InsertSample(s.head, std::move(x));
    }
    for (HistogramSample& x : cs.histograms) {
      s.min_t = std::min(s.min_t, x.t_ms);
      s.max_t = std::max(s.max_t, x.t_ms);
      head_samples_ += InsertSample(s.hist_head, std::move(x));
    }
    if (!cs.exemplars.empty()) AddExemplars(s, std::move(cs.exemplars));
  }
  for (auto& md : converted.metadata) {
    auto& list = metadata_[md.name];
    if (std::find(list.begin(), list.end(), md.metadata) == list.end())
      list.push_back(std::move(md.metadata));
  }
}

void MetricTable::Freeze() {
  std::unique_lock lock(mu_);
  auto frozen = std::make_shared<Frozen>();
  for (auto& s : series_) {
    if (s.head.empty() && s.hist_head.empty()) continue;
    s.frozen = s.head.empty() ? nullptr : std::make_shared<const SampleVec>(std::move(s.head));
    s.hist_frozen = s.hist_head.empty()
                        ? nullptr
                        : std::make_shared<const HistogramVec>(std::move(s.hist_head));
    s.head.clear();
    s.hist_head.clear();
    frozen->series.push_back(FrozenSeries{s.labels, s.frozen, s.hist_frozen, s.exemplars});
  }
  frozen->metadata = metadata_;
  frozen_ = std::move(frozen);
  head_samples_ = 0;
  frozen_delta_state_ = delta_.Snapshot();
}

std::string MetricTable::FrozenDeltaState() const {
  std::shared_lock lock(mu_);
  return frozen_delta_state_;
}

std::string MetricTable::BuildBlock(uint64_t wal_segment) const {
  std::shared_ptr<const Frozen> frozen;
  {
    std::shared_lock lock(mu_);
    frozen = frozen_;
  }
  if (!frozen || frozen->series.empty()) return {};
  BlockWriter writer;
  std::vector<IndexEntry> entries;
  entries.reserve(frozen->series.size());
  std::string record;
  for (const FrozenSeries& fs : frozen->series) {
    if (fs.samples) {
      record.clear();
      EncodeSamples(*fs.samples, &record);
      entries.push_back({fs.labels, writer.Add(record), fs.samples->front().t_ms,
                         fs.samples->back().t_ms,
                         fs.histograms ? std::vector<ExemplarData>{} : fs.exemplars, false});
    }
    if (fs.histograms) {
      record.clear();
      EncodeHistogramSamples(*fs.histograms, &record);
      entries.push_back({fs.labels, writer.Add(record), fs.histograms->front().t_ms,
                         fs.histograms->back().t_ms, fs.exemplars, true});
    }
  }
  std::vector<std::pair<std::string, MetricMetadata>> metadata;
  for (const auto& [name, list] : frozen->metadata)
    for (const auto& md : list) metadata.emplace_back(name, md);
  std::string index;
  PutIndex(entries, metadata, &index);
  return writer.Finish(index, wal_segment);
}

Status MetricTable::AddBlock(std::shared_ptr<BlockReader> reader, bool replaces_frozen) {
  // Parse outside the lock, then register.
  std::vector<IndexEntry> entries;
  std::vector<std::pair<std::string, MetricMetadata>> metadata;
  RETURN_IF_ERROR(ParseIndex(*reader, &entries, &metadata));
  int64_t bmin = INT64_MAX, bmax = INT64_MIN;
  for (const auto& e : entries) {
    bmin = std::min(bmin, e.min_t);
    bmax = std::max(bmax, e.max_t);
  }
  auto block = std::make_shared<Block>(Block{std::move(reader), bmin, bmax});
  std::unique_lock lock(mu_);
  blocks_.push_back(block);
  for (auto& e : entries) {
    StoredSeries& s = series_[SeriesFor(std::move(e.labels))];
    s.chunks.push_back(ChunkRef{block.get(), e.loc, e.min_t, e.max_t, e.histogram});
    s.min_t = std::min(s.min_t, e.min_t);
    s.max_t = std::max(s.max_t, e.max_t);
    if (!e.exemplars.empty()) AddExemplars(s, std::move(e.exemplars));
  }
  for (auto& [name, md] : metadata) {
    auto& list = metadata_[name];
    if (std::find(list.begin(), list.end(), md) == list.end()) list.push_back(std::move(md));
  }
  if (replaces_frozen) {
    for (auto& s : series_) {
      s.frozen.reset();
      s.hist_frozen.reset();
    }
    frozen_.reset();
  }
  return Status::Ok();
}

// ---------------------------------------------------------------- compaction

StatusOr<std::vector<std::string>> MetricTable::CompactOnce(uint64_t max_bytes,
                                                            const BlockWrite& write,
                                                            const std::atomic<bool>* cancel,
                                                            bool eager) {
  // blocks_ is in WAL order: a merged block takes the place of its inputs.
  BlockPtrs<Block> in;
  {
    std::shared_lock lock(mu_);
    auto [first, last] = CompactionRun(blocks_, max_bytes, eager);
    in.assign(blocks_.begin() + static_cast<ptrdiff_t>(first),
              blocks_.begin() + static_cast<ptrdiff_t>(last));
  }
  if (in.empty()) return std::vector<std::string>{};
  uint64_t last_segment = in.back()->reader->wal_segment(), first_segment = UINT64_MAX;
  for (const auto& b : in) first_segment = std::min(first_segment, FirstSegment(*b->reader));

  // Frames are copied as stored, input after input; frame_base[i] renumbers input i's. The index
  // lists every input entry with its frame renumbered, a series' entries together in input order
  // (so its chunks stay oldest first), its exemplars merged onto its last entry.
  std::vector<uint32_t> frame_base(in.size());
  auto fill = [&](int fd, const std::string& path) -> Status {
    BlockWriter writer(fd, path);
    uint32_t frames = 0;
    std::vector<IndexEntry> entries;
    std::map<Labels, std::vector<size_t>> by_series;  // entry numbers
    std::vector<std::pair<std::string, MetricMetadata>> metadata;
    for (size_t i = 0; i < in.size(); ++i) {
      frame_base[i] = frames;
      for (uint32_t f = 0; f < in[i]->reader->frame_count(); ++f, ++frames) {
        if (cancel && cancel->load(std::memory_order_relaxed)) return Aborted("");
        RETURN_IF_ERROR(writer.AddFrameOf(*in[i]->reader, f).status());
      }
      std::vector<IndexEntry> input;
      std::vector<std::pair<std::string, MetricMetadata>> input_metadata;
      RETURN_IF_ERROR(ParseIndex(*in[i]->reader, &input, &input_metadata));
      for (auto& e : input) {
        e.loc.frame += frame_base[i];
        by_series[e.labels].push_back(entries.size());
        entries.push_back(std::move(e));
      }
      for (auto& md : input_metadata)
        if (std::find(metadata.begin(), metadata.end(), md) == metadata.end())
          metadata.push_back(std::move(md));
    }
    std::vector<IndexEntry> merged;
    merged.reserve(entries.size());
    for (auto& [labels, numbers] : by_series) {
      StoredSeries exemplars;  // AddExemplars' dedup and bound
      for (size_t k : numbers) {
        AddExemplars(exemplars, std::move(entries[k].exemplars));
        entries[k].exemplars.clear();
        merged.push_back(std::move(entries[k]));
      }
      merged.back().exemplars = std::move(exemplars.exemplars);
    }
    std::string index;
    PutIndex(merged, metadata, &index);
    return writer.FinishFile(index, last_segment);
  };
  ASSIGN_OR_RETURN(std::shared_ptr<BlockReader> reader, write(fill, first_segment, last_segment));

  auto merged = std::make_shared<Block>(Block{std::move(reader), INT64_MAX, INT64_MIN});
  std::unordered_map<const Block*, size_t> input_of;
  for (size_t i = 0; i < in.size(); ++i) {
    input_of[in[i].get()] = i;
    merged->min_t = std::min(merged->min_t, in[i]->min_t);
    merged->max_t = std::max(merged->max_t, in[i]->max_t);
  }
  std::unique_lock lock(mu_);
  // The inputs must still be there, consecutive (retention may have removed some meanwhile).
  auto it = std::find(blocks_.begin(), blocks_.end(), in.front());
  bool intact =
      static_cast<size_t>(blocks_.end() - it) >= in.size() && std::equal(in.begin(), in.end(), it);
  if (!intact) return Aborted(merged->reader->path());
  // The series' chunks move to the merged block, where their records now are.
  for (auto& s : series_) {
    for (ChunkRef& c : s.chunks) {
      auto i = input_of.find(c.block);
      if (i == input_of.end()) continue;
      c.block = merged.get();
      c.loc.frame += frame_base[i->second];
    }
  }
  *it = std::move(merged);
  blocks_.erase(it + 1, it + static_cast<ptrdiff_t>(in.size()));
  std::vector<std::string> replaced;
  for (const auto& b : in) replaced.push_back(b->reader->path());
  return replaced;
}

void MetricTable::DropFrozen() {
  store::DropFrozen(mu_, frozen_, [this] {
    for (auto& s : series_) {
      s.frozen.reset();
      s.hist_frozen.reset();
    }
  });
}

void MetricTable::ForgetBlocks(const BlockPtrs<Block>& removed) {
  std::unordered_set<const Block*> gone;
  for (const auto& b : removed) gone.insert(b.get());
  for (auto& s : series_)
    std::erase_if(s.chunks, [&](const ChunkRef& c) { return gone.count(c.block) > 0; });
  ForgetEmptySeries();
}

void MetricTable::ForgetEmptySeries() {
  bool forgot = false;
  for (uint32_t i = 0; i < series_.size(); ++i) {
    StoredSeries& s = series_[i];
    if (s.free) continue;
    if (!s.head.empty() || s.frozen || !s.hist_head.empty() || s.hist_frozen || !s.chunks.empty()) {
      // The time span shrinks with the chunks retention took (queries skip by it), and
      // exemplars older than every sample left go with them.
      int64_t min_t = INT64_MAX;
      for (const ChunkRef& c : s.chunks) min_t = std::min(min_t, c.min_t);
      if (s.frozen && !s.frozen->empty()) min_t = std::min(min_t, s.frozen->front().t_ms);
      if (!s.head.empty()) min_t = std::min(min_t, s.head.front().t_ms);
      if (s.hist_frozen && !s.hist_frozen->empty())
        min_t = std::min(min_t, s.hist_frozen->front().t_ms);
      if (!s.hist_head.empty()) min_t = std::min(min_t, s.hist_head.front().t_ms);
      if (min_t != INT64_MAX && min_t > s.min_t) {
        s.min_t = min_t;
        std::erase_if(s.exemplars, [&](const ExemplarData& e) { return e.t_ms < min_t; });
      }
      continue;
    }
    auto h = by_hash_.find(HashLabels(s.labels));
    if (h != by_hash_.end()) {
      std::erase(h->second, i);
      if (h->second.empty()) by_hash_.erase(h);
    }
    for (const auto& l : s.labels) {
      auto name = postings_.find(l.name);
      if (name == postings_.end()) continue;
      auto value = name->second.find(l.value);
      if (value != name->second.end()) {
        auto& list = value->second;
        auto at = std::lower_bound(list.begin(), list.end(), i);
        if (at != list.end() && *at == i) list.erase(at);
        if (list.empty()) name->second.erase(value);
      }
      if (name->second.empty()) postings_.erase(name);
    }
    s = StoredSeries{};  // frees labels, samples and exemplars
    s.free = true;
    free_slots_.push_back(i);
    forgot = true;
  }
  if (forgot) {
    std::erase_if(metadata_, [&](const auto& entry) { return !FamilyHasSeries(entry.first); });
  }
  // A registry that shrank a lot gives its slots back to the allocator.
  if (free_slots_.size() > 1024 && free_slots_.size() * 2 > series_.size()) {
    while (!series_.empty() && series_.back().free) series_.pop_back();
    std::erase_if(free_slots_, [&](uint32_t i) { return i >= series_.size(); });
  }
}

bool MetricTable::FamilyHasSeries(std::string_view family) const {
  auto names = postings_.find("__name__");
  if (names == postings_.end()) return false;
  // A family's series are named as it is or with the suffix of its type (histograms, summaries;
  // counters' families already end in _total).
  for (std::string_view suffix : {"", "_bucket", "_sum", "_count", "_total", "_created"}) {
    std::string name(family);
    name += suffix;
    if (names->second.count(name)) return true;
  }
  return false;
}

std::vector<std::string> MetricTable::RemoveBlocksBefore(int64_t cutoff_ms) {
  return store::RemoveBlocksBefore<Block>(
      mu_, blocks_, cutoff_ms, [this](const BlockPtrs<Block>& removed) { ForgetBlocks(removed); });
}

bool MetricTable::RemoveBlockOfFile(const std::string& path) {
  return !store::RemoveBlockOfFile<Block>(
              mu_, blocks_, path,
              [this](const BlockPtrs<Block>& removed) { ForgetBlocks(removed); })
              .empty();
}

std::vector<std::string> MetricTable::RemoveOldestBlock() {
  return store::RemoveOldestBlock<Block>(
      mu_, blocks_, [this](const BlockPtrs<Block>& removed) { ForgetBlocks(removed); });
}

size_t MetricTable::series_count() const {
  std::shared_lock lock(mu_);
  return series_.size() - free_slots_.size();
}

size_t MetricTable::postings_count() const {
  std::shared_lock lock(mu_);
  size_t n = 0;
  for (const auto& [name, values] : postings_) n += values.size();
  return n;
}

size_t MetricTable::sample_count() const {
  std::shared_lock lock(mu_);
  return head_samples_;
}

size_t MetricTable::block_count() const { return BlockCount<Block>(mu_, blocks_); }

uint64_t MetricTable::block_bytes() const { return BlockBytes<Block>(mu_, blocks_); }

// ---------------------------------------------------------------- queries

std::vector<uint32_t> MetricTable::Candidates(const Matchers& matchers) const {
  // Start from the smallest postings list of an equality matcher; fall back to every series.
  const std::vector<uint32_t>* best = nullptr;
  static const std::vector<uint32_t> kNone;
  for (const auto& m : matchers) {
    if (m.op() != LabelMatcher::Op::kEq || m.value().empty()) continue;
    auto name = postings_.find(m.name());
    if (name == postings_.end()) return {};
    auto value = name->second.find(m.value());
    const auto& list = value == name->second.end() ? kNone : value->second;
    if (!best || list.size() < best->size()) best = &list;
  }
  std::vector<uint32_t> out;
  auto consider = [&](uint32_t i) {
    if (!series_[i].free && MatchesAll(matchers, series_[i].labels)) out.push_back(i);
  };
  if (best) {
    for (uint32_t i : *best) consider(i);
  } else {
    for (uint32_t i = 0; i < series_.size(); ++i) consider(i);
  }
  return out;
}

StatusOr<std::vector<SeriesData>> MetricTable::Select(const Matchers& matchers, int64_t mint_ms,
                                                      int64_t maxt_ms, size_t max_samples) {
  // Under the lock: copy what is in memory and note the chunks to read; read them after.
  struct Pending {
    SeriesData data;
    std::vector<std::tuple<std::shared_ptr<BlockReader>, RecordLocation, bool>> chunks;
  };
  std::vector<Pending> pending;
  size_t total = 0;
  auto too_many = [&] {
    return ResourceExhausted(
        "query processing would load too many samples into memory in query execution");
  };
  {
    std::shared_lock lock(mu_);
    for (uint32_t i : Candidates(matchers)) {
      const StoredSeries& s = series_[i];
      if (s.max_t < mint_ms || s.min_t > maxt_ms) continue;
      Pending p;
      for (const auto& c : s.chunks)
        if (c.max_t >= mint_ms && c.min_t <= maxt_ms)
          p.chunks.emplace_back(c.block->reader, c.loc, c.histogram);
      if (s.frozen) AppendInRange(*s.frozen, mint_ms, maxt_ms, &p.data.samples);
      AppendInRange(s.head, mint_ms, maxt_ms, &p.data.samples);
      if (s.hist_frozen) AppendInRange(*s.hist_frozen, mint_ms, maxt_ms, &p.data.histograms);
      AppendInRange(s.hist_head, mint_ms, maxt_ms, &p.data.histograms);
      if (p.data.samples.empty() && p.data.histograms.empty() && p.chunks.empty()) continue;
      p.data.labels = s.labels;
      total += p.data.samples.size() + p.data.histograms.size();
      if (max_samples && total > max_samples) return too_many();
      pending.push_back(std::move(p));
    }
  }
  // Read the chunks frame by frame, not series by series: a merged block holds each series'
  // chunks in as many places as it had inputs, so reading in series order decompressed the same
  // frames over and over (the reader caches only a few).
  struct ChunkRead {
    size_t series, chunk;
    BlockReader* reader;
    RecordLocation loc;
    bool histogram;
  };
  struct Part {
    std::vector<Sample> samples;
    std::vector<HistogramSample> histograms;
  };
  std::vector<ChunkRead> reads;
  std::vector<std::vector<Part>> parts(pending.size());
  for (size_t i = 0; i < pending.size(); ++i) {
    parts[i].resize(pending[i].chunks.size());
    for (size_t j = 0; j < pending[i].chunks.size(); ++j) {
      const auto& [reader, loc, histogram] = pending[i].chunks[j];
      reads.push_back({i, j, reader.get(), loc, histogram});
    }
  }
  std::sort(reads.begin(), reads.end(), [](const ChunkRead& a, const ChunkRead& b) {
    auto key = [](const ChunkRead& r) {
      return std::tuple(reinterpret_cast<uintptr_t>(r.reader), r.loc.frame, r.loc.offset);
    };
    return key(a) < key(b);
  });
  std::vector<Sample> decoded;
  std::vector<HistogramSample> decoded_histograms;
  for (const ChunkRead& r : reads) {
    ASSIGN_OR_RETURN(std::string record, r.reader->Read(r.loc));
    Part& part = parts[r.series][r.chunk];
    bool ok;
    if (r.histogram) {
      decoded_histograms.clear();
      ok = DecodeHistogramSamples(record, &decoded_histograms);
      if (ok) AppendInRange(decoded_histograms, mint_ms, maxt_ms, &part.histograms);
    } else {
      decoded.clear();
      ok = DecodeSamples(record, &decoded);
      if (ok) AppendInRange(decoded, mint_ms, maxt_ms, &part.samples);
    }
    if (!ok) return r.reader->Checked(DataLoss(r.reader->path() + ": corrupt samples"));
    total += part.samples.size() + part.histograms.size();
    if (max_samples && total > max_samples) return too_many();
  }
  std::vector<SeriesData> out;
  out.reserve(pending.size());
  for (size_t i = 0; i < pending.size(); ++i) {
    Pending& p = pending[i];
    if (!p.chunks.empty()) {
      // Block samples first (older), then the head's: SortUnique keeps the later write of a time.
      std::vector<Sample> merged;
      std::vector<HistogramSample> merged_histograms;
      size_t count = p.data.samples.size();
      for (const Part& part : parts[i]) count += part.samples.size();
      merged.reserve(count);
      for (Part& part : parts[i]) {
        merged.insert(merged.end(), part.samples.begin(), part.samples.end());
        for (auto& h : part.histograms) merged_histograms.push_back(std::move(h));
        std::vector<Sample>().swap(part.samples);  // release as we go
        std::vector<HistogramSample>().swap(part.histograms);
      }
      merged.insert(merged.end(), p.data.samples.begin(), p.data.samples.end());
      SortUnique(&merged);
      p.data.samples = std::move(merged);
      for (auto& h : p.data.histograms) merged_histograms.push_back(std::move(h));
      SortUnique(&merged_histograms);
      p.data.histograms = std::move(merged_histograms);
    }
    if (!p.data.samples.empty() || !p.data.histograms.empty()) out.push_back(std::move(p.data));
  }
  std::sort(out.begin(), out.end(),
            [](const SeriesData& a, const SeriesData& b) { return a.labels < b.labels; });
  return out;
}

std::vector<uint32_t> MetricTable::MatchingInRange(const std::vector<Matchers>& match_sets,
                                                   int64_t mint_ms, int64_t maxt_ms) const {
  // Series whose time span overlaps the range (the span is kept per series, so no disk reads).
  std::set<uint32_t> ids;
  auto add = [&](uint32_t i) {
    const StoredSeries& s = series_[i];
    if (!s.free && s.max_t >= mint_ms && s.min_t <= maxt_ms) ids.insert(i);
  };
  if (match_sets.empty()) {
    for (uint32_t i = 0; i < series_.size(); ++i) add(i);
  }
  for (const auto& m : match_sets)
    for (uint32_t i : Candidates(m)) add(i);
  return {ids.begin(), ids.end()};
}

StatusOr<std::vector<Labels>> MetricTable::Series(const std::vector<Matchers>& match_sets,
                                                  int64_t mint_ms, int64_t maxt_ms) {
  std::shared_lock lock(mu_);
  std::vector<Labels> out;
  for (uint32_t i : MatchingInRange(match_sets, mint_ms, maxt_ms)) out.push_back(series_[i].labels);
  std::sort(out.begin(), out.end());
  return out;
}

StatusOr<std::vector<std::string>> MetricTable::LabelNames(const std::vector<Matchers>& match_sets,
                                                           int64_t mint_ms, int64_t maxt_ms) {
  std::shared_lock lock(mu_);
  std::set<std::string> names;
  for (uint32_t i : MatchingInRange(match_sets, mint_ms, maxt_ms))
    for (const auto& l : series_[i].labels) names.insert(l.name);
  return std::vector<std::string>(names.begin(), names.end());
}

StatusOr<std::vector<std::string>> MetricTable::LabelValues(const std::string& name,
                                                            const std::vector<Matchers>& match_sets,
                                                            int64_t mint_ms, int64_t maxt_ms) {
  std::shared_lock lock(mu_);
  std::set<std::string> values;
  for (uint32_t i : MatchingInRange(match_sets, mint_ms, maxt_ms)) {
    std::string_view v = GetLabel(series_[i].labels, name);
    if (!v.empty()) values.emplace(v);
  }
  return std::vector<std::string>(values.begin(), values.end());
}

std::map<std::string, std::vector<MetricMetadata>> MetricTable::Metadata(const std::string& metric,
                                                                         size_t limit) {
  std::shared_lock lock(mu_);
  std::map<std::string, std::vector<MetricMetadata>> out;
  for (const auto& [name, list] : metadata_) {
    if (!metric.empty() && name != metric) continue;
    if (limit && out.size() >= limit) break;
    out.emplace(name, list);
  }
  return out;
}

StatusOr<std::vector<SeriesExemplars>> MetricTable::Exemplars(
    const std::vector<Matchers>& match_sets, int64_t mint_ms, int64_t maxt_ms) {
  std::shared_lock lock(mu_);
  std::set<uint32_t> ids;
  for (const auto& m : match_sets)
    for (uint32_t i : Candidates(m)) ids.insert(i);
  std::vector<SeriesExemplars> out;
  for (uint32_t i : ids) {
    SeriesExemplars se{series_[i].labels, {}};
    for (const auto& e : series_[i].exemplars)
      if (e.t_ms >= mint_ms && e.t_ms <= maxt_ms) se.exemplars.push_back(e);
    if (se.exemplars.empty()) continue;
    std::sort(se.exemplars.begin(), se.exemplars.end(),
              [](const ExemplarData& a, const ExemplarData& b) { return a.t_ms < b.t_ms; });
    out.push_back(std::move(se));
  }
  return out;
}

}  // namespace otter::store
