// Store benchmarks: durable ingest (decode + WAL group commit with fdatasync + head insert),
// trace-by-id, trace search and logs-by-trace-id latency over a flushed store, and PromQL rate()
// over 10k series. Each sets counters the figures in BENCHMARKS.md quote.
// Run: otter_bench --benchmark_filter=Store
// Sizes: OTTER_BENCH_SPANS (default 1000000) spans for the lookup benchmarks.
#include <benchmark/benchmark.h>
#include <malloc.h>
#include <spdlog/sinks/null_sink.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <future>
#include <map>
#include <random>

#include "loadgen/payload.h"
#include "otlp/proto_codec.h"
#include "otlp/synthetic.h"
#include "query/promql/engine.h"
#include "store/crc32.h"
#include "store/span_columns.h"
#include "store/store.h"
#include "store/store_testing.h"
#include "store/trace_table.h"

namespace otter::store {
namespace {

using testing::NullLogger;

// The allocator settings otter's main() makes (src/exe/main.cc), so that large buffers come from
// the heap as they do in the server.
const bool kMallocLikeOtter = [] {
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TOP_PAD, 16 << 20);
  return true;
}();

std::string FreshDir(const char* name) {
  std::string dir = "/tmp/otter-bench-" + std::string(name) + "-" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  return dir;
}

std::unique_ptr<Store> OpenStore(const std::string& dir) {
  StoreOptions o;
  o.directory = dir;
  o.retention = std::chrono::milliseconds(0);
  o.compact_in_background = false;  // benchmarks compact explicitly, when it is not measured
  auto s = Store::Open(o, NullLogger(), nullptr);
  if (!s.ok()) {
    std::fprintf(stderr, "open: %s\n", s.status().ToString().c_str());
    std::abort();
  }
  return std::move(*s);
}

template <class B>
void WriteSync(Store& store, B&& batch) {
  std::promise<Status> p;
  auto f = p.get_future();
  store.Write(std::move(batch), Completion([&p](Status s) { p.set_value(std::move(s)); }));
  if (!f.get().ok()) std::abort();
}

// This process's resident memory (VmRSS) in MiB after returning freed heap to the system: about
// what the store holds while it answers (plus the benchmark's own lists of ids).
double RssMib() {
  malloc_trim(0);
  std::FILE* f = std::fopen("/proc/self/status", "r");
  if (!f) return 0;
  char line[256];
  double kib = 0;
  while (std::fgets(line, sizeof line, f))
    if (std::strncmp(line, "VmRSS:", 6) == 0) kib = std::strtod(line + 6, nullptr);
  std::fclose(f);
  return kib / 1024;
}

size_t EnvSize(const char* name, size_t fallback) {
  const char* v = std::getenv(name);
  return v ? static_cast<size_t>(std::strtoull(v, nullptr, 10)) : fallback;
}

// OTLP request bytes → decode → durable write, from several client threads (group commit shares
// each fdatasync between the requests in flight).
void BM_StoreDurableIngestTraces(benchmark::State& state) {
  static std::unique_ptr<Store> store;
  static std::vector<std::string> wires;
  static std::string dir;
  if (state.thread_index() == 0) {
    dir = FreshDir("ingest");
    store = OpenStore(dir);
    wires.clear();
    for (int i = 0; i < 64; ++i) {
      std::string w;
      otlp::EncodeTraces(otlp::MakeSyntheticTraces(100, 1000 + i), &w);
      wires.push_back(std::move(w));
    }
  }
  size_t i = static_cast<size_t>(state.thread_index());
  for (auto _ : state) {
    auto batch = otlp::DecodeTraces(wires[i++ % wires.size()]);
    WriteSync(*store, std::move(*batch));
  }
  state.SetItemsProcessed(state.iterations() * 100);
  if (state.thread_index() == 0) {
    store.reset();
    std::filesystem::remove_all(dir);
  }
}
BENCHMARK(BM_StoreDurableIngestTraces)->ThreadRange(1, 16)->UseRealTime();

// The WAL record checksum over a loadgen-sized request (62 KB): zlib's table-driven crc32 (0)
// against store/crc32.h's folded one (1).
void BM_Crc32(benchmark::State& state) {
  std::string buf(62 * 1024, '\0');
  std::mt19937_64 rng(3);
  for (char& c : buf) c = static_cast<char>(rng());
  for (auto _ : state) {
    uint32_t crc = state.range(0) ? Crc32(0, buf)
                                  : static_cast<uint32_t>(crc32(
                                        0, reinterpret_cast<const Bytef*>(buf.data()), buf.size()));
    benchmark::DoNotOptimize(crc);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * buf.size()));
}
BENCHMARK(BM_Crc32)->Arg(0)->Arg(1);

struct Percentiles {
  std::vector<double> us;
  void Report(benchmark::State& state) {
    std::sort(us.begin(), us.end());
    if (us.empty()) return;
    state.counters["p50_us"] = us[us.size() / 2];
    state.counters["p99_us"] = us[us.size() * 99 / 100];
  }
};

// A store holding OTTER_BENCH_SPANS spans (flushed to blocks and compacted, like a long-running
// store), and the trace ids written.
struct FilledStore {
  std::string dir = FreshDir("lookup");
  std::unique_ptr<Store> store = OpenStore(dir);
  std::vector<pdata::TraceId> traces;
  size_t spans = 0;
  static constexpr uint64_t kT0 = 1'700'000'000'000'000'000ull;
  uint64_t seeds = 0;  // requests 1..seeds of 1000 spans, request s at kT0 + s seconds
  FilledStore() {
    size_t want = EnvSize("OTTER_BENCH_SPANS", 1'000'000);
    uint64_t t0 = kT0;
    for (uint64_t seed = 1; spans < want; seeds = seed++) {
      auto batch = otlp::MakeSyntheticTraces(1000, seed, t0 + seed * 1'000'000'000ull);
      for (const auto& rs : batch.resources())
        for (const auto& ss : rs.scope_spans)
          for (const auto& s : ss.spans)
            if (traces.empty() || !(traces.back() == s.trace_id)) traces.push_back(s.trace_id);
      spans += batch.ItemCount();
      auto logs = otlp::MakeSyntheticLogs(1000, seed, t0 + seed * 1'000'000'000ull);
      WriteSync(*store, std::move(batch));
      WriteSync(*store, std::move(logs));
      if (seed % 500 == 0 && !store->FlushForTesting().ok()) std::abort();
    }
    if (!store->FlushForTesting().ok() || !store->CompactForTesting().ok()) std::abort();
  }
  ~FilledStore() {
    store.reset();
    std::filesystem::remove_all(dir);
  }
  uint64_t DiskBytes() const {
    uint64_t n = 0;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir))
      if (e.is_regular_file()) n += e.file_size();
    return n;
  }
};

FilledStore& Filled() {
  static FilledStore* f = new FilledStore();  // shared by the lookup benchmarks
  return *f;
}

// The trace table's share of ingest, without the WAL: building head rows from decoded batches
// (Apply), and turning a frozen head of 100 000 spans into a block (BuildBlock), per span.
std::vector<pdata::TraceBatch> SyntheticRequests(int requests) {
  std::vector<pdata::TraceBatch> out;
  for (int i = 0; i < requests; ++i)
    out.push_back(otlp::MakeSyntheticTraces(
        100, 7000 + static_cast<uint64_t>(i),
        1'700'000'000'000'000'000ull + static_cast<uint64_t>(i) * 1'000'000'000ull));
  return out;
}

// The load generator's requests (bench/loadgen/payload.cc: 100 varied spans each), as received:
// protobuf bytes.
std::vector<std::string> LoadgenWires(int requests) {
  loadgen::Options opts;
  loadgen::PayloadGenerator gen(opts, 0);
  std::vector<std::string> out(static_cast<size_t>(requests));
  for (auto& w : out) gen.Next(&w);
  return out;
}

std::vector<pdata::TraceBatch> LoadgenRequests(int requests) {
  std::vector<pdata::TraceBatch> out;
  for (auto& w : LoadgenWires(requests))
    out.push_back(std::move(*otlp::DecodeTraces(std::move(w))));
  return out;
}

std::vector<pdata::TraceBatch> Requests(benchmark::State& state, int requests) {
  return state.range(0) ? LoadgenRequests(requests) : SyntheticRequests(requests);
}

// Decoding a received request into a batch and freeing it: the receive path's share that does
// not depend on the transport.
void BM_LoadgenDecodeFree(benchmark::State& state) {
  auto wires = LoadgenWires(64);
  size_t i = 0;
  for (auto _ : state) {
    auto batch = otlp::DecodeTraces(wires[i++ % wires.size()]);
    benchmark::DoNotOptimize(batch->ItemCount());
  }
  state.SetItemsProcessed(state.iterations() * 100);
}
BENCHMARK(BM_LoadgenDecodeFree);

// What the receiver does instead for the store: validate and count without building a batch.
void BM_LoadgenCount(benchmark::State& state) {
  auto wires = LoadgenWires(64);
  size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(otlp::CountTraces(wires[i++ % wires.size()]));
  state.SetItemsProcessed(state.iterations() * 100);
}
BENCHMARK(BM_LoadgenCount);

// Head rows straight from the requests' protobuf (TraceTable::ApplyWire), against
// BM_TraceTableApply/1 plus BM_LoadgenDecodeFree.
void BM_TraceTableApplyWire(benchmark::State& state) {
  auto wires = LoadgenWires(1000);
  for (auto _ : state) {
    TraceTable table;
    for (const auto& w : wires)
      if (!table.ApplyWire(w)) std::abort();
    benchmark::DoNotOptimize(table.span_count());
  }
  state.SetItemsProcessed(state.iterations() * 100'000);
}
BENCHMARK(BM_TraceTableApplyWire)->Unit(benchmark::kMillisecond);

// Opening a store whose WAL holds 1000 loadgen requests (100 000 spans): the restart after a
// crash, which replays them into the head rows.
void BM_StoreReplay(benchmark::State& state) {
  std::string dir = FreshDir("replay");
  {
    auto store = OpenStore(dir);
    for (auto& w : LoadgenWires(1000))
      WriteSync(*store, pdata::TraceBatch::Undecoded(std::move(w), 100));
  }
  for (auto _ : state) {
    auto store = OpenStore(dir);
    if (store->traces().span_count() != 100'000) std::abort();
    state.PauseTiming();
    store.reset();
    state.ResumeTiming();
  }
  std::filesystem::remove_all(dir);
  state.SetItemsProcessed(state.iterations() * 100'000);
}
BENCHMARK(BM_StoreReplay)->Unit(benchmark::kMillisecond);

// Arg 0: synthetic spans; 1: the load generator's.
void BM_TraceTableApply(benchmark::State& state) {
  auto requests = Requests(state, 1000);
  for (auto _ : state) {
    TraceTable table;
    for (const auto& r : requests) table.Apply(r);
    benchmark::DoNotOptimize(table.span_count());
  }
  state.SetItemsProcessed(state.iterations() * 100'000);
}
BENCHMARK(BM_TraceTableApply)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

void BM_TraceTableBuildBlock(benchmark::State& state) {
  auto requests = Requests(state, 1000);
  TraceTable table;
  for (const auto& r : requests) table.Apply(r);
  table.Freeze();
  std::string block;
  for (auto _ : state) block = table.BuildBlock(1);
  state.SetItemsProcessed(state.iterations() * 100'000);
  state.counters["bytes_per_span"] = static_cast<double>(block.size()) / 100'000;
  // The compressed index (with the tag filters), from the footer.
  uint64_t index_len = 0;
  if (block.size() >= 40) std::memcpy(&index_len, block.data() + block.size() - 40 + 8, 8);
  state.counters["index_bytes_per_span"] = static_cast<double>(index_len) / 100'000;
}
BENCHMARK(BM_TraceTableBuildBlock)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

// Compaction: four flushed blocks of 100 000 spans each merged into one (Arg as above).
void BM_StoreCompaction(benchmark::State& state) {
  auto requests = Requests(state, 4000);
  for (auto _ : state) {
    state.PauseTiming();
    std::string dir = FreshDir("compaction");
    auto store = OpenStore(dir);
    for (size_t i = 0; i < requests.size(); ++i) {
      WriteSync(*store, requests[i].Clone());
      if ((i + 1) % 1000 == 0 && !store->FlushForTesting().ok()) std::abort();
    }
    state.ResumeTiming();
    if (!store->CompactForTesting().ok() || store->traces().block_count() != 1) std::abort();
    state.PauseTiming();
    store.reset();
    std::filesystem::remove_all(dir);
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * 400'000);
}
BENCHMARK(BM_StoreCompaction)->Arg(0)->Arg(1)->Iterations(2)->Unit(benchmark::kMillisecond);

void BM_StoreTraceById(benchmark::State& state) {
  FilledStore& f = Filled();
  std::mt19937_64 rng(7);
  Percentiles p;
  for (auto _ : state) {
    const auto& id = f.traces[rng() % f.traces.size()];
    auto t0 = std::chrono::steady_clock::now();
    auto trace = f.store->traces().GetTrace(id);
    p.us.push_back(
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
    if (!trace.ok()) std::abort();
    benchmark::DoNotOptimize(trace);
  }
  p.Report(state);
  state.counters["spans_stored"] = static_cast<double>(f.spans);
  state.counters["trace_blocks"] = static_cast<double>(f.store->traces().block_count());
  state.counters["disk_bytes_per_span"] =
      static_cast<double>(f.store->traces().block_bytes()) / static_cast<double>(f.spans);
  state.counters["rss_mib"] = RssMib();
}
BENCHMARK(BM_StoreTraceById)->Iterations(2000);

void BM_StoreLogsByTraceId(benchmark::State& state) {
  FilledStore& f = Filled();
  std::mt19937_64 rng(9);
  Percentiles p;
  LogSelect q;
  q.stream_matchers = {*LabelMatcher::Make(LabelMatcher::Op::kRe, "service_name", ".+")};
  q.start_ns = 0;
  q.end_ns = INT64_MAX;
  q.limit = 100;
  size_t found = 0;
  for (auto _ : state) {
    q.trace_id = f.traces[rng() % f.traces.size()].Hex();
    auto t0 = std::chrono::steady_clock::now();
    auto streams = f.store->logs().Select(q);
    p.us.push_back(
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
    if (!streams.ok()) std::abort();
    for (const auto& s : *streams) found += s.entries.size();
  }
  p.Report(state);
  state.counters["entries_found"] = static_cast<double>(found);
  state.counters["rss_mib"] = RssMib();
}
BENCHMARK(BM_StoreLogsByTraceId)->Iterations(2000);

// Jaeger searches over all the stored time (the UI's default limit, 20 traces):
//  0: service and operation only (newest matching traces);
//  1: a tag whose value one span in the store has (client.address of a random stored span:
//     "find the trace of this request");
//  2: a tag value no span has (the worst case: nothing rules a page out but the tag).
void BM_StoreTraceSearch(benchmark::State& state) {
  FilledStore& f = Filled();
  std::mt19937_64 rng(11);
  Percentiles p;
  size_t found = 0;
  for (auto _ : state) {
    TraceSearch q;
    q.start_ns = 0;
    q.end_ns = UINT64_MAX;
    q.limit = 20;
    if (state.range(0) == 0) {
      auto any = otlp::MakeSyntheticTraces(1, 1 + rng() % f.seeds);
      q.service = std::string(ServiceName(any.resources()[0].resource));
      q.operation = std::string(any.resources()[0].scope_spans[0].spans[0].name);
    } else if (state.range(0) == 1) {
      state.PauseTiming();
      uint64_t seed = 1 + rng() % f.seeds;
      auto batch =
          otlp::MakeSyntheticTraces(1000, seed, FilledStore::kT0 + seed * 1'000'000'000ull);
      const auto& span = batch.resources()[0].scope_spans[0].spans[rng() % 1000];
      const pdata::AnyValue* v = pdata::FindAttribute(span.attributes, "client.address");
      q.tags = {{"client.address", std::string(v->string_value)}};
      state.ResumeTiming();
    } else {
      q.tags = {{"client.address", "192.0.2.1"}};
    }
    auto t0 = std::chrono::steady_clock::now();
    auto traces = f.store->traces().FindTraces(q);
    p.us.push_back(
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
    if (!traces.ok() || (state.range(0) == 1 && traces->empty())) std::abort();
    found += traces->size();
  }
  p.Report(state);
  state.counters["traces_found"] = static_cast<double>(found);
  state.counters["spans_stored"] = static_cast<double>(f.spans);
}
BENCHMARK(BM_StoreTraceSearch)
    ->Arg(0)
    ->Arg(1)
    ->Arg(2)
    ->Iterations(50)
    ->Unit(benchmark::kMillisecond);

// rate() over 10k counter series × 2h of 15 s samples.
void BM_StorePromqlRate10kSeries(benchmark::State& state) {
  static MetricTable* table = [] {
    auto* t = new MetricTable();
    for (int s = 0; s < 10000; ++s) {
      ConvertedMetrics cm;
      auto& cs = cm.series.emplace_back();
      cs.labels = {{"__name__", "http_requests_total"},
                   {"instance", "i" + std::to_string(s % 100)},
                   {"job", "svc" + std::to_string(s / 100)},
                   {"status", s % 7 ? "200" : "500"}};
      for (int k = 0; k < 480; ++k)
        cs.samples.push_back(Sample{k * 15000ll, double(k * (s % 13 + 1))});
      t->Apply(std::move(cm));
    }
    return t;
  }();
  query::promql::Engine engine(*table, {});
  for (auto _ : state) {
    auto v = engine.Instant("sum by (job) (rate(http_requests_total[5m]))", 7'000'000,
                            std::chrono::steady_clock::now() + std::chrono::seconds(60));
    if (!v.ok()) std::abort();
    benchmark::DoNotOptimize(v);
  }
  state.counters["series"] = 10000;
  state.counters["rss_mib"] = RssMib();
}
BENCHMARK(BM_StorePromqlRate10kSeries)->Unit(benchmark::kMillisecond);

// Where a page's bytes go: per loadgen span, each stream of 20 000 spans' pages compressed on its
// own (zstd level 2, like a block frame; "whole" is the pages compressed whole). The counter
// names follow span_columns.cc's Stream order.
void BM_SpanPageStreams(benchmark::State& state) {
  SpanRows rows;
  for (auto& w : LoadgenWires(200))
    if (!rows.AppendWire(w)) std::abort();
  std::map<pdata::TraceId, std::vector<uint32_t>> by_trace;
  std::vector<pdata::TraceId> arrival;
  for (uint32_t i = 0; i < rows.spans.size(); ++i) {
    auto [it, fresh] = by_trace.try_emplace(rows.spans[i].trace_id);
    if (fresh) arrival.push_back(rows.spans[i].trace_id);
    it->second.push_back(i);
  }
  static constexpr const char* kNames[] = {
      "restable",    "spanids",      "parents",    "parentids", "starts",     "durations",
      "names",       "kinds",        "status",     "statusmsg", "flags",      "tracestates",
      "scopes",      "dropped",      "attrsets",   "evcounts",  "evtimes",    "evnames",
      "evdropped",   "evattrsets",   "linkcounts", "linkids",   "linkstates", "linkflags",
      "linkdropped", "linkattrsets", "keysets",    "columns",   "strlens",    "strdata"};
  constexpr size_t kStreams = std::size(kNames);
  std::vector<double> sizes(kStreams + 1, 0);
  auto zstd_size = [](std::string_view raw) {
    std::string out(ZSTD_compressBound(raw.size()), '\0');
    return raw.empty() ? 0 : ZSTD_compress(out.data(), out.size(), raw.data(), raw.size(), 2);
  };
  SpanPageWriter writer(rows);
  std::vector<uint32_t> order;
  std::vector<PageTrace> traces;
  auto page = [&] {
    std::string p = writer.Encode(order, traces);
    sizes[kStreams] += static_cast<double>(zstd_size(p));
    IndexReader in(p);
    std::string_view stream;
    for (size_t k = 0; k < kStreams && in.String(&stream); ++k)
      sizes[k] += static_cast<double>(zstd_size(stream));
    order.clear();
    traces.clear();
  };
  for (const auto& id : arrival) {
    auto& v = by_trace[id];
    std::stable_sort(v.begin(), v.end(), [&](uint32_t a, uint32_t b) {
      return rows.spans[a].start < rows.spans[b].start;
    });
    traces.push_back({rows.spans[v[0]].start, static_cast<uint32_t>(order.size()),
                      static_cast<uint32_t>(v.size())});
    order.insert(order.end(), v.begin(), v.end());
    if (order.size() >= 2048) page();  // TraceTable::kPageSpans
  }
  if (!order.empty()) page();
  for (auto _ : state) {
  }
  auto spans = static_cast<double>(rows.spans.size());
  for (size_t k = 0; k < kStreams; ++k) state.counters[kNames[k]] = sizes[k] / spans;
  state.counters["whole"] = sizes[kStreams] / spans;
}
BENCHMARK(BM_SpanPageStreams)->Iterations(1);
}  // namespace
}  // namespace otter::store
