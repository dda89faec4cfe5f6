#include "receivers/prometheus/receiver.h"

#include <fnmatch.h>
#include <glob.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <sstream>

#include "common/fnv.h"
#include "common/version.h"
#include "config/loader.h"
#include "exporters/exporterhelper/cancellation.h"
#include "exporters/otlp_http/http_client.h"
#include "store/prom_naming.h"

namespace otter::promscrape {
namespace {

using Clock = std::chrono::system_clock;

// Prometheus 2.42's Accept header for scrapes.
constexpr const char* kAccept =
    "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;"
    "q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string Base64(std::string_view in) {
  static constexpr char k[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t n = uint8_t(in[i]) << 16 | uint8_t(in[i + 1]) << 8 | uint8_t(in[i + 2]);
    out += {k[n >> 18], k[(n >> 12) & 63], k[(n >> 6) & 63], k[n & 63]};
  }
  if (i + 1 == in.size()) {
    uint32_t n = uint8_t(in[i]) << 16;
    out += {k[n >> 18], k[(n >> 12) & 63], '=', '='};
  } else if (i + 2 == in.size()) {
    uint32_t n = uint8_t(in[i]) << 16 | uint8_t(in[i + 1]) << 8;
    out += {k[n >> 18], k[(n >> 12) & 63], k[(n >> 6) & 63], '='};
  }
  return out;
}

std::string UrlEscape(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      static constexpr char kHex[] = "0123456789ABCDEF";
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// Target groups of a file_sd file (JSON or YAML: a list of {targets, labels}).
std::vector<LabelSet> ReadSdFile(const std::string& path, std::string* error) {
  std::vector<LabelSet> out;
  auto node = config::ParseYaml(ReadFile(path), path);
  if (!node.ok()) {
    *error = std::string(node.status().message());
    return out;
  }
  if (node->IsNull()) return out;
  if (node->kind != config::Node::Kind::kSeq) {
    *error = path + ": expected a list of target groups";
    return out;
  }
  for (const auto& group : node->seq) {
    LabelSet base;
    if (const config::Node* labels = group.Find("labels"))
      for (const auto& [k, v] : labels->map) base.Set(k, v.scalar);
    base.Set("__meta_filepath", path);
    if (const config::Node* targets = group.Find("targets"))
      for (const auto& t : targets->seq) {
        LabelSet ls = base;
        ls.Set("__address__", t.scalar);
        out.push_back(std::move(ls));
      }
  }
  return out;
}

std::vector<std::string> Glob(const std::string& pattern) {
  std::vector<std::string> out;
  glob_t g{};
  if (glob(pattern.c_str(), 0, nullptr, &g) == 0)
    for (size_t i = 0; i < g.gl_pathc; ++i) out.emplace_back(g.gl_pathv[i]);
  globfree(&g);
  return out;
}

// A fingerprint of the files a file_sd config reads (names, sizes, mtimes): a change re-reads.
std::string SdFingerprint(const PromFileSdConfig& f) {
  std::string fp;
  for (const auto& pattern : f.files)
    for (const auto& path : Glob(pattern)) {
      struct stat st {};
      if (stat(path.c_str(), &st) != 0) continue;
      fp += path + ":" + std::to_string(st.st_size) + ":" + std::to_string(st.st_mtim.tv_sec) +
            "." + std::to_string(st.st_mtim.tv_nsec) + ";";
    }
  return fp;
}

}  // namespace

StatusOr<std::optional<ResolvedTarget>> ResolveTarget(const PromScrapeConfig& sc,
                                                      const LabelSet& discovered) {
  LabelSet ls = discovered;
  auto set_default = [&](std::string_view k, std::string_view v) {
    if (!ls.Has(k)) ls.Set(k, v);
  };
  set_default("job", sc.job_name);
  set_default("__scheme__", sc.scheme);
  set_default("__metrics_path__", sc.metrics_path);
  set_default("__scrape_interval__", config::FormatDuration(sc.scrape_interval));
  set_default("__scrape_timeout__", config::FormatDuration(sc.scrape_timeout));
  for (const auto& [k, v] : sc.params)
    if (!v.empty()) set_default("__param_" + k, v[0]);
  if (!Relabel(sc.relabel_configs, &ls)) return std::optional<ResolvedTarget>();
  std::string addr(ls.Get("__address__"));
  if (addr.empty()) return InvalidArgument("no address");
  const std::string scheme(ls.Get("__scheme__"));
  if (addr.find(':') == std::string::npos || (addr[0] == '[' && addr.back() == ']'))
    addr += scheme == "https" ? ":443" : ":80";
  ResolvedTarget t;
  t.scheme = scheme;
  t.interval = sc.scrape_interval;
  t.timeout = sc.scrape_timeout;
  std::string path(ls.Get("__metrics_path__"));
  std::string query;
  for (const auto& [k, vals] : sc.params) {
    std::string_view first = ls.Get("__param_" + k);
    for (size_t i = 0; i < vals.size(); ++i) {
      query += query.empty() ? "?" : "&";
      query += UrlEscape(k) + "=" + UrlEscape(i == 0 && !first.empty() ? first : vals[i]);
    }
  }
  for (const auto& l : ls.labels())
    if (l.name.starts_with("__param_") && !sc.params.count(l.name.substr(8)))
      query += (query.empty() ? "?" : "&") + UrlEscape(l.name.substr(8)) + "=" + UrlEscape(l.value);
  t.url = scheme + "://" + addr + path + query;
  for (const auto& l : ls.labels())
    if (!l.name.starts_with("__")) t.labels.Set(l.name, l.value);
  if (!t.labels.Has("instance")) t.labels.Set("instance", addr);
  return std::optional<ResolvedTarget>(std::move(t));
}

struct PrometheusReceiver::Target {
  ResolvedTarget resolved;
  std::unique_ptr<TargetConverter> converter;
  otlp_http_exporter::Url url;
  otlp_http_exporter::Headers headers;
  otlp_http_exporter::HttpClient* client = nullptr;
  uint64_t body_limit = 0;
  std::atomic<bool> stop{false};
  bool gone = false;  // removed from discovery: emit stale markers on exit
  exporterhelper::Cancellation cancel;
  std::thread worker;
};

struct PrometheusReceiver::Pool {
  const PromScrapeConfig* sc = nullptr;
  std::unique_ptr<otlp_http_exporter::HttpClient> client;
  otlp_http_exporter::Headers headers;
  std::map<std::string, std::unique_ptr<Target>> targets;  // by url + labels
  std::vector<std::string> sd_fingerprints;
  std::vector<Clock::time_point> sd_next_refresh;
  std::vector<std::vector<LabelSet>> sd_groups;  // per file_sd config
};

PrometheusReceiver::PrometheusReceiver(const ComponentContext& ctx,
                                       const PrometheusReceiverConfig& cfg, MetricConsumer* next)
    : cfg_(cfg), next_(next), logger_(ctx.logger) {
  telemetry::SelfMetrics* metrics = telemetry::GivenOrOwn(ctx.metrics, own_metrics_);
  telemetry::Labels labels = {{"receiver", ctx.id.ToString()}, {"transport", "http"}};
  accepted_ = &metrics->GetCounter("otelcol_receiver_accepted_metric_points",
                                   "Metric points the pipeline accepted.", labels);
  refused_ = &metrics->GetCounter("otelcol_receiver_refused_metric_points",
                                  "Metric points the pipeline refused.", labels);
  failed_scrapes_ = &metrics->GetCounter("otter_receiver_failed_scrapes_total",
                                         "Scrapes that failed (fetch, parse or sample_limit).",
                                         {{"receiver", ctx.id.ToString()}});
  dropped_samples_ = &metrics->GetCounter(
      "otter_receiver_dropped_samples_total",
      "Scraped samples dropped: duplicates, inconsistent timestamps, invalid histograms.",
      {{"receiver", ctx.id.ToString()}});
}

PrometheusReceiver::~PrometheusReceiver() { Shutdown(); }

Status PrometheusReceiver::Start() {
  for (const auto& sc : cfg_.scrape_configs) {
    auto pool = std::make_unique<Pool>();
    pool->sc = &sc;
    otlp_http_exporter::HttpClientOptions o;
    o.tls = sc.tls_config;
    o.enable_tls = sc.scheme == "https" || !sc.relabel_configs.empty();
    o.max_response_body = sc.body_size_limit ? sc.body_size_limit : 64 * 1024 * 1024;
    auto client = otlp_http_exporter::HttpClient::Create(std::move(o));
    if (!client.ok()) return client.status().Annotate("job " + sc.job_name + ": tls_config");
    pool->client = std::move(*client);
    pool->headers = {{"Accept", kAccept},
                     {"User-Agent", std::string("otter/") + kVersion},
                     {"X-Prometheus-Scrape-Timeout-Seconds",
                      store::promconv::FormatPromFloat(
                          std::chrono::duration<double>(sc.scrape_timeout).count())}};
    if (sc.basic_auth) {
      std::string pw = sc.basic_auth->password;
      if (!sc.basic_auth->password_file.empty()) pw = Trim(ReadFile(sc.basic_auth->password_file));
      pool->headers.push_back(
          {"Authorization", "Basic " + Base64(sc.basic_auth->username + ":" + pw)});
    } else if (sc.authorization) {
      std::string cred = sc.authorization->credentials;
      if (!sc.authorization->credentials_file.empty())
        cred = Trim(ReadFile(sc.authorization->credentials_file));
      pool->headers.push_back({"Authorization", sc.authorization->type + " " + cred});
    } else if (!sc.bearer_token.empty() || !sc.bearer_token_file.empty()) {
      std::string tok =
          sc.bearer_token.empty() ? Trim(ReadFile(sc.bearer_token_file)) : sc.bearer_token;
      pool->headers.push_back({"Authorization", "Bearer " + tok});
    }
    pool->sd_fingerprints.assign(sc.file_sd_configs.size(), "\x01");
    pool->sd_next_refresh.assign(sc.file_sd_configs.size(), Clock::time_point{});
    pool->sd_groups.resize(sc.file_sd_configs.size());
    pools_.push_back(std::move(pool));
  }
  {
    std::lock_guard l(mu_);
    stopping_ = false;
  }
  discovery_ = std::thread([this] { DiscoveryLoop(); });
  return Status::Ok();
}

void PrometheusReceiver::DiscoveryLoop() {
  for (;;) {
    for (auto& pool : pools_) {
      const PromScrapeConfig& sc = *pool->sc;
      bool changed = pool->targets.empty() && !sc.static_configs.empty();
      for (size_t i = 0; i < sc.file_sd_configs.size(); ++i) {
        std::string fp = SdFingerprint(sc.file_sd_configs[i]);
        auto now = Clock::now();
        if (fp == pool->sd_fingerprints[i] && now < pool->sd_next_refresh[i]) continue;
        pool->sd_fingerprints[i] = fp;
        pool->sd_next_refresh[i] = now + sc.file_sd_configs[i].refresh_interval;
        std::vector<LabelSet> groups;
        for (const auto& pattern : sc.file_sd_configs[i].files)
          for (const auto& path : Glob(pattern)) {
            std::string err;
            auto g = ReadSdFile(path, &err);
            if (!err.empty() && logger_) logger_->warn("file_sd: {}", err);
            groups.insert(groups.end(), g.begin(), g.end());
          }
        if (groups != pool->sd_groups[i]) {
          pool->sd_groups[i] = std::move(groups);
          changed = true;
        }
      }
      if (!changed) continue;
      std::vector<LabelSet> discovered;
      for (const auto& st : sc.static_configs)
        for (const auto& addr : st.targets) {
          LabelSet ls;
          for (const auto& [k, v] : st.labels) ls.Set(k, v);
          ls.Set("__address__", addr);
          discovered.push_back(std::move(ls));
        }
      for (const auto& g : pool->sd_groups) discovered.insert(discovered.end(), g.begin(), g.end());
      SyncPool(*pool, discovered);
    }
    std::unique_lock l(mu_);
    if (cv_.wait_for(l, std::chrono::seconds(1), [this] { return stopping_; })) return;
  }
}

void PrometheusReceiver::SyncPool(Pool& pool, const std::vector<LabelSet>& discovered) {
  const PromScrapeConfig& sc = *pool.sc;
  std::map<std::string, ResolvedTarget> wanted;
  for (const LabelSet& d : discovered) {
    auto r = ResolveTarget(sc, d);
    if (!r.ok()) {
      if (logger_)
        logger_->warn("job {}: dropping target {}: {}", sc.job_name, d.ToString(),
                      r.status().message());
      continue;
    }
    if (!*r) continue;
    std::string key = (*r)->url + (*r)->labels.ToString();
    wanted.emplace(std::move(key), std::move(**r));
  }
  if (sc.target_limit && wanted.size() > sc.target_limit) {
    if (logger_)
      logger_->error("job {}: {} targets exceed target_limit {}; scraping none", sc.job_name,
                     wanted.size(), sc.target_limit);
    wanted.clear();
  }
  for (auto it = pool.targets.begin(); it != pool.targets.end();) {
    if (wanted.count(it->first)) {
      ++it;
      continue;
    }
    Target* t = it->second.get();
    t->gone = true;
    {
      std::lock_guard l(mu_);  // the worker checks `stop` under mu_: no lost wake-up
      t->stop = true;
    }
    t->cancel.Cancel();
    cv_.notify_all();
    if (t->worker.joinable()) t->worker.join();
    it = pool.targets.erase(it);
  }
  for (auto& [key, r] : wanted) {
    if (pool.targets.count(key)) continue;
    auto t = std::make_unique<Target>();
    TargetSpec spec;
    spec.labels = r.labels;
    for (const auto& [k, v] : cfg_.external_labels)
      if (!spec.labels.Has(k)) spec.labels.Set(k, v);
    spec.scheme = r.scheme;
    spec.honor_labels = sc.honor_labels;
    spec.honor_timestamps = sc.honor_timestamps;
    spec.metric_relabel = sc.metric_relabel_configs;
    spec.sample_limit = sc.sample_limit;
    spec.use_start_time_metric = cfg_.use_start_time_metric;
    spec.scope_version = kVersion;
    t->converter = std::make_unique<TargetConverter>(std::move(spec));
    auto url = otlp_http_exporter::ParseUrl(r.url);
    if (!url.ok()) {
      if (logger_) logger_->warn("job {}: bad target URL {}", sc.job_name, r.url);
      continue;
    }
    t->url = *url;
    t->headers = pool.headers;
    t->client = pool.client.get();
    t->resolved = std::move(r);
    Target* raw = t.get();
    t->worker = std::thread([this, raw] { RunTarget(raw); });
    pool.targets.emplace(key, std::move(t));
  }
}

void PrometheusReceiver::RunTarget(Target* t) {
  // Prometheus's offset: scrapes fall at a fixed, per-target phase of the interval.
  const int64_t interval =
      std::chrono::duration_cast<std::chrono::nanoseconds>(t->resolved.interval).count();
  Fnv1a<uint64_t, 14695981039346656037ull, 1099511628211ull> h;
  h.Add(t->resolved.labels.ToString()).Add(t->resolved.url);
  const int64_t now = Clock::now().time_since_epoch().count();
  int64_t next = interval - now % interval + static_cast<int64_t>(h.value() % uint64_t(interval));
  if (next > interval) next -= interval;
  auto when = Clock::now() + std::chrono::nanoseconds(next);
  for (;;) {
    {
      std::unique_lock l(mu_);
      if (cv_.wait_until(l, when, [&] { return stopping_ || t->stop.load(); })) break;
    }
    ScrapeOnce(t);
    when += t->resolved.interval;
    auto n = Clock::now();
    while (when < n) when += t->resolved.interval;  // skipped intervals after a slow scrape
  }
  if (t->gone) {
    int64_t ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch())
            .count();
    Send(t->converter->StaleAll(ms));
  }
}

void PrometheusReceiver::ScrapeOnce(Target* t) {
  const auto start = Clock::now();
  const int64_t ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(start.time_since_epoch()).count();
  auto resp = t->client->Get(t->url, t->headers, t->resolved.timeout, &t->cancel);
  const double duration = std::chrono::duration<double>(Clock::now() - start).count();
  if (t->stop) return;
  Status err;
  std::string body, ctype;
  if (!resp.ok()) {
    err = resp.status();
  } else if (resp->status != 200) {
    err = Unavailable("server returned HTTP status " + std::to_string(resp->status) + " " +
                      resp->reason);
  } else {
    body = std::move(resp->body);
    ctype = std::string(resp->Header("Content-Type"));
  }
  ScrapeStats stats;
  pdata::MetricBatch batch =
      t->converter->Convert(std::move(body), ctype, ms, duration, err, &stats);
  if (stats.dropped) dropped_samples_->Add(stats.dropped);
  if (!stats.error.ok()) {
    failed_scrapes_->Add(1);
    uint64_t suppressed = 0;
    exporterhelper::SteadyClock clock;
    if (logger_ && log_throttle_.Allow(clock, &suppressed))
      logger_->warn("Failed to scrape Prometheus endpoint {}: {}{}", t->resolved.url,
                    stats.error.message(), exporterhelper::LogThrottle::Suffix(suppressed));
  }
  Send(std::move(batch));
}

void PrometheusReceiver::Send(pdata::MetricBatch&& batch) {
  const size_t points = batch.ItemCount();
  if (points == 0) return;
  next_->Consume(std::move(batch), Completion([this, points](Status s) {
                   (s.ok() ? accepted_ : refused_)->Add(points);
                 }));
}

void PrometheusReceiver::Shutdown() {
  {
    std::lock_guard l(mu_);
    if (stopping_ && !discovery_.joinable()) return;
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& pool : pools_)
    for (auto& [k, t] : pool->targets) t->cancel.Cancel();
  if (discovery_.joinable()) discovery_.join();
  for (auto& pool : pools_)
    for (auto& [k, t] : pool->targets)
      if (t->worker.joinable()) t->worker.join();
  pools_.clear();
}

}  // namespace otter::promscrape
