#include "protocol/raintree_math.hpp"

namespace rt::protocol::raintree {

int levels(std::uint64_t n) {
  // Compare against growing powers of 3 instead of taking a logarithm. The power is kept in
  // 128 bits so that 3^41 (the first power above 2^64) does not wrap.
  int level = 0;
  unsigned __int128 power = 1;
  while (power < n) {
    power *= 3;
    ++level;
  }
  return level;
}

std::uint64_t pocket_list_size(std::uint64_t n, int total_levels, int level) {
  const int k = total_levels - level;
  if (k <= 0) return n;
  // Overflow: k <= levels(n) <= 41 for any 64-bit n, so n * 2^k < 2^64 * 2^41 = 2^105 and
  // 3^k < 3^41 < 2^66 both fit in unsigned __int128. Multiplying first and dividing once keeps
  // the result exactly floor(n * 2^k / 3^k) (step-wise floor((2/3) floor(...)) would differ,
  // e.g. n = 7, k = 2 gives 2 instead of 3).
  unsigned __int128 numerator = n;
  unsigned __int128 denominator = 1;
  for (int i = 0; i < k; ++i) {
    numerator *= 2;
    denominator *= 3;
  }
  return static_cast<std::uint64_t>(numerator / denominator);
}

std::array<std::uint64_t, 2> pocket_targets(std::uint64_t n, int total_levels, int level) {
  const std::uint64_t s = pocket_list_size(n, total_levels, level);
  // s <= n < 2^64, so 2 * s may need a 65th bit: divide in 128 bits.
  const auto twice = static_cast<unsigned __int128>(s) * 2;
  return {s / 3, static_cast<std::uint64_t>(twice / 3)};
}

Split split_range(std::uint64_t size) {
  Split split;
  if (size <= 1) {
    split.self_size = size;
    return split;
  }
  split.self_size = size / 3 + (size % 3 != 0);  // ceil(size / 3) without overflow
  const std::uint64_t rest = size - split.self_size;
  const std::uint64_t first = rest / 2 + rest % 2;
  split.first = {split.self_size, first};
  split.second = {split.self_size + first, rest - first};
  return split;
}

std::vector<Child> range_children(std::uint64_t size) {
  std::vector<Child> children;
  for (std::uint64_t current = size; current > 1;) {
    const int level = levels(current);
    const Split split = split_range(current);
    if (split.first.size) children.push_back({split.first, level});
    if (split.second.size) children.push_back({split.second, level});
    current = split.self_size;
  }
  return children;
}

}  // namespace rt::protocol::raintree
