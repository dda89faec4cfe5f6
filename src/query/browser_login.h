// BrowserLogin: how a person with a browser gets past the query API's authenticator. With
// `basicauth` the browser's own prompt answers the 401's `WWW-Authenticate: Basic` challenge and
// nothing more is needed. With a token scheme (`bearertokenauth`, `oidc`) a browser cannot add an
// Authorization header by itself, so a page navigation without credentials gets a small login
// form; POST /login checks the pasted token with the authenticator and keeps it in an HttpOnly,
// SameSite=Strict cookie, which every later request presents in place of the header. POST
// /logout clears it. API clients (curl, Grafana) keep sending the header and never see the form.
// Thread-safety: every method may be called concurrently.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "auth/server_guard.h"
#include "net/http_server.h"

namespace otter::query {

class BrowserLogin {
 public:
  static constexpr std::string_view kCookie = "otter_token";

  // `guard` enabled (a server with `auth`); `secure_cookie` when the server speaks TLS.
  BrowserLogin(std::shared_ptr<const auth::ServerAuthGuard> guard, bool secure_cookie);

  // For net::HttpServerOptions::on_headers: nullopt when the request may proceed (credentials
  // in the header or the cookie, or a request to /login or /logout, which Handle answers), else
  // the refusal: the login form for a page navigation with a token scheme, a plain 401 otherwise.
  std::optional<net::HttpResponse> CheckHttp(const net::HttpRequest& head) const;
  // Answers GET/POST /login and POST /logout; nullopt for every other path.
  std::optional<net::HttpResponse> Handle(const net::HttpRequest& request) const;
  // Wraps options.on_headers so CheckHttp runs first.
  void Install(net::HttpServerOptions& options) const;

 private:
  bool tokens() const;  // the authenticator takes pasted tokens
  net::HttpResponse Form(int status, std::string_view next, std::string_view error) const;
  std::string Cookie(std::string_view value, bool clear) const;

  std::shared_ptr<const auth::ServerAuthGuard> guard_;
  bool secure_cookie_;
};

}  // namespace otter::query
