#include "common/heap_trim.h"

#include <gtest/gtest.h>

#include <vector>

#include "common/sanitizers.h"

namespace otter {
namespace {

constexpr size_t kMiB = 1 << 20;

HeapSample Sample(size_t held_mib, size_t in_use_mib) {
  return HeapSample{held_mib * kMiB, in_use_mib * kMiB};
}

TEST(HeapTrimPolicyTest, SteadyLoadIsNeverTrimmed) {
  HeapTrimPolicy p(8 * kMiB, 10);
  // Busy: the use swings between 30 and 50 MiB of 100 MiB held.
  for (int i = 0; i < 60; ++i) EXPECT_FALSE(p.ShouldTrim(Sample(100, i % 2 ? 30 : 50))) << i;
}

TEST(HeapTrimPolicyTest, TrimsOnceWhenLoadDrops) {
  HeapTrimPolicy p(8 * kMiB, 10);
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(p.ShouldTrim(Sample(100, 50)));
  EXPECT_TRUE(p.ShouldTrim(Sample(100, 2)));  // use fell to under half its peak
  // Trimmed pages in an arena's middle still count as held: no trim again until a new burst.
  for (int i = 0; i < 30; ++i) EXPECT_FALSE(p.ShouldTrim(Sample(100, 2))) << i;
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(p.ShouldTrim(Sample(100, 40)));
  EXPECT_TRUE(p.ShouldTrim(Sample(100, 3)));
}

TEST(HeapTrimPolicyTest, SmallOrTightHeapsAreLeftAlone) {
  HeapTrimPolicy p(8 * kMiB, 10);
  EXPECT_FALSE(p.ShouldTrim(Sample(12, 10)));
  EXPECT_FALSE(p.ShouldTrim(Sample(7, 1)));  // use fell, but only 6 MiB are free
  HeapTrimPolicy q(8 * kMiB, 10);
  EXPECT_FALSE(q.ShouldTrim(Sample(40, 30)));
  EXPECT_FALSE(q.ShouldTrim(Sample(26, 14)));  // 12 MiB free, less than the 14 in use
  EXPECT_TRUE(q.ShouldTrim(Sample(26, 12)));   // 14 MiB free, more than the 12 in use
}

TEST(HeapTrimPolicyTest, ThePeakAgesOutAfterTwoWindows) {
  HeapTrimPolicy p(8 * kMiB, 4);
  EXPECT_FALSE(p.ShouldTrim(Sample(100, 60)));
  // The use settles at 35 MiB: above half of 60 while the peak is recent...
  for (int i = 0; i < 7; ++i) EXPECT_FALSE(p.ShouldTrim(Sample(100, 35))) << i;
  // ...then the peak of the last two windows is 35, and 10 MiB is under half of it.
  EXPECT_TRUE(p.ShouldTrim(Sample(100, 10)));
}

TEST(HeapTrimPolicyTest, SampleAndTrimReportTheProcessHeap) {
#if OTTER_ASAN
  GTEST_SKIP() << "ASan replaces malloc: mallinfo2 does not see its heap";
#endif
  std::vector<char*> blocks;
  for (int i = 0; i < 64; ++i) blocks.push_back(new char[64 * 1024]);
  const HeapSample busy = SampleHeap();
  EXPECT_GE(busy.in_use, 64u * 64 * 1024);
  EXPECT_GE(busy.held, busy.in_use);
  for (char* b : blocks) delete[] b;
  TrimHeap();
  EXPECT_LT(SampleHeap().in_use, busy.in_use);
}

}  // namespace
}  // namespace otter
