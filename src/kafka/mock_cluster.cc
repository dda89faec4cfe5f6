#include "kafka/mock_cluster.h"

// clang-format off
#include "kafka/rdkafka_util.h"  // rdkafka.h first: rdkafka_mock.h needs it
#include <librdkafka/rdkafka_mock.h>
// clang-format on

namespace otter::kafka {

struct MockCluster::Impl {
  RdKafkaPtr owner;  // the mock cluster lives on this handle's threads
  rd_kafka_mock_cluster_t* cluster = nullptr;
  ~Impl() {
    if (cluster) rd_kafka_mock_cluster_destroy(cluster);
  }
};

StatusOr<std::unique_ptr<MockCluster>> MockCluster::Start(int brokers) {
  ConfPtr conf(rd_kafka_conf_new());
  char err[512];
  // The owner handle never connects anywhere; silence its "no bootstrap.servers" warning.
  rd_kafka_conf_set(conf.get(), "log_level", "3", err, sizeof err);
  ASSIGN_OR_RETURN(auto owner, NewHandle(RD_KAFKA_PRODUCER, std::move(conf)));
  auto mc = std::unique_ptr<MockCluster>(new MockCluster());
  mc->impl_ = std::make_unique<Impl>();
  mc->impl_->cluster = rd_kafka_mock_cluster_new(owner.get(), brokers);
  if (!mc->impl_->cluster) return Internal("could not start the mock Kafka cluster");
  mc->impl_->owner = std::move(owner);
  mc->bootstrap_ = rd_kafka_mock_cluster_bootstraps(mc->impl_->cluster);
  return mc;
}

MockCluster::~MockCluster() {
  if (impl_) {
    // The cluster must go before its owner handle.
    if (impl_->cluster) rd_kafka_mock_cluster_destroy(std::exchange(impl_->cluster, nullptr));
  }
}

Status MockCluster::CreateTopic(const std::string& topic, int partitions) {
  rd_kafka_resp_err_t e = rd_kafka_mock_topic_create(impl_->cluster, topic.c_str(), partitions, 1);
  return FromKafkaError(e, "creating topic " + topic);
}

Status MockCluster::SetBrokerDown(int id, bool down) {
  rd_kafka_resp_err_t e = down ? rd_kafka_mock_broker_set_down(impl_->cluster, id)
                               : rd_kafka_mock_broker_set_up(impl_->cluster, id);
  return FromKafkaError(e, "changing broker " + std::to_string(id));
}

void MockCluster::FailNextProduces(int count) {
  constexpr int16_t kProduceApiKey = 0;  // the Kafka protocol's ProduceRequest
  for (int i = 0; i < count; ++i)
    rd_kafka_mock_push_request_errors(impl_->cluster, kProduceApiKey, 1,
                                      RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS);
}

}  // namespace otter::kafka
