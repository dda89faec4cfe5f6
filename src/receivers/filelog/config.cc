#include "receivers/filelog/config.h"

#include <re2/re2.h>

#include <cctype>

#include "receivers/filelog/glob.h"
#include "receivers/filelog/operators.h"

namespace otter::filelog {

bool ParseByteSize(const std::string& s, uint64_t* out) {
  size_t i = 0;
  while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '_')) ++i;
  if (i == 0) return false;
  uint64_t n = 0;
  for (size_t k = 0; k < i; ++k)
    if (s[k] != '_') n = n * 10 + static_cast<uint64_t>(s[k] - '0');
  std::string unit;
  for (char c : s.substr(i))
    if (!std::isspace(static_cast<unsigned char>(c)))
      unit.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  static const std::pair<const char*, uint64_t> kUnits[] = {
      {"", 1},         {"b", 1},         {"kb", 1000},       {"kib", 1024},
      {"mb", 1000000}, {"mib", 1 << 20}, {"gb", 1000000000}, {"gib", 1 << 30}};
  for (const auto& [u, mult] : kUnits) {
    if (unit == u) {
      *out = n * mult;
      return true;
    }
  }
  return false;
}

namespace {

config::Table<FileLogConfig>::ParseFn ByteSizeField(uint64_t FileLogConfig::*member) {
  return [member](const config::Node& n, FileLogConfig& c, config::Diagnostics& d) {
    if (!ParseByteSize(n.scalar, &(c.*member)))
      d.Error(n, "invalid byte size \"" + n.scalar + "\" (e.g. 1000, 1kb, 16KiB, 1MiB)");
  };
}

}  // namespace

Status FileLogConfig::Validate() const {
  if (include.empty()) return InvalidArgument("include: required argument `include` is empty");
  for (const auto& p : include)
    if (Status s = ValidateGlob(p); !s.ok()) return s.Annotate("include: parse include glob");
  for (const auto& p : exclude)
    if (Status s = ValidateGlob(p); !s.ok()) return s.Annotate("exclude: parse exclude glob");
  if (start_at != "end" && start_at != "beginning")
    return InvalidArgument("start_at: invalid start_at location '" + start_at + "'");
  if (max_log_size == 0) return InvalidArgument("max_log_size: `max_log_size` must be positive");
  if (max_concurrent_files <= 1)
    return InvalidArgument("max_concurrent_files: `max_concurrent_files` must be greater than 1");
  if (fingerprint_size < 16)
    return InvalidArgument("fingerprint_size: `fingerprint_size` must be at least 16 bytes");
  if (max_batches < 0) return InvalidArgument("max_batches: `max_batches` must not be negative");
  if (delete_after_read && start_at == "end")
    return InvalidArgument(
        "delete_after_read: `delete_after_read` cannot be used with `start_at: end`");
  if (encoding != "utf-8" && encoding != "utf8" && encoding != "nop" && encoding != "ascii" &&
      encoding != "us-ascii")
    return InvalidArgument("encoding: \"" + encoding +
                           "\" is not supported yet by otter (utf-8, ascii and nop are)");
  if (poll_interval <= config::Duration::zero())
    return InvalidArgument("poll_interval: must be positive");
  if (multiline) {
    const bool start = !multiline->line_start_pattern.empty();
    const bool end = !multiline->line_end_pattern.empty();
    if (start == end)
      return InvalidArgument(
          "multiline: exactly one of line_start_pattern or line_end_pattern must be set");
    RE2 re(start ? multiline->line_start_pattern : multiline->line_end_pattern, RE2::Quiet);
    if (!re.ok()) return InvalidArgument("multiline: compile regex: " + re.error());
  }
  if (retry_on_failure.initial_interval <= config::Duration::zero() ||
      retry_on_failure.max_interval < retry_on_failure.initial_interval)
    return InvalidArgument(
        "retry_on_failure: initial_interval must be positive and not above max_interval");
  return Status::Ok();
}

const config::Table<FileLogConfig>& FileLogConfigTable() {
  using C = FileLogConfig;
  using M = MultilineConfig;
  using R = RetryOnFailureConfig;
  static const config::Table<M> multiline =
      config::Table<M>()
          .Field("line_start_pattern", &M::line_start_pattern,
                 "RE2 regex matching the start of an entry")
          .Field("line_end_pattern", &M::line_end_pattern, "RE2 regex matching the end of an entry")
          .Field("omit_pattern", &M::omit_pattern, "leave the matched pattern out of the entry");
  static const config::Table<R> retry =
      config::Table<R>()
          .Field("enabled", &R::enabled,
                 "give up on a refused batch after max_elapsed_time (otter always retries a "
                 "retryable refusal; this bounds it)")
          .Field("initial_interval", &R::initial_interval, "wait after the first refusal")
          .Field("max_interval", &R::max_interval, "upper bound of the backoff")
          .Field("max_elapsed_time", &R::max_elapsed_time,
                 "with enabled: drop the batch after this long (0 = never)");
  static const config::Table<C> table =
      config::Table<C>()
          .Field("include", &C::include, "globs of the files to read (** matches directories)")
          .Field("exclude", &C::exclude, "globs of matched files to leave out")
          .Field("exclude_older_than", &C::exclude_older_than,
                 "leave out files not modified for this long (0 = off)")
          .Field("start_at", &C::start_at,
                 "where to start in files found at start-up: end or beginning")
          .Section("multiline", &C::multiline, multiline, "split entries by a pattern")
          .Field("force_flush_period", &C::force_flush_period,
                 "emit a partial last entry after no new data for this long (0 = never)")
          .Field("encoding", &C::encoding, "utf-8 (invalid bytes become U+FFFD), ascii or nop")
          .Field("preserve_leading_whitespaces", &C::preserve_leading_whitespaces,
                 "keep leading whitespace of entries")
          .Field("preserve_trailing_whitespaces", &C::preserve_trailing_whitespaces,
                 "keep trailing whitespace of entries")
          .Field("include_file_name", &C::include_file_name, "add log.file.name")
          .Field("include_file_path", &C::include_file_path, "add log.file.path")
          .Field("include_file_name_resolved", &C::include_file_name_resolved,
                 "add log.file.name_resolved (after symlinks)")
          .Field("include_file_path_resolved", &C::include_file_path_resolved,
                 "add log.file.path_resolved (after symlinks)")
          .Field("include_file_record_number", &C::include_file_record_number,
                 "add log.file.record_number")
          .NotSupportedYet("include_file_owner_name", "add log.file.owner.name")
          .NotSupportedYet("include_file_owner_group_name", "add log.file.owner.group.name")
          .Field("poll_interval", &C::poll_interval, "time between file system polls")
          .Custom("fingerprint_size", "bytesize", "1000",
                  "bytes at the start of a file that identify it",
                  ByteSizeField(&C::fingerprint_size))
          .Custom("initial_buffer_size", "bytesize", "16KiB", "initial read buffer",
                  ByteSizeField(&C::initial_buffer_size))
          .Custom("max_log_size", "bytesize", "1MiB",
                  "longest entry; longer ones are split at this size",
                  ByteSizeField(&C::max_log_size))
          .Field("max_concurrent_files", &C::max_concurrent_files,
                 "files open at once (matched files are read in groups of half this)")
          .Field("max_batches", &C::max_batches, "groups read per poll (0 = all)")
          .Field("delete_after_read", &C::delete_after_read,
                 "delete each file once read to its end (needs start_at: beginning)")
          .NotSupportedYet("acquire_fs_lock", "lock files before reading")
          .Field("attributes", &C::attributes, "attributes added to every entry")
          .Field("resource", &C::resource, "resource attributes added to every entry")
          .Custom("operators", "[]operator", "[]",
                  "operators run on every entry (json_parser, regex_parser, key_value_parser, "
                  "time_parser, severity_parser, trace_parser, move, copy, remove, add, retain, "
                  "noop)",
                  [](const config::Node& n, C& c, config::Diagnostics& d) {
                    c.operators = n;
                    (void)OperatorPipeline::Build(n, d);
                  })
          .Field("storage", &C::storage,
                 "id of a storage extension (file_storage) keeping offsets across restarts")
          .NotSupportedYet("header", "header metadata parsing")
          .Section("retry_on_failure", &C::retry_on_failure, retry, "retrying refused batches")
          .NotSupportedYet("ordering_criteria", "reading only the newest files")
          .Custom("compression", "string", "", "compressed input (only \"\" so far)",
                  [](const config::Node& n, C&, config::Diagnostics& d) {
                    if (!n.scalar.empty())
                      d.Error(n, "compression \"" + n.scalar + "\" is not supported yet by otter");
                  })
          .NotSupportedYet("polls_to_archive", "archiving metadata of old files");
  return table;
}

}  // namespace otter::filelog
