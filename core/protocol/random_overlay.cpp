#include "protocol/random_overlay.hpp"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <numeric>
#include <string>

namespace rt::protocol {
namespace {

// splitmix64: a small, well-mixed generator; the same on every platform, so every node
// computes the same overlay.
std::uint64_t splitmix(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::uint64_t seed_of(const NodeId& id) {
  std::uint64_t seed = 0;
  for (std::size_t i = 0; i < 8; ++i) seed = seed << 8 | id.bytes()[i];
  return seed ^ 0x72616e646f6d21ULL;  // "random!": keeps overlays apart from other id hashes
}

std::uint32_t find_root(std::vector<std::uint32_t>& parent, std::uint32_t x) {
  while (parent[x] != x) x = parent[x] = parent[parent[x]];
  return x;
}

}  // namespace

RandomOverlay::RandomOverlay(const std::vector<NodeId>& ids, int k) {
  const auto n = static_cast<std::uint32_t>(ids.size());
  neighbours_.resize(n);
  const auto picks = static_cast<std::uint32_t>(std::clamp<std::int64_t>(k, 0, n ? n - 1 : 0));
  auto link = [&](std::uint32_t a, std::uint32_t b) {
    neighbours_[a].push_back(b);
    neighbours_[b].push_back(a);
  };
  for (std::uint32_t i = 0; i < n; ++i) {
    if (picks == n - 1) {
      for (std::uint32_t j = i + 1; j < n; ++j) link(i, j);
      continue;
    }
    // Rejection sampling of `picks` distinct others; picks < n - 1 keeps it short.
    std::uint64_t state = seed_of(ids[i]);
    std::vector<std::uint32_t> chosen;
    while (chosen.size() < picks) {
      const auto j = static_cast<std::uint32_t>(splitmix(state) % n);
      if (j != i && std::find(chosen.begin(), chosen.end(), j) == chosen.end()) {
        chosen.push_back(j);
      }
    }
    for (std::uint32_t j : chosen) link(i, j);
  }
  for (auto& list : neighbours_) {
    std::sort(list.begin(), list.end());
    list.erase(std::unique(list.begin(), list.end()), list.end());
  }
  // Join stray components so that a fault-free broadcast always reaches everyone.
  std::vector<std::uint32_t> parent(n);
  std::iota(parent.begin(), parent.end(), 0u);
  for (std::uint32_t a = 0; a < n; ++a) {
    for (std::uint32_t b : neighbours_[a]) parent[find_root(parent, a)] = find_root(parent, b);
  }
  for (std::uint32_t a = 1; a < n; ++a) {
    if (find_root(parent, a) != find_root(parent, a - 1)) {
      parent[find_root(parent, a)] = find_root(parent, a - 1);
      auto insert_sorted = [](std::vector<std::uint32_t>& v, std::uint32_t x) {
        v.insert(std::upper_bound(v.begin(), v.end(), x), x);
      };
      insert_sorted(neighbours_[a], a - 1);
      insert_sorted(neighbours_[a - 1], a);
    }
  }
}

std::shared_ptr<const RandomOverlay> shared_overlay(const MembershipPtr& membership,
                                                    std::string_view group, int k) {
  struct Entry {
    MembershipPtr membership;  // held so that the pointer key cannot be reused
    std::string group;
    int k;
    std::shared_ptr<const RandomOverlay> overlay;
  };
  static std::mutex mutex;
  static std::vector<Entry> cache;  // a few entries: one per (address book, group) in use
  constexpr std::size_t kMaxEntries = 8;

  std::lock_guard lock(mutex);
  for (const Entry& e : cache) {
    if (e.membership == membership && e.group == group && e.k == k) return e.overlay;
  }
  auto overlay = std::make_shared<const RandomOverlay>(membership->group(group), k);
  if (cache.size() == kMaxEntries) cache.erase(cache.begin());
  cache.push_back({membership, std::string(group), k, overlay});
  return overlay;
}

int default_fanout(std::size_t group_size) {
  const int root = static_cast<int>(std::ceil(std::sqrt(static_cast<double>(group_size))));
  return std::max(3, root);
}

}  // namespace rt::protocol
