// libFuzzer target for OTTL: the first byte picks the context and whether the text is a
// statement or a condition; the rest is the text. It must parse or fail with InvalidArgument;
// whatever parses runs on every item of that context in a small batch (spans with events,
// gauge/sum/histogram metrics, log records) and must succeed or return an error, never crash.
//   ottl_fuzz -max_len=512 -dict=fuzz/ottl.dict corpus/
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "otlp/synthetic.h"
#include "ottl/ottl.h"

namespace {

using namespace otter;

template <class Run>
void OnTraces(ottl::ContextKind kind, Run&& run) {
  pdata::TraceBatch b = otlp::MakeSyntheticTraces(2, 3);
  for (auto& rs : b.resources()) {
    for (auto& ss : rs.scope_spans) {
      ottl::Context c{&b.arenas(), &rs.resource, &ss.scope};
      if (kind == ottl::ContextKind::kResource || kind == ottl::ContextKind::kScope) {
        run(c);
        continue;
      }
      for (auto& span : ss.spans) {
        c.span = &span;
        if (kind == ottl::ContextKind::kSpan) run(c);
        for (auto& ev : span.events) {
          c.span_event = &ev;
          if (kind == ottl::ContextKind::kSpanEvent) run(c);
        }
      }
    }
  }
}

template <class Run>
void OnMetrics(ottl::ContextKind kind, Run&& run) {
  pdata::MetricBatch b = otlp::MakeSyntheticMetrics(9, 3);
  for (auto& rm : b.resources()) {
    for (auto& sm : rm.scope_metrics) {
      for (auto& m : sm.metrics) {
        ottl::Context c{&b.arenas(), &rm.resource, &sm.scope};
        c.metric = &m;
        if (kind == ottl::ContextKind::kMetric) {
          run(c);
          continue;
        }
        for (auto& p : m.number_points) {
          c.number_point = &p;
          run(c);
        }
        c.number_point = nullptr;
        for (auto& p : m.histogram_points) {
          c.histogram_point = &p;
          run(c);
        }
      }
    }
  }
}

template <class Run>
void OnLogs(Run&& run) {
  pdata::LogBatch b = otlp::MakeSyntheticLogs(2, 3);
  for (auto& rl : b.resources())
    for (auto& sl : rl.scope_logs)
      for (auto& rec : sl.log_records) {
        ottl::Context c{&b.arenas(), &rl.resource, &sl.scope};
        c.log = &rec;
        run(c);
      }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  using ottl::ContextKind;
  const ContextKind kinds[] = {
      ContextKind::kResource, ContextKind::kScope,     ContextKind::kSpan, ContextKind::kSpanEvent,
      ContextKind::kMetric,   ContextKind::kDataPoint, ContextKind::kLog};
  const ContextKind kind = kinds[(data[0] & 0x7f) % 7];
  const bool condition = data[0] & 0x80;
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);

  auto check = [](const Status& s) {
    if (s.code() != StatusCode::kInvalidArgument) std::abort();
  };
  std::optional<ottl::Statement> statement;
  std::optional<ottl::Condition> cond;
  if (condition) {
    auto c = ottl::Condition::Parse(text, kind);
    if (!c.ok()) return check(c.status()), 0;
    cond = std::move(*c);
  } else {
    auto s = ottl::Statement::Parse(text, kind);
    if (!s.ok()) return check(s.status()), 0;
    statement = std::move(*s);
  }
  auto run = [&](ottl::Context& c) {
    if (cond) {
      (void)cond->Eval(c);
    } else {
      (void)statement->Execute(c);
    }
  };
  switch (kind) {
    case ContextKind::kResource:
    case ContextKind::kScope:
      OnTraces(kind, run);
      OnMetrics(ContextKind::kMetric, run);
      OnLogs(run);
      break;
    case ContextKind::kSpan:
    case ContextKind::kSpanEvent:
      OnTraces(kind, run);
      break;
    case ContextKind::kMetric:
    case ContextKind::kDataPoint:
      OnMetrics(kind, run);
      break;
    case ContextKind::kLog:
      OnLogs(run);
      break;
  }
  return 0;
}
