#include "cli/otlp_env.h"

#include <strings.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <thread>

#include "common/version.h"
#include "exporters/otlp_http/http_client.h"
#include "exporters/otlp_http/response.h"
#include "net/compression.h"
#include "processors/resourcedetection/detectors.h"

namespace otter::cli {
namespace {

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// The signal-specific variable if set (and not empty), else the generic one; `name` receives the
// variable that was used, for messages.
std::optional<std::string> Pick(const EnvLookup& env, const std::string& signal_upper,
                                const std::string& suffix, std::string* name) {
  for (const std::string& var :
       {"OTEL_EXPORTER_OTLP_" + signal_upper + "_" + suffix, "OTEL_EXPORTER_OTLP_" + suffix}) {
    auto v = env(var);
    if (v && !Trim(*v).empty()) {
      if (name) *name = var;
      return std::string(Trim(*v));
    }
  }
  return std::nullopt;
}

// "k1=v1,k2=v2" with percent-encoded values (W3C baggage-like, as the SDK spec says).
Status ParseHeaders(const std::string& var, std::string_view text,
                    std::vector<std::pair<std::string, std::string>>& out) {
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string_view::npos) comma = text.size();
    std::string_view item = Trim(text.substr(start, comma - start));
    start = comma + 1;
    if (item.empty()) continue;
    size_t eq = item.find('=');
    std::string_view key = eq == std::string_view::npos ? "" : Trim(item.substr(0, eq));
    if (key.empty())
      return InvalidArgument(var + ": invalid header \"" + std::string(item) +
                             "\" (want key=value)");
    auto value = resourcedetection::PercentDecode(Trim(item.substr(eq + 1)));
    if (!value.ok())
      return InvalidArgument(var + ": header " + std::string(key) + ": " +
                             std::string(value.status().message()));
    auto it = std::find_if(out.begin(), out.end(), [&](const auto& kv) {
      return strcasecmp(kv.first.c_str(), std::string(key).c_str()) == 0;
    });
    if (it != out.end())
      it->second = std::move(*value);
    else
      out.emplace_back(std::string(key), std::move(*value));
  }
  return Status::Ok();
}

void AddUnlessSet(std::vector<std::pair<std::string, std::string>>& attrs, std::string key,
                  std::string value) {
  for (const auto& kv : attrs)
    if (kv.first == key) return;
  attrs.emplace_back(std::move(key), std::move(value));
}

}  // namespace

EnvLookup ProcessEnv() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (!v) return std::nullopt;
    return std::string(v);
  };
}

StatusOr<ExportSettings> ExportSettingsFromEnv(const EnvLookup& env, std::string_view signal) {
  ExportSettings s;
  const std::string sig = Upper(signal);
  std::string var;
  if (auto d = env("OTEL_SDK_DISABLED"); d && Upper(Trim(*d)) == "TRUE") s.disabled = true;

  // Endpoint: the signal's variable is the full URL; the generic one is a base URL that gets
  // v1/<signal> appended (after exactly one '/').
  if (auto v = env("OTEL_EXPORTER_OTLP_" + sig + "_ENDPOINT"); v && !Trim(*v).empty()) {
    s.url = std::string(Trim(*v));
    var = "OTEL_EXPORTER_OTLP_" + sig + "_ENDPOINT";
  } else {
    std::string base = "http://localhost:4318";
    var = "OTEL_EXPORTER_OTLP_ENDPOINT";
    if (auto b = env(var); b && !Trim(*b).empty()) base = std::string(Trim(*b));
    if (base.empty() || base.back() != '/') base += '/';
    s.url = base + "v1/" + std::string(signal);
  }
  if (auto u = otlp_http_exporter::ParseUrl(s.url); !u.ok())
    return InvalidArgument(var + ": " + std::string(u.status().message()));

  if (auto p = Pick(env, sig, "PROTOCOL", &var)) {
    if (*p == "http/protobuf") {
      s.protocol = OtlpProtocol::kProtobuf;
    } else if (*p == "http/json") {
      s.protocol = OtlpProtocol::kJson;
    } else if (*p == "grpc") {
      return InvalidArgument(var + ": grpc is not supported here; use http/protobuf or http/json");
    } else {
      return InvalidArgument(var + ": unknown protocol \"" + *p +
                             "\" (want http/protobuf or http/json)");
    }
  }
  if (auto h = env("OTEL_EXPORTER_OTLP_HEADERS"))
    RETURN_IF_ERROR(ParseHeaders("OTEL_EXPORTER_OTLP_HEADERS", *h, s.headers));
  if (auto h = env("OTEL_EXPORTER_OTLP_" + sig + "_HEADERS"))  // per key, the signal's wins
    RETURN_IF_ERROR(ParseHeaders("OTEL_EXPORTER_OTLP_" + sig + "_HEADERS", *h, s.headers));
  if (auto t = Pick(env, sig, "TIMEOUT", &var)) {
    char* end = nullptr;
    long long ms = std::strtoll(t->c_str(), &end, 10);
    if (*end != '\0' || ms < 0)
      return InvalidArgument(var + ": want milliseconds, got \"" + *t + "\"");
    s.timeout = std::chrono::milliseconds(ms);
  }
  if (auto c = Pick(env, sig, "COMPRESSION", &var)) {
    if (*c == "gzip")
      s.gzip = true;
    else if (*c != "none")
      return InvalidArgument(var + ": unknown compression \"" + *c + "\" (want gzip or none)");
  }
  if (auto f = Pick(env, sig, "CERTIFICATE", nullptr)) s.tls.ca_file = *f;
  if (auto f = Pick(env, sig, "CLIENT_CERTIFICATE", nullptr)) s.tls.cert_file = *f;
  if (auto f = Pick(env, sig, "CLIENT_KEY", nullptr)) s.tls.key_file = *f;

  resourcedetection::HostEnv host;
  host.getenv = env;
  ASSIGN_OR_RETURN(auto detected, resourcedetection::DetectEnv(host));
  std::string service = "unknown_service:otter";
  for (const auto& [k, v] : detected)
    if (k == "service.name") service = v;
  if (auto n = env("OTEL_SERVICE_NAME"); n && !Trim(*n).empty()) service = std::string(Trim(*n));
  s.resource.emplace_back("service.name", service);
  for (auto& kv : detected)
    if (kv.first != "service.name") s.resource.push_back(std::move(kv));
  AddUnlessSet(s.resource, "telemetry.sdk.name", "otter");
  AddUnlessSet(s.resource, "telemetry.sdk.language", "cpp");
  AddUnlessSet(s.resource, "telemetry.sdk.version", kVersion);
  char host_name[256] = {};
  if (gethostname(host_name, sizeof host_name - 1) == 0 && host_name[0])
    AddUnlessSet(s.resource, "host.name", host_name);
  return s;
}

Status PostOtlp(const ExportSettings& settings, std::string body) {
  ASSIGN_OR_RETURN(auto client, otlp_http_exporter::ClientFor(settings.url, settings.tls));
  otlp_http_exporter::Headers headers = settings.headers;
  headers.emplace_back("Content-Type", settings.protocol == OtlpProtocol::kJson
                                           ? "application/json"
                                           : "application/x-protobuf");
  if (settings.gzip) {
    ASSIGN_OR_RETURN(body, net::Compress(net::Encoding::kGzip, body));
    headers.emplace_back("Content-Encoding", "gzip");
  }
  const auto deadline = std::chrono::steady_clock::now() + settings.timeout;
  std::chrono::milliseconds backoff(100);
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) left = std::chrono::milliseconds(1);
    auto r = client.client->Post(client.url, headers, body, left, nullptr);
    Status s = r.ok() ? otlp_http_exporter::StatusFromHttpResponse(*r, settings.url,
                                                                   std::chrono::system_clock::now())
                      : r.status();
    if (s.ok() || !s.retryable()) return s;
    auto wait = s.retry_after().value_or(backoff);
    if (std::chrono::steady_clock::now() + wait >= deadline) return s;
    std::this_thread::sleep_for(wait);
    backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
  }
}

}  // namespace otter::cli
