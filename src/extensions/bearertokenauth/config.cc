#include "extensions/bearertokenauth/config.h"

namespace otter::bearertokenauth {

Status BearerTokenAuthConfig::Validate() const {
  if (token.empty() && tokens.empty() && filename.empty())
    return InvalidArgument("token: one of token, tokens or filename is required");
  if (!token.empty() && !tokens.empty())
    return InvalidArgument("tokens: set either token or tokens, not both");
  if (header.empty()) return InvalidArgument("header: must not be empty");
  for (char c : header)
    if (c <= ' ' || c == ':' || c >= 127)
      return InvalidArgument("header: \"" + header + "\" is not a valid header name");
  return Status::Ok();
}

const config::Table<BearerTokenAuthConfig>& BearerTokenAuthTable() {
  using C = BearerTokenAuthConfig;
  static const auto table =
      config::Table<C>()
          .Field("header", &C::header, "header (gRPC metadata key) carrying the token")
          .Field("scheme", &C::scheme, "auth scheme before the token (\"\" = bare token)")
          .Field("token", &C::token, "the token (use ${env:VAR}, never a literal in a repo)")
          .Field("tokens", &C::tokens, "several tokens a server accepts; a client sends the first")
          .Field("filename", &C::filename,
                 "file with the token(s), one per line; re-read when it changes (wins over "
                 "token/tokens)");
  return table;
}

}  // namespace otter::bearertokenauth
