// Notifier: sends alerts to Alertmanager (POST <url>/api/v2/alerts, Prometheus's JSON: labels,
// annotations, startsAt, endsAt, generatorURL; up to 64 alerts a request) and to generic webhooks
// (Alertmanager's webhook payload, version "4", one request per batch). Alerts wait in a bounded
// queue (the oldest are dropped beyond it, counted and logged); one thread sends them to every
// target. External labels are added to each alert's labels that lack them.
// Thread-safety: Send from any thread; Start/Stop by the owner; Flush for tests.
#pragma once

#include <spdlog/logger.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"
#include "rules/alerting_rule.h"
#include "telemetry/self_metrics.h"

namespace otter::otlp_http_exporter {
class HttpClient;
struct Url;
}  // namespace otter::otlp_http_exporter

namespace otter::rules {

struct NotifierOptions {
  std::vector<std::string> alertmanagers;  // base URLs: http://host:9093
  std::vector<std::string> webhooks;       // full URLs
  std::chrono::milliseconds timeout{std::chrono::seconds(10)};
  size_t queue_capacity = 10000;
  store::Labels external_labels;
  std::string external_url;  // generatorURL base
  std::shared_ptr<spdlog::logger> logger;
  telemetry::SelfMetrics* metrics = nullptr;
};

class Notifier {
 public:
  // Errors name a bad URL.
  static StatusOr<std::unique_ptr<Notifier>> Create(NotifierOptions options);
  ~Notifier();

  void Start();
  void Stop();  // sends what is queued (bounded by the timeout), then joins
  // Queues alerts of the rule whose expression is `expr`.
  void Send(std::vector<Alert> alerts, const std::string& expr);
  // Sends everything queued now, on the calling thread (tests; also used by Stop).
  void Flush();

  // The JSON body of one Alertmanager API v2 request / one webhook request (for tests).
  struct Queued {
    Alert alert;
    std::string generator_url;
  };
  std::string AlertmanagerBody(const std::vector<Queued>& batch) const;
  std::string WebhookBody(const std::vector<Queued>& batch) const;

 private:
  explicit Notifier(NotifierOptions options);
  void Loop();
  void SendBatch(const std::vector<Queued>& batch);

  NotifierOptions options_;
  std::unique_ptr<otlp_http_exporter::HttpClient> client_;
  std::vector<otlp_http_exporter::Url> am_urls_, hook_urls_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Queued> queue_;  // GUARDED_BY(mu_)
  bool stopping_ = false;     // GUARDED_BY(mu_)
  std::mutex send_mu_;        // one batch on the wire at a time (Loop and Flush)
  std::thread thread_;
  telemetry::Counter* sent_ = nullptr;
  telemetry::Counter* errors_ = nullptr;
  telemetry::Counter* dropped_ = nullptr;
  std::chrono::steady_clock::time_point last_drop_log_{};
};

// RFC 3339 UTC with milliseconds: 2026-12-07T12:00:00.000Z.
std::string Rfc3339(int64_t ms);
// Prometheus's generator URL: <external_url>/graph?g0.expr=<expr>&g0.tab=1.
std::string GeneratorUrl(std::string_view external_url, std::string_view expr);

}  // namespace otter::rules
