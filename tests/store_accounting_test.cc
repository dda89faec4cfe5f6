// Accounting across the OTLP receiver's ingest path and the store exporter, in process: after a
// mixed run (traces, metrics with points the store cannot keep, logs; some writes refused because
// the store is closing) every item the receiver got is, per signal, exactly one of stored,
// refused or dropped — and the exporter's otelcol_exporter_* counters agree with the store's.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <future>
#include <string>

#include "exporters/store/store_exporter.h"
#include "otlp/json_codec.h"
#include "otlp/proto_codec.h"
#include "otlp/synthetic.h"
#include "receivers/otlp/ingest.h"
#include "store/store_testing.h"

namespace otter::testing {
namespace {

namespace fs = std::filesystem;
using otlp_receiver::WireFormat;

// One metric of each kind the store keeps (gauge, cumulative sum, cumulative histogram with two
// points) and of each kind it cannot (a sum of unspecified temporality with three points, an
// exponential histogram of a scale native histograms do not have).
// OTLP points: 1 + 1 + 2 + 3 + 1 = 8, of which 4 are kept and 4 dropped.
constexpr char kMixedMetricsJson[] = R"({"resourceMetrics":[{"resource":{"attributes":[
  {"key":"service.name","value":{"stringValue":"acct"}}]},"scopeMetrics":[{"metrics":[
  {"name":"temp","gauge":{"dataPoints":[{"timeUnixNano":"1700000000000000000","asDouble":21.5}]}},
  {"name":"requests","sum":{"aggregationTemporality":2,"isMonotonic":true,"dataPoints":[
    {"startTimeUnixNano":"1690000000000000000","timeUnixNano":"1700000000000000000","asInt":"7"}]}},
  {"name":"latency","unit":"s","histogram":{"aggregationTemporality":2,"dataPoints":[
    {"startTimeUnixNano":"1690000000000000000","timeUnixNano":"1700000000000000000","count":"3",
     "sum":1.5,"bucketCounts":["1","1","1"],"explicitBounds":[0.1,1]},
    {"startTimeUnixNano":"1690000000000000000","timeUnixNano":"1700000010000000000","count":"4",
     "sum":2.5,"bucketCounts":["1","2","1"],"explicitBounds":[0.1,1]}]}},
  {"name":"bytes_in","sum":{"aggregationTemporality":0,"isMonotonic":true,"dataPoints":[
    {"timeUnixNano":"1700000000000000000","asInt":"1"},
    {"timeUnixNano":"1700000010000000000","asInt":"2"},
    {"timeUnixNano":"1700000020000000000","asInt":"3"}]}},
  {"name":"size","exponentialHistogram":{"aggregationTemporality":2,"dataPoints":[
    {"startTimeUnixNano":"1690000000000000000","timeUnixNano":"1700000000000000000","count":"2",
     "scale":-5,"zeroCount":"0","positive":{"offset":0,"bucketCounts":["1","1"]}}]}}
]}]}]})";
constexpr int kMixedPoints = 8;
constexpr int kMixedDropped = 4;

std::string Proto(const pdata::TraceBatch& b) {
  std::string s;
  otlp::EncodeTraces(b, &s);
  return s;
}
std::string Proto(const pdata::LogBatch& b) {
  std::string s;
  otlp::EncodeLogs(b, &s);
  return s;
}
std::string MixedMetricsProto() {
  auto b = otlp::DecodeMetricsJson(kMixedMetricsJson);
  EXPECT_TRUE(b.ok()) << b.status().message();
  std::string s;
  if (b.ok()) otlp::EncodeMetrics(*b, &s);
  return s;
}

class StoreAccountingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("otter-acct-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    ctx_.id = {"store", ""};
    ctx_.kind = ComponentKind::kExporter;
    ctx_.logger = NullLogger();
    ctx_.metrics = &metrics_;
    StoreExporterConfig cfg;
    cfg.directory = dir_.string();
    cfg.sync = false;
    cfg.query.endpoint = "";
    exporter_ = std::make_unique<StoreExporter>(ctx_, cfg);
    ASSERT_TRUE(exporter_->Start().ok());
  }
  void TearDown() override {
    exporter_.reset();
    fs::remove_all(dir_);
  }

  // Sends one protobuf request through the receiver's ingest path; returns the answer.
  template <class B>
  Status Send(std::string body) {
    const Signal signal = SignalOf<B>();
    auto counters = otlp_receiver::MakeItemCounters(&metrics_, "otlp", signal, "http");
    Consumer<B>* consumer = nullptr;
    if constexpr (std::is_same_v<B, pdata::TraceBatch>) consumer = exporter_->consumers().traces;
    if constexpr (std::is_same_v<B, pdata::MetricBatch>) consumer = exporter_->consumers().metrics;
    if constexpr (std::is_same_v<B, pdata::LogBatch>) consumer = exporter_->consumers().logs;
    std::promise<Status> answer;
    auto f = answer.get_future();
    otlp_receiver::Ingest(*consumer, std::move(body), WireFormat::kProtobuf, counters,
                          Completion([&answer](Status s) { answer.set_value(std::move(s)); }));
    return f.get();
  }

  double Value(const std::string& name, const telemetry::Labels& labels) const {
    return metrics_.Value(name, labels);
  }
  // received (receiver accepted + refused) and the store's and exporter's view of one signal.
  struct Books {
    double received, written, refused, dropped, sent, send_failed;
  };
  Books BooksOf(Signal s) const {
    const std::string items(SignalItemName(s));
    const telemetry::Labels rl = {{"receiver", "otlp"}, {"transport", "http"}};
    const telemetry::Labels sl = {{"signal", std::string(SignalName(s))}};
    const telemetry::Labels el = {{"exporter", "store"}};
    return {Value("otelcol_receiver_accepted_" + items, rl) +
                Value("otelcol_receiver_refused_" + items, rl),
            Value("otter_store_written_items_total", sl),
            Value("otter_store_refused_items_total", sl),
            Value("otter_store_dropped_items_total", sl),
            Value("otelcol_exporter_sent_" + items, el),
            Value("otelcol_exporter_send_failed_" + items, el)};
  }

  fs::path dir_;
  telemetry::SelfMetrics metrics_;
  ComponentContext ctx_;
  std::unique_ptr<StoreExporter> exporter_;
};

TEST_F(StoreAccountingTest, ReceivedEqualsStoredPlusRefusedPlusDroppedForEverySignal) {
  const std::string metrics = MixedMetricsProto();
  ASSERT_FALSE(metrics.empty());
  // Accepted: 3 trace requests (30 spans), 2 metric requests (16 points, 8 of them not
  // representable), 2 log requests (14 records).
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(Send<pdata::TraceBatch>(Proto(otlp::MakeSyntheticTraces(10, i + 1))).ok());
  for (int i = 0; i < 2; ++i) {
    // What the store cannot keep is answered as a partial success naming the metrics.
    Status s = Send<pdata::MetricBatch>(metrics);
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ(s.rejected_items(), static_cast<uint64_t>(kMixedDropped));
    EXPECT_NE(s.message().find("metric \"bytes_in\": aggregation temporality is unspecified"),
              std::string::npos)
        << s.message();
    EXPECT_NE(s.message().find("metric \"size\""), std::string::npos) << s.message();
    EXPECT_EQ(s.message().find("\"temp\""), std::string::npos) << s.message();
  }
  for (int i = 0; i < 2; ++i)
    ASSERT_TRUE(Send<pdata::LogBatch>(Proto(otlp::MakeSyntheticLogs(7, i + 1))).ok());

  // The store closes: what comes next is refused (retryably) and must be counted as such.
  exporter_->store()->Close();
  Status refused = Send<pdata::TraceBatch>(Proto(otlp::MakeSyntheticTraces(5, 9)));
  EXPECT_FALSE(refused.ok());
  EXPECT_TRUE(refused.retryable()) << refused.ToString();
  EXPECT_FALSE(Send<pdata::MetricBatch>(metrics).ok());
  EXPECT_FALSE(Send<pdata::LogBatch>(Proto(otlp::MakeSyntheticLogs(3, 9))).ok());

  struct Expected {
    Signal signal;
    double received, written, refused, dropped;
  };
  const Expected expected[] = {
      {Signal::kTraces, 35, 30, 5, 0},
      // Metric points, not Prometheus samples: each histogram point is one item (the two
      // histogram points alone are 2 * (3 buckets + sum + count) = 10 samples).
      {Signal::kMetrics, 3 * kMixedPoints, 2 * (kMixedPoints - kMixedDropped), kMixedPoints,
       2 * kMixedDropped},
      {Signal::kLogs, 17, 14, 3, 0},
  };
  for (const Expected& e : expected) {
    SCOPED_TRACE(std::string(SignalName(e.signal)));
    Books b = BooksOf(e.signal);
    EXPECT_EQ(b.received, e.received);
    EXPECT_EQ(b.written, e.written);
    EXPECT_EQ(b.refused, e.refused);
    EXPECT_EQ(b.dropped, e.dropped);
    EXPECT_EQ(b.received, b.written + b.refused + b.dropped);
    // The exporter's view: kept items were sent; refused ones and, in a partial success, the
    // ones not kept failed.
    EXPECT_EQ(b.sent, b.written);
    EXPECT_EQ(b.send_failed, b.refused + b.dropped);
  }
}

}  // namespace
}  // namespace otter::testing
