// Helpers shared by the RainTree engine tests: a membership of numbered nodes and action
// filters.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "protocol/engine.hpp"

namespace rt::protocol::testing {

// Node ids whose first byte is the rank, so rank r (1-based) sorts at index r - 1.
inline NodeId node(int rank) {
  NodeId::Bytes bytes{};
  bytes[0] = static_cast<std::uint8_t>(rank >> 8);
  bytes[1] = static_cast<std::uint8_t>(rank);
  return NodeId(bytes);
}

inline int rank_of(const NodeId& id) {
  return id.bytes()[0] << 8 | id.bytes()[1];
}

// n members; roles[i] (when given) is the role of rank i + 1.
inline MembershipPtr members(int n, const std::vector<std::string>& roles = {}) {
  std::vector<Member> list;
  for (int r = 1; r <= n; ++r) {
    Member m;
    m.id = node(r);
    m.port = static_cast<std::uint16_t>(40000 + r);
    if (!roles.empty()) m.role = roles[r - 1];
    list.push_back(m);
  }
  return std::make_shared<const Membership>(std::move(list));
}

inline EngineConfig config_for(int rank, MembershipPtr membership) {
  EngineConfig config;
  config.self = node(rank);
  config.membership = std::move(membership);
  return config;
}

inline std::vector<Send> sends(const Actions& actions) {
  std::vector<Send> out;
  for (const Action& a : actions) {
    if (const auto* s = std::get_if<Send>(&a)) out.push_back(*s);
  }
  return out;
}

template <typename T>
int count_of(const Actions& actions) {
  int n = 0;
  for (const Action& a : actions) n += std::holds_alternative<T>(a);
  return n;
}

inline BroadcastRequest request(std::uint64_t id, std::string group = "all") {
  BroadcastRequest r;
  r.id = MessageId{id};
  r.group = std::move(group);
  r.payload = std::make_shared<wire::Bytes>(100, 7);
  return r;
}

}  // namespace rt::protocol::testing
