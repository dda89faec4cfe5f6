#include "store/file_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <filesystem>
#include <vector>

#include "store/env.h"

namespace otter::store {

namespace {
Status Errno(const std::string& what, const std::string& path) {
  return Unavailable(what + " " + path + ": " + std::strerror(errno));
}
}  // namespace

StatusOr<std::string> ReadFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Errno("open", path);
  // Read straight into a string of the file's size (WAL segments are up to 128 MiB: growing a
  // string chunk by chunk copied each one several times over). One byte more shows the end.
  struct stat st {};
  size_t size = ::fstat(fd, &st) == 0 && st.st_size > 0 ? static_cast<size_t>(st.st_size) : 0;
  std::string out(size + 1, '\0');
  size_t got = 0;
  while (true) {
    if (got == out.size()) out.resize(out.size() * 2);  // the file grew meanwhile
    ssize_t n = ::read(fd, out.data() + got, out.size() - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      Status s = Errno("read", path);
      ::close(fd);
      return s;
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  out.resize(got);
  return out;
}

Status WriteAll(int fd, std::string_view data, const std::string& path) {
  return WriteAllV(fd, {&data, 1}, path);
}

Status WriteAllV(int fd, std::span<const std::string_view> pieces, const std::string& path) {
  std::vector<iovec> iov;
  iov.reserve(pieces.size());
  for (std::string_view p : pieces)
    if (!p.empty()) iov.push_back({const_cast<char*>(p.data()), p.size()});
  size_t i = 0;
  while (i < iov.size()) {
    int n_iov = static_cast<int>(std::min<size_t>(iov.size() - i, IOV_MAX));
    ssize_t n = ::writev(fd, iov.data() + i, n_iov);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno("write", path);
    }
    // Skip what was written, which may end inside a piece.
    auto left = static_cast<size_t>(n);
    while (i < iov.size() && left >= iov[i].iov_len) left -= iov[i++].iov_len;
    if (left) {
      iov[i].iov_base = static_cast<char*>(iov[i].iov_base) + left;
      iov[i].iov_len -= left;
    }
  }
  return Status::Ok();
}

Status SyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Errno("open", dir);
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return Errno("fsync", dir);
  return Status::Ok();
}

Status CreateDirs(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Unavailable("create directory " + dir + ": " + ec.message());
  return Status::Ok();
}

Status WriteFileAtomic(const std::string& path, std::string_view data) {
  return WriteFileAtomic(*PosixEnv(), path, data);
}

Status WriteFileAtomic(const std::string& path,
                       const std::function<Status(int fd, const std::string& tmp)>& fill) {
  return WriteFileAtomic(*PosixEnv(), path,
                         [&](WritableFile& file) { return fill(file.fd(), file.path()); });
}

Status ReadAt(int fd, uint64_t offset, size_t n, char* out, const std::string& path) {
  while (n > 0) {
    ssize_t r = ::pread(fd, out, n, static_cast<off_t>(offset));
    if (r < 0) {
      if (errno == EINTR) continue;
      return Errno("read", path);
    }
    if (r == 0) return DataLoss("unexpected end of file in " + path);
    out += r;
    n -= static_cast<size_t>(r);
    offset += static_cast<uint64_t>(r);
  }
  return Status::Ok();
}

}  // namespace otter::store
