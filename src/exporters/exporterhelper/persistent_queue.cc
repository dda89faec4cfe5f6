#include "exporters/exporterhelper/persistent_queue.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>

#include "store/file_util.h"

namespace otter::exporterhelper {
namespace {

constexpr uint8_t kFormatVersion = 1;

Status LockDirectory(const std::string& dir, std::chrono::milliseconds timeout, int* fd) {
  const std::string path = dir + "/LOCK";
  *fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (*fd < 0) return Unavailable("open " + path + ": " + std::strerror(errno));
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (::flock(*fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK || std::chrono::steady_clock::now() >= deadline) {
      ::close(*fd);
      *fd = -1;
      return Unavailable("lock " + path + ": the queue is in use by another process (timeout)");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return Status::Ok();
}

}  // namespace

std::string PersistentQueue::NewRecord(uint32_t items) {
  std::string r(kRequestHeader, '\0');
  r[0] = static_cast<char>(kFormatVersion);
  store::StoreLE32(r.data() + 9, items);
  return r;
}

StatusOr<std::unique_ptr<PersistentQueue>> PersistentQueue::Open(Options options,
                                                                 std::vector<Stored>* pending,
                                                                 Stats* stats) {
  if (!options.env) options.env = store::PosixEnv();
  std::unique_ptr<PersistentQueue> q(new PersistentQueue(std::move(options)));
  const Options& o = q->options_;
  RETURN_IF_ERROR(o.env->CreateDirs(o.dir));
  RETURN_IF_ERROR(LockDirectory(o.dir, o.lock_timeout, &q->lock_fd_));

  // Replay: requests by id (with their segment), minus the committed ones.
  std::map<uint64_t, std::pair<Stored, uint64_t>> found;
  std::set<uint64_t> committed;
  std::set<uint64_t> segments;
  uint64_t max_id = 0, unreadable = 0;
  auto replay = [&](uint8_t type, std::string_view payload, uint64_t segment) -> Status {
    segments.insert(segment);
    if (payload.empty() || static_cast<uint8_t>(payload[0]) != kFormatVersion) {
      ++unreadable;  // a future format: cannot happen without a downgrade; keep going
      return Status::Ok();
    }
    if (type == kRequestRecord && payload.size() >= kRequestHeader) {
      Stored s;
      s.id = store::LoadLE64(payload.data() + 1);
      s.items = store::LoadLE32(payload.data() + 9);
      s.body.assign(payload.substr(kRequestHeader));
      max_id = std::max(max_id, s.id);
      found[s.id] = {std::move(s), segment};
    } else if (type == kCommitRecord && (payload.size() - 1) % 8 == 0) {
      for (size_t at = 1; at < payload.size(); at += 8)
        committed.insert(store::LoadLE64(payload.data() + at));
    } else {
      ++unreadable;
    }
    return Status::Ok();
  };
  store::Wal::Options wo;
  wo.dir = o.dir;
  wo.segment_bytes = o.segment_bytes;
  wo.sync = o.fsync;
  wo.logger = o.logger;
  wo.env = o.env;
  Stats st;
  ASSIGN_OR_RETURN(q->wal_, store::Wal::Open(wo, 0, replay, &st.replay));
  if (unreadable > 0)
    o.logger->error("persistent queue {}: {} records of an unknown format skipped", o.dir,
                    unreadable);

  pending->clear();
  for (auto& [id, entry] : found) {
    if (committed.count(id)) {
      ++st.committed;
      continue;
    }
    q->segment_of_[id] = entry.second;
    ++q->open_in_[entry.second];
    pending->push_back(std::move(entry.first));
  }
  st.pending = pending->size();
  for (uint64_t s : segments) q->open_in_.emplace(s, 0);
  q->next_id_ = max_id + 1;
  q->current_segment_ = q->wal_->current_segment();
  q->open_in_.emplace(q->current_segment_, 0);
  q->disk_bytes_ = q->wal_->size_bytes();
  // Segments that hold nothing uncommitted any more (all their requests were sent before the
  // restart, but a still-pending older one kept them) can go now.
  if (uint64_t upto = q->RemovablePrefixLocked(); upto > 0) {
    if (Status s = q->wal_->RemoveUpTo(upto); !s.ok())
      o.logger->warn("persistent queue {}: {}", o.dir, s.message());
    q->open_in_.erase(q->open_in_.begin(), q->open_in_.upper_bound(upto));
    q->disk_bytes_ = q->wal_->size_bytes();
  }
  if (stats) *stats = st;
  q->writer_ = std::thread([p = q.get()] { p->WriterLoop(); });
  return q;
}

PersistentQueue::~PersistentQueue() { Close(); }

void PersistentQueue::Write(std::unique_ptr<PendingWrite> write) {
  {
    std::lock_guard l(mu_);
    if (!closing_) {
      writes_.push_back(std::move(write));
      cv_.notify_one();
      return;
    }
  }
  write->Done(Unavailable("the persistent queue is closed"), 0);
}

void PersistentQueue::Commit(uint64_t id) {
  std::lock_guard l(mu_);
  auto it = segment_of_.find(id);
  if (it == segment_of_.end()) return;
  auto seg = open_in_.find(it->second);
  if (seg != open_in_.end() && seg->second > 0) --seg->second;
  segment_of_.erase(it);
  if (commits_.empty()) commit_due_ = std::chrono::steady_clock::now() + options_.commit_delay;
  commits_.push_back(id);
  cv_.notify_one();
}

uint64_t PersistentQueue::RemovablePrefixLocked() const {
  uint64_t upto = 0;
  for (const auto& [segment, open] : open_in_) {
    if (open > 0 || segment >= current_segment_) break;
    upto = segment;
  }
  return upto;
}

void PersistentQueue::Close() {
  {
    std::lock_guard l(mu_);
    closing_ = true;
    cv_.notify_all();
  }
  if (writer_.joinable()) writer_.join();
  // Another instance (a reload, the next start in a test) may open the directory now.
  wal_.reset();
  if (lock_fd_ >= 0) ::close(lock_fd_);
  lock_fd_ = -1;
}

uint64_t PersistentQueue::disk_bytes() const {
  std::lock_guard l(mu_);
  return disk_bytes_;
}

size_t PersistentQueue::live_segments() const {
  std::lock_guard l(mu_);
  return open_in_.size();
}

uint64_t PersistentQueue::groups_written() const {
  std::lock_guard l(mu_);
  return groups_;
}

Status PersistentQueue::WriteGroup(std::vector<std::unique_ptr<PendingWrite>>& writes,
                                   const std::vector<uint64_t>& commits, std::vector<uint64_t>* ids,
                                   uint64_t* segment) {
  // After a failed write the segment's tail is unknown; Recover seals it at its last good byte
  // and starts the next one (and fails again while the disk is still full).
  if (wal_->degraded()) RETURN_IF_ERROR(wal_->Recover());
  *segment = wal_->current_segment();
  ids->clear();
  for (auto& w : writes) {
    const uint64_t id = next_id_++;
    store::StoreLE64(w->record.data() + 1, id);
    ids->push_back(id);
    if (Status s = wal_->AppendRef(kRequestRecord, w->record); !s.ok()) {
      wal_->Discard();
      return s;
    }
  }
  std::string commit_record;
  if (!commits.empty()) {
    commit_record.resize(1 + 8 * commits.size());
    commit_record[0] = static_cast<char>(kFormatVersion);
    for (size_t i = 0; i < commits.size(); ++i)
      store::StoreLE64(commit_record.data() + 1 + 8 * i, commits[i]);
    RETURN_IF_ERROR(wal_->AppendRef(kCommitRecord, commit_record));
  }
  return wal_->Sync();  // one write + (fsync: true) one fdatasync for the whole group
}

void PersistentQueue::WriterLoop() {
  std::vector<std::unique_ptr<PendingWrite>> writes;
  std::vector<uint64_t> commits, ids;
  std::unique_lock l(mu_);
  for (;;) {
    if (writes_.empty()) {
      if (commits_.empty()) {
        if (closing_) return;
        cv_.wait(l);
        continue;
      }
      if (!closing_ && std::chrono::steady_clock::now() < commit_due_) {
        cv_.wait_until(l, commit_due_);
        continue;
      }
    }
    writes.swap(writes_);
    commits.swap(commits_);
    l.unlock();

    uint64_t segment = 0;
    Status s = WriteGroup(writes, commits, &ids, &segment);
    if (!s.ok() && !s.retryable()) s = Unavailable(std::string(s.message()));
    if (!s.ok()) {
      s = s.Annotate("persistent queue " + options_.dir + ": cannot store the request");
    }
    const uint64_t now_segment = wal_->current_segment();

    l.lock();
    ++groups_;
    current_segment_ = now_segment;
    open_in_.emplace(now_segment, 0);
    if (s.ok()) {
      for (uint64_t id : ids) segment_of_[id] = segment;
      open_in_[segment] += ids.size();
    } else if (!commits.empty() && !closing_) {
      // Lost commit records only mean a resend after a restart; try them with the next group.
      commits_.insert(commits_.end(), commits.begin(), commits.end());
      commit_due_ = std::chrono::steady_clock::now() + options_.commit_delay;
    }
    const uint64_t upto = RemovablePrefixLocked();
    if (upto > 0) open_in_.erase(open_in_.begin(), open_in_.upper_bound(upto));
    l.unlock();

    if (upto > 0) {
      if (Status r = wal_->RemoveUpTo(upto); !r.ok())
        options_.logger->warn("persistent queue {}: {}", options_.dir, r.message());
    }
    for (size_t i = 0; i < writes.size(); ++i) writes[i]->Done(s, s.ok() ? ids[i] : 0);
    writes.clear();
    commits.clear();

    l.lock();
    disk_bytes_ = wal_->size_bytes();
  }
}

}  // namespace otter::exporterhelper
