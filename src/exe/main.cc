// otter's command line: run the collector, validate a config, or list components.
#include <absl/synchronization/mutex.h>
#include <malloc.h>
#include <signal.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "component/registry.h"
#include "config/loader.h"
#include "pipeline/service.h"
#include "telemetry/log_format.h"
#include "telemetry/metrics_server.h"
#include "telemetry/process_metrics.h"

namespace otter {
namespace {

constexpr const char* kVersion = "0.1.0";

struct Loaded {
  config::Node root;
  pipeline::ServiceConfig service;
};

// Loads and validates; prints every error (file:line) and returns nullptr on failure. With
// `initial`, the config's log encoding applies before its own warnings are printed.
std::unique_ptr<Loaded> LoadConfig(const config::LoadOptions& opts, const Registry& registry,
                                   spdlog::logger& log, bool print_to_stderr, bool initial) {
  auto loaded = std::make_unique<Loaded>();
  std::vector<std::string> warnings;
  if (opts.uris.empty() && opts.sets.empty()) {
    auto root = config::ParseYaml(pipeline::DefaultConfigYaml(), "<built-in default config>");
    if (!root.ok()) {
      log.error("{}", root.status().message());
      return nullptr;
    }
    loaded->root = std::move(*root);
  } else {
    config::LoadOptions o = opts;
    if (o.uris.empty()) o.uris.push_back("yaml:service::pipelines: {}");  // --set only
    auto root = config::Load(o, &warnings);
    if (!root.ok()) {
      for (const auto& w : warnings) log.warn("{}", w);
      if (print_to_stderr)
        std::fprintf(stderr, "%s\n", std::string(root.status().message()).c_str());
      else
        log.error("{}", root.status().message());
      return nullptr;
    }
    loaded->root = std::move(*root);
  }
  config::Diagnostics d;
  loaded->service = pipeline::ParseServiceConfig(loaded->root, registry, d);
  if (initial && d.ok()) telemetry::ApplyLogEncoding(log, loaded->service.telemetry.logs_encoding);
  for (const auto& w : warnings) log.warn("{}", w);
  for (const auto& w : d.warnings()) log.warn("{}", w);
  if (!d.ok()) {
    if (print_to_stderr)
      std::fprintf(stderr, "%s", d.ErrorsText().c_str());
    else
      for (const auto& e : d.errors()) log.error("{}", e);
    return nullptr;
  }
  return loaded;
}

std::shared_ptr<spdlog::logger> MakeLogger() {
  auto sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  auto logger = std::make_shared<spdlog::logger>("otter", sink);
  telemetry::ApplyLogEncoding(*logger, "console");
  return logger;
}

void ApplyLogLevel(spdlog::logger& log, const std::string& level) {
  log.set_level(spdlog::level::from_str(level == "warn" ? "warning" : level));
}

// One running instance: the config, the service and the self-metrics endpoint.
struct Running {
  std::unique_ptr<Loaded> loaded;
  std::unique_ptr<pipeline::Service> service;
  std::unique_ptr<telemetry::MetricsServer> metrics_server;
};

Status StartRunning(Running& r, std::shared_ptr<spdlog::logger> log,
                    telemetry::SelfMetrics& metrics, StatusHub& hub) {
  const auto& t = r.loaded->service.telemetry;
  ApplyLogLevel(*log, t.logs_level);
  telemetry::ApplyLogEncoding(*log, t.logs_encoding);
  // Before Build: components decide from the level which instruments to create.
  metrics.SetLevel(
      telemetry::ParseMetricsLevel(t.metrics_level).value_or(telemetry::MetricsLevel::kNormal));
  if (t.metrics_level != "none" && !t.metrics_address.empty()) {
    r.metrics_server = std::make_unique<telemetry::MetricsServer>(metrics, t.metrics_address, log);
    RETURN_IF_ERROR(r.metrics_server->Start().Annotate("service.telemetry.metrics.address"));
  }
  r.service = std::make_unique<pipeline::Service>(r.loaded->service, log, &metrics, &hub);
  RETURN_IF_ERROR(r.service->Build());
  return r.service->Start();
}

void StopRunning(Running& r) {
  if (r.service) r.service->Shutdown();
  r.service.reset();
  if (r.metrics_server) r.metrics_server->Stop();
  r.metrics_server.reset();
}

// One line with every non-zero data counter, so an operator (or a test) can audit after exit that
// received = sent + failed + dropped.
void LogFinalCounts(const telemetry::SelfMetrics& metrics, spdlog::logger& log) {
  std::string text = metrics.RenderPrometheus(), line, out;
  std::istringstream in(text);
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#' || line.rfind("otelcol_process_", 0) == 0) continue;
    if (line.size() >= 2 && line.compare(line.size() - 2, 2, " 0") == 0) continue;
    out += (out.empty() ? "" : ", ") + line;
  }
  log.info("final counts: {}", out.empty() ? "none" : out);
}

int Run(const config::LoadOptions& opts) {
  // Block the signals we handle before any thread exists, so only sigwait sees them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);
  // Batches are allocated and freed in bursts; by default glibc gives the heap top back to the OS
  // after each and page-faults it in again, which cost 5-10x in decode benchmarks. Keep it.
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TOP_PAD, 16 << 20);
  // Debian builds Abseil without NDEBUG, which leaves absl::Mutex's deadlock detector on: every
  // lock gRPC takes then updates a global lock-order graph (2-3% of otter's CPU at ingest).
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  // Every store block and connection holds a descriptor: allow as many as the hard limit does
  // (the soft default is often 1024), as Go programs such as otelcol do at start-up.
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }

  auto log = MakeLogger();
  Registry registry;
  RegisterBuiltins(registry);
  telemetry::SelfMetrics metrics;
  telemetry::RegisterProcessMetrics(metrics);
  StatusHub hub;

  Running cur;
  cur.loaded = LoadConfig(opts, registry, *log, false, /*initial=*/true);
  if (!cur.loaded) return 1;
  if (Status s = StartRunning(cur, log, metrics, hub); !s.ok()) {
    log->error("cannot start: {}", s.message());
    StopRunning(cur);
    return 1;
  }
  log->info("otter {} started ({} pipelines)", kVersion, cur.loaded->service.pipelines.size());

  while (true) {
    int sig = 0;
    sigwait(&set, &sig);
    if (sig != SIGHUP) {
      log->info("received {}, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
      break;
    }
    log->info("received SIGHUP, reloading config");
    auto next = LoadConfig(opts, registry, *log, false, /*initial=*/false);
    if (!next) {
      log->error("config reload failed; keeping the running config");
      continue;
    }
    StopRunning(cur);
    Running fresh;
    fresh.loaded = std::move(next);
    if (Status s = StartRunning(fresh, log, metrics, hub); !s.ok()) {
      log->error("reloaded config failed to start ({}); restoring the previous config",
                 s.message());
      StopRunning(fresh);
      Running old;
      old.loaded = LoadConfig(opts, registry, *log, false, /*initial=*/false);
      // The previous config may have been edited since; fall back to what is on disk.
      if (!old.loaded || !StartRunning(old, log, metrics, hub).ok()) {
        log->error("cannot restore a running config; exiting");
        StopRunning(old);
        return 1;
      }
      cur = std::move(old);
      continue;
    }
    cur = std::move(fresh);
    log->info("config reloaded");
  }
  StopRunning(cur);
  LogFinalCounts(metrics, *log);
  log->info("otter stopped");
  return 0;
}

int Validate(const config::LoadOptions& opts) {
  auto log = MakeLogger();
  Registry registry;
  RegisterBuiltins(registry);
  auto loaded = LoadConfig(opts, registry, *log, true, /*initial=*/true);
  if (!loaded) return 1;
  // Creating the components catches errors that only a factory can see (e.g. unreadable files).
  telemetry::SelfMetrics metrics;
  StatusHub hub;
  pipeline::Service service(loaded->service, log, &metrics, &hub);
  if (Status s = service.Build(); !s.ok()) {
    std::fprintf(stderr, "%s\n", std::string(s.message()).c_str());
    return 1;
  }
  std::printf("config is valid (%zu pipelines)\n", loaded->service.pipelines.size());
  return 0;
}

void PrintDocs(const std::vector<config::FieldDoc>& docs, int indent) {
  for (const auto& f : docs) {
    std::printf("%*s%-28s %-10s %-12s %s\n", indent, "", f.key.c_str(), f.type.c_str(),
                f.default_value.c_str(), f.description.c_str());
    PrintDocs(f.children, indent + 2);
  }
}

int Components(bool verbose) {
  Registry registry;
  RegisterBuiltins(registry);
  for (ComponentKind kind : {ComponentKind::kReceiver, ComponentKind::kProcessor,
                             ComponentKind::kExporter, ComponentKind::kExtension}) {
    std::printf("%ss:\n", std::string(ComponentKindName(kind)).c_str());
    for (const Factory* f : registry.All(kind)) {
      std::string signals;
      for (Signal s : f->signals)
        signals += (signals.empty() ? "" : ",") + std::string(SignalName(s));
      std::string aliases;
      for (const auto& a : f->aliases) aliases += " (alias: " + a + ")";
      std::printf("  %-16s %-20s %s%s\n", f->type.c_str(), signals.c_str(), f->description.c_str(),
                  aliases.c_str());
      if (verbose && f->docs) PrintDocs(f->docs(), 6);
    }
  }
  return 0;
}

}  // namespace
}  // namespace otter

int main(int argc, char** argv) {
  CLI::App app{"otter: an OpenTelemetry collector with an embedded store"};
  app.set_version_flag("--version", otter::kVersion);
  otter::config::LoadOptions opts;
  auto add_config_flags = [&](CLI::App* a) {
    a->add_option("--config", opts.uris,
                  "config source (path, file:path, env:VAR, yaml:key::path: value); repeatable, "
                  "merged in order");
    a->add_option("--set", opts.sets, "override a config value: key::path=value; repeatable");
  };
  add_config_flags(&app);
  auto* validate =
      app.add_subcommand("validate", "check a config and print every error with file:line");
  add_config_flags(validate);
  bool verbose = false;
  auto* components = app.add_subcommand("components", "list every built-in component");
  components->add_flag("-v,--verbose", verbose, "also print each component's config keys");
  app.require_subcommand(0, 1);
  CLI11_PARSE(app, argc, argv);
  if (*validate) {
    if (opts.uris.empty()) {
      std::fprintf(stderr, "validate needs --config\n");
      return 2;
    }
    return otter::Validate(opts);
  }
  if (*components) return otter::Components(verbose);
  return otter::Run(opts);
}
