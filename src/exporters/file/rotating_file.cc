#include "exporters/file/rotating_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>

namespace otter {
namespace {

namespace fs = std::filesystem;

constexpr char kTimeFormat[] = "%Y-%m-%dT%H-%M-%S";  // + ".mmm": lumberjack's layout
constexpr size_t kTimestampLength = 23;              // "2006-01-02T15-04-05.000"

std::string ErrnoText(int err) { return std::strerror(err); }

// "dir/name.ext" -> {"dir/name", ".ext"} (the extension is that of the base name, as Go's
// filepath.Ext).
std::pair<std::string, std::string> SplitExt(const std::string& path) {
  fs::path p(path);
  std::string ext = p.extension().string();
  std::string stem = path.substr(0, path.size() - ext.size());
  return {stem, ext};
}

bool ParseTimestamp(std::string_view s, bool local, std::chrono::system_clock::time_point* out) {
  if (s.size() != kTimestampLength) return false;
  std::tm tm{};
  int ms = 0;
  char tail;
  std::string copy(s);
  if (std::sscanf(copy.c_str(), "%4d-%2d-%2dT%2d-%2d-%2d.%3d%c", &tm.tm_year, &tm.tm_mon,
                  &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms, &tail) != 7) {
    return false;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  tm.tm_isdst = -1;
  time_t secs = local ? std::mktime(&tm) : timegm(&tm);
  if (secs == -1) return false;
  *out = std::chrono::system_clock::from_time_t(secs) + std::chrono::milliseconds(ms);
  return true;
}

}  // namespace

StatusOr<std::unique_ptr<RotatingFile>> RotatingFile::Open(Options options) {
  if (options.create_directory) {
    fs::path dir = fs::path(options.path).parent_path();
    if (!dir.empty()) {
      // Create each missing level with the configured mode (minus umask), like os.MkdirAll.
      fs::path partial;
      for (const auto& part : dir) {
        partial /= part;
        if (::mkdir(partial.c_str(), options.directory_mode) != 0 && errno != EEXIST) {
          return Internal("create directory " + partial.string() + ": " + ErrnoText(errno));
        }
      }
    }
  }
  std::unique_ptr<RotatingFile> f(new RotatingFile(std::move(options)));
  const bool truncate = !f->options_.rotation && !f->options_.append;
  RETURN_IF_ERROR(f->OpenFile(truncate));
  if (f->options_.rotation) f->Prune();
  return f;
}

RotatingFile::~RotatingFile() {
  if (fd_ >= 0) ::close(fd_);
}

Status RotatingFile::OpenFile(bool truncate) {
  int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (truncate ? O_TRUNC : O_APPEND);
  fd_ = ::open(options_.path.c_str(), flags, 0600);
  if (fd_ < 0) return Internal("open " + options_.path + ": " + ErrnoText(errno));
  struct stat st {};
  size_ = ::fstat(fd_, &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
  return Status::Ok();
}

int RotatingFile::DupDescriptor() const { return fd_ >= 0 ? ::dup(fd_) : -1; }

Status RotatingFile::Write(std::string_view record) {
  if (options_.rotation) {
    uint64_t max_mb = options_.rotation->max_megabytes > 0
                          ? static_cast<uint64_t>(options_.rotation->max_megabytes)
                          : 100;
    if (size_ > 0 && size_ + record.size() > max_mb * 1024 * 1024) RETURN_IF_ERROR(Rotate());
  }
  if (fd_ < 0) return Internal("write " + options_.path + ": file is not open");
  const uint64_t before = size_;
  size_t done = 0;
  while (done < record.size()) {
    ssize_t n = ::write(fd_, record.data() + done, record.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      // Undo a partial record so the file stays a sequence of whole records.
      if (done > 0 && ::ftruncate(fd_, static_cast<off_t>(before)) != 0) {
        return Internal("write " + options_.path + ": " + ErrnoText(err) +
                        " (and the partial record could not be removed)");
      }
      return Internal("write " + options_.path + ": " + ErrnoText(err));
    }
    done += static_cast<size_t>(n);
  }
  size_ += record.size();
  return Status::Ok();
}

std::string RotatingFile::BackupName(std::chrono::system_clock::time_point t) const {
  auto [stem, ext] = SplitExt(options_.path);
  time_t secs = std::chrono::system_clock::to_time_t(t);
  auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count() % 1000;
  if (ms < 0) ms += 1000;
  std::tm tm{};
  if (options_.rotation && options_.rotation->localtime)
    localtime_r(&secs, &tm);
  else
    gmtime_r(&secs, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, kTimeFormat, &tm);
  char full[80];
  std::snprintf(full, sizeof full, "%s.%03d", buf, static_cast<int>(ms));
  return stem + "-" + full + ext;
}

Status RotatingFile::Rotate() {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  auto t = options_.now();
  std::string backup = BackupName(t);
  // Never overwrite an earlier backup from the same millisecond.
  while (::access(backup.c_str(), F_OK) == 0) {
    t += std::chrono::milliseconds(1);
    backup = BackupName(t);
  }
  if (::rename(options_.path.c_str(), backup.c_str()) != 0 && errno != ENOENT) {
    int err = errno;
    Status reopen = OpenFile(/*truncate=*/false);  // keep writing to the old file
    return Internal("rotate " + options_.path + " to " + backup + ": " + ErrnoText(err) +
                    (reopen.ok() ? "" : "; " + std::string(reopen.message())));
  }
  RETURN_IF_ERROR(OpenFile(/*truncate=*/true));
  Prune();
  return Status::Ok();
}

std::vector<std::string> RotatingFile::ListBackups(const std::string& path) {
  auto [stem, ext] = SplitExt(path);
  fs::path dir = fs::path(path).parent_path();
  if (dir.empty()) dir = ".";
  const std::string prefix = fs::path(stem).filename().string() + "-";
  std::vector<std::pair<std::string, std::string>> found;  // (timestamp, path)
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (!entry.is_regular_file()) continue;
    std::string name = entry.path().filename().string();
    if (name.size() != prefix.size() + kTimestampLength + ext.size()) continue;
    if (name.compare(0, prefix.size(), prefix) != 0) continue;
    if (name.compare(name.size() - ext.size(), ext.size(), ext) != 0) continue;
    std::string ts = name.substr(prefix.size(), kTimestampLength);
    std::chrono::system_clock::time_point t;
    if (!ParseTimestamp(ts, false, &t)) continue;
    found.emplace_back(ts, entry.path().string());
  }
  std::sort(found.begin(), found.end());
  std::vector<std::string> out;
  for (auto& f : found) out.push_back(std::move(f.second));
  return out;
}

void RotatingFile::Prune() {
  const FileRotationConfig& r = *options_.rotation;
  if (r.max_backups <= 0 && r.max_days <= 0) return;
  std::vector<std::string> backups = ListBackups(options_.path);  // oldest first
  const bool local = r.localtime;
  auto [stem, ext] = SplitExt(options_.path);
  const size_t prefix_len = fs::path(stem).filename().string().size() + 1;
  std::vector<std::string> doomed;
  size_t keep_from = 0;
  if (r.max_backups > 0 && backups.size() > static_cast<size_t>(r.max_backups))
    keep_from = backups.size() - static_cast<size_t>(r.max_backups);
  std::chrono::system_clock::time_point cutoff;
  if (r.max_days > 0) cutoff = options_.now() - std::chrono::hours(24) * r.max_days;
  for (size_t i = 0; i < backups.size(); ++i) {
    bool too_many = i < keep_from;
    bool too_old = false;
    if (r.max_days > 0) {
      std::string name = fs::path(backups[i]).filename().string();
      std::chrono::system_clock::time_point t;
      too_old = ParseTimestamp(name.substr(prefix_len, kTimestampLength), local, &t) && t < cutoff;
    }
    if (too_many || too_old) doomed.push_back(backups[i]);
  }
  for (const auto& d : doomed) ::unlink(d.c_str());
}

}  // namespace otter
