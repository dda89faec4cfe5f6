// The persistent half of SendingQueue (sending_queue.storage): opening and resuming the queue,
// storing a request before it is answered, and the writer thread's answer.
#include <spdlog/spdlog.h>

#include <system_error>

#include "component/storage.h"
#include "exporters/exporterhelper/persistent_queue.h"
#include "exporters/exporterhelper/sending_queue.h"

namespace otter::exporterhelper {

class SendingQueue::StoreWrite final : public PersistentQueue::PendingWrite {
 public:
  StoreWrite(SendingQueue* queue, Entry entry) : queue_(queue), entry_(std::move(entry)) {}
  void Done(Status status, uint64_t id) override {
    queue_->Stored(std::move(entry_), std::move(status), id);
  }
  Entry& entry() { return entry_; }

 private:
  SendingQueue* queue_;
  Entry entry_;
};

Status SendingQueue::Start() {
  const QueueSettings& q = settings_.queue;
  if (!q.enabled || q.storage.empty()) return Status::Ok();
  if (!decoder_)
    return FailedPrecondition("sending_queue.storage: the " + ctx_.id.type +
                              " exporter cannot keep its queue on disk");
  ASSIGN_OR_RETURN(StorageExtension * ext,
                   FindStorageExtension(ctx_, q.storage, "sending_queue.storage"));
  auto dir = ext->GetQueueDirectory(ctx_.kind, ctx_.id, SignalName(signal_));
  if (!dir.ok()) return dir.status().Annotate("sending_queue.storage " + q.storage);

  PersistentQueue::Options o;
  o.dir = dir->path;
  o.fsync = dir->fsync;
  o.lock_timeout = dir->lock_timeout;
  o.logger = log_;
  o.env = storage_env_;
  if (storage_segment_bytes_ > 0) o.segment_bytes = storage_segment_bytes_;
  std::vector<PersistentQueue::Stored> stored;
  PersistentQueue::Stats stats;
  auto opened = PersistentQueue::Open(o, &stored, &stats);
  if (!opened.ok()) return opened.status().Annotate("sending_queue.storage " + q.storage);
  std::unique_ptr<PersistentQueue> store = std::move(*opened);

  std::deque<Entry> resumed;
  size_t units = 0, items = 0;
  for (PersistentQueue::Stored& s : stored) {
    const uint64_t id = s.id;
    const size_t n = s.items;
    auto request = decoder_(std::move(s.body));
    if (!request.ok()) {
      // It can never be sent: count it as failed and let it go.
      log_->error("persistent queue {}: dropping a stored request of {}: {}", o.dir, ItemWords(n),
                  request.status().message());
      counters_.Failed(n);
      store->Commit(id);
      continue;
    }
    const size_t u = q.items_sizer() ? n : 1;
    resumed.push_back(Entry{std::move(*request), n, u, {}, id});
    units += u;
    items += n;
  }
  if (!resumed.empty())
    log_->info("persistent queue {}: resuming {} requests ({}) left by the last run", o.dir,
               resumed.size(), ItemWords(items));

  std::lock_guard lock(mu_);
  store_ = std::move(store);
  for (Entry& e : resumed) queue_.push_back(std::move(e));
  queued_units_ += units;
  if (queue_size_) queue_size_->Set(static_cast<int64_t>(queued_units_));
  try {
    StartWorkersLocked();
  } catch (const std::system_error& e) {
    return Unavailable(std::string("cannot start sender threads: ") + e.what());
  }
  work_cv_.notify_all();
  return Status::Ok();
}

void SendingQueue::SubmitStored(Entry e) {
  auto write = std::make_unique<StoreWrite>(this, std::move(e));
  write->record = PersistentQueue::NewRecord(static_cast<uint32_t>(write->entry().items));
  if (!write->entry().request->Encode(&write->record)) {
    write->Done(Internal("this request cannot be stored"), 0);
    return;
  }
  store_->Write(std::move(write));
}

void SendingQueue::Stored(Entry e, Status s, uint64_t id) {
  const bool answer_now = !settings_.queue.wait_for_result;
  std::unique_lock lock(mu_);
  storing_units_ -= e.units;
  idle_cv_.notify_all();  // Shutdown waits for writes on their way
  if (!s.ok()) {
    space_cv_.notify_one();
    lock.unlock();
    Refuse(e.items, std::move(s), std::move(e.done));
    return;
  }
  e.record = id;
  Completion done;
  if (answer_now) done = std::move(e.done);
  queued_units_ += e.units;
  queue_.push_back(std::move(e));
  if (queue_size_) queue_size_->Set(static_cast<int64_t>(queued_units_));
  work_cv_.notify_one();
  lock.unlock();
  if (answer_now) done(Status::Ok());
}

}  // namespace otter::exporterhelper
