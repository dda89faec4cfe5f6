#include "exporters/kafka/messages.h"

#include <algorithm>
#include <cstring>
#include <map>

#include "common/fnv.h"
#include "otlp/json_codec.h"
#include "otlp/proto_codec.h"

namespace otter::kafka_exporter {
namespace {

using pdata::LogBatch;
using pdata::MetricBatch;
using pdata::TraceBatch;

void Encode(const TraceBatch& b, Encoding e, std::string* out) {
  if (e == Encoding::kOtlpJson)
    otlp::EncodeTracesJson(b, out);
  else if (!b.wire().empty())
    out->assign(b.wire());  // the request as received: no re-encoding
  else
    otlp::EncodeTraces(b, out);
}
void Encode(const MetricBatch& b, Encoding e, std::string* out) {
  if (e == Encoding::kOtlpJson)
    otlp::EncodeMetricsJson(b, out);
  else if (!b.wire().empty())
    out->assign(b.wire());
  else
    otlp::EncodeMetrics(b, out);
}
void Encode(const LogBatch& b, Encoding e, std::string* out) {
  if (e == Encoding::kOtlpJson)
    otlp::EncodeLogsJson(b, out);
  else if (!b.wire().empty())
    out->assign(b.wire());
  else
    otlp::EncodeLogs(b, out);
}

std::string HeaderFor(const TraceBatch& b) { return TraceParent(b); }
std::string HeaderFor(const MetricBatch&) { return {}; }
std::string HeaderFor(const LogBatch&) { return {}; }

const char* ItemWord(const TraceBatch&) { return "span"; }
const char* ItemWord(const MetricBatch&) { return "metric data point"; }
const char* ItemWord(const LogBatch&) { return "log record"; }

template <class B>
Status SplitInto(B&& b, const MessageOptions& o, const std::string& key, std::vector<Message>& out);

// Encodes `b` as one message, or splits it until every part fits.
template <class B>
Status AppendFitting(const B& b, const MessageOptions& o, const std::string& key,
                     std::vector<Message>& out) {
  Message m;
  Encode(b, o.encoding, &m.value);
  if (m.value.size() <= o.max_bytes) {
    m.key = key;
    m.traceparent = HeaderFor(b);
    m.items = b.ItemCount();
    out.push_back(std::move(m));
    return Status::Ok();
  }
  if (b.ItemCount() <= 1)
    return InvalidArgument(
        std::string("a single ") + ItemWord(b) + " encodes to " + std::to_string(m.value.size()) +
        " bytes, more than producer::max_message_bytes (" + std::to_string(o.max_bytes) + ")");
  return SplitInto(b.Clone(), o, key, out);
}

template <class B>
Status SplitInto(B&& b, const MessageOptions& o, const std::string& key,
                 std::vector<Message>& out) {
  B first = b.SplitOff(b.ItemCount() / 2);
  RETURN_IF_ERROR(AppendFitting(first, o, key, out));
  return AppendFitting(b, o, key, out);
}

// One batch per resource (views into `b`'s arenas, which outlive the messages' encoding).
template <class B>
StatusOr<std::vector<Message>> PerResource(const B& b, const MessageOptions& o) {
  std::vector<Message> out;
  for (const auto& r : b.resources()) {
    B one;
    one.resources().push_back(r);
    RETURN_IF_ERROR(AppendFitting(one, o, ResourceKey(r.resource), out));
  }
  return out;
}

}  // namespace

Encoding ParseEncoding(const std::string& name) {
  if (name == "otlp_json") return Encoding::kOtlpJson;
  if (name == "raw") return Encoding::kRaw;
  return Encoding::kOtlpProto;
}

std::string TraceParent(const TraceBatch& batch) {
  const pdata::Span* first = nullptr;
  const pdata::Span* root = nullptr;
  for (const auto& rs : batch.resources())
    for (const auto& ss : rs.scope_spans)
      for (const auto& s : ss.spans) {
        if (!first) first = &s;
        if (s.trace_id != first->trace_id) return {};
        if (!root && s.parent_span_id.empty()) root = &s;
      }
  if (!first || first->trace_id.empty()) return {};
  const pdata::Span* pick = root ? root : first;
  return "00-" + first->trace_id.Hex() + "-" + pick->span_id.Hex() + "-01";
}

std::string ResourceKey(const pdata::Resource& resource) {
  std::vector<const pdata::KeyValue*> kvs;
  kvs.reserve(resource.attributes.size());
  for (const auto& kv : resource.attributes) kvs.push_back(&kv);
  std::sort(kvs.begin(), kvs.end(), [](auto* a, auto* b) { return a->key < b->key; });
  Fnv1a64 h1, h2;
  h2.Add("otter.resource");  // a second, independent 64 bits
  for (const auto* kv : kvs) {
    std::string v = kv->value.ToString();
    char type = static_cast<char>(kv->value.type);
    for (Fnv1a64* h : {&h1, &h2}) {
      h->Add(kv->key).Add(std::string_view("\0", 1)).Add(std::string_view(&type, 1)).Add(v);
      h->Add(std::string_view("\0", 1));
    }
  }
  std::string key(16, '\0');
  uint64_t a = h1.value(), b = h2.value();
  std::memcpy(key.data(), &a, 8);
  std::memcpy(key.data() + 8, &b, 8);
  return key;
}

StatusOr<std::vector<Message>> TraceMessages(const TraceBatch& batch, const MessageOptions& o) {
  std::vector<Message> out;
  if (!o.partition) {
    RETURN_IF_ERROR(AppendFitting(batch, o, "", out));
    return out;
  }
  // One batch per trace id, keeping each span under its resource and scope; traces in the order
  // they first appear.
  struct Group {
    TraceBatch batch;
    size_t last_rs = SIZE_MAX, last_ss = SIZE_MAX;
  };
  std::vector<Group> groups;
  std::map<pdata::TraceId, size_t> index;
  const auto& rss = batch.resources();
  for (size_t r = 0; r < rss.size(); ++r) {
    for (size_t s = 0; s < rss[r].scope_spans.size(); ++s) {
      const auto& ss = rss[r].scope_spans[s];
      for (const auto& span : ss.spans) {
        auto [it, fresh] = index.emplace(span.trace_id, groups.size());
        if (fresh) groups.emplace_back();
        Group& g = groups[it->second];
        auto& res = g.batch.resources();
        if (g.last_rs != r) {
          res.push_back({rss[r].resource, {}, rss[r].schema_url});
          g.last_rs = r;
          g.last_ss = SIZE_MAX;
        }
        if (g.last_ss != s) {
          res.back().scope_spans.push_back({ss.scope, {}, ss.schema_url});
          g.last_ss = s;
        }
        res.back().scope_spans.back().spans.push_back(span);
      }
    }
  }
  out.reserve(groups.size());
  for (auto& g : groups) {
    const TraceBatch& b = g.batch;
    const auto& first = b.resources().front().scope_spans.front().spans.front();
    RETURN_IF_ERROR(AppendFitting(b, o, first.trace_id.Hex(), out));
  }
  return out;
}

StatusOr<std::vector<Message>> MetricMessages(const MetricBatch& batch, const MessageOptions& o) {
  if (o.partition) return PerResource(batch, o);
  std::vector<Message> out;
  RETURN_IF_ERROR(AppendFitting(batch, o, "", out));
  return out;
}

StatusOr<std::vector<Message>> LogMessages(const LogBatch& batch, const MessageOptions& o) {
  if (o.encoding != Encoding::kRaw) {
    if (o.partition) return PerResource(batch, o);
    std::vector<Message> out;
    RETURN_IF_ERROR(AppendFitting(batch, o, "", out));
    return out;
  }
  // raw: one message per record, its body: bytes and strings as they are, anything else as the
  // JSON-like rendering of the value.
  std::vector<Message> out;
  for (const auto& rl : batch.resources()) {
    std::string key = o.partition ? ResourceKey(rl.resource) : std::string();
    for (const auto& sl : rl.scope_logs)
      for (const auto& rec : sl.log_records) {
        Message m;
        const auto& body = rec.body;
        if (body.type == pdata::AnyValue::Type::kString ||
            body.type == pdata::AnyValue::Type::kBytes)
          m.value.assign(body.string_value);
        else if (body.type != pdata::AnyValue::Type::kEmpty)
          m.value = body.ToString();
        if (m.value.size() > o.max_bytes)
          return InvalidArgument("a log record body of " + std::to_string(m.value.size()) +
                                 " bytes is more than producer::max_message_bytes (" +
                                 std::to_string(o.max_bytes) + ")");
        m.key = key;
        m.items = 1;
        out.push_back(std::move(m));
      }
  }
  return out;
}

}  // namespace otter::kafka_exporter
