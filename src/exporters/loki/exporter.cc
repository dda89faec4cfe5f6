#include "exporters/loki/exporter.h"

#include <cstring>

#include "exporters/loki/push_request.h"
#include "exporters/otlp_http/http_client.h"
#include "exporters/otlp_http/response.h"
#include "net/compression.h"

namespace otter::loki_exporter {
namespace {

using exporterhelper::Attempt;
using otlp_http_exporter::HttpClient;
using otlp_http_exporter::Url;

class LokiExporter final : public Exporter {
 public:
  LokiExporter(const ComponentContext& ctx, const LokiExporterConfig& cfg,
               std::unique_ptr<HttpClient> client, Url url, exporterhelper::SenderOptions options,
               const auth::ClientAuthenticator* auth)
      : cfg_(cfg),
        auth_(auth),
        client_(std::move(client)),
        url_(std::move(url)),
        sender_(
            ctx, cfg.Sender(),
            [this](const pdata::LogBatch& b, const Attempt& a) { return Send(b, a); },
            std::move(options)) {}
  ~LokiExporter() override { Shutdown(); }

  Status Start() override { return sender_.Start(); }
  void Shutdown() override {
    sender_.BeginShutdown();
    sender_.Shutdown();
  }
  Consumers consumers() override {
    Consumers c;
    c.logs = &sender_;
    return c;
  }

 private:
  // One request per tenant, kept in the attempt's scratch as [tenant length][tenant][body
  // length][body]...; an accepted request is cut off, so a retry resends only the rest.
  Status Send(const pdata::LogBatch& batch, const Attempt& a) {
    std::string& scratch = *a.scratch;
    if (a.number == 1) {
      for (const auto& [tenant, streams] : ToStreams(batch, cfg_.default_labels_enabled)) {
        auto body = net::Compress(net::Encoding::kSnappy, EncodePushRequest(streams));
        if (!body.ok())
          return Internal("compressing the request: " + std::string(body.status().message()));
        Frame(scratch, tenant);
        Frame(scratch, *body);
      }
    }
    while (!scratch.empty()) {
      size_t at = 0;
      std::string_view tenant = Unframe(scratch, at), body = Unframe(scratch, at);
      otlp_http_exporter::Headers headers = {{"Content-Type", "application/x-protobuf"},
                                             {"Content-Encoding", "snappy"},
                                             {"User-Agent", "otter"}};
      if (!tenant.empty()) headers.emplace_back("X-Scope-OrgID", std::string(tenant));
      for (const auto& [k, v] : cfg_.headers) headers.emplace_back(k, v);
      if (auth_) RETURN_IF_ERROR(auth_->AddRequestHeaders(headers, batch.metadata()));
      auto r = client_->Post(url_, headers, body, a.timeout, a.cancel);
      if (!r.ok()) return r.status();
      RETURN_IF_ERROR(otlp_http_exporter::PushStatus(*r, url_.text));
      scratch.erase(0, at);
    }
    return Status::Ok();
  }
  static void Frame(std::string& out, std::string_view s) {
    uint32_t n = static_cast<uint32_t>(s.size());
    char len[4];
    std::memcpy(len, &n, 4);
    out.append(len, 4);
    out += s;
  }
  static std::string_view Unframe(const std::string& in, size_t& at) {
    uint32_t n;
    std::memcpy(&n, in.data() + at, 4);
    std::string_view s = std::string_view(in).substr(at + 4, n);
    at += 4 + n;
    return s;
  }

  const LokiExporterConfig cfg_;
  const auth::ClientAuthenticator* const auth_;  // null = none; owned by the service
  std::unique_ptr<HttpClient> client_;
  const Url url_;
  exporterhelper::QueuedRetrySender<pdata::LogBatch> sender_;  // last: its threads call Send
};

}  // namespace

StatusOr<std::unique_ptr<Exporter>> CreateExporter(const ComponentContext& ctx,
                                                   const LokiExporterConfig& cfg,
                                                   exporterhelper::SenderOptions options) {
  RETURN_IF_ERROR(cfg.Validate());
  const auth::ClientAuthenticator* authenticator = nullptr;
  if (cfg.auth) {
    ASSIGN_OR_RETURN(authenticator, auth::FindClientAuthenticator(ctx, *cfg.auth, "auth"));
  }
  ASSIGN_OR_RETURN(auto c, otlp_http_exporter::ClientFor(cfg.endpoint, cfg.tls));
  return std::unique_ptr<Exporter>(std::make_unique<LokiExporter>(
      ctx, cfg, std::move(c.client), std::move(c.url), std::move(options), authenticator));
}

}  // namespace otter::loki_exporter
