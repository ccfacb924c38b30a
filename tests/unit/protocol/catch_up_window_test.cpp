// The CatchUp helper on its own: the window's bounds, what a request is offered, the throttle
// and the caps, and what a reply gets.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "engine_test_support.hpp"
#include "protocol/catch_up.hpp"

namespace rt::protocol {
namespace {

using namespace testing;

constexpr Micros kSecond = 1'000'000;

wire::Gossip message(std::uint64_t id, std::size_t bytes = 100, std::string group = "all",
                     int origin = 1) {
  wire::Gossip g;
  g.id = MessageId{id};
  g.origin = node(origin);
  g.group = std::move(group);
  g.kind = wire::GossipKind::tree;
  g.level = 2;
  g.hops = 3;
  g.range_start = 4;
  g.range_size = 5;
  g.origin_time_us = 42;
  g.payload = std::make_shared<wire::Bytes>(bytes, 9);
  return g;
}

std::vector<std::uint64_t> offered(const Actions& out) {
  std::vector<std::uint64_t> ids;
  for (const Send& s : sends(out)) {
    const auto* igym = std::get_if<wire::Igym>(&s.message);
    if (igym && igym->direction == wire::kIgymCatchUpOffer) ids.push_back(igym->id.value);
  }
  return ids;
}

TEST(CatchUpWindow, BoundedByCount) {
  CatchUpOptions options;
  options.max_messages = 4;
  CatchUp c(node(1), options);
  for (std::uint64_t id = 1; id <= 6; ++id) c.remember(0, message(id));
  EXPECT_EQ(c.window_size(), 4u);
  EXPECT_FALSE(c.holds(MessageId{1}));
  EXPECT_FALSE(c.holds(MessageId{2}));
  EXPECT_TRUE(c.holds(MessageId{6}));
  EXPECT_EQ(c.window_bytes(), 400u);
  c.remember(0, message(6));  // the same id again is not a second entry
  EXPECT_EQ(c.window_size(), 4u);
}

TEST(CatchUpWindow, BoundedByBytes) {
  CatchUpOptions options;
  options.max_bytes = 250;
  CatchUp c(node(1), options);
  for (std::uint64_t id = 1; id <= 5; ++id) c.remember(0, message(id));
  EXPECT_EQ(c.window_size(), 2u);
  EXPECT_EQ(c.window_bytes(), 200u);
  EXPECT_TRUE(c.holds(MessageId{4}));
  EXPECT_TRUE(c.holds(MessageId{5}));
  c.remember(0, message(9, 251));  // larger than the whole bound: never kept, nothing evicted
  EXPECT_FALSE(c.holds(MessageId{9}));
  EXPECT_EQ(c.window_size(), 2u);
}

TEST(CatchUpWindow, BoundedByAge) {
  CatchUpOptions options;
  options.max_age_us = 10 * kSecond;
  CatchUp c(node(1), options);
  c.remember(0, message(1));
  c.remember(5 * kSecond, message(2));
  c.remember(11 * kSecond, message(3));
  EXPECT_FALSE(c.holds(MessageId{1}));
  EXPECT_TRUE(c.holds(MessageId{2}));
  // A request ages the window too, so nothing stale is offered.
  Actions out;
  c.on_request(16 * kSecond, node(2), wire::RetransmitRequest{0}, *members(3), out);
  EXPECT_EQ(offered(out), std::vector<std::uint64_t>{3});
  EXPECT_EQ(c.window_size(), 1u);
}

TEST(CatchUpWindow, OffersOnlyGroupMembersAndNotTheirOwnBroadcasts) {
  auto book = members(4, {"validator", "servicer", "validator", "validator"});
  CatchUp c(node(1), {});
  c.remember(0, message(1, 100, "validators"));
  c.remember(0, message(2, 100, "all"));
  c.remember(0, message(3, 100, "all", 2));  // originated by the requester
  Actions out;
  c.on_request(kSecond, node(2), wire::RetransmitRequest{0}, *book, out);
  EXPECT_EQ(offered(out), std::vector<std::uint64_t>{2});
  Actions validator;
  c.on_request(kSecond, node(3), wire::RetransmitRequest{0}, *book, validator);
  EXPECT_EQ(offered(validator), (std::vector<std::uint64_t>{1, 2, 3}));
  Actions stranger;
  c.on_request(kSecond, node(9), wire::RetransmitRequest{0}, *book, stranger);
  EXPECT_TRUE(stranger.empty());
}

TEST(CatchUpWindow, FilterIsTheEarlierRecordOfEitherSideMinusTheMargin) {
  auto book = members(3);
  CatchUpOptions options;
  options.margin_us = 3 * kSecond;
  options.serve_interval_us = 0;
  CatchUp c(node(1), options);
  for (std::uint64_t s = 0; s <= 10; ++s) c.remember(static_cast<Micros>(s) * kSecond, message(s));
  Actions up;
  c.on_peer_up(0, node(2), up);
  c.on_peer_down(8 * kSecond, node(2));
  // The requester's record (6 s) is earlier than ours (8 s): 6 - 3 = 3 s onwards.
  Actions out;
  c.on_request(10 * kSecond, node(2), wire::RetransmitRequest{6 * kSecond}, *book, out);
  EXPECT_EQ(offered(out), (std::vector<std::uint64_t>{3, 4, 5, 6, 7, 8, 9, 10}));
  // Unknown on its side (a fresh process): ours, 8 - 3 = 5 s onwards.
  Actions fresh;
  c.on_request(11 * kSecond, node(2), wire::RetransmitRequest{0}, *book, fresh);
  EXPECT_EQ(offered(fresh), (std::vector<std::uint64_t>{5, 6, 7, 8, 9, 10}));
  // Unknown on both sides: the whole window.
  Actions neither;
  c.on_request(12 * kSecond, node(3), wire::RetransmitRequest{0}, *book, neither);
  EXPECT_EQ(offered(neither).size(), 11u);
}

TEST(CatchUpWindow, ThrottlesRequestsAndCapsOffers) {
  auto book = members(3);
  CatchUpOptions options;
  options.max_offers_per_request = 3;
  options.max_offer_bytes_per_request = 1000;
  CatchUp c(node(1), options);
  for (std::uint64_t id = 1; id <= 10; ++id) c.remember(0, message(id));
  Actions first;
  c.on_request(0, node(2), wire::RetransmitRequest{0}, *book, first);
  EXPECT_EQ(offered(first), (std::vector<std::uint64_t>{8, 9, 10})) << "newest, sent oldest first";
  Actions throttled;
  c.on_request(options.serve_interval_us - 1, node(2), wire::RetransmitRequest{0}, *book,
               throttled);
  EXPECT_TRUE(throttled.empty());
  EXPECT_EQ(c.stats().requests_throttled, 1u);
  Actions other;  // the throttle is per peer
  c.on_request(1, node(3), wire::RetransmitRequest{0}, *book, other);
  EXPECT_EQ(offered(other).size(), 3u);
  Actions later;
  c.on_request(options.serve_interval_us, node(2), wire::RetransmitRequest{0}, *book, later);
  EXPECT_EQ(offered(later).size(), 3u);

  CatchUpOptions small = options;
  small.max_offer_bytes_per_request = 250;
  CatchUp bytes(node(1), small);
  for (std::uint64_t id = 1; id <= 10; ++id) bytes.remember(0, message(id));
  Actions capped;
  bytes.on_request(0, node(2), wire::RetransmitRequest{0}, *book, capped);
  EXPECT_EQ(offered(capped), (std::vector<std::uint64_t>{9, 10}));
}

TEST(CatchUpWindow, OnlyAnOfferedIdIsSentAndOnlyOnce) {
  auto book = members(3);
  CatchUpOptions options;
  options.max_offers_per_request = 1;
  CatchUp c(node(1), options);
  c.remember(0, message(1));
  c.remember(0, message(2));
  Actions offers;
  c.on_request(0, node(2), wire::RetransmitRequest{0}, *book, offers);
  ASSERT_EQ(offered(offers), std::vector<std::uint64_t>{2});
  EXPECT_EQ(c.open_offers(), 1u);

  // A want for an id that was not offered to this peer is not an answer: no payload.
  Actions unsolicited;
  EXPECT_FALSE(c.on_reply(1, node(2), wire::IgymReply{MessageId{1}, true}, *book, unsolicited));
  EXPECT_FALSE(c.on_reply(1, node(3), wire::IgymReply{MessageId{2}, true}, *book, unsolicited));
  EXPECT_TRUE(unsolicited.empty());

  Actions served;
  EXPECT_TRUE(c.on_reply(2, node(2), wire::IgymReply{MessageId{2}, true}, *book, served));
  // Kept in a variable: sends() returns a temporary that `copy` must not outlive.
  const std::vector<Send> sent = sends(served);
  ASSERT_EQ(sent.size(), 1u);
  const auto& copy = std::get<wire::Gossip>(sent[0].message);
  EXPECT_EQ(copy.id, MessageId{2});
  EXPECT_EQ(copy.kind, wire::GossipKind::catchup);
  EXPECT_EQ(copy.level, 0);
  EXPECT_EQ(copy.range_start, 0u);
  EXPECT_EQ(copy.range_size, 0u);
  EXPECT_EQ(copy.hops, 4) << "this node's hops + 1";
  EXPECT_EQ(copy.origin, node(1));
  EXPECT_EQ(copy.origin_time_us, 42);
  EXPECT_EQ(copy.payload->size(), 100u);
  EXPECT_EQ(c.open_offers(), 0u);

  Actions twice;
  EXPECT_FALSE(c.on_reply(3, node(2), wire::IgymReply{MessageId{2}, true}, *book, twice));
  EXPECT_TRUE(twice.empty());

  // want=no closes the offer without a payload.
  Actions again;
  c.on_request(options.serve_interval_us, node(2), wire::RetransmitRequest{0}, *book, again);
  Actions no;
  EXPECT_TRUE(c.on_reply(options.serve_interval_us, node(2), wire::IgymReply{MessageId{2}, false},
                         *book, no));
  EXPECT_TRUE(no.empty());
  EXPECT_EQ(c.stats().copies_out, 1u);
}

TEST(CatchUpWindow, OutstandingWantsAreCapped) {
  CatchUpOptions options;
  options.max_wants = 2;
  CatchUp c(node(5), options);
  Actions out;
  for (std::uint64_t id = 1; id <= 3; ++id)
    c.on_offer(0, node(1), MessageId{id}, false, false, out);
  std::vector<bool> wants;
  for (const Send& s : sends(out)) wants.push_back(std::get<wire::IgymReply>(s.message).want);
  EXPECT_EQ(wants, (std::vector<bool>{true, true, false}));
  EXPECT_EQ(c.outstanding_wants(), 2u);
  const auto snapshot = c.inspect();
  EXPECT_EQ(snapshot["outstanding_wants"], 2);
  EXPECT_EQ(snapshot["wants"].size(), 2u);
}

}  // namespace
}  // namespace rt::protocol
