// LokiTail: Loki's live tail (/loki/api/v1/tail over a WebSocket). A tail first sends the last
// `limit` stored entries since `start` that pass its query, then every newly stored entry that
// passes, oldest first, each held back `delay_for` seconds so that entries arriving a little out
// of order still go out in order. A client that reads too slowly loses entries: they are listed
// (timestamp and labels) in the `dropped_entries` of the next message, as Loki does.
//
// Thread-safety: Open/Stop from any thread. The store's writer thread hands new entries to each
// tail (its watch); one pump thread runs the queries' pipelines and writes the messages.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <thread>

#include "common/status.h"
#include "net/http_server.h"
#include "query/logql/ast.h"
#include "store/querier.h"

namespace otter::query {

struct TailRequest {
  std::shared_ptr<const logql::Expr> expr;  // a log query
  size_t limit = 100;                       // entries of history
  int64_t start_ns = 0;                     // history from here to now
  int64_t delay_ns = 0;                     // delay_for
  bool categorize_labels = false;           // X-Loki-Response-Encoding-Flags: categorize-labels
};

class LokiTail {
 public:
  struct Options {
    size_t max_tails = 10;                            // max_concurrent_tail_requests
    std::chrono::milliseconds max_duration{3600000};  // tail_max_duration
    // Entries of one tail waiting for its pipeline and its delay; more are dropped (and listed).
    size_t max_buffered = 10000;
    std::chrono::milliseconds history_timeout{std::chrono::minutes(1)};
    size_t max_history_entries = 5'000'000;  // the history query's scan budget
    std::chrono::milliseconds poll{100};     // how often new entries are sent
    // Unix nanoseconds "now"; the system clock when empty.
    std::function<int64_t()> now_ns;
  };

  LokiTail(store::LogQuerier& querier, Options options);
  ~LokiTail();  // Stop()s
  LokiTail(const LokiTail&) = delete;
  LokiTail& operator=(const LokiTail&) = delete;

  // Starts tailing into `socket`. InvalidArgument (Loki's wording) when max_tails are open.
  Status Open(TailRequest request, std::shared_ptr<net::WebSocket> socket);
  // Closes every tail (close code 1001) and stops the pump thread. Idempotent.
  void Stop();

  size_t active() const;

  // Loki caps each message at 100 entries and the dropped-entry list at 1000.
  static constexpr size_t kMaxEntriesPerMessage = 100;
  static constexpr size_t kMaxDroppedPerMessage = 1000;

 private:
  struct Session;
  void Pump();
  // One pass over a session: history (once), new entries through the pipeline, ready entries
  // out. False when the session is over.
  bool Serve(Session& s, std::chrono::steady_clock::time_point now);
  Status SendHistory(Session& s);
  int64_t Now() const;

  store::LogQuerier& querier_;
  Options options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::list<std::shared_ptr<Session>> sessions_;  // GUARDED_BY(mu_)
  bool stopping_ = false;                         // GUARDED_BY(mu_)
  std::thread pump_;                              // started with the first tail
};

}  // namespace otter::query
