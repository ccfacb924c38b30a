#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "telemetry/counters.hpp"
#include "telemetry/event_ring.hpp"
#include "telemetry/message_table.hpp"

namespace rt::telemetry {
namespace {

NodeId id_of(std::uint8_t fill) {
  NodeId::Bytes bytes;
  bytes.fill(fill);
  return NodeId(bytes);
}

using wire::MessageType;

// ---- Counters --------------------------------------------------------------------------

TEST(Counters, ClassifiesPayloadControlAndTransportTraffic) {
  Counters c;
  const NodeId p = id_of(1);
  c.frame_in(p, MessageType::gossip, 1000);
  c.frame_out(p, MessageType::artifact, 500);
  c.frame_in(p, MessageType::ack, 20);
  c.frame_out(p, MessageType::igym, 21);
  c.frame_out(p, MessageType::retransmit_request, 14);
  c.frame_in(p, MessageType::heartbeat, 14);
  c.frame_out(p, MessageType::hello, 60);
  c.frame_in(p, MessageType::control_request, 99);  // control channel: not counted

  EXPECT_EQ(c.get(NodeCounter::frames_in), 3u);
  EXPECT_EQ(c.get(NodeCounter::frames_out), 4u);
  EXPECT_EQ(c.get(NodeCounter::bytes_in), 1034u);
  EXPECT_EQ(c.get(NodeCounter::bytes_out), 595u);
  EXPECT_EQ(c.get(NodeCounter::payload_frames_in), 1u);
  EXPECT_EQ(c.get(NodeCounter::payload_bytes_in), 1000u);
  EXPECT_EQ(c.get(NodeCounter::payload_frames_out), 1u);
  EXPECT_EQ(c.get(NodeCounter::payload_bytes_out), 500u);
  EXPECT_EQ(c.get(NodeCounter::control_bytes_in), 20u);
  EXPECT_EQ(c.get(NodeCounter::control_bytes_out), 35u);
  EXPECT_EQ(c.type_stat(MessageType::heartbeat, TrafficStat::frames_in), 1u);
  EXPECT_EQ(c.type_stat(MessageType::hello, TrafficStat::bytes_out), 60u);
  EXPECT_EQ(traffic_class(MessageType::igym_reply), TrafficClass::control);
  EXPECT_EQ(traffic_class(MessageType::advert), TrafficClass::control);
  EXPECT_EQ(traffic_class(MessageType::request), TrafficClass::control);
  EXPECT_EQ(traffic_class(MessageType::heartbeat), TrafficClass::transport);
}

TEST(Counters, KeepsPerPeerAndPerTypeApart) {
  Counters c;
  const NodeId a = id_of(1), b = id_of(2);
  for (int i = 0; i < 3; ++i) c.frame_in(a, MessageType::gossip, 100);
  c.frame_out(b, MessageType::gossip, 100);
  c.frame_out(b, MessageType::ack, 10);
  c.duplicate(a);
  c.duplicate(a);
  c.drop(b);
  c.duplicate(NodeId{});  // no peer: node total only

  EXPECT_EQ(c.peer_stat(a, TrafficStat::frames_in), 3u);
  EXPECT_EQ(c.peer_stat(a, TrafficStat::bytes_in), 300u);
  EXPECT_EQ(c.peer_stat(a, TrafficStat::frames_out), 0u);
  EXPECT_EQ(c.peer_stat(b, TrafficStat::frames_out), 2u);
  EXPECT_EQ(c.peer_type_stat(b, MessageType::ack, TrafficStat::bytes_out), 10u);
  EXPECT_EQ(c.peer_counter(a, PeerCounter::duplicates), 2u);
  EXPECT_EQ(c.peer_counter(b, PeerCounter::drops), 1u);
  EXPECT_EQ(c.get(NodeCounter::duplicates), 3u);
  EXPECT_EQ(c.get(NodeCounter::drops), 1u);
  EXPECT_EQ(c.peer_stat(id_of(7), TrafficStat::frames_in), 0u);  // unknown peer
}

TEST(Counters, JsonHasEveryNameOfTheTables) {
  Counters c;
  c.add(NodeCounter::delivered, 4);
  c.frame_in(id_of(1), MessageType::gossip, 10);
  const auto node = c.node_json();
  for (std::string_view name :
       {"frames_in", "frames_out", "bytes_in", "bytes_out", "payload_frames_in",
        "payload_frames_out", "payload_bytes_in", "payload_bytes_out", "control_bytes_in",
        "control_bytes_out", "delivered", "originated", "duplicates", "drops", "timeouts"}) {
    EXPECT_TRUE(node.contains(std::string(name))) << name;
  }
  EXPECT_EQ(node["delivered"], 4);
  const auto types = c.types_json();
  EXPECT_EQ(types.size(), kPeerTypes);
  EXPECT_EQ(types["gossip"]["frames_in"], 1);
  EXPECT_EQ(types["retransmit_request"]["bytes_out"], 0);
  for (std::size_t i = 0; i < kNodeCounters; ++i) {
    EXPECT_NE(counter_name(static_cast<NodeCounter>(i)), "unknown");
  }
}

// ---- EventRing -------------------------------------------------------------------------

wire::EventRecord record_with_bytes(std::uint32_t bytes) {
  wire::EventRecord r;
  r.kind = wire::EventKind::receive;
  r.bytes = bytes;
  return r;
}

TEST(EventRing, AssignsSequenceNumbersAndReadsInOrder) {
  EventRing ring(8);
  EXPECT_EQ(ring.next_seq(), 1u);
  for (std::uint32_t i = 0; i < 5; ++i) EXPECT_EQ(ring.push(record_with_bytes(i)), i + 1);
  EventRing::Cursor cursor;  // from the first record
  auto batch = ring.read(cursor, 3);
  EXPECT_EQ(batch.dropped, 0u);
  ASSERT_EQ(batch.events.size(), 3u);
  EXPECT_EQ(batch.events[0].seq, 1u);
  EXPECT_EQ(batch.events[2].bytes, 2u);
  EXPECT_GT(batch.events[0].time_us, 0);
  batch = ring.read(cursor, 100);
  ASSERT_EQ(batch.events.size(), 2u);
  EXPECT_EQ(batch.events[1].seq, 5u);
  EXPECT_FALSE(ring.has_events(cursor));
  EXPECT_TRUE(ring.read(cursor, 100).events.empty());
}

TEST(EventRing, ASlowCursorIsToldHowManyItMissed) {
  EventRing ring(4);
  EventRing::Cursor slow;
  for (std::uint32_t i = 0; i < 10; ++i) ring.push(record_with_bytes(i));
  EXPECT_EQ(ring.size(), 4u);
  EXPECT_EQ(ring.oldest_seq(), 7u);
  auto batch = ring.read(slow, 100);
  EXPECT_EQ(batch.dropped, 6u);
  ASSERT_EQ(batch.events.size(), 4u);
  EXPECT_EQ(batch.events.front().seq, 7u);
  EXPECT_EQ(batch.events.back().seq, 10u);
  EXPECT_EQ(batch.events.back().bytes, 9u);
  // Another subscriber that kept up misses nothing.
  EventRing::Cursor fresh{ring.next_seq()};
  ring.push(record_with_bytes(77));
  batch = ring.read(fresh, 100);
  EXPECT_EQ(batch.dropped, 0u);
  ASSERT_EQ(batch.events.size(), 1u);
  EXPECT_EQ(batch.events[0].bytes, 77u);
}

TEST(EventRing, WrapsManyTimesWithDefaultCapacityBound) {
  EventRing ring;
  EXPECT_EQ(ring.capacity(), 65536u);
  for (std::uint32_t i = 0; i < 200000; ++i) ring.push(record_with_bytes(i));
  EXPECT_EQ(ring.size(), 65536u);
  EventRing::Cursor cursor{ring.next_seq() - 10};
  const auto batch = ring.read(cursor, 512);
  ASSERT_EQ(batch.events.size(), 10u);
  EXPECT_EQ(batch.events.back().bytes, 199999u);
  EventRing::Cursor ahead{ring.next_seq() + 50};  // clamped, not an error
  EXPECT_TRUE(ring.read(ahead, 10).events.empty());
  EXPECT_EQ(ahead.next, ring.next_seq());
}

// ---- MessageTable ----------------------------------------------------------------------

wire::Gossip gossip(std::uint64_t id) {
  wire::Gossip g;
  g.id = MessageId{id};
  g.origin = id_of(9);
  g.group = "validators";
  g.origin_time_us = 1000;
  return g;
}

TEST(MessageTable, CountsReadsWritesDuplicatesBytesAndDelivery) {
  MessageTable table;
  table.gossip(gossip(1), true, 1100, 2000);
  table.gossip(gossip(1), true, 1100, 2100);
  table.duplicate(MessageId{1}, 2100);
  table.gossip(gossip(1), false, 1100, 2200);
  table.gossip(gossip(1), false, 1100, 2200);
  table.control(MessageId{1}, true, 15, 2300);
  table.control(MessageId{1}, false, 16, 2400);
  table.delivered(MessageId{1}, id_of(9), "validators", 1000, 3, 2050);
  table.delivered(MessageId{1}, id_of(9), "validators", 1000, 5, 2500);  // only the first counts

  const MessageStats* s = table.find(MessageId{1});
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->reads, 2u);
  EXPECT_EQ(s->writes, 2u);
  EXPECT_EQ(s->duplicates, 1u);
  EXPECT_EQ(s->payload_bytes_in, 2200u);
  EXPECT_EQ(s->payload_bytes_out, 2200u);
  EXPECT_EQ(s->control_bytes_in, 15u);
  EXPECT_EQ(s->control_bytes_out, 16u);
  ASSERT_TRUE(s->delivered_us);
  EXPECT_EQ(*s->delivered_us, 2050);
  EXPECT_EQ(s->hops, 3);

  const auto json = table.to_json();
  ASSERT_EQ(json.size(), 1u);
  EXPECT_EQ(json[0]["id"], "0000000000000001");
  EXPECT_EQ(json[0]["origin"], id_of(9).hex());
  EXPECT_EQ(json[0]["group"], "validators");
  EXPECT_EQ(json[0]["origin_time_us"], 1000);
  EXPECT_EQ(json[0]["delivered_us"], 2050);
}

TEST(MessageTable, UndeliveredIsNullAndSinceFilters) {
  MessageTable table;
  table.gossip(gossip(1), true, 10, 100);
  table.gossip(gossip(2), true, 10, 200);
  const auto all = table.to_json();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_TRUE(all[0]["delivered_us"].is_null());
  EXPECT_EQ(all[1]["id"], "0000000000000002");  // most recent last
  EXPECT_EQ(table.to_json(150).size(), 1u);
  table.control(MessageId{1}, false, 5, 300);  // an update brings id 1 back into the window
  EXPECT_EQ(table.to_json(250).size(), 1u);
  EXPECT_EQ(table.to_json(250)[0]["id"], "0000000000000001");
}

TEST(MessageTable, KeepsTheMostRecentBroadcastsOnly) {
  MessageTable table(4096);
  for (std::uint64_t i = 1; i <= 5000; ++i)
    table.gossip(gossip(i), true, 10, static_cast<Micros>(i));
  EXPECT_EQ(table.size(), 4096u);
  EXPECT_EQ(table.find(MessageId{904}), nullptr);
  EXPECT_NE(table.find(MessageId{905}), nullptr);
  const auto json = table.to_json();
  EXPECT_EQ(json.front()["id"], to_string(MessageId{905}));
  EXPECT_EQ(json.back()["id"], to_string(MessageId{5000}));
}

TEST(MessageTable, AChunkedBodyCountsOneCopyButEveryChunkInBytes) {
  MessageTable table;
  const MessageId id{99};
  table.payload(id, true, 1000, 1, /*first_chunk=*/true);
  table.payload(id, true, 1000, 2, /*first_chunk=*/false);
  table.payload(id, true, 500, 3, /*first_chunk=*/false);
  table.payload(id, false, 1000, 4, /*first_chunk=*/true);
  const MessageStats* s = table.find(id);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->reads, 1u);
  EXPECT_EQ(s->payload_bytes_in, 2500u);
  EXPECT_EQ(s->writes, 1u);
  EXPECT_EQ(s->payload_bytes_out, 1000u);
}

}  // namespace
}  // namespace rt::telemetry
