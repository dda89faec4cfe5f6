#include "exporters/exporterhelper/settings.h"

#include "component/component.h"

namespace otter::exporterhelper {

Status QueueSettings::Validate() const {
  if (!enabled) return Status::Ok();
  if (num_consumers < 1)
    return InvalidArgument("sending_queue.num_consumers must be at least 1, got " +
                           std::to_string(num_consumers));
  if (queue_size < 1)
    return InvalidArgument("sending_queue.queue_size must be positive, got " +
                           std::to_string(queue_size));
  if (!storage.empty()) {
    auto id = ComponentId::Parse(storage);
    if (!id.ok())
      return InvalidArgument("sending_queue.storage: " + std::string(id.status().message()));
  }
  if (sizer == "bytes")
    return InvalidArgument(
        "sending_queue.sizer \"bytes\" is not supported yet by otter; "
        "use \"requests\" or \"items\"");
  if (sizer != "requests" && sizer != "items")
    return InvalidArgument("sending_queue.sizer must be \"requests\" or \"items\", got \"" + sizer +
                           "\"");
  return Status::Ok();
}

Status RetrySettings::Validate() const {
  if (!enabled) return Status::Ok();
  if (initial_interval <= Duration::zero())
    return InvalidArgument("retry_on_failure.initial_interval must be positive");
  if (randomization_factor < 0 || randomization_factor > 1)
    return InvalidArgument("retry_on_failure.randomization_factor must be between 0 and 1");
  if (multiplier < 1) return InvalidArgument("retry_on_failure.multiplier must be at least 1");
  if (max_interval < initial_interval)
    return InvalidArgument("retry_on_failure.max_interval must not be less than initial_interval");
  if (max_elapsed_time < Duration::zero())
    return InvalidArgument("retry_on_failure.max_elapsed_time must not be negative (0 = forever)");
  return Status::Ok();
}

Status SenderSettings::Validate() const {
  if (timeout < Duration::zero()) return InvalidArgument("timeout must not be negative (0 = none)");
  RETURN_IF_ERROR(queue.Validate());
  return retry.Validate();
}

const config::Table<QueueSettings>& QueueTable() {
  static const auto table =
      config::Table<QueueSettings>()
          .Field("enabled", &QueueSettings::enabled, "buffer data in a bounded in-memory queue")
          .Field("num_consumers", &QueueSettings::num_consumers,
                 "sender threads that take requests from the queue")
          .Field("queue_size", &QueueSettings::queue_size,
                 "queue capacity in sizer units; a full queue refuses data with a retryable error")
          .Field("sizer", &QueueSettings::sizer,
                 "unit of queue_size: requests (batches) or items (spans, points, records)")
          .Field("block_on_overflow", &QueueSettings::block_on_overflow,
                 "when full, make the caller wait for room instead of refusing")
          .Custom("blocking", "bool", "false", "deprecated spelling of block_on_overflow",
                  [](const config::Node& n, QueueSettings& q, config::Diagnostics& d) {
                    if (config::ParseValue(n, q.block_on_overflow, d))
                      d.Warning(n, "sending_queue.blocking is deprecated; use block_on_overflow");
                  })
          .Field("wait_for_result", &QueueSettings::wait_for_result,
                 "answer the caller only when the send finished (success or final failure)")
          .Field("storage", &QueueSettings::storage,
                 "id of a storage extension (file_storage/<name>): the queue is kept on disk and "
                 "survives restarts and crashes")
          .NotSupportedYet("batch", "batching inside the sending queue");
  return table;
}

const config::Table<RetrySettings>& RetryTable() {
  static const auto table =
      config::Table<RetrySettings>()
          .Field("enabled", &RetrySettings::enabled, "retry failed sends that are retryable")
          .Field("initial_interval", &RetrySettings::initial_interval,
                 "wait before the first retry")
          .Field("randomization_factor", &RetrySettings::randomization_factor,
                 "jitter: each wait is drawn from interval*(1±factor)")
          .Field("multiplier", &RetrySettings::multiplier, "growth of the interval per retry")
          .Field("max_interval", &RetrySettings::max_interval, "upper bound of the interval")
          .Field("max_elapsed_time", &RetrySettings::max_elapsed_time,
                 "give up after this long since the first attempt (0 = never)");
  return table;
}

}  // namespace otter::exporterhelper
