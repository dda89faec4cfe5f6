#include "extensions/basicauth/extension.h"

#include <crypt.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>

#include "common/base64.h"

namespace otter::basicauth {
namespace {

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

bool IsCryptHash(std::string_view h) {
  for (std::string_view p : {"$2a$", "$2b$", "$2y$", "$5$", "$6$", "$1$", "$y$"})
    if (StartsWith(h, p)) return true;
  return false;
}

}  // namespace

bool VerifyHtpasswdHash(std::string_view hash, std::string_view password) {
  if (StartsWith(hash, "$apr1$")) return false;
  if (IsCryptHash(hash)) {
    auto data = std::make_unique<crypt_data>();  // ~32 KiB: not on an I/O thread's stack
    std::string phrase(password), setting(hash);
    const char* out = crypt_r(phrase.c_str(), setting.c_str(), data.get());
    return out && out[0] != '*' && ConstantTimeEquals(out, hash);
  }
  if (StartsWith(hash, "{SHA}")) {
    unsigned char digest[SHA_DIGEST_LENGTH];
    SHA1(reinterpret_cast<const unsigned char*>(password.data()), password.size(), digest);
    std::string b64;
    AppendBase64(b64, std::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
    return ConstantTimeEquals(b64, hash.substr(5));
  }
  return ConstantTimeEquals(hash, password);
}

BasicAuth::BasicAuth(const ComponentContext& ctx, const BasicAuthConfig& config)
    : config_(config), logger_(ctx.logger) {
  if (config_.client_auth) {
    client_header_ = "Basic ";
    AppendBase64(client_header_,
                 config_.client_auth->username + ":" + config_.client_auth->password);
  }
}

void BasicAuth::AddEntries(std::string_view content) {
  size_t pos = 0;
  while (pos < content.size()) {
    size_t nl = content.find('\n', pos);
    std::string_view line = content.substr(pos, nl == std::string_view::npos ? nl : nl - pos);
    pos = nl == std::string_view::npos ? content.size() : nl + 1;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
    if (line.empty() || line.front() == '#') continue;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) continue;
    std::string_view user = line.substr(0, colon), hash = line.substr(colon + 1);
    if (StartsWith(hash, "$apr1$") && logger_)
      logger_->warn(
          "htpasswd user \"{}\": $apr1$ (Apache MD5) hashes are not supported; use "
          "bcrypt (htpasswd -B)",
          user);
    users_[std::string(user)] = std::string(hash);
  }
}

Status BasicAuth::Start() {
  if (!config_.htpasswd) return Status::Ok();
  users_.clear();
  if (!config_.htpasswd->file.empty()) {
    std::ifstream in(config_.htpasswd->file, std::ios::binary);
    if (!in)
      return FailedPrecondition("htpasswd.file: cannot read \"" + config_.htpasswd->file +
                                "\": " + std::strerror(errno));
    std::stringstream ss;
    ss << in.rdbuf();
    AddEntries(ss.str());
  }
  AddEntries(config_.htpasswd->inline_content);  // later entries win: inline over file
  return Status::Ok();
}

std::variant<auth::AuthData, auth::AuthError> BasicAuth::Authenticate(
    const auth::HeaderLookup& header) const {
  std::optional<std::string_view> got = header("Authorization");
  if (!got || got->empty()) return auth::AuthError{"missing", "missing authorization header"};
  std::string_view v = *got;
  if (v.size() < 6 || !auth::HeaderNameEquals(v.substr(0, 6), "Basic "))
    return auth::AuthError{"invalid", "invalid authorization scheme prefix"};
  v.remove_prefix(6);
  auto decoded = DecodeBase64(v, /*url_safe=*/false, /*padded=*/true);
  size_t colon = decoded ? decoded->find(':') : std::string::npos;
  if (colon == std::string::npos) return auth::AuthError{"invalid", "invalid authorization format"};
  std::string_view user = std::string_view(*decoded).substr(0, colon);
  std::string_view password = std::string_view(*decoded).substr(colon + 1);
  auto it = users_.find(user);
  if (it == users_.end() || !VerifyHtpasswdHash(it->second, password))
    return auth::AuthError{"invalid", "invalid credentials"};
  return auth::AuthData{std::string(user), {}};
}

void BasicAuth::AddHeaders(auth::HeaderList& headers) const {
  if (!client_header_.empty()) auth::SetHeader(headers, "Authorization", client_header_);
}

}  // namespace otter::basicauth
