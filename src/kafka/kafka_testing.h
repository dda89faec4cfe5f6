// Test-only helpers over librdkafka: produce records to, and read every record of, a topic of a
// (mock) cluster, independently of otter's exporter and receiver. Included only by *_test.cc and
// *_bench.cc files (it includes rdkafka.h).
#pragma once

#include <algorithm>
#include <chrono>
#include <string>
#include <tuple>
#include <vector>

#include "kafka/rdkafka_util.h"

namespace otter::kafka::testing {

struct TestRecord {
  int32_t partition = -1;  // -1: librdkafka's partitioner picks (by key)
  int64_t offset = -1;
  std::string key, value;
  std::vector<std::pair<std::string, std::string>> headers;
  int64_t timestamp_ms = 0;  // 0 = now (produce)
  std::string Header(const std::string& name) const {
    for (const auto& [k, v] : headers)
      if (k == name) return v;
    return {};
  }
};

inline RdKafkaPtr TestClient(rd_kafka_type_t type, const std::string& bootstrap,
                             Properties extra = {}) {
  ConfPtr conf(rd_kafka_conf_new());
  char err[512];
  rd_kafka_conf_set(conf.get(), "bootstrap.servers", bootstrap.c_str(), err, sizeof err);
  for (const auto& [k, v] : extra)
    rd_kafka_conf_set(conf.get(), k.c_str(), v.c_str(), err, sizeof err);
  return RdKafkaPtr(rd_kafka_new(type, conf.release(), err, sizeof err));
}

// Produces and waits until every record is acknowledged; false if one failed.
inline bool ProduceAll(const std::string& bootstrap, const std::string& topic,
                       const std::vector<TestRecord>& records) {
  auto p = TestClient(RD_KAFKA_PRODUCER, bootstrap);
  for (const auto& r : records) {
    rd_kafka_headers_t* h = rd_kafka_headers_new(r.headers.size());
    for (const auto& [k, v] : r.headers)
      rd_kafka_header_add(h, k.data(), static_cast<ssize_t>(k.size()), v.data(),
                          static_cast<ssize_t>(v.size()));
    rd_kafka_resp_err_t e = rd_kafka_producev(
        p.get(), RD_KAFKA_V_TOPIC(topic.c_str()),
        RD_KAFKA_V_PARTITION(r.partition < 0 ? RD_KAFKA_PARTITION_UA : r.partition),
        RD_KAFKA_V_VALUE(const_cast<char*>(r.value.data()), r.value.size()),
        RD_KAFKA_V_KEY(r.key.empty() ? nullptr : r.key.data(), r.key.size()),
        RD_KAFKA_V_TIMESTAMP(r.timestamp_ms), RD_KAFKA_V_HEADERS(h),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
    if (e) {
      rd_kafka_headers_destroy(h);
      return false;
    }
  }
  return rd_kafka_flush(p.get(), 10000) == RD_KAFKA_RESP_ERR_NO_ERROR;
}

// Reads every partition of `topic` from the beginning until `expected` records arrived or
// `deadline` passed; sorted by (partition, offset).
inline std::vector<TestRecord> ReadAll(
    const std::string& bootstrap, const std::string& topic, size_t expected,
    std::chrono::milliseconds deadline = std::chrono::seconds(10)) {
  auto c = TestClient(RD_KAFKA_CONSUMER, bootstrap,
                      {{"group.id", "otter-test-reader"}, {"enable.auto.commit", "false"}});
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(c.get(), topic.c_str(), nullptr);
  std::vector<TestRecord> out;
  if (rd_kafka_metadata(c.get(), 0, rkt, &md, 5000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    rd_kafka_topic_destroy(rkt);
    return out;
  }
  PartitionListPtr l(rd_kafka_topic_partition_list_new(4));
  for (int i = 0; i < md->topic_cnt; ++i)
    for (int p = 0; p < md->topics[i].partition_cnt; ++p)
      rd_kafka_topic_partition_list_add(l.get(), topic.c_str(), md->topics[i].partitions[p].id)
          ->offset = RD_KAFKA_OFFSET_BEGINNING;
  rd_kafka_metadata_destroy(md);
  rd_kafka_topic_destroy(rkt);
  rd_kafka_assign(c.get(), l.get());
  auto end = std::chrono::steady_clock::now() + deadline;
  while (out.size() < expected && std::chrono::steady_clock::now() < end) {
    MessagePtr m(rd_kafka_consumer_poll(c.get(), 100));
    if (!m || m->err) continue;
    TestRecord r;
    r.partition = m->partition;
    r.offset = m->offset;
    if (m->key) r.key.assign(static_cast<const char*>(m->key), m->key_len);
    if (m->payload) r.value.assign(static_cast<const char*>(m->payload), m->len);
    rd_kafka_headers_t* h = nullptr;
    if (rd_kafka_message_headers(m.get(), &h) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      const char* name;
      const void* val;
      size_t size;
      for (size_t i = 0; rd_kafka_header_get_all(h, i, &name, &val, &size) == 0; ++i)
        r.headers.emplace_back(name, std::string(static_cast<const char*>(val), size));
    }
    out.push_back(std::move(r));
  }
  rd_kafka_consumer_close(c.get());
  std::sort(out.begin(), out.end(), [](const TestRecord& a, const TestRecord& b) {
    return std::tie(a.partition, a.offset) < std::tie(b.partition, b.offset);
  });
  return out;
}

}  // namespace otter::kafka::testing
