// Address books of random ids for engine tests (the order of ranks then differs per seed,
// as in a real cluster).
#pragma once

#include <memory>
#include <random>
#include <vector>

#include "protocol/membership.hpp"

namespace rt::protocol {

inline NodeId random_id(std::mt19937_64& rng) {
  NodeId::Bytes b{};
  for (auto& x : b) x = static_cast<std::uint8_t>(rng());
  return NodeId(b);
}

// n members; the first `servicers` created get role servicer, the rest validator.
inline MembershipPtr make_members(int n, std::uint64_t seed, int servicers = 0) {
  std::mt19937_64 rng(seed);
  std::vector<Member> members;
  for (int i = 0; i < n; ++i) {
    members.push_back({random_id(rng), i < servicers ? "servicer" : "validator", "127.0.0.1",
                       static_cast<std::uint16_t>(40000 + i)});
  }
  return std::make_shared<const Membership>(std::move(members));
}

}  // namespace rt::protocol
