// One advert engine driven by hand: bounds under floods, refused chunks, re-evaluation,
// serving, retransmission throttling and the inspect() shape.
#include <gtest/gtest.h>

#include <random>

#include <nlohmann/json.hpp>

#include "protocol/advert_engine.hpp"
#include "protocol/sha256.hpp"

namespace rt::protocol {
namespace {

MembershipPtr make_members(int n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<Member> members;
  for (int i = 0; i < n; ++i) {
    NodeId::Bytes b{};
    for (auto& x : b) x = static_cast<std::uint8_t>(rng());
    members.push_back({NodeId(b), "validator", "127.0.0.1", static_cast<std::uint16_t>(40000 + i)});
  }
  return std::make_shared<const Membership>(std::move(members));
}

wire::Advert advert_of(std::uint64_t id, std::uint64_t size, std::uint64_t height = 0) {
  wire::Advert advert;
  advert.artifact_id = id;
  advert.size = size;
  advert.height = height;
  advert.group = "all";
  advert.integrity_hash[0] = static_cast<std::uint8_t>(id);
  return advert;
}

template <typename T>
std::vector<T> sent(const Actions& out) {
  std::vector<T> found;
  for (const Action& a : out) {
    if (const auto* send = std::get_if<Send>(&a)) {
      if (const auto* m = std::get_if<T>(&send->message)) found.push_back(*m);
    }
  }
  return found;
}

class AdvertEngineTest : public ::testing::Test {
 protected:
  void make(const std::function<void(AdvertConfig&)>& tune = {}) {
    EngineConfig config;
    config.self = ids[0];
    config.membership = members;
    if (tune) tune(config.advert);
    engine = std::make_unique<AdvertEngine>(config);
  }
  // check() walks the whole tracker: floods ask for it only now and then.
  void receive(Micros now, const NodeId& from, const wire::Message& message, bool check = true) {
    out.clear();
    engine->on_message(now, from, message, out);
    if (check) {
      ASSERT_EQ(engine->tracker().check(), "");
    }
  }

  MembershipPtr members = make_members(6, 21);
  const std::vector<NodeId>& ids = members->group("all");
  std::unique_ptr<AdvertEngine> engine;
  Actions out;
};

TEST_F(AdvertEngineTest, FloodOfStashedAdvertsStopsAtTheQueueBound) {
  make();
  const Micros far = 3'600'000'000;  // an hour ahead: Stash, never fetched
  for (std::uint64_t id = 1; id <= 10'000; ++id) {
    receive(0, ids[1], advert_of(id, 1000, far), id % 1000 == 0);
  }
  EXPECT_EQ(engine->tracker().queued(ids[1]), 4096u);
  EXPECT_EQ(engine->counters().drop(DropReason::queue_full), 10'000u - 4096u);
  EXPECT_EQ(engine->tracker().requested(ids[1]), 0u);
  const nlohmann::json snapshot = engine->inspect();
  EXPECT_EQ(snapshot["peers"][0]["queue"]["stash"]["count"], 4096);
  EXPECT_EQ(snapshot["peers"][0]["queue"]["stash"]["first"].size(), 5u);
  EXPECT_EQ(snapshot["drops"]["queue_full"], 10'000 - 4096);
}

TEST_F(AdvertEngineTest, FloodOfLargeAdvertsCannotGrowTheUnvalidatedPool) {
  make();
  const PoolLimits& limits = engine->pool().limits();
  for (int p = 1; p <= 5; ++p) {
    for (std::uint64_t i = 0; i < 500; ++i) {
      receive(0, ids[p], advert_of(p * 100'000 + i, 8u << 20), i % 100 == 0);
      ASSERT_LE(engine->pool().unvalidated_bytes(ids[p]), limits.unvalidated_bytes_per_peer);
      ASSERT_LE(engine->pool().unvalidated_count(ids[p]), limits.unvalidated_count_per_peer);
      ASSERT_LE(engine->tracker().requested(ids[p]),
                engine->tracker().limits().max_requested_per_peer);
      ASSERT_LE(engine->pool().unvalidated_bytes_total(), limits.unvalidated_bytes_total);
    }
  }
  EXPECT_EQ(engine->pool().unvalidated_bytes_total(), 256u << 20);  // 32 bodies of 8 MiB
  // A body larger than any bound is refused outright.
  receive(0, ids[1], advert_of(42, 65ull << 20));
  EXPECT_EQ(engine->counters().drop(DropReason::pool_full), 1u);
}

TEST_F(AdvertEngineTest, ChunksNobodyAskedForAreRefused) {
  make();
  auto body = std::make_shared<wire::Bytes>(100, 7);
  receive(0, ids[1], wire::Artifact{5, 0, 100, body});
  EXPECT_EQ(engine->counters().drop(DropReason::unrequested_chunk), 1u);
  wire::Advert advert = advert_of(5, 100);
  advert.integrity_hash = sha256(*body);
  receive(0, ids[1], advert);
  ASSERT_EQ(sent<wire::Request>(out).size(), 1u);
  receive(1, ids[2], wire::Artifact{5, 0, 100, body});  // right bytes, wrong peer
  EXPECT_EQ(engine->counters().drop(DropReason::unrequested_chunk), 2u);
  EXPECT_EQ(engine->counters().delivered, 0u);
  receive(2, ids[1], wire::Artifact{5, 0, 100, body});
  EXPECT_EQ(engine->counters().delivered, 1u);
  EXPECT_EQ(sent<wire::Advert>(out).size(), 4u) << "relayed to all but self and the advertiser";
  receive(3, ids[1], wire::Artifact{5, 0, 100, body});  // a second copy after completion
  EXPECT_EQ(engine->counters().drop(DropReason::unrequested_chunk), 3u);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(std::get<Observe>(out[0]).kind, wire::EventKind::duplicate);
  receive(4, ids[3], advert);
  EXPECT_EQ(engine->counters().adverts_already_received, 1u);
  EXPECT_TRUE(sent<wire::Request>(out).empty());
}

TEST_F(AdvertEngineTest, StashedAdvertIsFetchedWhenItComesDueAndDroppedOnceFinalized) {
  make([](AdvertConfig& c) {
    c.priority.finalized_lag_us = 10'000'000;
    c.request_timeout_us = 100'000'000;  // keep the fetches open across both ticks
  });
  receive(0, ids[1], advert_of(1, 1000, 60'000'000));  // beyond 30 s ahead: Stash
  EXPECT_TRUE(sent<wire::Request>(out).empty());
  receive(0, ids[2], advert_of(2, 1000, 40'000'000));  // Stash too
  EXPECT_EQ(engine->inspect()["peers"][0]["queue"]["stash"]["count"].get<int>() +
                engine->inspect()["peers"][1]["queue"]["stash"]["count"].get<int>(),
            2);
  out.clear();
  engine->on_timer(31'000'000, AdvertEngine::kTickTimer, out);  // 60 s is now < 31 + 30 s
  ASSERT_EQ(engine->tracker().check(), "");
  const auto requests = sent<wire::Request>(out);
  ASSERT_EQ(requests.size(), 2u) << "both came within the stash window";
  out.clear();
  engine->on_timer(55'000'000, AdvertEngine::kTickTimer, out);  // finalized: 45 s > 40 s
  EXPECT_EQ(engine->counters().drop(DropReason::priority_drop), 1u);
  EXPECT_EQ(engine->tracker().find(2), nullptr);
  EXPECT_NE(engine->tracker().find(1), nullptr);
  EXPECT_EQ(engine->pool().downloads(), 1u) << "the dropped fetch freed its buffer";
}

TEST_F(AdvertEngineTest, ServesChunksAndByzantineServesCorruptedOnes) {
  for (bool byzantine : {false, true}) {
    make([&](AdvertConfig& c) { c.byzantine = byzantine; });
    auto body = std::make_shared<wire::Bytes>(3000);
    for (std::size_t i = 0; i < body->size(); ++i) (*body)[i] = static_cast<std::uint8_t>(i);
    out.clear();
    engine->broadcast(0, {MessageId{77}, "all", body}, out);
    EXPECT_EQ(sent<wire::Advert>(out).size(), 5u);
    EXPECT_EQ(sent<wire::Advert>(out)[0].integrity_hash, sha256(*body));
    receive(1, ids[2], wire::Request{77, 1000, 1500});
    const auto chunks = sent<wire::Artifact>(out);
    ASSERT_EQ(chunks.size(), 1u);
    EXPECT_EQ(chunks[0].total_size, 3000u);
    ASSERT_EQ(chunks[0].chunk->size(), 1500u);
    const wire::Bytes expected(body->begin() + 1000, body->begin() + 2500);
    EXPECT_EQ(*chunks[0].chunk == expected, !byzantine);
    receive(2, ids[2], wire::Request{77, 3000, 10});
    EXPECT_EQ(engine->counters().drop(DropReason::bad_request), 1u);
    receive(3, ids[2], wire::Request{78, 0, 10});
    EXPECT_EQ(engine->counters().drop(DropReason::unknown_artifact), 1u);
  }
}

TEST_F(AdvertEngineTest, RetransmitRequestsAreServedOncePerCooldown) {
  make();
  for (std::uint64_t id = 1; id <= 3; ++id) {
    out.clear();
    engine->broadcast(static_cast<Micros>(id) * 1000, {MessageId{id}, "all", {}}, out);
  }
  receive(10'000, ids[3], wire::RetransmitRequest{2000});
  const auto adverts = sent<wire::Advert>(out);
  ASSERT_EQ(adverts.size(), 2u);
  EXPECT_EQ(adverts[0].height, 2000u);
  EXPECT_EQ(adverts[1].height, 3000u);
  receive(20'000, ids[3], wire::RetransmitRequest{0});
  EXPECT_TRUE(sent<wire::Advert>(out).empty());
  EXPECT_EQ(engine->counters().drop(DropReason::retransmit_throttled), 1u);
  receive(1'100'000, ids[3], wire::RetransmitRequest{0});
  EXPECT_EQ(sent<wire::Advert>(out).size(), 3u);
}

TEST_F(AdvertEngineTest, AThrottledRetransmitRequestIsServedOnATickOnceTheCooldownEnds) {
  make();
  for (std::uint64_t id = 1; id <= 2; ++id) {
    out.clear();
    engine->broadcast(static_cast<Micros>(id) * 1000, {MessageId{id}, "all", {}}, out);
  }
  receive(10'000, ids[3], wire::RetransmitRequest{0});
  ASSERT_EQ(sent<wire::Advert>(out).size(), 2u);
  // The link flaps: the next request comes within the cooldown and must not be lost.
  receive(20'000, ids[3], wire::RetransmitRequest{0});
  EXPECT_TRUE(sent<wire::Advert>(out).empty());
  Micros tick = 0;
  for (const Action& a : out) {
    if (const auto* t = std::get_if<SetTimer>(&a)) tick = t->at;
  }
  ASSERT_GT(tick, 0);
  out.clear();
  engine->on_timer(tick, AdvertEngine::kTickTimer, out);
  EXPECT_TRUE(sent<wire::Advert>(out).empty()) << "still within the cooldown";
  out.clear();
  engine->on_timer(1'100'000, AdvertEngine::kTickTimer, out);
  EXPECT_EQ(sent<wire::Advert>(out).size(), 2u);
  out.clear();
  engine->on_timer(2'500'000, AdvertEngine::kTickTimer, out);
  EXPECT_TRUE(sent<wire::Advert>(out).empty()) << "served once";
}

TEST_F(AdvertEngineTest, LostFramesAskForRetransmissionAndRefusedFramesAreReofferedOnTheTick) {
  make();
  for (std::uint64_t id = 1; id <= 2; ++id) {
    out.clear();
    engine->broadcast(static_cast<Micros>(id) * 1000, {MessageId{id}, "all", {}}, out);
  }
  // Inbound loss from ids[2]: one RetransmitRequest per cooldown, however lossy the link.
  out.clear();
  engine->on_frames_lost_from(10'000, ids[2], out);
  ASSERT_EQ(sent<wire::RetransmitRequest>(out).size(), 1u);
  EXPECT_EQ(std::get<Send>(out[0]).to, ids[2]);
  out.clear();
  engine->on_frames_lost_from(20'000, ids[2], out);
  EXPECT_TRUE(out.empty());
  engine->on_frames_lost_from(1'100'000, ids[2], out);
  EXPECT_EQ(sent<wire::RetransmitRequest>(out).size(), 1u);

  // ids[4]'s queue refused a frame: nothing now (the queue is full), its adverts on the tick.
  out.clear();
  engine->on_frames_dropped_to(2'000'000, ids[4], out);
  EXPECT_TRUE(sent<wire::Advert>(out).empty());
  Micros tick = 0;
  for (const Action& a : out) {
    if (const auto* t = std::get_if<SetTimer>(&a)) tick = t->at;
  }
  ASSERT_GT(tick, 2'000'000);
  out.clear();
  engine->on_timer(tick, AdvertEngine::kTickTimer, out);
  const auto adverts = sent<wire::Advert>(out);
  EXPECT_EQ(adverts.size(), 2u);
  for (const Action& a : out) {
    if (const auto* send = std::get_if<Send>(&a)) EXPECT_EQ(send->to, ids[4]);
  }
  EXPECT_EQ(engine->counters().reoffers, 1u);
  // Once done, the next tick re-offers nothing.
  out.clear();
  engine->on_timer(tick + 1'000'000, AdvertEngine::kTickTimer, out);
  EXPECT_TRUE(sent<wire::Advert>(out).empty());
}

TEST_F(AdvertEngineTest, PeerDownMovesItsFetchesToAnotherAdvertiser) {
  make();
  receive(0, ids[1], advert_of(9, 5000));
  receive(1, ids[2], advert_of(9, 5000));
  EXPECT_EQ(engine->tracker().requested_from(9), ids[1]);
  out.clear();
  engine->on_peer_down(2, ids[1], out);
  EXPECT_EQ(engine->tracker().requested_from(9), ids[2]);
  ASSERT_EQ(sent<wire::Request>(out).size(), 1u);
  EXPECT_EQ(engine->counters().drop(DropReason::peer_down), 1u);
  out.clear();
  engine->on_peer_up(3, ids[1], out);
  ASSERT_EQ(sent<wire::RetransmitRequest>(out).size(), 1u);
  EXPECT_FALSE(engine->inspect()["peers"][0]["down"].get<bool>());
}

TEST_F(AdvertEngineTest, ConflictingAdvertAndForeignGroupAreRefused) {
  make();
  receive(0, ids[1], advert_of(9, 5000));
  wire::Advert other = advert_of(9, 5000);
  other.integrity_hash[1] = 1;
  receive(0, ids[2], other);
  EXPECT_EQ(engine->counters().drop(DropReason::conflicting_advert), 1u);
  wire::Advert foreign = advert_of(10, 5000);
  foreign.group = "servicers";
  receive(0, ids[2], foreign);
  EXPECT_EQ(engine->counters().drop(DropReason::not_in_group), 1u);
}

TEST_F(AdvertEngineTest, WrongSizedChunkMarksThePeerMisbehaving) {
  make([](AdvertConfig& c) { c.chunk_bytes = 1000; });
  receive(0, ids[1], advert_of(3, 2500));
  receive(0, ids[2], advert_of(3, 2500));
  receive(1, ids[1], wire::Artifact{3, 0, 2500, std::make_shared<wire::Bytes>(999)});
  EXPECT_EQ(engine->misbehaving(ids[1]), 1u);
  EXPECT_EQ(engine->tracker().requested_from(3), ids[2]) << "asked the other advertiser";
  const auto requests = sent<wire::Request>(out);
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].offset, 0u) << "a body restarts from scratch at a new peer";
  EXPECT_EQ(requests[0].length, 1000u);
}

TEST_F(AdvertEngineTest, InspectShowsEveryDropReasonAndPoolUsage) {
  make();
  receive(0, ids[1], advert_of(1, 5000));
  const nlohmann::json snapshot = engine->inspect();
  for (std::size_t i = 0; i < kDropReasonCount; ++i) {
    EXPECT_TRUE(snapshot["drops"].contains(drop_reason_name(static_cast<DropReason>(i))));
  }
  EXPECT_EQ(snapshot["mode"], "advert");
  EXPECT_EQ(snapshot["peers"][0]["requested"].size(), 1u);
  EXPECT_EQ(snapshot["peers"][0]["requested_limit"], 20);
  EXPECT_EQ(snapshot["peers"][0]["unvalidated"]["bytes"], 5000);
  EXPECT_EQ(snapshot["pool"]["unvalidated"]["bytes"], 5000);
  EXPECT_EQ(snapshot["pool"]["validated"]["count"], 0);
  EXPECT_TRUE(snapshot["received_check"].contains("capacity"));
}

TEST(AdvertEngineConfig, RejectsChunksBeyondTheFrameBudget) {
  EngineConfig config;
  config.membership = make_members(2, 1);
  config.advert.chunk_bytes = 9u << 20;
  EXPECT_THROW(AdvertEngine{config}, std::invalid_argument);
  config.advert.chunk_bytes = 1u << 20;
  EXPECT_NE(make_engine("advert", config), nullptr);
}

}  // namespace
}  // namespace rt::protocol
