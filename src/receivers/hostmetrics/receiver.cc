#include "receivers/hostmetrics/receiver.h"

#include <spdlog/spdlog.h>

namespace otter::hostmetrics {

HostMetricsReceiver::HostMetricsReceiver(const ComponentContext& ctx,
                                         const HostMetricsReceiverConfig& cfg, MetricConsumer* next,
                                         HostEnv env)
    : cfg_(cfg), next_(next), env_(std::move(env)), logger_(ctx.logger) {
  telemetry::SelfMetrics* metrics = telemetry::GivenOrOwn(ctx.metrics, own_metrics_);
  const std::string id = ctx.id.ToString();
  telemetry::Labels labels = {{"receiver", id}, {"transport", ""}};
  accepted_ = &metrics->GetCounter("otelcol_receiver_accepted_metric_points",
                                   "Metric points the pipeline accepted.", labels);
  refused_ = &metrics->GetCounter("otelcol_receiver_refused_metric_points",
                                  "Metric points the pipeline refused.", labels);
  for (size_t i = 0; i < kScraperKinds; ++i) {
    if (!cfg_.scrapers[i]) continue;
    telemetry::Labels l = {{"receiver", id},
                           {"scraper", std::string(ScraperName(static_cast<ScraperKind>(i)))}};
    scraped_[i] = &metrics->GetCounter("otelcol_scraper_scraped_metric_points",
                                       "Metric points the scraper read.", l);
    errored_[i] = &metrics->GetCounter(
        "otelcol_scraper_errored_metric_points",
        "Reads that failed during a scrape (a file or statvfs; the rest of the scrape is sent).",
        l);
    throttles_[i] = std::make_unique<exporterhelper::LogThrottle>(std::chrono::minutes(1));
  }
}

HostMetricsReceiver::~HostMetricsReceiver() { Shutdown(); }

Status HostMetricsReceiver::StartScrapers() {
  scrapers_.clear();
  for (size_t i = 0; i < kScraperKinds; ++i) {
    if (!cfg_.scrapers[i]) continue;
    auto kind = static_cast<ScraperKind>(i);
    auto s = NewScraper(kind, *cfg_.scrapers[i], env_);
    if (Status st = s->Start(); !st.ok())
      return st.Annotate("scraper " + std::string(ScraperName(kind)));
    scrapers_.push_back(std::move(s));
  }
  return Status::Ok();
}

Status HostMetricsReceiver::Start() {
  RETURN_IF_ERROR(StartScrapers());
  {
    std::lock_guard l(mu_);
    stop_ = false;
  }
  thread_ = std::thread([this] { Run(); });
  return Status::Ok();
}

void HostMetricsReceiver::Shutdown() {
  {
    std::lock_guard l(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void HostMetricsReceiver::Run() {
  using Clock = std::chrono::steady_clock;
  auto next = Clock::now() + cfg_.initial_delay;
  for (;;) {
    {
      std::unique_lock l(mu_);
      cv_.wait_until(l, next, [this] { return stop_; });
      if (stop_) return;
    }
    Send(ScrapeOnce());
    // Fixed ticks; a scrape that overran skips the ticks it missed.
    auto now = Clock::now();
    next += cfg_.collection_interval;
    if (next <= now)
      next += ((now - next) / cfg_.collection_interval + 1) * cfg_.collection_interval;
  }
}

pdata::MetricBatch HostMetricsReceiver::ScrapeOnce() {
  pdata::MetricBatch batch;
  for (auto& s : scrapers_) {
    const size_t k = static_cast<size_t>(s->kind());
    ScrapeErrors& errors = errors_[k];
    errors.Clear();
    auto& rs = batch.resources();
    const size_t before = rs.size();
    s->Scrape(batch, errors);
    // Drop what ended up empty (a process without any enabled metric, a failed read).
    size_t out = before, points = 0;
    for (size_t i = before; i < rs.size(); ++i) {
      size_t n = pdata::ResourceMetrics::ItemCount(rs[i].scope_metrics[0]);
      if (n == 0) continue;
      points += n;
      if (out != i) rs[out] = std::move(rs[i]);
      ++out;
    }
    rs.resize(out);
    if (scraped_[k]) scraped_[k]->Add(points);
    if (errors.count() == 0) continue;
    if (errored_[k]) errored_[k]->Add(errors.count());
    uint64_t suppressed = 0;
    if (logger_ && throttles_[k] && throttles_[k]->Allow(clock_, &suppressed)) {
      std::string text;
      for (const auto& m : errors.messages()) text += (text.empty() ? "" : "; ") + m;
      if (errors.count() > errors.messages().size())
        text += "; and " + std::to_string(errors.count() - errors.messages().size()) + " more";
      logger_->error("hostmetrics: partial scrape of {}: {}{}", ScraperName(s->kind()), text,
                     exporterhelper::LogThrottle::Suffix(suppressed));
    }
  }
  return batch;
}

void HostMetricsReceiver::Send(pdata::MetricBatch&& batch) {
  const size_t n = batch.ItemCount();
  if (n == 0) return;
  next_->Consume(std::move(batch), Completion([n, accepted = accepted_, refused = refused_,
                                               logger = logger_, keep = own_metrics_](Status s) {
                   if (s.ok()) {
                     accepted->Add(n);
                     return;
                   }
                   refused->Add(n);
                   if (logger)
                     logger->warn("hostmetrics: pipeline refused {} points: {}", n, s.ToString());
                 }));
}

}  // namespace otter::hostmetrics
