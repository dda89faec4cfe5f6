// MockCluster: an in-process Kafka cluster from librdkafka's mock broker (rdkafka_mock.h), bound
// to 127.0.0.1 on free ports. Tests, benchmarks and the standalone kafka_mock_broker tool use it
// as a real broker that speaks the Kafka protocol (produce, fetch, consumer groups, offsets);
// it can take brokers down and inject errors. Not for production use.
// Thread-safety: the methods may be called from any thread (librdkafka serialises them).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common/status.h"

namespace otter::kafka {

class MockCluster {
 public:
  static StatusOr<std::unique_ptr<MockCluster>> Start(int brokers = 1);
  ~MockCluster();
  MockCluster(const MockCluster&) = delete;
  MockCluster& operator=(const MockCluster&) = delete;

  // "127.0.0.1:port,..." for bootstrap.servers / brokers.
  const std::string& bootstrap() const { return bootstrap_; }
  Status CreateTopic(const std::string& topic, int partitions);
  // Takes broker `id` (1-based) down (connections closed, new ones refused) or brings it back.
  Status SetBrokerDown(int id, bool down);
  // The next `count` produce requests fail with a retryable broker error
  // (NOT_ENOUGH_REPLICAS) without storing anything.
  void FailNextProduces(int count);

 private:
  MockCluster() = default;
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string bootstrap_;
};

}  // namespace otter::kafka
