#include "processors/batch/batch_processor.h"

#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "otlp/wire_split.h"

namespace otter {
namespace {

using Millis = std::chrono::milliseconds;

std::string FormatMillis(Millis d) { return std::to_string(d.count()) + "ms"; }

}  // namespace

template <class B>
struct BatchProcessor<B>::Shared {
  struct Outgoing {
    B batch;
    size_t items = 0;
  };
  // Data waiting to be sent for one combination of metadata_keys values (the only shard, keyed
  // "", when metadata_keys is empty). Every batch in it carries the same metadata (only the
  // metadata_keys), so Append keeps it and the sent batch has it.
  struct Shard {
    B pending;
    size_t items = 0;
    Clock::time_point since;  // when pending last became non-empty or was sent
    // Bytes mode: the pending data as one protobuf request (the requests appended), and what
    // the sent batches carry: the shard's metadata (held by `context`) and the client address
    // while every pending request came from the same client.
    std::string wire;
    B context;
    bool mixed_clients = false;
    // Bytes mode: the size of the last request sent whole, and so what `wire` reserves when it
    // starts filling again: growing a request of megabytes by doubling copied it once more (a
    // tenth of the CPU of an otlp -> batch -> nop pipeline).
    size_t last_wire_size = 0;
  };

  // Immutable after construction.
  BatchConfig cfg;
  BatchOptions options;
  Consumer<B>* next = nullptr;
  // Traces and logs, when the downstream takes undecoded batches (the store, nop, an OTLP
  // exporter): pending data stays protobuf bytes, merged by appending and split at span / log
  // record boundaries (otlp/wire_split.h): a protobuf request travels on as the bytes it came
  // as, never decoded (docs/processors/batch.md).
  static constexpr bool kBytesSignal = !std::is_same_v<B, pdata::MetricBatch>;
  bool bytes = false;
  std::shared_ptr<spdlog::logger> logger;
  std::unique_ptr<telemetry::SelfMetrics> own_metrics;  // when the context has none (tests)
  std::string item_name;                                // "spans", ...
  uint64_t limit = 0;
  telemetry::Counter* dropped = nullptr;
  telemetry::Counter* refused = nullptr;
  telemetry::Counter* timeout_trigger = nullptr;
  telemetry::Counter* size_trigger = nullptr;
  telemetry::Counter* send_size_count = nullptr;
  telemetry::Counter* send_size_sum = nullptr;
  telemetry::Gauge* cardinality = nullptr;
  std::vector<std::string> metadata_keys;  // lower-case, sorted

  mutable std::mutex mu;
  std::condition_variable wake;      // the timer thread's deadline may have changed
  std::condition_variable answered;  // a sent batch was answered (shutdown waits on it)
  // GUARDED_BY(mu). Shards are never removed (as in otelcol), so metadata_cardinality_limit
  // bounds the distinct combinations seen since start.
  std::map<std::string, Shard> shards;
  size_t pending_items = 0;      // GUARDED_BY(mu): over all shards
  std::deque<Outgoing> retry;    // GUARDED_BY(mu): refused retryably, oldest first
  size_t retry_items = 0;        // GUARDED_BY(mu)
  size_t in_flight_items = 0;    // GUARDED_BY(mu): sent, not answered yet
  size_t in_flight_batches = 0;  // GUARDED_BY(mu)
  Clock::time_point retry_at;    // GUARDED_BY(mu): no sends before this while retry non-empty
  Millis backoff{0};             // GUARDED_BY(mu)
  Status last_refusal;           // GUARDED_BY(mu)
  bool stopping = false;         // GUARDED_BY(mu): Shutdown began; new data is refused
  bool stopped = false;          // GUARDED_BY(mu): Shutdown finished; late refusals drop

  std::mutex log_mu;
  Clock::time_point last_drop_log;         // GUARDED_BY(log_mu)
  Clock::time_point last_limit_log;        // GUARDED_BY(log_mu)
  uint64_t suppressed_limit_refusals = 0;  // GUARDED_BY(log_mu)
  uint64_t suppressed_drops = 0;           // GUARDED_BY(log_mu)
  uint64_t suppressed_items = 0;           // GUARDED_BY(log_mu)
  Status suppressed_status;                // GUARDED_BY(log_mu)

  size_t HeldLocked() const { return pending_items + retry_items + in_flight_items; }
  bool BackingOffLocked(Clock::time_point now) const { return !retry.empty() && now < retry_at; }

  // Moves what is due into *out and counts it as in flight: refused batches whose back-off has
  // passed, then pending data by size trigger (chunks while >= send_batch_size), or all of it
  // when it has waited `timeout` (or timeout is 0, or flush_all).
  void TakeSendableLocked(Clock::time_point now, bool flush_all, std::vector<Outgoing>* out) {
    if (BackingOffLocked(now)) return;
    while (!retry.empty()) {
      Outgoing h = std::move(retry.front());
      retry.pop_front();
      retry_items -= h.items;
      in_flight_items += h.items;
      ++in_flight_batches;
      out->push_back(std::move(h));
    }
    if (pending_items == 0) return;
    for (auto& [key, shard] : shards)
      if (shard.items > 0) TakeFromShardLocked(shard, now, flush_all, out);
  }

  void TakeFromShardLocked(Shard& shard, Clock::time_point now, bool flush_all,
                           std::vector<Outgoing>* out) {
    const bool timed_out = cfg.timeout.count() == 0 || now >= shard.since + cfg.timeout;
    const size_t max = cfg.send_batch_max_size;
    bool sent = false;
    auto take_chunk = [&](telemetry::Counter* trigger) {
      Outgoing h;
      if (bytes) {
        h = TakeBytesLocked(shard, max);
      } else if (max > 0 && shard.items > max) {
        h.batch = shard.pending.SplitOff(max);
        h.items = max;
      } else {
        h.batch = std::move(shard.pending);
        shard.pending = B();
        h.items = shard.items;
      }
      shard.items -= h.items;
      pending_items -= h.items;
      in_flight_items += h.items;
      ++in_flight_batches;
      trigger->Add(1);
      send_size_count->Add(1);
      send_size_sum->Add(h.items);
      out->push_back(std::move(h));
      sent = true;
    };
    if (cfg.timeout.count() > 0 && cfg.send_batch_size > 0) {
      while (shard.items >= cfg.send_batch_size) take_chunk(size_trigger);
    }
    if (flush_all || (timed_out && shard.items > 0)) {
      // timeout 0 means "send immediately": otelcol counts those as size-triggered.
      telemetry::Counter* trigger = cfg.timeout.count() == 0 ? size_trigger : timeout_trigger;
      while (shard.items > 0) take_chunk(trigger);
    }
    if (sent) shard.since = now;
  }

  // Bytes mode: appends `request` (the protobuf of `batch`) to the shard's request.
  void AppendBytesLocked(Shard& shard, const B& batch, std::string_view request) {
    if (shard.wire.empty()) {
      shard.context = B();
      for (const auto& e : batch.metadata().entries()) shard.context.AddMetadata(e.key, e.value);
      shard.context.set_client_ip(batch.client_ip());
      shard.mixed_clients = false;
      shard.wire.reserve(std::max(shard.last_wire_size + shard.last_wire_size / 8, request.size()));
    } else if (!shard.mixed_clients && shard.context.client_ip() != batch.client_ip()) {
      shard.mixed_clients = true;  // a merged request has no single sender (Batch::Append)
      shard.context.set_client_ip("");
    }
    shard.wire.append(request);
  }

  // Bytes mode: the first `max` items of the shard (all of them when max is 0 or the shard holds
  // no more) as an undecoded batch.
  Outgoing TakeBytesLocked(Shard& shard, size_t max) {
    Outgoing h;
    std::string body;
    if (max > 0 && shard.items > max) {
      if constexpr (std::is_same_v<B, pdata::TraceBatch>)
        body = otlp::SplitOffTraces(&shard.wire, max);
      if constexpr (std::is_same_v<B, pdata::LogBatch>) body = otlp::SplitOffLogs(&shard.wire, max);
    }
    if (!body.empty()) {
      h.items = max;
    } else {  // everything (a request the splitter refuses cannot happen: receivers validated it)
      body = std::move(shard.wire);
      shard.wire.clear();
      shard.last_wire_size = body.size();
      h.items = shard.items;
    }
    h.batch = B::Undecoded(std::move(body), h.items);
    for (const auto& e : shard.context.metadata().entries()) h.batch.AddMetadata(e.key, e.value);
    h.batch.set_client_ip(shard.context.client_ip());
    return h;
  }

  // The earliest time a shard's pending data times out, if any is pending.
  std::optional<Clock::time_point> NextTimeoutLocked() const {
    std::optional<Clock::time_point> next;
    for (const auto& [key, shard] : shards)
      if (shard.items > 0 && (!next || shard.since + cfg.timeout < *next))
        next = shard.since + cfg.timeout;
    return next;
  }

  // Keeps only the metadata_keys of `batch`'s metadata (all of it goes without metadata_keys, as
  // in otelcol) and returns the shard key: each key's value count and length-prefixed values, so
  // an unset key and an empty value differ.
  std::string ShardKey(B& batch) const {
    if (metadata_keys.empty()) {
      if (!batch.metadata().empty()) batch.set_metadata({});
      return {};
    }
    std::string key;
    pdata::Metadata kept;
    for (const std::string& k : metadata_keys) {
      size_t n = 0;
      std::string values;
      for (const auto& e : batch.metadata().entries()) {
        if (e.key != k) continue;  // receivers store keys lower-cased
        kept.AddView(e.key, e.value);
        ++n;
        values += std::to_string(e.value.size());
        values += ':';
        values += e.value;
      }
      key += std::to_string(n);
      key += ';';
      key += values;
    }
    batch.set_metadata(std::move(kept));
    return key;
  }

  // Sends `batches` downstream; each keeps a clone for a possible retry (it shares the tree, so
  // it costs a copy only if the downstream writes to the batch). Called without `mu`.
  static void Send(const std::shared_ptr<Shared>& shared, std::vector<Outgoing> batches) {
    for (auto& h : batches) {
      Outgoing copy{h.batch.Clone(), h.items};
      shared->next->Consume(std::move(h.batch),
                            Completion([shared, copy = std::move(copy)](Status s) mutable {
                              shared->OnAnswer(std::move(copy), std::move(s));
                            }));
    }
  }

  void OnAnswer(Outgoing h, Status s) {
    bool drop = false;
    bool late = false;
    {
      std::lock_guard lock(mu);
      in_flight_items -= h.items;
      --in_flight_batches;
      if (s.ok()) {
        backoff = Millis(0);
      } else if (s.retryable() && !stopped) {
        backoff = backoff.count() == 0 ? options.min_retry_delay
                                       : std::min(backoff * 2, options.max_retry_delay);
        Millis delay = backoff;
        if (s.retry_after() && *s.retry_after() > delay) delay = *s.retry_after();
        retry_at = Clock::now() + delay;
        retry_items += h.items;
        retry.push_back(std::move(h));
        last_refusal = s;
        wake.notify_all();
      } else {
        drop = true;
        late = stopped;
      }
      answered.notify_all();
    }
    if (drop) {
      dropped->Add(h.items);
      LogDrop(h.items, late ? s.Annotate("refused after shutdown") : s);
    }
  }

  // At most one line per second; drops in between are folded into the next line (or the
  // shutdown line).
  void LogDrop(size_t items, const Status& s) {
    std::lock_guard lock(log_mu);
    Clock::time_point now = Clock::now();
    if (last_drop_log != Clock::time_point() && now - last_drop_log < std::chrono::seconds(1)) {
      ++suppressed_drops;
      suppressed_items += items;
      suppressed_status = s;
      return;
    }
    last_drop_log = now;
    if (suppressed_drops > 0) {
      logger->error(
          "dropped {} {} that the downstream rejected permanently: {} (and {} earlier "
          "drops of {} {} in the last second)",
          items, item_name, s.ToString(), suppressed_drops, suppressed_items, item_name);
      suppressed_drops = suppressed_items = 0;
    } else {
      logger->error("dropped {} {} that the downstream rejected permanently: {}", items, item_name,
                    s.ToString());
    }
  }

  // At most one line per second for metadata_cardinality_limit refusals.
  void LogLimitRefusal(size_t items) {
    std::lock_guard lock(log_mu);
    Clock::time_point now = Clock::now();
    if (last_limit_log != Clock::time_point() && now - last_limit_log < std::chrono::seconds(1)) {
      ++suppressed_limit_refusals;
      return;
    }
    last_limit_log = now;
    logger->warn(
        "refused {} {}: metadata_cardinality_limit ({}) reached, a new combination of "
        "metadata_keys values cannot get its own batch ({} earlier refusals in the last second)",
        items, item_name, cfg.metadata_cardinality_limit, suppressed_limit_refusals);
    suppressed_limit_refusals = 0;
  }

  void FlushDropLog() {
    std::lock_guard lock(log_mu);
    if (suppressed_drops == 0) return;
    logger->error("dropped {} more {} in {} batches that the downstream rejected permanently: {}",
                  suppressed_items, item_name, suppressed_drops, suppressed_status.ToString());
    suppressed_drops = suppressed_items = 0;
  }
};

template <class B>
BatchProcessor<B>::BatchProcessor(const ComponentContext& ctx, const BatchConfig& cfg,
                                  Consumer<B>* next, BatchOptions options)
    : shared_(std::make_shared<Shared>()) {
  Shared& s = *shared_;
  s.cfg = cfg;
  s.options = options;
  s.next = next;
  s.bytes = Shared::kBytesSignal && next && next->TakesUndecoded();
  s.logger = ctx.logger ? ctx.logger
                        : std::make_shared<spdlog::logger>(
                              "batch", std::make_shared<spdlog::sinks::null_sink_mt>());
  telemetry::SelfMetrics* metrics = telemetry::GivenOrOwn(ctx.metrics, s.own_metrics);
  s.item_name = std::string(SignalItemName(SignalOf<B>()));
  s.limit = cfg.HeldItemLimit();
  telemetry::Labels labels = {{"processor", ctx.id.ToString()}};
  s.dropped = &metrics->GetCounter("otelcol_processor_dropped_" + s.item_name,
                                   "Items dropped by the processor (downstream rejected them "
                                   "permanently, or they could not be delivered at shutdown).",
                                   labels);
  s.refused = &metrics->GetCounter("otelcol_processor_refused_" + s.item_name,
                                   "Items the processor refused (retryable: it is full or "
                                   "shutting down; permanent: metadata_cardinality_limit).",
                                   labels);
  s.metadata_keys = cfg.LowerMetadataKeys();
  s.cardinality = &metrics->GetGauge("otelcol_processor_batch_metadata_cardinality",
                                     "Number of distinct metadata value combinations being "
                                     "processed.",
                                     labels);
  s.timeout_trigger = &metrics->GetCounter("otelcol_processor_batch_timeout_trigger_send",
                                           "Number of times the batch was sent due to a timeout "
                                           "trigger.",
                                           labels);
  s.size_trigger = &metrics->GetCounter("otelcol_processor_batch_batch_size_trigger_send",
                                        "Number of times the batch was sent due to a size "
                                        "trigger.",
                                        labels);
  s.send_size_count = &metrics->GetCounter("otelcol_processor_batch_batch_send_size_count",
                                           "Number of batches sent (histogram count).", labels);
  s.send_size_sum = &metrics->GetCounter("otelcol_processor_batch_batch_send_size_sum",
                                         "Items in the batches sent (histogram sum).", labels);
}

template <class B>
BatchProcessor<B>::~BatchProcessor() {
  Shutdown();
}

template <class B>
Status BatchProcessor<B>::Start() {
  if (started_) return Status::Ok();
  started_ = true;
  timer_ = std::thread([this] { TimerLoop(); });
  return Status::Ok();
}

template <class B>
Consumers BatchProcessor<B>::consumers() {
  return Consumers::Of<B>(this);
}

template <class B>
bool BatchProcessor<B>::TakesUndecoded() const {
  return shared_->bytes;
}

template <class B>
typename BatchProcessor<B>::Held BatchProcessor<B>::held() const {
  std::lock_guard lock(shared_->mu);
  return Held{shared_->pending_items, shared_->retry_items, shared_->in_flight_items};
}

template <class B>
void BatchProcessor<B>::Consume(B&& batch, Completion done) {
  Shared& s = *shared_;
  const size_t n = batch.ItemCount();
  if (n == 0) {
    done(Status::Ok());
    return;
  }
  std::string key = s.ShardKey(batch);
  // Bytes mode: the request as protobuf; a decoded batch without a wire is encoded here, outside
  // the lock.
  std::string encoded;
  std::string_view request = batch.wire();
  if constexpr (Shared::kBytesSignal) {
    if (s.bytes && request.empty()) {
      otlp::AppendRequest(batch, &encoded);
      request = encoded;
    }
  }
  std::vector<typename Shared::Outgoing> out;
  Status refusal;
  {
    std::lock_guard lock(s.mu);
    auto shard = s.shards.find(key);
    if (shard == s.shards.end() && !s.stopping && s.HeldLocked() < s.limit) {
      if (s.cfg.metadata_cardinality_limit != 0 &&
          s.shards.size() >= s.cfg.metadata_cardinality_limit) {
        refusal = InvalidArgument("too many batcher metadata-value combinations");
      } else {
        shard = s.shards.emplace(std::move(key), typename Shared::Shard{}).first;
        s.cardinality->Set(static_cast<int64_t>(s.shards.size()));
      }
    }
    if (!refusal.ok()) {
      // refused below; logged once a second
    } else if (s.stopping) {
      refusal = Unavailable("batch processor is shutting down");
    } else if (s.HeldLocked() >= s.limit) {
      // backoff > 0: the last answer from the downstream was a retryable refusal.
      refusal = Unavailable(s.backoff.count() > 0
                                ? "batch processor is full: downstream refusing"
                                : "batch processor is full: waiting for the downstream to answer");
    } else {
      Clock::time_point now = Clock::now();
      typename Shared::Shard& sh = shard->second;
      if (sh.items == 0) {
        sh.since = now;
        s.wake.notify_all();  // the timer may be waiting without a deadline for it
      }
      if (s.bytes) {
        s.AppendBytesLocked(sh, batch, request);
      } else {
        sh.pending.Append(std::move(batch));
      }
      sh.items += n;
      s.pending_items += n;
      s.TakeSendableLocked(now, /*flush_all=*/false, &out);
    }
  }
  if (!refusal.ok()) {
    s.refused->Add(n);
    if (!refusal.retryable()) s.LogLimitRefusal(n);
    done(std::move(refusal));
    return;
  }
  done(Status::Ok());
  if (!out.empty()) Shared::Send(shared_, std::move(out));
}

template <class B>
void BatchProcessor<B>::TimerLoop() {
  Shared& s = *shared_;
  std::unique_lock lock(s.mu);
  while (!s.stopping) {
    Clock::time_point now = Clock::now();
    std::vector<typename Shared::Outgoing> out;
    s.TakeSendableLocked(now, /*flush_all=*/false, &out);
    if (!out.empty()) {
      lock.unlock();
      Shared::Send(shared_, std::move(out));
      lock.lock();
      continue;
    }
    std::optional<Clock::time_point> deadline;
    if (!s.retry.empty()) {
      deadline = s.retry_at;  // pending data waits for the retry too
    } else if (s.pending_items > 0 && s.cfg.timeout.count() > 0) {
      deadline = s.NextTimeoutLocked();
    }
    if (deadline)
      s.wake.wait_until(lock, *deadline);
    else
      s.wake.wait(lock);
  }
}

template <class B>
void BatchProcessor<B>::Shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  Shared& s = *shared_;
  {
    std::lock_guard lock(s.mu);
    s.stopping = true;
    s.wake.notify_all();
  }
  if (timer_.joinable()) timer_.join();

  const Clock::time_point deadline = Clock::now() + s.options.shutdown_timeout;
  std::unique_lock lock(s.mu);
  while (true) {
    Clock::time_point now = Clock::now();
    std::vector<typename Shared::Outgoing> out;
    s.TakeSendableLocked(now, /*flush_all=*/true, &out);
    if (!out.empty()) {
      lock.unlock();
      Shared::Send(shared_, std::move(out));
      lock.lock();
      continue;
    }
    // Nothing sendable now: pending is empty and retries (if any) are backing off.
    bool retry_hopeless = !s.retry.empty() && s.retry_at >= deadline;
    if (s.in_flight_batches == 0 && (s.retry.empty() || retry_hopeless)) break;
    if (now >= deadline) break;
    Clock::time_point wake_at = deadline;
    if (!s.retry.empty() && !retry_hopeless) wake_at = std::min(wake_at, s.retry_at);
    s.answered.wait_until(lock, wake_at);
  }
  const size_t undelivered = s.pending_items + s.retry_items;
  const size_t unanswered = s.in_flight_items;
  const Status last = s.last_refusal;
  std::map<std::string, typename Shared::Shard> shards = std::move(s.shards);
  std::deque<typename Shared::Outgoing> retry = std::move(s.retry);
  s.shards.clear();
  s.retry.clear();
  s.pending_items = s.retry_items = 0;
  s.stopped = true;
  lock.unlock();

  s.FlushDropLog();
  if (undelivered > 0) {
    s.dropped->Add(undelivered);
    s.logger->error(
        "shutdown: dropped {} {} that the downstream did not accept within {} "
        "(last refusal: {})",
        undelivered, s.item_name, FormatMillis(s.options.shutdown_timeout),
        last.ok() ? std::string("none") : last.ToString());
  }
  if (unanswered > 0) {
    s.logger->warn(
        "shutdown: {} {} sent downstream were not answered within {}; they are "
        "counted as dropped if later refused",
        unanswered, s.item_name, FormatMillis(s.options.shutdown_timeout));
  }
}

template class BatchProcessor<pdata::TraceBatch>;
template class BatchProcessor<pdata::MetricBatch>;
template class BatchProcessor<pdata::LogBatch>;

}  // namespace otter
