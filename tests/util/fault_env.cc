#include "util/fault_env.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>

namespace otter::testing {

namespace fs = std::filesystem;

class FaultEnv::File final : public store::WritableFile {
 public:
  File(FaultEnv* env, std::unique_ptr<store::WritableFile> base)
      : env_(env), base_(std::move(base)) {}
  Status Append(std::span<const std::string_view> pieces) override {
    return env_->Append(*this, pieces);
  }
  Status Sync() override { return env_->Sync(*this); }
  Status Truncate(uint64_t size) override { return env_->Truncate(*this, size); }
  int fd() const override { return base_->fd(); }
  const std::string& path() const override { return base_->path(); }
  store::WritableFile& base() { return *base_; }

 private:
  FaultEnv* env_;
  std::unique_ptr<store::WritableFile> base_;
};

class FaultEnv::Readable final : public store::ReadableFile {
 public:
  Readable(FaultEnv* env, std::string path, std::unique_ptr<store::ReadableFile> base)
      : env_(env), path_(std::move(path)), base_(std::move(base)) {}
  Status ReadAt(uint64_t offset, size_t n, char* out) const override {
    RETURN_IF_ERROR(env_->ReadFault(path_));
    return base_->ReadAt(offset, n, out);
  }
  uint64_t size() const override { return base_->size(); }
  int fd() const override { return base_->fd(); }

 private:
  FaultEnv* env_;
  std::string path_;
  std::unique_ptr<store::ReadableFile> base_;
};

namespace {

uint64_t SizeOf(const std::string& path) {
  std::error_code ec;
  uint64_t n = fs::file_size(path, ec);
  return ec ? 0 : n;
}

std::string ParentOf(const std::string& path) { return fs::path(path).parent_path().string(); }

}  // namespace

FaultEnv::FaultEnv(uint64_t seed, store::Env* base) : base_(base), rng_(seed) {}

void FaultEnv::InjectAt(uint64_t op, Fault fault) {
  std::lock_guard lock(mu_);
  scheduled_[ops_ + op] = fault;
}

void FaultEnv::SetDiskFull(bool full) {
  std::lock_guard lock(mu_);
  disk_full_ = full;
}

uint64_t FaultEnv::ops() const {
  std::lock_guard lock(mu_);
  return ops_;
}

bool FaultEnv::power_lost() const {
  std::lock_guard lock(mu_);
  return dead_;
}

void FaultEnv::InjectOnPath(std::string part, Fault fault) {
  std::lock_guard lock(mu_);
  on_path_.emplace_back(std::move(part), fault);
}

bool FaultEnv::NextFault(const std::string& path, Fault* fault) {
  uint64_t op = ops_++;
  if (dead_) {
    *fault = Fault::kPowerLoss;
    return true;
  }
  auto it = scheduled_.find(op);
  auto on = std::find_if(on_path_.begin(), on_path_.end(),
                         [&](const auto& f) { return path.find(f.first) != std::string::npos; });
  if (it != scheduled_.end()) {
    *fault = it->second;
    scheduled_.erase(it);
  } else if (on != on_path_.end()) {
    *fault = on->second;
    on_path_.erase(on);
  } else {
    return false;
  }
  if (*fault == Fault::kPowerLoss) dead_ = true;
  return true;
}

Status FaultEnv::Failure(const std::string& what, const std::string& path, Fault fault) const {
  const char* why = fault == Fault::kPowerLoss    ? "power lost (injected)"
                    : fault == Fault::kShortWrite ? "No space left on device (injected)"
                                                  : "Input/output error (injected)";
  return Unavailable(what + " " + path + ": " + why);
}

FaultEnv::FileState& FaultEnv::Track(const std::string& path) {
  auto [it, added] = files_.try_emplace(path);
  if (added) {
    // Known before this env saw it: durable as it is.
    it->second.synced = SizeOf(path);
    it->second.entry_durable = true;
  }
  return it->second;
}

StatusOr<std::unique_ptr<store::WritableFile>> FaultEnv::OpenForAppend(const std::string& path,
                                                                       bool truncate) {
  std::lock_guard lock(mu_);
  Fault f;
  if (NextFault(path, &f)) return Failure("open", path, f);
  bool existed = fs::exists(path);
  ASSIGN_OR_RETURN(auto file, base_->OpenForAppend(path, truncate));
  if (!existed) {
    files_[path] = FileState{};
  } else {
    FileState& st = Track(path);
    if (truncate) st.synced = 0;
  }
  return std::unique_ptr<store::WritableFile>(new File(this, std::move(file)));
}

Status FaultEnv::Append(File& file, std::span<const std::string_view> pieces) {
  std::lock_guard lock(mu_);
  Fault f;
  bool faulted = NextFault(file.path(), &f);
  if (!faulted && disk_full_) {
    faulted = true;
    f = Fault::kShortWrite;
  }
  if (!faulted) return file.base().Append(pieces);
  if (f == Fault::kShortWrite) {
    // Some prefix of the bytes reaches the file before the error.
    uint64_t total = 0;
    for (auto p : pieces) total += p.size();
    uint64_t keep = total ? rng_() % total : 0;
    std::vector<std::string_view> prefix;
    for (auto p : pieces) {
      if (keep == 0) break;
      prefix.push_back(p.substr(0, std::min<uint64_t>(keep, p.size())));
      keep -= prefix.back().size();
    }
    (void)file.base().Append(prefix);
  }
  return Failure("write", file.path(), f);
}

Status FaultEnv::Sync(File& file) {
  std::lock_guard lock(mu_);
  Fault f;
  if (NextFault(file.path(), &f)) {
    if (f == Fault::kSyncKept) Track(file.path()).synced = SizeOf(file.path());
    return Failure("fdatasync", file.path(), f);
  }
  // Durability is what this env tracks, so the real fdatasync is not needed (and would make the
  // schedules slow).
  struct stat st {};
  if (::fstat(file.fd(), &st) == 0) Track(file.path()).synced = static_cast<uint64_t>(st.st_size);
  return Status::Ok();
}

Status FaultEnv::Truncate(File& file, uint64_t size) {
  std::lock_guard lock(mu_);
  Fault f;
  if (NextFault(file.path(), &f)) return Failure("truncate", file.path(), f);
  RETURN_IF_ERROR(file.base().Truncate(size));
  FileState& st = Track(file.path());
  st.synced = std::min(st.synced, size);
  return Status::Ok();
}

Status FaultEnv::ReadFault(const std::string& path) {
  std::lock_guard lock(mu_);
  Fault f;
  if (NextFault(path, &f)) return Failure("read", path, f);
  return Status::Ok();
}

StatusOr<std::unique_ptr<store::ReadableFile>> FaultEnv::OpenForRead(const std::string& path) {
  RETURN_IF_ERROR(ReadFault(path));
  ASSIGN_OR_RETURN(auto file, base_->OpenForRead(path));
  return std::unique_ptr<store::ReadableFile>(new Readable(this, path, std::move(file)));
}

StatusOr<std::string> FaultEnv::ReadFile(const std::string& path) {
  RETURN_IF_ERROR(ReadFault(path));
  return base_->ReadFile(path);
}

StatusOr<std::string> FaultEnv::ReadPrefix(const std::string& path, size_t n) {
  RETURN_IF_ERROR(ReadFault(path));
  return base_->ReadPrefix(path, n);
}

Status FaultEnv::TruncateFile(const std::string& path, uint64_t size) {
  std::lock_guard lock(mu_);
  Fault f;
  if (NextFault(path, &f)) return Failure("truncate", path, f);
  FileState& st = Track(path);
  RETURN_IF_ERROR(base_->TruncateFile(path, size));
  st.synced = std::min(st.synced, size);
  return Status::Ok();
}

Status FaultEnv::RenameFile(const std::string& from, const std::string& to) {
  std::lock_guard lock(mu_);
  Fault f;
  if (NextFault(from, &f)) return Failure("rename", from, f);
  Rename undo{to, false, {}};
  if (fs::exists(to)) {
    auto old = base_->ReadFile(to);
    if (old.ok()) {
      undo.had_old = true;
      undo.old_content = std::move(*old);
    }
  }
  FileState moved = Track(from);
  RETURN_IF_ERROR(base_->RenameFile(from, to));
  files_.erase(from);
  moved.entry_durable = false;
  files_[to] = moved;
  renames_.push_back(std::move(undo));
  return Status::Ok();
}

Status FaultEnv::RemoveFile(const std::string& path) {
  std::lock_guard lock(mu_);
  Fault f;
  if (NextFault(path, &f)) return Failure("remove", path, f);
  RETURN_IF_ERROR(base_->RemoveFile(path));
  files_.erase(path);
  return Status::Ok();
}

Status FaultEnv::SyncDir(const std::string& dir) {
  std::lock_guard lock(mu_);
  Fault f;
  if (NextFault(dir, &f)) return Failure("fsync", dir, f);
  std::string norm = fs::path(dir).lexically_normal().string();
  for (auto& [path, st] : files_) {
    if (fs::path(ParentOf(path)).lexically_normal().string() == norm) st.entry_durable = true;
  }
  std::erase_if(renames_, [&](const Rename& r) {
    return fs::path(ParentOf(r.to)).lexically_normal().string() == norm;
  });
  return Status::Ok();
}

Status FaultEnv::CreateDirs(const std::string& dir) {
  std::lock_guard lock(mu_);
  Fault f;
  if (NextFault(dir, &f)) return Failure("mkdir", dir, f);
  return base_->CreateDirs(dir);
}

void FaultEnv::PowerLoss(bool torn) {
  std::lock_guard lock(mu_);
  // Renames whose directory was not synced are undone, newest first.
  for (auto it = renames_.rbegin(); it != renames_.rend(); ++it) {
    std::error_code ec;
    if (it->had_old) {
      (void)store::WriteFileAtomic(*base_, it->to, it->old_content);
      files_[it->to] = FileState{it->old_content.size(), true};
    } else {
      fs::remove(it->to, ec);
      files_.erase(it->to);
    }
  }
  renames_.clear();
  for (auto& [path, st] : files_) {
    std::error_code ec;
    if (!st.entry_durable) {
      fs::remove(path, ec);
      continue;
    }
    uint64_t size = SizeOf(path);
    if (size <= st.synced) continue;
    uint64_t keep = st.synced;
    if (torn) keep += rng_() % (size - st.synced + 1);
    fs::resize_file(path, keep, ec);
  }
  files_.clear();
  scheduled_.clear();
  on_path_.clear();
  dead_ = false;
  disk_full_ = false;
}

}  // namespace otter::testing
