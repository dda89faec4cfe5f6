// UiAuth: the query server's authentication when `query.auth` is set, with the web UI's browser
// flows on top of auth::ServerAuthGuard. With a Basic authenticator every route needs
// credentials, so the browser shows its own login prompt. With a bearer-style one (bearertokenauth,
// oidc) a browser cannot prompt for a token: the UI's files (which hold no data) are served
// without credentials, the UI shows a token form that POSTs to /api/otter/login, and a valid token
// comes back as an HttpOnly, SameSite=Strict cookie that later requests authenticate with when
// they carry no credential header of their own. Every other route is refused with 401 as before.
// Thread-safety: const methods, called concurrently from the HTTP server's threads.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "auth/server_guard.h"
#include "net/http_server.h"

namespace otter::query {

class UiAuth {
 public:
  static constexpr std::string_view kCookie = "otter_token";

  explicit UiAuth(std::shared_ptr<const auth::ServerAuthGuard> guard);

  bool enabled() const { return guard_ && guard_->enabled(); }
  // For HttpServerOptions::on_headers: the 401 to send, or nullopt to serve the request.
  std::optional<net::HttpResponse> Check(const net::HttpRequest& head) const;
  // POST /api/otter/login (form field `token`): 204 with the cookie set, or 401.
  net::HttpResponse Login(const net::HttpRequest& request) const;
  // POST /api/otter/logout: 204, the cookie cleared.
  static net::HttpResponse Logout();

  // The value of cookie `name` in a Cookie header ("" when absent). Exposed for tests.
  static std::string_view CookieValue(std::string_view cookie_header, std::string_view name);

 private:
  // Whether the authenticator accepts `credential` as the value of the header it reads.
  bool Accepts(std::string_view credential, std::string_view peer) const;

  std::shared_ptr<const auth::ServerAuthGuard> guard_;
  bool basic_ = false;  // the challenge is Basic: the browser prompts, no token form
};

}  // namespace otter::query
