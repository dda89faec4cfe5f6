#include "pipeline/tap_client.h"

#include <simdjson.h>

#include <thread>

#include "exporters/otlp_http/http_client.h"
#include "net/endpoint.h"

namespace otter::pipeline {
namespace {

using otlp_http_exporter::HttpClient;
using otlp_http_exporter::Url;

std::string Escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == '~')
      out += c;
    else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", static_cast<unsigned char>(c));
      out += buf;
    }
  }
  return out;
}

// GET host:port + target; the body of a 200, else an error naming the answer.
StatusOr<std::string> Fetch(HttpClient& client, const net::HostPort& hp,
                            const std::string& target) {
  Url url;
  url.host = hp.host == "localhost" ? "127.0.0.1" : hp.host;
  url.port = hp.port;
  url.target = target;
  url.text = "http://" + hp.ToString() + target;
  ASSIGN_OR_RETURN(auto r, client.Get(url, {}, std::chrono::seconds(5), nullptr));
  if (r.status != 200)
    return Unavailable(url.text + " answered " + std::to_string(r.status) + ": " + r.body);
  return std::move(r.body);
}

int ListPipelines(const std::string& body, std::FILE* out, std::FILE* err) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(body).get(doc)) {
    std::fprintf(err, "otter tap: the admin listener sent invalid JSON\n");
    return 1;
  }
  for (simdjson::dom::element p : doc["pipelines"].get_array()) {
    std::string line = std::string(p["pipeline"].get_string().value_unsafe()) + ":";
    size_t i = 0;
    for (simdjson::dom::element s : p["stages"].get_array())
      line += (i++ ? " → " : " ") + std::string(s.get_string().value_unsafe());
    std::fprintf(out, "%s\n", line.c_str());
  }
  return 0;
}

}  // namespace

int RunTapCommand(const TapCommandOptions& o, std::FILE* out, std::FILE* err,
                  const std::function<bool()>& stop) {
  auto hp = net::ParseEndpoint(o.admin);
  if (!hp.ok()) {
    std::fprintf(err, "otter tap: --admin: %s\n", std::string(hp.status().message()).c_str());
    return 2;
  }
  auto client = HttpClient::Create({});
  if (!client.ok()) {
    std::fprintf(err, "otter tap: %s\n", std::string(client.status().message()).c_str());
    return 1;
  }
  if (o.pipeline.empty()) {
    auto body = Fetch(**client, *hp, "/debug/tap");
    if (!body.ok()) {
      std::fprintf(err, "otter tap: %s\n", std::string(body.status().message()).c_str());
      return 1;
    }
    return ListPipelines(*body, out, err);
  }
  uint64_t after = 0;
  size_t written = 0;
  simdjson::dom::parser parser;
  while (!stop()) {
    auto body =
        Fetch(**client, *hp,
              "/debug/tap?pipeline=" + Escape(o.pipeline) + "&after=" + std::to_string(after));
    if (!body.ok()) {
      std::fprintf(err, "otter tap: %s\n", std::string(body.status().message()).c_str());
      return 1;
    }
    simdjson::dom::element doc;
    uint64_t next = 0;
    simdjson::dom::array events;
    if (parser.parse(*body).get(doc) || doc["next"].get_uint64().get(next) ||
        doc["events"].get_array().get(events)) {
      std::fprintf(err, "otter tap: the admin listener sent invalid JSON\n");
      return 1;
    }
    for (simdjson::dom::element e : events) {
      uint64_t stage = 0;
      if (o.stage && (e["stage"].get_uint64().get(stage) || stage != *o.stage)) continue;
      std::fprintf(out, "%s\n", simdjson::minify(e).c_str());
      if (o.count && ++written == o.count) {
        std::fflush(out);
        return 0;
      }
    }
    std::fflush(out);
    if (events.size() == 0 || next == after) std::this_thread::sleep_for(o.poll_interval);
    after = next;
  }
  return 0;
}

}  // namespace otter::pipeline
