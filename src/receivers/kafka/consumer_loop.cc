#include "receivers/kafka/consumer_loop.h"

#include <spdlog/logger.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "exporters/exporterhelper/clock.h"
#include "exporters/exporterhelper/log_throttle.h"
#include "kafka/rdkafka_util.h"

namespace otter::kafka_receiver {
namespace {

using Clock = std::chrono::steady_clock;
using kafka::PartitionListPtr;
using Key = std::pair<std::string, int32_t>;  // topic, partition

// The answer to one delivered message, posted by its completion (any thread).
struct Event {
  Key key;
  int64_t offset;
  uint64_t id;
  Status status;
};
struct EventQueue {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<Event> events;  // GUARDED_BY(mu)
};

struct Entry {
  uint64_t id;  // which delivery of this offset (a rewind delivers it again)
  bool done = false;
};

struct PartState {
  std::map<int64_t, Entry> inflight;  // delivered, not yet passed by the stored offset
  int64_t skip_from = -1;  // refused at this offset: ignore fetched messages from here on
  bool refusal_paused = false;
  bool at_end = false;  // replay: paused after reading its range
  int attempts = 0;     // consecutive rewinds, for the backoff
  Clock::time_point resume_at{};
  int64_t start = 0, end = -1, pos = 0;  // replay range and progress
};

PartitionListPtr OneList(const Key& k, int64_t offset = RD_KAFKA_OFFSET_INVALID) {
  PartitionListPtr l(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(l.get(), k.first.c_str(), k.second)->offset = offset;
  return l;
}

}  // namespace

struct ConsumerLoop::Impl : kafka::ClientBase {
  ConsumerLoop* owner = nullptr;
  ConsumerOptions opts;
  DeliverFn deliver;
  kafka::RdKafkaPtr rk;
  std::shared_ptr<EventQueue> events = std::make_shared<EventQueue>();
  std::map<Key, PartState> parts;  // the assigned partitions (poll thread only)
  size_t pending = 0;              // delivered, not answered
  uint64_t next_id = 1;
  bool capacity_paused = false;
  bool commit_due = false;
  std::atomic<bool> stop{false};
  std::thread thread;
  std::chrono::milliseconds drain{0};
  exporterhelper::SteadyClock clock;
  exporterhelper::LogThrottle refuse_log, skip_log, poll_log;

  bool replay() const { return !opts.ranges.empty(); }

  // ---- partition control ----------------------------------------------------------------
  void Pause(const Key& k) { rd_kafka_pause_partitions(rk.get(), OneList(k).get()); }
  void Resume(const Key& k) { rd_kafka_resume_partitions(rk.get(), OneList(k).get()); }

  void StoreOffset(const Key& k, int64_t next) {
    auto l = OneList(k, next);
    if (rd_kafka_offsets_store(rk.get(), l.get()) == RD_KAFKA_RESP_ERR_NO_ERROR && !opts.autocommit)
      commit_due = true;
  }

  // Passes the stored offset over the answered prefix of the partition's messages.
  void Advance(const Key& k, PartState& p) {
    int64_t next = -1;
    while (!p.inflight.empty() && p.inflight.begin()->second.done) {
      next = p.inflight.begin()->first + 1;
      p.inflight.erase(p.inflight.begin());
    }
    if (next < 0) return;
    if (replay()) {
      p.pos = std::max(p.pos, next);
      UpdateProgress();
    } else if (opts.mark_after) {
      StoreOffset(k, next);
    }
  }

  void UpdateProgress() {
    uint64_t done = 0;
    bool all = true;
    for (auto& [k, p] : parts) {
      done += static_cast<uint64_t>(std::max<int64_t>(0, std::min(p.pos, p.end) - p.start));
      if (p.pos < p.end) all = false;
    }
    owner->progress_ = done;
    if (all) owner->finished_ = true;
  }

  // The message at `offset` was refused: forget it and what follows, pause the partition and
  // come back to it after the backoff.
  void Rewind(const Key& k, PartState& p, int64_t offset, const Status& why) {
    ++owner->stats_.rewinds;
    for (auto it = p.inflight.lower_bound(offset); it != p.inflight.end();) {
      if (!it->second.done) --pending;
      it = p.inflight.erase(it);
    }
    p.skip_from = p.skip_from < 0 ? offset : std::min(p.skip_from, offset);
    if (!p.refusal_paused) {
      Pause(k);
      p.refusal_paused = true;
      auto wait = opts.backoff ? opts.backoff(++p.attempts) : std::chrono::milliseconds(1000);
      p.resume_at = Clock::now() + wait;
      uint64_t suppressed = 0;
      if (refuse_log.Allow(clock, &suppressed))
        log->warn(
            "kafka: the pipeline refused the message at {}[{}] offset {}: {}; partition paused "
            "for {} ms, then read again from there{}",
            k.first, k.second, offset, why.message(), wait.count(),
            exporterhelper::LogThrottle::Suffix(suppressed));
    }
  }

  void ResumeDue() {
    if (capacity_paused) return;
    auto now = Clock::now();
    for (auto& [k, p] : parts) {
      if (!p.refusal_paused || now < p.resume_at) continue;
      Resume(k);
      auto l = OneList(k, p.skip_from);
      rd_kafka_error_t* err = rd_kafka_seek_partitions(rk.get(), l.get(), 5000);
      if (err || l->elems[0].err) {
        log->warn("kafka: seeking {}[{}] to {}: {}", k.first, k.second, p.skip_from,
                  err ? rd_kafka_error_string(err) : rd_kafka_err2str(l->elems[0].err));
        if (err) rd_kafka_error_destroy(err);
        Pause(k);
        p.resume_at = now + std::chrono::seconds(1);
        continue;
      }
      p.refusal_paused = false;
      p.skip_from = -1;
    }
  }

  void CheckCapacity() {
    if (!capacity_paused && pending >= opts.max_in_flight) {
      capacity_paused = true;
      for (auto& [k, p] : parts)
        if (!p.refusal_paused && !p.at_end) Pause(k);
    } else if (capacity_paused && pending <= opts.max_in_flight / 2) {
      capacity_paused = false;
      for (auto& [k, p] : parts)
        if (!p.refusal_paused && !p.at_end) Resume(k);
    }
  }

  // ---- answers -------------------------------------------------------------------------------
  void ProcessEvents() {
    std::vector<Event> batch;
    {
      std::lock_guard l(events->mu);
      batch.swap(events->events);
    }
    for (auto& e : batch) {
      auto pit = parts.find(e.key);
      if (pit == parts.end()) continue;  // revoked meanwhile
      PartState& p = pit->second;
      auto it = p.inflight.find(e.offset);
      if (it == p.inflight.end() || it->second.id != e.id || it->second.done) continue;
      --pending;
      if (e.status.ok()) {
        ++owner->stats_.accepted;
        p.attempts = 0;
        it->second.done = true;
        Advance(e.key, p);
        continue;
      }
      ++owner->stats_.refused;
      bool skip = e.status.retryable() ? opts.skip_on_error
                                       : (opts.skip_on_permanent_error || !opts.mark_after);
      if (skip) {
        ++owner->stats_.skipped;
        uint64_t suppressed = 0;
        if (skip_log.Allow(clock, &suppressed))
          log->error("kafka: dropped the message at {}[{}] offset {}: {}{}", e.key.first,
                     e.key.second, e.offset, e.status.message(),
                     exporterhelper::LogThrottle::Suffix(suppressed));
        it->second.done = true;
        Advance(e.key, p);
      } else {
        it->second.done = true;  // answered: Rewind must not count it as pending again
        Rewind(e.key, p, e.offset, e.status);
      }
    }
    if (commit_due) {
      commit_due = false;
      rd_kafka_commit(rk.get(), nullptr, 1);
    }
  }

  // ---- messages ------------------------------------------------------------------------------
  void OnMessage(const rd_kafka_message_t& m) {
    Key k{rd_kafka_topic_name(m.rkt), m.partition};
    auto pit = parts.find(k);
    if (pit == parts.end()) return;
    PartState& p = pit->second;
    if (p.skip_from >= 0 && m.offset >= p.skip_from) return;  // will be read again
    rd_kafka_timestamp_type_t tstype;
    int64_t ts = rd_kafka_message_timestamp(&m, &tstype);
    if (replay()) {
      if (m.offset >= p.end) {
        if (!p.at_end) {
          p.at_end = true;
          Pause(k);
        }
        return;
      }
      if (opts.min_timestamp_ms >= 0 && ts >= 0 && ts < opts.min_timestamp_ms) {
        ++owner->stats_.filtered;
        p.inflight[m.offset] = Entry{next_id++, true};
        Advance(k, p);
        return;
      }
    } else if (!opts.mark_after) {
      StoreOffset(k, m.offset + 1);
    }
    Record r;
    r.topic = k.first;
    r.partition = m.partition;
    r.offset = m.offset;
    r.timestamp_ms = ts;
    if (m.key) r.key = {static_cast<const char*>(m.key), m.key_len};
    if (m.payload) r.value = {static_cast<const char*>(m.payload), m.len};
    rd_kafka_headers_t* hdrs = nullptr;
    if (rd_kafka_message_headers(&m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR && hdrs) {
      const char* name;
      const void* val;
      size_t size;
      for (size_t i = 0;
           rd_kafka_header_get_all(hdrs, i, &name, &val, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i)
        r.headers.emplace_back(name, std::string_view(static_cast<const char*>(val), size));
    }
    uint64_t id = next_id++;
    p.inflight[m.offset] = Entry{id, false};
    ++pending;
    ++owner->stats_.delivered;
    deliver(r, Completion([q = events, k, offset = m.offset, id](Status s) {
              std::lock_guard l(q->mu);
              q->events.push_back({k, offset, id, std::move(s)});
              q->cv.notify_one();
            }));
  }

  // ---- rebalances ----------------------------------------------------------------------------
  static void OnRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                          rd_kafka_topic_partition_list_t* list, void* opaque) {
    auto* self = static_cast<Impl*>(static_cast<kafka::ClientBase*>(opaque));
    const bool cooperative = std::string_view(rd_kafka_rebalance_protocol(rk)) == "COOPERATIVE";
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
      for (int i = 0; i < list->cnt; ++i)
        self->parts[{list->elems[i].topic, list->elems[i].partition}] = PartState{};
      if (self->capacity_paused) self->capacity_paused = false;  // fresh partitions run
      rd_kafka_error_t* e = nullptr;
      if (cooperative)
        e = rd_kafka_incremental_assign(rk, list);
      else
        rd_kafka_assign(rk, list);
      if (e) rd_kafka_error_destroy(e);
      self->log->info("kafka: assigned {} partition(s)", list->cnt);
      return;
    }
    // Revoked: give the pipeline a moment to answer, store what it accepted, commit.
    const bool lost = rd_kafka_assignment_lost(rk);
    if (!lost) {
      self->DrainRevoked(list, std::chrono::seconds(2));
      rd_kafka_resp_err_t ce = rd_kafka_commit(rk, nullptr, 0);
      if (ce && ce != RD_KAFKA_RESP_ERR__NO_OFFSET)
        self->log->warn(
            "kafka: committing before the rebalance: {}; the next owner of the partitions reads "
            "again from the last committed offsets (duplicates)",
            rd_kafka_err2str(ce));
    }
    for (int i = 0; i < list->cnt; ++i) {
      auto it = self->parts.find({list->elems[i].topic, list->elems[i].partition});
      if (it == self->parts.end()) continue;
      for (auto& [o, e] : it->second.inflight)
        if (!e.done) --self->pending;
      self->parts.erase(it);
    }
    if (cooperative) {
      if (auto* e = rd_kafka_incremental_unassign(rk, list)) rd_kafka_error_destroy(e);
    } else {
      rd_kafka_assign(rk, nullptr);
    }
    self->log->info("kafka: revoked {} partition(s){}", list->cnt, lost ? " (lost)" : "");
  }

  bool AnyPending(const rd_kafka_topic_partition_list_t* list) {
    for (int i = 0; i < list->cnt; ++i) {
      auto it = parts.find({list->elems[i].topic, list->elems[i].partition});
      if (it == parts.end()) continue;
      for (auto& [o, e] : it->second.inflight)
        if (!e.done) return true;
    }
    return false;
  }
  void DrainRevoked(const rd_kafka_topic_partition_list_t* list, std::chrono::milliseconds d) {
    auto deadline = Clock::now() + d;
    while (AnyPending(list) && Clock::now() < deadline) {
      {
        std::unique_lock l(events->mu);
        events->cv.wait_for(l, std::chrono::milliseconds(20),
                            [&] { return !events->events.empty(); });
      }
      ProcessEvents();
    }
  }

  // ---- the poll thread -----------------------------------------------------------------------
  void Run() {
    while (!stop.load()) {
      ProcessEvents();
      ResumeDue();
      CheckCapacity();
      if (replay() && owner->finished_.load()) {
        std::unique_lock l(events->mu);
        events->cv.wait_for(l, std::chrono::milliseconds(50));
        continue;
      }
      kafka::MessagePtr m(rd_kafka_consumer_poll(rk.get(), 50));
      if (!m) continue;
      if (m->err) {
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) continue;
        uint64_t suppressed = 0;
        if (poll_log.Allow(clock, &suppressed))
          log->warn("kafka: consuming: {}{}", rd_kafka_message_errstr(m.get()),
                    exporterhelper::LogThrottle::Suffix(suppressed));
        continue;
      }
      OnMessage(*m);
    }
    // Drain: answers that come in time still move the stored offsets.
    auto deadline = Clock::now() + drain;
    while (pending > 0 && Clock::now() < deadline) {
      {
        std::unique_lock l(events->mu);
        events->cv.wait_for(l, std::chrono::milliseconds(20),
                            [&] { return !events->events.empty(); });
      }
      ProcessEvents();
    }
    if (!replay() && !opts.autocommit) rd_kafka_commit(rk.get(), nullptr, 0);
    rd_kafka_consumer_close(rk.get());
  }
};

ConsumerLoop::ConsumerLoop(std::shared_ptr<spdlog::logger> log, ConsumerOptions options,
                           DeliverFn deliver)
    : impl_(std::make_unique<Impl>()) {
  impl_->log = std::move(log);
  impl_->owner = this;
  impl_->opts = std::move(options);
  impl_->deliver = std::move(deliver);
}

ConsumerLoop::~ConsumerLoop() { Stop(); }

Status ConsumerLoop::Start() {
  Impl& i = *impl_;
  kafka::Properties props = i.opts.properties;
  if (i.replay()) {
    props.emplace_back("enable.auto.commit", "false");
    props.emplace_back("enable.auto.offset.store", "false");
    // A start offset that retention already deleted: begin at what is left.
    props.emplace_back("auto.offset.reset", "earliest");
  }
  ASSIGN_OR_RETURN(auto conf, kafka::MakeConf(props, &i));
  if (!i.replay()) rd_kafka_conf_set_rebalance_cb(conf.get(), &Impl::OnRebalance);
  ASSIGN_OR_RETURN(i.rk, kafka::NewHandle(RD_KAFKA_CONSUMER, std::move(conf)));
  rd_kafka_poll_set_consumer(i.rk.get());
  if (i.replay()) {
    PartitionListPtr l(rd_kafka_topic_partition_list_new(static_cast<int>(i.opts.ranges.size())));
    for (const auto& r : i.opts.ranges) {
      PartState& p = i.parts[{r.topic, r.partition}];
      p.start = p.pos = r.start;
      p.end = r.end;
      if (r.start < r.end)
        rd_kafka_topic_partition_list_add(l.get(), r.topic.c_str(), r.partition)->offset = r.start;
      else
        p.at_end = true;
    }
    i.UpdateProgress();
    if (rd_kafka_resp_err_t e = rd_kafka_assign(i.rk.get(), l.get()))
      return kafka::FromKafkaError(e, "assigning the replay partitions");
  } else {
    PartitionListPtr l(rd_kafka_topic_partition_list_new(static_cast<int>(i.opts.topics.size())));
    for (const auto& t : i.opts.topics)
      rd_kafka_topic_partition_list_add(l.get(), t.c_str(), RD_KAFKA_PARTITION_UA);
    if (rd_kafka_resp_err_t e = rd_kafka_subscribe(i.rk.get(), l.get()))
      return kafka::FromKafkaError(e, "subscribing");
  }
  i.thread = std::thread([&i] { i.Run(); });
  return Status::Ok();
}

void ConsumerLoop::Stop(std::chrono::milliseconds drain) {
  Impl& i = *impl_;
  if (!i.thread.joinable()) return;
  i.drain = drain;
  i.stop = true;
  i.thread.join();
  i.rk.reset();
}

}  // namespace otter::kafka_receiver
