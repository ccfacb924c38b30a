// Pure RainTree arithmetic shared by the `pocket` and `raintree` engines and their tests.
//
// Indices here are positions in a group's sorted id list *rotated so that self is at index 0*
// (the caller adds its own position modulo the group size). Everything is exact integer
// arithmetic: Pocket computed (2/3)^k with floating-point pow(), which makes targets depend on
// the platform; we never touch floating point.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

namespace rt::protocol::raintree {

// L = ceil(log3 n): the number of levels of a tree over n members (0 for n <= 1).
int levels(std::uint64_t n);

// Pocket's list size at `level` of a tree with `total_levels` levels over n members:
// s = floor(n * 2^k / 3^k) with k = total_levels - level.
std::uint64_t pocket_list_size(std::uint64_t n, int total_levels, int level);

// Pocket's two targets at `level`: rotated indices floor(s/3) and floor(2s/3). Index 0 is self
// (a demote, not a send).
std::array<std::uint64_t, 2> pocket_targets(std::uint64_t n, int total_levels, int level);

// The `raintree` mode partitions a range of `size` members that starts with self into three
// parts: self keeps the first ceil(size/3) (and splits it again at the next level), the two
// children take the next ceil(rest/2) and the remainder. Every part is at most ceil(size/3),
// so the tree has exactly levels(size) levels and covers the range exactly once.
struct Subrange {
  std::uint64_t offset = 0;  // relative to the head of the range being split
  std::uint64_t size = 0;    // 0: this child does not exist
};
struct Split {
  std::uint64_t self_size = 0;
  Subrange first;
  Subrange second;
};
Split split_range(std::uint64_t size);

// Every child the head of a range of `size` members serves directly, in send order (largest
// level first), with the level each pair is sent at. A node readjusting around an
// unresponsive target sends to exactly these.
struct Child {
  Subrange range;
  int level = 0;
};
std::vector<Child> range_children(std::uint64_t size);

}  // namespace rt::protocol::raintree
