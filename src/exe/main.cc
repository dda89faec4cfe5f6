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

#include "cli/commands.h"
#include "common/version.h"
#include "component/registry.h"
#include "config/loader.h"
#include "pipeline/admin_server.h"
#include "pipeline/service.h"
#include "pipeline/tap_client.h"
#include "receivers/kafka/replay.h"
#include "telemetry/log_format.h"
#include "telemetry/metrics_server.h"
#include "telemetry/process_metrics.h"

namespace otter {
namespace {

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

// One running instance: the config, the service and the self-metrics endpoint. Members are
// destroyed in reverse: the service before the config it points into.
struct Running {
  std::unique_ptr<Loaded> loaded;
  std::unique_ptr<pipeline::Service> service;
  std::unique_ptr<telemetry::MetricsServer> metrics_server;
};

telemetry::MetricsLevel LevelOf(const Loaded& l) {
  return telemetry::ParseMetricsLevel(l.service.telemetry.metrics_level)
      .value_or(telemetry::MetricsLevel::kNormal);
}

// True if `prev` runs a self-metrics endpoint `r`'s config would open the same way.
bool SameMetricsEndpoint(const Running& r, const Running* prev) {
  const auto& t = r.loaded->service.telemetry;
  return prev && prev->metrics_server && t.metrics_level != "none" &&
         t.metrics_address == prev->loaded->service.telemetry.metrics_address;
}

// Starts `r`; with `prev` (a reload) alongside it, adopting its unchanged components and its
// self-metrics endpoint (handed over in HandOver). On failure what `r` started is stopped again
// and `prev` is untouched.
Status StartRunning(Running& r, const Running* prev, std::shared_ptr<spdlog::logger> log,
                    telemetry::SelfMetrics& metrics, StatusHub& hub, pipeline::TapHub* tap) {
  const auto& t = r.loaded->service.telemetry;
  // Before Build: components decide from the level which instruments to create.
  metrics.SetLevel(LevelOf(*r.loaded));
  if (!SameMetricsEndpoint(r, prev) && t.metrics_level != "none" && !t.metrics_address.empty()) {
    r.metrics_server = std::make_unique<telemetry::MetricsServer>(metrics, t.metrics_address, log);
    RETURN_IF_ERROR(r.metrics_server->Start().Annotate("service.telemetry.metrics.address"));
  }
  r.service = std::make_unique<pipeline::Service>(r.loaded->service, log, &metrics, &hub);
  r.service->SetTap(tap);
  RETURN_IF_ERROR(r.service->Build(prev ? prev->service.get() : nullptr));
  return r.service->Start();
}

void StopRunning(Running& r) {
  if (r.service) r.service->Shutdown();
  r.service.reset();
  if (r.metrics_server) r.metrics_server->Stop();
  r.metrics_server.reset();
}

void ApplyLogSettings(const Loaded& l, spdlog::logger& log) {
  ApplyLogLevel(log, l.service.telemetry.logs_level);
  telemetry::ApplyLogEncoding(log, l.service.telemetry.logs_encoding);
}

// `next` has started (or its shared receivers are paused, see Reload): it takes over from
// `cur`, which stops whatever `next` did not adopt. Afterwards `cur` holds `next`.
void HandOver(Running& cur, Running& next, spdlog::logger& log) {
  next.service->Activate();
  if (cur.service) cur.service->Shutdown(next.service.get());  // already done by a hand-over
  cur.service.reset();
  if (!next.metrics_server && SameMetricsEndpoint(next, &cur)) {
    next.metrics_server = std::move(cur.metrics_server);
  } else if (cur.metrics_server) {
    cur.metrics_server->Stop();
    cur.metrics_server.reset();
  }
  ApplyLogSettings(*next.loaded, log);
  cur = std::move(next);
}

// SIGHUP with a config that loaded and validated. The new graph is started while the old one
// keeps serving; unchanged receivers, exporters (the store) and extensions are carried over, so
// their sockets and locks never close. Only if that fails and the new config replaces a running
// component with a changed one (which may need the port or lock its predecessor holds) is the
// old graph stopped first — shared receivers answer "retry" meanwhile — and, if the new one
// still cannot start, the old config is started again from memory. Never exits. docs/reload.md.
void Reload(Running& cur, std::unique_ptr<Loaded> loaded, std::shared_ptr<spdlog::logger> log,
            telemetry::SelfMetrics& metrics, StatusHub& hub, pipeline::TapHub* tap) {
  Running next;
  next.loaded = std::move(loaded);
  Status s = StartRunning(next, &cur, log, metrics, hub, tap);
  if (s.ok()) {
    HandOver(cur, next, *log);
    log->info("config reloaded");
    return;
  }
  const bool replaces = next.service && next.service->ReplacesComponentsOf(*cur.service);
  next.service.reset();  // stops nothing it did not start; the adopted ones keep running
  if (!replaces) {
    StopRunning(next);
    metrics.SetLevel(LevelOf(*cur.loaded));
    log->error("reloaded config cannot start: {}; keeping the running config", s.message());
    return;
  }
  log->warn(
      "reloaded config cannot start alongside the running one ({}); stopping the running "
      "components it changes first",
      s.message());
  next.service = std::make_unique<pipeline::Service>(next.loaded->service, log, &metrics, &hub);
  next.service->SetTap(tap);
  if (Status b = next.service->Build(cur.service.get()); !b.ok()) {
    StopRunning(next);
    metrics.SetLevel(LevelOf(*cur.loaded));
    log->error("reloaded config cannot start: {}; keeping the running config", b.message());
    return;
  }
  next.service->PauseSharedReceivers();
  cur.service->Shutdown(next.service.get());
  cur.service.reset();
  if (Status s2 = next.service->Start(); s2.ok()) {
    HandOver(cur, next, *log);
    log->info("config reloaded (changed components were restarted)");
    return;
  } else {
    log->error("reloaded config cannot start: {}; restoring the previous config", s2.message());
  }
  // Restore the previous config from memory (the files may have changed since), adopting what
  // `next` still runs.
  Running old;
  old.loaded = std::move(cur.loaded);
  old.metrics_server = std::move(cur.metrics_server);
  metrics.SetLevel(LevelOf(*old.loaded));
  old.service = std::make_unique<pipeline::Service>(old.loaded->service, log, &metrics, &hub);
  old.service->SetTap(tap);
  Status r = old.service->Build(next.service.get());
  if (r.ok()) r = old.service->Start();
  if (r.ok()) {
    cur = std::move(next);  // what HandOver expects: cur is the one handing over
    HandOver(cur, old, *log);
    log->info("previous config restored");
    return;
  }
  old.service.reset();
  log->error(
      "cannot restore the previous config either: {}; otter keeps running the components that "
      "still run and refuses the rest retryably; fix the config and send SIGHUP again",
      r.message());
  cur = std::move(next);
  if (!cur.metrics_server)
    cur.metrics_server = std::move(old.metrics_server);
  else if (old.metrics_server)
    old.metrics_server->Stop();
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
  // Past a file-size limit (RLIMIT_FSIZE) a write fails with EFBIG, which the store handles like
  // a full disk, instead of the signal killing the process.
  signal(SIGXFSZ, SIG_IGN);
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
  ApplyLogSettings(*cur.loaded, *log);
  // The admin listener (otter tap) lives as long as the process; its endpoint is read once.
  pipeline::TapHub tap_hub;
  pipeline::TapHub* tap = nullptr;
  const std::string admin_endpoint = cur.loaded->service.admin.endpoint;
  std::unique_ptr<pipeline::AdminServer> admin;
  if (!admin_endpoint.empty()) {
    admin = std::make_unique<pipeline::AdminServer>(tap_hub, admin_endpoint, log);
    if (Status s = admin->Start(); !s.ok()) {
      log->error("cannot start: {}", s.message());
      return 1;
    }
    tap = &tap_hub;
  }
  if (Status s = StartRunning(cur, nullptr, log, metrics, hub, tap); !s.ok()) {
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
    if (next->service.admin.endpoint != admin_endpoint)
      log->warn("service.admin.endpoint changed; the admin listener keeps {} until a restart",
                admin_endpoint.empty() ? std::string("off") : admin_endpoint);
    Reload(cur, std::move(next), log, metrics, hub, tap);
  }
  StopRunning(cur);
  if (admin) admin->Stop();
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

// otter kafka replay: runs the config with its kafka receivers replaced by replay receivers
// for `topic`, draws a progress bar on stderr, and stops when the range was processed.
int KafkaReplay(const config::LoadOptions& opts, const std::string& topic,
                const std::string& from_text) {
  auto from = kafka_receiver::ParseReplayFrom(from_text);
  if (!from.ok()) {
    std::fprintf(stderr, "%s\n", std::string(from.status().message()).c_str());
    return 2;
  }
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);
  auto log = MakeLogger();
  auto job = std::make_shared<kafka_receiver::ReplayJob>(topic, *from);
  Registry registry;
  kafka_receiver::RegisterKafkaReplayReceiver(registry, job);  // found before the built-in
  RegisterBuiltins(registry);
  Running cur;
  cur.loaded = LoadConfig(opts, registry, *log, true, /*initial=*/true);
  if (!cur.loaded) return 1;
  ApplyLogSettings(*cur.loaded, *log);
  telemetry::SelfMetrics metrics;
  StatusHub hub;
  cur.service = std::make_unique<pipeline::Service>(cur.loaded->service, log, &metrics, &hub);
  Status s = cur.service->Build();
  if (s.ok()) s = cur.service->Start();
  if (s.ok() && job->consumers() == 0)
    s = NotFound("no kafka receiver of the config reads topic " + topic + " in a pipeline");
  if (!s.ok()) {
    std::fprintf(stderr, "cannot replay: %s\n", std::string(s.message()).c_str());
    StopRunning(cur);
    return 1;
  }
  const bool tty = isatty(STDERR_FILENO);
  bool interrupted = false;
  while (!job->finished()) {
    if (tty)
      std::fprintf(stderr, "\r%s", kafka_receiver::ProgressBar(job->done(), job->total()).c_str());
    timespec wait{0, 200 * 1000 * 1000};
    if (sigtimedwait(&set, nullptr, &wait) > 0) {
      interrupted = true;
      break;
    }
  }
  const uint64_t done = job->done(), total = job->total(), filtered = job->filtered();
  std::fprintf(stderr, "%s%s\n", tty ? "\r" : "", kafka_receiver::ProgressBar(done, total).c_str());
  StopRunning(cur);  // drains the exporters
  std::printf("replayed %llu of %llu messages from topic %s (%llu older than --from skipped)%s\n",
              static_cast<unsigned long long>(done - filtered),
              static_cast<unsigned long long>(total), topic.c_str(),
              static_cast<unsigned long long>(filtered), interrupted ? "; interrupted" : "");
  return interrupted ? 130 : 0;
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
  for (ComponentKind kind :
       {ComponentKind::kReceiver, ComponentKind::kProcessor, ComponentKind::kExporter,
        ComponentKind::kExtension, ComponentKind::kConnector}) {
    std::printf("%ss:\n", std::string(ComponentKindName(kind)).c_str());
    for (const Factory* f : registry.All(kind)) {
      std::string signals;
      for (Signal s : f->signals)
        if (f->connects.empty())
          signals += (signals.empty() ? "" : ",") + std::string(SignalName(s));
      for (const auto& [from, to] : f->connects)
        signals += (signals.empty() ? "" : ",") + std::string(SignalName(from)) + ">" +
                   std::string(SignalName(to));
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
  otter::pipeline::TapCommandOptions tap_opts;
  auto* tap = app.add_subcommand(
      "tap",
      "stream a running otter's pipeline data as it is before and after each processor, one "
      "JSON line per captured batch (needs service.admin.endpoint)");
  tap->add_option("--admin", tap_opts.admin,
                  "host:port of the running otter's service.admin.endpoint")
      ->capture_default_str();
  tap->add_option("--pipeline", tap_opts.pipeline,
                  "pipeline id (traces, metrics/name, ...); without it, list the pipelines");
  tap->add_option("--stage", tap_opts.stage,
                  "only this stage: 0 = as received, k = after the k-th processor");
  tap->add_option("--count", tap_opts.count, "stop after this many batches (0 = until Ctrl-C)");
  auto* kafka = app.add_subcommand("kafka", "Kafka tools");
  std::string replay_topic, replay_from;
  auto* replay = kafka->add_subcommand(
      "replay",
      "re-process a topic range through the config's pipelines: its kafka receivers read --topic "
      "from --from to the current end, then otter stops");
  add_config_flags(replay);
  replay->add_option("--topic", replay_topic, "topic to replay")->required();
  replay->add_option("--from", replay_from, "start: an offset, or an RFC 3339 time")->required();
  kafka->require_subcommand(1);
  otter::cli::SpanOptions span_opts;
  std::vector<std::string> span_command;
  auto* span = app.add_subcommand(
      "span",
      "run a command as a span: parent from $TRACEPARENT, the span's own context passed to the "
      "command in $TRACEPARENT, exit status -> span status; exports over OTLP/HTTP per the "
      "OTEL_EXPORTER_OTLP_* variables and exits with the command's status");
  span->add_option("--name", span_opts.name, "span name (default: the command's file name)");
  span->add_option("--kind", span_opts.kind, "internal, server, client, producer or consumer")
      ->capture_default_str();
  span->add_option("--attr", span_opts.attributes, "span attribute key=value; repeatable")
      ->allow_extra_args(false);
  span->add_option("--tail", span_opts.tail_bytes,
                   "bytes of stdout and of stderr kept for the span's process.output event")
      ->capture_default_str();
  span->add_flag("!--no-capture", span_opts.capture,
                 "let the command write to the terminal directly (no output event)");
  span->add_option("command", span_command, "the command and its arguments, after --");
  otter::cli::LogOptions log_opts;
  std::vector<std::string> log_words;
  auto* log = app.add_subcommand(
      "log",
      "send one log record (with $TRACEPARENT's trace context) over OTLP/HTTP per the "
      "OTEL_EXPORTER_OTLP_* variables");
  log->add_option("--severity", log_opts.severity,
                  "trace, debug, info, warn, error, fatal or 1..24")
      ->capture_default_str();
  log->add_option("--attr", log_opts.attributes, "log attribute key=value; repeatable")
      ->allow_extra_args(false);
  log->add_option("message", log_words, "the message (words are joined with spaces)")->required();
  app.require_subcommand(0, 1);
  CLI11_PARSE(app, argc, argv);
  if (*span) return otter::cli::RunSpan(span_opts, span_command, otter::cli::ProcessEnv(), stderr);
  if (*log) {
    for (const auto& w : log_words) log_opts.message += (log_opts.message.empty() ? "" : " ") + w;
    return otter::cli::RunLog(log_opts, otter::cli::ProcessEnv(), stderr);
  }
  if (*validate) {
    if (opts.uris.empty()) {
      std::fprintf(stderr, "validate needs --config\n");
      return 2;
    }
    return otter::Validate(opts);
  }
  if (*components) return otter::Components(verbose);
  if (*replay) {
    if (opts.uris.empty()) {
      std::fprintf(stderr, "kafka replay needs --config\n");
      return 2;
    }
    return otter::KafkaReplay(opts, replay_topic, replay_from);
  }
  if (*tap) return otter::pipeline::RunTapCommand(tap_opts, stdout, stderr, [] { return false; });
  return otter::Run(opts);
}
