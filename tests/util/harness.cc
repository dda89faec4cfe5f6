#include "util/harness.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace otter::testing {

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  int port = ntohs(addr.sin_port);
  close(fd);
  return port;
}

std::vector<std::string> TestScripts(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e :
       std::filesystem::directory_iterator(std::string(OTTER_SOURCE_DIR) + "/" + dir))
    if (e.path().extension() == ".test") names.push_back(e.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

std::string ReadTestScript(const std::string& dir, const std::string& name) {
  std::ifstream in(std::string(OTTER_SOURCE_DIR) + "/" + dir + "/" + name + ".test");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TempDir::TempDir() {
  char tmpl[] = "/tmp/otter-test-XXXXXX";
  path_ = mkdtemp(tmpl);
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string TempDir::Write(const std::string& name, const std::string& contents) const {
  std::string p = path_ + "/" + name;
  std::ofstream(p, std::ios::binary) << contents;
  return p;
}

double ScrapeValue(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(series + " ", 0) == 0)
      return std::strtod(line.c_str() + series.size() + 1, nullptr);
  }
  return -1;
}

OtterProcess::OtterProcess(const TempDir& dir, const std::string& name, const std::string& yaml) {
  config_path_ = dir.Write(name + ".yaml", yaml);
  log_path_ = dir.path() + "/" + name + ".log";
}

OtterProcess::~OtterProcess() {
  if (pid_ > 0) Kill();
}

bool OtterProcess::Start(int health_port, std::chrono::milliseconds deadline) {
  pid_ = fork();
  if (pid_ == 0) {
    int fd = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    execl(OTTER_BINARY, OTTER_BINARY, "--config", config_path_.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  return Eventually(
             [&] {
               int st;
               if (waitpid(pid_, &st, WNOHANG) == pid_) {
                 pid_ = -1;
                 exit_ = WIFEXITED(st)     ? "exited with " + std::to_string(WEXITSTATUS(st))
                         : WIFSIGNALED(st) ? "killed by signal " + std::to_string(WTERMSIG(st))
                                           : "stopped";
                 return true;  // exited: fail below
               }
               return HttpRequest("GET", health_port, "/").status == 200;
             },
             deadline) &&
         pid_ > 0;
}

int OtterProcess::Stop(std::chrono::milliseconds deadline) {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  int code = -1;
  bool exited = Eventually(
      [&] {
        int st;
        if (waitpid(pid_, &st, WNOHANG) == pid_) {
          code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
          return true;
        }
        return false;
      },
      deadline);
  if (!exited) {
    Kill();
    return -1;
  }
  pid_ = -1;
  return code;
}

void OtterProcess::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  int st;
  waitpid(pid_, &st, 0);
  pid_ = -1;
}

void OtterProcess::Signal(int sig) {
  if (pid_ > 0) kill(pid_, sig);
}

std::string OtterProcess::Log() const {
  std::ifstream in(log_path_);
  std::stringstream ss;
  ss << in.rdbuf();
  if (!exit_.empty()) ss << "[the process " << exit_ << "]\n";
  return ss.str();
}

}  // namespace otter::testing
