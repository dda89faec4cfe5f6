#include "otlp/wire_split.h"

#include <cstdint>
#include <string_view>

#include "otlp/proto_codec.h"
#include "otlp/proto_wire.h"

namespace otter::otlp {
namespace {

using wire::AsBytes;
using wire::AsChars;

// One field of a message: its number, wire type, all of its bytes (tag included) and, for a
// length-delimited field, its payload.
struct Field {
  uint32_t number = 0;
  uint32_t type = 0;
  std::string_view raw;
  std::string_view payload;
};

// Iterates the fields of a message; ok() turns false at the first malformed one.
class Fields {
 public:
  explicit Fields(std::string_view m) : p_(AsBytes(m.data())), end_(p_ + m.size()) {}
  bool ok() const { return ok_; }
  bool Next(Field* f) {
    if (!ok_ || p_ >= end_) return false;
    const uint8_t* start = p_;
    uint64_t tag, v;
    size_t n = 0;
    if (!wire::ReadVarint(p_, end_, &tag) || (tag >> 3) == 0) return Fail();
    f->number = static_cast<uint32_t>(tag >> 3);
    f->type = static_cast<uint32_t>(tag & 7);
    f->payload = {};
    switch (f->type) {
      case 0:
        if (!wire::ReadVarint(p_, end_, &v)) return Fail();
        break;
      case 1:
        if (!wire::ReadFixed64(p_, end_, &v)) return Fail();
        break;
      case 2:
        if (!wire::ReadLength(p_, end_, &n)) return Fail();
        f->payload = std::string_view(AsChars(p_), n);
        p_ += n;
        break;
      case 5:
        if (end_ - p_ < 4) return Fail();
        p_ += 4;
        break;
      default:
        return Fail();
    }
    f->raw = std::string_view(AsChars(start), static_cast<size_t>(p_ - start));
    return true;
  }

 private:
  bool Fail() {
    ok_ = false;
    return false;
  }
  const uint8_t* p_;
  const uint8_t* end_;
  bool ok_ = true;
};

// Field numbers, the same in traces and logs requests: Export*ServiceRequest.resource_{spans,
// logs}, Resource{Spans,Logs}.scope_{spans,logs}, Scope{Spans,Logs}.{spans,log_records}. Below,
// "span" stands for either item.
constexpr uint32_t kResourceSpans = 1;
constexpr uint32_t kScopeSpans = 2;
constexpr uint32_t kSpans = 2;

bool IsMessage(const Field& f, uint32_t number) { return f.number == number && f.type == 2; }

void AppendMessage(std::string* out, uint32_t number, std::string_view payload) {
  uint8_t buf[20];
  uint8_t* w = wire::WriteVarint(buf, uint64_t{number} << 3 | 2);
  w = wire::WriteVarint(w, payload.size());
  out->append(AsChars(buf), static_cast<size_t>(w - buf));
  out->append(payload);
}

// Spans in a ScopeSpans / ResourceSpans payload; false if malformed.
bool CountScope(std::string_view scope, size_t* n) {
  Fields fs(scope);
  Field f;
  *n = 0;
  while (fs.Next(&f)) *n += IsMessage(f, kSpans);
  return fs.ok();
}
bool CountResource(std::string_view resource, size_t* n) {
  Fields fs(resource);
  Field f;
  *n = 0;
  while (fs.Next(&f)) {
    size_t m = 0;
    if (IsMessage(f, kScopeSpans) && !CountScope(f.payload, &m)) return false;
    *n += m;
  }
  return fs.ok();
}

// Splits a ResourceSpans (`resource`) or ScopeSpans payload after its first `keep` spans: its
// items are ScopeSpans (counted by their spans; one may be cut) or spans. Other fields go to
// both parts. `keep` is > 0 and < the payload's span count.
bool SplitMessage(std::string_view payload, bool resource, size_t keep, std::string* head,
                  std::string* tail) {
  const uint32_t child = resource ? kScopeSpans : kSpans;
  std::string common, head_items, tail_items;
  Fields fs(payload);
  Field f;
  size_t left = keep;
  bool full = false;  // the first part is complete: everything else goes to the second
  while (fs.Next(&f)) {
    if (!IsMessage(f, child)) {
      common.append(f.raw);
      continue;
    }
    size_t n = 1;
    if (resource && !CountScope(f.payload, &n)) return false;
    if (!full && n <= left) {  // (an empty scope right after the cut stays in front)
      head_items.append(f.raw);
      left -= n;
    } else if (full || left == 0) {
      full = true;
      tail_items.append(f.raw);
    } else {  // a scope cut through: its spans split, its scope on both sides
      std::string h, t;
      if (!SplitMessage(f.payload, /*resource=*/false, left, &h, &t)) return false;
      AppendMessage(&head_items, child, h);
      AppendMessage(&tail_items, child, t);
      full = true;
    }
  }
  if (!fs.ok()) return false;
  *head = common + head_items;
  *tail = std::move(common) + tail_items;
  return true;
}

std::string SplitOffItems(std::string* body, size_t max_spans) {
  std::string head, tail;
  Fields fs(*body);
  Field f;
  size_t left = max_spans;
  while (fs.Next(&f)) {
    if (!IsMessage(f, kResourceSpans)) {
      head.append(f.raw);  // an unknown top-level field stays with the first part
      continue;
    }
    size_t n = 0;
    if (!CountResource(f.payload, &n)) return {};
    if (left == 0) {
      tail.append(f.raw);
    } else if (n <= left) {
      head.append(f.raw);
      left -= n;
    } else {
      std::string h, t;
      if (!SplitMessage(f.payload, /*resource=*/true, left, &h, &t)) return {};
      AppendMessage(&head, kResourceSpans, h);
      AppendMessage(&tail, kResourceSpans, t);
      left = 0;
    }
  }
  if (!fs.ok()) return {};
  *body = std::move(tail);
  return head;
}

}  // namespace

void AppendRequest(const pdata::TraceBatch& batch, std::string* out) {
  if (!batch.wire().empty()) {
    out->append(batch.wire());
  } else {
    EncodeTraces(batch, out);
  }
}
void AppendRequest(const pdata::MetricBatch& batch, std::string* out) {
  if (!batch.wire().empty()) {
    out->append(batch.wire());
  } else {
    EncodeMetrics(batch, out);
  }
}
void AppendRequest(const pdata::LogBatch& batch, std::string* out) {
  if (!batch.wire().empty()) {
    out->append(batch.wire());
  } else {
    EncodeLogs(batch, out);
  }
}

std::string SplitOffTraces(std::string* body, size_t max_spans) {
  return SplitOffItems(body, max_spans);
}
std::string SplitOffLogs(std::string* body, size_t max_records) {
  return SplitOffItems(body, max_records);
}

}  // namespace otter::otlp
