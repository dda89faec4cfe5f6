// Differential tests of the hand-written OTLP codec against the protoc-generated classes:
// protoc-built request (every field set) -> serialize -> our decode -> our encode -> protoc parse
// -> must equal the original (MessageDifferencer) and, since we write fields in the same order,
// be byte-identical. A coverage check proves every field of the schema is exercised, so dropping
// any one field in the decoder or encoder fails a test.
#include "otlp/proto_codec.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>

#include "otlp/proto_testing.h"

namespace otter::otlp {
namespace testing {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

namespace {

std::string Bytes(std::initializer_list<int> b) {
  std::string s;
  for (int c : b) s.push_back(static_cast<char>(c));
  return s;
}

std::string Id16(int seed) {
  std::string s(16, '\0');
  for (int i = 0; i < 16; ++i) s[i] = static_cast<char>(seed * 31 + i * 7 + 1);
  return s;
}
std::string Id8(int seed) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[i] = static_cast<char>(seed * 17 + i * 13 + 1);
  return s;
}

// One attribute of every AnyValue kind, including nested arrays/kvlists and an empty value.
void AddAllValueKinds(google::protobuf::RepeatedPtrField<pb_common::KeyValue>* attrs) {
  auto add = [&](const std::string& key) {
    auto* kv = attrs->Add();
    kv->set_key(key);
    return kv->mutable_value();
  };
  add("str")->set_string_value("hello, wörld");
  add("empty.str")->set_string_value("");
  add("bool")->set_bool_value(true);
  add("bool.false")->set_bool_value(false);
  add("int")->set_int_value(-1234567890123LL);
  add("int.zero")->set_int_value(0);
  add("double")->set_double_value(3.25);
  add("bytes")->set_bytes_value(Bytes({0, 1, 0xff, 0x80, 0x7f}));
  add("empty");  // value present but no member set
  auto* arr = add("array")->mutable_array_value();
  arr->add_values()->set_string_value("a");
  arr->add_values()->set_int_value(7);
  arr->add_values();  // empty element
  auto* inner = arr->add_values()->mutable_kvlist_value()->add_values();
  inner->set_key("inner");
  inner->mutable_value()->mutable_array_value()->add_values()->set_double_value(-0.5);
  auto* kvl = add("map")->mutable_kvlist_value();
  auto* e1 = kvl->add_values();
  e1->set_key("k1");
  e1->mutable_value()->set_bool_value(true);
  auto* e2 = kvl->add_values();
  e2->set_key("k2");
  e2->mutable_value()->set_bytes_value("xyz");
  add("empty.array")->mutable_array_value();
  add("empty.map")->mutable_kvlist_value();
}

void FillResource(pb_resource::Resource* r, int n) {
  auto* kv = r->add_attributes();
  kv->set_key("service.name");
  kv->mutable_value()->set_string_value("svc-" + std::to_string(n));
  AddAllValueKinds(r->mutable_attributes());
  r->set_dropped_attributes_count(3);
}

void FillScope(pb_common::InstrumentationScope* s) {
  s->set_name("io.otter.test");
  s->set_version("1.2.3");
  auto* kv = s->add_attributes();
  kv->set_key("scope.attr");
  kv->mutable_value()->set_int_value(42);
  s->set_dropped_attributes_count(2);
}

void AddExemplar(google::protobuf::RepeatedPtrField<pb_metrics::Exemplar>* list, bool as_int,
                 int seed) {
  auto* e = list->Add();
  e->set_time_unix_nano(1700000000000000000ull + static_cast<uint64_t>(seed));
  if (as_int) {
    e->set_as_int(-77 - seed);
  } else {
    e->set_as_double(0.125 * seed);
  }
  e->set_trace_id(Id16(seed));
  e->set_span_id(Id8(seed));
  auto* kv = e->add_filtered_attributes();
  kv->set_key("filtered");
  kv->mutable_value()->set_string_value("yes");
}

void AddPointAttrs(google::protobuf::RepeatedPtrField<pb_common::KeyValue>* attrs, int n) {
  auto* kv = attrs->Add();
  kv->set_key("point");
  kv->mutable_value()->set_int_value(n);
}

}  // namespace

PbTraceRequest FullTraceRequest() {
  PbTraceRequest req;
  auto* rs = req.add_resource_spans();
  FillResource(rs->mutable_resource(), 1);
  rs->set_schema_url("https://opentelemetry.io/schemas/1.26.0");
  for (int scope = 0; scope < 2; ++scope) {
    auto* ss = rs->add_scope_spans();
    FillScope(ss->mutable_scope());
    ss->set_schema_url("https://example.com/scope/" + std::to_string(scope));
    auto* sp = ss->add_spans();
    sp->set_trace_id(Id16(scope));
    sp->set_span_id(Id8(scope));
    sp->set_trace_state("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
    sp->set_parent_span_id(Id8(scope + 10));
    sp->set_name("GET /api/users/{id}");
    sp->set_kind(pb_trace::Span::SPAN_KIND_SERVER);
    sp->set_start_time_unix_nano(1700000000123456789ull);
    sp->set_end_time_unix_nano(1700000000223456789ull);
    AddAllValueKinds(sp->mutable_attributes());
    sp->set_dropped_attributes_count(1);
    for (int i = 0; i < 2; ++i) {
      auto* ev = sp->add_events();
      ev->set_time_unix_nano(1700000000150000000ull + static_cast<uint64_t>(i));
      ev->set_name(i ? "exception" : "message");
      auto* kv = ev->add_attributes();
      kv->set_key("exception.message");
      kv->mutable_value()->set_string_value("boom");
      ev->set_dropped_attributes_count(5);
    }
    sp->set_dropped_events_count(4);
    auto* link = sp->add_links();
    link->set_trace_id(Id16(99));
    link->set_span_id(Id8(99));
    link->set_trace_state("linked=1");
    auto* lkv = link->add_attributes();
    lkv->set_key("link.kind");
    lkv->mutable_value()->set_string_value("follows_from");
    link->set_dropped_attributes_count(6);
    link->set_flags(0x301);
    sp->set_dropped_links_count(7);
    sp->mutable_status()->set_message("upstream timeout");
    sp->mutable_status()->set_code(pb_trace::Status::STATUS_CODE_ERROR);
    sp->set_flags(0x301);
    // A root span with few fields and an enum value outside the known set (proto3 keeps it).
    auto* root = ss->add_spans();
    root->set_trace_id(Id16(scope + 20));
    root->set_span_id(Id8(scope + 20));
    root->set_name("root");
    root->set_kind(static_cast<pb_trace::Span::SpanKind>(9));
    root->mutable_status()->set_code(pb_trace::Status::STATUS_CODE_OK);
    root->set_flags(0xffffffffu);
  }
  // A second resource with no resource/scope fields at all.
  auto* bare = req.add_resource_spans()->add_scope_spans()->add_spans();
  bare->set_trace_id(Id16(50));
  bare->set_span_id(Id8(50));
  return req;
}

PbMetricsRequest FullMetricsRequest() {
  PbMetricsRequest req;
  auto* rm = req.add_resource_metrics();
  FillResource(rm->mutable_resource(), 2);
  rm->set_schema_url("https://opentelemetry.io/schemas/1.26.0");
  auto* sm = rm->add_scope_metrics();
  FillScope(sm->mutable_scope());
  sm->set_schema_url("https://example.com/metrics");

  auto* gauge = sm->add_metrics();
  gauge->set_name("system.memory.usage");
  gauge->set_description("Bytes of memory in use.");
  gauge->set_unit("By");
  auto* gkv = gauge->add_metadata();
  gkv->set_key("prometheus.type");
  gkv->mutable_value()->set_string_value("gauge");
  auto* gp = gauge->mutable_gauge()->add_data_points();
  AddPointAttrs(gp->mutable_attributes(), 1);
  gp->set_start_time_unix_nano(1700000000000000000ull);
  gp->set_time_unix_nano(1700000010000000000ull);
  gp->set_as_double(1.5e9);
  AddExemplar(gp->mutable_exemplars(), false, 1);
  gp->set_flags(1);
  auto* gp2 = gauge->mutable_gauge()->add_data_points();
  gp2->set_time_unix_nano(1700000011000000000ull);
  gp2->set_as_int(-42);
  auto* gp3 = gauge->mutable_gauge()->add_data_points();  // value oneof set to zero
  gp3->set_as_double(0);

  auto* sum = sm->add_metrics();
  sum->set_name("http.server.requests");
  auto* s = sum->mutable_sum();
  s->set_aggregation_temporality(pb_metrics::AGGREGATION_TEMPORALITY_CUMULATIVE);
  s->set_is_monotonic(true);
  auto* sp = s->add_data_points();
  AddPointAttrs(sp->mutable_attributes(), 2);
  sp->set_start_time_unix_nano(1700000000000000000ull);
  sp->set_time_unix_nano(1700000010000000000ull);
  sp->set_as_int(123456789);
  AddExemplar(sp->mutable_exemplars(), true, 2);
  auto* sp0 = s->add_data_points();
  sp0->set_as_int(0);

  auto* dsum = sm->add_metrics();
  dsum->set_name("queue.delta");
  dsum->mutable_sum()->set_aggregation_temporality(pb_metrics::AGGREGATION_TEMPORALITY_DELTA);
  dsum->mutable_sum()->add_data_points()->set_as_double(-2.5);

  auto* hist = sm->add_metrics();
  hist->set_name("http.server.request.duration");
  hist->set_unit("s");
  auto* h = hist->mutable_histogram();
  h->set_aggregation_temporality(pb_metrics::AGGREGATION_TEMPORALITY_DELTA);
  auto* hp = h->add_data_points();
  AddPointAttrs(hp->mutable_attributes(), 3);
  hp->set_start_time_unix_nano(1700000000000000000ull);
  hp->set_time_unix_nano(1700000010000000000ull);
  hp->set_count(10);
  hp->set_sum(4.75);
  for (uint64_t c : {1, 2, 0, 7}) hp->add_bucket_counts(c);
  for (double b : {0.1, 0.5, 1.0}) hp->add_explicit_bounds(b);
  AddExemplar(hp->mutable_exemplars(), false, 3);
  AddExemplar(hp->mutable_exemplars(), true, 4);
  hp->set_flags(1);
  hp->set_min(0.0);  // optional: present even though zero
  hp->set_max(2.5);
  auto* hp2 = h->add_data_points();  // no sum/min/max, no buckets
  hp2->set_count(3);

  auto* exp = sm->add_metrics();
  exp->set_name("latency.exp");
  auto* eh = exp->mutable_exponential_histogram();
  eh->set_aggregation_temporality(pb_metrics::AGGREGATION_TEMPORALITY_CUMULATIVE);
  auto* ep = eh->add_data_points();
  AddPointAttrs(ep->mutable_attributes(), 4);
  ep->set_start_time_unix_nano(1700000000000000000ull);
  ep->set_time_unix_nano(1700000010000000000ull);
  ep->set_count(21);
  ep->set_sum(-12.5);
  ep->set_scale(-3);
  ep->set_zero_count(2);
  ep->mutable_positive()->set_offset(-5);
  for (uint64_t c : {1ull, 0ull, 300ull, 1ull << 40}) ep->mutable_positive()->add_bucket_counts(c);
  ep->mutable_negative()->set_offset(2);
  ep->mutable_negative()->add_bucket_counts(4);
  ep->set_flags(1);
  AddExemplar(ep->mutable_exemplars(), false, 5);
  ep->set_min(-8);
  ep->set_max(3);
  ep->set_zero_threshold(1e-9);
  auto* ep2 = eh->add_data_points();
  ep2->set_scale(20);
  ep2->mutable_positive()->add_bucket_counts(9);
  ep2->set_zero_threshold(-0.0);  // negative zero is not the default: protobuf writes it

  auto* summary = sm->add_metrics();
  summary->set_name("rpc.latency.summary");
  auto* sdp = summary->mutable_summary()->add_data_points();
  AddPointAttrs(sdp->mutable_attributes(), 5);
  sdp->set_start_time_unix_nano(1700000000000000000ull);
  sdp->set_time_unix_nano(1700000010000000000ull);
  sdp->set_count(100);
  sdp->set_sum(55.5);
  for (auto [q, v] : {std::pair{0.0, 0.1}, {0.5, 0.4}, {0.99, 2.0}, {1.0, 0.0}}) {
    auto* qv = sdp->add_quantile_values();
    qv->set_quantile(q);
    qv->set_value(v);
  }
  sdp->set_flags(1);

  sm->add_metrics()->set_name("no.data");  // oneof unset
  sm->add_metrics()->mutable_gauge();      // oneof set to an empty gauge: the type survives
  return req;
}

PbLogsRequest FullLogsRequest() {
  PbLogsRequest req;
  auto* rl = req.add_resource_logs();
  FillResource(rl->mutable_resource(), 3);
  rl->set_schema_url("https://opentelemetry.io/schemas/1.26.0");
  auto* sl = rl->add_scope_logs();
  FillScope(sl->mutable_scope());
  sl->set_schema_url("https://example.com/logs");
  std::vector<std::function<void(pb_common::AnyValue*)>> bodies = {
      [](auto* v) { v->set_string_value("a log line"); },
      [](auto* v) { v->set_string_value(""); },
      [](auto* v) { v->set_int_value(-5); },
      [](auto* v) { v->set_double_value(2.5); },
      [](auto* v) { v->set_bool_value(false); },
      [](auto* v) {
        v->set_bytes_value(Bytes({0xde, 0xad, 0xbe, 0xef}));
      },
      [](auto* v) {
        auto* a = v->mutable_array_value();
        a->add_values()->set_string_value("x");
        a->add_values()->mutable_array_value()->add_values()->set_int_value(1);
      },
      [](auto* v) {
        auto* kv = v->mutable_kvlist_value()->add_values();
        kv->set_key("event");
        kv->mutable_value()->set_string_value("login");
      },
  };
  for (size_t i = 0; i < bodies.size(); ++i) {
    auto* r = sl->add_log_records();
    r->set_time_unix_nano(1700000000000000000ull + i);
    r->set_observed_time_unix_nano(1700000000500000000ull + i);
    r->set_severity_number(static_cast<pb_logs::SeverityNumber>(i * 3 + 1));
    r->set_severity_text(i % 2 ? "WARN" : "INFO");
    bodies[i](r->mutable_body());
    if (i == 0) AddAllValueKinds(r->mutable_attributes());
    AddPointAttrs(r->mutable_attributes(), static_cast<int>(i));
    r->set_dropped_attributes_count(static_cast<uint32_t>(i));
    r->set_flags(static_cast<uint32_t>(i) | 0x100);
    if (i % 2 == 0) {
      r->set_trace_id(Id16(static_cast<int>(i)));
      r->set_span_id(Id8(static_cast<int>(i)));
    }
    if (i == 3) r->set_event_name("user.login");
  }
  sl->add_log_records();  // a record with nothing set
  return req;
}

namespace {

void CollectSet(const Message& m, std::set<std::string>* set) {
  const Reflection* r = m.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  r->ListFields(m, &fields);  // present singular fields and non-empty repeated ones
  for (const FieldDescriptor* f : fields) {
    set->insert(f->full_name());
    if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) continue;
    if (f->is_repeated()) {
      for (int i = 0; i < r->FieldSize(m, f); ++i) CollectSet(r->GetRepeatedMessage(m, f, i), set);
    } else {
      CollectSet(r->GetMessage(m, f), set);
    }
  }
}

void CollectSchema(const google::protobuf::Descriptor* d, const std::set<std::string>& ignored,
                   std::set<const google::protobuf::Descriptor*>* seen,
                   std::set<std::string>* all) {
  if (!seen->insert(d).second) return;
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    if (ignored.count(f->full_name())) continue;
    all->insert(f->full_name());
    if (f->message_type()) CollectSchema(f->message_type(), ignored, seen, all);
  }
}

}  // namespace

std::set<std::string> UnsetFields(const Message& root, const std::set<std::string>& ignored) {
  std::set<std::string> set, all, missing;
  std::set<const google::protobuf::Descriptor*> seen;
  CollectSet(root, &set);
  CollectSchema(root.GetDescriptor(), ignored, &seen, &all);
  for (const auto& f : all) {
    if (!set.count(f)) missing.insert(f);
  }
  return missing;
}

namespace {

const std::set<std::string> kNotModelled = {
    "opentelemetry.proto.common.v1.AnyValue.string_value_strindex",
    "opentelemetry.proto.common.v1.KeyValue.key_strindex",
    "opentelemetry.proto.resource.v1.Resource.entity_refs",
};

template <class Pb, class Decode, class Encode>
void ExpectRoundTrip(const Pb& in, Decode decode, Encode encode) {
  std::string wire = in.SerializeAsString();
  auto batch = decode(wire);
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  std::string ours;
  encode(*batch, &ours);
  Pb back;
  ASSERT_TRUE(back.ParseFromString(ours));
  EXPECT_EQ(Diff(in, back), "");
  EXPECT_TRUE(ours == wire) << "re-encoding is not byte-identical to protoc's output";
}

TEST(ProtoCodecCoverage, FullRequestsSetEveryModelledField) {
  EXPECT_EQ(UnsetFields(FullTraceRequest(), kNotModelled), std::set<std::string>());
  EXPECT_EQ(UnsetFields(FullMetricsRequest(), kNotModelled), std::set<std::string>());
  EXPECT_EQ(UnsetFields(FullLogsRequest(), kNotModelled), std::set<std::string>());
}

TEST(ProtoCodecTraces, RoundTripsEveryField) {
  ExpectRoundTrip(FullTraceRequest(), DecodeTraces, EncodeTraces);
}

TEST(ProtoCodecMetrics, RoundTripsEveryField) {
  ExpectRoundTrip(FullMetricsRequest(), DecodeMetrics, EncodeMetrics);
}

TEST(ProtoCodecLogs, RoundTripsEveryField) {
  ExpectRoundTrip(FullLogsRequest(), DecodeLogs, EncodeLogs);
}

TEST(ProtoCodecTraces, DecodesValues) {
  std::string wire = FullTraceRequest().SerializeAsString();
  auto b = DecodeTraces(wire);
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  ASSERT_EQ(b->resources().size(), 2u);
  const auto& rs = b->resources()[0];
  EXPECT_EQ(rs.schema_url, "https://opentelemetry.io/schemas/1.26.0");
  EXPECT_EQ(rs.resource.dropped_attributes_count, 3u);
  const pdata::AnyValue* svc = pdata::FindAttribute(rs.resource.attributes, "service.name");
  ASSERT_NE(svc, nullptr);
  EXPECT_EQ(svc->string_value, "svc-1");
  ASSERT_EQ(rs.scope_spans.size(), 2u);
  EXPECT_EQ(rs.scope_spans[1].scope.name, "io.otter.test");
  const pdata::Span& sp = rs.scope_spans[1].spans[0];
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(sp.trace_id.bytes.data()), 16), Id16(1));
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(sp.parent_span_id.bytes.data()), 8), Id8(11));
  EXPECT_EQ(sp.kind, pdata::SpanKind::kServer);
  EXPECT_EQ(sp.start_time_unix_nano, 1700000000123456789ull);
  EXPECT_EQ(sp.flags, 0x301u);
  EXPECT_EQ(sp.status.code, pdata::StatusCode::kError);
  EXPECT_EQ(sp.status.message, "upstream timeout");
  ASSERT_EQ(sp.events.size(), 2u);
  EXPECT_EQ(sp.events[1].name, "exception");
  ASSERT_EQ(sp.links.size(), 1u);
  EXPECT_EQ(sp.links[0].flags, 0x301u);
  EXPECT_EQ(static_cast<int>(rs.scope_spans[1].spans[1].kind), 9);
  const pdata::AnyValue* arr = pdata::FindAttribute(sp.attributes, "array");
  ASSERT_NE(arr, nullptr);
  ASSERT_EQ(arr->type, pdata::AnyValue::Type::kArray);
  ASSERT_EQ(arr->array_value.size(), 4u);
  EXPECT_EQ(arr->array_value[1].int_value, 7);
  EXPECT_EQ(arr->array_value[2].type, pdata::AnyValue::Type::kEmpty);
  EXPECT_EQ(arr->array_value[3].kvlist_value[0].value.array_value[0].double_value, -0.5);
  const pdata::AnyValue* bytes = pdata::FindAttribute(sp.attributes, "bytes");
  ASSERT_NE(bytes, nullptr);
  EXPECT_EQ(bytes->type, pdata::AnyValue::Type::kBytes);
  EXPECT_EQ(bytes->string_value, Bytes({0, 1, 0xff, 0x80, 0x7f}));
  EXPECT_EQ(pdata::FindAttribute(sp.attributes, "empty")->type, pdata::AnyValue::Type::kEmpty);
  EXPECT_TRUE(b->resources()[1].scope_spans[0].spans[0].parent_span_id.empty());
}

TEST(ProtoCodecMetrics, DecodesValues) {
  auto b = DecodeMetrics(FullMetricsRequest().SerializeAsString());
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  const auto& metrics = b->resources()[0].scope_metrics[0].metrics;
  ASSERT_EQ(metrics.size(), 8u);
  EXPECT_EQ(metrics[0].type, pdata::MetricType::kGauge);
  EXPECT_EQ(metrics[0].number_points[1].as_int, -42);
  EXPECT_EQ(metrics[0].number_points[2].value_type, pdata::NumberDataPoint::ValueType::kDouble);
  EXPECT_EQ(metrics[1].temporality, pdata::AggregationTemporality::kCumulative);
  EXPECT_TRUE(metrics[1].is_monotonic);
  EXPECT_TRUE(metrics[1].number_points[0].exemplars[0].is_int);
  const auto& hp = metrics[3].histogram_points;
  ASSERT_EQ(hp.size(), 2u);
  EXPECT_EQ(hp[0].sum, 4.75);
  EXPECT_EQ(hp[0].min, 0.0);
  EXPECT_EQ(hp[0].bucket_counts, (std::vector<uint64_t>{1, 2, 0, 7}));
  EXPECT_FALSE(hp[1].sum.has_value());
  EXPECT_FALSE(hp[1].min.has_value());
  const auto& ep = metrics[4].exp_histogram_points[0];
  EXPECT_EQ(ep.scale, -3);
  EXPECT_EQ(ep.positive.offset, -5);
  EXPECT_EQ(ep.positive.bucket_counts[3], 1ull << 40);
  EXPECT_EQ(metrics[5].summary_points[0].quantile_values[2].quantile, 0.99);
  EXPECT_EQ(metrics[6].type, pdata::MetricType::kEmpty);
  EXPECT_EQ(metrics[7].type, pdata::MetricType::kGauge);
}

TEST(ProtoCodecLogs, DecodesValues) {
  auto b = DecodeLogs(FullLogsRequest().SerializeAsString());
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  const auto& recs = b->resources()[0].scope_logs[0].log_records;
  ASSERT_EQ(recs.size(), 9u);
  EXPECT_EQ(recs[0].body.string_value, "a log line");
  EXPECT_EQ(recs[1].body.type, pdata::AnyValue::Type::kString);
  EXPECT_EQ(recs[2].body.int_value, -5);
  EXPECT_EQ(recs[3].event_name, "user.login");
  EXPECT_EQ(recs[3].severity_number, 10);
  EXPECT_EQ(recs[4].flags, 0x104u);
  EXPECT_FALSE(recs[4].trace_id.empty());
  EXPECT_TRUE(recs[3].trace_id.empty());
  EXPECT_EQ(recs[7].body.kvlist_value[0].key, "event");
  EXPECT_EQ(recs[8], pdata::LogRecord{});
}

TEST(ProtoCodecTraces, DecodeIsZeroCopy) {
  std::string wire = FullTraceRequest().SerializeAsString();
  pdata::TraceBatch b;
  std::string_view owned = b.arenas().Adopt(wire);
  ASSERT_TRUE(DecodeTracesInto(owned, b).ok());
  std::string_view name = b.resources()[0].scope_spans[0].spans[0].name;
  EXPECT_GE(name.data(), owned.data());
  EXPECT_LE(name.data() + name.size(), owned.data() + owned.size());
}

TEST(ProtoCodecTraces, DecodeIntoAppends) {
  pdata::TraceBatch b;
  std::string_view one = b.arenas().Adopt(FullTraceRequest().SerializeAsString());
  ASSERT_TRUE(DecodeTracesInto(one, b).ok());
  ASSERT_TRUE(DecodeTracesInto(one, b).ok());
  EXPECT_EQ(b.resources().size(), 4u);
  EXPECT_EQ(b.resources()[2], b.resources()[0]);
}

TEST(ProtoCodecTraces, EncodedSizeMatchesEncoding) {
  auto b = DecodeTraces(FullTraceRequest().SerializeAsString());
  ASSERT_TRUE(b.ok());
  std::string out = "prefix";
  EncodeTraces(*b, &out);
  EXPECT_EQ(out.size(), 6 + EncodedTracesSize(*b));
  EXPECT_EQ(out.substr(0, 6), "prefix");  // appends
}

TEST(ProtoCodecTraces, EmptyInputIsAnEmptyRequest) {
  auto b = DecodeTraces("");
  ASSERT_TRUE(b.ok());
  EXPECT_TRUE(b->resources().empty());
  std::string out;
  EncodeTraces(*b, &out);
  EXPECT_TRUE(out.empty());
}

// pdata built by hand (not from the wire) encodes to what protoc would produce.
TEST(ProtoCodecTraces, EncodesHandBuiltBatch) {
  pdata::TraceBatch b;
  pdata::ResourceSpans rs;
  rs.resource.attributes.push_back({"service.name", pdata::AnyValue::String("api")});
  pdata::ScopeSpans ss;
  pdata::Span sp;
  sp.trace_id.bytes[15] = 1;
  sp.span_id.bytes[0] = 2;
  sp.name = "op";
  sp.kind = pdata::SpanKind::kClient;
  sp.status.code = pdata::StatusCode::kOk;
  sp.attributes.push_back({"neg", pdata::AnyValue::Int(-1)});
  ss.spans.push_back(sp);
  rs.scope_spans.push_back(std::move(ss));
  b.resources().push_back(std::move(rs));
  std::string out;
  EncodeTraces(b, &out);
  PbTraceRequest req;
  ASSERT_TRUE(req.ParseFromString(out));
  const auto& pspan = req.resource_spans(0).scope_spans(0).spans(0);
  EXPECT_FALSE(req.resource_spans(0).scope_spans(0).has_scope());  // empty scope omitted
  EXPECT_EQ(pspan.trace_id().size(), 16u);
  EXPECT_EQ(pspan.parent_span_id().size(), 0u);
  EXPECT_EQ(pspan.kind(), pb_trace::Span::SPAN_KIND_CLIENT);
  EXPECT_EQ(pspan.status().code(), pb_trace::Status::STATUS_CODE_OK);
  EXPECT_EQ(pspan.attributes(0).value().int_value(), -1);
}

// ---- wire: the decoded body is kept as the batch's cached encoding ---------------------------

TEST(ProtoCodecWire, DecodeSetsWireToTheAdoptedBody) {
  std::string body = FullTraceRequest().SerializeAsString();
  auto t = DecodeTraces(body);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->wire(), body);
  std::string_view name = t->resources()[0].scope_spans[0].spans[0].name;  // clears
  EXPECT_TRUE(t->wire().empty());
  EXPECT_FALSE(name.empty());

  body = FullMetricsRequest().SerializeAsString();
  auto m = DecodeMetrics(body);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->wire(), body);

  body = FullLogsRequest().SerializeAsString();
  auto l = DecodeLogs(body);
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l->wire(), body);
  // Not a copy: the view points at the bytes the batch's strings do.
  const pdata::LogBatch& cl = *l;
  std::string_view s = cl.resources()[0].scope_logs[0].scope.name;
  EXPECT_GE(s.data(), cl.wire().data());
  EXPECT_LE(s.data() + s.size(), cl.wire().data() + cl.wire().size());
}

TEST(ProtoCodecWire, EmptyAndInvalidBodiesHaveNoWire) {
  auto empty = DecodeTraces("");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->wire().empty());
  EXPECT_FALSE(DecodeTraces(Bytes({0x0a, 0x05})).ok());
}

TEST(ProtoCodecWire, DecodeIntoDoesNotSetTheWire) {
  pdata::TraceBatch b;
  std::string_view one = b.arenas().Adopt(FullTraceRequest().SerializeAsString());
  ASSERT_TRUE(DecodeTracesInto(one, b).ok());
  EXPECT_TRUE(b.wire().empty());

  // Appending to a batch that has a wire clears it; a failed append leaves the batch as it was.
  auto w = DecodeTraces(FullTraceRequest().SerializeAsString());
  ASSERT_TRUE(w.ok());
  std::string_view wire = w->wire();
  std::string_view bad = w->arenas().Copy(Bytes({0x0a, 0x05}));
  EXPECT_FALSE(DecodeTracesInto(bad, *w).ok());
  EXPECT_EQ(w->wire(), wire);
  ASSERT_TRUE(DecodeTracesInto(one, *w).ok());
  EXPECT_TRUE(w->wire().empty());
}

}  // namespace
}  // namespace testing
}  // namespace otter::otlp
