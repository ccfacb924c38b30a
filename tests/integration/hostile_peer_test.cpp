// Hostile peers against real raintree-node processes on loopback ("trust and robustness"): a
// test-controlled raw TCP client attacks one node (the victim) of a 5-node raintree cluster:
//   1. a flood of well-formed frames,        2. lengths above the maximum,
//   3. hundreds of connections,              4. half a frame and a stall,
//   5. replays of a delivered broadcast.
// For each, the victim stays up and answers status, its resident memory stays bounded, honest
// broadcasts still reach every honest node, and the node itself closes the hostile connection
// with a reason in its log. Each case prints its figures ("[ hostile ]" lines).
//
// The attacker may complete the HELLO as a listed member: two fake members, with ids below every
// real one (so they are the dialers and every node accepts their HELLO), are joined to every
// node's address book; no process serves them, so only the test speaks for them.
//
// The cluster runs --insecure so that the raw client can speak the framing directly: these
// cases attack what sits behind the TLS layer (a malicious member holds a valid key and reaches
// the same frame reader and budgets). tls_peer_test.cpp repeats the flood over TLS with a
// member's real key, and checks the refusals TLS adds.
#include <atomic>
#include <iostream>
#include <thread>

#include "cluster_queries.hpp"
#include "hostile_client.hpp"
#include "util/clock.hpp"

namespace rt::itest {
namespace {

using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

constexpr int kNodes = 5;
constexpr int kVictimRank = 3;
// The victim may grow by this much while it is attacked (it holds 65 536 broadcast states and
// event records at most; the bound is generous on purpose, the figures are printed). The same
// bounded growth shows larger under the sanitizers (docs/sanitizers.md): TSan keeps 4 bytes of
// shadow for every byte the node touches besides its own metadata; ASan pads every allocation
// with redzones and holds freed memory back in its quarantine.
#if defined(__SANITIZE_THREAD__)
constexpr std::uint64_t kRssScale = 5;
#elif defined(__SANITIZE_ADDRESS__)
constexpr std::uint64_t kRssScale = 2;
#else
constexpr std::uint64_t kRssScale = 1;
#endif
constexpr std::uint64_t kRssSlackKib = 192 * 1024 * kRssScale;

NodeId fake_member(int k) {
  NodeId::Bytes bytes{};
  bytes[NodeId::kSize - 1] = static_cast<std::uint8_t>(k);
  return NodeId(bytes);
}

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// What one case measured, printed for the lead to quote.
struct Figures {
  std::string name;
  std::uint64_t frames = 0;
  std::uint64_t bytes = 0;
  int connections = 0;
  std::uint64_t rss_before_kib = 0;
  std::uint64_t rss_after_kib = 0;
  double disconnect_ms = -1;  // attack start (or last byte) to the node's close; -1: none
  std::string extra;

  void print() const {
    std::cout << "[ hostile ] " << name << ": frames sent " << frames << ", bytes sent " << bytes
              << ", connections opened " << connections << ", RSS " << rss_before_kib
              << " KiB before, " << rss_after_kib << " KiB after, time to disconnect "
              << disconnect_ms << " ms" << (extra.empty() ? "" : ", " + extra) << "\n";
  }
};

// A frame with its 32-bit length replaced: a header announcing `length` body bytes.
wire::Bytes header_announcing(const wire::Message& message, std::uint32_t length) {
  wire::Bytes frame = wire::encode_frame(message);
  frame.resize(wire::kHeaderSize);
  for (int i = 0; i < 4; ++i) frame[i] = static_cast<std::uint8_t>(length >> (24 - 8 * i));
  return frame;
}

wire::Gossip flood_gossip(std::uint64_t id, std::size_t payload) {
  wire::Gossip gossip;
  gossip.id = MessageId{id};
  gossip.origin = fake_member(1);
  gossip.group = "all";
  gossip.kind = wire::GossipKind::tree;
  gossip.level = 1;
  gossip.hops = 1;
  gossip.origin_time_us = wall_micros();
  gossip.payload = std::make_shared<wire::Bytes>(payload, std::uint8_t{0xAB});
  return gossip;
}

class HostilePeer : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    cluster::LaunchOptions options;
    options.insecure = true;
    auto launched = launch(dir_.path(), kNodes, "raintree", error, options);
    ASSERT_TRUE(launched) << error;
    info_ = *launched;
    guard_.reset(info_);
    for (const NodeInfo& n : info_.nodes) {
      for (int k = 1; k <= 2; ++k) {
        ASSERT_TRUE(ask(n, {{"cmd", "join"},
                            {"id", fake_member(k).hex()},
                            {"role", "validator"},
                            {"endpoint", "127.0.0.1:9"}}))
            << "rank " << n.rank;
      }
    }
    ASSERT_TRUE(eventually([&] { return connected_counts(info_, full_mesh(info_)); }, seconds(10)));
  }

  const NodeInfo& victim() const { return info_.nodes[kVictimRank - 1]; }
  std::uint16_t victim_port() const { return port_of(victim().listen); }
  std::uint64_t victim_rss() const { return rss_kib(victim().pid); }

  // The victim runs and answers status.
  bool victim_up() const {
    return cluster::process_alive(victim().pid) && ask(victim(), {{"cmd", "status"}}).has_value();
  }

  // A broadcast from `origin` reaches every rank in `ranks`; the id, empty on failure.
  std::string honest_broadcast(int origin, const std::set<int>& ranks) {
    const std::string id = broadcast(info_.nodes[origin - 1]);
    EXPECT_FALSE(id.empty()) << "rank " << origin << " refused the broadcast";
    if (id.empty()) return id;
    EXPECT_TRUE(eventually([&] { return delivered_by(info_, ranks, id); }, seconds(10)))
        << "broadcast " << id << " from rank " << origin << " did not reach every honest node";
    return id;
  }

  std::set<int> honest() const { return ranks_but(kNodes, {}); }

  // The victim's log names `text` (polled: the line may still be on its way).
  bool victim_logged(const std::string& text) const { return logged(victim(), text); }

  std::uint64_t victim_counter(const char* name) const {
    return node_counters(victim()).value(name, 0ull);
  }

  // What every case checks once the attack is over: the victim logged why it closed the
  // hostile connections, runs, answers, stayed within its memory bound and serves honest peers.
  void expect_survived(Figures& f, std::initializer_list<const char*> reasons) {
    for (const char* reason : reasons) {
      EXPECT_TRUE(victim_logged(reason)) << "the victim's log never says \"" << reason << "\"";
    }
    EXPECT_TRUE(victim_up()) << "the victim died or stopped answering";
    f.rss_after_kib = victim_rss();
    std::error_code ec;
    f.extra += ", victim log " + std::to_string(fs::file_size(victim().log, ec) / 1024) + " KiB";
    f.print();
    EXPECT_GT(f.rss_before_kib, 0u);
    EXPECT_LT(f.rss_after_kib, f.rss_before_kib + kRssSlackKib)
        << "the victim grew by more than " << kRssSlackKib / 1024 << " MiB";
    honest_broadcast(1, honest());
    honest_broadcast(kVictimRank, honest());
  }

  TempDir dir_{"hostile"};
  ClusterGuard guard_;
  ClusterInfo info_;
};

// ---- 1. flood --------------------------------------------------------------------------------

struct FloodResult {
  std::uint64_t frames = 0;
  std::uint64_t bytes = 0;
  int connections = 0;
  int closed_by_node = 0;
  int refused = 0;  // HELLOs refused (the penalty after a violation)
  double first_disconnect_ms = -1;
};

// Floods the victim as fake member 1 with gossip (fresh ids, 1 KiB payloads) and heartbeats, as
// fast as the socket takes them, for `length`, and on until the node has closed the connection
// once (a victim starved of CPU reads slowly), up to `limit`; reconnects whenever the node closes.
FloodResult flood(std::uint16_t port, Clock::duration length, Clock::duration limit) {
  FloodResult r;
  const auto start = Clock::now();
  std::uint64_t next_id = 0xF100D00000000000ull;
  auto go_on = [&] {
    const auto elapsed = Clock::now() - start;
    return elapsed < length || (r.closed_by_node == 0 && elapsed < limit);
  };
  while (go_on()) {
    RawPeer peer = RawPeer::connect(port);
    ++r.connections;
    if (!peer.open() || !peer.hello_as(fake_member(1))) {
      ++r.refused;
      continue;
    }
    const auto up = Clock::now();
    while (go_on() && !peer.closed_by_peer()) {
      wire::Bytes batch;
      std::uint64_t frames = 0;
      for (int i = 0; i < 64; ++i, frames += 2) {
        const wire::Bytes gossip = wire::encode_frame(flood_gossip(next_id++, 1024));
        const wire::Bytes heartbeat = wire::encode_frame(wire::Heartbeat{wall_micros()});
        batch.insert(batch.end(), gossip.begin(), gossip.end());
        batch.insert(batch.end(), heartbeat.begin(), heartbeat.end());
      }
      std::span<const std::uint8_t> rest(batch);
      while (!rest.empty() && !peer.closed_by_peer() && go_on()) {
        const std::size_t n = peer.send_some(rest);
        rest = rest.subspan(n);
        r.bytes += n;
        peer.pump();  // what the node sends back (ACKs) must not fill our receive buffer
        if (n == 0) {
          pollfd p{peer.fd(), POLLOUT | POLLIN, 0};
          ::poll(&p, 1, 10);
        }
      }
      if (rest.empty()) r.frames += frames;
    }
    if (peer.closed_by_peer()) {
      ++r.closed_by_node;
      if (r.first_disconnect_ms < 0) r.first_disconnect_ms = ms_since(up);
    }
  }
  return r;
}

TEST_F(HostilePeer, AFloodOfWellFormedFramesIsCutOffAndHonestGossipFlows) {
  Figures f{"1 flood"};
  f.rss_before_kib = victim_rss();
  const std::uint64_t delivered_before = victim_counter("delivered");
  FloodResult r;
  std::thread attacker([&] { r = flood(victim_port(), seconds(3), seconds(20)); });
  // During the attack: a broadcast from another node reaches every honest node but the victim
  // (whose message table the flood churns; it is checked after the attack).
  honest_broadcast(1, ranks_but(kNodes, {kVictimRank}));
  attacker.join();
  f.frames = r.frames;
  f.bytes = r.bytes;
  f.connections = r.connections;
  f.disconnect_ms = r.first_disconnect_ms;
  f.extra = "closed by the node " + std::to_string(r.closed_by_node) + " times, " +
            std::to_string(r.refused) + " HELLOs refused, delivered " +
            std::to_string(victim_counter("delivered") - delivered_before) + " flood broadcasts";
  EXPECT_GT(r.closed_by_node, 0) << "the node never closed the flooding connection";
  expect_survived(f, {"inbound budget"});
}

// ---- 2. oversize lengths ---------------------------------------------------------------------

TEST_F(HostilePeer, LengthsAboveTheMaximumAreRefusedBeforeAnythingIsAllocated) {
  Figures f{"2 oversize"};
  f.rss_before_kib = victim_rss();
  double worst_ms = 0;
  // Sends `header` and waits for the node to hang up.
  auto refused = [&](RawPeer& peer, const wire::Bytes& header) {
    const auto start = Clock::now();
    ++f.frames;
    f.bytes += header.size();
    const bool closed = peer.send_all(header) && peer.wait_closed(milliseconds(3000));
    worst_ms = std::max(worst_ms, ms_since(start));
    return closed;
  };
  // After the HELLO, as each fake member: a gossip header one byte above max_body.
  for (int k = 1; k <= 2; ++k) {
    RawPeer member = RawPeer::connect(victim_port());
    ++f.connections;
    ASSERT_TRUE(member.hello_as(fake_member(k)));
    EXPECT_TRUE(
        refused(member, header_announcing(flood_gossip(1, 0), wire::kDefaultMaxBodySize + 1)));
  }
  // A member that broke the protocol is refused for a while: it cannot churn connections.
  RawPeer again = RawPeer::connect(victim_port());
  ++f.connections;
  EXPECT_FALSE(again.hello_as(fake_member(1)));
  EXPECT_TRUE(again.wait_closed(milliseconds(3000)));
  // Before any HELLO, from anyone: HELLO headers of 4 GiB - 1 and of one byte above its limit.
  for (int round = 0; round < 40; ++round) {
    for (const std::uint32_t length : {0xFFFFFFFFu, (64u << 10) + 1}) {
      RawPeer peer = RawPeer::connect(victim_port());
      ++f.connections;
      ASSERT_TRUE(peer.open());
      EXPECT_TRUE(refused(peer, header_announcing(wire::Hello{}, length))) << length;
    }
  }
  f.disconnect_ms = worst_ms;
  f.extra = "worst of " + std::to_string(f.frames) + " disconnects";
  expect_survived(f, {"bad frame header", "refused for another"});
}

// ---- 3. many connections ---------------------------------------------------------------------

// Sockets that the node has closed (EOF or reset seen), counted without reading frames.
int count_closed(std::vector<RawPeer>& peers) {
  int closed = 0;
  for (RawPeer& peer : peers) {
    if (!peer.open() || peer.closed_by_peer() || !peer.pump()) ++closed;
  }
  return closed;
}

TEST_F(HostilePeer, HundredsOfConnectionsDoNotLockHonestPeersOut) {
  Figures f{"3 connections"};
  f.rss_before_kib = victim_rss();
  constexpr int kSilent = 500;
  std::vector<RawPeer> silent;
  const auto start = Clock::now();
  for (int i = 0; i < kSilent; ++i) {
    silent.push_back(RawPeer::connect(victim_port()));
    ++f.connections;
  }
  // All but 16 (the handshake slots of one address) are refused at once; those 16 wait for the
  // handshake deadline.
  int refused_at_once = 0;
  EXPECT_TRUE(eventually([&] { return (refused_at_once = count_closed(silent)) >= kSilent - 16; },
                         seconds(10)))
      << refused_at_once;
  const double refusal_ms = ms_since(start);

  // Meanwhile an honest peer loses its connection to the victim and must get back in: rank 1
  // has the lowest real id, so it is the one that dials the victim.
  const NodeInfo& rank1 = info_.nodes[0];
  ASSERT_TRUE(ask(victim(), {{"cmd", "fault"}, {"block", json::array({rank1.id.hex()})}}));
  ASSERT_TRUE(eventually([&] { return peers_connected(victim()) == kNodes - 2; }, seconds(5)));
  ASSERT_TRUE(ask(victim(), {{"cmd", "fault"}, {"clear", true}}));
  // The attacker keeps the pressure on: every closed socket is opened again.
  const bool back = eventually(
      [&] {
        for (RawPeer& peer : silent) {
          if (!peer.open() || peer.closed_by_peer() || !peer.pump()) {
            peer = RawPeer::connect(victim_port());
            ++f.connections;
          }
        }
        return peers_connected(victim()) == kNodes - 1;
      },
      seconds(10), milliseconds(50));
  EXPECT_TRUE(back) << "rank 1 could not reconnect to the victim during the attack";
  const double reconnect_ms = ms_since(start);

  // Connections that finish the HELLO as a listed member (from 127.0.0.1: the attacker's own
  // address has no handshake slot left): each new one replaces the last.
  const std::uint64_t downs_before = victim_counter("peer_downs");
  constexpr int kMembers = 100;
  std::vector<RawPeer> members;
  for (int i = 0; i < kMembers; ++i) {
    members.push_back(RawPeer::connect(victim_port(), "127.0.0.1"));
    ++f.connections;
    ASSERT_TRUE(members.back().hello_as(fake_member(1 + i % 2))) << i;
  }
  for (int i = 0; i < kMembers - 2; ++i) {
    EXPECT_TRUE(members[i].wait_closed(milliseconds(3000))) << "replaced member connection " << i;
  }
  const std::uint64_t replaced = victim_counter("peer_downs") - downs_before;
  EXPECT_GE(replaced, static_cast<std::uint64_t>(kMembers - 2));

  // Every silent socket is closed by the node (handshake deadline), none left behind.
  const auto quiet = Clock::now();
  EXPECT_TRUE(eventually([&] { return count_closed(silent) == kSilent; }, seconds(12)))
      << count_closed(silent) << " of " << kSilent << " closed";
  f.disconnect_ms = ms_since(quiet);
  f.extra = std::to_string(refused_at_once) + " refused within " + std::to_string(refusal_ms) +
            " ms, rank 1 back after " + std::to_string(reconnect_ms) + " ms, " +
            std::to_string(replaced) + " member connections replaced";
  expect_survived(f,
                  {"too many connections in handshake from this address", "handshake timed out"});
}

// ---- 4. half a frame, then a stall ----------------------------------------------------------

TEST_F(HostilePeer, HalfAFrameThenAStallIsClosedByDeadline) {
  Figures f{"4 stall"};
  f.rss_before_kib = victim_rss();
  const wire::Bytes hello = wire::encode_frame(wire::Hello{});
  const wire::Bytes gossip = wire::encode_frame(flood_gossip(7, 60000));

  // Before the HELLO: half of a HELLO, nothing more.
  RawPeer before = RawPeer::connect(victim_port());
  // After the HELLO, silent: half of a gossip frame, nothing more.
  RawPeer silent = RawPeer::connect(victim_port());
  // After the HELLO, slow: half of a gossip frame, then a byte now and then, never the end.
  RawPeer slow = RawPeer::connect(victim_port());
  f.connections = 3;
  ASSERT_TRUE(silent.hello_as(fake_member(1)));
  ASSERT_TRUE(slow.hello_as(fake_member(2)));
  const auto start = Clock::now();
  const std::size_t half = gossip.size() / 2;
  ASSERT_TRUE(before.send_all(std::span(hello).first(hello.size() / 2)));
  ASSERT_TRUE(silent.send_all(std::span(gossip).first(half)));
  ASSERT_TRUE(slow.send_all(std::span(gossip).first(half)));
  f.frames = 3;
  f.bytes = hello.size() / 2 + 2 * half;

  std::map<std::string, double> closed_after;
  std::size_t trickled = half;
  const bool all_closed = eventually(
      [&] {
        if (trickled < gossip.size() - 1 &&
            slow.send_some(std::span(gossip).subspan(trickled, 1))) {
          ++trickled;
          ++f.bytes;
        }
        for (auto [name, peer] : {std::pair{"before", &before}, std::pair{"silent", &silent},
                                  std::pair{"slow", &slow}}) {
          if (!closed_after.count(name) && !peer->pump()) closed_after[name] = ms_since(start);
        }
        return closed_after.size() == 3;
      },
      seconds(15), milliseconds(250));
  for (const char* name : {"before", "silent", "slow"}) {
    EXPECT_TRUE(closed_after.count(name)) << "the " << name << " connection was never closed";
  }
  EXPECT_TRUE(all_closed);
  f.disconnect_ms = 0;
  for (const auto& [name, ms] : closed_after) {
    f.disconnect_ms = std::max(f.disconnect_ms, ms);
    f.extra += (f.extra.empty() ? "" : ", ") + name + " closed after " + std::to_string(ms) + " ms";
  }
  f.extra += ", " + std::to_string(trickled - half) + " bytes trickled";
  expect_survived(f, {"handshake timed out", "read timeout", "frame not complete"});
}

// ---- 5. replays ------------------------------------------------------------------------------

TEST_F(HostilePeer, ReplaysOfADeliveredBroadcastAreNeverDeliveredAgain) {
  Figures f{"5 replay"};
  f.rss_before_kib = victim_rss();
  const std::string id = honest_broadcast(1, honest());
  ASSERT_FALSE(id.empty());
  const json original = message_entry(victim(), id);
  ASSERT_TRUE(original.is_object());
  std::vector<std::uint64_t> delivered_before;
  for (const NodeInfo& n : info_.nodes) {
    delivered_before.push_back(node_counters(n).value("delivered", 0ull));
  }

  // Re-encoded copies of the broadcast, every kind, ranged or not, as fast as possible.
  wire::Gossip copy;
  copy.id = MessageId{std::stoull(id, nullptr, 16)};
  copy.origin = info_.nodes[0].id;
  copy.group = "all";
  copy.origin_time_us = original.value("origin_time_us", Micros{0});
  copy.payload = std::make_shared<wire::Bytes>(512, std::uint8_t{0});
  wire::Bytes replay;
  constexpr int kCopies = 4000;
  for (int i = 0; i < kCopies; ++i) {
    copy.kind = static_cast<wire::GossipKind>(1 + i % wire::kMaxGossipKind);
    copy.level = static_cast<Level>(i % 3);
    copy.range_start = static_cast<std::uint32_t>(i % 7);
    copy.range_size = static_cast<std::uint32_t>(i % 8);
    copy.hops = static_cast<std::uint8_t>(1 + i % 4);
    const wire::Bytes frame = wire::encode_frame(copy);
    replay.insert(replay.end(), frame.begin(), frame.end());
  }
  RawPeer peer = RawPeer::connect(victim_port());
  f.connections = 1;
  ASSERT_TRUE(peer.hello_as(fake_member(1)));
  const auto start = Clock::now();
  // The copies over and over, until the node hangs up (its inbound budget) or 20 s passed.
  while (!peer.closed_by_peer() && ms_since(start) < 20000) {
    for (std::span<const std::uint8_t> rest(replay); !rest.empty();) {
      const auto chunk = rest.first(std::min<std::size_t>(rest.size(), 1 << 16));
      if (!peer.send_all(chunk)) break;
      f.bytes += chunk.size();
      rest = rest.subspan(chunk.size());
      peer.pump();  // the node's ACKs
    }
  }
  f.frames = f.bytes * kCopies / replay.size();
  const bool closed = peer.wait_closed(milliseconds(3000));
  f.disconnect_ms = ms_since(start);

  EXPECT_TRUE(eventually([&] { return message_entry(victim(), id).value("duplicates", 0ull) > 0; },
                         seconds(3)));
  for (const NodeInfo& n : info_.nodes) {
    EXPECT_EQ(node_counters(n).value("delivered", 0ull), delivered_before[n.rank - 1])
        << "rank " << n.rank << " delivered a replay";
  }
  const json after = message_entry(victim(), id);
  f.extra = "duplicates counted " + std::to_string(after.value("duplicates", 0ull)) +
            ", deliveries unchanged";
  EXPECT_TRUE(closed) << "the node never closed the replaying connection";
  expect_survived(f, {"inbound budget"});
}

}  // namespace
}  // namespace rt::itest
