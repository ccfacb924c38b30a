// The advert tracker against its specification (advert_tracker.hpp); check() runs after every
// step, as Bitcoin Core's txrequest tests call SanityCheck().
#include <gtest/gtest.h>

#include <random>

#include <nlohmann/json.hpp>

#include "protocol/advert_tracker.hpp"

namespace rt::protocol {
namespace {

NodeId peer(std::uint8_t n) {
  NodeId::Bytes b{};
  b[0] = n;
  return NodeId(b);
}

wire::Advert advert_of(std::uint64_t id, std::uint64_t size = 100) {
  wire::Advert advert;
  advert.artifact_id = id;
  advert.size = size;
  advert.group = "all";
  return advert;
}

const auto kAlwaysFits = [](const wire::Advert&) { return true; };

TEST(AdvertTracker, PicksByClassThenAgeAndSkipsStash) {
  AdvertTracker t;
  EXPECT_EQ(t.add(peer(1), advert_of(1), Priority::fetch, 0), AdvertTracker::AddResult::queued);
  EXPECT_EQ(t.add(peer(1), advert_of(2), Priority::stash, 1), AdvertTracker::AddResult::queued);
  EXPECT_EQ(t.add(peer(1), advert_of(3), Priority::fetch_now, 2), AdvertTracker::AddResult::queued);
  EXPECT_EQ(t.add(peer(1), advert_of(4), Priority::later, 3), AdvertTracker::AddResult::queued);
  EXPECT_EQ(t.add(peer(1), advert_of(5), Priority::fetch, 4), AdvertTracker::AddResult::queued);
  EXPECT_EQ(t.add(peer(1), advert_of(6), Priority::drop, 5), AdvertTracker::AddResult::dropped);
  ASSERT_EQ(t.check(), "");
  std::vector<std::uint64_t> order;
  while (auto next = t.download_next(peer(1), 10, 100, kAlwaysFits)) {
    order.push_back(next->artifact_id);
    ASSERT_EQ(t.check(), "");
  }
  EXPECT_EQ(order, (std::vector<std::uint64_t>{3, 1, 5, 4}));
  EXPECT_EQ(t.queued(peer(1)), 1u) << "the stashed advert stays queued";
  EXPECT_EQ(t.requested(peer(1)), 4u);
}

TEST(AdvertTracker, OneFetchPerArtifactAndFailureMovesToAnotherAdvertiser) {
  AdvertTracker t;
  for (std::uint8_t p = 1; p <= 3; ++p) t.add(peer(p), advert_of(7), Priority::fetch, p);
  EXPECT_EQ(t.add(peer(2), advert_of(7), Priority::fetch, 9), AdvertTracker::AddResult::duplicate);
  ASSERT_TRUE(t.download_next(peer(2), 10, 100, kAlwaysFits));
  EXPECT_FALSE(t.download_next(peer(1), 10, 100, kAlwaysFits)) << "already fetched from 2";
  EXPECT_EQ(t.requested_from(7), peer(2));
  EXPECT_TRUE(t.failed(peer(2), 7));
  ASSERT_EQ(t.check(), "");
  EXPECT_EQ(t.advertisers(7), (std::set<NodeId>{peer(1), peer(3)}));
  ASSERT_TRUE(t.download_next(peer(3), 20, 200, kAlwaysFits));
  EXPECT_TRUE(t.failed(peer(3), 7));
  EXPECT_FALSE(t.failed(peer(1), 7)) << "the last advertiser gone: forgotten";
  EXPECT_EQ(t.artifacts(), 0u);
  EXPECT_TRUE(t.peers().empty());
  ASSERT_EQ(t.check(), "");
}

TEST(AdvertTracker, BoundsQueueAndRequestedSetPerPeer) {
  AdvertTracker t({/*max_queued_per_peer=*/3, /*max_requested_per_peer=*/2});
  for (std::uint64_t id = 1; id <= 5; ++id) {
    const auto result = t.add(peer(1), advert_of(id), Priority::fetch, 0);
    EXPECT_EQ(result,
              id <= 3 ? AdvertTracker::AddResult::queued : AdvertTracker::AddResult::queue_full);
  }
  int fetched = 0;
  while (t.download_next(peer(1), 0, 10, kAlwaysFits)) ++fetched;
  EXPECT_EQ(fetched, 2);
  EXPECT_EQ(t.add(peer(1), advert_of(6), Priority::fetch, 0), AdvertTracker::AddResult::queued)
      << "requested adverts left the queue";
  ASSERT_EQ(t.check(), "");
}

TEST(AdvertTracker, ConflictingMetadataIsRefused) {
  AdvertTracker t;
  t.add(peer(1), advert_of(1, 100), Priority::fetch, 0);
  EXPECT_EQ(t.add(peer(2), advert_of(1, 101), Priority::fetch, 0),
            AdvertTracker::AddResult::conflicting);
  EXPECT_EQ(t.advertisers(1).size(), 1u);
}

TEST(AdvertTracker, FitsCallbackAndDeadlines) {
  AdvertTracker t;
  t.add(peer(1), advert_of(1, 1000), Priority::fetch_now, 0);
  t.add(peer(1), advert_of(2, 10), Priority::fetch, 0);
  const auto next =
      t.download_next(peer(1), 5, 50, [](const wire::Advert& a) { return a.size < 100; });
  ASSERT_TRUE(next);
  EXPECT_EQ(next->artifact_id, 2u) << "the larger one does not fit the pool yet";
  EXPECT_TRUE(t.expired(49).empty());
  t.extend(2, 80);
  EXPECT_TRUE(t.expired(79).empty());
  ASSERT_EQ(t.expired(80).size(), 1u);
  EXPECT_EQ(t.expired(80)[0].artifact_id, 2u);
}

TEST(AdvertTracker, ReprioritizeResortsAndDrops) {
  AdvertTracker t;
  t.add(peer(1), advert_of(1), Priority::fetch, 0);
  t.add(peer(1), advert_of(2), Priority::fetch, 0);
  t.add(peer(2), advert_of(2), Priority::fetch, 0);
  ASSERT_TRUE(t.download_next(peer(2), 0, 10, kAlwaysFits));
  const auto dropped = t.reprioritize([](const wire::Advert& a) {
    return a.artifact_id == 2 ? Priority::drop : Priority::fetch_now;
  });
  ASSERT_EQ(dropped.size(), 1u);
  EXPECT_EQ(dropped[0].artifact_id, 2u);
  EXPECT_EQ(dropped[0].requested_from, peer(2));
  ASSERT_EQ(t.check(), "");
  const nlohmann::json view = t.peer_json(peer(1), 5);
  EXPECT_EQ(view["queue"]["fetch_now"]["count"], 1);
  EXPECT_EQ(view["queue"]["fetch_now"]["first"][0], to_string(MessageId{1}));
  EXPECT_EQ(t.requested(peer(2)), 0u);
}

TEST(AdvertTracker, ForgetPeerReturnsWhatItWasServing) {
  AdvertTracker t;
  t.add(peer(1), advert_of(1), Priority::fetch, 0);
  t.add(peer(1), advert_of(2), Priority::fetch, 0);
  t.add(peer(2), advert_of(2), Priority::fetch, 0);
  ASSERT_TRUE(t.download_next(peer(1), 0, 10, kAlwaysFits));
  EXPECT_EQ(t.forget_peer(peer(1)), (std::vector<std::uint64_t>{1}));
  EXPECT_EQ(t.artifacts(), 1u);
  EXPECT_EQ(t.queued(peer(2)), 1u);
  ASSERT_EQ(t.check(), "");
}

// Random operations in random order; the invariants must hold after each one.
TEST(AdvertTracker, RandomOperationsKeepEveryInvariant) {
  std::mt19937_64 rng(99);
  AdvertTracker t({/*max_queued_per_peer=*/6, /*max_requested_per_peer=*/3});
  const std::array<Priority, 5> classes = {Priority::drop, Priority::stash, Priority::later,
                                           Priority::fetch, Priority::fetch_now};
  Micros now = 0;
  for (int step = 0; step < 20'000; ++step) {
    now += static_cast<Micros>(rng() % 10);
    const NodeId p = peer(static_cast<std::uint8_t>(1 + rng() % 5));
    const std::uint64_t id = rng() % 24;
    switch (rng() % 8) {
      case 0:
      case 1:
        t.add(p, advert_of(id, 100 + id % 3), classes[rng() % classes.size()], now);
        break;
      case 2:
        t.download_next(p, now, now + 50,
                        [&](const wire::Advert& a) { return a.size != 102 || rng() % 2; });
        break;
      case 3:
        t.failed(p, id);
        break;
      case 4:
        if (rng() % 4 == 0) t.finished(id);
        break;
      case 5:
        for (const auto& late : t.expired(now)) t.failed(late.peer, late.artifact_id);
        break;
      case 6:
        if (rng() % 10 == 0) {
          t.reprioritize([&](const wire::Advert&) { return classes[rng() % classes.size()]; });
        }
        break;
      case 7:
        if (rng() % 20 == 0) t.forget_peer(p);
        if (auto from = t.requested_from(id)) t.extend(id, now + 30);
        break;
    }
    ASSERT_EQ(t.check(), "") << "step " << step;
  }
}

}  // namespace
}  // namespace rt::protocol
