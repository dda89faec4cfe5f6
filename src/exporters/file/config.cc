#include "exporters/file/config.h"

#include <cstdlib>

namespace otter {
namespace {

bool ParseOctal(const std::string& s, unsigned* out) {
  if (s.empty()) return false;
  unsigned v = 0;
  for (char c : s) {
    if (c < '0' || c > '7') return false;
    v = v * 8 + unsigned(c - '0');
    if (v > 07777) return false;
  }
  *out = v;
  return true;
}

}  // namespace

unsigned FileExporterConfig::DirectoryMode() const {
  unsigned mode = 0755;
  ParseOctal(directory_permissions, &mode);
  return mode;
}

Status FileExporterConfig::Validate() const {
  if (path.empty()) return InvalidArgument("path must be non-empty");
  if (append && !compression.empty())
    return InvalidArgument("append and compression enabled at the same time is not supported");
  if (append && rotation)
    return InvalidArgument("append and rotation enabled at the same time is not supported");
  if (!compression.empty() && compression != "zstd")
    return InvalidArgument("compression \"" + compression + "\" is not supported (valid: zstd)");
  if (flush_interval.count() < 0) return InvalidArgument("flush_interval must not be negative");
  if (rotation) {
    if (rotation->max_megabytes < 0)
      return InvalidArgument("rotation::max_megabytes must not be negative");
    if (rotation->max_days < 0) return InvalidArgument("rotation::max_days must not be negative");
    if (rotation->max_backups < 0)
      return InvalidArgument("rotation::max_backups must not be negative");
  }
  if (!directory_permissions.empty()) {
    if (!create_directory)
      return InvalidArgument("directory_permissions requires create_directory to be true");
    unsigned mode;
    if (!ParseOctal(directory_permissions, &mode) || mode > 0777)
      return InvalidArgument("directory_permissions \"" + directory_permissions +
                             "\" must be an octal permission like 0755");
  }
  return Status::Ok();
}

const config::Table<FileExporterConfig>& FileExporterConfigTable() {
  using C = FileExporterConfig;
  using R = FileRotationConfig;
  static const config::Table<R> rotation =
      config::Table<R>()
          .Field("max_megabytes", &R::max_megabytes,
                 "rotate before a write would take the file past this size in MiB (0 = 100)")
          .Field("max_days", &R::max_days,
                 "delete backups whose name's timestamp is older than this many days (0 = keep)")
          .Field("max_backups", &R::max_backups, "keep at most this many backups (0 = keep all)")
          .Field("localtime", &R::localtime, "name backups with local time instead of UTC");
  static const config::Table<C> table =
      config::Table<C>()
          .Field("path", &C::path, "file to write (required)")
          .Custom("format", "string", "json",
                  "json: one OTLP/JSON Export*ServiceRequest per line; proto: each OTLP protobuf "
                  "request preceded by its length as a 4-byte big-endian integer",
                  [](const config::Node& n, C& c, config::Diagnostics& d) {
                    std::string s;
                    if (!config::ParseValue(n, s, d)) return;
                    if (s == "json")
                      c.format = FileFormat::kJson;
                    else if (s == "proto")
                      c.format = FileFormat::kProto;
                    else
                      d.Error(n, "format \"" + s + "\" is not supported (valid: json, proto)");
                  })
          .Field("append", &C::append,
                 "append to an existing file instead of truncating it at start")
          .Section("rotation", &C::rotation, rotation,
                   "rotate the file by size (present = enabled): it is renamed to "
                   "<name>-<timestamp><ext> and a new file is started")
          .Field("flush_interval", &C::flush_interval,
                 "how often written data is flushed to disk (fdatasync); 0 = 1s. Each batch is "
                 "written to the file as it arrives")
          .Field("compression", &C::compression,
                 "zstd: compress each request separately (then length-prefixed, also for json)")
          .Field("create_directory", &C::create_directory,
                 "create the file's parent directories at start")
          .Field("directory_permissions", &C::directory_permissions,
                 "octal mode of directories created by create_directory (default 0755)")
          .NotSupportedYet("group_by", "one file per resource attribute value")
          .NotSupportedYet("encoding", "an encoding extension instead of format");
  return table;
}

}  // namespace otter
