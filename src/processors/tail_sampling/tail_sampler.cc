#include "processors/tail_sampling/tail_sampler.h"

#include <spdlog/sinks/null_sink.h>

#include <cstring>

#include "exporters/exporterhelper/log_throttle.h"

namespace otter {

using tailsampling::Decision;
using tailsampling::HeldTrace;

namespace {
constexpr auto kTickInterval = std::chrono::seconds(1);

// The `sampled`/`decision` labels otelcol uses: inverted decisions count as their outcome.
int DecisionIndex(Decision d) {
  switch (d) {
    case Decision::kSampled:
    case Decision::kInvertSampled:
      return 0;
    case Decision::kNotSampled:
    case Decision::kInvertNotSampled:
      return 1;
    case Decision::kDropped:
      return 2;
    default:
      return -1;
  }
}
constexpr const char* kDecisionLabels[3][2] = {
    {"true", "sampled"}, {"false", "not_sampled"}, {"false", "dropped"}};
}  // namespace

struct TailSampler::Policy {
  std::string name;
  std::unique_ptr<tailsampling::PolicyEvaluator> eval;
  telemetry::Counter* traces[3] = {};
  telemetry::Counter* spans[3] = {};
};

struct TailSampler::Counters {
  telemetry::Counter* global[3] = {};
  telemetry::Counter* new_traces = nullptr;
  telemetry::Counter* dropped_too_early = nullptr;
  telemetry::Counter* eval_errors = nullptr;
  telemetry::Counter* early_release[2] = {};  // [sampled]
  telemetry::Counter* evicted_num_traces = nullptr;
  telemetry::Counter* evicted_memory = nullptr;
  telemetry::Counter* dropped_not_sampled = nullptr;
  telemetry::Counter* dropped_late = nullptr;
  telemetry::Counter* dropped_evicted = nullptr;
  telemetry::Counter* dropped_shutdown = nullptr;
  telemetry::Counter* dropped_export = nullptr;
  telemetry::Gauge* on_memory = nullptr;
  telemetry::Gauge* bytes = nullptr;
  telemetry::Histogram* late_age = nullptr;
  exporterhelper::LogThrottle evict_log;
  exporterhelper::LogThrottle export_log;
};

size_t TailSampler::IdHash::operator()(const pdata::TraceId& id) const {
  uint64_t v;
  std::memcpy(&v, id.bytes.data() + 8, 8);  // the random half of a W3C trace id
  return static_cast<size_t>(v ^ (v >> 29));
}

bool TailSampler::IdCache::Contains(const pdata::TraceId& id) {
  if (!capacity_) return false;
  auto it = index_.find(id);
  if (it == index_.end()) return false;
  order_.splice(order_.begin(), order_, it->second);
  return true;
}

void TailSampler::IdCache::Put(const pdata::TraceId& id) {
  if (!capacity_ || Contains(id)) return;
  order_.push_front(id);
  index_[id] = order_.begin();
  if (order_.size() > capacity_) {
    index_.erase(order_.back());
    order_.pop_back();
  }
}

TailSampler::TailSampler(const ComponentContext& ctx, const TailSamplingConfig& cfg,
                         TraceConsumer* next, exporterhelper::Clock* clock)
    : cfg_(cfg),
      next_(next),
      sampled_cache_(cfg.decision_cache.sampled_cache_size),
      not_sampled_cache_(cfg.decision_cache.non_sampled_cache_size) {
  if (!clock) {
    own_clock_ = std::make_unique<exporterhelper::SteadyClock>();
    clock = own_clock_.get();
  }
  clock_ = clock;
  logger_ = ctx.logger ? ctx.logger
                       : std::make_shared<spdlog::logger>(
                             "tail_sampling", std::make_shared<spdlog::sinks::null_sink_mt>());
  telemetry::SelfMetrics* m = telemetry::GivenOrOwn(ctx.metrics, own_metrics_);
  const std::string proc = ctx.id.ToString();
  auto labels = [&proc](telemetry::Labels extra) {
    extra.insert(extra.begin(), {"processor", proc});
    return extra;
  };
  const std::string p = "otelcol_processor_tail_sampling_";
  counters_ = std::make_unique<Counters>();
  Counters& c = *counters_;
  for (int i = 0; i < 3; ++i)
    c.global[i] = &m->GetCounter(
        p + "global_count_traces_sampled", "Traces by final sampling decision.",
        labels({{"sampled", kDecisionLabels[i][0]}, {"decision", kDecisionLabels[i][1]}}));
  c.new_traces = &m->GetCounter(p + "new_trace_id_received", "New trace ids received.", labels({}));
  c.dropped_too_early =
      &m->GetCounter(p + "sampling_trace_dropped_too_early",
                     "Traces evicted from memory before their decision was due.", labels({}));
  c.eval_errors = &m->GetCounter(p + "sampling_policy_evaluation_error",
                                 "Policy evaluations that failed.", labels({}));
  for (int s = 0; s < 2; ++s)
    c.early_release[s] =
        &m->GetCounter(p + "early_releases_from_cache_decision",
                       "Spans whose trace's decision was found in a decision cache.",
                       labels({{"sampled", s ? "true" : "false"}}));
  const std::string evicted = "otter_processor_tail_sampling_traces_evicted";
  const std::string evicted_help =
      "Undecided traces removed from memory (their spans dropped) to stay within num_traces or "
      "max_memory_mib.";
  c.evicted_num_traces = &m->GetCounter(evicted, evicted_help, labels({{"reason", "num_traces"}}));
  c.evicted_memory = &m->GetCounter(evicted, evicted_help, labels({{"reason", "memory"}}));
  const std::string dropped = "otter_processor_tail_sampling_spans_dropped";
  const std::string dropped_help = "Spans the processor did not send downstream, by reason.";
  c.dropped_not_sampled =
      &m->GetCounter(dropped, dropped_help, labels({{"reason", "not_sampled"}}));
  c.dropped_late = &m->GetCounter(dropped, dropped_help, labels({{"reason", "late_not_sampled"}}));
  c.dropped_evicted = &m->GetCounter(dropped, dropped_help, labels({{"reason", "evicted"}}));
  c.dropped_shutdown = &m->GetCounter(dropped, dropped_help, labels({{"reason", "shutdown"}}));
  c.dropped_export = &m->GetCounter(dropped, dropped_help, labels({{"reason", "export_failed"}}));
  c.on_memory = &m->GetGauge(p + "sampling_traces_on_memory",
                             "Traces held in memory (pending or decided).", labels({}));
  c.bytes = &m->GetGauge("otter_processor_tail_sampling_bytes_held",
                         "Estimated bytes of the spans held for pending decisions.", labels({}));
  c.late_age = &m->GetHistogram(p + "sampling_late_span_age",
                                "Seconds between a trace's decision and a late span of it.",
                                labels({}), {0, 1, 2, 5, 10, 30, 60, 300});

  // Drop policies first: a drop decides the trace whatever the others say.
  std::vector<std::unique_ptr<Policy>> drops, others;
  config::Diagnostics d;
  for (const auto& entry : cfg.policies) {
    auto pol = std::make_unique<Policy>();
    const config::Node* name = entry.Find("name");
    pol->name = name ? name->scalar : "";
    pol->eval = tailsampling::BuildPolicy(entry, tailsampling::PolicyLevel::kTop, d);
    if (!pol->eval) continue;  // validated at parse time; cannot happen
    std::string label = ctx.id.name.empty() ? pol->name : ctx.id.name + "." + pol->name;
    for (int i = 0; i < 3; ++i) {
      telemetry::Labels l = labels({{"policy", label},
                                    {"sampled", kDecisionLabels[i][0]},
                                    {"decision", kDecisionLabels[i][1]}});
      pol->traces[i] =
          &m->GetCounter(p + "count_traces_sampled", "Traces by policy and its decision.", l);
      pol->spans[i] =
          &m->GetCounter(p + "count_spans_sampled", "Spans by policy and its decision.", l);
    }
    const config::Node* type = entry.Find("type");
    (type && type->scalar == "drop" ? drops : others).push_back(std::move(pol));
  }
  for (auto& pol : drops) policies_.push_back(std::move(pol));
  for (auto& pol : others) policies_.push_back(std::move(pol));
  traces_.reserve(static_cast<size_t>(std::min<uint64_t>(
      cfg.num_traces,
      cfg.expected_new_traces_per_sec *
          static_cast<uint64_t>(std::max<int64_t>(
              1, std::chrono::duration_cast<std::chrono::seconds>(cfg.decision_wait).count())))));
}

TailSampler::~TailSampler() { Shutdown(); }

Consumers TailSampler::consumers() {
  Consumers c;
  c.traces = this;
  return c;
}

Status TailSampler::Start() {
  thread_ = std::thread([this] { Loop(); });
  return Status::Ok();
}

void TailSampler::Loop() {
  std::unique_lock lock(thread_mu_);
  TimePoint next = clock_->Now() + kTickInterval;
  while (!stop_) {
    clock_->WaitUntil(lock, wake_, next);
    if (stop_) break;
    if (clock_->Now() < next) continue;
    lock.unlock();
    Tick();
    lock.lock();
    next += kTickInterval;
    if (TimePoint now = clock_->Now(); next < now) next = now + kTickInterval;
  }
}

void TailSampler::Shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  {
    std::lock_guard l(thread_mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (!cfg_.drop_pending_traces_on_shutdown) {
    Tick(/*all=*/true);
    return;
  }
  std::lock_guard l(mu_);
  uint64_t spans = 0;
  for (const QueueEntry& e : pending_) {
    auto it = traces_.find(e.id);
    if (it == traces_.end() || it->second.seq != e.seq) continue;
    spans += static_cast<uint64_t>(it->second.span_count);
    bytes_ -= it->second.bytes;
    spans_ -= static_cast<uint64_t>(it->second.span_count);
    traces_.erase(it);
  }
  pending_.clear();
  counters_->dropped_shutdown->Add(spans);
  if (spans) logger_->warn("dropped {} spans of undecided traces at shutdown", spans);
}

void TailSampler::Consume(pdata::TraceBatch&& batch, Completion done) {
  Counters& c = *counters_;
  pdata::TraceBatch late;  // spans of traces already decided as sampled
  uint64_t early[2] = {0, 0}, late_dropped = 0, new_traces = 0;
  {
    std::lock_guard l(mu_);
    // Read under the lock: the pending queue stays in arrival order.
    TimePoint now = clock_->Now();
    uint64_t batch_no = ++next_seq_;
    size_t late_r = SIZE_MAX, late_s = SIZE_MAX;
    auto add_late = [&](const pdata::ResourceSpans& rs, size_t r, const pdata::ScopeSpans& ss,
                        size_t s, pdata::Span&& span) {
      auto& out = late.resources();
      if (late_r != r) {
        auto& dst = out.emplace_back();
        dst.resource = rs.resource;
        dst.schema_url = rs.schema_url;
        late_r = r;
        late_s = SIZE_MAX;
      }
      if (late_s != s) {
        auto& dst = out.back().scope_spans.emplace_back();
        dst.scope = ss.scope;
        dst.schema_url = ss.schema_url;
        late_s = s;
      }
      out.back().scope_spans.back().spans.push_back(std::move(span));
    };
    auto& resources = batch.resources();
    // Pass 1: route every span (cache, late, or held by a trace, created if new) and size the
    // strings each held trace takes from this request, so pass 2 copies them into one block.
    std::vector<HeldTrace*> route;  // per span; null = answered from a decision cache
    route.reserve(batch.ItemCount());
    for (size_t r = 0; r < resources.size(); ++r) {
      auto& rs = resources[r];
      for (size_t s = 0; s < rs.scope_spans.size(); ++s) {
        auto& ss = rs.scope_spans[s];
        for (auto& span : ss.spans) {
          const pdata::TraceId& id = span.trace_id;
          if (sampled_cache_.Contains(id) || not_sampled_cache_.Contains(id)) {
            route.push_back(nullptr);
            continue;
          }
          auto it = traces_.find(id);
          if (it == traces_.end()) {
            it = traces_.try_emplace(id).first;
            HeldTrace& t = it->second;
            t.seq = ++next_seq_;
            t.arrival = now;
            pending_.push_back({now, id, t.seq});
            order_.push_back({now, id, t.seq});
            ++new_traces;
          }
          HeldTrace& t = it->second;
          route.push_back(&t);
          if (t.decision != Decision::kUnspecified) continue;
          if (t.last_batch != batch_no || t.last_r != r) {
            t.reserve += tailsampling::StringBytes(rs) + tailsampling::StringBytes(ss);
          } else if (t.last_s != s) {
            t.reserve += tailsampling::StringBytes(ss);
          }
          t.reserve += tailsampling::StringBytes(span);
          t.last_batch = batch_no;
          t.last_r = r;
          t.last_s = s;
        }
      }
    }
    // Pass 2: take the spans.
    size_t k = 0;
    batch_no = ++next_seq_;  // pass 2 groups afresh
    for (size_t r = 0; r < resources.size(); ++r) {
      auto& rs = resources[r];
      for (size_t s = 0; s < rs.scope_spans.size(); ++s) {
        auto& ss = rs.scope_spans[s];
        for (auto& span : ss.spans) {
          HeldTrace* t = route[k++];
          if (!t) {
            if (sampled_cache_.Contains(span.trace_id)) {
              ++early[1];
              add_late(rs, r, ss, s, std::move(span));
            } else {
              ++early[0];
              ++late_dropped;
            }
            continue;
          }
          if (t->decision == Decision::kUnspecified) {
            bool new_r = t->last_batch != batch_no || t->last_r != r;
            bool new_s = new_r || t->last_s != s;
            t->last_batch = batch_no;
            t->last_r = r;
            t->last_s = s;
            uint64_t before = t->bytes;
            t->ReserveStrings(std::exchange(t->reserve, 0));
            t->Add(rs, new_r, ss, new_s, std::move(span));
            bytes_ += t->bytes - before;
            ++spans_;
            continue;
          }
          ++t->span_count;
          c.late_age->Observe(std::chrono::duration<double>(now - t->decided_at).count());
          if (t->decision == Decision::kSampled)
            add_late(rs, r, ss, s, std::move(span));
          else
            ++late_dropped;
        }
      }
    }
    EnforceLimits();
    c.on_memory->Set(static_cast<int64_t>(traces_.size()));
    c.bytes->Set(static_cast<int64_t>(bytes_));
  }
  c.new_traces->Add(new_traces);
  c.early_release[0]->Add(early[0]);
  c.early_release[1]->Add(early[1]);
  c.dropped_late->Add(late_dropped);
  done(Status::Ok());
  if (!late.resources().empty()) {
    late.arenas().Absorb(std::move(batch.arenas()));
    Send(std::move(late));
  }
}

void TailSampler::EnforceLimits() {
  const uint64_t max_bytes = cfg_.MaxBytes();
  while ((traces_.size() > cfg_.num_traces || bytes_ > max_bytes) && !order_.empty()) {
    QueueEntry e = order_.front();
    order_.pop_front();
    auto it = traces_.find(e.id);
    if (it == traces_.end() || it->second.seq != e.seq) continue;
    Evict(it, traces_.size() > cfg_.num_traces ? "num_traces" : "memory");
  }
  // Queues keep references to traces that left the table; compact them once they dominate.
  auto compact = [this](std::deque<QueueEntry>& q) {
    if (q.size() <= 2 * traces_.size() + 1024) return;
    std::deque<QueueEntry> live;
    for (const QueueEntry& e : q) {
      auto it = traces_.find(e.id);
      if (it != traces_.end() && it->second.seq == e.seq) live.push_back(e);
    }
    q.swap(live);
  };
  compact(order_);
  compact(pending_);
}

void TailSampler::Evict(std::unordered_map<pdata::TraceId, HeldTrace, IdHash>::iterator it,
                        const char* reason) {
  Counters& c = *counters_;
  HeldTrace& t = it->second;
  bool memory = std::strcmp(reason, "memory") == 0;
  // A decided trace (kept only so late spans follow its decision) is forgotten without loss; an
  // undecided one loses its spans.
  if (t.decision == Decision::kUnspecified) {
    (memory ? c.evicted_memory : c.evicted_num_traces)->Add(1);
    c.dropped_too_early->Add(1);
    c.dropped_evicted->Add(static_cast<uint64_t>(t.span_count));
    uint64_t suppressed = 0;
    if (c.evict_log.Allow(*clock_, &suppressed))
      logger_->warn("evicted an undecided trace of {} spans to stay within {}{}", t.span_count,
                    memory ? "max_memory_mib" : "num_traces",
                    exporterhelper::LogThrottle::Suffix(suppressed));
  }
  if (t.decision == Decision::kUnspecified) spans_ -= static_cast<uint64_t>(t.span_count);
  bytes_ -= t.bytes;
  traces_.erase(it);
}

Decision TailSampler::Decide(const pdata::TraceId& id, HeldTrace& trace, TimePoint now) {
  tailsampling::TraceView view{id, &trace.resources, trace.span_count, trace.bytes};
  tailsampling::EvalContext ctx{now};
  bool seen[8] = {};
  for (auto& p : policies_) {
    Decision d = p->eval->Evaluate(view, ctx);
    if (d == Decision::kError) {
      counters_->eval_errors->Add(1);
      continue;
    }
    if (int i = DecisionIndex(d); i >= 0) {
      p->traces[i]->Add(1);
      p->spans[i]->Add(static_cast<uint64_t>(trace.span_count));
    }
    seen[static_cast<int>(d)] = true;
    if (d == Decision::kDropped) break;
    if (cfg_.sample_on_first_match && d == Decision::kSampled) break;
  }
  auto was = [&seen](Decision d) { return seen[static_cast<int>(d)]; };
  if (was(Decision::kDropped)) return Decision::kDropped;
  if (was(Decision::kInvertNotSampled)) return Decision::kNotSampled;
  if (was(Decision::kSampled)) return Decision::kSampled;
  if (was(Decision::kInvertSampled) && !was(Decision::kNotSampled)) return Decision::kSampled;
  return Decision::kNotSampled;
}

void TailSampler::Tick(bool all) {
  std::lock_guard tick(tick_mu_);
  TimePoint now = clock_->Now();
  Counters& c = *counters_;
  pdata::TraceBatch out;
  {
    std::lock_guard l(mu_);
    while (!pending_.empty()) {
      QueueEntry e = pending_.front();
      if (!all && e.arrival + cfg_.decision_wait > now) break;
      pending_.pop_front();
      auto it = traces_.find(e.id);
      if (it == traces_.end() || it->second.seq != e.seq) continue;  // evicted (counted then)
      HeldTrace& t = it->second;
      Decision d = Decide(e.id, t, now);
      c.global[DecisionIndex(d)]->Add(1);
      t.decided_at = now;
      bytes_ -= t.bytes;
      spans_ -= static_cast<uint64_t>(t.span_count);
      bool sampled = d == Decision::kSampled;
      t.decision = sampled ? Decision::kSampled : Decision::kNotSampled;
      if (sampled) {
        t.ReleaseInto(out);
      } else {
        c.dropped_not_sampled->Add(static_cast<uint64_t>(t.span_count));
        t.Clear();
      }
      IdCache& cache = sampled ? sampled_cache_ : not_sampled_cache_;
      if (cache.enabled()) {
        cache.Put(e.id);
        traces_.erase(it);
      }
    }
    c.on_memory->Set(static_cast<int64_t>(traces_.size()));
    c.bytes->Set(static_cast<int64_t>(bytes_));
  }
  if (!out.resources().empty()) Send(std::move(out));
}

void TailSampler::Send(pdata::TraceBatch&& batch) {
  size_t n = batch.ItemCount();
  Counters* c = counters_.get();
  std::shared_ptr<telemetry::SelfMetrics> keep = own_metrics_;
  std::shared_ptr<spdlog::logger> logger = logger_;
  exporterhelper::Clock* clock = clock_;
  // The answer may come after this processor is gone only if the downstream outlives it, which
  // the pipeline's shutdown order (downstream last) rules out.
  next_->Consume(std::move(batch), Completion([c, n, keep, logger, clock](Status s) {
                   if (s.ok()) return;
                   c->dropped_export->Add(n);
                   uint64_t suppressed = 0;
                   if (c->export_log.Allow(*clock, &suppressed))
                     logger->error("the downstream refused {} sampled spans: {}{}", n, s.ToString(),
                                   exporterhelper::LogThrottle::Suffix(suppressed));
                 }));
}

TailSampler::Stats TailSampler::stats() const {
  std::lock_guard l(mu_);
  return {traces_.size(), pending_.size(), bytes_, spans_};
}

}  // namespace otter
