// The `bearertokenauth` extension: a server authenticator that accepts a request whose `header`
// is "<scheme> <token>" for one of the configured tokens (constant-time compare), and a client
// authenticator that sends the first token. With `filename`, the tokens come from the file (one
// per line, blank lines ignored) and are re-read when it changes: a watcher thread compares the
// file's inode, size and mtime once per `poll` (a Kubernetes secret's symlink swap included).
// Thread-safety: Authenticate/AddHeaders from any thread; Start/Shutdown from the service thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "component/auth.h"
#include "extensions/bearertokenauth/config.h"

namespace otter::bearertokenauth {

class BearerTokenAuth final : public Extension,
                              public auth::ServerAuthenticator,
                              public auth::ClientAuthenticator {
 public:
  BearerTokenAuth(const ComponentContext& ctx, const BearerTokenAuthConfig& config,
                  std::chrono::milliseconds poll = std::chrono::seconds(1));
  ~BearerTokenAuth() override;

  // With a filename: reads it (an unreadable file stops start-up) and starts the watcher.
  Status Start() override;
  void Shutdown() override;

  std::variant<auth::AuthData, auth::AuthError> Authenticate(
      const auth::HeaderLookup& header) const override;
  std::string Challenge() const override;
  std::optional<std::pair<std::string, std::string>> TokenHeader(
      std::string_view token) const override;
  void AddHeaders(auth::HeaderList& headers) const override;

  // Re-reads the file when its inode, size or mtime changed. OK when unchanged or reloaded.
  Status ReloadIfChanged();

 private:
  using Values = std::vector<std::string>;  // full header values ("Bearer abc")
  void SetTokens(const std::vector<std::string>& tokens);
  std::shared_ptr<const Values> values() const;
  void Watch();

  BearerTokenAuthConfig config_;
  std::shared_ptr<spdlog::logger> logger_;
  std::chrono::milliseconds poll_;

  mutable std::mutex mu_;
  std::shared_ptr<const Values> values_;  // GUARDED_BY(mu_)
  std::string file_identity_;             // GUARDED_BY(mu_): "ino:size:mtime" last read
  bool stopping_ = false;                 // GUARDED_BY(mu_)
  std::condition_variable cv_;
  std::thread watcher_;
};

}  // namespace otter::bearertokenauth
