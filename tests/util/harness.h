// Test harness for end-to-end tests: runs the real `otter` binary as a child process with a
// config written to a temp dir, picks free loopback ports, and talks HTTP/1.1 to it.
// Used from one test thread.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace otter::testing {

// A free TCP port on 127.0.0.1 (bound then released; good enough for tests).
int FreePort();

// The names (without ".test", sorted) of the script files in `dir` of the source tree, e.g.
// "src/query/promql/testdata", and the text of one of them.
std::vector<std::string> TestScripts(const std::string& dir);
std::string ReadTestScript(const std::string& dir, const std::string& name);

// A fresh directory under /tmp, removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string Write(const std::string& name, const std::string& contents) const;

 private:
  std::string path_;
};

struct HttpResponse {
  int status = 0;  // 0 = could not connect
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string Header(const std::string& name) const;
};

HttpResponse HttpRequest(const std::string& method, int port, const std::string& target,
                         const std::string& body = "", const std::string& content_type = "",
                         const std::vector<std::pair<std::string, std::string>>& headers = {});

// Value of a sample in Prometheus text (`name{labels}` exact match of the label text), or -1.
double ScrapeValue(const std::string& metrics_text, const std::string& series);

class OtterProcess {
 public:
  // Writes `config_yaml` to dir/name.yaml; stderr goes to dir/name.log.
  OtterProcess(const TempDir& dir, const std::string& name, const std::string& config_yaml);
  ~OtterProcess();
  // Starts and waits until GET health_port/ answers 200 (or the deadline passes).
  bool Start(int health_port, std::chrono::milliseconds deadline = std::chrono::seconds(20));
  // SIGTERM, wait for exit; returns the exit code (or -1 on timeout → SIGKILL).
  int Stop(std::chrono::milliseconds deadline = std::chrono::seconds(30));
  void Kill();
  void Signal(int sig);
  // The log, and how the process ended if Start saw it end.
  std::string Log() const;
  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }

 private:
  std::string config_path_, log_path_;
  pid_t pid_ = -1;
  std::string exit_;  // how the process ended during Start, if it did
};

// Polls `pred` until true or the deadline passes.
template <class Pred>
bool Eventually(Pred pred, std::chrono::milliseconds deadline = std::chrono::seconds(20)) {
  auto end = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    struct timespec ts {
      0, 20 * 1000 * 1000
    };
    nanosleep(&ts, nullptr);
  }
  return pred();
}

}  // namespace otter::testing
