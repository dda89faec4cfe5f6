#include "rules/ruler.h"

#include <future>

namespace otter::rules {

std::vector<GroupSpec> LoadRuleGroups(const RulerConfig& config, RuleLanguage language,
                                      config::Diagnostics& d) {
  return LoadRuleFiles(language == RuleLanguage::kPromQL ? config.files : config.loki_files,
                       config.base_dir, language, d);
}

Ruler::Ruler(Options options, store::Store& store) : options_(std::move(options)), store_(store) {}

Ruler::~Ruler() { Stop(); }

StatusOr<std::unique_ptr<Ruler>> Ruler::Create(Options options, store::Store& store) {
  std::unique_ptr<Ruler> r(new Ruler(std::move(options), store));
  const RulerConfig& c = r->options_.config;
  RuleEnv& env = r->env_;
  env.metrics = &store.metrics();
  env.logs = &store.logs();
  env.traces = &store.traces();
  env.write = [p = r.get()](std::vector<store::SeriesData>&& s) {
    return p->WriteSamples(std::move(s));
  };
  using std::chrono::duration_cast;
  using std::chrono::milliseconds;
  env.default_interval_ms = duration_cast<milliseconds>(c.evaluation_interval).count();
  env.resend_delay_ms = duration_cast<milliseconds>(c.resend_delay).count();
  for (const auto& [k, v] : c.external_labels) env.external_labels.push_back({k, v});
  env.external_url = c.external_url;
  env.query_timeout = r->options_.query_timeout;
  env.max_samples = r->options_.max_samples;
  if (r->options_.metrics) {
    r->write_failures_ = &r->options_.metrics->GetCounter(
        "otter_rules_write_failures_total", "Recording-rule and ALERTS samples the store refused.",
        {});
  }
  NotifierOptions no;
  no.alertmanagers = c.alertmanagers;
  no.webhooks = c.webhooks;
  no.timeout = duration_cast<milliseconds>(c.notification_timeout);
  no.queue_capacity = static_cast<size_t>(c.notification_queue_capacity);
  no.external_labels = env.external_labels;
  no.external_url = c.external_url;
  no.logger = r->options_.logger;
  no.metrics = r->options_.metrics;
  ASSIGN_OR_RETURN(r->notifier_, Notifier::Create(std::move(no)));
  r->promql_ = std::make_unique<RuleManager>(r->env_, r->notifier_.get());
  r->logql_ = std::make_unique<RuleManager>(r->env_, r->notifier_.get());
  RETURN_IF_ERROR(r->Reload());
  return r;
}

Status Ruler::Reload() {
  config::Diagnostics d;
  auto prom = LoadRuleGroups(options_.config, RuleLanguage::kPromQL, d);
  auto loki = LoadRuleGroups(options_.config, RuleLanguage::kLogQL, d);
  if (!d.ok()) {
    Status s = InvalidArgument(d.ErrorsText());
    if (options_.logger)
      options_.logger->error("rule files not reloaded; the running rules stay:\n{}",
                             d.ErrorsText());
    return s;
  }
  size_t n = prom.size() + loki.size();
  promql_->Update(std::move(prom));
  logql_->Update(std::move(loki));
  if (options_.logger && options_.config.enabled())
    options_.logger->info("rules: {} groups loaded", n);
  return Status::Ok();
}

void Ruler::Start() {
  notifier_->Start();
  promql_->Start();
  logql_->Start();
}

void Ruler::Stop() {
  if (promql_) promql_->Stop();
  if (logql_) logql_->Stop();
  if (notifier_) notifier_->Stop();
}

Status Ruler::WriteSamples(std::vector<store::SeriesData>&& series) {
  pdata::MetricBatch batch;
  auto& rm = batch.resources().emplace_back();
  auto& sm = rm.scope_metrics.emplace_back();
  sm.scope.name = batch.arenas().Copy("otter/rules");
  size_t points = 0;
  for (const auto& s : series) {
    pdata::Metric& m = sm.metrics.emplace_back();
    m.name = batch.arenas().Copy(store::GetLabel(s.labels, "__name__"));
    m.type = pdata::MetricType::kGauge;
    for (const auto& smp : s.samples) {
      pdata::NumberDataPoint& p = m.number_points.emplace_back();
      for (const auto& l : s.labels) {
        if (l.name == "__name__") continue;
        p.attributes.push_back(
            {batch.arenas().Copy(l.name), pdata::AnyValue::String(batch.arenas().Copy(l.value))});
      }
      p.time_unix_nano = static_cast<uint64_t>(smp.t_ms) * 1'000'000;
      p.value_type = pdata::NumberDataPoint::ValueType::kDouble;
      p.as_double = smp.v;
      ++points;
    }
  }
  std::promise<Status> done;
  auto future = done.get_future();
  store_.Write(std::move(batch), Completion([&done](Status s) { done.set_value(std::move(s)); }));
  Status s = future.get();
  if (!s.ok() && write_failures_) write_failures_->Add(points);
  return s;
}

}  // namespace otter::rules
