#include "extensions/file_storage/extension.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "extensions/file_storage/kv_file.h"

namespace otter::file_storage {
namespace {

class FileClient final : public StorageClient {
 public:
  explicit FileClient(std::unique_ptr<KvFile> kv) : kv_(std::move(kv)) {}
  StatusOr<std::optional<std::string>> Get(std::string_view key) override { return kv_->Get(key); }
  Status Batch(const std::vector<Op>& ops) override { return kv_->Apply(ops); }

 private:
  std::unique_ptr<KvFile> kv_;
};

bool Safe(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '-' || c == '_';
}

}  // namespace

FileStorageExtension::FileStorageExtension(const ComponentContext& ctx,
                                           const FileStorageConfig& config)
    : ctx_(ctx), config_(config) {}

std::string FileStorageExtension::ClientFileName(ComponentKind kind, const ComponentId& id,
                                                 std::string_view name) {
  std::string raw = std::string(ComponentKindName(kind)) + "_" + id.type + "_" + id.name;
  if (!name.empty()) raw += "_" + std::string(name);
  std::string out;
  for (size_t i = 0; i < raw.size();) {
    unsigned char c = static_cast<unsigned char>(raw[i]);
    if (Safe(c)) {
      out.push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    // One UTF-8 code point (a malformed byte stands for itself).
    uint32_t cp = c;
    size_t len = 1;
    if (c >= 0xC0 && c < 0xE0)
      cp = c & 0x1F, len = 2;
    else if (c >= 0xE0 && c < 0xF0)
      cp = c & 0x0F, len = 3;
    else if (c >= 0xF0 && c < 0xF8)
      cp = c & 0x07, len = 4;
    if (i + len > raw.size()) len = 1, cp = c;
    for (size_t k = 1; k < len; ++k) cp = cp << 6 | (static_cast<unsigned char>(raw[i + k]) & 0x3F);
    char buf[16];
    std::snprintf(buf, sizeof buf, "~%04X", cp);
    out += buf;
    i += len;
  }
  return out;
}

Status FileStorageExtension::Start() {
  namespace fs = std::filesystem;
  if (config_.create_directory) {
    mode_t mode = static_cast<mode_t>(std::stoul(config_.directory_permissions, nullptr, 8));
    for (const std::string& dir : {config_.directory, config_.compaction.directory}) {
      if (dir.empty()) continue;
      std::error_code ec;
      fs::path p(dir);
      fs::path built;
      for (const auto& part : p) {
        built /= part;
        if (!fs::exists(built, ec) && ::mkdir(built.c_str(), mode) != 0 && errno != EEXIST)
          return Unavailable("create_directory " + built.string() + ": " + std::strerror(errno));
      }
    }
  }
  if (config_.compaction.cleanup_on_start) {
    std::error_code ec;
    const std::string dir =
        config_.compaction.directory.empty() ? config_.directory : config_.compaction.directory;
    for (const auto& e : fs::directory_iterator(dir, ec))
      if (e.path().extension() == ".compact") fs::remove(e.path(), ec);
  }
  return Status::Ok();
}

StatusOr<std::unique_ptr<StorageClient>> FileStorageExtension::GetClient(ComponentKind kind,
                                                                         const ComponentId& id,
                                                                         std::string_view name) {
  std::string path =
      (std::filesystem::path(config_.directory) / ClientFileName(kind, id, name)).string();
  KvFile::Options o;
  o.fsync = config_.fsync;
  o.compact_on_open = config_.compaction.on_start;
  o.lock_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(config_.timeout);
  ASSIGN_OR_RETURN(auto kv, KvFile::Open(path, o));
  if (kv->recovered_tail_bytes() > 0 && ctx_.logger)
    ctx_.logger->warn("{}: cut off a torn tail of {} bytes (a crash during a write)", path,
                      kv->recovered_tail_bytes());
  return std::unique_ptr<StorageClient>(std::make_unique<FileClient>(std::move(kv)));
}

StatusOr<QueueDirectory> FileStorageExtension::GetQueueDirectory(ComponentKind kind,
                                                                 const ComponentId& id,
                                                                 std::string_view name) {
  QueueDirectory q;
  q.path = (std::filesystem::path(config_.directory) / (ClientFileName(kind, id, name) + ".queue"))
               .string();
  q.fsync = config_.fsync;
  q.lock_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(config_.timeout);
  return q;
}

}  // namespace otter::file_storage
