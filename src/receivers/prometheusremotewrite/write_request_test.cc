#include "receivers/prometheusremotewrite/write_request.h"

#include <gtest/gtest.h>

#include <bit>
#include <limits>

#include "exporters/prometheusremotewrite/write_request.h"

namespace otter::prometheusremotewrite {
namespace {

// `series` as the exporter's encoder writes it, read back and translated (no metadata); the
// batch holds copies of its strings.
pdata::MetricBatch EncodeAndTranslate(const store::ConvertedSeries& series, TranslateStats* stats) {
  const std::string body = EncodeWriteRequests({series}, {}, 1 << 20)[0];
  auto req = DecodeWriteRequest(body);
  EXPECT_TRUE(req.ok()) << req.status().ToString();
  return req.ok() ? TranslateWriteRequest(*req, {}, stats) : pdata::MetricBatch{};
}

// The exporter's encoder writes the request; the receiver must read back exactly that.
TEST(RemoteWriteReceiveTest, DecodesWhatTheExporterEncodes) {
  store::ConvertedSeries a;
  a.labels = {{"__name__", "http_requests_total"},
              {"code", "200"},
              {"instance", "pod-1"},
              {"job", "shop/frontend"}};
  a.samples = {{1000, 3}, {2000, 5}};
  a.exemplars = {{{{"trace_id", "0af7651916cd43dd8448eb211c80319c"}, {"user", "u1"}}, 4.5, 1500}};
  store::ConvertedSeries b;
  b.labels = {{"__name__", "temperature"}, {"job", "sensor"}};
  b.samples = {{1000, -1.5}};
  store::MetricFamilyMetadata md{"http_requests", {"counter", "Requests served.", ""}};
  auto bodies = EncodeWriteRequests({a, b}, {md}, 1 << 20);
  ASSERT_EQ(bodies.size(), 1u);

  auto req = DecodeWriteRequest(bodies[0]);
  ASSERT_TRUE(req.ok()) << req.status().ToString();
  ASSERT_EQ(req->series.size(), 2u);
  ASSERT_EQ(req->metadata.size(), 1u);
  EXPECT_EQ(req->metadata[0].family, "http_requests");
  EXPECT_EQ(req->metadata[0].type, 1);

  std::map<std::string, FamilyInfo, std::less<>> families = {
      {"http_requests", {1, "Requests served."}}};
  TranslateStats stats;
  pdata::MetricBatch batch = TranslateWriteRequest(*req, families, &stats);
  EXPECT_EQ(stats.points, 3u);
  ASSERT_EQ(batch.resources().size(), 2u);
  const auto& r0 = batch.resources()[0];
  EXPECT_EQ(r0.resource.attributes,
            (pdata::Attributes{{"service.namespace", pdata::AnyValue::String("shop")},
                               {"service.name", pdata::AnyValue::String("frontend")},
                               {"service.instance.id", pdata::AnyValue::String("pod-1")}}));
  const pdata::Metric& m = r0.scope_metrics[0].metrics[0];
  EXPECT_EQ(m.name, "http_requests_total");
  EXPECT_EQ(m.type, pdata::MetricType::kSum);  // the metadata says counter
  EXPECT_TRUE(m.is_monotonic);
  EXPECT_EQ(m.description, "Requests served.");
  ASSERT_EQ(m.number_points.size(), 2u);
  EXPECT_EQ(m.number_points[1].time_unix_nano, 2'000'000'000u);
  EXPECT_EQ(m.number_points[1].as_double, 5);
  EXPECT_EQ(m.number_points[1].attributes,
            (pdata::Attributes{{"code", pdata::AnyValue::String("200")}}));
  ASSERT_EQ(m.number_points[1].exemplars.size(), 1u);
  const pdata::Exemplar& e = m.number_points[1].exemplars[0];
  EXPECT_EQ(e.trace_id.Hex(), "0af7651916cd43dd8448eb211c80319c");
  EXPECT_EQ(e.filtered_attributes, (pdata::Attributes{{"user", pdata::AnyValue::String("u1")}}));
  EXPECT_EQ(e.as_double, 4.5);
  const pdata::Metric& g = batch.resources()[1].scope_metrics[0].metrics[0];
  EXPECT_EQ(g.type, pdata::MetricType::kGauge);
  EXPECT_EQ(g.number_points[0].as_double, -1.5);
}

// A minimal protobuf writer for hand-built messages (integer native histograms, which otter's
// exporter never writes: it sends float counts).
struct Msg {
  std::string b;
  void Varint(uint64_t v) {
    for (; v >= 0x80; v >>= 7) b += static_cast<char>(v | 0x80);
    b += static_cast<char>(v);
  }
  Msg& U(uint32_t f, uint64_t v) { return Varint(f << 3), Varint(v), *this; }
  Msg& S(uint32_t f, int64_t v) {
    return U(f, (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
  }
  Msg& D(uint32_t f, double v) {
    Varint(f << 3 | 1);
    uint64_t bits = std::bit_cast<uint64_t>(v);
    b.append(reinterpret_cast<const char*>(&bits), 8);
    return *this;
  }
  Msg& L(uint32_t f, std::string_view v) {
    return Varint(f << 3 | 2), Varint(v.size()), b += v, *this;
  }
  Msg& PackedSint(uint32_t f, std::vector<int64_t> vs) {
    Msg p;
    for (int64_t v : vs) p.Varint((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
    return L(f, p.b);
  }
};

std::string Label(std::string_view n, std::string_view v) { return Msg().L(1, n).L(2, v).b; }
std::string Span(int32_t offset, uint32_t length) { return Msg().S(1, offset).U(2, length).b; }

TEST(RemoteWriteReceiveTest, IntegerNativeHistogramsBecomeExponentialHistograms) {
  // schema 1, zero bucket 1, positive buckets 1,2 then (gap of 2) 5 with deltas 2,-1,+2 → 2,1,3,
  // negative bucket 2 with count 1; then a stale marker; then a gauge histogram (not carried).
  std::string h1 = Msg()
                       .U(1, 8)
                       .D(3, 30.5)
                       .S(4, 1)
                       .D(5, 1e-128)
                       .U(6, 1)
                       .L(8, Span(2, 1))
                       .PackedSint(9, {1})
                       .L(11, Span(1, 2))
                       .L(11, Span(2, 1))
                       .PackedSint(12, {2, -1, 2})
                       .U(15, 5000)
                       .b;
  std::string stale =
      Msg().U(1, 0).D(3, std::bit_cast<double>(0x7ff0000000000002ull)).U(15, 6000).b;
  std::string gauge = Msg().U(1, 1).D(3, 1).U(14, 3).U(15, 7000).b;
  std::string series = Msg()
                           .L(1, Label("__name__", "rpc_latency_seconds"))
                           .L(1, Label("job", "api"))
                           .L(1, Label("method", "get"))
                           .L(4, h1)
                           .L(4, stale)
                           .L(4, gauge)
                           .b;
  const std::string body = Msg().L(1, series).b;  // the request's views point into it
  auto req = DecodeWriteRequest(body);
  ASSERT_TRUE(req.ok()) << req.status().ToString();
  TranslateStats stats;
  pdata::MetricBatch batch = TranslateWriteRequest(*req, {}, &stats);
  ASSERT_EQ(req->series.size(), 1u);
  EXPECT_EQ(req->series[0].histograms.size(), 3u);
  EXPECT_EQ(stats.points, 2u);
  EXPECT_EQ(stats.skipped_histograms, 1u);  // the gauge histogram
  const pdata::Metric& m = batch.resources()[0].scope_metrics[0].metrics[0];
  EXPECT_EQ(m.name, "rpc_latency_seconds");
  EXPECT_EQ(m.type, pdata::MetricType::kExponentialHistogram);
  EXPECT_EQ(m.temporality, pdata::AggregationTemporality::kCumulative);
  ASSERT_EQ(m.exp_histogram_points.size(), 2u);
  const auto& p = m.exp_histogram_points[0];
  EXPECT_EQ(p.attributes, (pdata::Attributes{{"method", pdata::AnyValue::String("get")}}));
  EXPECT_EQ(p.time_unix_nano, 5'000'000'000u);
  EXPECT_EQ(p.count, 8u);
  EXPECT_EQ(p.sum, 30.5);
  EXPECT_EQ(p.scale, 1);
  EXPECT_EQ(p.zero_count, 1u);
  EXPECT_EQ(p.zero_threshold, 1e-128);
  EXPECT_EQ(p.positive.offset, 0);  // Prometheus bucket 1 is OTLP bucket 0
  EXPECT_EQ(p.positive.bucket_counts, (std::vector<uint64_t>{2, 1, 0, 0, 3}));
  EXPECT_EQ(p.negative.offset, 1);
  EXPECT_EQ(p.negative.bucket_counts, (std::vector<uint64_t>{1}));
  EXPECT_EQ(p.flags, 0u);
  const auto& s = m.exp_histogram_points[1];
  EXPECT_EQ(s.flags, pdata::kNoRecordedValueFlag);
  EXPECT_FALSE(s.sum.has_value());
}

// Found by write_request_fuzz: bucket deltas whose running sum passes int64 (UBSan: signed
// overflow) wrap around as in Go, to a negative count, and the sample is skipped; a gap between
// spans that is negative or wider than any schema's range (it was a resize to 2^64 - 5 buckets,
// or to gigabytes) skips the sample too. The samples after them still translate.
TEST(RemoteWriteReceiveTest, HistogramsWithOverflowingDeltasOrGapsAreSkipped) {
  auto histogram = [](std::vector<int64_t> deltas, std::string spans, uint64_t t_ms) {
    return Msg().U(1, 3).D(3, 1).S(4, 0).b + spans + Msg().PackedSint(12, deltas).U(15, t_ms).b;
  };
  const int64_t kMin = std::numeric_limits<int64_t>::min();
  std::string overflow = histogram({-41, kMin}, Msg().L(11, Span(0, 2)).b, 1000);
  std::string negative_gap = histogram({1, 0}, Msg().L(11, Span(0, 1)).L(11, Span(-5, 1)).b, 2000);
  std::string huge_gap = histogram({1, 0}, Msg().L(11, Span(0, 1)).L(11, Span(1 << 20, 1)).b, 3000);
  std::string fine = histogram({1, 2}, Msg().L(11, Span(0, 1)).L(11, Span(2, 1)).b, 4000);
  std::string series = Msg()
                           .L(1, Label("__name__", "rpc_latency_seconds"))
                           .L(4, overflow)
                           .L(4, negative_gap)
                           .L(4, huge_gap)
                           .L(4, fine)
                           .b;
  const std::string body = Msg().L(1, series).b;
  auto req = DecodeWriteRequest(body);
  ASSERT_TRUE(req.ok()) << req.status().ToString();
  ASSERT_EQ(req->series.size(), 1u);
  ASSERT_EQ(req->series[0].histograms.size(), 4u);
  TranslateStats stats;
  pdata::MetricBatch batch = TranslateWriteRequest(*req, {}, &stats);
  EXPECT_EQ(stats.points, 1u);
  EXPECT_EQ(stats.skipped_histograms, 3u);
  const pdata::Metric& m = batch.resources()[0].scope_metrics[0].metrics[0];
  ASSERT_EQ(m.exp_histogram_points.size(), 1u);
  EXPECT_EQ(m.exp_histogram_points[0].time_unix_nano, 4'000'000'000u);
  EXPECT_EQ(m.exp_histogram_points[0].positive.bucket_counts, (std::vector<uint64_t>{1, 0, 0, 3}));
}

// Float counts as otter's own exporter (and Prometheus's rate-derived recording rules) write
// them: whole numbers translate, fractions cannot be OTLP bucket counts.
TEST(RemoteWriteReceiveTest, FloatNativeHistogramsNeedWholeCounts) {
  store::ConvertedSeries a;
  a.labels = {{"__name__", "order_size_bytes"}, {"instance", "pod-1"}, {"job", "shop"}};
  store::NativeHistogram whole;
  whole.schema = 0;
  whole.count = 3;
  whole.sum = 6;
  whole.positive_spans = {{1, 2}};
  whole.positive_buckets = {1, 2};
  store::NativeHistogram fractional = whole;
  fractional.positive_buckets = {0.5, 2.5};
  a.histograms = {{1000, whole}, {2000, fractional}};
  a.exemplars = {{{{"trace_id", "0af7651916cd43dd8448eb211c80319c"}}, 1.5, 900}};
  TranslateStats stats;
  pdata::MetricBatch batch = EncodeAndTranslate(a, &stats);
  EXPECT_EQ(stats.points, 1u);
  EXPECT_EQ(stats.skipped_histograms, 1u);
  const pdata::Metric& m = batch.resources()[0].scope_metrics[0].metrics[0];
  ASSERT_EQ(m.exp_histogram_points.size(), 1u);
  const auto& p = m.exp_histogram_points[0];
  EXPECT_EQ(p.count, 3u);
  EXPECT_EQ(p.scale, 0);
  EXPECT_EQ(p.positive.offset, 0);
  EXPECT_EQ(p.positive.bucket_counts, (std::vector<uint64_t>{1, 2}));
  ASSERT_EQ(p.exemplars.size(), 1u);
  EXPECT_EQ(p.exemplars[0].trace_id.Hex(), "0af7651916cd43dd8448eb211c80319c");
}

// Found by write_request_fuzz: a float count of 1.9e89 was converted to uint64 (UBSan: out of
// range). A count, zero count or bucket count of 2^64 or more cannot be an OTLP count: the
// sample is skipped; 2^63 (the largest power of two below) still translates.
TEST(RemoteWriteReceiveTest, FloatCountsPastUint64AreSkipped) {
  store::ConvertedSeries a;
  a.labels = {{"__name__", "order_size_bytes"}, {"job", "shop"}};
  store::NativeHistogram big;
  big.schema = 0;
  big.count = 0x1p63;
  big.sum = 6;
  big.positive_spans = {{1, 2}};
  big.positive_buckets = {1, 0x1p63};
  store::NativeHistogram huge_count = big, huge_zero = big, huge_bucket = big;
  huge_count.count = 1.91097e+89;
  huge_zero.zero_count = 0x1p64;
  huge_bucket.positive_buckets = {1, 0x1p64};
  a.histograms = {{1000, huge_count}, {2000, huge_zero}, {3000, huge_bucket}, {4000, big}};
  TranslateStats stats;
  pdata::MetricBatch batch = EncodeAndTranslate(a, &stats);
  EXPECT_EQ(stats.points, 1u);
  EXPECT_EQ(stats.skipped_histograms, 3u);
  const pdata::Metric& m = batch.resources()[0].scope_metrics[0].metrics[0];
  ASSERT_EQ(m.exp_histogram_points.size(), 1u);
  EXPECT_EQ(m.exp_histogram_points[0].time_unix_nano, 4'000'000'000u);
  EXPECT_EQ(m.exp_histogram_points[0].count, uint64_t{1} << 63);
  EXPECT_EQ(m.exp_histogram_points[0].positive.bucket_counts,
            (std::vector<uint64_t>{1, uint64_t{1} << 63}));
}

TEST(RemoteWriteReceiveTest, MalformedBodiesNameWhatIsWrong) {
  store::ConvertedSeries a;
  a.labels = {{"__name__", "x"}};
  a.samples = {{1, 1}};
  std::string body = EncodeWriteRequests({a}, {}, 1 << 20)[0];
  EXPECT_EQ(DecodeWriteRequest(body.substr(0, body.size() - 3)).status().message(),
            "malformed protobuf: truncated field");
  std::string bad = body;
  bad[4] = static_cast<char>(0xff);  // inside the label: a broken length
  EXPECT_FALSE(DecodeWriteRequest(bad).ok());
}

}  // namespace
}  // namespace otter::prometheusremotewrite
