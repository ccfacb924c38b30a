// The random peer overlay of mode `random` (Pocket v0-style gossip).
//
// Pocket v0 paired peers at random: every node keeps a few random connections and gossips each
// new message to all of them. We model that as a random k-out graph over a group's sorted
// member list: member i picks k distinct others with a generator seeded from its own id, and
// links are two-way (i's neighbours are its picks plus everyone who picked i). Every node
// derives the same graph from the same address book, so nothing has to be exchanged. Random
// k-out graphs with k >= 2 are connected with high probability; to make coverage certain in
// the fault-free case we check connectivity and join any stray component to the next one in
// sorted order.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "protocol/membership.hpp"

namespace rt::protocol {

class RandomOverlay {
 public:
  // ids: the group's members in ascending order. k >= ids.size() - 1 makes a full mesh.
  RandomOverlay(const std::vector<NodeId>& ids, int k);

  // Indices (into the group's sorted ids) of member `index`'s neighbours, ascending.
  const std::vector<std::uint32_t>& neighbours(std::uint32_t index) const {
    return neighbours_[index];
  }
  std::size_t size() const { return neighbours_.size(); }

 private:
  std::vector<std::vector<std::uint32_t>> neighbours_;
};

// The overlay of `group` in `membership` for picks `k`, built once and shared by every engine
// of this process that asks for the same (membership, group, k) — in the simulator that is
// every node.
std::shared_ptr<const RandomOverlay> shared_overlay(const MembershipPtr& membership,
                                                    std::string_view group, int k);

// Default picks per node: max(3, ceil(sqrt(group size))).
int default_fanout(std::size_t group_size);

}  // namespace rt::protocol
