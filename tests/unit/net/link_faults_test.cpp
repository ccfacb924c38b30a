// Injected faults in the transport (net/link_faults.hpp): loss, delay and partitions on real
// loopback connections. Waits are conditions with deadlines, never sleeps.
#include <gtest/gtest.h>

#include "net/link_faults.hpp"
#include "unit/net/transport_harness.hpp"

namespace rt::test {
namespace {

using namespace std::chrono_literals;
using net::DropReason;
using net::FaultSettings;
using SteadyTime = std::chrono::steady_clock;

// Short timers so that "the link outlived several read timeouts" takes about a second.
net::TransportConfig fast_config() {
  net::TransportConfig config;
  config.heartbeat_interval = 50ms;
  config.read_timeout = 300ms;
  return config;
}

std::size_t drops_with(const Recorded& r, DropReason code) {
  return static_cast<std::size_t>(
      std::count_if(r.drops.begin(), r.drops.end(), [&](const auto& d) { return d.code == code; }));
}

std::uint64_t seq_of(const wire::Message& m) {
  return std::get<wire::Gossip>(m).id.value;
}

// Two connected nodes, a (id 1, the dialer) and b (id 2).
struct Pair {
  explicit Pair(net::TransportConfig config = fast_config())
      : a(make_id(1), config), b(make_id(2), config) {
    a.start({a.address(), b.address()});
    b.start({a.address(), b.address()});
  }
  bool connected() { return a.wait_connected(b.id()) && b.wait_connected(a.id()); }
  TestNode a, b;
};

TEST(FaultInjector, HeartbeatsAreExemptLossCompoundsAndDelaysAdd) {
  net::FaultInjector faults(7);
  const NodeId peer = make_id(2), other = make_id(3);
  FaultSettings s;
  s.loss_percent = 100;
  s.delay = 200ms;
  s.links[peer] = {0, 300ms};
  faults.set(s);
  EXPECT_FALSE(faults.lose_outbound(peer, wire::MessageType::heartbeat));
  EXPECT_FALSE(faults.lose_inbound(wire::MessageType::hello));
  EXPECT_TRUE(faults.lose_outbound(peer, wire::MessageType::gossip));
  EXPECT_TRUE(faults.lose_inbound(wire::MessageType::ack));
  EXPECT_EQ(faults.delay_to(peer), 500ms);
  EXPECT_EQ(faults.delay_to(other), 200ms);

  // Link loss applies to that peer only, outbound only.
  s = {};
  s.links[peer] = {100, 0ms};
  faults.set(s);
  EXPECT_TRUE(faults.lose_outbound(peer, wire::MessageType::gossip));
  EXPECT_FALSE(faults.lose_outbound(other, wire::MessageType::gossip));
  EXPECT_FALSE(faults.lose_inbound(wire::MessageType::gossip));

  // Out-of-range values are clamped, never trusted.
  s = {};
  s.loss_percent = 250;
  s.delay = std::chrono::milliseconds(-5);
  s.links[peer] = {-3, 10min};
  faults.set(s);
  EXPECT_EQ(faults.settings().loss_percent, 100.0);
  EXPECT_EQ(faults.settings().delay, 0ms);
  EXPECT_EQ(faults.settings().links.at(peer).loss_percent, 0.0);
  EXPECT_EQ(faults.settings().links.at(peer).delay, net::kMaxFaultDelay);

  // The same seed gives the same losses.
  net::FaultInjector x(42), y(42);
  s = {};
  s.loss_percent = 50;
  x.set(s);
  y.set(s);
  for (int i = 0; i < 200; ++i) {
    ASSERT_EQ(x.lose_outbound(peer, wire::MessageType::gossip),
              y.lose_outbound(peer, wire::MessageType::gossip));
  }
}

TEST(LinkFaults, FullLossDropsEveryGossipFrameWhileHeartbeatsKeepTheLinkUp) {
  Pair p;
  ASSERT_TRUE(p.connected());
  FaultSettings loss;
  loss.loss_percent = 100;
  p.a.set_faults(loss);

  constexpr std::size_t kFrames = 200;
  for (std::size_t i = 0; i < kFrames; ++i) EXPECT_FALSE(p.a.send(p.b.id(), gossip_frame(i, 100)));
  p.a.with([&](const Recorded& r) {
    EXPECT_EQ(drops_with(r, DropReason::loss), kFrames);
    EXPECT_EQ(r.drops.size(), kFrames);
  });
  // Inbound too: b has no faults, a discards what b sends before its observer sees it.
  for (std::size_t i = 0; i < 50; ++i) ASSERT_TRUE(p.b.send(p.a.id(), gossip_frame(i, 100)));
  ASSERT_TRUE(p.a.wait([](const Recorded& r) { return r.lost_in == 50; }));

  // Over many read timeouts (heartbeats every 50 ms, timeout 300 ms) the link stays up.
  const std::size_t a_beats = p.a.with([](const Recorded& r) { return r.heartbeats_in; });
  const std::size_t b_beats = p.b.with([](const Recorded& r) { return r.heartbeats_in; });
  ASSERT_TRUE(p.a.wait([&](const Recorded& r) { return r.heartbeats_in >= a_beats + 20; }));
  ASSERT_TRUE(p.b.wait([&](const Recorded& r) { return r.heartbeats_in >= b_beats + 20; }));
  p.a.with([](const Recorded& r) {
    EXPECT_TRUE(r.downs.empty());
    EXPECT_TRUE(r.messages.empty());
  });
  p.b.with([](const Recorded& r) {
    EXPECT_TRUE(r.downs.empty());
    EXPECT_TRUE(r.messages.empty());
  });
  EXPECT_EQ(p.a.stats(p.b.id())->connects, 1u);
  EXPECT_EQ(p.a.stats(p.b.id())->drops, kFrames);
}

TEST(LinkFaults, PartialLossLandsInASaneRangeAndKeepsOrder) {
  Pair p;
  ASSERT_TRUE(p.connected());
  FaultSettings loss;
  loss.loss_percent = 30;
  p.a.set_faults(loss);
  constexpr std::size_t kFrames = 2000;
  std::size_t sent = 0;
  for (std::size_t i = 0; i < kFrames; ++i) sent += p.a.send(p.b.id(), gossip_frame(i, 64));
  const std::size_t lost =
      p.a.with([](const Recorded& r) { return drops_with(r, DropReason::loss); });
  EXPECT_EQ(lost + sent, kFrames);
  // Expected 600, standard deviation about 20: these bounds are about 7 sigma wide.
  EXPECT_GT(lost, 450u);
  EXPECT_LT(lost, 750u);
  ASSERT_TRUE(p.b.wait([&](const Recorded& r) { return r.messages.size() == sent; }));
  p.b.with([](const Recorded& r) {
    for (std::size_t i = 1; i < r.messages.size(); ++i) {
      ASSERT_LT(seq_of(r.messages[i - 1].second), seq_of(r.messages[i].second));
    }
  });
}

TEST(LinkFaults, LinkLossAppliesToThatPeerOnly) {
  const auto config = fast_config();
  TestNode a(make_id(1), config), b(make_id(2), config), c(make_id(3), config);
  const std::vector<net::PeerAddress> all = {a.address(), b.address(), c.address()};
  for (TestNode* n : {&a, &b, &c}) n->start(all);
  ASSERT_TRUE(a.wait_connected(b.id()) && a.wait_connected(c.id()));
  FaultSettings faults;
  faults.links[b.id()] = {100, 0ms};
  a.set_faults(faults);
  for (std::uint64_t i = 0; i < 20; ++i) {
    EXPECT_FALSE(a.send(b.id(), gossip_frame(i, 10)));
    EXPECT_TRUE(a.send(c.id(), gossip_frame(i, 10)));
  }
  ASSERT_TRUE(c.wait([](const Recorded& r) { return r.messages.size() == 20; }));
  // Outbound only: what b sends to a still arrives.
  ASSERT_TRUE(b.send(a.id(), gossip_frame(99, 10)));
  ASSERT_TRUE(a.wait([](const Recorded& r) { return r.messages.size() == 1; }));
  a.with([](const Recorded& r) { EXPECT_EQ(drops_with(r, DropReason::loss), 20u); });
  b.with([](const Recorded& r) { EXPECT_TRUE(r.messages.empty()); });
}

TEST(LinkFaults, DelayHoldsFramesAtLeastThatLongAndKeepsOrder) {
  Pair p;
  ASSERT_TRUE(p.connected());
  FaultSettings delay;
  delay.delay = 150ms;
  delay.links[p.b.id()] = {0, 150ms};  // node and link delays add: 300 ms
  p.a.set_faults(delay);
  constexpr std::size_t kFrames = 100;
  std::vector<SteadyTime::time_point> sent_at;
  for (std::size_t i = 0; i < kFrames; ++i) {
    sent_at.push_back(SteadyTime::now());
    ASSERT_TRUE(p.a.send(p.b.id(), gossip_frame(i, 200)));
  }
  // Held frames sit in the bounded queue.
  EXPECT_GT(p.a.stats(p.b.id())->queue_frames, 0u);
  ASSERT_TRUE(p.b.wait([&](const Recorded& r) { return r.messages.size() == kFrames; }));
  p.b.with([&](const Recorded& r) {
    for (std::size_t i = 0; i < kFrames; ++i) {
      ASSERT_EQ(seq_of(r.messages[i].second), i);
      ASSERT_GE(r.message_times[i] - sent_at[i], 300ms) << "frame " << i;
    }
  });
  // Clearing the delay: the next frame goes at once.
  p.a.set_faults({});
  const auto before = SteadyTime::now();
  ASSERT_TRUE(p.a.send(p.b.id(), gossip_frame(kFrames, 10)));
  ASSERT_TRUE(p.b.wait([&](const Recorded& r) { return r.messages.size() == kFrames + 1; }));
  EXPECT_LT(p.b.with([](const Recorded& r) { return r.message_times.back(); }) - before, 300ms);
}

TEST(LinkFaults, DelayLongerThanTheReadTimeoutDoesNotBringTheLinkDown) {
  Pair p;  // read timeout 300 ms
  ASSERT_TRUE(p.connected());
  FaultSettings delay;
  delay.delay = 1000ms;
  p.a.set_faults(delay);
  const auto before = SteadyTime::now();
  ASSERT_TRUE(p.a.send(p.b.id(), gossip_frame(1, 10)));
  ASSERT_TRUE(p.b.wait([](const Recorded& r) { return r.messages.size() == 1; }));
  EXPECT_GE(p.b.with([](const Recorded& r) { return r.message_times[0]; }) - before, 1000ms);
  // Heartbeats overtook the held frame: no side timed out.
  p.a.with([](const Recorded& r) { EXPECT_TRUE(r.downs.empty()); });
  p.b.with([](const Recorded& r) { EXPECT_TRUE(r.downs.empty()); });
  EXPECT_EQ(p.a.stats(p.b.id())->connects, 1u);
}

TEST(LinkFaults, DelayedFramesCountAgainstTheBoundedQueue) {
  auto config = fast_config();
  config.queue_max_frames = 10;
  Pair p(config);
  ASSERT_TRUE(p.connected());
  FaultSettings delay;
  delay.delay = 60000ms;
  p.a.set_faults(delay);
  std::size_t queued = 0;
  for (std::uint64_t i = 0; i < 15; ++i) queued += p.a.send(p.b.id(), gossip_frame(i, 10));
  EXPECT_EQ(queued, 10u);
  p.a.with([](const Recorded& r) { EXPECT_EQ(drops_with(r, DropReason::other), 5u); });
  EXPECT_EQ(p.a.stats(p.b.id())->queue_frames, 10u);
}

TEST(LinkFaults, BlockClosesTheLinkRefusesReconnectionAndUnblockReconnectsPromptly) {
  LogCapture logs;
  Pair p;
  ASSERT_TRUE(p.connected());

  // One-sided, on the acceptor: it closes the link and refuses the dialer's new HELLOs.
  FaultSettings block_a;
  block_a.blocked.insert(p.a.id());
  p.b.set_faults(block_a);
  ASSERT_TRUE(p.a.wait([&](const Recorded& r) { return !r.downs.empty(); }));
  ASSERT_TRUE(p.b.wait([&](const Recorded& r) { return !r.downs.empty(); }));
  ASSERT_TRUE(eventually([&] { return logs.contains("partitioned: peer 01010101 is blocked"); }));
  EXPECT_TRUE(logs.contains("refused inbound connection"));
  EXPECT_FALSE(p.b.stats(p.a.id())->connected);
  EXPECT_TRUE(p.b.stats(p.a.id())->blocked);
  EXPECT_FALSE(p.b.send(p.a.id(), gossip_frame(1, 10)));
  p.b.with([](const Recorded& r) {
    ASSERT_EQ(drops_with(r, DropReason::partitioned), 1u);
    EXPECT_EQ(r.drops.back().reason, "partitioned");
  });

  // Both ends, as the controller sets it: the dialer stops dialing.
  FaultSettings block_b;
  block_b.blocked.insert(p.b.id());
  p.a.set_faults(block_b);
  EXPECT_FALSE(p.a.send(p.b.id(), gossip_frame(2, 10)));
  EXPECT_EQ(p.a.faults().blocked.size(), 1u);

  // Heal: the acceptor first, then the dialer, which redials at once (not after its backoff,
  // which the refusals above have doubled).
  p.b.set_faults({});
  const auto healed = SteadyTime::now();
  p.a.set_faults({});
  ASSERT_TRUE(p.a.wait_connected(p.b.id(), 2));
  ASSERT_TRUE(p.b.wait_connected(p.a.id(), 2));
  EXPECT_LT(SteadyTime::now() - healed, 1000ms);
  EXPECT_TRUE(p.a.send(p.b.id(), gossip_frame(3, 10)));
  ASSERT_TRUE(p.b.wait([](const Recorded& r) { return r.messages.size() == 1; }));
}

TEST(LinkFaults, BlockDropsTheQueuedFramesAndIgnoresSelf) {
  Pair p;
  ASSERT_TRUE(p.connected());
  FaultSettings hold;
  hold.delay = 60000ms;
  p.a.set_faults(hold);
  for (std::uint64_t i = 0; i < 5; ++i) ASSERT_TRUE(p.a.send(p.b.id(), gossip_frame(i, 10)));
  FaultSettings block;
  block.blocked = {p.a.id(), p.b.id()};  // its own id is ignored
  block.links[p.a.id()] = {50, 0ms};
  p.a.set_faults(block);
  EXPECT_EQ(p.a.faults().blocked, std::set<NodeId>{p.b.id()});
  EXPECT_TRUE(p.a.faults().links.empty());
  p.a.with([](const Recorded& r) { EXPECT_EQ(drops_with(r, DropReason::partitioned), 5u); });
  EXPECT_EQ(p.a.stats(p.b.id())->queue_frames, 0u);
}

TEST(LinkFaults, ABlockedPeerAddedLaterIsNotDialed) {
  LogCapture logs;
  const auto config = fast_config();
  TestNode a(make_id(1), config), b(make_id(2), config), c(make_id(3), config);
  a.start({a.address(), b.address()});
  b.start({a.address(), b.address(), c.address()});
  c.start({a.address(), b.address(), c.address()});
  ASSERT_TRUE(a.wait_connected(b.id()));
  FaultSettings block;
  block.blocked.insert(c.id());
  a.set_faults(block);
  a.set_peers({a.address(), b.address(), c.address()});
  EXPECT_TRUE(a.stats(c.id())->blocked);
  // Absence is checked after b (id 2) has reached c: c was reachable all along.
  ASSERT_TRUE(c.wait_connected(b.id()));
  EXPECT_FALSE(a.stats(c.id())->connected);
  EXPECT_EQ(a.stats(c.id())->connects, 0u);
  a.set_faults({});
  ASSERT_TRUE(a.wait_connected(c.id()));
}

}  // namespace
}  // namespace rt::test
