// Catch-up after reconnect (core/protocol/catch_up.hpp) for the `raintree` and `random` engines:
// request -> offer -> want -> catch-up copy, driven sans-IO over a small in-memory network.
#include "protocol/catch_up.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "catch_up_net.hpp"
#include "engine_test_support.hpp"

namespace rt::protocol {
namespace {

using namespace testing;

constexpr Micros kSecond = 1'000'000;

// Offers (Igym direction 2) that arrived at `to` for `id`.
int offers_to(const CatchUpNet& net, int to, std::uint64_t id) {
  int n = 0;
  for (const auto& f : net.frames()) {
    const auto* igym = std::get_if<wire::Igym>(&f.message);
    n += f.arrived && f.to == to && igym && igym->id.value == id &&
         igym->direction == wire::kIgymCatchUpOffer;
  }
  return n;
}

int replies_from(const CatchUpNet& net, int from, bool want) {
  int n = 0;
  for (const auto& f : net.frames()) {
    const auto* reply = std::get_if<wire::IgymReply>(&f.message);
    n += f.from == from && reply && reply->want == want;
  }
  return n;
}

int gossip_to(const CatchUpNet& net, int to) {
  int n = 0;
  for (const auto& f : net.frames())
    n += f.to == to && std::holds_alternative<wire::Gossip>(f.message);
  return n;
}

int timeouts(const std::vector<Observe>& observed) {
  int n = 0;
  for (const Observe& o : observed) n += o.kind == wire::EventKind::timeout;
  return n;
}

int timeouts(const Actions& actions) {
  int n = 0;
  for (const Action& a : actions) {
    const auto* o = std::get_if<Observe>(&a);
    n += o && o->kind == wire::EventKind::timeout;
  }
  return n;
}

SetTimer first_timer(const Actions& actions) {
  for (const Action& a : actions) {
    if (const auto* t = std::get_if<SetTimer>(&a)) return *t;
  }
  ADD_FAILURE() << "no SetTimer among the actions";
  return {};
}

class CatchUpModes : public ::testing::TestWithParam<std::string> {};

TEST_P(CatchUpModes, KilledNodeGetsEveryMissedBroadcastOnceWithoutForwarding) {
  CatchUpNet net(GetParam(), 9);
  net.advance(1 * kSecond);
  net.kill(5);
  net.advance(1'500'000);
  for (int i = 0; i < 3; ++i) net.broadcast(1 + i, 11 + i);
  net.advance(5 * kSecond);
  for (std::uint64_t id = 11; id <= 13; ++id) EXPECT_EQ(net.deliveries(5, id), 0);

  net.advance(10 * kSecond);
  net.clear_log();
  net.restart(5);
  net.advance(20 * kSecond);

  EXPECT_EQ(net.sent_by<wire::RetransmitRequest>(5), 8) << "one request per peer that came up";
  for (std::uint64_t id = 11; id <= 13; ++id) {
    EXPECT_EQ(net.deliveries(5, id), 1) << id;
    // Every live peer holds the id and offers it (none but rank 5 was down); one payload comes.
    EXPECT_GE(offers_to(net, 5, id), 2) << id;
  }
  EXPECT_EQ(net.arrived_gossip(5, wire::GossipKind::catchup), 3);
  EXPECT_EQ(gossip_to(net, 5), 3) << "nothing but the three catch-up copies";
  EXPECT_EQ(replies_from(net, 5, true), 3);
  EXPECT_EQ(net.sent_by<wire::Gossip>(5), 0) << "a catch-up copy is never forwarded";
  EXPECT_EQ(net.sent_by<wire::Ack>(5), 0) << "nor acknowledged";
  EXPECT_EQ(timeouts(net.observed(5)), 0);
  EXPECT_EQ(net.catch_up(5).outstanding_wants(), 0u);
  EXPECT_EQ(net.catch_up(5).window_size(), 3u) << "caught-up broadcasts can be offered on";
}

TEST_P(CatchUpModes, NodeThatHasEverythingAnswersNoAndGetsNoPayload) {
  CatchUpNet net(GetParam(), 9);
  net.broadcast(1, 21);
  net.advance(1 * kSecond);
  ASSERT_EQ(net.deliveries(5, 21), 1);
  net.isolate(5);
  net.advance(1'500'000);
  net.clear_log();
  net.heal(5);
  net.advance(10 * kSecond);

  EXPECT_GE(offers_to(net, 5, 21), 2) << "got within the margin before the partition: offered";
  EXPECT_EQ(replies_from(net, 5, true), 0);
  EXPECT_EQ(replies_from(net, 5, false), offers_to(net, 5, 21));
  int gossip = 0;
  for (const auto& f : net.frames()) gossip += std::holds_alternative<wire::Gossip>(f.message);
  EXPECT_EQ(gossip, 0) << "nobody gets a payload it already has";
  EXPECT_EQ(net.deliveries(5, 21), 1);
}

TEST_P(CatchUpModes, StoppedNodeGetsWhatWentByBeforeAndAfterItsPeersTimedItOut) {
  CatchUpNet net(GetParam(), 9);
  net.advance(1 * kSecond);
  net.stop(5);
  net.advance(1'500'000);
  net.broadcast(1, 31);  // lost on the still-open links to the stopped process
  net.advance(3 * kSecond);
  net.peers_time_out(5);  // their 2 s read timeout fires
  net.advance(3'500'000);
  net.broadcast(2, 32);
  net.advance(8 * kSecond);
  EXPECT_EQ(net.deliveries(5, 31), 0);
  net.clear_log();
  net.resume(5);  // it records its own losses only now, at 8 s
  net.advance(20 * kSecond);

  // Broadcast 31 went by before the peers declared 5 down: the earlier record (the peers', at
  // 3 s, minus the margin) is what makes it offered, not the requester's 8 s.
  EXPECT_EQ(net.deliveries(5, 31), 1);
  EXPECT_EQ(net.deliveries(5, 32), 1);
  EXPECT_EQ(net.arrived_gossip(5, wire::GossipKind::catchup), 2);
  EXPECT_EQ(gossip_to(net, 5), 2);
  EXPECT_EQ(net.sent_by<wire::Gossip>(5), 0);
}

TEST_P(CatchUpModes, RestartedNodeIsOfferedOnlyWhatCameAfterItsLossMinusTheMargin) {
  CatchUpNet net(GetParam(), 9);
  net.broadcast(1, 41);  // at 0 s: older than (10 s - 3 s) when 5 is lost
  net.advance(8'500'000);
  net.broadcast(1, 43);  // at 8.5 s: within the margin before the loss
  net.advance(10 * kSecond);
  net.kill(5);
  net.advance(11 * kSecond);
  net.broadcast(1, 42);
  net.advance(20 * kSecond);
  net.clear_log();
  net.restart(5);  // a fresh process: RetransmitRequest{0}, the peers use their own record
  net.advance(30 * kSecond);

  for (const auto& f : net.frames()) {
    if (const auto* r = std::get_if<wire::RetransmitRequest>(&f.message); r && f.from == 5) {
      EXPECT_EQ(r->min_height, 0u) << "a fresh process knows nothing of its past";
    }
  }
  EXPECT_EQ(offers_to(net, 5, 41), 0) << "older than the peers' record minus the margin";
  EXPECT_EQ(net.deliveries(5, 41), 1) << "only its first life's delivery";
  EXPECT_GE(offers_to(net, 5, 43), 1);
  EXPECT_EQ(net.deliveries(5, 43), 2) << "once per process: the fresh one has no memory";
  EXPECT_EQ(net.deliveries(5, 42), 1);
  EXPECT_EQ(net.arrived_gossip(5, wire::GossipKind::catchup), 2);
}

TEST_P(CatchUpModes, TwoOffersOfOneIdProduceOneWantAndACopyLaterIsADuplicate) {
  auto book = members(9);
  auto engine = make_engine(GetParam(), config_for(5, book));
  Actions first;
  engine->on_message(0, node(1), wire::Igym{MessageId{7}, wire::kIgymCatchUpOffer}, first);
  ASSERT_EQ(sends(first).size(), 1u);
  EXPECT_TRUE(std::get<wire::IgymReply>(sends(first)[0].message).want);
  EXPECT_EQ(count_of<SetTimer>(first), 1);
  Actions second;
  engine->on_message(10, node(2), wire::Igym{MessageId{7}, wire::kIgymCatchUpOffer}, second);
  EXPECT_TRUE(second.empty()) << "the second offer is held in reserve, not answered";

  wire::Gossip copy;
  copy.id = MessageId{7};
  copy.origin = node(1);
  copy.kind = wire::GossipKind::catchup;
  copy.hops = 2;
  copy.payload = std::make_shared<wire::Bytes>(10, 1);
  Actions delivered;
  engine->on_message(20, node(1), copy, delivered);
  EXPECT_EQ(count_of<Deliver>(delivered), 1);
  EXPECT_EQ(count_of<Send>(delivered), 0) << "no forward, no ACK, no chain";
  Actions again;
  engine->on_message(30, node(2), copy, again);
  ASSERT_EQ(count_of<Observe>(again), 1);
  const auto& dup = std::get<Observe>(again.front());
  EXPECT_EQ(dup.kind, wire::EventKind::duplicate);
  EXPECT_EQ(dup.detail, static_cast<std::uint8_t>(wire::GossipKind::catchup));
  EXPECT_EQ(count_of<Send>(again), 0);
  // The want was closed by the delivery: its timer fires quietly.
  Actions quiet;
  for (const Action& a : first) {
    if (const auto* t = std::get_if<SetTimer>(&a)) engine->on_timer(t->at, t->timer_id, quiet);
  }
  EXPECT_TRUE(quiet.empty());
}

TEST_P(CatchUpModes, AWantThatTimesOutIsObservedAndTheNextOfferAsksAgain) {
  auto book = members(9);
  auto engine = make_engine(GetParam(), config_for(5, book));
  Actions first;
  engine->on_message(0, node(1), wire::Igym{MessageId{9}, wire::kIgymCatchUpOffer}, first);
  ASSERT_EQ(count_of<SetTimer>(first), 1);
  SetTimer timer;
  for (const Action& a : first) {
    if (const auto* t = std::get_if<SetTimer>(&a)) timer = *t;
  }
  EXPECT_EQ(timer.at, CatchUpOptions{}.want_timeout_us);
  Actions fired;
  engine->on_timer(timer.at, timer.timer_id, fired);
  ASSERT_EQ(fired.size(), 1u);
  const auto& o = std::get<Observe>(fired[0]);
  EXPECT_EQ(o.kind, wire::EventKind::timeout);
  EXPECT_EQ(o.type, wire::MessageType::gossip);
  EXPECT_EQ(o.id, MessageId{9});
  EXPECT_EQ(o.peer, node(1));
  EXPECT_EQ(o.detail, static_cast<std::uint8_t>(wire::GossipKind::catchup));
  Actions next;
  engine->on_message(timer.at + 1, node(2), wire::Igym{MessageId{9}, wire::kIgymCatchUpOffer},
                     next);
  ASSERT_EQ(sends(next).size(), 1u);
  EXPECT_TRUE(std::get<wire::IgymReply>(sends(next)[0].message).want);
}

TEST_P(CatchUpModes, AWantThatTimesOutAsksAHeldOfferAtOnce) {
  auto book = members(9);
  auto engine = make_engine(GetParam(), config_for(5, book));
  Actions first;
  engine->on_message(0, node(1), wire::Igym{MessageId{9}, wire::kIgymCatchUpOffer}, first);
  Actions second;
  engine->on_message(10, node(2), wire::Igym{MessageId{9}, wire::kIgymCatchUpOffer}, second);
  ASSERT_TRUE(second.empty());
  const SetTimer timer = first_timer(first);
  Actions fired;
  engine->on_timer(timer.at, timer.timer_id, fired);
  EXPECT_EQ(timeouts(fired), 1) << "the first peer never sent the copy";
  ASSERT_EQ(sends(fired).size(), 1u);
  EXPECT_EQ(sends(fired)[0].to, node(2));
  EXPECT_TRUE(std::get<wire::IgymReply>(sends(fired)[0].message).want);
  EXPECT_EQ(count_of<SetTimer>(fired), 1) << "the fallback want has its own deadline";
}

TEST_P(CatchUpModes, RequestCarriesWhenThisNodeLostThePeer) {
  auto book = members(4);
  auto engine = make_engine(GetParam(), config_for(1, book));
  Actions up;
  engine->on_peer_up(0, node(2), up);
  ASSERT_EQ(sends(up).size(), 1u);
  EXPECT_EQ(rank_of(sends(up)[0].to), 2);
  EXPECT_EQ(std::get<wire::RetransmitRequest>(sends(up)[0].message).min_height, 0u);
  Actions down;
  engine->on_peer_down(5 * kSecond, node(2), down);
  EXPECT_TRUE(down.empty());
  Actions again;
  engine->on_peer_up(6 * kSecond, node(2), again);
  EXPECT_EQ(std::get<wire::RetransmitRequest>(sends(again)[0].message).min_height,
            static_cast<std::uint64_t>(5 * kSecond));
  // Peers outside the address book and self are never asked.
  Actions stranger;
  engine->on_peer_up(7 * kSecond, node(40), stranger);
  engine->on_peer_up(7 * kSecond, node(1), stranger);
  EXPECT_TRUE(stranger.empty());
  const auto snapshot = engine->inspect();
  ASSERT_TRUE(snapshot.contains("catch_up"));
  EXPECT_EQ(snapshot["catch_up"]["requests_out"], 2);
  EXPECT_EQ(snapshot["catch_up"]["window_messages"], 0);
  EXPECT_EQ(snapshot["catch_up"]["outstanding_wants"], 0);
}

TEST_P(CatchUpModes, DisabledCatchUpSendsAndAnswersNothing) {
  EngineConfig config = config_for(1, members(4));
  config.catch_up.enabled = false;
  auto engine = make_engine(GetParam(), config);
  Actions out;
  engine->on_peer_up(0, node(2), out);
  engine->on_message(0, node(2), wire::RetransmitRequest{0}, out);
  engine->on_message(0, node(2), wire::Igym{MessageId{3}, wire::kIgymCatchUpOffer}, out);
  EXPECT_TRUE(out.empty());
}

INSTANTIATE_TEST_SUITE_P(Engines, CatchUpModes, ::testing::Values("raintree", "random"));

TEST(CatchUpPocket, PocketSendsNoRetransmitRequest) {
  auto engine = make_engine("pocket", config_for(1, members(9)));
  Actions out;
  engine->on_peer_down(0, node(2), out);
  engine->on_peer_up(kSecond, node(2), out);
  engine->on_message(kSecond, node(2), wire::RetransmitRequest{0}, out);
  EXPECT_TRUE(out.empty());
}

TEST(CatchUpRaintree, CleanupIgymsAreUntouchedAndAPromiseHoldsAnOfferInReserve) {
  RaintreeEngine engine(config_for(5, members(9)));
  Actions cleanup;
  engine.on_message(0, node(4), wire::Igym{MessageId{7}, 1}, cleanup);
  EXPECT_TRUE(std::get<wire::IgymReply>(sends(cleanup)[0].message).want);
  Actions offer;
  engine.on_message(1, node(6), wire::Igym{MessageId{7}, wire::kIgymCatchUpOffer}, offer);
  EXPECT_TRUE(sends(offer).empty()) << "the cleanup copy is on its way: no answer yet";
  ASSERT_EQ(count_of<SetTimer>(offer), 1);
  // An offer makes no cleanup promise: a chain arriving later is still told yes.
  Actions offer8;
  engine.on_message(2, node(6), wire::Igym{MessageId{8}, wire::kIgymCatchUpOffer}, offer8);
  EXPECT_TRUE(std::get<wire::IgymReply>(sends(offer8)[0].message).want);
  Actions chain8;
  engine.on_message(3, node(4), wire::Igym{MessageId{8}, 0}, chain8);
  EXPECT_TRUE(std::get<wire::IgymReply>(sends(chain8)[0].message).want);
  EXPECT_EQ(engine.inspect()["catch_up"]["outstanding_wants"], 2);
  // The promised cleanup copy never comes (its sender went down): the held offer is asked.
  const SetTimer timer = first_timer(offer);
  Actions fired;
  engine.on_timer(timer.at, timer.timer_id, fired);
  ASSERT_EQ(sends(fired).size(), 1u);
  EXPECT_EQ(sends(fired)[0].to, node(6));
  EXPECT_TRUE(std::get<wire::IgymReply>(sends(fired)[0].message).want);
  EXPECT_EQ(timeouts(fired), 0) << "no catch-up want of ours timed out";
}

}  // namespace
}  // namespace rt::protocol
