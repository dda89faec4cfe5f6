// kafka_mock_broker: a standalone loopback Kafka cluster for tests that need an external broker
// (the otter binary, kcat). It is librdkafka's mock cluster (kafka/mock_cluster.h) in its own
// process: it prints "bootstrap=<host:port,...>" on stdout once listening and serves until
// SIGTERM/SIGINT. Test tool only; never installed.
//   kafka_mock_broker [--brokers N] [--topic name:partitions]...
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "kafka/mock_cluster.h"

int main(int argc, char** argv) {
  int brokers = 1;
  std::vector<std::pair<std::string, int>> topics;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--brokers" && i + 1 < argc) {
      brokers = std::atoi(argv[++i]);
    } else if (a == "--topic" && i + 1 < argc) {
      std::string t = argv[++i];
      size_t colon = t.rfind(':');
      if (colon == std::string::npos) {
        topics.emplace_back(t, 1);
      } else {
        topics.emplace_back(t.substr(0, colon), std::atoi(t.c_str() + colon + 1));
      }
    } else {
      std::fprintf(stderr, "usage: %s [--brokers N] [--topic name:partitions]...\n", argv[0]);
      return 2;
    }
  }
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  auto cluster = otter::kafka::MockCluster::Start(brokers);
  if (!cluster.ok()) {
    std::fprintf(stderr, "%s\n", std::string(cluster.status().message()).c_str());
    return 1;
  }
  for (const auto& [name, partitions] : topics) {
    if (auto s = (*cluster)->CreateTopic(name, partitions); !s.ok()) {
      std::fprintf(stderr, "%s\n", std::string(s.message()).c_str());
      return 1;
    }
  }
  std::printf("bootstrap=%s\n", (*cluster)->bootstrap().c_str());
  std::fflush(stdout);
  int sig = 0;
  sigwait(&set, &sig);
  return 0;
}
