#include "component/auth.h"

#include <cctype>

namespace otter::auth {

const config::Table<AuthSettings>& AuthSettingsTable() {
  static const auto table =
      config::Table<AuthSettings>()
          .Field("authenticator", &AuthSettings::authenticator,
                 "id of the authenticator extension (listed in service.extensions)")
          .Check([](const config::Node& section, const AuthSettings& s, config::Diagnostics& d) {
            const config::Node* at = section.Find("authenticator");
            if (s.authenticator.empty()) {
              d.Error(at ? *at : section, "auth.authenticator: an extension id is required");
              return;
            }
            if (auto id = ComponentId::Parse(s.authenticator); !id.ok())
              d.Error(at ? *at : section,
                      "auth.authenticator: " + std::string(id.status().message()));
          });
  return table;
}

namespace {

template <class A>
StatusOr<const A*> Find(const ComponentContext& ctx, const AuthSettings& settings,
                        std::string_view key, std::string_view role) {
  std::string where = std::string(key) + ".authenticator: ";
  auto id = ComponentId::Parse(settings.authenticator);
  if (!id.ok()) return InvalidArgument(where + std::string(id.status().message()));
  Extension* ext = ctx.host ? ctx.host->FindExtension(*id) : nullptr;
  if (!ext)
    return InvalidArgument(where + "extension \"" + settings.authenticator +
                           "\" is not configured under extensions and listed in "
                           "service.extensions");
  const A* a = dynamic_cast<const A*>(ext);
  if (!a)
    return InvalidArgument(where + "extension \"" + settings.authenticator + "\" is not a " +
                           std::string(role) + " authenticator");
  return a;
}

}  // namespace

StatusOr<const ServerAuthenticator*> FindServerAuthenticator(const ComponentContext& ctx,
                                                             const AuthSettings& settings,
                                                             std::string_view key) {
  return Find<ServerAuthenticator>(ctx, settings, key, "server");
}

StatusOr<const ClientAuthenticator*> FindClientAuthenticator(const ComponentContext& ctx,
                                                             const AuthSettings& settings,
                                                             std::string_view key) {
  return Find<ClientAuthenticator>(ctx, settings, key, "client");
}

bool HeaderNameEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

void SetHeader(HeaderList& headers, std::string name, std::string value) {
  for (auto& [k, v] : headers)
    if (HeaderNameEquals(k, name)) {
      v = std::move(value);
      return;
    }
  headers.emplace_back(std::move(name), std::move(value));
}

}  // namespace otter::auth
