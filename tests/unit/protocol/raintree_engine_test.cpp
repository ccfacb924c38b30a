#include "protocol/raintree_engine.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "engine_test_support.hpp"

namespace rt::protocol {
namespace {

using namespace testing;

std::vector<SetTimer> timers(const Actions& actions) {
  std::vector<SetTimer> out;
  for (const Action& a : actions) {
    if (const auto* t = std::get_if<SetTimer>(&a)) out.push_back(*t);
  }
  return out;
}

wire::Gossip tree_copy(std::uint64_t id, std::uint32_t start, std::uint32_t size) {
  wire::Gossip g;
  g.id = MessageId{id};
  g.origin = node(1);
  g.group = "all";
  g.level = 2;
  g.kind = wire::GossipKind::tree;
  g.hops = 1;
  g.range_start = start;
  g.range_size = size;
  g.payload = std::make_shared<wire::Bytes>(10, 1);
  return g;
}

TEST(RaintreeEngine, OriginatorPartitionsTheGroupIntoRanges) {
  RaintreeEngine engine(config_for(1, members(27)));
  Actions out;
  engine.broadcast(0, request(1), out);
  EXPECT_EQ(count_of<Deliver>(out), 1);
  const auto s = sends(out);
  ASSERT_EQ(s.size(), 6u);
  // Level 3: [9, 18) and [18, 27); level 2: [3, 6), [6, 9); level 1: 1 and 2.
  const std::vector<std::pair<int, int>> expected = {{9, 9}, {18, 9}, {3, 3},
                                                     {6, 3}, {1, 1},  {2, 1}};
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto& g = std::get<wire::Gossip>(s[i].message);
    EXPECT_EQ(rank_of(s[i].to) - 1, expected[i].first);
    EXPECT_EQ(g.range_start, static_cast<std::uint32_t>(expected[i].first));
    EXPECT_EQ(g.range_size, static_cast<std::uint32_t>(expected[i].second));
    EXPECT_EQ(g.hops, 1);
  }
}

TEST(RaintreeEngine, RangesWrapAroundFromAnyOrigin) {
  RaintreeEngine engine(config_for(20, members(27)));
  Actions out;
  engine.broadcast(0, request(1), out);
  const auto s = sends(out);
  ASSERT_EQ(s.size(), 6u);
  EXPECT_EQ(rank_of(s[0].to), 29 - 27);  // index 19 + 9 = 28 -> 1, rank 2
  EXPECT_EQ(std::get<wire::Gossip>(s[0].message).range_start, 1u);
}

TEST(RaintreeEngine, ReceiverAcksDeliversOnceAndServesItsRange) {
  RaintreeEngine engine(config_for(10, members(27)));
  Actions out;
  engine.on_message(0, node(1), tree_copy(4, 9, 9), out);
  EXPECT_EQ(count_of<Deliver>(out), 1);
  const auto s = sends(out);
  ASSERT_EQ(s.size(), 5u);  // 1 ACK + children of a range of 9: [3,6), [6,9), 1, 2
  EXPECT_TRUE(std::holds_alternative<wire::Ack>(s[0].message));
  EXPECT_EQ(rank_of(s[0].to), 1);
  EXPECT_EQ(rank_of(s[1].to), 13);
  EXPECT_EQ(std::get<wire::Gossip>(s[1].message).range_size, 3u);
  EXPECT_EQ(std::get<wire::Gossip>(s[1].message).hops, 2);

  Actions again;
  engine.on_message(1, node(4), tree_copy(4, 9, 9), again);
  EXPECT_EQ(count_of<Deliver>(again), 0);
  EXPECT_EQ(count_of<Observe>(again), 1);
  ASSERT_EQ(sends(again).size(), 1u);  // only the ACK: the range is already served
}

TEST(RaintreeEngine, ReadjustsToTheChildrenOfASilentTarget) {
  RaintreeEngine engine(config_for(1, members(27)));
  Actions out;
  engine.broadcast(0, request(1), out);
  // ACK everyone but rank 10 (index 9, range [9, 18)).
  for (const Send& s : sends(out)) {
    if (rank_of(s.to) == 10) continue;
    Actions ignored;
    engine.on_message(10, s.to, wire::Ack{MessageId{1}, 1}, ignored);
  }
  Actions readjust;
  for (const SetTimer& t : timers(out)) engine.on_timer(t.at, t.timer_id, readjust);
  const auto s = sends(readjust);
  ASSERT_EQ(s.size(), 4u);  // the children of index 9 over 9 members: 12, 15, 10, 11
  const std::vector<int> ranks = {13, 16, 11, 12};
  for (std::size_t i = 0; i < s.size(); ++i) {
    EXPECT_EQ(rank_of(s[i].to), ranks[i]);
    EXPECT_EQ(std::get<wire::Gossip>(s[i].message).kind, wire::GossipKind::readjust);
  }
  EXPECT_EQ(count_of<Observe>(readjust), 1);
  const auto snapshot = engine.inspect();
  ASSERT_EQ(snapshot["messages"].size(), 1u);
  EXPECT_EQ(snapshot["messages"][0]["awaiting_ack"].size(), 4u);  // the readjusted children
  EXPECT_EQ(snapshot["suspects"].size(), 1u);

  // The next broadcast routes around the suspected node straight away (redundancy layer).
  Actions next;
  engine.broadcast(1'000'000, request(2), next);
  int redundancy = 0;
  for (const Send& send : sends(next)) {
    redundancy += std::get<wire::Gossip>(send.message).kind == wire::GossipKind::redundancy;
  }
  EXPECT_EQ(redundancy, 5);  // rank 10 for itself plus its four children
}

TEST(RaintreeEngine, IgymRepliesAndCleanupChain) {
  auto book = members(9);
  RaintreeEngine engine(config_for(5, book));
  Actions out;
  engine.on_message(0, node(4), wire::Igym{MessageId{7}, 1}, out);
  ASSERT_EQ(sends(out).size(), 1u);
  EXPECT_TRUE(std::get<wire::IgymReply>(sends(out)[0].message).want);
  // A second chain meeting here is told no while the first one's payload is on its way; the
  // first asker asking again is told yes again.
  Actions second;
  engine.on_message(1, node(6), wire::Igym{MessageId{7}, 0}, second);
  EXPECT_FALSE(std::get<wire::IgymReply>(sends(second)[0].message).want);
  Actions repeat;
  engine.on_message(1, node(4), wire::Igym{MessageId{7}, 1}, repeat);
  EXPECT_TRUE(std::get<wire::IgymReply>(sends(repeat)[0].message).want);

  // The cleanup copy from rank 4 (below) continues the chain upwards: IGYM to rank 6.
  wire::Gossip g = tree_copy(7, 0, 0);
  g.kind = wire::GossipKind::cleanup;
  Actions cleanup;
  engine.on_message(2, node(4), g, cleanup);
  EXPECT_EQ(count_of<Deliver>(cleanup), 1);
  const auto s = sends(cleanup);
  ASSERT_EQ(s.size(), 2u);  // the ACK, then the next IGYM
  EXPECT_TRUE(std::holds_alternative<wire::Ack>(s[0].message));
  EXPECT_EQ(rank_of(s[1].to), 6);
  EXPECT_EQ(std::get<wire::Igym>(s[1].message).direction, 1);
  // Rank 6 does not answer: it is asked once more (a reply can be lost), then skipped.
  Actions again;
  for (const SetTimer& t : timers(cleanup)) engine.on_timer(t.at, t.timer_id, again);
  ASSERT_EQ(sends(again).size(), 1u);
  EXPECT_EQ(rank_of(sends(again)[0].to), 6);
  Actions skip;
  for (const SetTimer& t : timers(again)) engine.on_timer(t.at, t.timer_id, skip);
  ASSERT_FALSE(sends(skip).empty());
  EXPECT_EQ(rank_of(sends(skip)[0].to), 7);
  // Rank 7 wants it: it gets the payload, and again if its ACK does not come back.
  Actions yes;
  engine.on_message(3, node(7), wire::IgymReply{MessageId{7}, true}, yes);
  ASSERT_EQ(sends(yes).size(), 1u);
  EXPECT_EQ(std::get<wire::Gossip>(sends(yes)[0].message).kind, wire::GossipKind::cleanup);
  Actions resent;
  for (const SetTimer& t : timers(yes)) engine.on_timer(t.at, t.timer_id, resent);
  ASSERT_EQ(sends(resent).size(), 1u);
  EXPECT_EQ(rank_of(sends(resent)[0].to), 7);
  Actions acked;
  engine.on_message(4, node(7), wire::Ack{MessageId{7}, 0}, acked);
  Actions quiet;
  for (const SetTimer& t : timers(resent)) engine.on_timer(t.at, t.timer_id, quiet);
  EXPECT_TRUE(sends(quiet).empty());
}

TEST(RaintreeEngine, ReceiverOutsideTheGroupIgnoresIt) {
  auto book =
      members(6, {"validator", "servicer", "validator", "validator", "validator", "validator"});
  RaintreeEngine engine(config_for(2, book));
  wire::Gossip g = tree_copy(3, 1, 2);
  g.group = "validators";
  Actions out;
  engine.on_message(0, node(1), g, out);
  EXPECT_TRUE(out.empty());
}

TEST(RaintreeEngine, PerMessageStateExpires) {
  EngineConfig config = config_for(1, members(4));
  RaintreeEngine engine(config);
  Actions out;
  engine.broadcast(0, request(1), out);
  for (const Send& s : sends(out)) {
    Actions ignored;
    engine.on_message(1, s.to, wire::Ack{MessageId{1}, 1}, ignored);
  }
  EXPECT_EQ(engine.tracked_messages(), 1u);
  // Fire every timer, and the timers those arm, until nothing is left.
  std::vector<SetTimer> pending = timers(out);
  for (int round = 0; round < 20 && !pending.empty(); ++round) {
    std::vector<SetTimer> next;
    for (const SetTimer& t : pending) {
      Actions more;
      engine.on_timer(t.at, t.timer_id, more);
      for (const SetTimer& m : timers(more)) next.push_back(m);
    }
    pending = next;
  }
  EXPECT_EQ(engine.tracked_messages(), 0u);
}

}  // namespace
}  // namespace rt::protocol
