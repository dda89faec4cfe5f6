#include "query/browser_login.h"

#include "common/base64.h"
#include "query/http_params.h"

namespace otter::query {

namespace {

// The value of cookie `name` in a Cookie header ("a=1; otter_token=x"), if present.
std::optional<std::string_view> FindCookie(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    size_t semi = header.find(';');
    std::string_view pair = header.substr(0, semi);
    header = semi == std::string_view::npos ? std::string_view() : header.substr(semi + 1);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    size_t eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == name) return pair.substr(eq + 1);
  }
  return std::nullopt;
}

// base64url without padding: tokens may hold characters a cookie value cannot.
std::string EncodeCookieValue(std::string_view token) {
  std::string b64;
  AppendBase64(b64, token);
  while (!b64.empty() && b64.back() == '=') b64.pop_back();
  for (char& c : b64) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return b64;
}

std::string HtmlEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// Where to go after logging in: a local path only (never "//host" or "/\host", which browsers
// read as another origin), else "/".
std::string SafeNext(std::string_view next) {
  if (next.size() >= 1 && next[0] == '/' &&
      (next.size() == 1 || (next[1] != '/' && next[1] != '\\')) &&
      next.find_first_of("\r\n") == std::string_view::npos)
    return std::string(next);
  return "/";
}

// A page navigation (what a browser sends when the user opens a URL), not an API call.
bool IsNavigation(const net::HttpRequest& head) {
  if (head.method != "GET" && head.method != "HEAD") return false;
  return head.Header("Accept").find("text/html") != std::string_view::npos;
}

bool IsLoginPath(std::string_view path) { return path == "/login" || path == "/logout"; }

}  // namespace

BrowserLogin::BrowserLogin(std::shared_ptr<const auth::ServerAuthGuard> guard, bool secure_cookie)
    : guard_(std::move(guard)), secure_cookie_(secure_cookie) {}

bool BrowserLogin::tokens() const {
  return guard_ && guard_->authenticator() && guard_->authenticator()->TokenHeader("").has_value();
}

std::optional<net::HttpResponse> BrowserLogin::CheckHttp(const net::HttpRequest& head) const {
  if (!guard_ || !guard_->enabled()) return std::nullopt;
  if (tokens() && IsLoginPath(head.path())) return std::nullopt;
  // The cookie stands in for the token header when the request has no such header.
  std::optional<std::pair<std::string, std::string>> from_cookie;
  std::optional<std::string_view> cookie;
  if (tokens() && head.HasHeader("Cookie")) cookie = FindCookie(head.Header("Cookie"), kCookie);
  if (cookie) {
    auto token = DecodeBase64(*cookie, /*url_safe=*/true, /*padded=*/false);
    if (token) from_cookie = guard_->authenticator()->TokenHeader(*token);
  }
  auto err = guard_->Check(
      [&](std::string_view name) -> std::optional<std::string_view> {
        if (head.HasHeader(name)) return head.Header(name);
        if (from_cookie && auth::HeaderNameEquals(name, from_cookie->first))
          return std::string_view(from_cookie->second);
        return std::nullopt;
      },
      head.remote_address);
  if (!err) return std::nullopt;
  net::HttpResponse r = tokens() && IsNavigation(head)
                            ? Form(401, head.target, cookie ? "Your session has expired." : "")
                            : net::HttpResponse::Text(401, "Unauthorized\n");
  r.SetHeader("WWW-Authenticate", guard_->challenge());
  if (cookie) r.SetHeader("Set-Cookie", Cookie("", /*clear=*/true));  // stale: forget it
  return r;
}

std::optional<net::HttpResponse> BrowserLogin::Handle(const net::HttpRequest& request) const {
  if (!tokens() || !IsLoginPath(request.path())) return std::nullopt;
  auto params = HttpParams::FromRequest(request);
  std::string next = SafeNext(params.ok() ? params->GetOr("next", "/") : "/");
  if (request.path() == "/logout") {
    if (request.method != "POST")
      return net::HttpResponse::Text(405, "POST /logout to log out\n").SetHeader("Allow", "POST");
    net::HttpResponse r;
    r.status = 303;
    r.SetHeader("Location", "/login");
    r.SetHeader("Set-Cookie", Cookie("", /*clear=*/true));
    return r;
  }
  if (request.method == "GET" || request.method == "HEAD") return Form(200, next, "");
  if (request.method != "POST")
    return net::HttpResponse::Text(405, "GET or POST /login\n").SetHeader("Allow", "GET, POST");
  std::string token = params.ok() ? params->GetOr("token", "") : "";
  auto header = guard_->authenticator()->TokenHeader(token);
  auto err = guard_->Check(
      [&](std::string_view name) -> std::optional<std::string_view> {
        if (token.empty() || !auth::HeaderNameEquals(name, header->first)) return std::nullopt;
        return std::string_view(header->second);
      },
      request.remote_address);
  if (err) return Form(401, next, token.empty() ? "Enter a token." : "That token is not valid.");
  net::HttpResponse r;
  r.status = 303;
  r.SetHeader("Location", next);
  r.SetHeader("Set-Cookie", Cookie(EncodeCookieValue(token), /*clear=*/false));
  return r;
}

void BrowserLogin::Install(net::HttpServerOptions& options) const {
  if (!guard_ || !guard_->enabled()) return;
  auto inner = std::move(options.on_headers);
  options.on_headers = [this, inner = std::move(inner)](
                           const net::HttpRequest& head) -> std::optional<net::HttpResponse> {
    if (auto r = CheckHttp(head)) return r;
    return inner ? inner(head) : std::nullopt;
  };
}

net::HttpResponse BrowserLogin::Form(int status, std::string_view next,
                                     std::string_view error) const {
  std::string body =
      "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width\"><title>otter: log in</title>"
      "</head>\n<body><main><h1>otter</h1>\n"
      "<form method=\"post\" action=\"/login\">\n<p><label for=\"token\">Access token</label><br>"
      "<input id=\"token\" name=\"token\" type=\"password\" autocomplete=\"current-password\" "
      "required autofocus></p>\n<input type=\"hidden\" name=\"next\" value=\"" +
      HtmlEscape(SafeNext(next)) + "\">\n";
  if (!error.empty()) body += "<p role=\"alert\">" + HtmlEscape(error) + "</p>\n";
  body += "<p><button type=\"submit\">Log in</button></p>\n</form></main></body></html>\n";
  net::HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.SetHeader("Content-Type", "text/html; charset=utf-8");
  r.SetHeader("Cache-Control", "no-store");
  r.SetHeader("Content-Security-Policy",
              "default-src 'self'; form-action 'self'; frame-ancestors 'none'");
  r.SetHeader("X-Content-Type-Options", "nosniff");
  return r;
}

std::string BrowserLogin::Cookie(std::string_view value, bool clear) const {
  std::string c =
      std::string(kCookie) + "=" + std::string(value) + "; Path=/; HttpOnly; SameSite=Strict";
  if (secure_cookie_) c += "; Secure";
  if (clear) c += "; Max-Age=0";
  return c;
}

}  // namespace otter::query
