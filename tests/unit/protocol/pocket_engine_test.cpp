#include "protocol/pocket_engine.hpp"

#include <gtest/gtest.h>

#include "engine_test_support.hpp"
#include "protocol/raintree_math.hpp"

namespace rt::protocol {
namespace {

using namespace testing;

// (rank of target - origin rank) mod n for each send, in order, with the level sent.
std::vector<std::pair<int, int>> pattern(int n, int origin) {
  PocketEngine engine(config_for(origin, members(n)));
  Actions out;
  engine.broadcast(0, request(1), out);
  std::vector<std::pair<int, int>> result;
  for (const Send& s : sends(out)) {
    const auto& g = std::get<wire::Gossip>(s.message);
    result.emplace_back(((rank_of(s.to) - origin) % n + n) % n, g.level);
  }
  return result;
}

TEST(PocketEngine, OriginatorSendsLevelPairsFromLDownToOne) {
  // N = 8: level 2 targets rotated indices 2 and 5, level 1 indices 1 and 3.
  const std::vector<std::pair<int, int>> expected = {{2, 2}, {5, 2}, {1, 1}, {3, 1}};
  EXPECT_EQ(pattern(8, 1), expected);
  // N = 4: level 1 has s = 2, so its first target is index 0, a demote and not a send.
  const std::vector<std::pair<int, int>> four = {{1, 2}, {2, 2}, {1, 1}};
  EXPECT_EQ(pattern(4, 1), four);
  EXPECT_TRUE(pattern(1, 1).empty());
}

TEST(PocketEngine, RotationInvariance) {
  for (int n : {2, 3, 5, 8, 10, 27, 30, 100}) {
    const auto reference = pattern(n, 1);
    for (int origin = 2; origin <= n; ++origin) {
      ASSERT_EQ(pattern(n, origin), reference) << "N=" << n << " origin " << origin;
    }
  }
}

TEST(PocketEngine, ForwardsEveryCopyAndObservesDuplicates) {
  auto book = members(8);
  PocketEngine engine(config_for(3, book));
  wire::Gossip g;
  g.id = MessageId{9};
  g.origin = node(1);
  g.group = "all";
  g.level = 2;
  g.kind = wire::GossipKind::tree;
  g.hops = 1;
  g.payload = std::make_shared<wire::Bytes>(10, 1);
  Actions first;
  engine.on_message(0, node(1), g, first);
  EXPECT_EQ(count_of<Deliver>(first), 1);
  const auto s1 = sends(first);
  ASSERT_EQ(s1.size(), 2u);  // level 1 from rank 3: rotated 1 and 3 -> ranks 4 and 6
  EXPECT_EQ(rank_of(s1[0].to), 4);
  EXPECT_EQ(rank_of(s1[1].to), 6);
  EXPECT_EQ(std::get<wire::Gossip>(s1[0].message).hops, 2);
  Actions second;
  engine.on_message(1, node(2), g, second);
  EXPECT_EQ(count_of<Deliver>(second), 0);
  EXPECT_EQ(count_of<Observe>(second), 1);
  EXPECT_EQ(sends(second).size(), 2u);  // Pocket forwards the duplicate as well
}

TEST(PocketEngine, ClampsForgedLevelsAndIgnoresOtherGroups) {
  auto book = members(9, {"validator", "servicer", "validator", "validator", "validator",
                          "validator", "validator", "validator", "validator"});
  PocketEngine engine(config_for(1, book));
  wire::Gossip g;
  g.id = MessageId{5};
  g.origin = node(3);
  g.group = "all";
  g.level = 200;
  g.payload = std::make_shared<wire::Bytes>(1, 1);
  Actions out;
  engine.on_message(0, node(3), g, out);
  // L = 2 for N = 9: at most the level-1 pair, never 199 levels.
  EXPECT_EQ(sends(out).size(), 2u);

  PocketEngine servicer(config_for(2, book));
  g.group = "validators";
  g.id = MessageId{6};
  Actions ignored;
  servicer.on_message(0, node(3), g, ignored);
  EXPECT_TRUE(ignored.empty());
}

TEST(PocketEngine, RestrictedBroadcastTargetsOnlyGroupMembers) {
  std::vector<std::string> roles(30, "validator");
  for (int i = 0; i < 30; i += 3) roles[i] = "servicer";
  auto book = members(30, roles);
  PocketEngine engine(config_for(2, book));
  Actions out;
  engine.broadcast(0, request(3, "validators"), out);
  ASSERT_FALSE(sends(out).empty());
  for (const Send& s : sends(out)) EXPECT_EQ(book->find(s.to)->role, "validator");
}

}  // namespace
}  // namespace rt::protocol
