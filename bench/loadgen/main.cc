// otter-loadgen: an OTLP load generator (gRPC or HTTP/protobuf; traces, logs or metrics) that
// reports accepted items/s, MB/s, latency percentiles and errors as text and one JSON line.
// See bench/loadgen/README.md for the flags and the payload distribution. Exit code: 0 when
// every request was accepted in full, 1 on any failed or partially rejected request or when the
// target cannot be reached, 2 on bad flags.
#include <fmt/format.h>
#include <malloc.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <thread>

#include "driver.h"
#include "verify.h"

namespace otter::loadgen {
namespace {

double ProcessCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// utime + stime of another process (the collector under test), from /proc/<pid>/stat; -1 if gone.
double OtherProcessCpuSeconds(int pid) {
  if (pid <= 0) return -1;
  std::FILE* f = std::fopen(fmt::format("/proc/{}/stat", pid).c_str(), "r");
  if (!f) return -1;
  char buf[1024];
  size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  buf[n] = 0;
  // The command name (field 2) may hold spaces; fields after it start past the last ')'.
  const char* p = std::strrchr(buf, ')');
  unsigned long utime = 0, stime = 0;
  if (!p || std::sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime,
                        &stime) != 2) {
    return -1;
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

Clock::duration Seconds(double s) {
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
}

std::string Validate(Options& o, bool endpoint_given) {
  if (o.connections < 1 || o.connections > (1 << 20)) return "--connections must be in [1, 2^20]";
  if (o.items < 1) return "--items must be >= 1";
  if (o.duration_s <= 0) return "--duration must be > 0";
  if (o.warmup_s < 0) return "--warmup must be >= 0";
  if (o.rate < 0) return "--rate must be >= 0";
  if (o.inflight < 1) return "--inflight must be >= 1";
  if (o.threads < 1) return "--threads must be >= 1";
  if (o.timeout_s <= 0) return "--timeout must be > 0";
  if (o.spans_per_trace < 1) return "--spans-per-trace must be >= 1";
  if (o.pool < 0) return "--pool must be >= 0";
  if (o.gzip_level < 1 || o.gzip_level > 9) return "--gzip-level must be in [1, 9]";
  if (o.protocol == Protocol::kHttp && o.inflight != 1)
    return "--inflight > 1 needs --protocol grpc (HTTP/1.1 has one request per connection)";
  o.threads = std::min(o.threads, o.connections);
  if (!endpoint_given)
    o.endpoint = o.protocol == Protocol::kHttp ? "127.0.0.1:4318" : "127.0.0.1:4317";
  if (o.http_path.empty()) o.http_path = "/v1/" + std::string(SignalName(o.signal));
  return "";
}

int Run(Options opts, bool verify) {
  Schedule schedule;
  RateLimiter limiter(opts.rate);
  std::vector<std::unique_ptr<StatsSink>> sinks;
  for (int t = 0; t < opts.threads; ++t) sinks.push_back(std::make_unique<StatsSink>(schedule));

  std::unique_ptr<RequestPool> pool;
  if (opts.pool > 0) {
    StatusOr<std::unique_ptr<RequestPool>> built =
        RequestPool::Build(opts, static_cast<size_t>(opts.pool));
    if (!built.ok()) {
      std::fprintf(stderr, "otter-loadgen: %s\n", built.status().ToString().c_str());
      return 1;
    }
    pool = std::move(built).value();
  }
  RunContext ctx{opts, schedule, limiter, sinks, pool.get()};
  if (verify) return RunVerify(ctx, 200);

  std::unique_ptr<Driver> driver;
  std::string target;
  switch (opts.protocol) {
    case Protocol::kGrpc:
      driver = MakeGrpcDriver(ctx);
      target = "grpc " + opts.endpoint;
      break;
    case Protocol::kHttp:
      driver = MakeHttpDriver(ctx);
      target = "http " + opts.endpoint + opts.http_path;
      break;
    case Protocol::kNone:
      driver = MakeDryRunDriver(ctx);
      target = "dry run (no network)";
      break;
  }
  target += fmt::format(" {} x{} items, {} conns{}{}", SignalName(opts.signal), opts.items,
                        opts.connections,
                        opts.inflight > 1 ? fmt::format(" x{} inflight", opts.inflight) : "",
                        opts.gzip ? ", gzip" : "");
  if (opts.rate > 0) target += fmt::format(", rate {} req/s", opts.rate);
  target += pool ? fmt::format(", pool {}", pool->size()) : ", no pool";
  if (opts.generator == Generator::kSynthetic) target += ", synthetic payload";

  if (Status st = driver->Prepare(); !st.ok()) {
    std::fprintf(stderr, "otter-loadgen: %s\n", st.ToString().c_str());
    return 1;
  }
  schedule.start = Clock::now();
  schedule.measure_begin = schedule.start + Seconds(opts.warmup_s);
  schedule.end = schedule.measure_begin + Seconds(opts.duration_s);

  std::thread runner([&] { driver->Run(); });

  // Progress once a second; CPU time sampled at the edges of the measured window.
  double cpu_begin = 0, cpu_end = 0, target_begin = -1, target_end = -1;
  if (opts.warmup_s <= 0) {
    cpu_begin = ProcessCpuSeconds();
    target_begin = OtherProcessCpuSeconds(opts.target_pid);
  }
  bool cpu_begin_taken = opts.warmup_s <= 0;
  Clock::time_point last = schedule.start;
  Stats whole;  // warm-up included, for comparing with the collector's own counters
  for (int tick = 1;; ++tick) {
    Clock::time_point next = schedule.start + std::chrono::seconds(tick);
    if (!cpu_begin_taken && schedule.measure_begin <= next) {
      std::this_thread::sleep_until(schedule.measure_begin);
      cpu_begin = ProcessCpuSeconds();
      target_begin = OtherProcessCpuSeconds(opts.target_pid);
      cpu_begin_taken = true;
    }
    bool final_tick = next >= schedule.end;
    if (final_tick) next = schedule.end;
    std::this_thread::sleep_until(next);
    if (final_tick) {
      cpu_end = ProcessCpuSeconds();
      target_end = OtherProcessCpuSeconds(opts.target_pid);
    }
    Stats interval;
    for (auto& s : sinks) interval.Merge(s->TakeInterval());
    whole.Merge(interval);
    if (opts.per_second) {
      double span = std::chrono::duration<double>(next - last).count();
      bool warm = next <= schedule.measure_begin;
      std::fprintf(
          stderr, "%s\n",
          FormatProgress(interval, std::chrono::duration<double>(next - schedule.start).count(),
                         span, warm)
              .c_str());
    }
    last = next;
    if (final_tick) break;
  }
  runner.join();

  Stats total;
  for (auto& s : sinks) total.Merge(s->Measured());
  RunInfo info;
  info.target = target;
  info.seconds = opts.duration_s;
  info.loadgen_cpu_seconds = cpu_end - cpu_begin;
  if (target_begin >= 0 && target_end >= 0) info.target_cpu_seconds = target_end - target_begin;
  std::fputs(FormatSummary(total, info).c_str(), stdout);
  std::printf(
      "  whole run  %llu items accepted incl. warm-up (calls still open at the end are "
      "cancelled and not counted)\n",
      static_cast<unsigned long long>(whole.items_ok - whole.items_rejected));
  std::puts(FormatJson(total, info).c_str());
  std::fflush(stdout);
  return total.errors() == 0 && total.requests_ok > 0 ? 0 : 1;
}

}  // namespace
}  // namespace otter::loadgen

int main(int argc, char** argv) {
  using namespace otter::loadgen;
  // Request bodies are allocated and freed on different threads at a high rate; without these,
  // glibc keeps trimming and regrowing its heaps (madvise/brk), which cost ~20% of the CPU.
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  Options opts;
  CLI::App app{"otter-loadgen: OTLP load generator (gRPC or HTTP/protobuf)", "otter-loadgen"};
  std::string protocol = "grpc", signal = "traces", generator = "loadgen";
  bool dry_run = false, quiet = false, verify = false;
  auto* endpoint = app.add_option("--endpoint", opts.endpoint,
                                  "host:port (default 127.0.0.1:4317 for grpc, :4318 for http)");
  app.add_option("--protocol", protocol, "grpc | http (OTLP/HTTP protobuf)")
      ->check(CLI::IsMember({"grpc", "http"}))
      ->capture_default_str();
  app.add_option("--signal", signal, "traces | logs | metrics")
      ->check(CLI::IsMember({"traces", "logs", "metrics"}))
      ->capture_default_str();
  app.add_option("--connections", opts.connections, "connections (gRPC channels / HTTP sockets)")
      ->capture_default_str();
  app.add_option("--items", opts.items, "spans / log records / data points per request")
      ->capture_default_str();
  app.add_option("--duration", opts.duration_s, "measured seconds")->capture_default_str();
  app.add_option("--warmup", opts.warmup_s, "seconds of load before the measured window")
      ->capture_default_str();
  app.add_option("--rate", opts.rate, "cap on requests/s over all connections (0 = unlimited)")
      ->capture_default_str();
  app.add_option("--seed", opts.seed, "seed of ids and attribute values")->capture_default_str();
  app.add_flag("--gzip", opts.gzip, "gzip request bodies");
  app.add_option("--gzip-level", opts.gzip_level, "zlib level for --gzip over HTTP (1-9)")
      ->capture_default_str();
  app.add_option("--inflight", opts.inflight, "outstanding requests per gRPC connection")
      ->capture_default_str();
  app.add_option("--threads", opts.threads, "event-loop threads of the loadgen")
      ->capture_default_str();
  app.add_option("--timeout", opts.timeout_s, "per-request deadline, seconds")
      ->capture_default_str();
  app.add_option("--error-backoff-ms", opts.error_backoff_ms,
                 "pause of a connection after a failed request")
      ->capture_default_str();
  app.add_option("--spans-per-trace", opts.spans_per_trace, "spans sharing one trace id")
      ->capture_default_str();
  app.add_option("--pool", opts.pool,
                 "requests pre-encoded before the run and sent with fresh ids, timestamps and "
                 "request ids patched in (0 = build and encode every request)")
      ->capture_default_str();
  app.add_option("--generator", generator,
                 "loadgen (the distribution in README.md) | synthetic (otlp::MakeSynthetic*, the "
                 "codec benchmarks' payloads)")
      ->check(CLI::IsMember({"loadgen", "synthetic"}))
      ->capture_default_str();
  app.add_option("--http-path", opts.http_path, "URL path for http (default /v1/<signal>)");
  app.add_option("--target-pid", opts.target_pid,
                 "pid of the collector under test: report its CPU use in the measured window")
      ->capture_default_str();
  app.add_flag("--dry-run", dry_run,
               "build and encode requests as fast as possible without sending (loadgen capacity)");
  app.add_flag("--verify", verify,
               "decode 200 requests per connection (up to 4) with otter's decoder, check ids, "
               "parents, timestamps; send nothing");
  app.add_flag("--quiet", quiet, "no per-second progress lines on stderr");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  opts.protocol = dry_run              ? Protocol::kNone
                  : protocol == "http" ? Protocol::kHttp
                                       : Protocol::kGrpc;
  opts.signal = signal == "logs"      ? Signal::kLogs
                : signal == "metrics" ? Signal::kMetrics
                                      : Signal::kTraces;
  opts.per_second = !quiet;
  opts.generator = generator == "synthetic" ? Generator::kSynthetic : Generator::kLoadgen;
  if (std::string err = Validate(opts, endpoint->count() > 0); !err.empty()) {
    std::fprintf(stderr, "otter-loadgen: %s\n", err.c_str());
    return 2;
  }
  return Run(std::move(opts), verify);
}
