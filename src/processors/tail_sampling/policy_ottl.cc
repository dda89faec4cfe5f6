// The ottl_condition policy: samples a trace when an OTTL condition holds for one of its spans
// (`span`) or span events (`spanevent`), as otelcol-contrib's. Conditions are ORed; error_mode
// (default propagate) says what a failing condition does: propagate makes the evaluation an error
// (counted, the policy does not vote), ignore logs nothing here but counts it false, silent the
// same.
#include "ottl/ottl.h"
#include "processors/tail_sampling/policy.h"

namespace otter::tailsampling {
namespace {

struct OttlCfg {
  std::string error_mode = "propagate";
  std::vector<std::string> span;
  std::vector<std::string> spanevent;
};

const config::Table<OttlCfg>& OttlTable() {
  static const config::Table<OttlCfg> t =
      config::Table<OttlCfg>()
          .Field("error_mode", &OttlCfg::error_mode,
                 "propagate (a failing condition makes the policy's evaluation an error), ignore "
                 "or silent (a failing condition counts as false)")
          .Field("span", &OttlCfg::span, "OTTL conditions on spans; any true samples the trace")
          .Field("spanevent", &OttlCfg::spanevent,
                 "OTTL conditions on span events; any true samples the trace");
  return t;
}

class OttlCondition final : public PolicyEvaluator {
 public:
  OttlCondition(ottl::ErrorMode mode, std::vector<ottl::Condition> span,
                std::vector<ottl::Condition> event)
      : mode_(mode), span_(std::move(span)), event_(std::move(event)) {}

  Decision Evaluate(const TraceView& t, const EvalContext&) override {
    // Conditions only read the item; new strings a converter makes go to a scratch arena that
    // lives for this evaluation.
    pdata::ArenaSet scratch;
    ottl::Context ctx;
    ctx.arenas = &scratch;
    for (const auto& rs : *t.resources) {
      ctx.resource = const_cast<pdata::Resource*>(&rs.resource);
      for (const auto& ss : rs.scope_spans) {
        ctx.scope = const_cast<pdata::InstrumentationScope*>(&ss.scope);
        for (const auto& span : ss.spans) {
          ctx.span = const_cast<pdata::Span*>(&span);
          ctx.span_event = nullptr;
          if (Decision d = Any(span_, ctx); d != Decision::kNotSampled) return d;
          for (const auto& ev : span.events) {
            ctx.span_event = const_cast<pdata::SpanEvent*>(&ev);
            if (Decision d = Any(event_, ctx); d != Decision::kNotSampled) return d;
          }
        }
      }
    }
    return Decision::kNotSampled;
  }

 private:
  Decision Any(const std::vector<ottl::Condition>& conds, ottl::Context& ctx) {
    for (const auto& c : conds) {
      StatusOr<bool> r = c.Eval(ctx);
      if (!r.ok()) {
        if (mode_ == ottl::ErrorMode::kPropagate) return Decision::kError;
        continue;
      }
      if (*r) return Decision::kSampled;
    }
    return Decision::kNotSampled;
  }

  ottl::ErrorMode mode_;
  std::vector<ottl::Condition> span_, event_;
};

// Compiles the conditions of `key`; errors at the condition's own line, with its column.
bool Compile(const config::Node* section, const char* key, const std::vector<std::string>& texts,
             ottl::ContextKind kind, std::vector<ottl::Condition>* out, config::Diagnostics& d) {
  const config::Node* list = section ? section->Find(key) : nullptr;
  bool ok = true;
  for (size_t i = 0; i < texts.size(); ++i) {
    StatusOr<ottl::Condition> c = ottl::Condition::Parse(texts[i], kind);
    if (!c.ok()) {
      const config::Node& at =
          list && i < list->seq.size() ? list->seq[i] : (section ? *section : config::Node{});
      d.Error(at, std::string("ottl_condition: ") + key + " condition \"" + texts[i] +
                      "\": " + std::string(c.status().message()));
      ok = false;
      continue;
    }
    out->push_back(std::move(*c));
  }
  return ok;
}

}  // namespace

PolicyType OttlConditionPolicyType() {
  return PolicyType{
      "ottl_condition",
      [](const config::Node* section, const config::Node& entry,
         config::Diagnostics& d) -> std::unique_ptr<PolicyEvaluator> {
        const config::Node& at = section ? *section : entry;
        OttlCfg c;
        size_t before = d.errors().size();
        if (section) OttlTable().Parse(*section, c, d);
        if (d.errors().size() != before) return nullptr;
        std::optional<ottl::ErrorMode> mode = ottl::ParseErrorMode(c.error_mode);
        if (!mode) {
          d.Error(at, "ottl_condition: error_mode must be ignore, propagate or silent, not \"" +
                          c.error_mode + "\"");
          return nullptr;
        }
        if (c.span.empty() && c.spanevent.empty()) {
          d.Error(at, "ottl_condition: expected at least one OTTL condition to filter on");
          return nullptr;
        }
        std::vector<ottl::Condition> span, event;
        bool ok = Compile(section, "span", c.span, ottl::ContextKind::kSpan, &span, d);
        ok = Compile(section, "spanevent", c.spanevent, ottl::ContextKind::kSpanEvent, &event, d) &&
             ok;
        if (!ok) return nullptr;
        return std::make_unique<OttlCondition>(*mode, std::move(span), std::move(event));
      },
      OttlTable().Docs()};
}

}  // namespace otter::tailsampling
