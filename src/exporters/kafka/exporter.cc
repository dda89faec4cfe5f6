#include "exporters/kafka/exporter.h"

#include <atomic>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <thread>

#include "exporters/kafka/messages.h"
#include "kafka/rdkafka_util.h"

namespace otter::kafka_exporter {
namespace {

using exporterhelper::Attempt;

// The messages of one export still to be acknowledged, kept in the attempt's scratch across
// retries: first the export's metadata headers as one field ([name][value] fields inside), then
// [key][traceparent][value] frames (u32 length + bytes each); an acknowledged message is cut
// out, so a retry produces only what the brokers did not take.
struct Frame {
  std::string_view key, traceparent, value;
};

void PutField(std::string& out, std::string_view s) {
  uint32_t n = static_cast<uint32_t>(s.size());
  char len[4];
  std::memcpy(len, &n, 4);
  out.append(len, 4);
  out += s;
}
std::string_view GetField(std::string_view in, size_t& at) {
  uint32_t n;
  std::memcpy(&n, in.data() + at, 4);
  std::string_view s = in.substr(at + 4, n);
  at += 4 + n;
  return s;
}
// The export's `include_metadata_keys` headers, as otelcol writes them: for each configured key
// in order, one header per value the batch's metadata has (matched in any case), named as
// configured.
std::string MetadataHeaders(const std::vector<std::string>& keys, const pdata::Metadata& md) {
  std::string out;
  for (const auto& key : keys)
    for (const auto& e : md.entries())
      if (pdata::KeyEquals(e.key, key)) {
        PutField(out, key);
        PutField(out, e.value);
      }
  return out;
}
std::vector<std::pair<std::string_view, std::string_view>> Headers(std::string_view block) {
  std::vector<std::pair<std::string_view, std::string_view>> out;
  size_t at = 0;
  while (at < block.size()) {
    std::string_view name = GetField(block, at);
    out.emplace_back(name, GetField(block, at));
  }
  return out;
}
// The frames after the headers field, which `at` is left behind.
std::vector<Frame> Frames(std::string_view scratch, size_t& at) {
  std::vector<Frame> out;
  while (at < scratch.size()) {
    Frame f;
    f.key = GetField(scratch, at);
    f.traceparent = GetField(scratch, at);
    f.value = GetField(scratch, at);
    out.push_back(f);
  }
  return out;
}

// Waits for the delivery reports of one attempt's messages.
struct Delivery {
  std::mutex mu;
  std::condition_variable cv;
  size_t pending = 0;                        // GUARDED_BY(mu)
  std::vector<rd_kafka_resp_err_t> results;  // GUARDED_BY(mu) one per message
};
struct MessageRef {
  Delivery* delivery;
  size_t index;
};

void OnDelivery(rd_kafka_t*, const rd_kafka_message_t* m, void*) {
  auto* ref = static_cast<MessageRef*>(m->_private);
  if (!ref) return;
  std::lock_guard l(ref->delivery->mu);
  ref->delivery->results[ref->index] = m->err;
  if (--ref->delivery->pending == 0) ref->delivery->cv.notify_all();
}

class KafkaExporter final : public Exporter, public kafka::ClientBase {
 public:
  KafkaExporter(const ComponentContext& ctx, const KafkaExporterConfig& cfg,
                exporterhelper::SenderOptions options)
      : cfg_(cfg),
        senders_(ctx, cfg.Sender(),
                 {[this](const pdata::TraceBatch& b, const Attempt& a) {
                    return Send(Signal::kTraces, a, b.metadata(),
                                [&] { return TraceMessages(b, Options(Signal::kTraces)); });
                  },
                  [this](const pdata::MetricBatch& b, const Attempt& a) {
                    return Send(Signal::kMetrics, a, b.metadata(),
                                [&] { return MetricMessages(b, Options(Signal::kMetrics)); });
                  },
                  [this](const pdata::LogBatch& b, const Attempt& a) {
                    return Send(Signal::kLogs, a, b.metadata(),
                                [&] { return LogMessages(b, Options(Signal::kLogs)); });
                  }},
                 options) {
    log = ctx.logger;
    for (Signal s : kAllSignals) topics_[static_cast<int>(s)] = cfg.Topic(s);
  }
  ~KafkaExporter() override { Shutdown(); }

  Status Init() {
    kafka::Properties p = cfg_.ClientProperties();
    p.emplace_back("acks", std::to_string(cfg_.producer.required_acks));
    p.emplace_back("retry.backoff.ms", kafka::Millis(cfg_.metadata.retry.backoff));
    p.emplace_back("compression.codec", cfg_.Compression());
    // Room for the key, headers and record framing around a value of max_message_bytes.
    p.emplace_back("message.max.bytes", std::to_string(cfg_.producer.max_message_bytes + 4096));
    p.emplace_back("message.timeout.ms", kafka::Millis(cfg_.timeout));
    p.emplace_back("linger.ms", kafka::Millis(cfg_.producer.linger));
    p.emplace_back("allow.auto.create.topics",
                   cfg_.producer.allow_auto_topic_creation ? "true" : "false");
    if (cfg_.producer.flush_max_messages > 0)
      p.emplace_back("batch.num.messages", std::to_string(cfg_.producer.flush_max_messages));
    // Checked now (a bad property fails the build of the pipeline); the producer connects only
    // at Start, so `otter validate` opens no connection.
    ASSIGN_OR_RETURN(conf_, kafka::MakeConf(p, this));
    rd_kafka_conf_set_dr_msg_cb(conf_.get(), OnDelivery);
    return Status::Ok();
  }

  Status Start() override {
    if (producer_ || !conf_) return Status::Ok();
    ASSIGN_OR_RETURN(producer_, kafka::NewHandle(RD_KAFKA_PRODUCER, std::move(conf_)));
    poller_ = std::thread([this] {
      while (!stop_.load(std::memory_order_relaxed)) rd_kafka_poll(producer_.get(), 100);
    });
    return senders_.Start();
  }
  void Shutdown() override {
    if (shut_down_.exchange(true)) return;
    senders_.Shutdown();
    if (producer_) rd_kafka_flush(producer_.get(), 5000);
    stop_ = true;
    if (poller_.joinable()) poller_.join();
  }
  Consumers consumers() override { return senders_.consumers(); }

 private:
  MessageOptions Options(Signal s) const {
    MessageOptions o;
    o.encoding = ParseEncoding(cfg_.Encoding(s));
    o.partition = s == Signal::kTraces    ? cfg_.partition_traces_by_id
                  : s == Signal::kMetrics ? cfg_.partition_metrics_by_resource_attributes
                                          : cfg_.partition_logs_by_resource_attributes;
    o.max_bytes = static_cast<size_t>(cfg_.producer.max_message_bytes);
    return o;
  }

  template <class MakeFn>
  Status Send(Signal s, const Attempt& a, const pdata::Metadata& metadata, MakeFn make) {
    if (!producer_) return Unavailable("the kafka exporter is not started");
    std::string& scratch = *a.scratch;
    if (a.number == 1) {
      auto msgs = make();
      if (!msgs.ok()) return msgs.status();
      PutField(scratch, MetadataHeaders(cfg_.include_metadata_keys, metadata));
      for (const auto& m : *msgs) {
        PutField(scratch, m.key);
        PutField(scratch, m.traceparent);
        PutField(scratch, m.value);
      }
    }
    if (scratch.empty()) return Status::Ok();
    size_t at = 0;
    const std::string_view header_block = GetField(scratch, at);
    const auto headers = Headers(header_block);
    std::vector<Frame> frames = Frames(scratch, at);
    if (frames.empty()) return Status::Ok();
    Delivery d;
    d.results.assign(frames.size(), RD_KAFKA_RESP_ERR_NO_ERROR);
    std::vector<MessageRef> refs(frames.size());
    Status produce_error;
    size_t produced = 0;
    const std::string& topic = topics_[static_cast<int>(s)];
    for (size_t i = 0; i < frames.size(); ++i) {
      refs[i] = {&d, i};
      {
        std::lock_guard l(d.mu);
        ++d.pending;
      }
      rd_kafka_resp_err_t err = ProduceOne(topic, frames[i], headers, &refs[i]);
      if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        std::lock_guard l(d.mu);
        --d.pending;
        d.results[i] = err;
        produce_error = kafka::FromKafkaError(err, "producing to " + topic);
        // Leave the rest for the retry: the local queue is full or the client is failing.
        for (size_t j = i + 1; j < frames.size(); ++j) d.results[j] = err;
        break;
      }
      ++produced;
    }
    {
      // Every produced message gets a report within message.timeout.ms (librdkafka retries
      // inside it); shutdown's cancellation purges the queue so that the reports come at once.
      auto sub = a.cancel ? a.cancel->OnCancel([this] {
        rd_kafka_purge(producer_.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
      })
                          : exporterhelper::Cancellation::Subscription();
      std::unique_lock l(d.mu);
      d.cv.wait(l, [&] { return d.pending == 0; });
    }
    // Keep only what was not acknowledged.
    std::string rest;
    PutField(rest, header_block);
    Status first_error = produce_error, permanent;
    for (size_t i = 0; i < frames.size(); ++i) {
      rd_kafka_resp_err_t err = d.results[i];
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) continue;
      PutField(rest, frames[i].key);
      PutField(rest, frames[i].traceparent);
      PutField(rest, frames[i].value);
      Status st = kafka::FromKafkaError(err, "delivery to " + topic);
      if (first_error.ok()) first_error = st;
      if (!st.retryable() && permanent.ok()) permanent = st;
    }
    (void)produced;
    scratch.swap(rest);
    if (!permanent.ok()) return permanent;
    return first_error;
  }

  rd_kafka_resp_err_t ProduceOne(
      const std::string& topic, const Frame& f,
      const std::vector<std::pair<std::string_view, std::string_view>>& metadata_headers,
      MessageRef* ref) {
    // The value and key stay in the attempt's scratch until every report arrived: no copy.
    if (f.traceparent.empty() && metadata_headers.empty())
      return rd_kafka_producev(producer_.get(), RD_KAFKA_V_TOPIC(topic.c_str()),
                               RD_KAFKA_V_VALUE(const_cast<char*>(f.value.data()), f.value.size()),
                               RD_KAFKA_V_KEY(f.key.empty() ? nullptr : f.key.data(), f.key.size()),
                               RD_KAFKA_V_OPAQUE(ref), RD_KAFKA_V_END);
    // librdkafka copies header names and values; the message owns `h` once produced.
    rd_kafka_headers_t* h = rd_kafka_headers_new(1 + metadata_headers.size());
    if (!f.traceparent.empty())
      rd_kafka_header_add(h, "traceparent", -1, f.traceparent.data(),
                          static_cast<ssize_t>(f.traceparent.size()));
    for (const auto& [name, value] : metadata_headers)
      rd_kafka_header_add(h, name.data(), static_cast<ssize_t>(name.size()), value.data(),
                          static_cast<ssize_t>(value.size()));
    rd_kafka_resp_err_t err =
        rd_kafka_producev(producer_.get(), RD_KAFKA_V_TOPIC(topic.c_str()),
                          RD_KAFKA_V_VALUE(const_cast<char*>(f.value.data()), f.value.size()),
                          RD_KAFKA_V_KEY(f.key.empty() ? nullptr : f.key.data(), f.key.size()),
                          RD_KAFKA_V_HEADERS(h), RD_KAFKA_V_OPAQUE(ref), RD_KAFKA_V_END);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) rd_kafka_headers_destroy(h);
    return err;
  }

  const KafkaExporterConfig cfg_;
  std::string topics_[3];
  kafka::ConfPtr conf_;  // until Start creates the producer with it
  kafka::RdKafkaPtr producer_;
  std::atomic<bool> stop_{false}, shut_down_{false};
  std::thread poller_;                     // serves delivery reports
  exporterhelper::SignalSenders senders_;  // last: its threads call Send
};

}  // namespace

StatusOr<std::unique_ptr<Exporter>> CreateExporter(const ComponentContext& ctx,
                                                   const KafkaExporterConfig& cfg,
                                                   exporterhelper::SenderOptions options) {
  RETURN_IF_ERROR(cfg.Validate());
  auto e = std::make_unique<KafkaExporter>(ctx, cfg, std::move(options));
  RETURN_IF_ERROR(e->Init());
  return std::unique_ptr<Exporter>(std::move(e));
}

}  // namespace otter::kafka_exporter
