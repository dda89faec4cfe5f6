// Completion and SplitCompletion: what a fan-out answers its receiver — the worst error, or OK
// with the branches' partial rejections summed and their messages joined.
#include "component/completion.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace otter {
namespace {

// The status a split completion finally answers, if it has answered.
struct Answer {
  std::optional<Status> status;
  Completion Capture() {
    return Completion([this](Status s) { status = std::move(s); });
  }
};

TEST(SplitCompletionTest, PartialRejectionsAreSummedAndMessagesJoined) {
  Answer a;
  auto parts = SplitCompletion(a.Capture(), 4);
  ASSERT_EQ(parts.size(), 4u);
  parts[0](Status::PartialSuccess(3, "metric \"a\": delta temporality is not supported"));
  parts[1](Status::Ok());
  parts[2](Status::PartialSuccess(2, "metric \"b\": exponential histograms are not supported"));
  EXPECT_FALSE(a.status.has_value()) << "answered before every branch did";
  // The same reason from another branch is said once.
  parts[3](Status::PartialSuccess(1, "metric \"a\": delta temporality is not supported"));
  ASSERT_TRUE(a.status.has_value());
  EXPECT_TRUE(a.status->ok());
  EXPECT_TRUE(a.status->partial());
  EXPECT_EQ(a.status->rejected_items(), 6u);
  EXPECT_EQ(a.status->message(),
            "metric \"a\": delta temporality is not supported; "
            "metric \"b\": exponential histograms are not supported");
}

TEST(SplitCompletionTest, AllPlainOkIsPlainOk) {
  Answer a;
  auto parts = SplitCompletion(a.Capture(), 2);
  parts[0](Status::Ok());
  parts[1](Status::Ok());
  ASSERT_TRUE(a.status.has_value());
  EXPECT_TRUE(a.status->ok());
  EXPECT_FALSE(a.status->partial());
  EXPECT_EQ(a.status->rejected_items(), 0u);
  EXPECT_EQ(a.status->message(), "");
}

TEST(SplitCompletionTest, AWarningWithoutRejectionsIsKept) {
  Answer a;
  auto parts = SplitCompletion(a.Capture(), 2);
  parts[0](Status::Ok());
  parts[1](Status::PartialSuccess(0, "attribute truncated"));
  ASSERT_TRUE(a.status.has_value());
  EXPECT_TRUE(a.status->partial());
  EXPECT_EQ(a.status->rejected_items(), 0u);
  EXPECT_EQ(a.status->message(), "attribute truncated");
}

TEST(SplitCompletionTest, AnErrorWinsOverPartialSuccessAndPermanentOverRetryable) {
  Answer a;
  auto parts = SplitCompletion(a.Capture(), 3);
  parts[0](Status::PartialSuccess(5, "not kept"));
  parts[1](Unavailable("queue full"));
  parts[2](InvalidArgument("bad span"));
  ASSERT_TRUE(a.status.has_value());
  EXPECT_EQ(a.status->code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(a.status->rejected_items(), 0u);
  EXPECT_EQ(a.status->message(), "bad span");
}

TEST(SplitCompletionTest, JoinedMessageIsBounded) {
  Answer a;
  constexpr size_t kBranches = 100;
  auto parts = SplitCompletion(a.Capture(), kBranches);
  for (size_t i = 0; i < kBranches; ++i)
    parts[i](Status::PartialSuccess(
        1, "metric \"m" + std::to_string(i) + "\": delta temporality is not supported"));
  ASSERT_TRUE(a.status.has_value());
  EXPECT_EQ(a.status->rejected_items(), kBranches);
  const std::string m(a.status->message());
  EXPECT_LE(m.size(), kMaxPartialMessageBytes + 5);
  EXPECT_EQ(m.rfind("; ..."), m.size() - 5) << m;
  EXPECT_EQ(m.find("metric \"m0\""), 0u) << m;
}

TEST(SplitCompletionTest, OneWayPassesThePartialSuccessThrough) {
  Answer a;
  auto parts = SplitCompletion(a.Capture(), 1);
  parts[0](Status::PartialSuccess(2, "why"));
  ASSERT_TRUE(a.status.has_value());
  EXPECT_EQ(a.status->rejected_items(), 2u);
  EXPECT_EQ(a.status->message(), "why");
}

TEST(CompletionTest, DroppedWithoutAnswerIsInternal) {
  Answer a;
  { Completion c = a.Capture(); }
  ASSERT_TRUE(a.status.has_value());
  EXPECT_EQ(a.status->code(), StatusCode::kInternal);
}

}  // namespace
}  // namespace otter
