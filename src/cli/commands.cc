#include "cli/commands.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>
#include <type_traits>

#include "common/version.h"
#include "otlp/json_codec.h"
#include "otlp/proto_codec.h"
#include "query/go_parse.h"

extern char** environ;

namespace otter::cli {
namespace {

using pdata::AnyValue;

uint64_t NowUnixNano() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

// Output tails become attribute values: protobuf strings must be UTF-8, so a tail that starts
// inside a sequence or holds binary bytes is cleaned (U+FFFD for each bad byte).
std::string CleanUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    size_t n = query::Utf8SequenceLength(s, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  return out;
}

Status ParseAttributes(const std::vector<std::string>& specs, pdata::ArenaSet& arenas,
                       pdata::Attributes& out) {
  for (const auto& spec : specs) {
    size_t eq = spec.find('=');
    if (eq == std::string::npos || eq == 0)
      return InvalidArgument("--attr: want key=value, got \"" + spec + "\"");
    pdata::UpsertAttribute(out, arenas.Copy(spec.substr(0, eq)),
                           AnyValue::String(arenas.Copy(spec.substr(eq + 1))));
  }
  return Status::Ok();
}

template <class R>
void FillResource(R& rs, const ExportSettings& settings, pdata::ArenaSet& arenas) {
  for (const auto& [k, v] : settings.resource)
    rs.resource.attributes.push_back({arenas.Copy(k), AnyValue::String(arenas.Copy(v))});
}

template <class B>
std::string Encode(const B& batch, OtlpProtocol protocol) {
  std::string body;
  if (protocol == OtlpProtocol::kJson) {
    if constexpr (std::is_same_v<B, pdata::TraceBatch>)
      otlp::EncodeTracesJson(batch, &body);
    else
      otlp::EncodeLogsJson(batch, &body);
  } else {
    if constexpr (std::is_same_v<B, pdata::TraceBatch>)
      otlp::EncodeTraces(batch, &body);
    else
      otlp::EncodeLogs(batch, &body);
  }
  return body;
}

std::optional<pdata::SpanKind> ParseKind(std::string_view k) {
  if (k == "internal") return pdata::SpanKind::kInternal;
  if (k == "server") return pdata::SpanKind::kServer;
  if (k == "client") return pdata::SpanKind::kClient;
  if (k == "producer") return pdata::SpanKind::kProducer;
  if (k == "consumer") return pdata::SpanKind::kConsumer;
  return std::nullopt;
}

// ---- running the command
// -------------------------------------------------------------------------

volatile sig_atomic_t g_child = 0;

extern "C" void ForwardSignal(int sig) {
  if (g_child > 0) kill(static_cast<pid_t>(g_child), sig);
}
// SIGINT/SIGQUIT from a terminal reach the whole foreground process group, the command
// included: we only survive them (to export the span), as system() does.
extern "C" void SurviveSignal(int) {}

void AppendTail(std::string& tail, const char* data, size_t n, size_t limit) {
  tail.append(data, n);
  if (tail.size() > 2 * limit + 4096) tail.erase(0, tail.size() - limit);
}

std::string FinishTail(const std::string& tail, size_t limit) {
  std::string_view t = tail;
  if (t.size() > limit) {
    t.remove_prefix(t.size() - limit);
    while (!t.empty() && (static_cast<unsigned char>(t.front()) & 0xC0) == 0x80) t.remove_prefix(1);
  }
  return CleanUtf8(t);
}

void WriteAll(int fd, const char* data, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, data, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return;  // our own stdout is gone: keep running the command regardless
    data += w;
    n -= static_cast<size_t>(w);
  }
}

CommandOutcome RunCommand(const std::vector<std::string>& command, const std::string& traceparent,
                          const SpanOptions& o) {
  CommandOutcome out;
  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e)
    if (std::strncmp(*e, "TRACEPARENT=", 12) != 0) env_strings.emplace_back(*e);
  env_strings.push_back("TRACEPARENT=" + traceparent);
  std::vector<char*> envp, argv;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = command;
  for (auto& s : args) argv.push_back(s.data());
  argv.push_back(nullptr);

  int pipes[2][2] = {{-1, -1}, {-1, -1}};
  int exec_err[2];
  if (pipe2(exec_err, O_CLOEXEC) != 0 ||
      (o.capture && (pipe2(pipes[0], O_CLOEXEC) != 0 || pipe2(pipes[1], O_CLOEXEC) != 0))) {
    out.error = std::string("cannot create a pipe: ") + std::strerror(errno);
    out.exit_code = 126;
    return out;
  }
  struct sigaction fwd = {}, survive = {}, old[4];
  fwd.sa_handler = ForwardSignal;
  survive.sa_handler = SurviveSignal;
  sigaction(SIGTERM, &fwd, &old[0]);
  sigaction(SIGHUP, &fwd, &old[1]);
  sigaction(SIGINT, &survive, &old[2]);
  sigaction(SIGQUIT, &survive, &old[3]);

  out.start_unix_nano = NowUnixNano();
  const auto start = std::chrono::steady_clock::now();
  pid_t pid = fork();
  if (pid == 0) {
    if (o.capture) {
      dup2(pipes[0][1], STDOUT_FILENO);
      dup2(pipes[1][1], STDERR_FILENO);
    }
    execvpe(argv[0], argv.data(), envp.data());
    int e = errno;
    (void)!write(exec_err[1], &e, sizeof e);
    _exit(e == ENOENT ? 127 : 126);
  }
  close(exec_err[1]);
  if (o.capture) {
    close(pipes[0][1]);
    close(pipes[1][1]);
  }
  if (pid < 0) {
    out.error = std::string("cannot fork: ") + std::strerror(errno);
    out.exit_code = 126;
  } else {
    g_child = pid;
    out.pid = pid;
    int e = 0;
    ssize_t n;
    while ((n = read(exec_err[0], &e, sizeof e)) < 0 && errno == EINTR) {
    }
    if (n == static_cast<ssize_t>(sizeof e))
      out.error = "cannot run " + command[0] + ": " + std::strerror(e);
    std::string tails[2];
    pollfd fds[2] = {{pipes[0][0], POLLIN, 0}, {pipes[1][0], POLLIN, 0}};
    int open_fds = o.capture ? 2 : 0;
    char buf[16384];
    while (open_fds > 0) {
      if (poll(fds, 2, -1) < 0) {
        if (errno == EINTR) continue;
        break;
      }
      for (int i = 0; i < 2; ++i) {
        if (fds[i].fd < 0 || !fds[i].revents) continue;
        ssize_t r = read(fds[i].fd, buf, sizeof buf);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) {
          close(fds[i].fd);
          fds[i].fd = -1;
          --open_fds;
          continue;
        }
        WriteAll(i == 0 ? STDOUT_FILENO : STDERR_FILENO, buf, static_cast<size_t>(r));
        AppendTail(tails[i], buf, static_cast<size_t>(r), o.tail_bytes);
      }
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    g_child = 0;
    if (WIFEXITED(status)) {
      out.exit_code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
      out.signal = WTERMSIG(status);
      out.exit_code = 128 + out.signal;
    }
    out.stdout_tail = FinishTail(tails[0], o.tail_bytes);
    out.stderr_tail = FinishTail(tails[1], o.tail_bytes);
  }
  close(exec_err[0]);
  sigaction(SIGTERM, &old[0], nullptr);
  sigaction(SIGHUP, &old[1], nullptr);
  sigaction(SIGINT, &old[2], nullptr);
  sigaction(SIGQUIT, &old[3], nullptr);
  out.end_unix_nano = out.start_unix_nano +
                      static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                                std::chrono::steady_clock::now() - start)
                                                .count());
  return out;
}

// Reads the export settings; on an error says why nothing is exported and returns nullopt.
std::optional<ExportSettings> SettingsOrWarn(const EnvLookup& env, std::string_view signal,
                                             const char* what, FILE* err, bool* disabled) {
  auto settings = ExportSettingsFromEnv(env, signal);
  *disabled = settings.ok() && settings->disabled;
  if (!settings.ok()) {
    std::fprintf(err, "otter %s: %s; nothing is exported\n", what,
                 std::string(settings.status().message()).c_str());
    return std::nullopt;
  }
  if (settings->disabled) return std::nullopt;
  return std::move(*settings);
}

}  // namespace

pdata::TraceBatch BuildSpanBatch(const SpanOptions& options,
                                 const std::vector<std::string>& command,
                                 const ExportSettings& settings, const TraceParent& self,
                                 const pdata::SpanId& parent, const CommandOutcome& outcome) {
  pdata::TraceBatch batch;
  auto& arenas = batch.arenas();
  auto& rs = batch.resources().emplace_back();
  FillResource(rs, settings, arenas);
  auto& ss = rs.scope_spans.emplace_back();
  ss.scope.name = "otter-cli";
  ss.scope.version = kVersion;
  auto& span = ss.spans.emplace_back();
  span.trace_id = self.trace_id;
  span.span_id = self.span_id;
  span.parent_span_id = parent;
  // Low byte: W3C trace flags; bit 8: "is the parent remote" is known, bit 9: it is (the
  // parent came from TRACEPARENT, i.e. another process).
  span.flags = self.flags | 0x100u | (parent.empty() ? 0u : 0x200u);
  std::string name = options.name;
  if (name.empty() && !command.empty()) {
    name = command[0];
    if (size_t slash = name.rfind('/'); slash != std::string::npos) name.erase(0, slash + 1);
  }
  span.name = arenas.Copy(name);
  span.kind = ParseKind(options.kind).value_or(pdata::SpanKind::kInternal);
  span.start_time_unix_nano = outcome.start_unix_nano;
  span.end_time_unix_nano = outcome.end_unix_nano;
  auto& a = span.attributes;
  if (!command.empty())
    a.push_back({"process.executable.name", AnyValue::String(arenas.Copy(command[0]))});
  AnyValue args;
  args.type = AnyValue::Type::kArray;
  for (const auto& c : command)
    args.array_value.push_back(AnyValue::String(arenas.Copy(CleanUtf8(c))));
  a.push_back({"process.command_args", std::move(args)});
  if (outcome.pid) a.push_back({"process.pid", AnyValue::Int(outcome.pid)});
  a.push_back({"process.exit.code", AnyValue::Int(outcome.exit_code)});
  (void)ParseAttributes(options.attributes, arenas, a);  // validated by RunSpan
  if (!outcome.stdout_tail.empty() || !outcome.stderr_tail.empty()) {
    auto& e = span.events.emplace_back();
    e.name = "process.output";
    e.time_unix_nano = outcome.end_unix_nano;
    if (!outcome.stdout_tail.empty())
      e.attributes.push_back(
          {"process.stdout.tail", AnyValue::String(arenas.Copy(outcome.stdout_tail))});
    if (!outcome.stderr_tail.empty())
      e.attributes.push_back(
          {"process.stderr.tail", AnyValue::String(arenas.Copy(outcome.stderr_tail))});
  }
  if (!outcome.error.empty()) {
    span.status = {arenas.Copy(outcome.error), pdata::StatusCode::kError};
  } else if (outcome.signal) {
    span.status = {arenas.Copy("killed by signal " + std::to_string(outcome.signal) + " (" +
                               strsignal(outcome.signal) + ")"),
                   pdata::StatusCode::kError};
  } else if (outcome.exit_code != 0) {
    span.status = {arenas.Copy("exit status " + std::to_string(outcome.exit_code)),
                   pdata::StatusCode::kError};
  } else {
    span.status.code = pdata::StatusCode::kOk;
  }
  return batch;
}

int RunSpan(const SpanOptions& options, const std::vector<std::string>& command,
            const EnvLookup& env, FILE* err) {
  if (command.empty()) {
    std::fprintf(err,
                 "otter span: no command given (usage: otter span [--name N] -- cmd args...)\n");
    return 2;
  }
  if (!ParseKind(options.kind)) {
    std::fprintf(
        err,
        "otter span: --kind: want internal, server, client, producer or consumer, got \"%s\"\n",
        options.kind.c_str());
    return 2;
  }
  {
    pdata::ArenaSet arenas;
    pdata::Attributes check;
    if (Status s = ParseAttributes(options.attributes, arenas, check); !s.ok()) {
      std::fprintf(err, "otter span: %s\n", std::string(s.message()).c_str());
      return 2;
    }
  }
  // A malformed TRACEPARENT starts a new trace, as a W3C receiver does.
  TraceParent self;
  pdata::SpanId parent;
  if (auto in = env("TRACEPARENT"); in) {
    if (auto p = ParseTraceParent(*in)) {
      self = *p;
      parent = p->span_id;
    } else {
      std::fprintf(err, "otter span: ignoring malformed TRACEPARENT \"%s\"\n", in->c_str());
    }
  }
  if (self.trace_id.empty()) {
    self.trace_id = NewTraceId();
    self.flags = 1;
  }
  self.span_id = NewSpanId();
  bool disabled = false;
  auto settings = SettingsOrWarn(env, "traces", "span", err, &disabled);
  CommandOutcome outcome =
      RunCommand(command, FormatTraceParent(self.trace_id, self.span_id, self.flags), options);
  if (!outcome.error.empty()) std::fprintf(err, "otter span: %s\n", outcome.error.c_str());
  if (settings && self.sampled()) {
    pdata::TraceBatch batch = BuildSpanBatch(options, command, *settings, self, parent, outcome);
    if (Status s = PostOtlp(*settings, Encode(batch, settings->protocol)); !s.ok())
      std::fprintf(err, "otter span: the span was not exported: %s\n",
                   std::string(s.message()).c_str());
  }
  return outcome.exit_code;
}

int RunLog(const LogOptions& options, const EnvLookup& env, FILE* err) {
  static constexpr std::pair<const char*, int> kSeverities[] = {
      {"trace", 1},    {"debug", 5},  {"info", 9},  {"warn", 13},
      {"warning", 13}, {"error", 17}, {"fatal", 21}};
  int number = 0;
  std::string text;
  for (const auto& [name, n] : kSeverities) {
    if (options.severity == name) {
      number = n;
      text = name;
    }
  }
  if (number == 0) {
    char* end = nullptr;
    long v = std::strtol(options.severity.c_str(), &end, 10);
    if (!options.severity.empty() && *end == '\0' && v >= 1 && v <= 24)
      number = static_cast<int>(v);
  }
  if (number == 0) {
    std::fprintf(
        err,
        "otter log: --severity: want trace, debug, info, warn, error, fatal or 1..24, got \"%s\"\n",
        options.severity.c_str());
    return 2;
  }
  if (text == "warning") text = "warn";
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  pdata::LogBatch batch;
  auto& arenas = batch.arenas();
  auto& rl = batch.resources().emplace_back();
  auto& sl = rl.scope_logs.emplace_back();
  sl.scope.name = "otter-cli";
  sl.scope.version = kVersion;
  auto& r = sl.log_records.emplace_back();
  if (Status s = ParseAttributes(options.attributes, arenas, r.attributes); !s.ok()) {
    std::fprintf(err, "otter log: %s\n", std::string(s.message()).c_str());
    return 2;
  }
  bool disabled = false;
  auto settings = SettingsOrWarn(env, "logs", "log", err, &disabled);
  if (!settings) return disabled ? 0 : 1;
  FillResource(rl, *settings, arenas);
  r.time_unix_nano = r.observed_time_unix_nano = NowUnixNano();
  r.severity_number = number;
  r.severity_text = arenas.Copy(text);
  r.body = AnyValue::String(arenas.Copy(CleanUtf8(options.message)));
  if (auto in = env("TRACEPARENT"); in) {
    if (auto p = ParseTraceParent(*in)) {
      r.trace_id = p->trace_id;
      r.span_id = p->span_id;
      r.flags = p->flags;
    }
  }
  if (Status s = PostOtlp(*settings, Encode(batch, settings->protocol)); !s.ok()) {
    std::fprintf(err, "otter log: not exported: %s\n", std::string(s.message()).c_str());
    return 1;
  }
  return 0;
}

}  // namespace otter::cli
