#include "telemetry/broadcast_trace.hpp"

#include <gtest/gtest.h>

namespace rt::telemetry {
namespace {

using wire::EventKind;
using wire::EventRecord;
using wire::GossipKind;
using wire::MessageType;

NodeId id_of_rank(int rank) {
  NodeId::Bytes bytes{};
  bytes[0] = static_cast<std::uint8_t>(rank * 8);
  return NodeId(bytes);
}

std::vector<NodeId> ids(int count) {
  std::vector<NodeId> out;
  for (int rank = 1; rank <= count; ++rank) out.push_back(id_of_rank(rank));
  return out;
}

constexpr MessageId kMsg{0xabc};

EventRecord ev(EventKind kind, Micros t, MessageType type = MessageType::gossip, int peer = 0,
               Level level = 0, std::uint8_t detail = 0, MessageId id = kMsg) {
  EventRecord e;
  e.kind = kind;
  e.time_us = t;
  e.msg_type = type;
  e.msg_id = id;
  if (peer > 0) e.peer = id_of_rank(peer);
  e.level = level;
  e.detail = detail;
  e.bytes = 100;
  return e;
}

EventRecord gossip(EventKind kind, Micros t, int peer, Level level, GossipKind g,
                   MessageId id = kMsg) {
  return ev(kind, t, MessageType::gossip, peer, level, static_cast<std::uint8_t>(g), id);
}

TEST(BroadcastTrace, MatchesSendToReceiveAsOneEdge) {
  BroadcastTrace trace(ids(3));
  trace.add(1, ev(EventKind::originate, 1000));
  auto created = trace.add(1, gossip(EventKind::send, 1010, 2, 2, GossipKind::tree));
  ASSERT_TRUE(created);
  EXPECT_FALSE(trace.add(2, gossip(EventKind::receive, 1300, 1, 2, GossipKind::tree)));

  const BroadcastRecord* b = trace.find(kMsg);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->origin, 1);
  EXPECT_EQ(b->start_us, 1000);
  ASSERT_EQ(b->edges.size(), 1u);
  const TraceEdge* edge = trace.edge(*created);
  ASSERT_NE(edge, nullptr);
  EXPECT_EQ(edge->from, 1);
  EXPECT_EQ(edge->to, 2);
  EXPECT_EQ(edge->sent_us, 1010);
  EXPECT_EQ(edge->received_us, 1300);
  EXPECT_EQ(edge->kind, EdgeKind::tree);
  EXPECT_EQ(edge->level, 2);
  EXPECT_EQ(b->payload_copies, 1u);
}

TEST(BroadcastTrace, ReceiveSeenBeforeSendStillMatches) {
  BroadcastTrace trace(ids(3));
  auto created = trace.add(3, ev(EventKind::receive, 500, MessageType::ack, 2, 1));
  ASSERT_TRUE(created);
  EXPECT_EQ(trace.edge(*created)->sent_us, 0);
  EXPECT_FALSE(trace.add(2, ev(EventKind::send, 450, MessageType::ack, 3, 1)));
  const BroadcastRecord* b = trace.find(kMsg);
  ASSERT_EQ(b->edges.size(), 1u);
  EXPECT_EQ(b->edges[0].from, 2);
  EXPECT_EQ(b->edges[0].to, 3);
  EXPECT_EQ(b->edges[0].sent_us, 450);
  EXPECT_EQ(b->edges[0].received_us, 500);
  EXPECT_EQ(b->edges[0].kind, EdgeKind::ack);
  EXPECT_EQ(b->start_us, 450);  // no originate seen: the earliest event
}

TEST(BroadcastTrace, RepeatedIdenticalFramesMatchInOrder) {
  BroadcastTrace trace(ids(2));
  trace.add(1, gossip(EventKind::send, 10, 2, 0, GossipKind::cleanup));
  trace.add(1, gossip(EventKind::send, 20, 2, 0, GossipKind::cleanup));
  trace.add(2, gossip(EventKind::receive, 15, 1, 0, GossipKind::cleanup));
  trace.add(2, gossip(EventKind::receive, 25, 1, 0, GossipKind::cleanup));
  const BroadcastRecord* b = trace.find(kMsg);
  ASSERT_EQ(b->edges.size(), 2u);
  EXPECT_EQ(b->edges[0].received_us, 15);
  EXPECT_EQ(b->edges[1].received_us, 25);
}

TEST(BroadcastTrace, DeliveriesHopsMissedCoverageAndCopies) {
  BroadcastTrace trace(ids(4));
  trace.add(1, ev(EventKind::originate, 100));
  trace.add(1, ev(EventKind::deliver, 101, MessageType::gossip, 0, 0, 0));
  trace.add(1, gossip(EventKind::send, 110, 2, 1, GossipKind::tree));
  trace.add(1, gossip(EventKind::send, 111, 3, 1, GossipKind::tree));
  trace.add(2, gossip(EventKind::receive, 300, 1, 1, GossipKind::tree));
  trace.add(2, ev(EventKind::deliver, 301, MessageType::gossip, 0, 0, 1));
  trace.add(3, gossip(EventKind::receive, 320, 1, 1, GossipKind::tree));
  trace.add(3, ev(EventKind::deliver, 322, MessageType::gossip, 0, 0, 1));
  // Rank 4 never hears of it.
  const BroadcastRecord* b = trace.find(kMsg);
  EXPECT_EQ(b->delivered_count, 3);
  EXPECT_EQ(b->node(1).hops, 0);
  EXPECT_EQ(b->node(3).hops, 1);
  EXPECT_EQ(b->node(3).delivered_us, 322);
  EXPECT_EQ(b->missed(), std::vector<int>{4});
  EXPECT_DOUBLE_EQ(b->coverage(), 0.75);
  EXPECT_DOUBLE_EQ(b->copies_per_node(), 2.0 / 3.0);
  EXPECT_EQ(b->last_delivery_us(), 322);
}

TEST(BroadcastTrace, DuplicateMarksTheCopyThatCausedIt) {
  BroadcastTrace trace(ids(3));
  trace.add(1, gossip(EventKind::send, 10, 3, 1, GossipKind::tree));
  trace.add(2, gossip(EventKind::send, 12, 3, 0, GossipKind::cleanup));
  trace.add(3, gossip(EventKind::receive, 20, 1, 1, GossipKind::tree));
  trace.add(3, gossip(EventKind::receive, 22, 2, 0, GossipKind::cleanup));
  trace.add(3, gossip(EventKind::duplicate, 22, 2, 0, GossipKind::cleanup));
  const BroadcastRecord* b = trace.find(kMsg);
  EXPECT_EQ(b->duplicates, 1u);
  EXPECT_EQ(b->node(3).duplicates, 1u);
  EXPECT_EQ(b->node(3).payload_copies, 2u);
  EXPECT_FALSE(b->edges[0].duplicate);
  EXPECT_TRUE(b->edges[1].duplicate);
}

TEST(BroadcastTrace, ClassifiesIgymCleanupAndCatchUp) {
  EXPECT_EQ(classify_edge(MessageType::igym, 0), EdgeKind::igym_ask);
  EXPECT_EQ(classify_edge(MessageType::igym, 1), EdgeKind::igym_ask);
  EXPECT_EQ(classify_edge(MessageType::igym, wire::kIgymCatchUpOffer), EdgeKind::catchup_offer);
  EXPECT_EQ(classify_edge(MessageType::igym_reply, 1), EdgeKind::igym_yes);
  EXPECT_EQ(classify_edge(MessageType::igym_reply, 0), EdgeKind::igym_no);
  EXPECT_EQ(classify_edge(MessageType::gossip, 4), EdgeKind::cleanup);
  EXPECT_EQ(classify_edge(MessageType::gossip, 5), EdgeKind::catchup);
  EXPECT_EQ(classify_edge(MessageType::gossip, 2), EdgeKind::readjust);
  EXPECT_EQ(classify_edge(MessageType::gossip, 3), EdgeKind::redundancy);
  EXPECT_EQ(classify_edge(MessageType::gossip, 0), EdgeKind::gossip);
  EXPECT_EQ(classify_edge(MessageType::advert, 0), EdgeKind::other);
  EXPECT_TRUE(is_payload_kind(EdgeKind::catchup));
  EXPECT_FALSE(is_payload_kind(EdgeKind::ack));
  EXPECT_EQ(edge_kind_name(EdgeKind::igym_yes), "igym-yes");

  // An IGYM exchange: ask, yes, then the cleanup payload, all matched.
  BroadcastTrace trace(ids(3));
  trace.add(2, ev(EventKind::send, 10, MessageType::igym, 3, 0, 1));
  trace.add(3, ev(EventKind::receive, 11, MessageType::igym, 2, 0, 1));
  trace.add(3, ev(EventKind::send, 12, MessageType::igym_reply, 2, 0, 1));
  trace.add(2, ev(EventKind::receive, 13, MessageType::igym_reply, 3, 0, 1));
  trace.add(2, gossip(EventKind::send, 14, 3, 0, GossipKind::cleanup));
  trace.add(3, gossip(EventKind::receive, 15, 2, 0, GossipKind::cleanup));
  const BroadcastRecord* b = trace.find(kMsg);
  ASSERT_EQ(b->edges.size(), 3u);
  EXPECT_EQ(b->edges[0].kind, EdgeKind::igym_ask);
  EXPECT_EQ(b->edges[1].kind, EdgeKind::igym_yes);
  EXPECT_EQ(b->edges[1].from, 3);
  EXPECT_EQ(b->edges[2].kind, EdgeKind::cleanup);
  for (const TraceEdge& edge : b->edges) EXPECT_TRUE(edge.seen_sent() && edge.seen_received());
}

TEST(BroadcastTrace, KeepsOnlyTheLastBroadcastsAndIgnoresTheirStragglers) {
  BroadcastTrace::Options options;
  options.max_broadcasts = 3;
  BroadcastTrace trace(ids(2), options);
  for (std::uint64_t i = 1; i <= 5; ++i) {
    trace.add(1, ev(EventKind::originate, static_cast<Micros>(i * 100), MessageType::gossip, 0, 0,
                    0, MessageId{i}));
  }
  EXPECT_EQ(trace.size(), 3u);
  EXPECT_EQ(trace.evicted(), 2u);
  EXPECT_EQ(trace.find(MessageId{1}), nullptr);
  EXPECT_EQ(trace.latest()->id, MessageId{5});
  EXPECT_EQ(trace.broadcast_ids(), (std::vector<MessageId>{{3}, {4}, {5}}));
  // A late event of an evicted broadcast does not bring it back or evict a newer one.
  trace.add(2, gossip(EventKind::receive, 150, 1, 1, GossipKind::tree, MessageId{1}));
  EXPECT_EQ(trace.find(MessageId{1}), nullptr);
  EXPECT_EQ(trace.size(), 3u);
  EXPECT_NE(trace.find(MessageId{3}), nullptr);
}

TEST(BroadcastTrace, CapsEdgesPerBroadcast) {
  BroadcastTrace::Options options;
  options.max_edges = 2;
  BroadcastTrace trace(ids(4), options);
  EXPECT_TRUE(trace.add(1, gossip(EventKind::send, 1, 2, 1, GossipKind::tree)));
  EXPECT_TRUE(trace.add(1, gossip(EventKind::send, 2, 3, 1, GossipKind::tree)));
  EXPECT_FALSE(trace.add(1, gossip(EventKind::send, 3, 4, 1, GossipKind::tree)));
  EXPECT_EQ(trace.find(kMsg)->edges.size(), 2u);
  EXPECT_EQ(trace.find(kMsg)->edges_dropped, 1u);
}

TEST(BroadcastTrace, IgnoresUnknownPeersAndNonBroadcastFrames) {
  BroadcastTrace trace(ids(2));
  EventRecord stranger = gossip(EventKind::send, 1, 1, 1, GossipKind::tree);
  NodeId::Bytes bytes{};
  bytes.fill(0xee);
  stranger.peer = NodeId(bytes);
  EXPECT_FALSE(trace.add(1, stranger));
  EXPECT_FALSE(trace.add(1, ev(EventKind::send, 2, MessageType::heartbeat, 2)));
  EXPECT_FALSE(trace.add(9, gossip(EventKind::send, 3, 2, 1, GossipKind::tree)));
  EXPECT_FALSE(trace.add(1, gossip(EventKind::send, 3, 2, 1, GossipKind::tree, MessageId{0})));
  EXPECT_EQ(trace.ignored_events(), 4u);
  EXPECT_EQ(trace.size(), 0u);
  EXPECT_EQ(trace.rank_of(id_of_rank(2)), 2);
  EXPECT_EQ(trace.rank_of(NodeId(bytes)), 0);
}

TEST(BroadcastTrace, CountsDropsAndTimeouts) {
  BroadcastTrace trace(ids(3));
  trace.add(1, gossip(EventKind::drop, 5, 2, 1, GossipKind::tree));
  trace.add(1, ev(EventKind::timeout, 300005, MessageType::ack, 2, 1));
  const BroadcastRecord* b = trace.find(kMsg);
  EXPECT_EQ(b->drops, 1u);
  EXPECT_EQ(b->timeouts, 1u);
  EXPECT_TRUE(b->edges.empty());
}

}  // namespace
}  // namespace rt::telemetry
