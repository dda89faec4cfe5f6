// The HTTP server's WebSocket upgrades, checked with a client written from RFC 6455
// (websocket_test_client.h): handshake, text messages in order, refusals as plain HTTP, closes
// from either side, the send-queue bound, and shutdown.
#include <gtest/gtest.h>

#include <future>
#include <mutex>

#include "net/http_server.h"
#include "net/websocket_test_client.h"

namespace otter::net {
namespace {

using testing::WebSocketTestClient;

// Accepts upgrades of "/ws" (handing the socket to the test), refuses the rest with 403.
struct Upgrades {
  std::mutex mu;
  std::promise<std::shared_ptr<WebSocket>> accepted;
  std::promise<void> closed;

  WebSocketHandler Handler(std::vector<std::string> greetings = {}) {
    return [this, greetings](const HttpRequest& req,
                             std::shared_ptr<WebSocket> socket) -> std::optional<HttpResponse> {
      if (req.path() != "/ws") {
        socket->OnClose([this] { closed.set_value(); });
        return HttpResponse::Text(403, "no WebSocket for " + req.target + "\n");
      }
      for (const auto& g : greetings) EXPECT_TRUE(socket->SendText(g));
      socket->OnClose([this] { closed.set_value(); });
      accepted.set_value(socket);
      return std::nullopt;
    };
  }
};

HttpServerOptions Local(WebSocketHandler ws) {
  HttpServerOptions o;
  o.endpoint = "127.0.0.1:0";
  o.threads = 2;
  o.websocket = std::move(ws);
  return o;
}

HttpHandler NotFound() {
  return [](HttpRequest&&, HttpResponder respond) {
    respond(HttpResponse::Text(404, "plain handler\n"));
  };
}

TEST(WebSocketTest, HandshakeThenMessagesInOrder) {
  Upgrades u;
  HttpServer server(Local(u.Handler({"hello", std::string(70000, 'x')})), NotFound());
  ASSERT_TRUE(server.Start().ok());
  WebSocketTestClient client;
  ASSERT_EQ(client.Connect(server.port(), "/ws?a=1"), "");
  EXPECT_NE(
      client.head().find("Sec-WebSocket-Accept: " + std::string(WebSocketTestClient::kAccept)),
      std::string::npos)
      << client.head();
  auto socket = u.accepted.get_future().get();
  auto a = client.Next();
  ASSERT_TRUE(a);
  EXPECT_EQ(a->opcode, 1);
  EXPECT_EQ(a->payload, "hello");
  auto b = client.Next();  // 64-bit length
  ASSERT_TRUE(b);
  EXPECT_EQ(b->payload.size(), 70000u);
  ASSERT_TRUE(socket->SendText("after"));
  auto c = client.Next();
  ASSERT_TRUE(c);
  EXPECT_EQ(c->payload, "after");
  client.SendText("ignored by the server");
  EXPECT_FALSE(socket->closed());
}

TEST(WebSocketTest, RefusalIsAnHttpAnswer) {
  Upgrades u;
  HttpServer server(Local(u.Handler()), NotFound());
  ASSERT_TRUE(server.Start().ok());
  WebSocketTestClient client;
  std::string answer = client.Connect(server.port(), "/other");
  EXPECT_EQ(answer.rfind("HTTP/1.1 403", 0), 0u) << answer;
  EXPECT_NE(answer.find("no WebSocket for /other\n"), std::string::npos) << answer;
  EXPECT_EQ(u.closed.get_future().wait_for(std::chrono::seconds(5)), std::future_status::ready);
}

TEST(WebSocketTest, WithoutAHandlerAnUpgradeIsAPlainRequest) {
  HttpServer server(Local(nullptr), NotFound());
  ASSERT_TRUE(server.Start().ok());
  WebSocketTestClient client;
  std::string answer = client.Connect(server.port(), "/ws");
  EXPECT_EQ(answer.rfind("HTTP/1.1 404", 0), 0u) << answer;
  EXPECT_NE(answer.find("plain handler"), std::string::npos);
}

TEST(WebSocketTest, ClientCloseEndsTheSocket) {
  Upgrades u;
  HttpServer server(Local(u.Handler()), NotFound());
  ASSERT_TRUE(server.Start().ok());
  WebSocketTestClient client;
  ASSERT_EQ(client.Connect(server.port(), "/ws"), "");
  auto socket = u.accepted.get_future().get();
  client.SendClose(1000);
  auto echo = client.Next();  // the server answers the close
  ASSERT_TRUE(echo);
  EXPECT_EQ(echo->opcode, 8);
  client.Disconnect();
  EXPECT_EQ(u.closed.get_future().wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_TRUE(socket->closed());
  EXPECT_FALSE(socket->SendText("too late"));
}

TEST(WebSocketTest, ServerCloseAfterQueuedMessages) {
  Upgrades u;
  HttpServer server(Local(u.Handler()), NotFound());
  ASSERT_TRUE(server.Start().ok());
  WebSocketTestClient client;
  ASSERT_EQ(client.Connect(server.port(), "/ws"), "");
  auto socket = u.accepted.get_future().get();
  ASSERT_TRUE(socket->SendText("last words"));
  socket->Close(4000, "bye");
  EXPECT_FALSE(socket->SendText("after close"));
  auto m = client.Next();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->payload, "last words");
  auto c = client.Next();
  ASSERT_TRUE(c);
  EXPECT_EQ(c->opcode, 8);
  EXPECT_EQ(c->close_code(), 4000);
  EXPECT_EQ(c->close_reason(), "bye");
  client.SendClose(4000);
  client.Disconnect();
  EXPECT_EQ(u.closed.get_future().wait_for(std::chrono::seconds(5)), std::future_status::ready);
}

TEST(WebSocketTest, SendQueueIsBounded) {
  Upgrades u;
  HttpServerOptions o = Local(u.Handler());
  o.websocket_max_queued_bytes = 16;
  HttpServer server(o, NotFound());
  ASSERT_TRUE(server.Start().ok());
  WebSocketTestClient client;
  ASSERT_EQ(client.Connect(server.port(), "/ws"), "");
  auto socket = u.accepted.get_future().get();
  EXPECT_FALSE(socket->SendText(std::string(17, 'x')));  // never fits
  EXPECT_TRUE(socket->SendText(std::string(16, 'y')));
  auto m = client.Next();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->payload, std::string(16, 'y'));
}

TEST(WebSocketTest, StopClosesWithGoingAway) {
  Upgrades u;
  HttpServerOptions o = Local(u.Handler());
  o.shutdown_timeout = std::chrono::seconds(5);
  HttpServer server(o, NotFound());
  ASSERT_TRUE(server.Start().ok());
  WebSocketTestClient client;
  ASSERT_EQ(client.Connect(server.port(), "/ws"), "");
  auto socket = u.accepted.get_future().get();
  std::thread stopper([&] { server.Stop(); });
  auto c = client.Next();
  ASSERT_TRUE(c);
  EXPECT_EQ(c->opcode, 8);
  EXPECT_EQ(c->close_code(), 1001);
  client.SendClose(1001);
  client.Disconnect();
  stopper.join();
  EXPECT_TRUE(socket->closed());
}

}  // namespace
}  // namespace otter::net
