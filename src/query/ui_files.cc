#include "query/ui_files.h"

#include <algorithm>
#include <cstring>

#include "net/compression.h"
#include "query/ui_assets.h"

namespace otter::query {

namespace {

// The UI loads nothing from elsewhere (no CDN, no web fonts); styles are set through the CSSOM,
// which 'self' allows.
constexpr const char* kCsp =
    "default-src 'self'; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'";

const UiAsset* Find(std::string_view path) {
  auto assets = UiAssets();
  auto it = std::lower_bound(assets.begin(), assets.end(), path,
                             [](const UiAsset& a, std::string_view p) { return a.path < p; });
  if (it == assets.end() || it->path != path) return nullptr;
  return &*it;
}

// "gzip" listed in Accept-Encoding (without q=0).
bool AcceptsGzip(std::string_view accept) {
  size_t pos = 0;
  while (pos < accept.size()) {
    size_t comma = accept.find(',', pos);
    std::string_view item =
        accept.substr(pos, comma == std::string_view::npos ? accept.npos : comma - pos);
    pos = comma == std::string_view::npos ? accept.size() : comma + 1;
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    std::string_view name = item.substr(0, item.find(';'));
    while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
    if (name != "gzip" && name != "*") continue;
    std::string_view params = item.substr(name.size());
    if (params.find("q=0") != std::string_view::npos &&
        params.find("q=0.") == std::string_view::npos)
      continue;
    return true;
  }
  return false;
}

// If-None-Match holding `etag` (or *).
bool NotModified(std::string_view if_none_match, std::string_view etag) {
  if (if_none_match.empty()) return false;
  if (if_none_match == "*") return true;
  return if_none_match.find(etag) != std::string_view::npos;
}

}  // namespace

bool UiFiles::Handles(const net::HttpRequest& request) {
  if (request.method != "GET") return false;
  std::string_view path = request.path();
  return !path.starts_with("/api/") && path != "/api" && !path.starts_with("/loki/");
}

void UiFiles::Handle(const net::HttpRequest& request, net::HttpResponse* out) {
  std::string_view path = request.path();
  const UiAsset* asset = Find(path == "/" ? "/index.html" : path);
  if (!asset) {
    // A missing file (a name with an extension, or anything under /assets/) is a 404; any other
    // path is a route of the single-page app.
    std::string_view last = path.substr(path.rfind('/') + 1);
    if (path.starts_with("/assets/") || last.find('.') != std::string_view::npos) {
      *out = net::HttpResponse::Text(404, "404 page not found\n");
      return;
    }
    asset = Find("/index.html");
    if (!asset) {
      *out = net::HttpResponse::Text(404, "404 page not found\n");
      return;
    }
  }
  out->status = 200;
  out->headers.clear();
  out->body.clear();
  out->SetHeader("ETag", asset->etag);
  out->SetHeader("Cache-Control",
                 asset->immutable ? "public, max-age=31536000, immutable" : "no-cache");
  out->SetHeader("Vary", "Accept-Encoding");
  out->SetHeader("X-Content-Type-Options", "nosniff");
  out->SetHeader("Referrer-Policy", "no-referrer");
  out->SetHeader("Content-Security-Policy", kCsp);
  if (NotModified(request.Header("If-None-Match"), asset->etag)) {
    out->status = 304;
    return;
  }
  out->SetHeader("Content-Type", asset->mime);
  std::string_view packed(reinterpret_cast<const char*>(asset->gzip), asset->gzip_size);
  if (AcceptsGzip(request.Header("Accept-Encoding"))) {
    out->SetHeader("Content-Encoding", "gzip");
    out->body.assign(packed);
    return;
  }
  auto raw = net::Decompress(net::Encoding::kGzip, packed, asset->size);
  if (!raw.ok()) {
    *out = net::HttpResponse::Text(500, "embedded UI file is corrupt\n");
    return;
  }
  out->body = std::move(*raw);
}

}  // namespace otter::query
