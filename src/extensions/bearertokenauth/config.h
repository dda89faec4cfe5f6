// Typed configuration of the `bearertokenauth` extension (contrib bearertokenauthextension's
// keys and defaults). Plain data.
#pragma once

#include <string>
#include <vector>

#include "component/registry.h"
#include "config/table.h"

namespace otter::bearertokenauth {

struct BearerTokenAuthConfig : ComponentConfig {
  std::string header = "Authorization";  // where the token travels (gRPC: lower-cased)
  std::string scheme = "Bearer";         // "" = the header carries the bare token
  std::string token;                     // the one token
  std::vector<std::string> tokens;       // several accepted tokens (the first is sent)
  std::string filename;                  // tokens one per line; re-read when the file changes
  Status Validate() const override;
};

const config::Table<BearerTokenAuthConfig>& BearerTokenAuthTable();

}  // namespace otter::bearertokenauth
