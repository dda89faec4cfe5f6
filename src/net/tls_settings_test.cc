// TLS keys beyond the basics (tls_config.h, tls.h): max_version, cipher_suites, reload_interval
// and client_ca_file_reload, against real handshakes with certificates made on the fly; plus the
// cases every server must refuse: a certificate from the wrong CA, an expired certificate.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "net/http_server.h"
#include "net/test_util.h"
#include "net/tls.h"

namespace otter::net {
namespace {

using testing::HttpTestClient;
namespace fs = std::filesystem;

HttpHandler Ok() {
  return [](HttpRequest&&, HttpResponder respond) { respond(HttpResponse::Text(200, "ok")); };
}

class TlsSettingsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { certs_ = new testing::TestCerts(testing::MakeTestCerts()); }
  static void TearDownTestSuite() {
    fs::remove_all(certs_->dir);
    delete certs_;
  }
  static HttpServerOptions Local(TlsServerSettings tls) {
    HttpServerOptions o;
    o.endpoint = "127.0.0.1:0";
    o.tls = std::move(tls);
    return o;
  }
  // One request on a fresh connection.
  static bool Reaches(int port, const TlsClientSettings& tls) {
    HttpTestClient c(port, tls, std::chrono::seconds(5));
    auto r = c.Send({"GET", "/", {}, ""});
    return r.ok() && r->status == 200;
  }
  TlsClientSettings TrustingForeignCa() const {
    TlsClientSettings c = certs_->Client();
    c.ca_file = certs_->foreign_ca_cert;
    return c;
  }
  static testing::TestCerts* certs_;
};
testing::TestCerts* TlsSettingsTest::certs_ = nullptr;

TEST_F(TlsSettingsTest, ValidationNamesTheKey) {
  TlsServerSettings s = certs_->Server();
  s.cipher_suites = {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_RSA_WITH_RC4_128_SHA"};
  EXPECT_EQ(s.Validate().message(),
            "tls.cipher_suites: invalid TLS cipher suite: \"TLS_RSA_WITH_RC4_128_SHA\"");
  s = certs_->Server();
  s.min_version = "1.3";
  s.max_version = "1.2";
  EXPECT_EQ(s.Validate().message(), "tls: min_version cannot be greater than max_version");
  s.min_version = "1.2";
  s.max_version = "1.1";
  EXPECT_EQ(s.Validate().message(),
            "tls.max_version \"1.1\" is insecure and not supported; use 1.2 or 1.3");
  s.max_version = "";
  s.client_ca_file_reload = true;
  EXPECT_EQ(s.Validate().message(), "tls.client_ca_file_reload needs client_ca_file");
  TlsClientSettings c;
  c.reload_interval = std::chrono::seconds(-1);
  EXPECT_EQ(c.Validate().message(), "tls.reload_interval must not be negative");
}

TEST_F(TlsSettingsTest, CipherSuitesMapToOpenSslNames) {
  auto list =
      OpenSslCipherList({"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_AES_128_GCM_SHA256",
                         "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"});
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(*list, "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-CHACHA20-POLY1305");
}

TEST_F(TlsSettingsTest, VersionsMustOverlap) {
  TlsServerSettings s = certs_->Server();
  s.max_version = "1.2";
  HttpServer server(Local(s), Ok());
  ASSERT_TRUE(server.Start().ok());
  TlsClientSettings c = certs_->Client();
  EXPECT_TRUE(Reaches(server.port(), c));
  c.min_version = "1.3";
  EXPECT_FALSE(Reaches(server.port(), c));
}

TEST_F(TlsSettingsTest, CipherSuitesMustOverlapOnTls12) {
  TlsServerSettings s = certs_->Server();  // the test certificates have EC keys
  s.max_version = "1.2";
  s.cipher_suites = {"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"};
  HttpServer server(Local(s), Ok());
  ASSERT_TRUE(server.Start().ok());
  TlsClientSettings c = certs_->Client();
  EXPECT_TRUE(Reaches(server.port(), c));
  c.cipher_suites = {"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"};
  EXPECT_FALSE(Reaches(server.port(), c));
  c.cipher_suites = {"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
                     "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"};
  EXPECT_TRUE(Reaches(server.port(), c));
}

TEST_F(TlsSettingsTest, WrongCaAndExpiredCertificatesAreRejected) {
  HttpServer server(Local(certs_->Server()), Ok());
  ASSERT_TRUE(server.Start().ok());
  EXPECT_TRUE(Reaches(server.port(), certs_->Client()));
  EXPECT_FALSE(Reaches(server.port(), TrustingForeignCa()));

  TlsServerSettings expired = certs_->Server();
  expired.cert_file = certs_->expired_server_cert;
  expired.key_file = certs_->expired_server_key;
  HttpServer old(Local(expired), Ok());
  ASSERT_TRUE(old.Start().ok());
  EXPECT_FALSE(Reaches(old.port(), certs_->Client()));
  TlsClientSettings skip = certs_->Client();
  skip.insecure_skip_verify = true;  // the one way to talk to it anyway
  EXPECT_TRUE(Reaches(old.port(), skip));
}

// Replaces `to` with the content of `from` the way deployment tools do (write + rename).
void Install(const std::string& from, const std::string& to) {
  fs::copy_file(from, to + ".new", fs::copy_options::overwrite_existing);
  fs::rename(to + ".new", to);
}

TEST_F(TlsSettingsTest, ServerCertificateRotatesWithoutRestart) {
  std::string dir = certs_->dir + "/rotate-server";
  fs::create_directories(dir);
  TlsServerSettings s = certs_->Server();
  s.cert_file = dir + "/cert.pem";
  s.key_file = dir + "/key.pem";
  Install(certs_->server_cert, s.cert_file);
  Install(certs_->server_key, s.key_file);
  s.reload_interval = std::chrono::milliseconds(50);
  HttpServer server(Local(s), Ok());
  ASSERT_TRUE(server.Start().ok());
  EXPECT_TRUE(Reaches(server.port(), certs_->Client()));
  EXPECT_FALSE(Reaches(server.port(), TrustingForeignCa()));

  HttpTestClient kept(server.port(), certs_->Client());  // a connection from before the rotation
  ASSERT_TRUE(kept.Send({"GET", "/", {}, ""}).ok());

  Install(certs_->foreign_server_cert, s.cert_file);
  Install(certs_->foreign_server_key, s.key_file);
  std::this_thread::sleep_for(std::chrono::milliseconds(80));
  EXPECT_TRUE(Reaches(server.port(), TrustingForeignCa()));
  EXPECT_FALSE(Reaches(server.port(), certs_->Client()));
  auto again = kept.Send({"GET", "/", {}, ""});  // established connections carry on
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(kept.connects(), 1);

  // A half-written file keeps the last good certificate.
  { std::ofstream(s.key_file, std::ios::trunc) << "-----BEGIN PRIVATE KEY-----\n"; }
  std::this_thread::sleep_for(std::chrono::milliseconds(80));
  EXPECT_TRUE(Reaches(server.port(), TrustingForeignCa()));
}

TEST_F(TlsSettingsTest, ClientCaFileReloadPicksUpANewClientCa) {
  std::string dir = certs_->dir + "/rotate-client-ca";
  fs::create_directories(dir);
  TlsServerSettings s = certs_->Server(/*require_client_cert=*/true);
  s.client_ca_file = dir + "/client-ca.pem";
  Install(certs_->ca_cert, s.client_ca_file);
  s.client_ca_file_reload = true;
  HttpServer server(Local(s), Ok());
  ASSERT_TRUE(server.Start().ok());
  TlsClientSettings foreign_client = certs_->Client(/*with_cert=*/true);
  foreign_client.cert_file = certs_->foreign_client_cert;
  foreign_client.key_file = certs_->foreign_client_key;
  EXPECT_TRUE(Reaches(server.port(), certs_->Client(/*with_cert=*/true)));
  EXPECT_FALSE(Reaches(server.port(), foreign_client));

  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // a different mtime
  Install(certs_->foreign_ca_cert, s.client_ca_file);
  // The file is looked at no more than once a second.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!Reaches(server.port(), foreign_client) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_TRUE(Reaches(server.port(), foreign_client));
  EXPECT_FALSE(Reaches(server.port(), certs_->Client(/*with_cert=*/true)));
}

TEST_F(TlsSettingsTest, ClientCaReloadsWithoutRestart) {
  std::string dir = certs_->dir + "/rotate-client";
  fs::create_directories(dir);
  TlsClientSettings c = certs_->Client();
  c.ca_file = dir + "/ca.pem";
  Install(certs_->ca_cert, c.ca_file);
  c.reload_interval = std::chrono::milliseconds(500);
  auto source = SslContextSource::ForClient(c);
  ASSERT_TRUE(source.ok());
  auto first = (*source)->Current();
  EXPECT_EQ((*source)->Current(), first);  // within the interval: the same context
  Install(certs_->foreign_ca_cert, c.ca_file);
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  auto second = (*source)->Current();
  EXPECT_NE(second, first);
  EXPECT_EQ((*source)->reloads(), 1u);
}

}  // namespace
}  // namespace otter::net
