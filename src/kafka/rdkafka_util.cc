#include "kafka/rdkafka_util.h"

#include "exporters/exporterhelper/clock.h"

namespace otter::kafka {
namespace {

void LogCallback(const rd_kafka_t* rk, int level, const char* fac, const char* buf) {
  auto* client = static_cast<ClientBase*>(rd_kafka_opaque(rk));
  if (!client || !client->log) return;
  // syslog levels: 0-3 error, 4 warning, 5-6 info, 7 debug.
  auto lvl = level <= 3   ? spdlog::level::err
             : level == 4 ? spdlog::level::warn
             : level <= 6 ? spdlog::level::info
                          : spdlog::level::debug;
  client->log->log(lvl, "kafka: {}: {}", fac, buf);
}

void ErrorCallback(rd_kafka_t* rk, int err, const char* reason, void* opaque) {
  (void)rk;
  auto* client = static_cast<ClientBase*>(opaque);
  if (!client || !client->log) return;
  exporterhelper::SteadyClock clock;
  uint64_t suppressed = 0;
  if (client->error_log.Allow(clock, &suppressed))
    client->log->warn("kafka: {}: {}{}", rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(err)),
                      reason, exporterhelper::LogThrottle::Suffix(suppressed));
}

}  // namespace

StatusOr<ConfPtr> MakeConf(const Properties& props, ClientBase* client) {
  ConfPtr conf(rd_kafka_conf_new());
  char err[512];
  for (const auto& [k, v] : props) {
    if (rd_kafka_conf_set(conf.get(), k.c_str(), v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK)
      return InvalidArgument("kafka client property " + k + "=" + v + ": " + err);
  }
  rd_kafka_conf_set_opaque(conf.get(), client);
  rd_kafka_conf_set_log_cb(conf.get(), LogCallback);
  rd_kafka_conf_set_error_cb(conf.get(), ErrorCallback);
  return conf;
}

StatusOr<RdKafkaPtr> NewHandle(rd_kafka_type_t type, ConfPtr conf) {
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(type, conf.get(), err, sizeof err);
  if (!rk) return InvalidArgument(std::string("creating the kafka client: ") + err);
  conf.release();  // rd_kafka_new took it
  return RdKafkaPtr(rk);
}

Status FromKafkaError(rd_kafka_resp_err_t err, const std::string& context) {
  std::string msg = context + ": " + rd_kafka_err2name(err) + " (" + rd_kafka_err2str(err) + ")";
  switch (err) {
    case RD_KAFKA_RESP_ERR_NO_ERROR:
      return Status::Ok();
    case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_INVALID_MSG:
    case RD_KAFKA_RESP_ERR_INVALID_MSG_SIZE:
    case RD_KAFKA_RESP_ERR_INVALID_RECORD:
    case RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION:
    case RD_KAFKA_RESP_ERR__INVALID_ARG:
    case RD_KAFKA_RESP_ERR_UNSUPPORTED_COMPRESSION_TYPE:
      return InvalidArgument(msg);
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED:
    case RD_KAFKA_RESP_ERR__AUTHENTICATION:
      return Status(StatusCode::kPermissionDenied, msg);
    default:
      return Unavailable(msg);
  }
}

}  // namespace otter::kafka
