#include "telemetry/self_metrics.h"

#include <algorithm>
#include <cstdio>

namespace otter::telemetry {
namespace {

void AppendEscaped(std::string& out, const std::string& v) {
  for (char c : v) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

void AppendSample(std::string& out, const std::string& name, const Labels& labels, double v) {
  out += name;
  if (!labels.empty()) {
    out += '{';
    for (size_t i = 0; i < labels.size(); ++i) {
      if (i) out += ',';
      out += labels[i].first;
      out += "=\"";
      AppendEscaped(out, labels[i].second);
      out += '"';
    }
    out += '}';
  }
  char buf[40];
  std::snprintf(buf, sizeof buf, " %.17g\n", v);
  out += buf;
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

}  // namespace

std::optional<MetricsLevel> ParseMetricsLevel(std::string_view name) {
  if (name == "none") return MetricsLevel::kNone;
  if (name == "basic") return MetricsLevel::kBasic;
  if (name == "normal") return MetricsLevel::kNormal;
  if (name == "detailed") return MetricsLevel::kDetailed;
  return std::nullopt;
}

// One table for every family's level, so the documented split (README, "Self-metrics levels")
// cannot drift between components. A family not listed is kNormal.
MetricsLevel MinLevel(std::string_view name) {
  // Accounting: what came in, went out, failed, was dropped or refused, and queue fill — what an
  // operator needs to see that received = sent + failed + dropped.
  static constexpr std::string_view kBasic[] = {
      "otelcol_receiver_accepted_",       "otelcol_receiver_refused_",
      "otelcol_exporter_sent_",           "otelcol_exporter_send_failed_",
      "otelcol_exporter_enqueue_failed_", "otelcol_exporter_queue_size",
      "otelcol_exporter_queue_capacity",  "otelcol_processor_dropped_",
      "otelcol_processor_refused_",       "otter_store_written_items_total",
      "otter_store_refused_writes_total", "otter_store_dropped_",
      "otter_store_refused_items_total",
  };
  // Per-request latency histograms (a clock read per request).
  static constexpr std::string_view kDetailed[] = {"otter_receiver_request_duration_seconds"};
  for (auto p : kBasic)
    if (StartsWith(name, p)) return MetricsLevel::kBasic;
  for (auto p : kDetailed)
    if (StartsWith(name, p)) return MetricsLevel::kDetailed;
  return MetricsLevel::kNormal;
}

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(new std::atomic<uint64_t>[bounds_.size()]) {
  for (size_t i = 0; i < bounds_.size(); ++i) counts_[i] = 0;
}

void Histogram::Observe(double v) {
  auto it = std::lower_bound(bounds_.begin(), bounds_.end(), v);
  if (it != bounds_.end()) counts_[it - bounds_.begin()].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  double old = sum_.load(std::memory_order_relaxed);
  while (!sum_.compare_exchange_weak(old, old + v, std::memory_order_relaxed)) {
  }
}

Histogram& SelfMetrics::GetHistogram(const std::string& name, const std::string& help,
                                     Labels labels, std::vector<double> bounds) {
  std::sort(labels.begin(), labels.end());
  std::lock_guard lock(mu_);
  Family& f = families_[name];
  f.help = help;
  f.type = "histogram";
  auto& slot = f.histograms[labels];
  if (!slot) slot = std::make_unique<Histogram>(std::move(bounds));
  return *slot;
}

Counter& SelfMetrics::GetCounter(const std::string& name, const std::string& help, Labels labels) {
  std::sort(labels.begin(), labels.end());
  std::lock_guard lock(mu_);
  Family& f = families_[name];
  f.help = help;
  f.type = "counter";
  auto& slot = f.counters[labels];
  if (!slot) slot = std::make_unique<Counter>();
  return *slot;
}

Gauge& SelfMetrics::GetGauge(const std::string& name, const std::string& help, Labels labels) {
  std::sort(labels.begin(), labels.end());
  std::lock_guard lock(mu_);
  Family& f = families_[name];
  f.help = help;
  f.type = "gauge";
  auto& slot = f.gauges[labels];
  if (!slot) slot = std::make_unique<Gauge>();
  return *slot;
}

void SelfMetrics::AddCallbackGauge(const std::string& name, const std::string& help, Labels labels,
                                   std::function<double()> fn) {
  std::sort(labels.begin(), labels.end());
  std::lock_guard lock(mu_);
  Family& f = families_[name];
  f.help = help;
  f.type = "gauge";
  f.callbacks[labels] = std::move(fn);
}

void SelfMetrics::RemoveCallbackGauge(const std::string& name, Labels labels) {
  std::sort(labels.begin(), labels.end());
  std::lock_guard lock(mu_);
  auto it = families_.find(name);
  if (it == families_.end()) return;
  it->second.callbacks.erase(labels);
  const Family& f = it->second;
  if (f.counters.empty() && f.gauges.empty() && f.callbacks.empty() && f.histograms.empty())
    families_.erase(it);
}

std::string SelfMetrics::RenderPrometheus() const {
  std::lock_guard lock(mu_);
  std::string out;
  const MetricsLevel level = this->level();
  for (const auto& [name, f] : families_) {
    if (MinLevel(name) > level) continue;
    out += "# HELP " + name + " " + f.help + "\n";
    out += "# TYPE " + name + " " + f.type + "\n";
    for (const auto& [labels, c] : f.counters) AppendSample(out, name, labels, double(c->value()));
    for (const auto& [labels, g] : f.gauges) AppendSample(out, name, labels, double(g->value()));
    for (const auto& [labels, fn] : f.callbacks) AppendSample(out, name, labels, fn());
    for (const auto& [labels, h] : f.histograms) {
      uint64_t cumulative = 0;
      for (size_t i = 0; i < h->bounds().size(); ++i) {
        cumulative += h->bucket(i);
        Labels with_le = labels;
        char le[32];
        std::snprintf(le, sizeof le, "%g", h->bounds()[i]);
        with_le.emplace_back("le", le);
        AppendSample(out, name + "_bucket", with_le, double(cumulative));
      }
      Labels inf = labels;
      inf.emplace_back("le", "+Inf");
      AppendSample(out, name + "_bucket", inf, double(h->count()));
      AppendSample(out, name + "_sum", labels, h->sum());
      AppendSample(out, name + "_count", labels, double(h->count()));
    }
  }
  return out;
}

double SelfMetrics::Value(const std::string& name, const Labels& labels) const {
  Labels sorted = labels;
  std::sort(sorted.begin(), sorted.end());
  std::lock_guard lock(mu_);
  auto it = families_.find(name);
  if (it == families_.end()) return -1;
  if (auto c = it->second.counters.find(sorted); c != it->second.counters.end())
    return double(c->second->value());
  if (auto g = it->second.gauges.find(sorted); g != it->second.gauges.end())
    return double(g->second->value());
  if (auto cb = it->second.callbacks.find(sorted); cb != it->second.callbacks.end())
    return cb->second();
  return -1;
}

}  // namespace otter::telemetry
