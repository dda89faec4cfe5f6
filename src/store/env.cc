#include "store/env.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "store/file_util.h"

namespace otter::store {

namespace {

Status Errno(const std::string& what, const std::string& path) {
  return Unavailable(what + " " + path + ": " + std::strerror(errno));
}

class PosixFile final : public WritableFile {
 public:
  PosixFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~PosixFile() override { ::close(fd_); }

  Status Append(std::span<const std::string_view> pieces) override {
    return WriteAllV(fd_, pieces, path_);
  }
  Status Sync() override {
    if (::fdatasync(fd_) != 0) return Errno("fdatasync", path_);
    return Status::Ok();
  }
  Status Truncate(uint64_t size) override {
    if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) return Errno("truncate", path_);
    if (::lseek(fd_, static_cast<off_t>(size), SEEK_SET) < 0) return Errno("seek", path_);
    return Status::Ok();
  }
  int fd() const override { return fd_; }
  const std::string& path() const override { return path_; }

 private:
  int fd_;
  std::string path_;
};

class PosixReadable final : public ReadableFile {
 public:
  PosixReadable(int fd, std::string path, uint64_t size)
      : fd_(fd), path_(std::move(path)), size_(size) {}
  ~PosixReadable() override { ::close(fd_); }
  Status ReadAt(uint64_t offset, size_t n, char* out) const override {
    return store::ReadAt(fd_, offset, n, out, path_);
  }
  uint64_t size() const override { return size_; }
  int fd() const override { return fd_; }

 private:
  int fd_;
  std::string path_;
  uint64_t size_;
};

class Posix final : public Env {
 public:
  StatusOr<std::unique_ptr<ReadableFile>> OpenForRead(const std::string& path) override {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Errno("open", path);
    off_t size = ::lseek(fd, 0, SEEK_END);
    if (size < 0) {
      Status s = Errno("seek", path);
      ::close(fd);
      return s;
    }
    return std::unique_ptr<ReadableFile>(new PosixReadable(fd, path, static_cast<uint64_t>(size)));
  }
  StatusOr<std::unique_ptr<WritableFile>> OpenForAppend(const std::string& path,
                                                        bool truncate) override {
    // Not O_APPEND: copy_file_range refuses such a target. Writes go to the end all the same:
    // the offset starts there and only Truncate moves it.
    int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (truncate ? O_TRUNC : 0);
    int fd = ::open(path.c_str(), flags, 0644);
    if (fd < 0) return Errno("open", path);
    if (!truncate && ::lseek(fd, 0, SEEK_END) < 0) {
      Status s = Errno("seek", path);
      ::close(fd);
      return s;
    }
    return std::unique_ptr<WritableFile>(new PosixFile(fd, path));
  }
  StatusOr<std::string> ReadFile(const std::string& path) override { return store::ReadFile(path); }
  StatusOr<std::string> ReadPrefix(const std::string& path, size_t n) override {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Errno("open", path);
    std::string out(n, '\0');
    size_t got = 0;
    while (got < n) {
      ssize_t r = ::pread(fd, out.data() + got, n - got, static_cast<off_t>(got));
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) {
        Status s = Errno("read", path);
        ::close(fd);
        return s;
      }
      if (r == 0) break;
      got += static_cast<size_t>(r);
    }
    ::close(fd);
    out.resize(got);
    return out;
  }
  Status TruncateFile(const std::string& path, uint64_t size) override {
    if (::truncate(path.c_str(), static_cast<off_t>(size)) != 0) return Errno("truncate", path);
    return Status::Ok();
  }
  Status RenameFile(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) return Errno("rename", from);
    return Status::Ok();
  }
  Status RemoveFile(const std::string& path) override {
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) return Errno("remove", path);
    return Status::Ok();
  }
  Status SyncDir(const std::string& dir) override { return store::SyncDir(dir); }
  Status CreateDirs(const std::string& dir) override { return store::CreateDirs(dir); }
};

}  // namespace

Env* PosixEnv() {
  static Posix env;  // stateless
  return &env;
}

Status WriteFileAtomic(Env& env, const std::string& path,
                       const std::function<Status(WritableFile& file)>& fill) {
  std::string tmp = path + ".tmp";
  Status s;
  {
    auto file = env.OpenForAppend(tmp, /*truncate=*/true);
    if (!file.ok()) return file.status();
    s = fill(**file);
    if (s.ok()) s = (*file)->Sync();
  }
  if (s.ok()) s = env.RenameFile(tmp, path);
  if (!s.ok()) {
    (void)env.RemoveFile(tmp);
    return s;
  }
  return env.SyncDir(std::filesystem::path(path).parent_path().string());
}

Status WriteFileAtomic(Env& env, const std::string& path, std::string_view data) {
  return WriteFileAtomic(env, path, [data](WritableFile& f) { return f.Append({&data, 1}); });
}

}  // namespace otter::store
