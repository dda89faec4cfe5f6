// Test helpers for anything that serves HTTP or TLS: certificates generated on the fly (a CA, a
// server certificate for localhost/127.0.0.1, a client certificate, and one from a foreign CA)
// and a small blocking HTTP/1.1 client (plain or TLS) with keep-alive and raw-bytes access.
// Test-only: the implementation is test_util_test.cc, so it is linked into otter_tests alone.
// One client per thread; certificates are plain files in a fresh temporary directory.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "common/status.h"
#include "net/http_server.h"
#include "net/tls_config.h"

namespace otter::net::testing {

struct TestCerts {
  std::string dir;
  std::string ca_cert, ca_key;
  std::string server_cert, server_key;  // CN=localhost, SAN DNS:localhost, IP:127.0.0.1
  std::string client_cert, client_key;  // signed by the CA, for mTLS
  std::string foreign_ca_cert;          // an unrelated CA
  std::string foreign_client_cert, foreign_client_key;  // signed by the foreign CA
  std::string expired_server_cert, expired_server_key;  // like server_cert, expired a day ago
  std::string foreign_server_cert, foreign_server_key;  // like server_cert, by the foreign CA

  TlsServerSettings Server(bool require_client_cert = false) const;
  TlsClientSettings Client(bool with_cert = false) const;
};
// Creates a fresh set under a new temporary directory (throws std::runtime_error on failure).
TestCerts MakeTestCerts();

struct TestHttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::string Header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? "" : it->second;
  }
};

struct TestHttpRequest {
  std::string method = "POST";
  std::string target = "/";
  HttpHeaders headers;
  std::string body;
  bool chunked = false;  // send the body with Transfer-Encoding: chunked
};

class HttpTestClient {
 public:
  explicit HttpTestClient(int port, std::optional<TlsClientSettings> tls = std::nullopt,
                          std::chrono::milliseconds timeout = std::chrono::seconds(10));
  ~HttpTestClient();
  HttpTestClient(const HttpTestClient&) = delete;
  HttpTestClient& operator=(const HttpTestClient&) = delete;

  // Sends one request on the open connection (connecting first if needed) and reads the answer.
  // The connection stays open unless the server said Connection: close.
  StatusOr<TestHttpResponse> Send(const TestHttpRequest& request);
  // Writes bytes as they are (connecting first if needed).
  Status WriteRaw(const std::string& bytes);
  // Reads one response (also a 1xx interim one).
  StatusOr<TestHttpResponse> ReadResponse();
  void Close();

  bool connected() const;
  int connects() const;  // TCP connections opened so far

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace otter::net::testing
