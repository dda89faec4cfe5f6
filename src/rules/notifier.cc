#include "rules/notifier.h"

#include <fmt/format.h>

#include <ctime>

#include "exporters/otlp_http/http_client.h"
#include "query/json_writer.h"

namespace otter::rules {

namespace http = otlp_http_exporter;

constexpr size_t kMaxBatch = 64;  // Prometheus's notifier batch size

std::string Rfc3339(int64_t ms) {
  int64_t secs = ms / 1000, frac = ms % 1000;
  if (frac < 0) {
    frac += 1000;
    --secs;
  }
  auto tt = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
}

std::string GeneratorUrl(std::string_view external_url, std::string_view expr) {
  std::string base(external_url);
  while (!base.empty() && base.back() == '/') base.pop_back();
  std::string q;
  for (unsigned char c : expr) {  // Go's url.QueryEscape
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      q += static_cast<char>(c);
    } else if (c == ' ') {
      q += '+';
    } else {
      q += fmt::format("%{:02X}", c);
    }
  }
  return base + "/graph?g0.expr=" + q + "&g0.tab=1";
}

Notifier::Notifier(NotifierOptions options) : options_(std::move(options)) {
  if (options_.metrics) {
    sent_ = &options_.metrics->GetCounter("otter_rules_notifications_sent_total",
                                          "Alerts sent to Alertmanagers and webhooks.", {});
    errors_ =
        &options_.metrics->GetCounter("otter_rules_notifications_errors_total",
                                      "Alert notification requests that failed (per target).", {});
    dropped_ = &options_.metrics->GetCounter(
        "otter_rules_notifications_dropped_total",
        "Alerts dropped because the notification queue was full.", {});
  }
}

StatusOr<std::unique_ptr<Notifier>> Notifier::Create(NotifierOptions options) {
  std::unique_ptr<Notifier> n(new Notifier(std::move(options)));
  http::HttpClientOptions ho;
  for (const auto* list : {&n->options_.alertmanagers, &n->options_.webhooks}) {
    for (const auto& u : *list) {
      std::string full = u;
      if (list == &n->options_.alertmanagers) {
        while (!full.empty() && full.back() == '/') full.pop_back();
        full += "/api/v2/alerts";
      }
      ASSIGN_OR_RETURN(http::Url url, http::ParseUrl(full));
      ho.enable_tls |= url.https;
      (list == &n->options_.alertmanagers ? n->am_urls_ : n->hook_urls_).push_back(url);
    }
  }
  ASSIGN_OR_RETURN(n->client_, http::HttpClient::Create(ho));
  return n;
}

Notifier::~Notifier() { Stop(); }

void Notifier::Start() {
  std::lock_guard l(mu_);
  stopping_ = false;
  if (!thread_.joinable()) thread_ = std::thread([this] { Loop(); });
}

void Notifier::Stop() {
  {
    std::lock_guard l(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Notifier::Send(std::vector<Alert> alerts, const std::string& expr) {
  if (alerts.empty() || (am_urls_.empty() && hook_urls_.empty())) return;
  std::string url = GeneratorUrl(options_.external_url, expr);
  size_t dropped = 0;
  {
    std::lock_guard l(mu_);
    for (auto& a : alerts) {
      for (const auto& e : options_.external_labels)
        if (store::GetLabel(a.labels, e.name).empty()) store::SetLabel(a.labels, e.name, e.value);
      queue_.push_back({std::move(a), url});
    }
    while (queue_.size() > options_.queue_capacity) {
      queue_.pop_front();
      ++dropped;
    }
  }
  if (dropped) {
    if (dropped_) dropped_->Add(dropped);
    auto now = std::chrono::steady_clock::now();
    if (options_.logger && now - last_drop_log_ > std::chrono::seconds(10)) {
      last_drop_log_ = now;
      options_.logger->warn("alert queue full: dropped {} alerts", dropped);
    }
  }
  cv_.notify_one();
}

void Notifier::Loop() {
  std::unique_lock l(mu_);
  while (true) {
    cv_.wait(l, [&] { return stopping_ || !queue_.empty(); });
    if (stopping_) break;
    l.unlock();
    Flush();
    l.lock();
  }
  l.unlock();
  Flush();  // what was queued before Stop
}

void Notifier::Flush() {
  std::lock_guard send(send_mu_);
  while (true) {
    std::vector<Queued> batch;
    {
      std::lock_guard l(mu_);
      while (!queue_.empty() && batch.size() < kMaxBatch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    if (batch.empty()) return;
    SendBatch(batch);
  }
}

namespace {

void WriteLabelMap(query::JsonWriter& w, const store::Labels& labels) {
  w.BeginObject();
  for (const auto& l : labels) w.Key(l.name).String(l.value);
  w.EndObject();
}

int64_t EndsAt(const Alert& a) { return a.resolved_at_ms ? a.resolved_at_ms : a.valid_until_ms; }

store::Labels AnnotationsOf(const Alert& a) {
  store::Labels out = a.annotations;
  for (const auto& c : a.context)
    if (store::GetLabel(out, c.name).empty()) out.push_back(c);
  store::SortLabels(out);
  return out;
}

}  // namespace

std::string Notifier::AlertmanagerBody(const std::vector<Queued>& batch) const {
  query::JsonWriter w;
  w.BeginArray();
  for (const auto& q : batch) {
    w.BeginObject().Key("labels");
    WriteLabelMap(w, q.alert.labels);
    w.Key("annotations");
    WriteLabelMap(w, AnnotationsOf(q.alert));
    w.Key("startsAt").String(Rfc3339(q.alert.fired_at_ms));
    w.Key("endsAt").String(Rfc3339(EndsAt(q.alert)));
    w.Key("generatorURL").String(q.generator_url).EndObject();
  }
  w.EndArray();
  return w.Take();
}

std::string Notifier::WebhookBody(const std::vector<Queued>& batch) const {
  query::JsonWriter w;
  bool firing = false;
  for (const auto& q : batch) firing |= q.alert.resolved_at_ms == 0;
  w.BeginObject().Key("version").String("4").Key("groupKey").String("{}:{}");
  w.Key("truncatedAlerts").Int(0).Key("status").String(firing ? "firing" : "resolved");
  w.Key("receiver").String("otter").Key("groupLabels").BeginObject().EndObject();
  w.Key("commonLabels").BeginObject().EndObject();
  w.Key("commonAnnotations").BeginObject().EndObject();
  w.Key("externalURL").String(options_.external_url).Key("alerts").BeginArray();
  for (const auto& q : batch) {
    w.BeginObject().Key("status").String(q.alert.resolved_at_ms ? "resolved" : "firing");
    w.Key("labels");
    WriteLabelMap(w, q.alert.labels);
    w.Key("annotations");
    WriteLabelMap(w, AnnotationsOf(q.alert));
    w.Key("startsAt").String(Rfc3339(q.alert.fired_at_ms));
    w.Key("endsAt").String(q.alert.resolved_at_ms ? Rfc3339(q.alert.resolved_at_ms)
                                                  : "0001-01-01T00:00:00Z");
    w.Key("generatorURL").String(q.generator_url);
    w.Key("fingerprint").String(fmt::format("{:016x}", store::HashLabels(q.alert.labels)));
    w.EndObject();
  }
  w.EndArray().EndObject();
  return w.Take();
}

void Notifier::SendBatch(const std::vector<Queued>& batch) {
  const http::Headers headers = {{"Content-Type", "application/json"},
                                 {"User-Agent", "otter-rules"}};
  auto post = [&](const http::Url& url, const std::string& body) {
    auto r = client_->Post(url, headers, body, options_.timeout, nullptr);
    Status s = !r.ok()                ? r.status()
               : r->status / 100 != 2 ? Unavailable(fmt::format("{} answered {}: {}", url.text,
                                                                r->status, r->body.substr(0, 200)))
                                      : Status::Ok();
    if (s.ok()) {
      if (sent_) sent_->Add(batch.size());
      return;
    }
    if (errors_) errors_->Add(1);
    if (options_.logger)
      options_.logger->warn("sending {} alerts to {} failed: {}", batch.size(), url.text,
                            s.message());
  };
  if (!am_urls_.empty()) {
    std::string body = AlertmanagerBody(batch);
    for (const auto& u : am_urls_) post(u, body);
  }
  if (!hook_urls_.empty()) {
    std::string body = WebhookBody(batch);
    for (const auto& u : hook_urls_) post(u, body);
  }
}

}  // namespace otter::rules
