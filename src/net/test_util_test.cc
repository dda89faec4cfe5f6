// Implementation of net/test_util.h (named *_test.cc so that only otter_tests links it), plus
// real TLS handshakes with the generated certificates: verification succeeds where it must and
// fails where it must.
#include "net/test_util.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <thread>

#include "net/tls.h"

namespace otter::net::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// ---- certificates ----------------------------------------------------------------------------

namespace {

using KeyPtr = std::unique_ptr<EVP_PKEY, void (*)(EVP_PKEY*)>;
using CertPtr = std::unique_ptr<X509, void (*)(X509*)>;

void Check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("test certificate generation failed: ") + what);
}

KeyPtr NewKey() {
  KeyPtr key(EVP_EC_gen("P-256"), EVP_PKEY_free);
  Check(key != nullptr, "EC key");
  return key;
}

void AddExt(X509* cert, X509V3_CTX* ctx, int nid, const char* value) {
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, ctx, nid, value);
  Check(ext != nullptr, value);
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

struct CertSpec {
  const char* cn;
  bool is_ca = false;
  const char* san = nullptr;
  const char* eku = nullptr;
  long serial = 1;
  long not_before = -3600;            // seconds from now
  long not_after = 3600L * 24 * 365;  // seconds from now
};

CertPtr MakeCert(EVP_PKEY* key, const CertSpec& spec, X509* issuer, EVP_PKEY* issuer_key) {
  CertPtr cert(X509_new(), X509_free);
  X509* x = cert.get();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), spec.serial);
  X509_gmtime_adj(X509_getm_notBefore(x), spec.not_before);
  X509_gmtime_adj(X509_getm_notAfter(x), spec.not_after);
  X509_set_pubkey(x, key);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(spec.cn), -1, -1, 0);
  X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer ? issuer : x, x, nullptr, nullptr, 0);
  AddExt(x, &ctx, NID_basic_constraints, spec.is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
  AddExt(x, &ctx, NID_key_usage,
         spec.is_ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature,keyEncipherment");
  AddExt(x, &ctx, NID_subject_key_identifier, "hash");
  if (spec.eku) AddExt(x, &ctx, NID_ext_key_usage, spec.eku);
  if (spec.san) AddExt(x, &ctx, NID_subject_alt_name, spec.san);
  Check(X509_sign(x, issuer_key ? issuer_key : key, EVP_sha256()) > 0, "sign");
  return cert;
}

void WritePem(const std::string& path, X509* cert, EVP_PKEY* key) {
  FILE* f = std::fopen(path.c_str(), "w");
  Check(f != nullptr, path.c_str());
  bool ok = cert ? PEM_write_X509(f, cert) == 1
                 : PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr) == 1;
  std::fclose(f);
  Check(ok, path.c_str());
}

}  // namespace

TestCerts MakeTestCerts() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "otter-certs-XXXXXX").string();
  Check(mkdtemp(tmpl.data()) != nullptr, "mkdtemp");
  TestCerts c;
  c.dir = tmpl;
  auto path = [&](const char* name) { return c.dir + "/" + name; };

  KeyPtr ca_key = NewKey();
  CertPtr ca =
      MakeCert(ca_key.get(), {"otter test CA", true, nullptr, nullptr, 1}, nullptr, nullptr);
  KeyPtr server_key = NewKey();
  CertPtr server = MakeCert(server_key.get(),
                            {"localhost", false, "DNS:localhost,IP:127.0.0.1", "serverAuth", 2},
                            ca.get(), ca_key.get());
  KeyPtr client_key = NewKey();
  CertPtr client =
      MakeCert(client_key.get(), {"otter test client", false, nullptr, "clientAuth", 3}, ca.get(),
               ca_key.get());
  KeyPtr foreign_ca_key = NewKey();
  CertPtr foreign_ca = MakeCert(foreign_ca_key.get(), {"some other CA", true, nullptr, nullptr, 4},
                                nullptr, nullptr);
  KeyPtr foreign_client_key = NewKey();
  CertPtr foreign_client =
      MakeCert(foreign_client_key.get(), {"intruder", false, nullptr, "clientAuth", 5},
               foreign_ca.get(), foreign_ca_key.get());

  KeyPtr expired_key = NewKey();
  CertPtr expired = MakeCert(
      expired_key.get(),
      {"localhost", false, "DNS:localhost,IP:127.0.0.1", "serverAuth", 6, -3600L * 48, -3600L * 24},
      ca.get(), ca_key.get());
  KeyPtr foreign_server_key = NewKey();
  CertPtr foreign_server = MakeCert(
      foreign_server_key.get(), {"localhost", false, "DNS:localhost,IP:127.0.0.1", "serverAuth", 7},
      foreign_ca.get(), foreign_ca_key.get());

  c.ca_cert = path("ca.pem");
  c.ca_key = path("ca-key.pem");
  c.server_cert = path("server.pem");
  c.server_key = path("server-key.pem");
  c.client_cert = path("client.pem");
  c.client_key = path("client-key.pem");
  c.foreign_ca_cert = path("foreign-ca.pem");
  c.foreign_client_cert = path("foreign-client.pem");
  c.foreign_client_key = path("foreign-client-key.pem");
  c.expired_server_cert = path("expired-server.pem");
  c.expired_server_key = path("expired-server-key.pem");
  c.foreign_server_cert = path("foreign-server.pem");
  c.foreign_server_key = path("foreign-server-key.pem");
  WritePem(c.expired_server_cert, expired.get(), nullptr);
  WritePem(c.expired_server_key, nullptr, expired_key.get());
  WritePem(c.foreign_server_cert, foreign_server.get(), nullptr);
  WritePem(c.foreign_server_key, nullptr, foreign_server_key.get());
  WritePem(c.ca_cert, ca.get(), nullptr);
  WritePem(c.ca_key, nullptr, ca_key.get());
  WritePem(c.server_cert, server.get(), nullptr);
  WritePem(c.server_key, nullptr, server_key.get());
  WritePem(c.client_cert, client.get(), nullptr);
  WritePem(c.client_key, nullptr, client_key.get());
  WritePem(c.foreign_ca_cert, foreign_ca.get(), nullptr);
  WritePem(c.foreign_client_cert, foreign_client.get(), nullptr);
  WritePem(c.foreign_client_key, nullptr, foreign_client_key.get());
  return c;
}

TlsServerSettings TestCerts::Server(bool require_client_cert) const {
  TlsServerSettings s;
  s.cert_file = server_cert;
  s.key_file = server_key;
  if (require_client_cert) s.client_ca_file = ca_cert;
  return s;
}

TlsClientSettings TestCerts::Client(bool with_cert) const {
  TlsClientSettings s;
  s.ca_file = ca_cert;
  if (with_cert) {
    s.cert_file = client_cert;
    s.key_file = client_key;
  }
  return s;
}

// ---- HTTP client -----------------------------------------------------------------------------

struct HttpTestClient::Impl {
  asio::io_context ioc;
  int port = 0;
  std::optional<TlsClientSettings> tls;
  std::shared_ptr<asio::ssl::context> ssl_ctx;
  std::chrono::milliseconds timeout;
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
  beast::flat_buffer buffer;
  int connects = 0;

  bool open() const { return plain.has_value() || secure.has_value(); }
  beast::tcp_stream& Tcp() { return secure ? beast::get_lowest_layer(*secure) : *plain; }

  // Runs one asynchronous operation to completion or until the timeout.
  template <class Start>
  beast::error_code Run(Start start) {
    bool done = false;
    beast::error_code result;
    start([&](beast::error_code ec, auto&&...) {
      done = true;
      result = ec;
    });
    ioc.restart();
    ioc.run_for(timeout);
    if (!done) {
      Tcp().close();
      ioc.restart();
      ioc.run();
      return beast::error::timeout;
    }
    return result;
  }

  Status Connect() {
    if (open()) return Status::Ok();
    buffer.clear();
    if (tls) {
      if (!ssl_ctx) {
        auto ctx = MakeClientSslContext(*tls);
        if (!ctx.ok()) return ctx.status();
        ssl_ctx = *ctx;
      }
      secure.emplace(ioc, *ssl_ctx);
    } else {
      plain.emplace(ioc);
    }
    ++connects;
    tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port));
    beast::error_code ec = Run([&](auto h) { Tcp().async_connect(ep, h); });
    if (ec) {
      Close();
      return Unavailable("connect: " + ec.message());
    }
    if (secure) {
      RETURN_IF_ERROR(ConfigureClientSsl(secure->native_handle(), *tls, "localhost"));
      ec = Run([&](auto h) { secure->async_handshake(asio::ssl::stream_base::client, h); });
      if (ec) {
        Close();
        return Unavailable("TLS handshake: " + ec.message());
      }
    }
    return Status::Ok();
  }

  void Close() {
    beast::error_code ignored;
    if (secure) beast::get_lowest_layer(*secure).socket().close(ignored);
    if (plain) plain->socket().close(ignored);
    secure.reset();
    plain.reset();
  }

  template <class Msg>
  beast::error_code Write(Msg& msg) {
    if (secure) return Run([&](auto h) { http::async_write(*secure, msg, h); });
    return Run([&](auto h) { http::async_write(*plain, msg, h); });
  }

  beast::error_code WriteBytes(const std::string& bytes) {
    if (secure) return Run([&](auto h) { asio::async_write(*secure, asio::buffer(bytes), h); });
    return Run([&](auto h) { asio::async_write(*plain, asio::buffer(bytes), h); });
  }

  StatusOr<TestHttpResponse> Read() {
    http::response_parser<http::string_body> parser;
    parser.body_limit(256 * 1024 * 1024);
    beast::error_code ec = secure
                               ? Run([&](auto h) { http::async_read(*secure, buffer, parser, h); })
                               : Run([&](auto h) { http::async_read(*plain, buffer, parser, h); });
    if (ec) {
      Close();
      return Unavailable("read response: " + ec.message());
    }
    auto& msg = parser.get();
    TestHttpResponse r;
    r.status = static_cast<int>(msg.result_int());
    for (const auto& f : msg) {
      std::string name(f.name_string());
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      r.headers[name] = std::string(f.value());
    }
    r.body = std::move(msg.body());
    if (r.status >= 200 && !msg.keep_alive()) Close();
    return r;
  }
};

HttpTestClient::HttpTestClient(int port, std::optional<TlsClientSettings> tls,
                               std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>()) {
  impl_->port = port;
  impl_->tls = std::move(tls);
  impl_->timeout = timeout;
}

HttpTestClient::~HttpTestClient() { impl_->Close(); }

StatusOr<TestHttpResponse> HttpTestClient::Send(const TestHttpRequest& request) {
  RETURN_IF_ERROR(impl_->Connect());
  http::request<http::string_body> req;
  req.method_string(request.method);
  req.target(request.target);
  req.version(11);
  req.set(http::field::host, "localhost");
  for (const auto& [k, v] : request.headers) req.insert(k, v);
  req.body() = request.body;
  if (request.chunked)
    req.chunked(true);
  else
    req.prepare_payload();
  if (beast::error_code ec = impl_->Write(req)) {
    impl_->Close();
    return Unavailable("write request: " + ec.message());
  }
  for (;;) {
    ASSIGN_OR_RETURN(TestHttpResponse r, impl_->Read());
    if (r.status >= 200) return r;  // skip 100 Continue
  }
}

Status HttpTestClient::WriteRaw(const std::string& bytes) {
  RETURN_IF_ERROR(impl_->Connect());
  if (beast::error_code ec = impl_->WriteBytes(bytes)) {
    impl_->Close();
    return Unavailable("write: " + ec.message());
  }
  return Status::Ok();
}

StatusOr<TestHttpResponse> HttpTestClient::ReadResponse() {
  if (!impl_->open()) return FailedPrecondition("not connected");
  return impl_->Read();
}

void HttpTestClient::Close() { impl_->Close(); }
bool HttpTestClient::connected() const { return impl_->open(); }
int HttpTestClient::connects() const { return impl_->connects; }

namespace {

// One TLS connection over loopback with otter's own contexts: the server (on a thread) accepts,
// handshakes, reads "ping" and answers "pong"; the client verifies `host` and exchanges.
struct Exchange {
  std::string client_error;  // empty when the client completed the exchange
  std::string server_error;  // empty when the server did
  std::string client_got;    // what the client read ("pong")
  std::string server_got;    // what the server read ("ping")
  std::string peer_subject;  // the client certificate's subject as the server verified it
  long server_verify = -1;   // SSL_get_verify_result on each side
  long client_verify = -1;
};

Exchange RunExchange(const TlsServerSettings& server_settings,
                     const TlsClientSettings& client_settings, const std::string& host) {
  Exchange x;
  auto server_ctx = MakeServerSslContext(server_settings);
  auto client_ctx = MakeClientSslContext(client_settings);
  if (!server_ctx.ok() || !client_ctx.ok()) {
    x.client_error =
        "context: " + client_ctx.status().ToString() + " / " + server_ctx.status().ToString();
    return x;
  }
  asio::io_context ioc;
  tcp::acceptor acceptor(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const auto endpoint = acceptor.local_endpoint();
  std::thread server([&] {
    asio::ssl::stream<tcp::socket> stream(ioc, **server_ctx);
    beast::error_code ec;
    acceptor.accept(stream.next_layer(), ec);
    if (!ec) stream.handshake(asio::ssl::stream_base::server, ec);
    if (!ec) {
      std::string buf(4, '\0');
      asio::read(stream, asio::buffer(buf), ec);
      if (!ec) x.server_got = buf;
    }
    if (!ec) asio::write(stream, asio::buffer(std::string("pong")), ec);
    if (ec) {
      x.server_error = ec.message();
      return;
    }
    x.server_verify = SSL_get_verify_result(stream.native_handle());
    if (X509* peer = SSL_get1_peer_certificate(stream.native_handle())) {
      char name[256];
      X509_NAME_oneline(X509_get_subject_name(peer), name, sizeof name);
      x.peer_subject = name;
      X509_free(peer);
    }
    stream.shutdown(ec);
  });
  {
    asio::ssl::stream<tcp::socket> stream(ioc, **client_ctx);
    beast::error_code ec;
    stream.next_layer().connect(endpoint, ec);
    Status configured = ConfigureClientSsl(stream.native_handle(), client_settings, host);
    if (!configured.ok()) x.client_error = configured.ToString();
    if (!ec && configured.ok()) stream.handshake(asio::ssl::stream_base::client, ec);
    if (!ec && configured.ok()) {
      x.client_verify = SSL_get_verify_result(stream.native_handle());
      asio::write(stream, asio::buffer(std::string("ping")), ec);
    }
    if (!ec && configured.ok()) {
      std::string buf(4, '\0');
      asio::read(stream, asio::buffer(buf), ec);
      if (!ec) x.client_got = buf;
    }
    if (ec) x.client_error = ec.message();
    stream.next_layer().close(ec);  // unblocks the server if the client gave up
  }
  server.join();
  return x;
}

class TestCertsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { certs_ = new TestCerts(MakeTestCerts()); }
  static void TearDownTestSuite() {
    std::filesystem::remove_all(certs_->dir);
    delete certs_;
    certs_ = nullptr;
  }
  static TestCerts* certs_;
};
TestCerts* TestCertsTest::certs_ = nullptr;

// The certificates the TLS tests rely on really work: a mutual-TLS handshake completes, both
// sides verify (server name and client certificate), and data flows both ways.
TEST_F(TestCertsTest, MutualTlsHandshakeVerifiesAndExchangesData) {
  Exchange x = RunExchange(certs_->Server(/*require_client_cert=*/true),
                           certs_->Client(/*with_cert=*/true), "localhost");
  EXPECT_EQ(x.client_error, "");
  EXPECT_EQ(x.server_error, "");
  EXPECT_EQ(x.server_got, "ping");
  EXPECT_EQ(x.client_got, "pong");
  EXPECT_EQ(x.client_verify, X509_V_OK);
  EXPECT_EQ(x.server_verify, X509_V_OK);
  EXPECT_NE(x.peer_subject.find("CN=otter test client"), std::string::npos) << x.peer_subject;
  // The server certificate also names 127.0.0.1.
  Exchange ip = RunExchange(certs_->Server(), certs_->Client(), "127.0.0.1");
  EXPECT_EQ(ip.client_error, "");
  EXPECT_EQ(ip.client_got, "pong");
}

// ...and verification is not a formality: each of these must fail.
TEST_F(TestCertsTest, ServerFromAnotherCaIsRejected) {
  TlsClientSettings client = certs_->Client();
  client.ca_file = certs_->foreign_ca_cert;
  Exchange x = RunExchange(certs_->Server(), client, "localhost");
  EXPECT_NE(x.client_error.find("certificate verify failed"), std::string::npos) << x.client_error;
  EXPECT_EQ(x.client_got, "");
  EXPECT_EQ(x.server_got, "");
}

TEST_F(TestCertsTest, WrongServerNameIsRejected) {
  Exchange x = RunExchange(certs_->Server(), certs_->Client(), "otter.example.com");
  EXPECT_NE(x.client_error.find("certificate verify failed"), std::string::npos) << x.client_error;
  EXPECT_EQ(x.server_got, "");
}

TEST_F(TestCertsTest, ClientWithoutOrWithAForeignCertificateIsRejectedByMutualTls) {
  Exchange none = RunExchange(certs_->Server(/*require_client_cert=*/true),
                              certs_->Client(/*with_cert=*/false), "localhost");
  EXPECT_NE(none.server_error, "");
  EXPECT_EQ(none.server_got, "");
  EXPECT_EQ(none.client_got, "");

  TlsClientSettings foreign = certs_->Client();
  foreign.cert_file = certs_->foreign_client_cert;
  foreign.key_file = certs_->foreign_client_key;
  Exchange x = RunExchange(certs_->Server(/*require_client_cert=*/true), foreign, "localhost");
  EXPECT_NE(x.server_error, "");
  EXPECT_EQ(x.server_got, "");
  EXPECT_EQ(x.client_got, "");
}

}  // namespace
}  // namespace otter::net::testing
