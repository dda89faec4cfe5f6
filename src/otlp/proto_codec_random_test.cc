// Seeded randomized differential round trips: random protoc-built requests (random presence of
// every field, random varint widths, nested values, unknown enum values) must survive our
// decode + encode unchanged, byte for byte. WalkTraces must accept exactly what DecodeTraces
// accepts, valid or mutated, and present the same content.
#include <gtest/gtest.h>

#include <random>

#include "otlp/item_limits.h"
#include "otlp/proto_codec.h"
#include "otlp/proto_decode_internal.h"
#include "otlp/proto_testing.h"

namespace otter::otlp::testing {
namespace {

template <class T>
using Repeated = google::protobuf::RepeatedPtrField<T>;

class RandomOtlp {
 public:
  explicit RandomOtlp(uint64_t seed) : rng_(seed) {}

  bool Coin(int percent = 50) { return static_cast<int>(rng_() % 100) < percent; }
  int Below(int n) { return static_cast<int>(rng_() % static_cast<uint64_t>(n)); }
  // Values of every varint width, often zero.
  uint64_t U64() {
    if (Coin(20)) return 0;
    int bits = 1 + Below(64);
    return bits == 64 ? rng_() : rng_() & ((1ull << bits) - 1);
  }
  uint32_t U32() { return static_cast<uint32_t>(U64()); }
  int32_t I32() { return static_cast<int32_t>(U64()); }
  double Dbl() {
    switch (Below(5)) {
      case 0:
        return 0;
      case 1:
        return Below(1000) - 500;
      case 2:
        return std::ldexp(static_cast<double>(rng_() >> 11), Below(200) - 100) * (Coin() ? 1 : -1);
      case 3:
        return std::numeric_limits<double>::infinity() * (Coin() ? 1 : -1);
      default:
        return static_cast<double>(rng_() >> 11) * 0x1.0p-53;
    }
  }
  // Valid UTF-8 (protoc rejects invalid UTF-8 in proto3 strings).
  std::string Str(int max_len = 12) {
    static const char* kPieces[] = {"a", "Z", "0", " ", "/", "é", "漢", "🦦", "_", "."};
    std::string s;
    int n = Coin(15) ? 0 : Below(max_len + 1);
    for (int i = 0; i < n; ++i) s += kPieces[Below(10)];
    return s;
  }
  std::string RawBytes(int max_len = 10) {
    std::string s(static_cast<size_t>(Below(max_len + 1)), '\0');
    for (char& c : s) c = static_cast<char>(rng_());
    return s;
  }
  std::string Id(size_t n) {
    if (Coin(15)) return {};
    std::string s(n, '\0');
    for (char& c : s) c = static_cast<char>(rng_());
    s[0] |= 1;  // never all-zero (that would read back as "absent")
    return s;
  }

  void Value(pb_common::AnyValue* v, int depth) {
    switch (Below(depth < 4 ? 9 : 7)) {
      case 0:
        v->set_string_value(Str());
        break;
      case 1:
        v->set_bool_value(Coin());
        break;
      case 2:
        v->set_int_value(static_cast<int64_t>(U64()));
        break;
      case 3:
        v->set_double_value(Dbl());
        break;
      case 4:
        v->set_bytes_value(RawBytes());
        break;
      case 5:
        break;  // empty
      case 6:
        v->set_string_value(Str(40));
        break;
      case 7: {
        auto* a = v->mutable_array_value();
        for (int i = Below(4); i > 0; --i) Value(a->add_values(), depth + 1);
        break;
      }
      default:
        Attrs(v->mutable_kvlist_value()->mutable_values(), depth + 1, 4);
    }
  }
  void Attrs(Repeated<pb_common::KeyValue>* attrs, int depth = 0, int max = 6) {
    for (int i = Below(max + 1); i > 0; --i) {
      auto* kv = attrs->Add();
      kv->set_key(Str());
      Value(kv->mutable_value(), depth);  // our encoder always writes KeyValue.value
    }
  }
  template <class M>
  void Resource(M* m) {
    auto* r = m->mutable_resource();
    Attrs(r->mutable_attributes());
    r->set_dropped_attributes_count(U32());
    if (r->ByteSizeLong() == 0) m->clear_resource();  // empty singular messages are omitted
    m->set_schema_url(Str());
  }
  template <class M>
  void Scope(M* m) {
    auto* s = m->mutable_scope();
    s->set_name(Str());
    s->set_version(Str());
    Attrs(s->mutable_attributes());
    s->set_dropped_attributes_count(U32());
    if (s->ByteSizeLong() == 0) m->clear_scope();
    m->set_schema_url(Str());
  }

  PbTraceRequest Traces() {
    PbTraceRequest req;
    for (int r = Below(3) + 1; r > 0; --r) {
      auto* rs = req.add_resource_spans();
      Resource(rs);
      for (int s = Below(3); s > 0; --s) {
        auto* ss = rs->add_scope_spans();
        Scope(ss);
        for (int n = Below(4); n > 0; --n) Span(ss->add_spans());
      }
    }
    return req;
  }
  void Span(pb_trace::Span* sp) {
    sp->set_trace_id(Id(16));
    sp->set_span_id(Id(8));
    sp->set_trace_state(Str());
    sp->set_parent_span_id(Id(8));
    sp->set_name(Str());
    sp->set_kind(static_cast<pb_trace::Span::SpanKind>(Coin(80) ? Below(6) : I32()));
    sp->set_start_time_unix_nano(U64());
    sp->set_end_time_unix_nano(U64());
    Attrs(sp->mutable_attributes());
    sp->set_dropped_attributes_count(U32());
    for (int i = Below(3); i > 0; --i) {
      auto* e = sp->add_events();
      e->set_time_unix_nano(U64());
      e->set_name(Str());
      Attrs(e->mutable_attributes());
      e->set_dropped_attributes_count(U32());
    }
    sp->set_dropped_events_count(U32());
    for (int i = Below(3); i > 0; --i) {
      auto* l = sp->add_links();
      l->set_trace_id(Id(16));
      l->set_span_id(Id(8));
      l->set_trace_state(Str());
      Attrs(l->mutable_attributes());
      l->set_dropped_attributes_count(U32());
      l->set_flags(U32());
    }
    sp->set_dropped_links_count(U32());
    sp->mutable_status()->set_message(Str());
    sp->mutable_status()->set_code(static_cast<pb_trace::Status::StatusCode>(Below(3)));
    if (sp->status().ByteSizeLong() == 0) sp->clear_status();
    sp->set_flags(U32());
  }

  PbMetricsRequest Metrics() {
    PbMetricsRequest req;
    for (int r = Below(3) + 1; r > 0; --r) {
      auto* rm = req.add_resource_metrics();
      Resource(rm);
      for (int s = Below(3); s > 0; --s) {
        auto* sm = rm->add_scope_metrics();
        Scope(sm);
        for (int n = Below(5); n > 0; --n) Metric(sm->add_metrics());
      }
    }
    return req;
  }
  void Exemplars(Repeated<pb_metrics::Exemplar>* list) {
    for (int i = Below(3); i > 0; --i) {
      auto* e = list->Add();
      Attrs(e->mutable_filtered_attributes());
      e->set_time_unix_nano(U64());
      if (Coin()) {
        e->set_as_int(static_cast<int64_t>(U64()));
      } else {
        e->set_as_double(Dbl());  // pdata cannot represent an exemplar without a value
      }
      e->set_span_id(Id(8));
      e->set_trace_id(Id(16));
    }
  }
  template <class P>
  void PointCommon(P* p) {
    Attrs(p->mutable_attributes());
    p->set_start_time_unix_nano(U64());
    p->set_time_unix_nano(U64());
    p->set_flags(U32());
  }
  void NumberPoints(Repeated<pb_metrics::NumberDataPoint>* points) {
    for (int i = Below(4); i > 0; --i) {
      auto* p = points->Add();
      PointCommon(p);
      int v = Below(3);
      if (v == 1) p->set_as_double(Dbl());
      if (v == 2) p->set_as_int(static_cast<int64_t>(U64()));
      Exemplars(p->mutable_exemplars());
    }
  }
  void Buckets(pb_metrics::ExponentialHistogramDataPoint* p, bool positive) {
    auto* b = positive ? p->mutable_positive() : p->mutable_negative();
    b->set_offset(I32());
    for (int i = Below(5); i > 0; --i) b->add_bucket_counts(U64());
    if (b->ByteSizeLong() == 0) positive ? p->clear_positive() : p->clear_negative();
  }
  void Metric(pb_metrics::Metric* m) {
    m->set_name(Str());
    m->set_description(Str());
    m->set_unit(Str());
    auto temporality = [&] { return static_cast<pb_metrics::AggregationTemporality>(Below(3)); };
    switch (Below(6)) {
      case 0:
        NumberPoints(m->mutable_gauge()->mutable_data_points());
        break;
      case 1: {
        auto* s = m->mutable_sum();
        NumberPoints(s->mutable_data_points());
        s->set_aggregation_temporality(temporality());
        s->set_is_monotonic(Coin());
        break;
      }
      case 2: {
        auto* h = m->mutable_histogram();
        h->set_aggregation_temporality(temporality());
        for (int i = Below(3); i > 0; --i) {
          auto* p = h->add_data_points();
          PointCommon(p);
          p->set_count(U64());
          if (Coin()) p->set_sum(Dbl());
          if (Coin()) p->set_min(Dbl());
          if (Coin()) p->set_max(Dbl());
          int n = Below(5);
          for (int k = 0; k < n; ++k) p->add_explicit_bounds(Dbl());
          if (n || Coin()) {
            for (int k = 0; k <= n; ++k) p->add_bucket_counts(U64());
          }
          Exemplars(p->mutable_exemplars());
        }
        break;
      }
      case 3: {
        auto* h = m->mutable_exponential_histogram();
        h->set_aggregation_temporality(temporality());
        for (int i = Below(3); i > 0; --i) {
          auto* p = h->add_data_points();
          PointCommon(p);
          p->set_count(U64());
          if (Coin()) p->set_sum(Dbl());
          p->set_scale(I32());
          p->set_zero_count(U64());
          Buckets(p, true);
          Buckets(p, false);
          Exemplars(p->mutable_exemplars());
          if (Coin()) p->set_min(Dbl());
          if (Coin()) p->set_max(Dbl());
          p->set_zero_threshold(Dbl());
        }
        break;
      }
      case 4: {
        auto* s = m->mutable_summary();
        for (int i = Below(3); i > 0; --i) {
          auto* p = s->add_data_points();
          PointCommon(p);
          p->set_count(U64());
          p->set_sum(Dbl());
          for (int k = Below(4); k > 0; --k) {
            auto* q = p->add_quantile_values();
            q->set_quantile(Dbl());
            q->set_value(Dbl());
          }
        }
        break;
      }
      default:
        break;  // no data
    }
    Attrs(m->mutable_metadata());
  }

  PbLogsRequest Logs() {
    PbLogsRequest req;
    for (int r = Below(3) + 1; r > 0; --r) {
      auto* rl = req.add_resource_logs();
      Resource(rl);
      for (int s = Below(3); s > 0; --s) {
        auto* sl = rl->add_scope_logs();
        Scope(sl);
        for (int n = Below(5); n > 0; --n) {
          auto* lr = sl->add_log_records();
          lr->set_time_unix_nano(U64());
          lr->set_observed_time_unix_nano(U64());
          lr->set_severity_number(static_cast<pb_logs::SeverityNumber>(Below(25)));
          lr->set_severity_text(Str());
          Value(lr->mutable_body(), 0);
          if (lr->body().ByteSizeLong() == 0) lr->clear_body();
          Attrs(lr->mutable_attributes());
          lr->set_dropped_attributes_count(U32());
          lr->set_flags(U32());
          lr->set_trace_id(Id(16));
          lr->set_span_id(Id(8));
          lr->set_event_name(Str());
        }
      }
    }
    return req;
  }

 private:
  std::mt19937_64 rng_;
};

constexpr int kIterations = 300;

template <class Pb, class Decode, class Encode>
void CheckRoundTrip(const Pb& in, Decode decode, Encode encode, int iteration) {
  std::string wire = in.SerializeAsString();
  auto batch = decode(wire);
  ASSERT_TRUE(batch.ok()) << "iteration " << iteration << ": " << batch.status().ToString();
  std::string ours;
  encode(*batch, &ours);
  Pb back;
  ASSERT_TRUE(back.ParseFromString(ours)) << "iteration " << iteration;
  ASSERT_EQ(Diff(in, back), "") << "iteration " << iteration;
  ASSERT_TRUE(ours == wire) << "iteration " << iteration << ": not byte-identical";
}

TEST(ProtoCodecRandom, Traces) {
  RandomOtlp gen(20240601);
  for (int i = 0; i < kIterations; ++i) {
    CheckRoundTrip(gen.Traces(), DecodeTraces, EncodeTraces, i);
    if (HasFatalFailure()) return;
  }
}

TEST(ProtoCodecRandom, Metrics) {
  RandomOtlp gen(777);
  for (int i = 0; i < kIterations; ++i) {
    CheckRoundTrip(gen.Metrics(), DecodeMetrics, EncodeMetrics, i);
    if (HasFatalFailure()) return;
  }
}

TEST(ProtoCodecRandom, Logs) {
  RandomOtlp gen(31337);
  for (int i = 0; i < kIterations; ++i) {
    CheckRoundTrip(gen.Logs(), DecodeLogs, EncodeLogs, i);
    if (HasFatalFailure()) return;
  }
}

// Rebuilds what WalkTraces presents as one ScopeSpans per Scope call, checking the order of
// the calls (each owner's attributes, indexed from 0, just before it).
class Rebuild final : public TraceVisitor {
 public:
  void Scope(const pdata::ResourceSpans& rs, const pdata::ScopeSpans& ss) override {
    EXPECT_TRUE(pending_.empty());
    EXPECT_TRUE(rs.scope_spans.empty() && ss.spans.empty());
    scopes.push_back({rs, ss});
  }
  void Attribute(const pdata::KeyValue& kv, uint32_t index) override {
    pending_.push_back({kv, index});
  }
  void Event(const pdata::SpanEvent& e, uint32_t nattrs) override {
    events_.push_back(e);
    events_.back().attributes = Take(nattrs);
  }
  void Link(const pdata::SpanLink& l, uint32_t nattrs) override {
    links_.push_back(l);
    links_.back().attributes = Take(nattrs);
  }
  void Span(const pdata::Span& s, uint32_t nattrs) override {
    EXPECT_TRUE(s.attributes.empty() && s.events.empty() && s.links.empty());
    EXPECT_EQ(pending_.size(), nattrs);
    ASSERT_FALSE(scopes.empty());
    pdata::Span& out = scopes.back().second.spans.emplace_back(s);
    out.attributes = Take(nattrs);
    out.events = std::move(events_);
    out.links = std::move(links_);
    events_.clear();
    links_.clear();
  }

  std::vector<std::pair<pdata::ResourceSpans, pdata::ScopeSpans>> scopes;

 private:
  // The last n attributes visited, which must be indexed 0..n-1.
  pdata::Attributes Take(uint32_t n) {
    pdata::Attributes out;
    EXPECT_GE(pending_.size(), n);
    n = std::min<uint32_t>(n, static_cast<uint32_t>(pending_.size()));
    for (size_t i = pending_.size() - n; i < pending_.size(); ++i) {
      EXPECT_EQ(pending_[i].second, out.size());
      out.push_back(pending_[i].first);
    }
    pending_.resize(pending_.size() - n);
    return out;
  }
  std::vector<std::pair<pdata::KeyValue, uint32_t>> pending_;
  std::vector<pdata::SpanEvent> events_;
  std::vector<pdata::SpanLink> links_;
};

// WalkTraces and DecodeTraces agree on `wire`: both accept it or both reject it, and the walk
// presents the decoded content, scope by scope.
void CheckWalk(const std::string& wire, const std::string& what) {
  auto decoded = DecodeTraces(wire);
  Rebuild rebuilt;
  bool walked = WalkTraces(wire, rebuilt);
  ASSERT_EQ(walked, decoded.ok()) << what << ": " << decoded.status().ToString();
  ASSERT_EQ(CountTraces(wire).has_value(), walked) << what;
  if (!walked) return;
  EXPECT_EQ(*CountTraces(wire), decoded->ItemCount()) << what;
  std::vector<std::pair<pdata::ResourceSpans, pdata::ScopeSpans>> want;
  for (const auto& rs : decoded->resources()) {
    pdata::ResourceSpans bare = rs;
    bare.scope_spans.clear();
    for (const auto& ss : rs.scope_spans) want.push_back({bare, ss});
  }
  ASSERT_EQ(rebuilt.scopes.size(), want.size()) << what;
  for (size_t i = 0; i < want.size(); ++i) {
    ASSERT_TRUE(rebuilt.scopes[i].first == want[i].first) << what << ": resource " << i;
    ASSERT_TRUE(rebuilt.scopes[i].second == want[i].second) << what << ": scope " << i;
  }
}

TEST(ProtoCodecRandom, WalkTracesPresentsWhatDecodeTracesDecodes) {
  RandomOtlp gen(424242);
  for (int i = 0; i < kIterations; ++i) {
    CheckWalk(gen.Traces().SerializeAsString(), "iteration " + std::to_string(i));
    if (HasFatalFailure()) return;
  }
}

// `wire` with one random change: a byte changed, 1-3 dropped or one inserted, or cut short.
std::string Damaged(std::string wire, std::mt19937_64& rng) {
  size_t at = rng() % wire.size();
  switch (rng() % 4) {
    case 0:
      wire[at] = static_cast<char>(rng());
      break;
    case 1:
      wire.erase(at, 1 + rng() % 3);
      break;
    case 2:
      wire.insert(at, 1, static_cast<char>(rng()));
      break;
    default:
      wire.resize(at);
  }
  return wire;
}

// Limits small enough that random requests often exceed them, and what a decoder watches of them.
ItemLimits SmallLimits() {
  ItemLimits limits;
  limits.max_attributes = 6;
  limits.max_array_length = 4;
  limits.max_string_length = 40;
  return limits;
}
internal::WatchedLimits WatchedOf(const ItemLimits& limits) {
  return {limits.max_attributes, limits.max_array_length, limits.max_string_length,
          limits.repair_utf8};
}

// Calls check(wire, what) on kIterations requests from make() and `damaged` damaged copies of
// each, until a fatal failure.
template <class Make, class Check>
void ForRandomAndDamaged(Make&& make, int damaged, std::mt19937_64& rng, Check&& check) {
  for (int i = 0; i < kIterations; ++i) {
    std::string wire = make();
    check(wire, "iteration " + std::to_string(i));
    if (::testing::Test::HasFatalFailure() || wire.empty()) continue;
    for (int m = 0; m < damaged; ++m) {
      check(Damaged(wire, rng),
            "iteration " + std::to_string(i) + " mutation " + std::to_string(m));
      if (::testing::Test::HasFatalFailure()) return;
    }
  }
}

// Damaged requests (bytes changed, dropped or inserted; cut short) are accepted or rejected by
// both alike.
TEST(ProtoCodecRandom, WalkTracesAcceptsExactlyWhatDecodeTracesAccepts) {
  RandomOtlp gen(9001);
  std::mt19937_64 rng(5);
  int accepted = 0, rejected = 0;
  for (int i = 0; i < kIterations; ++i) {
    std::string wire = gen.Traces().SerializeAsString();
    if (wire.empty()) continue;
    for (int m = 0; m < 20; ++m) {
      std::string bad = Damaged(wire, rng);
      CheckWalk(bad, "iteration " + std::to_string(i) + " mutation " + std::to_string(m));
      if (HasFatalFailure()) return;
      (DecodeTraces(bad).ok() ? accepted : rejected)++;
    }
  }
  // Both outcomes were exercised.
  EXPECT_GT(accepted, 100);
  EXPECT_GT(rejected, 100);
}

// CountTracesWithinLimits (the receiver's check of a traces request it passes on undecoded)
// accepts a request exactly when the decoder accepts it and, watching the limits, notes nothing
// they may change; when it accepts, applying the limits changes nothing.
TEST(ProtoCodecRandom, CountTracesWithinLimitsAcceptsWhatTheLimitsLeaveUnchanged) {
  RandomOtlp gen(77);
  std::mt19937_64 rng(13);
  const ItemLimits limits = SmallLimits();
  const internal::WatchedLimits watched = WatchedOf(limits);
  int within = 0, over = 0, rejected = 0;
  auto check = [&](const std::string& wire, const std::string& what) {
    bool noted = false;
    auto decoded = internal::DecodeTracesWatching(wire, watched, &noted);
    std::optional<size_t> n = CountTracesWithinLimits(wire, limits);
    if (!decoded.ok()) {
      EXPECT_EQ(n, std::nullopt) << what;
      rejected++;
      return;
    }
    EXPECT_EQ(n.has_value(), !noted) << what;
    if (n) {
      EXPECT_EQ(*n, decoded->ItemCount()) << what;
      EXPECT_FALSE(ApplyItemLimits(*decoded, limits).any()) << what;
    }
    (noted ? over : within)++;
  };
  ForRandomAndDamaged([&] { return gen.Traces().SerializeAsString(); }, 10, rng, check);
  EXPECT_GT(within, 20) << over;
  EXPECT_GT(over, 20) << within;
  EXPECT_GT(rejected, 100);
}

// CountLogs (the receiver's check of a logs request it passes on undecoded) accepts exactly what
// DecodeLogs accepts, and counts its records; with limits, it accepts exactly what the limits
// would leave unchanged. Random requests, and damaged ones.
TEST(ProtoCodecRandom, CountLogsAcceptsExactlyWhatDecodeLogsAccepts) {
  RandomOtlp gen(4711);
  std::mt19937_64 rng(11);
  const ItemLimits limits = SmallLimits();
  const internal::WatchedLimits watched = WatchedOf(limits);
  int accepted = 0, rejected = 0, within = 0, over = 0;
  auto check = [&](const std::string& wire, const std::string& what) {
    auto decoded = DecodeLogs(wire);
    std::optional<size_t> n = CountLogs(wire, nullptr);
    ASSERT_EQ(n.has_value(), decoded.ok()) << what << ": " << decoded.status().ToString();
    (decoded.ok() ? accepted : rejected)++;
    if (!decoded.ok()) return;
    EXPECT_EQ(*n, decoded->ItemCount()) << what;
    // Exactly when the decoder, watching the limits, notes something they may change (then the
    // receiver decodes and applies them); never when they would change something.
    bool noted = false;
    ASSERT_TRUE(internal::DecodeLogsWatching(wire, watched, &noted).ok()) << what;
    LimitCounts counts;
    ASSERT_TRUE(DecodeLogsWithinLimits(wire, limits, &counts).ok()) << what;
    std::optional<size_t> m = CountLogs(wire, &limits);
    EXPECT_EQ(m.has_value(), !noted) << what;
    if (m) {
      EXPECT_FALSE(counts.any()) << what;
    }
    (noted ? over : within)++;
  };
  ForRandomAndDamaged([&] { return gen.Logs().SerializeAsString(); }, 20, rng, check);
  // Every outcome was exercised.
  EXPECT_GT(accepted, 100);
  EXPECT_GT(rejected, 100);
  EXPECT_GT(within, 20) << over;
  EXPECT_GT(over, 20) << within;
}

}  // namespace
}  // namespace otter::otlp::testing
