// Small POSIX file helpers for the store: whole-file reads, full writes, fsync of files and
// directories, atomic replace, little-endian integer packing. Stateless; thread-safe.
#pragma once

#include <cstdint>
#include <cstring>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "common/status.h"

namespace otter::store {

StatusOr<std::string> ReadFile(const std::string& path);
// Writes all of `data` to `fd` (retrying short writes); errors name `path`.
Status WriteAll(int fd, std::string_view data, const std::string& path);
// The same for pieces written one after another (writev; empty pieces are skipped).
Status WriteAllV(int fd, std::span<const std::string_view> pieces, const std::string& path);
Status SyncDir(const std::string& dir);
Status CreateDirs(const std::string& dir);
// Writes `data` to path.tmp, fsyncs it, renames it over `path` and fsyncs the directory: after a
// crash either the old or the new file is there, never a torn one.
Status WriteFileAtomic(const std::string& path, std::string_view data);
// The same with the content written by `fill` to the descriptor of path.tmp (named in errors by
// the second argument); when `fill` fails, path.tmp is removed and its status returned.
Status WriteFileAtomic(const std::string& path,
                       const std::function<Status(int fd, const std::string& tmp)>& fill);
// pread of exactly `n` bytes at `offset`.
Status ReadAt(int fd, uint64_t offset, size_t n, char* out, const std::string& path);

inline void StoreLE32(char* p, uint32_t v) { std::memcpy(p, &v, 4); }  // x86-64/arm64 are LE
inline void StoreLE64(char* p, uint64_t v) { std::memcpy(p, &v, 8); }
inline uint32_t LoadLE32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
inline uint64_t LoadLE64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

}  // namespace otter::store
