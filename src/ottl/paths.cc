// OTTL paths: the fields of each context (resource, scope, span, spanevent, metric, datapoint,
// log) with their getters and setters, context prefixes (`resource.attributes`, `span.name`),
// and index keys (`attributes["a"]["b"]`, `body["k"][0]`). As in the Go collector, setting a
// typed field from a value of the wrong type leaves the field unchanged.
#include <array>
#include <type_traits>

#include "config/node.h"
#include "ottl/internal.h"

namespace otter::ottl::internal {
namespace {

using Getter = Status (*)(Context&, Value&);
using Setter = Status (*)(Context&, const Value&);
using MapFn = pdata::Attributes* (*)(Context&);
using ValueFn = pdata::AnyValue* (*)(Context&);

struct Field {
  const char* name;
  Getter get = nullptr;
  Setter set = nullptr;     // null: read-only
  MapFn map = nullptr;      // the field is a map (attributes)
  ValueFn value = nullptr;  // the field is an AnyValue (log body)
};

// ---- generic accessors over Context::*Item → Item::*Member --------------------------------
template <auto Item, auto Member>
Status GetStr(Context& c, Value& out) {
  out = Value::String((c.*Item)->*Member);
  return Status::Ok();
}
template <auto Item, auto Member>
Status SetStr(Context& c, const Value& v) {
  if (v.type == Type::kString) (c.*Item)->*Member = c.arenas->Copy(v.string_value);
  return Status::Ok();
}
template <auto Item, auto Member>
Status GetInt(Context& c, Value& out) {
  out = Value::Int(static_cast<int64_t>((c.*Item)->*Member));
  return Status::Ok();
}
template <auto Item, auto Member>
Status SetInt(Context& c, const Value& v) {
  using T = std::remove_reference_t<decltype((c.*Item)->*Member)>;
  if (v.type == Type::kInt) (c.*Item)->*Member = static_cast<T>(v.int_value);
  return Status::Ok();
}
template <auto Item, auto Member>
Status GetBool(Context& c, Value& out) {
  out = Value::Bool((c.*Item)->*Member);
  return Status::Ok();
}
template <auto Item, auto Member>
Status SetBool(Context& c, const Value& v) {
  if (v.type == Type::kBool) (c.*Item)->*Member = v.bool_value;
  return Status::Ok();
}
template <auto Item, auto Member>
pdata::Attributes* MapOf(Context& c) {
  return &((c.*Item)->*Member);
}
template <auto Item, auto Member>
Status GetId(Context& c, Value& out) {
  const auto& id = (c.*Item)->*Member;
  out.type = Type::kBytes;
  out.string_value =
      std::string_view(reinterpret_cast<const char*>(id.bytes.data()), id.bytes.size());
  return Status::Ok();
}
template <auto Item, auto Member>
Status SetId(Context& c, const Value& v) {
  auto& id = (c.*Item)->*Member;
  if (v.type == Type::kBytes && v.string_value.size() == id.bytes.size())
    std::copy(v.string_value.begin(), v.string_value.end(), id.bytes.begin());
  return Status::Ok();
}
template <auto Item, auto Member>
Status GetIdString(Context& c, Value& out) {
  out = Value::String(c.arenas->Copy(((c.*Item)->*Member).Hex()));
  return Status::Ok();
}
template <auto Item, auto Member>
Status SetIdString(Context& c, const Value& v) {
  auto& id = (c.*Item)->*Member;
  if (v.type != Type::kString) return Status::Ok();
  if (!pdata::ParseHexId(v.string_value, &id))
    return InvalidArgument("\"" + std::string(v.string_value) + "\" is not a valid hex id of " +
                           std::to_string(id.bytes.size()) + " bytes");
  return Status::Ok();
}

#define OTTL_STR(item, member) GetStr<item, member>, SetStr<item, member>
#define OTTL_INT(item, member) GetInt<item, member>, SetInt<item, member>
#define OTTL_ID(item, member) GetId<item, member>, SetId<item, member>
#define OTTL_IDSTR(item, member) GetIdString<item, member>, SetIdString<item, member>
#define OTTL_MAP(item, member) nullptr, nullptr, MapOf<item, member>

constexpr auto kRes = &Context::resource;
constexpr auto kScope = &Context::scope;
constexpr auto kSpan = &Context::span;
constexpr auto kEvent = &Context::span_event;
constexpr auto kMetric = &Context::metric;
constexpr auto kLog = &Context::log;

const Field kResourceFields[] = {
    {"attributes", OTTL_MAP(kRes, &pdata::Resource::attributes)},
    {"dropped_attributes_count", OTTL_INT(kRes, &pdata::Resource::dropped_attributes_count)},
};

const Field kScopeFields[] = {
    {"name", OTTL_STR(kScope, &pdata::InstrumentationScope::name)},
    {"version", OTTL_STR(kScope, &pdata::InstrumentationScope::version)},
    {"attributes", OTTL_MAP(kScope, &pdata::InstrumentationScope::attributes)},
    {"dropped_attributes_count",
     OTTL_INT(kScope, &pdata::InstrumentationScope::dropped_attributes_count)},
};

const char* SpanKindString(pdata::SpanKind k) {
  static const char* kNames[] = {"Unspecified", "Internal", "Server",
                                 "Client",      "Producer", "Consumer"};
  auto i = static_cast<size_t>(k);
  return i < 6 ? kNames[i] : "";
}

const Field kSpanFields[] = {
    {"trace_id", OTTL_ID(kSpan, &pdata::Span::trace_id)},
    {"trace_id.string", OTTL_IDSTR(kSpan, &pdata::Span::trace_id)},
    {"span_id", OTTL_ID(kSpan, &pdata::Span::span_id)},
    {"span_id.string", OTTL_IDSTR(kSpan, &pdata::Span::span_id)},
    {"parent_span_id", OTTL_ID(kSpan, &pdata::Span::parent_span_id)},
    {"parent_span_id.string", OTTL_IDSTR(kSpan, &pdata::Span::parent_span_id)},
    {"trace_state", OTTL_STR(kSpan, &pdata::Span::trace_state)},
    {"name", OTTL_STR(kSpan, &pdata::Span::name)},
    {"kind", OTTL_INT(kSpan, &pdata::Span::kind)},
    {"kind.string",
     [](Context& c, Value& out) {
       out = Value::String(SpanKindString(c.span->kind));
       return Status::Ok();
     },
     [](Context& c, const Value& v) {
       for (int k = 0; k <= 5; ++k)
         if (v.type == Type::kString && v.string_value == SpanKindString(pdata::SpanKind(k)))
           c.span->kind = pdata::SpanKind(k);
       return Status::Ok();
     }},
    {"start_time_unix_nano", OTTL_INT(kSpan, &pdata::Span::start_time_unix_nano)},
    {"end_time_unix_nano", OTTL_INT(kSpan, &pdata::Span::end_time_unix_nano)},
    {"attributes", OTTL_MAP(kSpan, &pdata::Span::attributes)},
    {"dropped_attributes_count", OTTL_INT(kSpan, &pdata::Span::dropped_attributes_count)},
    {"dropped_events_count", OTTL_INT(kSpan, &pdata::Span::dropped_events_count)},
    {"dropped_links_count", OTTL_INT(kSpan, &pdata::Span::dropped_links_count)},
    {"flags", OTTL_INT(kSpan, &pdata::Span::flags)},
    {"status.code",
     [](Context& c, Value& out) {
       out = Value::Int(static_cast<int64_t>(c.span->status.code));
       return Status::Ok();
     },
     [](Context& c, const Value& v) {
       if (v.type == Type::kInt) c.span->status.code = pdata::StatusCode(v.int_value);
       return Status::Ok();
     }},
    {"status.message",
     [](Context& c, Value& out) {
       out = Value::String(c.span->status.message);
       return Status::Ok();
     },
     [](Context& c, const Value& v) {
       if (v.type == Type::kString) c.span->status.message = c.arenas->Copy(v.string_value);
       return Status::Ok();
     }},
};

const Field kSpanEventFields[] = {
    {"name", OTTL_STR(kEvent, &pdata::SpanEvent::name)},
    {"time_unix_nano", OTTL_INT(kEvent, &pdata::SpanEvent::time_unix_nano)},
    {"attributes", OTTL_MAP(kEvent, &pdata::SpanEvent::attributes)},
    {"dropped_attributes_count", OTTL_INT(kEvent, &pdata::SpanEvent::dropped_attributes_count)},
};

const Field kMetricFields[] = {
    {"name", OTTL_STR(kMetric, &pdata::Metric::name)},
    {"description", OTTL_STR(kMetric, &pdata::Metric::description)},
    {"unit", OTTL_STR(kMetric, &pdata::Metric::unit)},
    {"type", GetInt<kMetric, &pdata::Metric::type>},
    {"aggregation_temporality", GetInt<kMetric, &pdata::Metric::temporality>,
     [](Context& c, const Value& v) {
       auto t = c.metric->type;
       if (v.type == Type::kInt &&
           (t == pdata::MetricType::kSum || t == pdata::MetricType::kHistogram ||
            t == pdata::MetricType::kExponentialHistogram))
         c.metric->temporality = pdata::AggregationTemporality(v.int_value);
       return Status::Ok();
     }},
    {"is_monotonic", GetBool<kMetric, &pdata::Metric::is_monotonic>,
     [](Context& c, const Value& v) {
       if (c.metric->type == pdata::MetricType::kSum)
         return SetBool<kMetric, &pdata::Metric::is_monotonic>(c, v);
       return Status::Ok();
     }},
    {"metadata", OTTL_MAP(kMetric, &pdata::Metric::metadata)},
};

// Data points: the field exists on whichever point type the context holds.
template <class F>
auto OnPoint(Context& c, F&& f) {
  if (c.number_point) return f(*c.number_point);
  if (c.histogram_point) return f(*c.histogram_point);
  if (c.exp_histogram_point) return f(*c.exp_histogram_point);
  return f(*c.summary_point);
}

Status NotOnThisPoint(const char* field) {
  return InvalidArgument(std::string("datapoint.") + field +
                         " does not exist on this data point type");
}

const Field kDataPointFields[] = {
    {"attributes", nullptr, nullptr,
     [](Context& c) { return OnPoint(c, [](auto& p) { return &p.attributes; }); }},
    {"start_time_unix_nano",
     [](Context& c, Value& out) {
       out = Value::Int(int64_t(OnPoint(c, [](auto& p) { return p.start_time_unix_nano; })));
       return Status::Ok();
     },
     [](Context& c, const Value& v) {
       if (v.type == Type::kInt)
         OnPoint(c, [&](auto& p) { p.start_time_unix_nano = uint64_t(v.int_value); });
       return Status::Ok();
     }},
    {"time_unix_nano",
     [](Context& c, Value& out) {
       out = Value::Int(int64_t(OnPoint(c, [](auto& p) { return p.time_unix_nano; })));
       return Status::Ok();
     },
     [](Context& c, const Value& v) {
       if (v.type == Type::kInt)
         OnPoint(c, [&](auto& p) { p.time_unix_nano = uint64_t(v.int_value); });
       return Status::Ok();
     }},
    {"flags",
     [](Context& c, Value& out) {
       out = Value::Int(int64_t(OnPoint(c, [](auto& p) { return p.flags; })));
       return Status::Ok();
     },
     [](Context& c, const Value& v) {
       if (v.type == Type::kInt) OnPoint(c, [&](auto& p) { p.flags = uint32_t(v.int_value); });
       return Status::Ok();
     }},
    {"value_double",
     [](Context& c, Value& out) {
       if (!c.number_point) return NotOnThisPoint("value_double");
       out = Value::Double(c.number_point->as_double);
       return Status::Ok();
     },
     [](Context& c, const Value& v) {
       if (!c.number_point) return NotOnThisPoint("value_double");
       if (v.type == Type::kDouble) {
         c.number_point->value_type = pdata::NumberDataPoint::ValueType::kDouble;
         c.number_point->as_double = v.double_value;
       }
       return Status::Ok();
     }},
    {"value_int",
     [](Context& c, Value& out) {
       if (!c.number_point) return NotOnThisPoint("value_int");
       out = Value::Int(c.number_point->as_int);
       return Status::Ok();
     },
     [](Context& c, const Value& v) {
       if (!c.number_point) return NotOnThisPoint("value_int");
       if (v.type == Type::kInt) {
         c.number_point->value_type = pdata::NumberDataPoint::ValueType::kInt;
         c.number_point->as_int = v.int_value;
       }
       return Status::Ok();
     }},
    {"count",
     [](Context& c, Value& out) {
       if (c.number_point) return NotOnThisPoint("count");
       out = Value::Int(int64_t(OnPoint(c, [](auto& p) -> uint64_t {
         if constexpr (requires { p.count; }) return p.count;
         return 0;
       })));
       return Status::Ok();
     }},
    {"sum",
     [](Context& c, Value& out) {
       if (c.number_point) return NotOnThisPoint("sum");
       out = Value::Double(OnPoint(c, [](auto& p) -> double {
         if constexpr (requires { p.sum.value_or(0); }) return p.sum.value_or(0);
         if constexpr (requires { p.sum + 0.0; }) return p.sum;
         return 0;
       }));
       return Status::Ok();
     }},
    {"scale",
     [](Context& c, Value& out) {
       if (!c.exp_histogram_point) return NotOnThisPoint("scale");
       out = Value::Int(c.exp_histogram_point->scale);
       return Status::Ok();
     }},
    {"zero_count",
     [](Context& c, Value& out) {
       if (!c.exp_histogram_point) return NotOnThisPoint("zero_count");
       out = Value::Int(int64_t(c.exp_histogram_point->zero_count));
       return Status::Ok();
     }},
};

const Field kLogFields[] = {
    {"time_unix_nano", OTTL_INT(kLog, &pdata::LogRecord::time_unix_nano)},
    {"observed_time_unix_nano", OTTL_INT(kLog, &pdata::LogRecord::observed_time_unix_nano)},
    {"severity_number", OTTL_INT(kLog, &pdata::LogRecord::severity_number)},
    {"severity_text", OTTL_STR(kLog, &pdata::LogRecord::severity_text)},
    {"body", nullptr, nullptr, nullptr, [](Context& c) { return &c.log->body; }},
    {"body.string",
     [](Context& c, Value& out) {
       out = c.log->body.type == Type::kString
                 ? c.log->body
                 : Value::String(c.arenas->Copy(AsString(c.log->body)));
       return Status::Ok();
     },
     [](Context& c, const Value& v) {
       if (v.type == Type::kString) c.log->body = Value::String(c.arenas->Copy(v.string_value));
       return Status::Ok();
     }},
    {"attributes", OTTL_MAP(kLog, &pdata::LogRecord::attributes)},
    {"dropped_attributes_count", OTTL_INT(kLog, &pdata::LogRecord::dropped_attributes_count)},
    {"flags", OTTL_INT(kLog, &pdata::LogRecord::flags)},
    {"trace_id", OTTL_ID(kLog, &pdata::LogRecord::trace_id)},
    {"trace_id.string", OTTL_IDSTR(kLog, &pdata::LogRecord::trace_id)},
    {"span_id", OTTL_ID(kLog, &pdata::LogRecord::span_id)},
    {"span_id.string", OTTL_IDSTR(kLog, &pdata::LogRecord::span_id)},
    {"event_name", OTTL_STR(kLog, &pdata::LogRecord::event_name)},
};

template <size_t N>
std::pair<const Field*, size_t> Table(const Field (&t)[N]) {
  return {t, N};
}

std::pair<const Field*, size_t> FieldsOf(ContextKind k) {
  switch (k) {
    case ContextKind::kResource:
      return Table(kResourceFields);
    case ContextKind::kScope:
      return Table(kScopeFields);
    case ContextKind::kSpan:
      return Table(kSpanFields);
    case ContextKind::kSpanEvent:
      return Table(kSpanEventFields);
    case ContextKind::kMetric:
      return Table(kMetricFields);
    case ContextKind::kDataPoint:
      return Table(kDataPointFields);
    case ContextKind::kLog:
      return Table(kLogFields);
  }
  return {nullptr, 0};
}

// True if statements in `current` may read paths of `target` (itself or an ancestor).
bool Reachable(ContextKind target, ContextKind current) {
  if (target == current || target == ContextKind::kResource) return true;
  if (target == ContextKind::kScope) return current != ContextKind::kResource;
  if (target == ContextKind::kSpan) return current == ContextKind::kSpanEvent;
  if (target == ContextKind::kMetric) return current == ContextKind::kDataPoint;
  return false;
}

class FieldPath final : public PathExpr {
 public:
  FieldPath(const Field& f, std::vector<ExprPtr> keys) : f_(f), keys_(std::move(keys)) {}

  Status Eval(Context& ctx, Value& out) const override {
    if (f_.get) return f_.get(ctx, out);
    if (keys_.empty() && f_.map) {
      out = Value();
      out.type = Type::kKvList;
      out.kvlist_value = *f_.map(ctx);
      return Status::Ok();
    }
    pdata::AnyValue* slot = nullptr;
    RETURN_IF_ERROR(Slot(ctx, false, &slot));
    out = slot ? *slot : Value();
    return Status::Ok();
  }

  Status Peek(Context& ctx, Value& scratch, const Value** out) const override {
    if (f_.get || (keys_.empty() && f_.map)) {
      RETURN_IF_ERROR(Eval(ctx, scratch));
      *out = &scratch;
      return Status::Ok();
    }
    static const Value kNil;
    pdata::AnyValue* slot = nullptr;
    RETURN_IF_ERROR(Slot(ctx, false, &slot));
    *out = slot ? slot : &kNil;
    return Status::Ok();
  }

  Status Set(Context& ctx, Value v) const override {
    if (f_.get) {
      if (!f_.set) return InvalidArgument("path \"" + text + "\" cannot be set");
      return f_.set(ctx, v);
    }
    if (v.type == Type::kEmpty) return Status::Ok();
    if (keys_.empty() && f_.map) {
      if (v.type == Type::kKvList) *f_.map(ctx) = OwnValue(ctx, v).kvlist_value;
      return Status::Ok();
    }
    pdata::AnyValue* slot = nullptr;
    RETURN_IF_ERROR(Slot(ctx, true, &slot));
    if (slot) *slot = OwnValue(ctx, v);
    return Status::Ok();
  }

  Status Map(Context& ctx, pdata::Attributes** out) const override {
    if (keys_.empty() && f_.map) {
      *out = f_.map(ctx);
      return Status::Ok();
    }
    pdata::AnyValue* slot = nullptr;
    if (!f_.get) RETURN_IF_ERROR(Slot(ctx, false, &slot));
    if (!slot || slot->type != Type::kKvList) {
      return InvalidArgument("expected a map at \"" + text + "\" but got " +
                             std::string(slot ? TypeName(*slot) : "nil"));
    }
    *out = &slot->kvlist_value;
    return Status::Ok();
  }

 private:
  // The AnyValue the keys lead to (null when absent and not created).
  Status Slot(Context& ctx, bool create, pdata::AnyValue** out) const {
    *out = nullptr;
    if (f_.value) return WalkKeys(ctx, keys_, 0, f_.value(ctx), create, out);
    pdata::AnyValue* first = nullptr;
    RETURN_IF_ERROR(FindKey(ctx, *keys_[0], *f_.map(ctx), create, &first));
    if (!first) return Status::Ok();
    return WalkKeys(ctx, keys_, 1, first, create, out);
  }

  const Field& f_;
  std::vector<ExprPtr> keys_;
};

std::string Joined(const std::vector<std::string>& fields, size_t from) {
  std::string s;
  for (size_t i = from; i < fields.size(); ++i) s += (i > from ? "." : "") + fields[i];
  return s;
}

}  // namespace

std::optional<ContextKind> PathContext(const Node& path) {
  if (path.fields.size() < 2) return std::nullopt;
  return ParseContextKind(path.fields[0]);
}

StatusOr<PathPtr> CompilePath(const Node& n, Compiler& c) {
  ContextKind target = c.context();
  size_t from = 0;
  if (auto named = PathContext(n)) {
    target = *named;
    from = 1;
    if (!Reachable(target, c.context())) {
      return ErrorAt(n.column, "path \"" + Joined(n.fields, 0) + "\" names the " +
                                   std::string(ContextKindName(target)) +
                                   " context, which is not available in the " +
                                   std::string(ContextKindName(c.context())) + " context");
    }
  }
  std::string name = Joined(n.fields, from);
  auto [fields, count] = FieldsOf(target);
  for (size_t i = 0; i < count; ++i) {
    const Field& f = fields[i];
    if (name != f.name) continue;
    if (!n.keys.empty() && f.get) {
      return ErrorAt(n.column, "path \"" + Joined(n.fields, 0) + "\" does not take keys");
    }
    std::vector<ExprPtr> keys;
    for (const auto& k : n.keys) {
      ASSIGN_OR_RETURN(ExprPtr e, c.Value(*k));
      keys.push_back(std::move(e));
    }
    if (f.map && !keys.empty() && n.keys[0]->kind == Node::Kind::kInt)
      return ErrorAt(n.keys[0]->column, "map keys must be strings");
    auto p = std::make_unique<FieldPath>(f, std::move(keys));
    p->text = Joined(n.fields, 0);
    return PathPtr(std::move(p));
  }
  std::vector<std::string> names;
  for (size_t i = 0; i < count; ++i) names.push_back(fields[i].name);
  std::string near = config::NearestName(name, names);
  return ErrorAt(n.column, "unknown path \"" + Joined(n.fields, 0) + "\" in the " +
                               std::string(ContextKindName(target)) + " context" +
                               (near.empty() ? "" : "; did you mean \"" + near + "\"?"));
}

}  // namespace otter::ottl::internal
