#include "net/inbound_budget.hpp"

#include <gtest/gtest.h>

namespace rt::net {
namespace {

using namespace std::chrono_literals;
using Clock = InboundBudget::Clock;

TEST(InboundBudget, ABurstIsAllowedThenTheRateRefillsIt) {
  const auto t0 = Clock::time_point{} + 1h;
  InboundBudget budget({100, 10, 0, 0}, t0);
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(budget.spend(1000, t0)) << i;
  EXPECT_FALSE(budget.spend(1, t0)) << "the burst is spent";
  EXPECT_FALSE(budget.spend(1, t0 + 5ms)) << "half a frame refilled";
  EXPECT_TRUE(budget.spend(1, t0 + 10ms)) << "one frame refilled at 100 frames/s";
  EXPECT_FALSE(budget.spend(1, t0 + 10ms));
  // A long silence refills up to the burst, not beyond.
  const auto later = t0 + 1h;
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(budget.spend(1, later)) << i;
  EXPECT_FALSE(budget.spend(1, later));
}

TEST(InboundBudget, BytesAreBudgetedApartAndARefusedFrameSpendsNothing) {
  const auto t0 = Clock::time_point{} + 1h;
  InboundBudget budget({0, 0, 1000, 3000}, t0);
  EXPECT_TRUE(budget.spend(2500, t0));
  EXPECT_FALSE(budget.spend(1000, t0)) << "500 bytes left";
  EXPECT_TRUE(budget.spend(500, t0)) << "the refused frame took nothing";
  EXPECT_FALSE(budget.spend(1, t0));
  EXPECT_TRUE(budget.spend(1000, t0 + 1s));
  // No frame limit: many small frames are fine while bytes last.
  for (int i = 0; i < 3000; ++i) ASSERT_TRUE(budget.spend(1, t0 + 10s)) << i;
}

TEST(InboundBudget, ZeroRatesMeanNoLimit) {
  const auto t0 = Clock::time_point{} + 1h;
  InboundBudget budget({0, 0, 0, 0}, t0);
  for (int i = 0; i < 100000; ++i) ASSERT_TRUE(budget.spend(1u << 20, t0)) << i;
  EXPECT_EQ(budget.describe(), "no frames limit, no bytes limit");
}

TEST(InboundBudget, DescribeNamesBothBudgets) {
  const InboundBudget budget({20000, 40000, 1024, 2048}, Clock::now());
  EXPECT_EQ(budget.describe(), "20000 frames/s (bursts of 40000), 1024 bytes/s (bursts of 2048)");
}

}  // namespace
}  // namespace rt::net
