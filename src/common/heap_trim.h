// Heap policy of the otter process: how glibc malloc is set up at start-up, and a janitor that
// gives freed heap back to the OS once load has dropped.
// otter keeps freed memory while it is busy (re-faulting pages costs more than the decode they
// serve on small VMs, see BENCHMARKS.md), but caps the number of malloc arenas (each keeps its
// own free memory) and trims when what is held is far above what is in use and the use has
// fallen from its recent peak, so RSS returns near the idle figure after a burst.
// Thread-safety: ConfigureMalloc before any thread starts; a HeapTrimPolicy belongs to one thread.
#pragma once

#include <cstddef>
#include <cstdint>

namespace otter {

// Sets malloc's arena count and trim/mmap thresholds for a long-running collector, unless the
// user set GLIBC_TUNABLES (then their settings apply unchanged). Returns false in that case.
bool ConfigureMalloc();

struct HeapSample {
  size_t held = 0;    // bytes malloc holds from the OS (arenas + mmapped chunks)
  size_t in_use = 0;  // bytes in allocated chunks
};

// mallinfo2() summed over every arena. Takes each arena's lock briefly: call it at ~1 Hz.
HeapSample SampleHeap();
// malloc_trim(0): returns free pages of every arena to the OS. Returns the bytes no longer held.
size_t TrimHeap();

// Decides, from one sample per tick, when a trim is worth its page faults: the free memory held
// is at least `min_free` and at least what is in use, and the use is at most half of its peak
// over the last `window` ticks (load has dropped; a steady load keeps its working set).
class HeapTrimPolicy {
 public:
  static constexpr size_t kDefaultMinFree = 8u << 20;
  static constexpr int kDefaultWindow = 10;
  explicit HeapTrimPolicy(size_t min_free = kDefaultMinFree, int window = kDefaultWindow)
      : min_free_(min_free), window_(window) {}

  bool ShouldTrim(const HeapSample& s);

 private:
  size_t min_free_;
  int window_;
  size_t peak_in_use_ = 0;  // over the current window
  size_t prev_peak_ = 0;    // over the previous window
  int ticks_ = 0;
};

}  // namespace otter
