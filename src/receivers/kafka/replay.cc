#include "receivers/kafka/replay.h"

#include <algorithm>

#include "kafka/rdkafka_util.h"
#include "query/go_parse.h"
#include "receivers/kafka/config.h"
#include "receivers/kafka/consumer_loop.h"
#include "receivers/kafka/receiver.h"

namespace otter::kafka_receiver {
namespace {

// The [start, end) of every partition of `topic`, from the watermarks and `from`.
StatusOr<std::vector<PartitionRange>> Ranges(const KafkaReceiverConfig& cfg,
                                             const std::string& topic, const ReplayFrom& from,
                                             kafka::ClientBase* client) {
  kafka::Properties props = cfg.ClientProperties();
  props.emplace_back("group.id", cfg.group_id);
  ASSIGN_OR_RETURN(auto conf, kafka::MakeConf(props, client));
  ASSIGN_OR_RETURN(auto rk, kafka::NewHandle(RD_KAFKA_CONSUMER, std::move(conf)));
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk.get(), topic.c_str(), nullptr);
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(rk.get(), 0, rkt, &md, 10000);
  rd_kafka_topic_destroy(rkt);
  if (err) return kafka::FromKafkaError(err, "reading the metadata of topic " + topic);
  std::vector<int32_t> ids;
  Status topic_error;
  for (int i = 0; i < md->topic_cnt; ++i) {
    if (topic != md->topics[i].topic) continue;
    if (md->topics[i].err) topic_error = kafka::FromKafkaError(md->topics[i].err, "topic " + topic);
    for (int p = 0; p < md->topics[i].partition_cnt; ++p)
      ids.push_back(md->topics[i].partitions[p].id);
  }
  rd_kafka_metadata_destroy(md);
  RETURN_IF_ERROR(topic_error);
  if (ids.empty()) return NotFound("topic " + topic + " has no partitions");
  std::sort(ids.begin(), ids.end());

  std::vector<PartitionRange> out;
  for (int32_t id : ids) {
    int64_t lo = 0, hi = 0;
    err = rd_kafka_query_watermark_offsets(rk.get(), topic.c_str(), id, &lo, &hi, 10000);
    if (err) return kafka::FromKafkaError(err, "reading the offsets of " + topic);
    int64_t start = lo;
    if (from.offset) start = std::clamp(*from.offset, lo, hi);
    out.push_back({topic, id, start, hi});
  }
  if (from.timestamp_ms) {
    kafka::PartitionListPtr l(rd_kafka_topic_partition_list_new(static_cast<int>(out.size())));
    for (const auto& r : out)
      rd_kafka_topic_partition_list_add(l.get(), topic.c_str(), r.partition)->offset =
          *from.timestamp_ms;
    err = rd_kafka_offsets_for_times(rk.get(), l.get(), 10000);
    if (err) return kafka::FromKafkaError(err, "looking up offsets by time in " + topic);
    for (int i = 0; i < l->cnt; ++i) {
      auto& r = *std::find_if(out.begin(), out.end(),
                              [&](auto& x) { return x.partition == l->elems[i].partition; });
      int64_t o = l->elems[i].offset;
      // An error or no answer: read the whole range and let the timestamps decide (the
      // consumer skips older messages either way).
      if (l->elems[i].err || o < 0) o = r.start;
      r.start = std::clamp(o, r.start, r.end);
    }
  }
  return out;
}

class ReplayReceiver final : public Receiver, public kafka::ClientBase {
 public:
  ReplayReceiver(const ComponentContext& ctx, const KafkaReceiverConfig& cfg, Consumers next,
                 std::shared_ptr<ReplayJob> job)
      : ctx_(ctx), cfg_(cfg), next_(next), job_(std::move(job)) {
    log = ctx.logger;
  }
  ~ReplayReceiver() override { Shutdown(); }

  Status Start() override {
    for (Signal s : kAllSignals) {
      auto topics = cfg_.Topics(s);
      if (!next_.Has(s) || std::find(topics.begin(), topics.end(), job_->topic()) == topics.end())
        continue;
      ASSIGN_OR_RETURN(auto ranges, Ranges(cfg_, job_->topic(), job_->from(), this));
      uint64_t total = 0;
      for (const auto& r : ranges) total += static_cast<uint64_t>(r.end - r.start);
      auto decoder = std::make_unique<MessageDecoder>(ctx_, cfg_, s, next_);
      ConsumerOptions o;
      o.properties = cfg_.ConsumerProperties();
      o.ranges = std::move(ranges);
      o.min_timestamp_ms = job_->from().timestamp_ms.value_or(-1);
      o.backoff = [](int) { return std::chrono::milliseconds(500); };
      auto* d = decoder.get();
      auto loop = std::make_unique<ConsumerLoop>(
          ctx_.logger, std::move(o),
          [d](const Record& r, Completion done) { d->Deliver(r, std::move(done)); });
      RETURN_IF_ERROR(loop->Start());
      job_->Add(loop.get(), total);
      decoders_.push_back(std::move(decoder));
      loops_.push_back(std::move(loop));
    }
    return Status::Ok();
  }
  void Shutdown() override {
    for (auto& l : loops_) {
      job_->Remove(l.get());
      l->Stop();
    }
    loops_.clear();
  }

 private:
  const ComponentContext ctx_;
  const KafkaReceiverConfig cfg_;
  const Consumers next_;
  std::shared_ptr<ReplayJob> job_;
  std::vector<std::unique_ptr<MessageDecoder>> decoders_;
  std::vector<std::unique_ptr<ConsumerLoop>> loops_;
};

}  // namespace

StatusOr<ReplayFrom> ParseReplayFrom(const std::string& text) {
  ReplayFrom f;
  if (!text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
        return std::isdigit(static_cast<unsigned char>(c));
      })) {
    f.offset = std::stoll(text);
    return f;
  }
  auto ns = query::ParseGoRfc3339Nano(text);
  if (!ns.ok())
    return InvalidArgument("--from: \"" + text +
                           "\" is neither an offset nor an RFC 3339 time (e.g. "
                           "2026-01-02T15:04:05Z)");
  f.timestamp_ms = *ns / 1000000;
  return f;
}

void ReplayJob::Add(ConsumerLoop* loop, uint64_t total) {
  std::lock_guard l(mu_);
  loops_.emplace_back(loop, total);
}
void ReplayJob::Remove(ConsumerLoop* loop) {
  std::lock_guard l(mu_);
  std::erase_if(loops_, [&](auto& p) { return p.first == loop; });
}
size_t ReplayJob::consumers() const {
  std::lock_guard l(mu_);
  return loops_.size();
}
uint64_t ReplayJob::done() const {
  std::lock_guard l(mu_);
  uint64_t n = 0;
  for (auto& [loop, total] : loops_) n += loop->progress();
  return n;
}
uint64_t ReplayJob::total() const {
  std::lock_guard l(mu_);
  uint64_t n = 0;
  for (auto& [loop, total] : loops_) n += total;
  return n;
}
bool ReplayJob::finished() const {
  std::lock_guard l(mu_);
  for (auto& [loop, total] : loops_)
    if (!loop->finished()) return false;
  return true;
}
uint64_t ReplayJob::filtered() const {
  std::lock_guard l(mu_);
  uint64_t n = 0;
  for (auto& [loop, total] : loops_) n += loop->stats().filtered.load();
  return n;
}

void RegisterKafkaReplayReceiver(Registry& registry, std::shared_ptr<ReplayJob> job) {
  Factory f;
  f.kind = ComponentKind::kReceiver;
  f.type = "kafka";
  f.signals = {Signal::kTraces, Signal::kMetrics, Signal::kLogs};
  f.description = "Replays a range of a Kafka topic (otter kafka replay).";
  SetConfigTable(f, KafkaReceiverConfigTable());
  f.create_receiver = [job](const ComponentContext& ctx, const ComponentConfig& cfg,
                            Consumers next) -> StatusOr<std::unique_ptr<Receiver>> {
    const auto& c = static_cast<const KafkaReceiverConfig&>(cfg);
    RETURN_IF_ERROR(c.Validate());
    return std::unique_ptr<Receiver>(std::make_unique<ReplayReceiver>(ctx, c, next, job));
  };
  registry.Add(std::move(f));
}

std::string ProgressBar(uint64_t done, uint64_t total, int width) {
  double frac =
      total ? static_cast<double>(std::min(done, total)) / static_cast<double>(total) : 1.0;
  int fill = static_cast<int>(frac * width);
  std::string bar = "[" + std::string(fill, '#') + std::string(width - fill, '.') + "]";
  char pct[16];
  std::snprintf(pct, sizeof pct, " %3d%% ", static_cast<int>(frac * 100));
  return bar + pct + " " + std::to_string(done) + "/" + std::to_string(total) + " messages";
}

}  // namespace otter::kafka_receiver
