#include "query/ui_auth.h"

#include "query/http_params.h"
#include "query/ui_files.h"

namespace otter::query {

namespace {

// Percent-encodes what a cookie value may not hold (space, ';', ',', '"', '%', '\', controls).
std::string CookieEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (c <= 0x20 || c >= 0x7f || c == ';' || c == ',' || c == '"' || c == '%' || c == '\\' ||
        c == '+') {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

net::HttpResponse NoContent() {
  net::HttpResponse r;
  r.status = 204;
  r.SetHeader("Cache-Control", "no-store");
  return r;
}

}  // namespace

UiAuth::UiAuth(std::shared_ptr<const auth::ServerAuthGuard> guard) : guard_(std::move(guard)) {
  basic_ = enabled() && guard_->challenge().starts_with("Basic");
}

std::string_view UiAuth::CookieValue(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    size_t semi = header.find(';');
    std::string_view pair = header.substr(0, semi);
    header = semi == std::string_view::npos ? std::string_view() : header.substr(semi + 1);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    size_t eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == name) return pair.substr(eq + 1);
  }
  return {};
}

bool UiAuth::Accepts(std::string_view credential, std::string_view peer) const {
  // The authenticator asks for the one header it reads (Authorization, or bearertokenauth's
  // `header`); the cookie stands in for it.
  auto err = guard_->Check(
      [credential](std::string_view) -> std::optional<std::string_view> { return credential; },
      peer);
  return !err.has_value();
}

std::optional<net::HttpResponse> UiAuth::Check(const net::HttpRequest& head) const {
  if (!enabled()) return std::nullopt;
  std::string_view path = head.path();
  if (!basic_) {
    if (path == "/api/otter/login" || path == "/api/otter/logout") return std::nullopt;
    if (UiFiles::Handles(head) && path != "/ready" && !path.starts_with("/-/")) return std::nullopt;
    std::string_view cookie = CookieValue(head.Header("Cookie"), kCookie);
    if (!head.HasHeader("Authorization") && !cookie.empty()) {
      auto decoded = UrlDecode(cookie);
      if (decoded.ok() && Accepts(*decoded, head.remote_address)) return std::nullopt;
      net::HttpResponse r = net::HttpResponse::Text(401, "Unauthorized\n");
      r.SetHeader("WWW-Authenticate", guard_->challenge());
      return r;
    }
  }
  return guard_->CheckHttp(head);
}

net::HttpResponse UiAuth::Login(const net::HttpRequest& request) const {
  if (request.method != "POST") return net::HttpResponse::Text(405, "method not allowed\n");
  if (!enabled()) return NoContent();
  auto params = HttpParams::FromRequest(request);
  std::string token = params.ok() ? params->GetOr("token", "") : "";
  if (basic_ || token.empty())
    return net::HttpResponse::Text(
        basic_ ? 400 : 401, basic_ ? "this server uses Basic authentication\n" : "Unauthorized\n");
  // The token as the authenticator's scheme expects it ("Bearer <token>"), or bare (a
  // bearertokenauth with `scheme: ""`).
  std::string credential = guard_->challenge() + " " + token;
  if (!Accepts(credential, request.remote_address)) {
    credential = token;
    if (!Accepts(credential, request.remote_address))
      return net::HttpResponse::Text(401, "Unauthorized\n");
  }
  net::HttpResponse r = NoContent();
  r.SetHeader("Set-Cookie", std::string(kCookie) + "=" + CookieEncode(credential) +
                                "; Path=/; HttpOnly; SameSite=Strict");
  return r;
}

net::HttpResponse UiAuth::Logout() {
  net::HttpResponse r = NoContent();
  r.SetHeader("Set-Cookie",
              std::string(kCookie) + "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
  return r;
}

}  // namespace otter::query
