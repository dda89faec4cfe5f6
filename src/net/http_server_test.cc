#include "net/http_server.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <future>
#include <mutex>
#include <thread>

#include "net/test_util.h"

namespace otter::net {
namespace {

using testing::HttpTestClient;
using testing::TestHttpRequest;

// Answers "<method> <target> <body>" from a separate thread, to exercise asynchronous answers.
HttpHandler EchoLater() {
  return [](HttpRequest&& req, HttpResponder respond) {
    std::thread([req = std::move(req), respond = std::move(respond)]() mutable {
      HttpResponse r = HttpResponse::Text(200, req.method + " " + req.target + " " + req.body);
      r.SetHeader("X-Remote", req.remote_address);
      respond(std::move(r));
    }).detach();
  };
}

HttpServerOptions Local() {
  HttpServerOptions o;
  o.endpoint = "127.0.0.1:0";
  o.threads = 2;
  return o;
}

TEST(HttpServerTest, AnswersFromAnotherThread) {
  HttpServer server(Local(), EchoLater());
  ASSERT_TRUE(server.Start().ok());
  ASSERT_GT(server.port(), 0);
  HttpTestClient client(server.port());
  auto r = client.Send({"POST", "/x?y=1", {}, "hello"});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "POST /x?y=1 hello");
  EXPECT_EQ(r->Header("content-type"), "text/plain; charset=utf-8");
  EXPECT_THAT(
      r->Header("date"),
      ::testing::MatchesRegex("[A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} 20[0-9]{2} [0-9:]{8} GMT"));
}

TEST(HttpServerTest, KeepAliveReusesTheConnection) {
  HttpServer server(Local(), EchoLater());
  ASSERT_TRUE(server.Start().ok());
  HttpTestClient client(server.port());
  auto a = client.Send({"POST", "/a", {}, "1"});
  auto b = client.Send({"GET", "/b", {}, ""});
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->body, "POST /a 1");
  EXPECT_EQ(b->body, "GET /b ");
  EXPECT_EQ(client.connects(), 1);
  EXPECT_EQ(a->Header("x-remote"), b->Header("x-remote"));  // same peer port: same connection
  EXPECT_TRUE(client.connected());
}

TEST(HttpServerTest, ConnectionCloseIsHonoured) {
  HttpServer server(Local(), EchoLater());
  ASSERT_TRUE(server.Start().ok());
  HttpTestClient client(server.port());
  auto r = client.Send({"POST", "/", {{"Connection", "close"}}, "x"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->Header("connection"), "close");
  EXPECT_FALSE(client.connected());
}

TEST(HttpServerTest, DecodesChunkedBodies) {
  HttpServer server(Local(), EchoLater());
  ASSERT_TRUE(server.Start().ok());
  HttpTestClient client(server.port());
  ASSERT_TRUE(client
                  .WriteRaw("POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                            "5\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\n\r\n")
                  .ok());
  auto r = client.ReadResponse();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->body, "POST /c hello world");
  // And a chunked body through the client's own encoder, on the same connection.
  auto r2 = client.Send({"POST", "/d", {}, std::string(100000, 'z'), /*chunked=*/true});
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ(r2->body.size(), std::string("POST /d ").size() + 100000);
  EXPECT_EQ(client.connects(), 1);
}

TEST(HttpServerTest, BodyLimitIsEnforcedWhileReading) {
  std::atomic<int> handled{0};
  HttpServerOptions o = Local();
  o.max_request_body_size = 1000;
  o.error_response = [](const HttpRequest& head, int status, std::string_view msg) {
    return HttpResponse::Text(
        status, "custom " + std::string(head.Header("Content-Type")) + ": " + std::string(msg));
  };
  HttpServer server(o, [&](HttpRequest&&, HttpResponder respond) {
    ++handled;
    respond(HttpResponse::Text(200, "ok"));
  });
  ASSERT_TRUE(server.Start().ok());

  {  // Content-Length over the limit: refused from the header alone.
    HttpTestClient client(server.port());
    auto r =
        client.Send({"POST", "/", {{"Content-Type", "application/json"}}, std::string(1001, 'a')});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->status, 413);
    EXPECT_EQ(r->body,
              "custom application/json: request body is larger than the limit of 1000 bytes");
    EXPECT_EQ(r->Header("connection"), "close");
  }
  {  // Chunked: refused once the decoded body passes the limit.
    HttpTestClient client(server.port());
    auto r = client.Send({"POST", "/", {}, std::string(5000, 'a'), /*chunked=*/true});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->status, 413);
  }
  {  // Exactly at the limit is fine.
    HttpTestClient client(server.port());
    auto r = client.Send({"POST", "/", {}, std::string(1000, 'a')});
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 200);
  }
  EXPECT_EQ(handled.load(), 1);
}

TEST(HttpServerTest, OnHeadersCanAnswerBeforeTheBody) {
  std::atomic<int> handled{0};
  HttpServerOptions o = Local();
  o.on_headers = [](const HttpRequest& head) -> std::optional<HttpResponse> {
    if (head.method != "POST") return HttpResponse::Text(405, "no").SetHeader("Allow", "POST");
    return std::nullopt;
  };
  HttpServer server(o, [&](HttpRequest&&, HttpResponder respond) {
    ++handled;
    respond(HttpResponse::Text(200, "ok"));
  });
  ASSERT_TRUE(server.Start().ok());
  HttpTestClient client(server.port());
  auto r = client.Send({"PUT", "/", {}, std::string(100000, 'b')});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(r->Header("allow"), "POST");
  EXPECT_FALSE(client.connected());              // the unread body forced a close
  auto get = client.Send({"GET", "/", {}, ""});  // no body: the connection may stay open
  ASSERT_TRUE(get.ok());
  EXPECT_EQ(get->status, 405);
  EXPECT_TRUE(client.connected());
  EXPECT_EQ(handled.load(), 0);
}

TEST(HttpServerTest, ExpectContinue) {
  HttpServer server(Local(), EchoLater());
  ASSERT_TRUE(server.Start().ok());
  HttpTestClient client(server.port());
  ASSERT_TRUE(
      client
          .WriteRaw(
              "POST /e HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n")
          .ok());
  auto interim = client.ReadResponse();
  ASSERT_TRUE(interim.ok()) << interim.status().ToString();
  EXPECT_EQ(interim->status, 100);
  ASSERT_TRUE(client.WriteRaw("abc").ok());
  auto r = client.ReadResponse();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->body, "POST /e abc");
}

TEST(HttpServerTest, MalformedRequestGets400) {
  HttpServer server(Local(), EchoLater());
  ASSERT_TRUE(server.Start().ok());
  HttpTestClient client(server.port());
  ASSERT_TRUE(client.WriteRaw("NOT HTTP AT ALL\r\n\r\n").ok());
  auto r = client.ReadResponse();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 400);
}

TEST(HttpServerTest, DroppedResponderAnswers500) {
  HttpServer server(Local(), [](HttpRequest&&, HttpResponder) {});
  ASSERT_TRUE(server.Start().ok());
  HttpTestClient client(server.port());
  auto r = client.Send({"GET", "/", {}, ""});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 500);
}

TEST(HttpServerTest, LocalhostBindsLoopbackAndBusyPortFails) {
  HttpServerOptions o = Local();
  o.endpoint = "localhost:0";
  HttpServer a(o, EchoLater());
  ASSERT_TRUE(a.Start().ok());
  EXPECT_EQ(a.address(), "127.0.0.1:" + std::to_string(a.port()));
  o.endpoint = "127.0.0.1:" + std::to_string(a.port());
  HttpServer b(o, EchoLater());
  Status s = b.Start();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("listen tcp 127.0.0.1:" + std::to_string(a.port())),
            std::string_view::npos)
      << s.ToString();
  EXPECT_NE(s.message().find("in use"), std::string_view::npos) << s.ToString();
  o.endpoint = ":0";  // every interface
  HttpServer any(o, EchoLater());
  ASSERT_TRUE(any.Start().ok());
  HttpTestClient via_loopback(any.port());  // connects to 127.0.0.1
  auto r = via_loopback.Send({"GET", "/", {}, ""});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  o.endpoint = "nonsense";
  HttpServer c(o, EchoLater());
  EXPECT_FALSE(c.Start().ok());
}

TEST(HttpServerTest, StopWaitsForInFlightAnswers) {
  std::promise<HttpResponder> held;
  HttpServer server(
      Local(), [&](HttpRequest&&, HttpResponder respond) { held.set_value(std::move(respond)); });
  ASSERT_TRUE(server.Start().ok());
  int port = server.port();
  auto reply = std::async(std::launch::async, [port] {
    HttpTestClient client(port);
    return client.Send({"POST", "/", {}, "x"});
  });
  HttpResponder responder = held.get_future().get();  // the request is in flight
  HttpTestClient idle(port);                          // and another connection sits idle
  ASSERT_TRUE(idle.WriteRaw("").ok());
  auto stopper = std::async(std::launch::async, [&] { server.Stop(); });
  // Stop must not return while the request is unanswered.
  EXPECT_EQ(stopper.wait_for(std::chrono::milliseconds(100)), std::future_status::timeout);
  responder(HttpResponse::Text(200, "late but answered"));
  stopper.get();
  auto r = reply.get();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "late but answered");
}

TEST(HttpServerTest, StopGivesUpAfterTheShutdownTimeout) {
  std::promise<HttpResponder> held;
  HttpServerOptions o = Local();
  o.shutdown_timeout = std::chrono::milliseconds(50);
  auto server = std::make_unique<HttpServer>(
      o, [&](HttpRequest&&, HttpResponder respond) { held.set_value(std::move(respond)); });
  ASSERT_TRUE(server->Start().ok());
  int port = server->port();
  auto reply = std::async(std::launch::async, [port] {
    HttpTestClient client(port);
    return client.Send({"POST", "/", {}, "x"});
  });
  HttpResponder responder = held.get_future().get();
  server->Stop();
  EXPECT_FALSE(reply.get().ok());  // the connection was closed without an answer
  server.reset();
  responder(HttpResponse::Text(200, "too late"));  // must be harmless after the server is gone
}

class HttpServerTlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { certs_ = new testing::TestCerts(testing::MakeTestCerts()); }
  static void TearDownTestSuite() {
    std::filesystem::remove_all(certs_->dir);
    delete certs_;
  }
  static testing::TestCerts* certs_;
};
testing::TestCerts* HttpServerTlsTest::certs_ = nullptr;

TEST_F(HttpServerTlsTest, ServesHttps) {
  HttpServerOptions o = Local();
  o.tls = certs_->Server();
  HttpServer server(o, EchoLater());
  ASSERT_TRUE(server.Start().ok());
  HttpTestClient client(server.port(), certs_->Client());
  auto a = client.Send({"POST", "/tls", {}, "secret"});
  auto b = client.Send({"POST", "/tls", {}, "again"});
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(a->body, "POST /tls secret");
  EXPECT_EQ(client.connects(), 1);
  HttpTestClient plain(server.port());  // plaintext to a TLS port fails
  EXPECT_FALSE(plain.Send({"GET", "/", {}, ""}).ok());
}

TEST_F(HttpServerTlsTest, MutualTlsRequiresAClientCertificateFromTheCa) {
  HttpServerOptions o = Local();
  o.tls = certs_->Server(/*require_client_cert=*/true);
  HttpServer server(o, EchoLater());
  ASSERT_TRUE(server.Start().ok());

  HttpTestClient with_cert(server.port(), certs_->Client(/*with_cert=*/true));
  auto ok = with_cert.Send({"POST", "/", {}, "hi"});
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->status, 200);

  HttpTestClient without_cert(server.port(), certs_->Client(/*with_cert=*/false));
  EXPECT_FALSE(without_cert.Send({"POST", "/", {}, "hi"}).ok());

  TlsClientSettings foreign = certs_->Client();
  foreign.cert_file = certs_->foreign_client_cert;
  foreign.key_file = certs_->foreign_client_key;
  HttpTestClient intruder(server.port(), foreign);
  EXPECT_FALSE(intruder.Send({"POST", "/", {}, "hi"}).ok());
}

TEST_F(HttpServerTlsTest, BadTlsFilesFailStartWithTheFileName) {
  HttpServerOptions o = Local();
  o.tls = certs_->Server();
  o.tls->key_file = certs_->dir + "/missing.pem";
  HttpServer server(o, EchoLater());
  Status s = server.Start();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("missing.pem"), std::string_view::npos) << s.ToString();
  o.tls = certs_->Server();
  o.tls->key_file = certs_->client_key;  // a key that does not belong to the certificate
  HttpServer mismatched(o, EchoLater());
  s = mismatched.Start();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("does not match"), std::string_view::npos) << s.ToString();
}

}  // namespace
}  // namespace otter::net
