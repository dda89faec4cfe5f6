#include "exporters/otlp_http/exporter.h"

#include <spdlog/spdlog.h>

#include <optional>

#include "exporters/exporterhelper/log_throttle.h"
#include "exporters/exporterhelper/queued_retry_sender.h"
#include "exporters/otlp_http/http_client.h"
#include "exporters/otlp_http/response.h"
#include "net/compression.h"
#include "otlp/json_codec.h"
#include "otlp/proto_codec.h"
#include "otlp/wire_split.h"

namespace otter::otlp_http_exporter {
namespace {

using exporterhelper::Attempt;

void Encode(const pdata::TraceBatch& b, bool json, std::string* out) {
  json ? otlp::EncodeTracesJson(b, out) : otlp::AppendRequest(b, out);
}
void Encode(const pdata::MetricBatch& b, bool json, std::string* out) {
  json ? otlp::EncodeMetricsJson(b, out) : otlp::AppendRequest(b, out);
}
void Encode(const pdata::LogBatch& b, bool json, std::string* out) {
  json ? otlp::EncodeLogsJson(b, out) : otlp::AppendRequest(b, out);
}

struct SignalUrls {
  std::optional<Url> by_signal[3];  // indexed by Signal
};

class OtlpHttpExporter final : public Exporter {
 public:
  OtlpHttpExporter(const ComponentContext& ctx, const OtlpHttpConfig& cfg,
                   std::unique_ptr<HttpClient> client, SignalUrls urls,
                   exporterhelper::SenderOptions options, const auth::ClientAuthenticator* auth)
      : json_(cfg.encoding == "json"),
        auth_(auth),
        log_(ctx.logger ? ctx.logger : std::make_shared<spdlog::logger>("otlp_http")),
        client_(std::move(client)),
        urls_(std::move(urls)),
        clock_(options.clock ? options.clock : std::make_shared<exporterhelper::SteadyClock>()),
        senders_(ctx, cfg.Sender(),
                 {[this](const pdata::TraceBatch& b, const Attempt& a) { return Send(b, a); },
                  [this](const pdata::MetricBatch& b, const Attempt& a) { return Send(b, a); },
                  [this](const pdata::LogBatch& b, const Attempt& a) { return Send(b, a); }},
                 options) {
    if (cfg.compression != "none" && !cfg.compression.empty())
      encoding_ = net::ParseContentEncoding(cfg.compression).value_or(net::Encoding::kIdentity);
    headers_.emplace_back("Content-Type", json_ ? "application/json" : "application/x-protobuf");
    if (encoding_ != net::Encoding::kIdentity)
      headers_.emplace_back("Content-Encoding", std::string(net::EncodingName(encoding_)));
    for (const auto& [k, v] : cfg.headers) headers_.emplace_back(k, v);  // may override the above
    // A protobuf request forwarded as it came is never decoded (JSON needs the pdata).
    if (!json_) senders_.TakeUndecoded();
  }
  ~OtlpHttpExporter() override { senders_.Shutdown(); }

  Status Start() override { return senders_.Start(); }
  void Shutdown() override { senders_.Shutdown(); }
  Consumers consumers() override { return senders_.consumers(); }

 private:
  template <class B>
  Status Send(const B& batch, const Attempt& a);

  const bool json_;
  const auth::ClientAuthenticator* const auth_;  // null = none; owned by the service
  net::Encoding encoding_ = net::Encoding::kIdentity;
  std::shared_ptr<spdlog::logger> log_;
  std::unique_ptr<HttpClient> client_;
  const SignalUrls urls_;
  Headers headers_;
  std::shared_ptr<exporterhelper::Clock> clock_;
  exporterhelper::LogThrottle response_log_;
  exporterhelper::SignalSenders senders_;  // last: destroyed first, its threads call Send
};

template <class B>
Status OtlpHttpExporter::Send(const B& batch, const Attempt& a) {
  constexpr Signal kSignal = SignalOf<B>();
  const std::optional<Url>& url = urls_.by_signal[static_cast<int>(kSignal)];
  if (!url) {
    return InvalidArgument("no URL for " + std::string(SignalName(kSignal)) + ": set endpoint or " +
                           std::string(SignalName(kSignal)) + "_endpoint");
  }
  std::string& body = *a.scratch;
  if (body.empty()) {  // once per request; retries resend the bytes
    std::string raw;
    Encode(batch, json_, &raw);
    if (encoding_ == net::Encoding::kIdentity) {
      body = std::move(raw);
    } else {
      auto compressed = net::Compress(encoding_, raw);
      if (!compressed.ok())
        return Internal("compressing the request: " + std::string(compressed.status().message()));
      body = std::move(*compressed);
    }
  }
  Headers with_auth;  // credentials may rotate: asked for on every request
  const Headers* headers = &headers_;
  if (auth_) {
    with_auth = headers_;
    RETURN_IF_ERROR(auth_->AddRequestHeaders(with_auth, batch.metadata()));
    headers = &with_auth;
  }
  auto r = client_->Post(*url, *headers, body, a.timeout, a.cancel);
  if (!r.ok()) return r.status();
  RETURN_IF_ERROR(StatusFromHttpResponse(*r, url->text, std::chrono::system_clock::now()));

  auto result = ParseExportResponse(*r);
  uint64_t suppressed = 0;
  if (!result.ok()) {
    // The data was accepted (2xx); an unreadable body is no reason to send it again.
    if (response_log_.Allow(*clock_, &suppressed))
      log_->warn("cannot read the response from {}: {}{}", url->text, result.status().message(),
                 exporterhelper::LogThrottle::Suffix(suppressed));
  } else if (result->partial_success && (result->rejected > 0 || !result->error_message.empty())) {
    if (response_log_.Allow(*clock_, &suppressed))
      log_->warn("partial success: the server rejected {} {} of {}: {}{}", result->rejected,
                 SignalItemName(kSignal), batch.ItemCount(), result->error_message,
                 exporterhelper::LogThrottle::Suffix(suppressed));
  }
  return Status::Ok();
}

}  // namespace

StatusOr<std::unique_ptr<Exporter>> CreateExporter(const ComponentContext& ctx,
                                                   const OtlpHttpConfig& config,
                                                   exporterhelper::SenderOptions options) {
  RETURN_IF_ERROR(config.Validate());
  const auth::ClientAuthenticator* authenticator = nullptr;
  if (config.auth) {
    ASSIGN_OR_RETURN(authenticator, auth::FindClientAuthenticator(ctx, *config.auth, "auth"));
  }
  SignalUrls urls;
  bool any_https = false;
  for (Signal s : kAllSignals) {
    std::string text = config.SignalUrl(s);
    if (text.empty()) continue;
    auto u = ParseUrl(text);
    if (!u.ok()) return u.status();
    any_https |= u->https;
    urls.by_signal[static_cast<int>(s)] = std::move(*u);
  }
  HttpClientOptions co;
  co.tls = config.tls;
  co.enable_tls = any_https;
  co.max_idle_conns = static_cast<size_t>(config.max_idle_conns);
  co.idle_conn_timeout = config.idle_conn_timeout;
  co.disable_keep_alives = config.disable_keep_alives;
  auto client = HttpClient::Create(std::move(co));
  if (!client.ok()) return client.status();
  return std::unique_ptr<Exporter>(std::make_unique<OtlpHttpExporter>(
      ctx, config, std::move(*client), std::move(urls), std::move(options), authenticator));
}

}  // namespace otter::otlp_http_exporter
