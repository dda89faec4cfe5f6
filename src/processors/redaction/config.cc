#include "processors/redaction/config.h"

#include <re2/re2.h>

namespace otter {
namespace {

Status CheckRegexes(const char* key, const std::vector<std::string>& patterns) {
  RE2::Options opts;
  opts.set_log_errors(false);
  for (const auto& p : patterns) {
    RE2 re(p, opts);
    if (!re.ok())
      return InvalidArgument(std::string(key) + ": error compiling regex in list: \"" + p +
                             "\": " + re.error());
  }
  return Status::Ok();
}

}  // namespace

Status RedactionConfig::Validate() const {
  RETURN_IF_ERROR(CheckRegexes("ignored_key_patterns", ignored_key_patterns));
  RETURN_IF_ERROR(CheckRegexes("blocked_key_patterns", blocked_key_patterns));
  RETURN_IF_ERROR(CheckRegexes("blocked_values", blocked_values));
  RETURN_IF_ERROR(CheckRegexes("allowed_values", allowed_values));
  if (hash_function == "hmac-sha256" || hash_function == "hmac-sha512")
    return InvalidArgument("hash_function: \"" + hash_function +
                           "\" is not supported yet by otter (supported: md5, sha1, sha3)");
  if (!hash_function.empty() && hash_function != "md5" && hash_function != "sha1" &&
      hash_function != "sha3")
    return InvalidArgument("hash_function: unknown hash function \"" + hash_function +
                           "\", allowed functions are md5, sha1 and sha3");
  if (!summary.empty() && summary != "debug" && summary != "info" && summary != "silent")
    return InvalidArgument("summary: \"" + summary + "\" is not one of debug, info, silent");
  return Status::Ok();
}

const config::Table<RedactionConfig>& RedactionConfigTable() {
  using C = RedactionConfig;
  static const config::Table<C> table =
      config::Table<C>()
          .Field("allow_all_keys", &C::allow_all_keys,
                 "keep every attribute key (allowed_keys is ignored); blocked values still apply")
          .Field("allowed_keys", &C::allowed_keys,
                 "attribute keys kept; all others are removed (empty removes all unless "
                 "allow_all_keys)")
          .Field("ignored_keys", &C::ignored_keys, "keys passed through untouched")
          .Field("ignored_key_patterns", &C::ignored_key_patterns,
                 "regexes: keys passed through untouched")
          .Field("blocked_key_patterns", &C::blocked_key_patterns,
                 "regexes: keys whose whole value is masked")
          .Field("blocked_values", &C::blocked_values,
                 "regexes: matching parts of values are masked (\"****\" or a hash)")
          .Field("allowed_values", &C::allowed_values,
                 "regexes: values matching one are never masked")
          .Field("redact_all_types", &C::redact_all_types,
                 "also check non-string values, through their string form")
          .Field("hash_function", &C::hash_function,
                 "md5, sha1 or sha3: replace masked parts by their hex digest instead of ****")
          .Field("summary", &C::summary,
                 "debug (redaction.*.keys and .count attributes), info (counts), silent")
          .NotSupportedYet("hmac_key", "key for hmac-sha256/hmac-sha512 hashing")
          .NotSupportedYet("url_sanitizer", "URL sanitization")
          .NotSupportedYet("db_sanitizer", "database query sanitization");
  return table;
}

}  // namespace otter
