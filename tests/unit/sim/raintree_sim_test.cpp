// Mode `raintree` in simulation: every live member delivers, with about one payload copy per
// node, for every N from 1 to 1000 (densely) with 0 %, 10 % and 30 % dead nodes.
#include <chrono>
#include <cstdio>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "protocol/raintree_engine.hpp"
#include "protocol/raintree_math.hpp"
#include "sim/simulator.hpp"

namespace rt::sim {
namespace {

SimConfig raintree(int n, double dead_fraction, std::uint64_t seed) {
  SimConfig config;
  config.mode = "raintree";
  config.nodes = n;
  config.dead_fraction = dead_fraction;
  config.seed = seed;
  config.payload_size = 256;
  config.origin_rank = 1 + static_cast<int>(seed % static_cast<std::uint64_t>(n));
  return config;
}

void expect_full_coverage(const SimResult& result, int n, double fraction, std::uint64_t seed) {
  const auto& b = result.report.broadcasts.at(0);
  ASSERT_EQ(b.delivered, b.members) << "N=" << n << " dead " << fraction << " seed " << seed
                                    << " missed " << b.missed_ranks.size();
  ASSERT_FALSE(result.cut_off);
  for (const auto& node : result.report.nodes) {
    ASSERT_LE(node.delivered, 1u) << "delivered twice, N=" << n;
  }
}

TEST(RaintreeSim, FaultFreeIsOneCopyPerNodeWithinLHops) {
  for (int n : {2, 3, 4, 8, 10, 27, 28, 100, 243, 500, 1000, 3000}) {
    const SimResult result = run_simulation(raintree(n, 0, 3));
    expect_full_coverage(result, n, 0, 3);
    const auto& t = result.report.totals;
    EXPECT_LE(t.payload_copies_per_node, 1.1) << "N=" << n;
    EXPECT_DOUBLE_EQ(t.payload_copies_per_node, 1.0) << "N=" << n;  // an exact partition
    EXPECT_LE(t.max_hops, protocol::raintree::levels(static_cast<std::uint64_t>(n))) << "N=" << n;
  }
}

// Every N from 1 to 1000, two seeds each (different dead sets and origins) and a third seed for
// every fifth N. One test per dead fraction so that ctest can run them side by side.
void sweep(double fraction) {
  const auto started = std::chrono::steady_clock::now();
  int runs = 0;
  for (int n = 1; n <= 1000; ++n) {
    for (std::uint64_t seed : {11u, 12u, 13u}) {
      if (seed == 13u && n % 5 != 0) continue;
      const SimResult result = run_simulation(raintree(n, fraction, seed));
      expect_full_coverage(result, n, fraction, seed);
      if (::testing::Test::HasFatalFailure()) return;
      ++runs;
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("[ sweep    ] %.0f%% dead: %d simulations in %.1f s\n", fraction * 100, runs,
              seconds);
}

TEST(RaintreeSweep, EveryNodeDeliversForEveryNUpTo1000) {
  sweep(0.0);
}
TEST(RaintreeSweep, EveryLiveNodeDeliversWithTenPercentDead) {
  sweep(0.1);
}
TEST(RaintreeSweep, EveryLiveNodeDeliversWithThirtyPercentDead) {
  sweep(0.3);
}

TEST(RaintreeSim, UnresponsiveNodesStillDeliver) {
  SimConfig config = raintree(200, 0.1, 5);
  config.origin_rank = 1;
  config.stopped_ranks = {2, 10, 67, 68, 69, 150};
  config.stop_us = 1'500'000;  // SIGSTOP for 1.5 s, longer than the ACK timeout
  const SimResult result = run_simulation(config);
  // Dead ranks never deliver, stopped ones deliver once they resume.
  expect_full_coverage(result, 200, 0.1, 5);
}

// Counts the cleanup payload copies a RainTree engine sends (the wrapper changes nothing).
class CleanupCounter final : public protocol::Engine {
 public:
  CleanupCounter(const protocol::EngineConfig& config, int& count)
      : inner_(config), count_(count) {}
  std::string_view mode() const override { return inner_.mode(); }
  void broadcast(Micros now, const protocol::BroadcastRequest& r, protocol::Actions& out) override {
    inner_.broadcast(now, r, out);
    count(out);
  }
  void on_message(Micros now, const NodeId& from, const wire::Message& m,
                  protocol::Actions& out) override {
    inner_.on_message(now, from, m, out);
    count(out);
  }
  void on_timer(Micros now, std::uint64_t id, protocol::Actions& out) override {
    inner_.on_timer(now, id, out);
    count(out);
  }
  void set_membership(protocol::MembershipPtr m) override { inner_.set_membership(m); }

 private:
  void count(const protocol::Actions& out) {
    for (const auto& action : out) {
      const auto* send = std::get_if<protocol::Send>(&action);
      const auto* g = send ? std::get_if<wire::Gossip>(&send->message) : nullptr;
      count_ += g && g->kind == wire::GossipKind::cleanup;
    }
  }
  protocol::RaintreeEngine inner_;
  int& count_;
};

TEST(RaintreeSim, CleanupRepairsLostFrames) {
  // A lost tree copy leaves its target out of the tree (its children are readjusted to); the
  // IGYM chains of its neighbours find it and send it the payload.
  int cleanup_copies = 0;
  for (int n : {10, 50, 99, 300, 1000}) {
    for (std::uint64_t seed : {1u, 2u, 3u, 4u}) {
      SimConfig config = raintree(n, 0.1, seed);
      config.latency.loss_rate = 0.03;
      config.factory = [&cleanup_copies](const protocol::EngineConfig& engine) {
        return std::make_unique<CleanupCounter>(engine, cleanup_copies);
      };
      const SimResult result = run_simulation(config);
      expect_full_coverage(result, n, 0.1, seed);
    }
  }
  EXPECT_GT(cleanup_copies, 0);
  std::printf("[ loss     ] cleanup payload copies sent: %d\n", cleanup_copies);
}

TEST(RaintreeSim, LaterBroadcastsRouteAroundKnownDeadNodes) {
  SimConfig config = raintree(1000, 0.2, 21);
  config.broadcasts = 3;
  const SimResult result = run_simulation(config);
  ASSERT_EQ(result.report.broadcasts.size(), 3u);
  for (const auto& b : result.report.broadcasts) EXPECT_EQ(b.delivered, b.members);
  // The first broadcast waits for ACK timeouts; the next ones already know who is silent.
  EXPECT_LT(result.report.broadcasts[2].last_delivery_ms,
            result.report.broadcasts[0].last_delivery_ms);
}

TEST(RaintreeSim, RestrictedGroupsReachOnlyTheirMembers) {
  for (const char* mode : {"raintree", "pocket", "random"}) {
    SimConfig config = raintree(300, 0, 4);
    config.mode = mode;
    config.origin_rank = 2;
    config.roles.assign(300, "validator");
    for (int i = 0; i < 300; i += 3) config.roles[i] = "servicer";  // ranks 1, 4, 7, ...
    config.group = "validators";
    const SimResult result = run_simulation(config);
    const auto& b = result.report.broadcasts.at(0);
    EXPECT_EQ(b.members, 200) << mode;
    if (std::string(mode) == "raintree") EXPECT_EQ(b.delivered, 200);
    for (const auto& node : result.report.nodes) {
      if (node.role != "servicer") continue;
      EXPECT_EQ(node.bytes_in, 0u) << mode << " rank " << node.rank;
      EXPECT_EQ(node.delivered, 0u) << mode << " rank " << node.rank;
    }
  }
}

TEST(RaintreeSim, SameSeedSameReport) {
  const SimResult a = run_simulation(raintree(500, 0.2, 9));
  const SimResult b = run_simulation(raintree(500, 0.2, 9));
  EXPECT_EQ(telemetry::to_json(a.report), telemetry::to_json(b.report));
  EXPECT_EQ(a.dead_ranks.size(), 100u);
}

TEST(RaintreeSim, HundredThousandNodes) {
  const auto started = std::chrono::steady_clock::now();
  const SimResult result = run_simulation(raintree(100'000, 0, 1));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const auto& t = result.report.totals;
  std::printf(
      "[ 100k     ] %.2f s wall, %llu events, coverage %.4f, copies/node %.3f, "
      "max hops %d, last delivery %.1f ms\n",
      seconds, static_cast<unsigned long long>(result.events), t.coverage,
      t.payload_copies_per_node, t.max_hops, t.last_delivery_ms);
  EXPECT_EQ(t.coverage, 1.0);
}

TEST(SimConfigErrors, AreReportedWithAReason) {
  SimConfig config;
  config.nodes = 10;
  config.origin_rank = 11;
  EXPECT_THROW(run_simulation(config), std::invalid_argument);
  config.origin_rank = 3;
  config.dead_ranks = {3};
  EXPECT_THROW(run_simulation(config), std::invalid_argument);
  config.dead_ranks = {};
  config.mode = "gossipsub";
  EXPECT_THROW(run_simulation(config), std::invalid_argument);
}

}  // namespace
}  // namespace rt::sim
