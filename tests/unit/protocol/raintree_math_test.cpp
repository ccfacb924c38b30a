#include "protocol/raintree_math.hpp"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <limits>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace rt::protocol::raintree {
namespace {

TEST(RaintreeLevels, MatchTheIssueTable) {
  const std::vector<std::pair<std::uint64_t, int>> table = {
      {1, 0},  {2, 1},  {3, 1},  {4, 2},  {9, 2},      {10, 3},
      {27, 3}, {28, 4}, {81, 4}, {82, 5}, {59049, 10}, {59050, 11}};
  for (const auto& [n, l] : table) EXPECT_EQ(levels(n), l) << "N=" << n;
  EXPECT_EQ(levels(0), 0);
}

TEST(RaintreeLevels, ExactAtEveryPowerOfThreeUpTo64Bits) {
  std::uint64_t power = 1;
  for (int k = 0; k <= 40; ++k) {
    EXPECT_EQ(levels(power), k);
    EXPECT_EQ(levels(power + 1), k + 1);
    if (power > 1) EXPECT_EQ(levels(power - 1), k);
    power *= 3;
  }
  EXPECT_EQ(levels(std::numeric_limits<std::uint64_t>::max()), 41);
}

TEST(PocketListSize, IsFloorOfNTimesTwoThirdsToTheK) {
  EXPECT_EQ(pocket_list_size(8, 2, 2), 8u);
  EXPECT_EQ(pocket_list_size(8, 2, 1), 5u);
  EXPECT_EQ(pocket_list_size(27, 3, 1), 12u);
  // Step-wise flooring would give 2 here; the exact value is floor(28 / 9) = 3.
  EXPECT_EQ(pocket_list_size(7, 2, 0), 3u);
  // 3^k * (2/3)^k = 2^k exactly, even where doubles would round.
  std::uint64_t power = 1;
  for (int k = 0; k <= 40; ++k, power *= 3) EXPECT_EQ(pocket_list_size(power, k, 0), 1ull << k);
  // No overflow at the top of the range: (2/3)^41 is about 6.0e-8.
  const std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
  EXPECT_LT(pocket_list_size(max, 41, 0), max / 1'000'000);
  EXPECT_GT(pocket_list_size(max, 41, 0), max / 100'000'000);
}

TEST(PocketTargets, PerLevelForSmallN) {
  struct Row {
    std::uint64_t n;
    int level;
    std::uint64_t first, second;
  };
  // Derived by hand from s = floor(N (2/3)^(L-l)), targets floor(s/3), floor(2s/3).
  const std::vector<Row> rows = {
      {2, 1, 0, 1},  {3, 1, 1, 2},   {4, 2, 1, 2},   {4, 1, 0, 1},  {8, 2, 2, 5},
      {8, 1, 1, 3},  {9, 2, 3, 6},   {9, 1, 2, 4},   {10, 3, 3, 6}, {10, 2, 2, 4},
      {10, 1, 1, 2}, {27, 3, 9, 18}, {27, 2, 6, 12}, {27, 1, 4, 8},
  };
  for (const Row& row : rows) {
    const auto targets = pocket_targets(row.n, levels(row.n), row.level);
    EXPECT_EQ(targets[0], row.first) << "N=" << row.n << " level " << row.level;
    EXPECT_EQ(targets[1], row.second) << "N=" << row.n << " level " << row.level;
  }
}

TEST(SplitRange, ChildrenPartitionTheRangeWithinLHops) {
  for (std::uint64_t size = 1; size <= 3000; ++size) {
    std::vector<int> covered(size, 0);
    int depth = 0;
    // Walk the whole tree a head of `size` builds, counting who is reached and how deep.
    std::function<void(std::uint64_t, std::uint64_t, int)> walk = [&](std::uint64_t head,
                                                                      std::uint64_t n, int d) {
      ++covered[head];
      depth = std::max(depth, d);
      for (const Child& child : range_children(n)) {
        EXPECT_LE(levels(child.range.size), child.level - 1);
        walk(head + child.range.offset, child.range.size, d + 1);
      }
    };
    walk(0, size, 0);
    for (std::uint64_t i = 0; i < size; ++i) ASSERT_EQ(covered[i], 1) << "size " << size;
    ASSERT_LE(depth, levels(size)) << "size " << size;
    // At N = 3^k (the last size with k levels) the deepest path is exactly k hops.
    if (levels(size) != levels(size + 1)) ASSERT_EQ(depth, levels(size)) << "size " << size;
  }
}

TEST(SplitRange, SendsTheLargestLevelFirst) {
  const auto children = range_children(27);
  ASSERT_EQ(children.size(), 6u);
  EXPECT_EQ(children[0].range.offset, 9u);
  EXPECT_EQ(children[0].range.size, 9u);
  EXPECT_EQ(children[1].range.offset, 18u);
  EXPECT_EQ(children[0].level, 3);
  EXPECT_EQ(children[2].range.offset, 3u);
  EXPECT_EQ(children[4].range.offset, 1u);
  EXPECT_EQ(children[5].range.offset, 2u);
  EXPECT_EQ(children[5].level, 1);
}

}  // namespace
}  // namespace rt::protocol::raintree
