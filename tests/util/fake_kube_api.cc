#include "util/fake_kube_api.h"

#include <stdexcept>

namespace otter::testing {
namespace {

std::string Quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string MapJson(const std::map<std::string, std::string>& m) {
  std::string out = "{";
  for (const auto& [k, v] : m) out += (out.size() > 1 ? "," : "") + Quote(k) + ":" + Quote(v);
  return out + "}";
}

std::string Param(const std::string& target, const std::string& name) {
  size_t q = target.find('?');
  if (q == std::string::npos) return {};
  std::string query = "&" + target.substr(q + 1);
  size_t at = query.find("&" + name + "=");
  if (at == std::string::npos) return {};
  size_t start = at + name.size() + 2;
  return query.substr(start, query.find('&', start) - start);
}

}  // namespace

std::string PodJson(const FakePod& p) {
  std::string owners;
  for (const auto& [kind, nu] : p.owners)
    owners += (owners.empty() ? "" : ",") + std::string("{\"apiVersion\":\"apps/v1\",\"kind\":") +
              Quote(kind) + ",\"name\":" + Quote(nu.first) + ",\"uid\":" + Quote(nu.second) +
              ",\"controller\":true}";
  std::string specs, statuses;
  for (const auto& c : p.containers) {
    specs += (specs.empty() ? "" : ",") + std::string("{\"name\":") + Quote(c.name) +
             ",\"image\":" + Quote(c.image) + "}";
    statuses += (statuses.empty() ? "" : ",") + std::string("{\"name\":") + Quote(c.name) +
                ",\"containerID\":" + Quote(c.id) +
                ",\"restartCount\":" + std::to_string(c.restart_count) + ",\"ready\":true}";
  }
  return "{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":" + Quote(p.name) +
         ",\"namespace\":" + Quote(p.ns) + ",\"uid\":" + Quote(p.uid) +
         ",\"resourceVersion\":" + Quote(p.resource_version) +
         ",\"creationTimestamp\":" + Quote(p.created) + ",\"labels\":" + MapJson(p.labels) +
         ",\"annotations\":" + MapJson(p.annotations) + ",\"ownerReferences\":[" + owners +
         "]},\"spec\":{\"nodeName\":" + Quote(p.node) +
         ",\"hostNetwork\":" + (p.host_network ? "true" : "false") + ",\"containers\":[" + specs +
         "]},\"status\":{\"phase\":\"Running\",\"podIP\":" + Quote(p.ip) +
         ",\"startTime\":\"2024-05-06T07:08:10Z\",\"containerStatuses\":[" + statuses + "]}}";
}

std::string ReplicaSetJson(const std::string& name, const std::string& ns, const std::string& uid,
                           const std::string& deployment, const std::string& deployment_uid,
                           const std::string& resource_version) {
  return "{\"kind\":\"ReplicaSet\",\"apiVersion\":\"apps/v1\",\"metadata\":{\"name\":" +
         Quote(name) + ",\"namespace\":" + Quote(ns) + ",\"uid\":" + Quote(uid) +
         ",\"resourceVersion\":" + Quote(resource_version) +
         ",\"ownerReferences\":[{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"name\":" +
         Quote(deployment) + ",\"uid\":" + Quote(deployment_uid) + "}]},\"spec\":{}}";
}

std::string WatchLine(const std::string& type, const std::string& object_json) {
  return "{\"type\":" + Quote(type) + ",\"object\":" + object_json + "}";
}

FakeKubeApi::FakeKubeApi(const net::testing::TestCerts& certs, std::string token)
    : token_(std::move(token)) {
  net::HttpServerOptions opts;
  opts.endpoint = "127.0.0.1:0";
  opts.tls = certs.Server();
  opts.shutdown_timeout = std::chrono::milliseconds(200);
  server_ = std::make_unique<net::HttpServer>(
      opts, [this](net::HttpRequest&& req, net::HttpResponder respond) {
        Handle(std::move(req), std::move(respond));
      });
}

FakeKubeApi::~FakeKubeApi() {
  std::map<std::string, std::deque<Pending>> pending;
  {
    std::lock_guard<std::mutex> lock(mu_);
    pending.swap(pending_);
  }
  for (auto& [path, q] : pending)
    for (auto& p : q) p.respond(net::HttpResponse::Text(200, ""));
  server_->Stop();
}

void FakeKubeApi::Start() {
  if (Status s = server_->Start(); !s.ok()) throw std::runtime_error(std::string(s.message()));
}

void FakeKubeApi::SetList(const std::string& path, std::vector<std::string> items,
                          std::string resource_version) {
  std::lock_guard<std::mutex> lock(mu_);
  lists_[path] = {std::move(items), std::move(resource_version)};
}

net::HttpResponse FakeKubeApi::WatchResponse(const Push& p) {
  std::string body;
  for (const auto& l : p.lines) body += l + "\n";
  net::HttpResponse r = net::HttpResponse::Text(p.status, body);
  r.SetHeader("Content-Type", "application/json");
  return r;
}

void FakeKubeApi::PushWatch(const std::string& path, std::vector<std::string> lines, int status) {
  std::unique_lock<std::mutex> lock(mu_);
  Push push{std::move(lines), status};
  auto& q = pending_[path];
  if (q.empty()) {
    pushes_[path].push_back(std::move(push));
    return;
  }
  Pending p = std::move(q.front());
  q.pop_front();
  lock.unlock();
  p.respond(WatchResponse(push));
}

std::optional<std::string> FakeKubeApi::WaitForWatch(const std::string& path,
                                                     std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  if (!cv_.wait_for(lock, timeout, [&] { return !pending_[path].empty(); })) return std::nullopt;
  return pending_[path].front().resource_version;
}

int FakeKubeApi::lists(const std::string& path) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = list_count_.find(path);
  return it == list_count_.end() ? 0 : it->second;
}

int FakeKubeApi::unauthorized() const {
  std::lock_guard<std::mutex> lock(mu_);
  return unauthorized_;
}

std::vector<std::string> FakeKubeApi::targets() const {
  std::lock_guard<std::mutex> lock(mu_);
  return targets_;
}

void FakeKubeApi::Handle(net::HttpRequest&& req, net::HttpResponder respond) {
  std::unique_lock<std::mutex> lock(mu_);
  targets_.push_back(req.target);
  if (req.Header("Authorization") != "Bearer " + token_) {
    ++unauthorized_;
    lock.unlock();
    respond(net::HttpResponse::Text(
        401, R"({"kind":"Status","status":"Failure","reason":"Unauthorized","code":401})"));
    return;
  }
  std::string path(req.path());
  if (Param(req.target, "watch") == "true") {
    auto& pushes = pushes_[path];
    if (!pushes.empty()) {
      Push p = std::move(pushes.front());
      pushes.pop_front();
      lock.unlock();
      respond(WatchResponse(p));
      return;
    }
    pending_[path].push_back({Param(req.target, "resourceVersion"), std::move(respond)});
    cv_.notify_all();
    return;
  }
  ++list_count_[path];
  auto it = lists_.find(path);
  std::string items, rv = "1";
  if (it != lists_.end()) {
    for (const auto& i : it->second.first) items += (items.empty() ? "" : ",") + i;
    rv = it->second.second;
  }
  lock.unlock();
  net::HttpResponse r = net::HttpResponse::Text(
      200, "{\"kind\":\"List\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":\"" + rv +
               "\"},\"items\":[" + items + "]}");
  r.SetHeader("Content-Type", "application/json");
  respond(std::move(r));
}

}  // namespace otter::testing
