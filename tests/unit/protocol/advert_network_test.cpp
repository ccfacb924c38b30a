// Advert gossip across many in-memory engines: a time-ordered event queue routes every Send
// with a latency (a fixed delay plus 1 ns per byte) and fires timers, so request timeouts and
// ticks happen as they would in a node. Counts what a node's telemetry would count.
#include <gtest/gtest.h>

#include <cstdio>
#include <functional>
#include <map>
#include <queue>
#include <random>
#include <set>

#include <nlohmann/json.hpp>

#include "protocol/advert_engine.hpp"
#include "protocol/sha256.hpp"
#include "random_members.hpp"
#include "wire/codec.hpp"

namespace rt::protocol {
namespace {

wire::SharedBytes make_body(std::size_t size, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto body = std::make_shared<wire::Bytes>(size);
  for (auto& b : *body) b = static_cast<std::uint8_t>(rng());
  return body;
}

struct NodeTally {
  std::map<std::uint64_t, int> delivered;  // artifact id -> deliveries
  std::map<std::uint64_t, wire::Sha256> delivered_hash;
  Micros last_delivery_us = 0;
  std::uint64_t artifact_frames_in = 0;
  std::uint64_t body_copies_in = 0;  // Artifact frames at offset 0: one per body received
  std::uint64_t payload_bytes_in = 0;
  std::uint64_t control_bytes_in = 0;
  std::uint64_t frames_in = 0;
};

class Network {
 public:
  // Latency of a frame from -> to, before the per-byte part.
  std::function<Micros(const NodeId&, const NodeId&)> base_latency =
      [](const NodeId&, const NodeId&) { return Micros{1000}; };
  // Frames for which this returns true are lost on the way.
  std::function<bool(const NodeId&, const NodeId&, const wire::Message&)> lose =
      [](const NodeId&, const NodeId&, const wire::Message&) { return false; };

  Network(const MembershipPtr& members, const std::function<void(AdvertConfig&)>& tune = {},
          const std::set<NodeId>& byzantine = {}) {
    for (const Member& m : members->members()) {
      EngineConfig config;
      config.self = m.id;
      config.membership = members;
      if (tune) tune(config.advert);
      config.advert.byzantine = byzantine.count(m.id) != 0;
      engines_[m.id] = std::make_unique<AdvertEngine>(config);
    }
  }

  AdvertEngine& engine(const NodeId& id) { return *engines_.at(id); }
  NodeTally& tally(const NodeId& id) { return tallies_[id]; }
  Micros now() const { return now_; }

  void broadcast(const NodeId& origin, std::uint64_t id, wire::SharedBytes body,
                 const std::string& group = "all") {
    Actions out;
    engines_.at(origin)->broadcast(now_, {MessageId{id}, group, std::move(body)}, out);
    handle(origin, out);
  }

  void peer_up(const NodeId& node, const NodeId& peer) {
    Actions out;
    engines_.at(node)->on_peer_up(now_, peer, out);
    handle(node, out);
  }

  // Runs until no event is left or `until` is reached; checks every tracker after each step.
  void run(Micros until = std::numeric_limits<Micros>::max()) {
    while (!events_.empty() && events_.top().at <= until) {
      Event event = events_.top();
      events_.pop();
      now_ = event.at;
      Actions out;
      AdvertEngine& target = *engines_.at(event.to);
      if (event.is_timer) {
        target.on_timer(now_, event.timer_id, out);
      } else {
        count_in(event.to, event.message);
        target.on_message(now_, event.from, event.message, out);
      }
      handle(event.to, out);
      ASSERT_EQ(target.tracker().check(), "") << "after an event at " << now_;
    }
  }

 private:
  struct Event {
    Micros at = 0;
    std::uint64_t seq = 0;
    NodeId to;
    NodeId from;
    bool is_timer = false;
    std::uint64_t timer_id = 0;
    wire::Message message;
    bool operator>(const Event& other) const {
      return at != other.at ? at > other.at : seq > other.seq;
    }
  };

  void count_in(const NodeId& to, const wire::Message& message) {
    NodeTally& t = tallies_[to];
    const std::size_t bytes = wire::frame_size(message);
    ++t.frames_in;
    if (const auto* artifact = std::get_if<wire::Artifact>(&message)) {
      ++t.artifact_frames_in;
      if (artifact->offset == 0) ++t.body_copies_in;
      t.payload_bytes_in += bytes;
    } else {
      t.control_bytes_in += bytes;
    }
  }

  void handle(const NodeId& node, Actions& out) {
    for (Action& action : out) {
      if (auto* send = std::get_if<Send>(&action)) {
        ASSERT_NE(send->to, node) << "a node never sends to itself";
        if (lose(node, send->to, send->message)) continue;
        const auto bytes = static_cast<Micros>(wire::frame_size(send->message));
        push({now_ + base_latency(node, send->to) + bytes / 1000, 0, send->to, node, false, 0,
              std::move(send->message)});
      } else if (auto* timer = std::get_if<SetTimer>(&action)) {
        push({timer->at, 0, node, node, true, timer->timer_id, {}});
      } else if (auto* deliver = std::get_if<Deliver>(&action)) {
        NodeTally& t = tallies_[node];
        ++t.delivered[deliver->id.value];
        t.delivered_hash[deliver->id.value] = sha256(*deliver->payload);
        t.last_delivery_us = now_;
      }
    }
  }

  void push(Event event) {
    event.seq = next_seq_++;
    events_.push(std::move(event));
  }

  std::map<NodeId, std::unique_ptr<AdvertEngine>> engines_;
  std::map<NodeId, NodeTally> tallies_;
  std::priority_queue<Event, std::vector<Event>, std::greater<>> events_;
  std::uint64_t next_seq_ = 0;
  Micros now_ = 0;
};

TEST(AdvertNetwork, TwentySevenNodesGetEachBodyOnceInChunks) {
  auto members = make_members(27, 11);
  Network net(members);  // defaults: 1 MiB chunks
  const auto& ids = members->group("all");
  const auto small = make_body(1 << 20, 1);
  const auto large = make_body(8 << 20, 2);
  net.broadcast(ids[0], 101, small);
  net.broadcast(ids[13], 102, large);
  net.run();

  std::uint64_t copies = 0, frames = 0, payload = 0, control = 0;
  Micros last_delivery = 0;
  for (const NodeId& id : ids) {
    NodeTally& t = net.tally(id);
    ASSERT_EQ(t.delivered[101], 1) << id.short_hex();
    ASSERT_EQ(t.delivered[102], 1) << id.short_hex();
    EXPECT_EQ(t.delivered_hash[101], sha256(*small));
    EXPECT_EQ(t.delivered_hash[102], sha256(*large));
    copies += t.body_copies_in;
    frames += t.artifact_frames_in;
    payload += t.payload_bytes_in;
    control += t.control_bytes_in;
    last_delivery = std::max(last_delivery, t.last_delivery_us);
    EXPECT_EQ(net.engine(id).tracker().artifacts(), 0u);
    EXPECT_EQ(net.engine(id).pool().downloads(), 0u);
  }
  // Two artifacts, 26 receivers each: a body is received exactly once per node.
  const double per_node = static_cast<double>(copies) / (2.0 * 26.0);
  EXPECT_EQ(copies, 2u * 26u);
  EXPECT_EQ(frames, 26u * (1 + 8));  // 1 chunk of the 1 MiB body, 8 of the 8 MiB body
  EXPECT_LE(payload, 26u * ((9u << 20) + 9u * 64u));
  std::printf(
      "[advert 27 nodes] body copies per node %.3f, artifact frames %llu, payload bytes "
      "%llu (%.3f x body bytes), control bytes %llu, last delivery at %.1f ms\n",
      per_node, static_cast<unsigned long long>(frames), static_cast<unsigned long long>(payload),
      static_cast<double>(payload) / (26.0 * (9 << 20)), static_cast<unsigned long long>(control),
      static_cast<double>(last_delivery) / 1000.0);
}

TEST(AdvertNetwork, ByzantineServerIsCaughtAndHonestNodesGetTheRightBytes) {
  auto members = make_members(10, 12);
  const auto& ids = members->group("all");
  const NodeId origin = ids[0], byzantine = ids[1];
  Network net(members, [](AdvertConfig& c) { c.chunk_bytes = 64 << 10; }, {byzantine});
  // The origin reaches everyone but the byzantine node slowly, so honest nodes hear the
  // byzantine node's advert first and ask it for the body.
  net.base_latency = [&](const NodeId& from, const NodeId& to) {
    return (from == origin && to != byzantine) || (to == origin && from != byzantine)
               ? Micros{50'000}
               : Micros{1000};
  };
  const auto body = make_body(256 << 10, 3);
  net.broadcast(origin, 7, body);
  net.run();
  std::uint64_t mismatches = 0;
  for (const NodeId& id : ids) {
    NodeTally& t = net.tally(id);
    ASSERT_EQ(t.delivered[7], 1) << id.short_hex();
    EXPECT_EQ(t.delivered_hash[7], sha256(*body)) << id.short_hex();
    if (id == origin || id == byzantine) continue;
    EXPECT_GE(net.engine(id).misbehaving(byzantine), 1u) << id.short_hex();
    EXPECT_EQ(net.engine(id).misbehaving(origin), 0u);
    mismatches += net.engine(id).counters().drop(DropReason::integrity_mismatch);
  }
  EXPECT_EQ(mismatches, 8u);
  EXPECT_EQ(net.engine(ids[2]).inspect()["drops"]["integrity_mismatch"], 1);
}

TEST(AdvertNetwork, RequestTimeoutRetriesAnotherAdvertiser) {
  auto members = make_members(4, 13);
  const auto& ids = members->group("all");
  const NodeId origin = ids[0], mute = ids[1];
  Network net(members);
  // `mute` relays adverts but its bodies never arrive; the origin is slow to everyone else.
  net.base_latency = [&](const NodeId& from, const NodeId& to) {
    return from == origin && to != mute ? Micros{100'000} : Micros{1000};
  };
  net.lose = [&](const NodeId& from, const NodeId&, const wire::Message& m) {
    return from == mute && std::holds_alternative<wire::Artifact>(m);
  };
  const auto body = make_body(4096 * 100, 4);
  net.broadcast(origin, 9, body);
  net.run();
  for (const NodeId& id : {ids[2], ids[3]}) {
    AdvertEngine& engine = net.engine(id);
    EXPECT_EQ(net.tally(id).delivered[9], 1);
    EXPECT_EQ(net.tally(id).delivered_hash[9], sha256(*body));
    EXPECT_EQ(engine.counters().drop(DropReason::timeout), 1u);
    EXPECT_EQ(engine.misbehaving(mute), 0u) << "a timeout is not misbehaviour";
  }
  // Delivered within one request timeout of the first request, plus the origin's latency.
  EXPECT_LT(std::max(net.tally(ids[2]).last_delivery_us, net.tally(ids[3]).last_delivery_us),
            2'000'000 + 500'000);
}

TEST(AdvertNetwork, RetransmissionAfterPeerUpBringsAMissedArtifact) {
  auto members = make_members(5, 14);
  const auto& ids = members->group("all");
  const NodeId late = ids[4];
  Network net(members);
  bool offline = true;
  net.lose = [&](const NodeId& from, const NodeId& to, const wire::Message&) {
    return offline && (from == late || to == late);
  };
  net.broadcast(ids[0], 1, make_body(3000, 5));
  net.broadcast(ids[1], 2, make_body(200'000, 6));
  net.run();
  EXPECT_EQ(net.tally(late).delivered.size(), 0u);
  offline = false;
  EXPECT_EQ(net.engine(late).retransmit_min_height(net.now()), 0u) << "empty pool: everything";
  net.peer_up(late, ids[2]);
  net.run();
  EXPECT_EQ(net.tally(late).delivered[1], 1);
  EXPECT_EQ(net.tally(late).delivered[2], 1);
  EXPECT_EQ(net.engine(ids[2]).counters().retransmit_requests_in, 1u);
  EXPECT_EQ(net.engine(late).counters().retransmit_requests_out, 1u);
  // With artifacts held, the filter starts retransmit_lookback below the newest height.
  const std::uint64_t newest = *net.engine(late).pool().newest_height();
  EXPECT_EQ(net.engine(late).retransmit_min_height(net.now()),
            newest > 30'000'000 ? newest - 30'000'000 : 0);
}

TEST(AdvertNetwork, RestrictedGroupNeverReachesOutsiders) {
  auto members = make_members(20, 15, /*servicers=*/8);
  Network net(members);
  NodeId origin;
  for (const Member& m : members->members()) {
    if (m.role == "validator") origin = m.id;
  }
  const auto body = make_body(70'000, 7);
  net.broadcast(origin, 5, body, "validators");
  net.run();
  for (const Member& m : members->members()) {
    if (m.role == "validator") {
      EXPECT_EQ(net.tally(m.id).delivered[5], 1);
      EXPECT_EQ(net.tally(m.id).body_copies_in, m.id == origin ? 0u : 1u);
    } else {
      EXPECT_EQ(net.tally(m.id).frames_in, 0u) << "servicer got validator traffic";
      EXPECT_EQ(net.tally(m.id).delivered.count(5), 0u);
    }
  }
}

TEST(AdvertNetwork, SixtyFourMiBArtifactUsesOneBufferWithinTheBounds) {
  auto members = make_members(3, 16);
  const auto& ids = members->group("all");
  Network net(members);
  const auto body = make_body(64 << 20, 8);
  net.broadcast(ids[0], 64, body);
  // Stop half way: the receivers hold exactly one partial buffer each, charged to one peer.
  net.run(20'000);
  for (const NodeId& id : {ids[1], ids[2]}) {
    const AdvertPool& pool = net.engine(id).pool();
    EXPECT_LE(pool.downloads(), 1u);
    EXPECT_LE(pool.unvalidated_bytes_total(), pool.limits().unvalidated_bytes_per_peer);
  }
  net.run();
  for (const NodeId& id : {ids[1], ids[2]}) {
    EXPECT_EQ(net.tally(id).delivered_hash[64], sha256(*body));
    EXPECT_EQ(net.tally(id).artifact_frames_in, 64u);
    EXPECT_EQ(net.tally(id).body_copies_in, 1u);
    EXPECT_EQ(net.engine(id).pool().unvalidated_bytes_total(), 0u);
  }
}

TEST(AdvertNetwork, ManySmallArtifactsFromManyOriginsReachEveryone) {
  auto members = make_members(12, 17);
  const auto& ids = members->group("all");
  Network net(members, [](AdvertConfig& c) { c.tracker.max_requested_per_peer = 3; });
  std::uint64_t next_id = 1000;
  for (int round = 0; round < 5; ++round) {
    for (const NodeId& origin : ids) {
      net.broadcast(origin, next_id, make_body(5000, next_id));
      ++next_id;
    }
  }
  net.broadcast(ids[3], next_id++, std::make_shared<wire::Bytes>());  // an empty body
  net.run();
  for (const NodeId& id : ids) {
    EXPECT_EQ(net.tally(id).delivered.size(), 61u);
    EXPECT_EQ(net.tally(id).body_copies_in, id == ids[3] ? 55u : 56u)
        << "one copy of each body it did not create";
  }
}

}  // namespace
}  // namespace rt::protocol
