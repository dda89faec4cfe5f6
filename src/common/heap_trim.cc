#include "common/heap_trim.h"

#include <malloc.h>

#include <algorithm>
#include <cstdlib>

namespace otter {

bool ConfigureMalloc() {
  if (std::getenv("GLIBC_TUNABLES") != nullptr) return false;
  // One arena: every arena keeps its own free memory and top pad (with a thread per connection
  // glibc would otherwise open up to 8 per core), and the receivers' threads hand batches to each
  // other anyway. A second arena cost 10-20 MiB of peak RSS and bought no throughput measurably
  // with two cores busy (BENCHMARKS.md, "Footprint").
  mallopt(M_ARENA_MAX, 1);
  // Batches are allocated and freed in bursts; by default glibc gives the heap top back to the OS
  // after each and page-faults it in again, which cost 5-10x in decode benchmarks. Keep it while
  // busy; HeapTrimPolicy gives it back once the load drops.
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TOP_PAD, 16 << 20);
  return true;
}

HeapSample SampleHeap() {
  struct mallinfo2 mi = mallinfo2();
  return HeapSample{mi.arena + mi.hblkhd, mi.uordblks + mi.hblkhd};
}

size_t TrimHeap() {
  const HeapSample before = SampleHeap();
  malloc_trim(0);
  // mallinfo2's arena figure counts trimmed heap tops only; pages released in the middle of an
  // arena stay counted, so this is a lower bound.
  const HeapSample after = SampleHeap();
  return before.held > after.held ? before.held - after.held : 0;
}

bool HeapTrimPolicy::ShouldTrim(const HeapSample& s) {
  peak_in_use_ = std::max(peak_in_use_, s.in_use);
  const size_t recent_peak = std::max(peak_in_use_, prev_peak_);
  if (++ticks_ >= window_) {
    prev_peak_ = peak_in_use_;
    peak_in_use_ = s.in_use;
    ticks_ = 0;
  }
  const size_t free = s.held > s.in_use ? s.held - s.in_use : 0;
  if (free < min_free_ || free < s.in_use || s.in_use * 2 > recent_peak) return false;
  // Once trimmed, the peak restarts from here: the next trim needs a new burst.
  peak_in_use_ = prev_peak_ = s.in_use;
  ticks_ = 0;
  return true;
}

}  // namespace otter
