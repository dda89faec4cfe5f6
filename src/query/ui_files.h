// UiFiles: serves the embedded web UI (query/ui_assets.h) on the query API's port: the files
// gzipped as stored (or inflated for a client that does not take gzip), ETag / If-None-Match,
// immutable caching for content-hashed assets, no-cache for index.html, a strict
// Content-Security-Policy, and the single-page-app fallback (a path that is not a file gets
// index.html, so /trace/<id> pasted into a browser opens the trace page). QueryServer routes
// GET requests that no API claims here. Stateless; safe from any thread.
#pragma once

#include <string_view>

#include "net/http_server.h"

namespace otter::query {

class UiFiles {
 public:
  // Paths the UI may answer: GET outside the APIs' prefixes.
  static bool Handles(const net::HttpRequest& request);
  static void Handle(const net::HttpRequest& request, net::HttpResponse* out);
};

}  // namespace otter::query
