// The simulator's event trace: what each simulated node would put in its event stream, in the
// same shape as a real node's (the studio's --bench plays it through the views).
#include <map>

#include <gtest/gtest.h>

#include "sim/simulator.hpp"

namespace rt::sim {
namespace {

using Kind = wire::EventKind;

struct Traced {
  int rank;
  wire::EventRecord event;
};

std::vector<Traced> trace_of(SimConfig config) {
  std::vector<Traced> out;
  config.trace = [&](int rank, const wire::EventRecord& e) { out.push_back({rank, e}); };
  run_simulation(config);
  return out;
}

TEST(SimTrace, EveryFrameIsSentAndReceivedAndEveryNodeDeliversOnce) {
  SimConfig config;
  config.mode = "raintree";
  config.nodes = 27;
  config.origin_rank = 4;
  const std::vector<Traced> events = trace_of(config);
  const std::vector<NodeId> ids = make_node_ids(config.nodes, config.seed);

  std::map<Kind, int> count;
  std::map<int, int> delivered;
  MessageId id;
  Micros last = 0;
  for (const Traced& t : events) {
    ++count[t.event.kind];
    EXPECT_GE(t.event.time_us, last) << "in virtual-time order";
    last = t.event.time_us;
    if (t.event.kind == Kind::originate) {
      EXPECT_EQ(t.rank, config.origin_rank);
      id = t.event.msg_id;
    }
    if (t.event.kind == Kind::deliver) {
      ++delivered[t.rank];
      EXPECT_EQ(t.event.msg_id, id);
    }
    if (t.event.kind == Kind::send || t.event.kind == Kind::receive) {
      EXPECT_NE(t.event.peer, ids[static_cast<std::size_t>(t.rank - 1)]) << "never to itself";
      EXPECT_GT(t.event.bytes, 0u);
    }
  }
  EXPECT_EQ(count[Kind::originate], 1);
  EXPECT_EQ(count[Kind::send], count[Kind::receive]) << "no loss, no dead node";
  EXPECT_EQ(static_cast<int>(delivered.size()), config.nodes);
  for (const auto& [rank, times] : delivered) EXPECT_EQ(times, 1) << "rank " << rank;
}

TEST(SimTrace, FramesToADeadNodeAreSentButNeverReceived) {
  SimConfig config;
  config.mode = "raintree";
  config.nodes = 9;
  config.dead_ranks = {5};
  const std::vector<Traced> events = trace_of(config);
  const NodeId dead = make_node_ids(config.nodes, config.seed)[4];
  int sent_to_dead = 0;
  for (const Traced& t : events) {
    EXPECT_NE(t.rank, 5) << "a dead node records nothing";
    if (t.event.kind == Kind::send && t.event.peer == dead) ++sent_to_dead;
  }
  EXPECT_GT(sent_to_dead, 0) << "the origin's first-level pick or a neighbour tries rank 5";
}

}  // namespace
}  // namespace rt::sim
