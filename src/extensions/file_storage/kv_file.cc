#include "extensions/file_storage/kv_file.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <thread>

namespace otter::file_storage {
namespace {

constexpr char kMagic[8] = {'o', 't', 't', 'e', 'r', 'k', 'v', '1'};
constexpr size_t kRecordHeader = 8;  // u32 payload length, u32 crc32 of the payload
constexpr uint8_t kSet = 1, kDelete = 2;

std::string Errno(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

void PutU32(std::string* out, uint32_t v) {
  char b[4] = {static_cast<char>(v), static_cast<char>(v >> 8), static_cast<char>(v >> 16),
               static_cast<char>(v >> 24)};
  out->append(b, 4);
}

uint32_t GetU32(const char* p) {
  auto u = [&](int i) { return static_cast<uint32_t>(static_cast<uint8_t>(p[i])); };
  return u(0) | u(1) << 8 | u(2) << 16 | u(3) << 24;
}

uint32_t Crc(std::string_view s) {
  return static_cast<uint32_t>(
      crc32(0, reinterpret_cast<const Bytef*>(s.data()), static_cast<uInt>(s.size())));
}

// A record: header + payload of ops.
std::string EncodeRecord(const std::vector<StorageClient::Op>& ops) {
  std::string payload;
  for (const auto& op : ops) {
    payload.push_back(static_cast<char>(op.kind == StorageClient::Op::Kind::kSet ? kSet : kDelete));
    PutU32(&payload, static_cast<uint32_t>(op.key.size()));
    payload += op.key;
    if (op.kind == StorageClient::Op::Kind::kSet) {
      PutU32(&payload, static_cast<uint32_t>(op.value.size()));
      payload += op.value;
    }
  }
  std::string rec;
  rec.reserve(kRecordHeader + payload.size());
  PutU32(&rec, static_cast<uint32_t>(payload.size()));
  PutU32(&rec, Crc(payload));
  rec += payload;
  return rec;
}

// Decodes a payload into ops; false when malformed.
bool DecodePayload(std::string_view p, std::vector<StorageClient::Op>* ops) {
  size_t i = 0;
  auto str = [&](std::string* out) {
    if (p.size() - i < 4) return false;
    uint32_t n = GetU32(p.data() + i);
    i += 4;
    if (p.size() - i < n) return false;
    out->assign(p.data() + i, n);
    i += n;
    return true;
  };
  while (i < p.size()) {
    StorageClient::Op op;
    uint8_t kind = static_cast<uint8_t>(p[i++]);
    if (kind != kSet && kind != kDelete) return false;
    op.kind = kind == kSet ? StorageClient::Op::Kind::kSet : StorageClient::Op::Kind::kDelete;
    if (!str(&op.key)) return false;
    if (kind == kSet && !str(&op.value)) return false;
    ops->push_back(std::move(op));
  }
  return true;
}

Status WriteAll(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Unavailable(Errno("write", path));
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

Status SyncDir(const std::string& path) {
  std::string dir = std::filesystem::path(path).parent_path().string();
  int d = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (d < 0) return Unavailable(Errno("open directory", dir));
  int r = ::fsync(d);
  ::close(d);
  return r == 0 ? Status::Ok() : Unavailable(Errno("fsync directory", dir));
}

}  // namespace

StatusOr<std::unique_ptr<KvFile>> KvFile::Open(const std::string& path, Options options) {
  std::unique_ptr<KvFile> kv(new KvFile(path, options));
  kv->fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (kv->fd_ < 0) return Unavailable(Errno("open", path));
  auto deadline = std::chrono::steady_clock::now() + options.lock_timeout;
  while (::flock(kv->fd_, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK || std::chrono::steady_clock::now() >= deadline)
      return Unavailable("lock " + path + ": held by another process (timeout)");
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  RETURN_IF_ERROR(kv->Load());
  if (options.compact_on_open) RETURN_IF_ERROR(kv->Compact());
  return kv;
}

KvFile::~KvFile() {
  if (fd_ >= 0) ::close(fd_);
}

Status KvFile::Load() {
  struct stat st;
  if (::fstat(fd_, &st) != 0) return Unavailable(Errno("stat", path_));
  std::string buf(static_cast<size_t>(st.st_size), '\0');
  size_t got = 0;
  while (got < buf.size()) {
    ssize_t n = ::pread(fd_, buf.data() + got, buf.size() - got, static_cast<off_t>(got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  buf.resize(got);
  if (buf.size() < sizeof kMagic) {
    // New (or torn before its header was complete): start over.
    if (::ftruncate(fd_, 0) != 0) return Unavailable(Errno("truncate", path_));
    RETURN_IF_ERROR(WriteAll(fd_, std::string_view(kMagic, sizeof kMagic), path_));
    if (::fsync(fd_) != 0) return Unavailable(Errno("fsync", path_));
    RETURN_IF_ERROR(SyncDir(path_));
    size_ = sizeof kMagic;
    return Status::Ok();
  }
  if (std::memcmp(buf.data(), kMagic, sizeof kMagic) != 0)
    return DataLoss(path_ + " is not a file_storage file (bad magic)");
  size_t at = sizeof kMagic;
  while (buf.size() - at >= kRecordHeader) {
    uint32_t n = GetU32(buf.data() + at);
    uint32_t crc = GetU32(buf.data() + at + 4);
    if (buf.size() - at - kRecordHeader < n) break;
    std::string_view payload(buf.data() + at + kRecordHeader, n);
    std::vector<StorageClient::Op> ops;
    if (Crc(payload) != crc || !DecodePayload(payload, &ops)) break;
    for (auto& op : ops) {
      if (op.kind == StorageClient::Op::Kind::kSet)
        data_[op.key] = std::move(op.value);
      else
        data_.erase(op.key);
    }
    at += kRecordHeader + n;
  }
  size_ = at;
  if (at < buf.size()) {
    dropped_tail_ = buf.size() - at;
    if (::ftruncate(fd_, static_cast<off_t>(at)) != 0) return Unavailable(Errno("truncate", path_));
  }
  if (::lseek(fd_, static_cast<off_t>(size_), SEEK_SET) < 0)
    return Unavailable(Errno("seek", path_));
  return Status::Ok();
}

std::optional<std::string> KvFile::Get(std::string_view key) const {
  std::lock_guard lock(mu_);
  auto it = data_.find(key);
  if (it == data_.end()) return std::nullopt;
  return it->second;
}

Status KvFile::Apply(const std::vector<StorageClient::Op>& ops) {
  if (ops.empty()) return Status::Ok();
  std::string rec = EncodeRecord(ops);
  std::lock_guard lock(mu_);
  if (fd_ < 0) return FailedPrecondition(path_ + " is closed");
  if (Status s = WriteAll(fd_, rec, path_); !s.ok()) {
    // Cut a partial record off so the log stays well-formed for later appends.
    if (::ftruncate(fd_, static_cast<off_t>(size_)) == 0)
      (void)::lseek(fd_, static_cast<off_t>(size_), SEEK_SET);
    return s;
  }
  if (options_.fsync && ::fdatasync(fd_) != 0) return Unavailable(Errno("fdatasync", path_));
  size_ += rec.size();
  for (const auto& op : ops) {
    if (op.kind == StorageClient::Op::Kind::kSet)
      data_[op.key] = op.value;
    else
      data_.erase(op.key);
  }
  if (size_ > options_.compact_min_bytes && size_ > 4 * LiveBytesLocked()) return CompactLocked();
  return Status::Ok();
}

Status KvFile::Compact() {
  std::lock_guard lock(mu_);
  return CompactLocked();
}

uint64_t KvFile::LiveBytesLocked() const {
  uint64_t n = sizeof kMagic + kRecordHeader;
  for (const auto& [k, v] : data_) n += 9 + k.size() + v.size();
  return n;
}

Status KvFile::CompactLocked() {
  std::vector<StorageClient::Op> ops;
  ops.reserve(data_.size());
  for (const auto& [k, v] : data_) ops.push_back({StorageClient::Op::Kind::kSet, k, v});
  std::string content(kMagic, sizeof kMagic);
  if (!ops.empty()) content += EncodeRecord(ops);
  const std::string tmp = path_ + ".compact";
  int fd = ::open(tmp.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Unavailable(Errno("open", tmp));
  Status s = WriteAll(fd, content, tmp);
  if (s.ok() && ::fsync(fd) != 0) s = Unavailable(Errno("fsync", tmp));
  if (s.ok() && ::flock(fd, LOCK_EX | LOCK_NB) != 0) s = Unavailable(Errno("lock", tmp));
  if (s.ok() && ::rename(tmp.c_str(), path_.c_str()) != 0) s = Unavailable(Errno("rename", tmp));
  if (!s.ok()) {
    ::close(fd);
    ::unlink(tmp.c_str());
    return s;
  }
  RETURN_IF_ERROR(SyncDir(path_));
  ::close(fd_);
  fd_ = fd;
  size_ = content.size();
  if (::lseek(fd_, static_cast<off_t>(size_), SEEK_SET) < 0)
    return Unavailable(Errno("seek", path_));
  return Status::Ok();
}

size_t KvFile::entries() const {
  std::lock_guard lock(mu_);
  return data_.size();
}

uint64_t KvFile::file_bytes() const {
  std::lock_guard lock(mu_);
  return size_;
}

}  // namespace otter::file_storage
