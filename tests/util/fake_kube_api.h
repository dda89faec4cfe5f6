// FakeKubeApi: a Kubernetes API server stand-in for tests, on loopback over HTTPS (the test CA
// of net/test_util.h) with a bearer-token check. It serves lists of objects per collection path
// ("/api/v1/pods") and holds watch requests open until the test pushes events (or an error) to
// them, so a test controls exactly what a watcher sees and when. Also JSON builders for pods and
// replica sets. Test-only (linked into otter_tests). Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "net/http_server.h"
#include "net/test_util.h"

namespace otter::testing {

struct FakeContainer {
  std::string name, image, id;  // id with the runtime prefix ("containerd://...")
  int restart_count = 0;
};

struct FakePod {
  std::string name, ns = "default", uid, ip, node = "node-1";
  std::string resource_version = "1";
  std::string created = "2024-05-06T07:08:09Z";
  std::map<std::string, std::string> labels, annotations;
  std::vector<std::pair<std::string, std::pair<std::string, std::string>>>
      owners;  // kind,(name,uid)
  std::vector<FakeContainer> containers;
  bool host_network = false;
};
std::string PodJson(const FakePod& pod);
// A ReplicaSet owned by a Deployment.
std::string ReplicaSetJson(const std::string& name, const std::string& ns, const std::string& uid,
                           const std::string& deployment, const std::string& deployment_uid,
                           const std::string& resource_version = "1");
// {"type":"ADDED","object":...}
std::string WatchLine(const std::string& type, const std::string& object_json);

class FakeKubeApi {
 public:
  FakeKubeApi(const net::testing::TestCerts& certs, std::string token);
  ~FakeKubeApi();
  void Start();  // throws on failure
  int port() const { return server_->port(); }

  // What a list of `path` returns (items as JSON objects).
  void SetList(const std::string& path, std::vector<std::string> items,
               std::string resource_version);
  // Ends the next watch of `path` (held open, or the next to arrive) with these lines as its
  // body and `status` (e.g. 410).
  void PushWatch(const std::string& path, std::vector<std::string> lines, int status = 200);
  // Waits until a watch of `path` is held open; returns its resourceVersion parameter.
  std::optional<std::string> WaitForWatch(const std::string& path,
                                          std::chrono::milliseconds timeout);
  int lists(const std::string& path) const;
  int unauthorized() const;
  std::vector<std::string> targets() const;  // every request target, in order

 private:
  struct Pending {
    std::string resource_version;
    net::HttpResponder respond;
  };
  struct Push {
    std::vector<std::string> lines;
    int status;
  };
  void Handle(net::HttpRequest&& req, net::HttpResponder respond);
  static net::HttpResponse WatchResponse(const Push& p);

  std::string token_;
  std::unique_ptr<net::HttpServer> server_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, std::pair<std::vector<std::string>, std::string>> lists_;
  std::map<std::string, std::deque<Pending>> pending_;
  std::map<std::string, std::deque<Push>> pushes_;
  std::map<std::string, int> list_count_;
  int unauthorized_ = 0;
  std::vector<std::string> targets_;
};

}  // namespace otter::testing
