// Small RAII and error helpers over librdkafka's C API, for the kafka components' .cc files only
// (this header includes rdkafka.h; keep it out of other headers). Every otter rd_kafka_t is
// created with an opaque that derives from ClientBase, so librdkafka's log and error callbacks
// reach the component's logger.
// Thread-safety: the helpers are stateless; ClientBase is read-only after construction.
#pragma once

#include <librdkafka/rdkafka.h>
#include <spdlog/logger.h>

#include <memory>
#include <string>

#include "common/status.h"
#include "exporters/exporterhelper/log_throttle.h"
#include "kafka/client_config.h"

namespace otter::kafka {

struct RdKafkaDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
struct ConfDeleter {
  void operator()(rd_kafka_conf_t* c) const { rd_kafka_conf_destroy(c); }
};
struct PartitionListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const {
    rd_kafka_topic_partition_list_destroy(l);
  }
};
struct MessageDeleter {
  void operator()(rd_kafka_message_t* m) const { rd_kafka_message_destroy(m); }
};
using RdKafkaPtr = std::unique_ptr<rd_kafka_t, RdKafkaDeleter>;
using ConfPtr = std::unique_ptr<rd_kafka_conf_t, ConfDeleter>;
using PartitionListPtr = std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionListDeleter>;
using MessagePtr = std::unique_ptr<rd_kafka_message_t, MessageDeleter>;

// The opaque of every otter client handle: where librdkafka's logs and errors go.
struct ClientBase {
  std::shared_ptr<spdlog::logger> log;
  exporterhelper::LogThrottle error_log;
  virtual ~ClientBase() = default;
};

// A configuration with `props` set (an unknown property or bad value is InvalidArgument naming
// it), and the log/error callbacks wired to `client`.
StatusOr<ConfPtr> MakeConf(const Properties& props, ClientBase* client);

// Creates the handle (takes the configuration).
StatusOr<RdKafkaPtr> NewHandle(rd_kafka_type_t type, ConfPtr conf);

// An error from librdkafka as a Status: retryable (Unavailable) for transient broker, network,
// time-out and queue-full conditions, permanent (InvalidArgument / PermissionDenied) for message
// size, authorization and invalid-request errors.
Status FromKafkaError(rd_kafka_resp_err_t err, const std::string& context);

}  // namespace otter::kafka
