#include "extensions/file_storage/config.h"

#include <sys/stat.h>

namespace otter::file_storage {
namespace {

Status CheckDirectory(const std::string& key, const std::string& dir) {
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0)
    return InvalidArgument(key + ": directory must exist: " + dir +
                           " (or set create_directory: true)");
  if (!S_ISDIR(st.st_mode)) return InvalidArgument(key + ": " + dir + " is not a directory");
  return Status::Ok();
}

}  // namespace

Status FileStorageConfig::Validate() const {
  if (directory.empty()) return InvalidArgument("directory: must not be empty");
  if (!create_directory) {
    RETURN_IF_ERROR(CheckDirectory("directory", directory));
    if ((compaction.on_start || compaction.cleanup_on_start) && !compaction.directory.empty())
      RETURN_IF_ERROR(CheckDirectory("compaction", compaction.directory));
  }
  if (compaction.max_transaction_size < 0)
    return InvalidArgument("compaction: max_transaction_size cannot be less than 0");
  if (compaction.on_rebound && compaction.check_interval <= config::Duration::zero())
    return InvalidArgument(
        "compaction: check_interval must be positive when rebound compaction is set");
  if (directory_permissions.empty() ||
      directory_permissions.find_first_not_of("01234567") != std::string::npos ||
      directory_permissions.size() > 4)
    return InvalidArgument("directory_permissions: must be an octal mode such as 0750");
  return Status::Ok();
}

const config::Table<FileStorageConfig>& FileStorageConfigTable() {
  using C = FileStorageConfig;
  using K = CompactionConfig;
  static const config::Table<K> compaction =
      config::Table<K>()
          .Field("on_start", &K::on_start, "rewrite each client's file when it is opened")
          .Field("on_rebound", &K::on_rebound,
                 "accepted for compatibility: otter compacts a file whenever it holds 4x its "
                 "live data (and at least 1 MiB)")
          .Field("directory", &K::directory,
                 "where bbolt put its compaction temp files; otter writes the compacted file "
                 "next to the original (a rename must stay within one file system)")
          .Field("max_transaction_size", &K::max_transaction_size,
                 "accepted for compatibility (bbolt's batch size during compaction)")
          .Field("rebound_needed_threshold_mib", &K::rebound_needed_threshold_mib,
                 "accepted for compatibility")
          .Field("rebound_trigger_threshold_mib", &K::rebound_trigger_threshold_mib,
                 "accepted for compatibility")
          .Field("check_interval", &K::check_interval, "accepted for compatibility")
          .Field("cleanup_on_start", &K::cleanup_on_start,
                 "remove compaction temp files a killed process left behind");
  static const config::Table<C> table =
      config::Table<C>()
          .Field("directory", &C::directory, "directory holding one file per client")
          .Field("timeout", &C::timeout, "how long to wait for another process's file lock")
          .Section("compaction", &C::compaction, compaction, "compaction of the files")
          .Field("fsync", &C::fsync,
                 "fdatasync after every write (survives power loss; a process crash is "
                 "survived without it)")
          .Field("create_directory", &C::create_directory, "create directory if it is missing")
          .Field("directory_permissions", &C::directory_permissions,
                 "mode of a created directory (octal, minus the umask)");
  return table;
}

}  // namespace otter::file_storage
