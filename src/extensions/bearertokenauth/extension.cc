#include "extensions/bearertokenauth/extension.h"

#include <openssl/crypto.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace otter::bearertokenauth {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

BearerTokenAuth::BearerTokenAuth(const ComponentContext& ctx, const BearerTokenAuthConfig& config,
                                 std::chrono::milliseconds poll)
    : config_(config), logger_(ctx.logger), poll_(poll) {
  if (config_.filename.empty())
    SetTokens(config_.tokens.empty() ? std::vector<std::string>{config_.token} : config_.tokens);
  else
    SetTokens({});
  if (!config_.filename.empty() && (!config_.token.empty() || !config_.tokens.empty()) && logger_)
    logger_->warn("filename is set: the configured token(s) are ignored");
}

BearerTokenAuth::~BearerTokenAuth() { Shutdown(); }

void BearerTokenAuth::SetTokens(const std::vector<std::string>& tokens) {
  auto values = std::make_shared<Values>();
  for (const auto& t : tokens)
    values->push_back(config_.scheme.empty() ? t : config_.scheme + " " + t);
  std::lock_guard l(mu_);
  values_ = std::move(values);
}

std::shared_ptr<const BearerTokenAuth::Values> BearerTokenAuth::values() const {
  std::lock_guard l(mu_);
  return values_;
}

Status BearerTokenAuth::ReloadIfChanged() {
  struct stat st {};
  if (stat(config_.filename.c_str(), &st) != 0)
    return FailedPrecondition("filename: cannot read \"" + config_.filename +
                              "\": " + std::strerror(errno));
  std::string identity = std::to_string(st.st_ino) + ":" + std::to_string(st.st_size) + ":" +
                         std::to_string(st.st_mtim.tv_sec) + "." +
                         std::to_string(st.st_mtim.tv_nsec);
  {
    std::lock_guard l(mu_);
    if (identity == file_identity_) return Status::Ok();
  }
  std::ifstream in(config_.filename, std::ios::binary);
  if (!in)
    return FailedPrecondition("filename: cannot read \"" + config_.filename +
                              "\": " + std::strerror(errno));
  std::stringstream ss;
  ss << in.rdbuf();
  std::vector<std::string> tokens;
  std::string line;
  while (std::getline(ss, line)) {
    std::string_view t = Trim(line);
    if (!t.empty()) tokens.emplace_back(t);
  }
  SetTokens(tokens);
  {
    std::lock_guard l(mu_);
    file_identity_ = identity;
  }
  if (logger_) logger_->info("read {} token(s) from {}", tokens.size(), config_.filename);
  return Status::Ok();
}

Status BearerTokenAuth::Start() {
  if (config_.filename.empty() || watcher_.joinable()) return Status::Ok();
  RETURN_IF_ERROR(ReloadIfChanged());
  {
    std::lock_guard l(mu_);
    stopping_ = false;
  }
  watcher_ = std::thread([this] { Watch(); });
  return Status::Ok();
}

void BearerTokenAuth::Watch() {
  std::unique_lock l(mu_);
  while (!stopping_) {
    cv_.wait_for(l, poll_, [this] { return stopping_; });
    if (stopping_) break;
    l.unlock();
    // A file being replaced may be briefly missing: keep the last tokens, say so once.
    if (Status s = ReloadIfChanged(); !s.ok() && logger_) logger_->warn("{}", s.message());
    l.lock();
  }
}

void BearerTokenAuth::Shutdown() {
  {
    std::lock_guard l(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (watcher_.joinable()) watcher_.join();
}

std::variant<auth::AuthData, auth::AuthError> BearerTokenAuth::Authenticate(
    const auth::HeaderLookup& header) const {
  std::optional<std::string_view> got = header(config_.header);
  if (!got || got->empty())
    return auth::AuthError{"missing", "missing or empty authorization header: " + config_.header};
  auto expected = values();
  for (const auto& v : *expected)
    if (ConstantTimeEquals(v, *got)) return auth::AuthData{};
  return auth::AuthError{"invalid", "scheme or token does not match"};
}

std::string BearerTokenAuth::Challenge() const {
  return config_.scheme.empty() ? "Bearer" : config_.scheme;
}

std::optional<std::pair<std::string, std::string>> BearerTokenAuth::TokenHeader(
    std::string_view token) const {
  std::string value =
      config_.scheme.empty() ? std::string(token) : config_.scheme + " " + std::string(token);
  return std::make_pair(config_.header, std::move(value));
}

void BearerTokenAuth::AddHeaders(auth::HeaderList& headers) const {
  auto v = values();
  if (v->empty()) return;
  auth::SetHeader(headers, config_.header, v->front());
}

}  // namespace otter::bearertokenauth
