#include <gtest/gtest.h>

#include <deque>
#include <map>
#include <random>
#include <set>

#include "protocol/random_gossip.hpp"
#include "random_members.hpp"

namespace rt::protocol {
namespace {

// Routes every Send synchronously, in FIFO order, between in-memory engines.
struct Network {
  std::map<NodeId, std::unique_ptr<Engine>> engines;
  std::map<NodeId, int> delivered;
  std::map<NodeId, int> received;
  int duplicates = 0;
  std::set<NodeId> dead;

  Network(const MembershipPtr& members, int fanout) {
    for (const Member& m : members->members()) {
      EngineConfig config;
      config.self = m.id;
      config.membership = members;
      config.fanout = fanout;
      engines[m.id] = make_engine("random", config);
    }
  }

  void run(const NodeId& origin, MessageId id, const std::string& group = "all") {
    std::deque<std::pair<NodeId, Action>> queue;
    Actions out;
    engines[origin]->broadcast(0, {id, group, std::make_shared<const wire::Bytes>(8, 1)}, out);
    for (auto& a : out) queue.emplace_back(origin, std::move(a));
    while (!queue.empty()) {
      auto [from, action] = std::move(queue.front());
      queue.pop_front();
      if (std::holds_alternative<Deliver>(action)) {
        ++delivered[from];
      } else if (auto* o = std::get_if<Observe>(&action)) {
        if (o->kind == wire::EventKind::duplicate) ++duplicates;
      } else if (auto* s = std::get_if<Send>(&action)) {
        EXPECT_NE(s->to, from) << "a node never sends to itself";
        if (dead.count(s->to)) continue;
        ++received[s->to];
        Actions next;
        engines[s->to]->on_message(0, from, s->message, next);
        for (auto& a : next) queue.emplace_back(s->to, std::move(a));
      }
    }
  }
};

TEST(RandomOverlay, IsSymmetricDeterministicAndConnected) {
  for (int n : {1, 2, 3, 5, 16, 100, 500}) {
    auto members = make_members(n, 100 + n);
    const auto& ids = members->group("all");
    RandomOverlay a(ids, default_fanout(ids.size()));
    RandomOverlay b(ids, default_fanout(ids.size()));
    std::vector<bool> seen(n, false);
    std::deque<std::uint32_t> frontier{0};
    seen[0] = true;
    for (std::uint32_t i = 0; i < static_cast<std::uint32_t>(n); ++i) {
      EXPECT_EQ(a.neighbours(i), b.neighbours(i));
      for (std::uint32_t j : a.neighbours(i)) {
        EXPECT_NE(i, j);
        const auto& back = a.neighbours(j);
        EXPECT_TRUE(std::binary_search(back.begin(), back.end(), i)) << i << "-" << j;
      }
    }
    while (!frontier.empty()) {
      const auto i = frontier.front();
      frontier.pop_front();
      for (std::uint32_t j : a.neighbours(i)) {
        if (!seen[j]) {
          seen[j] = true;
          frontier.push_back(j);
        }
      }
    }
    EXPECT_EQ(std::count(seen.begin(), seen.end(), true), n) << "n=" << n;
  }
}

TEST(RandomOverlay, EachNodeKeepsAtLeastItsOwnPicks) {
  auto members = make_members(64, 7);
  RandomOverlay overlay(members->group("all"), 3);
  for (std::uint32_t i = 0; i < overlay.size(); ++i) EXPECT_GE(overlay.neighbours(i).size(), 3u);
}

TEST(RandomGossip, EveryNodeDeliversExactlyOnceAndCopiesBecomeDuplicates) {
  auto members = make_members(16, 1);
  Network net(members, 0);
  const NodeId origin = members->members()[3].id;
  net.run(origin, MessageId{42});
  ASSERT_EQ(net.delivered.size(), 16u);
  for (auto& [id, count] : net.delivered) EXPECT_EQ(count, 1);
  int received = 0;
  for (auto& [id, count] : net.received) received += count;
  // Every copy beyond the first at each of the 15 receivers is a duplicate.
  EXPECT_EQ(net.duplicates, received - 15);
  EXPECT_GT(net.duplicates, 0);
}

TEST(RandomGossip, FloodSendsToEveryOtherMember) {
  auto members = make_members(6, 2);
  Network net(members, -1);
  net.run(members->members()[0].id, MessageId{1});
  int received = 0;
  for (auto& [id, count] : net.received) received += count;
  // The originator sends 5 copies, each of the 5 receivers forwards to the 4 others.
  EXPECT_EQ(received, 5 + 5 * 4);
}

TEST(RandomGossip, RestrictedGroupNeverReachesOutsiders) {
  auto members = make_members(20, 3, /*servicers=*/8);
  Network net(members, 0);
  NodeId origin;
  for (const Member& m : members->members()) {
    if (m.role == "validator") origin = m.id;
  }
  net.run(origin, MessageId{9}, "validators");
  for (const Member& m : members->members()) {
    if (m.role == "validator") {
      EXPECT_EQ(net.delivered[m.id], 1);
    } else {
      EXPECT_EQ(net.received[m.id], 0) << "servicer got validator traffic";
      EXPECT_EQ(net.delivered[m.id], 0);
    }
  }
}

TEST(RandomGossip, IgnoresMessagesThatAreNotGossip) {
  auto members = make_members(3, 4);
  EngineConfig config;
  config.self = members->members()[0].id;
  config.membership = members;
  auto engine = make_engine("random", config);
  Actions out;
  engine->on_message(0, members->members()[1].id, wire::Ack{MessageId{1}, 1}, out);
  engine->on_message(0, members->members()[1].id, wire::Heartbeat{5}, out);
  EXPECT_TRUE(out.empty());
}

TEST(SeenCacheTest, ForgetsTheOldestBeyondItsCapacity) {
  SeenCache cache(2);
  EXPECT_TRUE(cache.insert(MessageId{1}));
  EXPECT_FALSE(cache.insert(MessageId{1}));
  EXPECT_TRUE(cache.insert(MessageId{2}));
  EXPECT_TRUE(cache.insert(MessageId{3}));
  EXPECT_FALSE(cache.contains(MessageId{1}));
  EXPECT_TRUE(cache.contains(MessageId{3}));
  EXPECT_EQ(cache.size(), 2u);
}

}  // namespace
}  // namespace rt::protocol
