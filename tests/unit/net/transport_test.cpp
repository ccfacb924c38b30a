#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include <gtest/gtest.h>

#include "unit/net/transport_harness.hpp"

namespace rt::test {
namespace {

using namespace std::chrono_literals;

// A plain blocking loopback client for hostile-input tests, from `source` (another loopback
// address stands for another host). Reads time out after 5 s.
class RawClient {
 public:
  explicit RawClient(std::uint16_t port, const char* source = "127.0.0.1") {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in local{};
    local.sin_family = AF_INET;
    ::inet_pton(AF_INET, source, &local.sin_addr);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof local);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~RawClient() { ::close(fd_); }
  bool connected() const { return connected_; }
  bool send(const std::vector<std::uint8_t>& bytes) {
    return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(bytes.size());
  }
  // Reads one whole frame; nullopt on EOF, error or timeout.
  std::optional<wire::Message> read_frame() {
    std::vector<std::uint8_t> header(wire::kHeaderSize);
    if (!read_exact(header)) return std::nullopt;
    const std::uint32_t size = std::uint32_t{header[0]} << 24 | std::uint32_t{header[1]} << 16 |
                               std::uint32_t{header[2]} << 8 | header[3];
    std::vector<std::uint8_t> body(size);
    if (!read_exact(body)) return std::nullopt;
    header.insert(header.end(), body.begin(), body.end());
    return wire::decode_frame(header).message;
  }
  // True when the peer closed the connection (read returns 0 or a reset) within 5 s.
  bool closed_by_peer() {
    std::uint8_t byte;
    for (;;) {
      const ssize_t n = ::recv(fd_, &byte, 1, 0);
      if (n == 0) return true;
      if (n < 0) return errno == ECONNRESET;
    }
  }

 private:
  bool read_exact(std::vector<std::uint8_t>& out) {
    std::size_t got = 0;
    while (got < out.size()) {
      const ssize_t n = ::recv(fd_, out.data() + got, out.size() - got, 0);
      if (n <= 0) return false;
      got += static_cast<std::size_t>(n);
    }
    return true;
  }
  int fd_ = -1;
  bool connected_ = false;
};

std::vector<std::uint8_t> hello_bytes(const NodeId& id) {
  wire::Hello hello;
  hello.id = id;
  hello.listen = "127.0.0.1:1";
  hello.roles = {"validator"};
  return wire::encode_frame(hello);
}

TEST(Transport, TwoNodesDeliverFramesInOrderBothWays) {
  TestNode a(make_id(1)), b(make_id(2));
  a.start({a.address(), b.address()});
  b.start({a.address(), b.address()});
  ASSERT_TRUE(a.wait_connected(b.id()));
  ASSERT_TRUE(b.wait_connected(a.id()));

  constexpr std::uint64_t kFrames = 2000;
  for (std::uint64_t i = 0; i < kFrames; ++i) ASSERT_TRUE(a.send(b.id(), gossip_frame(i, 300)));
  for (std::uint64_t i = 0; i < 50; ++i) ASSERT_TRUE(b.send(a.id(), gossip_frame(i, 70000)));
  ASSERT_TRUE(b.wait([&](const Recorded& r) { return r.messages.size() == kFrames; }));
  ASSERT_TRUE(a.wait([&](const Recorded& r) { return r.messages.size() == 50; }));
  b.with([&](const Recorded& r) {
    for (std::uint64_t i = 0; i < kFrames; ++i) {
      ASSERT_EQ(r.messages[i].first, a.id());
      ASSERT_EQ(gossip_seq(r.messages[i].second), i);
      ASSERT_EQ(std::get<wire::Gossip>(r.messages[i].second).payload->size(), 300u);
    }
  });
  a.with([&](const Recorded& r) {
    for (std::uint64_t i = 0; i < 50; ++i) ASSERT_EQ(gossip_seq(r.messages[i].second), i);
  });
  const auto stats = a.stats(b.id());
  ASSERT_TRUE(stats);
  EXPECT_TRUE(stats->connected);
  EXPECT_TRUE(stats->dialer);  // 1 < 2: the lower id dials
  EXPECT_EQ(stats->connects, 1u);
  EXPECT_EQ(stats->drops, 0u);
  EXPECT_GT(stats->last_heard_us, 0);
  EXPECT_FALSE(b.stats(a.id())->dialer);
}

TEST(Transport, ThreeNodesFormOneConnectionPerPair) {
  TestNode a(make_id(1)), b(make_id(2)), c(make_id(3));
  const std::vector<net::PeerAddress> all = {a.address(), b.address(), c.address()};
  for (TestNode* n : {&a, &b, &c}) n->start(all);
  for (TestNode* n : {&a, &b, &c}) {
    for (TestNode* m : {&a, &b, &c}) {
      if (n != m) {
        ASSERT_TRUE(n->wait_connected(m->id())) << "no link";
      }
    }
  }
  for (TestNode* n : {&a, &b, &c}) {
    std::uint64_t seq = 0;
    for (TestNode* m : {&a, &b, &c}) {
      if (n != m) {
        ASSERT_TRUE(n->send(m->id(), gossip_frame(seq++, 64)));
      }
    }
  }
  for (TestNode* n : {&a, &b, &c}) {
    ASSERT_TRUE(n->wait([](const Recorded& r) { return r.messages.size() == 2; }));
    for (TestNode* m : {&a, &b, &c}) {
      if (n == m) continue;
      const auto s = n->stats(m->id());
      EXPECT_TRUE(s->connected);
      EXPECT_EQ(s->connects, 1u) << "a second connection was made for one pair";
    }
  }
}

TEST(Transport, FramesQueuedWhileDownWaitAndOverflowIsDroppedAndReported) {
  net::TransportConfig config;
  config.queue_max_frames = 4;
  TestNode a(make_id(1), config);
  // B's port is reserved by binding it now; B starts later.
  auto b = std::make_unique<TestNode>(make_id(2));
  const auto b_address = b->address();
  a.start({a.address(), b_address});

  for (std::uint64_t i = 0; i < 10; ++i) a.send(b_address.id, gossip_frame(i, 100));
  ASSERT_TRUE(a.wait([](const Recorded& r) { return r.drops.size() == 6; }));
  a.with([&](const Recorded& r) {
    for (const auto& drop : r.drops) {
      EXPECT_EQ(drop.to, b_address.id);
      EXPECT_EQ(drop.type, wire::MessageType::gossip);
      EXPECT_EQ(drop.reason, "queue full");
    }
  });
  auto s = a.stats(b_address.id);
  EXPECT_FALSE(s->connected);
  EXPECT_EQ(s->queue_frames, 4u);
  EXPECT_EQ(s->queue_high_water_frames, 4u);
  EXPECT_EQ(s->queue_limit_frames, 4u);
  EXPECT_EQ(s->drops, 6u);

  // B comes up: the four queued frames arrive, in order.
  b->start({a.address(), b_address});
  ASSERT_TRUE(b->wait([](const Recorded& r) { return r.messages.size() == 4; }));
  b->with([](const Recorded& r) {
    for (std::uint64_t i = 0; i < 4; ++i) EXPECT_EQ(gossip_seq(r.messages[i].second), i);
  });
  EXPECT_TRUE(eventually([&] { return a.stats(b_address.id)->queue_frames == 0; }));
}

TEST(Transport, ByteLimitDropsToo) {
  net::TransportConfig config;
  const std::size_t frame = gossip_frame(0, 1000)->size();
  config.queue_max_bytes = 3 * frame;
  TestNode a(make_id(1), config);
  TestNode b(make_id(2));  // never started: A's frames stay queued
  a.start({a.address(), b.address()});
  for (std::uint64_t i = 0; i < 5; ++i) a.send(b.id(), gossip_frame(i, 1000));
  const auto s = a.stats(b.id());
  EXPECT_EQ(s->queue_frames, 3u);
  EXPECT_EQ(s->queue_bytes, 3 * frame);
  EXPECT_EQ(s->queue_high_water_bytes, 3 * frame);
  EXPECT_EQ(s->drops, 2u);
  EXPECT_FALSE(a.send(make_id(9), gossip_frame(0, 10)));  // not a peer
  a.with([](const Recorded& r) { EXPECT_EQ(r.drops.back().reason, "unknown peer"); });
}

TEST(Transport, UnknownIdIsRefusedAndLogged) {
  LogCapture logs;
  TestNode a(make_id(5));
  TestNode stranger(make_id(1));  // lower id: it dials A, which does not list it
  a.start({a.address()});
  stranger.start({stranger.address(), a.address()});
  ASSERT_TRUE(eventually([&] { return logs.contains("unknown id " + make_id(1).hex()); }));
  EXPECT_FALSE(stranger.stats(a.id())->connected);
  a.with([](const Recorded& r) { EXPECT_TRUE(r.ups.empty()); });
  stranger.with([](const Recorded& r) { EXPECT_TRUE(r.ups.empty()); });
}

TEST(Transport, HigherIdMustNotDial) {
  LogCapture logs;
  TestNode a(make_id(1));
  a.start({a.address(), {make_id(2), "127.0.0.1", 1}});
  RawClient client(a.port());
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.send(hello_bytes(make_id(2))));  // listed, but the higher id
  EXPECT_TRUE(client.closed_by_peer());
  EXPECT_TRUE(eventually([&] { return logs.contains("tie-break"); }));
}

TEST(Transport, ReconnectsAfterThePeerRestarts) {
  TestNode a(make_id(1));
  auto b = std::make_unique<TestNode>(make_id(2));
  const auto b_address = b->address();
  a.start({a.address(), b_address});
  b->start({a.address(), b_address});
  ASSERT_TRUE(a.wait_connected(b_address.id));

  b.reset();  // B goes away
  ASSERT_TRUE(a.wait([](const Recorded& r) { return r.downs.size() == 1; }));
  EXPECT_FALSE(a.stats(b_address.id)->connected);
  a.send(b_address.id, gossip_frame(42, 10));  // queued while B is down

  b = std::make_unique<TestNode>(make_id(2), net::TransportConfig{}, b_address.port);
  b->start({a.address(), b_address});
  ASSERT_TRUE(a.wait_connected(b_address.id, 2));
  ASSERT_TRUE(b->wait([](const Recorded& r) { return r.messages.size() == 1; }));
  b->with([](const Recorded& r) { EXPECT_EQ(gossip_seq(r.messages[0].second), 42u); });
  EXPECT_EQ(a.stats(b_address.id)->connects, 2u);

  // The dialer restarts too: B takes the new inbound connection.
  const auto a_address = a.address();
  a.shutdown();
  ASSERT_TRUE(b->wait([](const Recorded& r) { return r.downs.size() == 1; }));
  TestNode a2(make_id(1), net::TransportConfig{}, a_address.port);
  a2.start({a_address, b_address});
  ASSERT_TRUE(b->wait_connected(a_address.id, 2));
  ASSERT_TRUE(b->send(a_address.id, gossip_frame(7, 10)));
  ASSERT_TRUE(a2.wait([](const Recorded& r) { return r.messages.size() == 1; }));
}

TEST(Transport, GarbageAndOversizeCloseOnlyThatConnection) {
  LogCapture logs;
  const NodeId c_id = make_id(1);  // listed, lower than B: may dial B
  // C comes back right after each violation here; the penalty has a test of its own.
  net::TransportConfig config;
  config.misbehaviour_penalty = 0ms;
  TestNode a(make_id(2)), b(make_id(3), config);
  const std::vector<net::PeerAddress> all = {{c_id, "127.0.0.1", 1}, a.address(), b.address()};
  a.start(all);
  b.start(all);
  ASSERT_TRUE(b.wait_connected(a.id()));

  {  // garbage before HELLO
    RawClient raw(b.port());
    ASSERT_TRUE(raw.send(std::vector<std::uint8_t>(64, 0xab)));
    EXPECT_TRUE(raw.closed_by_peer());
  }
  {  // an oversize length before HELLO: refused before allocating
    RawClient raw(b.port());
    ASSERT_TRUE(raw.send({0x7f, 0xff, 0xff, 0xff, 1, 0x01}));
    EXPECT_TRUE(raw.closed_by_peer());
  }
  {  // an authenticated peer sends an oversize length
    RawClient raw(b.port());
    ASSERT_TRUE(raw.send(hello_bytes(c_id)));
    const auto hello = raw.read_frame();
    ASSERT_TRUE(hello && std::holds_alternative<wire::Hello>(*hello));
    ASSERT_TRUE(b.wait_connected(c_id));
    ASSERT_TRUE(raw.send({0xff, 0xff, 0xff, 0xff, 1, 0x03}));
    EXPECT_TRUE(raw.closed_by_peer());
    ASSERT_TRUE(b.wait([&](const Recorded& r) {
      return std::any_of(r.downs.begin(), r.downs.end(),
                         [&](const auto& d) { return d.first == c_id; });
    }));
  }
  {  // an authenticated peer sends a body that does not decode
    RawClient raw(b.port());
    ASSERT_TRUE(raw.send(hello_bytes(c_id)));
    ASSERT_TRUE(raw.read_frame());
    ASSERT_TRUE(raw.send({0, 0, 0, 2, 1, 0x04, 0xde, 0xad}));  // a 2-byte ACK
    EXPECT_TRUE(raw.closed_by_peer());
  }
  EXPECT_TRUE(eventually([&] { return logs.contains("frame body larger than"); }));
  EXPECT_TRUE(logs.contains("undecodable ack frame"));

  // A and B never noticed.
  const auto s = b.stats(a.id());
  EXPECT_TRUE(s->connected);
  EXPECT_EQ(s->connects, 1u);
  ASSERT_TRUE(a.send(b.id(), gossip_frame(1, 10)));
  ASSERT_TRUE(b.wait([](const Recorded& r) { return r.messages.size() == 1; }));
}

TEST(Transport, HeartbeatsKeepASilentLinkUpAndReadTimeoutDropsASilentPeer) {
  net::TransportConfig config;
  config.heartbeat_interval = 50ms;
  config.read_timeout = 400ms;
  const NodeId c_id = make_id(1);
  TestNode a(make_id(2), config), b(make_id(3), config);
  const std::vector<net::PeerAddress> all = {{c_id, "127.0.0.1", 1}, a.address(), b.address()};
  a.start(all);
  b.start(all);
  ASSERT_TRUE(b.wait_connected(a.id()));
  // Twenty heartbeats span 1 s, well past the read timeout, without a drop.
  ASSERT_TRUE(b.wait([](const Recorded& r) { return r.heartbeats_in >= 20; }));
  b.with([](const Recorded& r) { EXPECT_TRUE(r.downs.empty()); });

  RawClient silent(b.port());
  ASSERT_TRUE(silent.send(hello_bytes(c_id)));
  ASSERT_TRUE(silent.read_frame());
  ASSERT_TRUE(b.wait([&](const Recorded& r) {
    return std::any_of(r.downs.begin(), r.downs.end(), [&](const auto& d) {
      return d.first == c_id && d.second.find("read timeout") != std::string::npos;
    });
  }));
  EXPECT_TRUE(b.stats(a.id())->connected);
}

// Node B (id 3) alone with `config`; C (id 1) is listed but runs nowhere: raw clients speak
// for it.
struct NodeAndRawMember {
  explicit NodeAndRawMember(const net::TransportConfig& config) : b(make_id(3), config) {
    b.start({{c_id, "127.0.0.1", 1}, b.address()});
  }
  // The HELLO exchange as C.
  bool hello(RawClient& raw) { return raw.send(hello_bytes(c_id)) && raw.read_frame(); }

  LogCapture logs;
  const NodeId c_id = make_id(1);
  TestNode b;
};

// A member that floods is cut off at its inbound budget and refused for the penalty.
TEST(Transport, AFloodIsCutOffAtTheInboundBudgetAndRefusedForThePenalty) {
  net::TransportConfig config;
  config.inbound = {100, 200, 0, 0};
  config.misbehaviour_penalty = 60s;
  NodeAndRawMember t(config);

  RawClient flooder(t.b.port());
  ASSERT_TRUE(t.hello(flooder));
  std::vector<std::uint8_t> flood;
  for (int i = 0; i < 1000; ++i) {
    const auto frame = wire::encode_frame(wire::Heartbeat{i});
    flood.insert(flood.end(), frame.begin(), frame.end());
  }
  flooder.send(flood);  // may fail part-way: the node hangs up
  EXPECT_TRUE(flooder.closed_by_peer());
  EXPECT_TRUE(eventually([&] { return t.logs.contains("inbound budget exceeded"); }));
  // At most the burst (and what the rate refilled meanwhile) got through.
  t.b.with([](const Recorded& r) { EXPECT_LT(r.heartbeats_in, 300u); });

  RawClient again(t.b.port());
  ASSERT_TRUE(again.send(hello_bytes(t.c_id)));
  EXPECT_TRUE(again.closed_by_peer()) << "refused during the penalty";
  EXPECT_TRUE(eventually([&] { return t.logs.contains("refused for another"); }));
}

// A member that sends half a frame and then a byte now and then is closed at the frame
// deadline, although it is never silent for the read timeout.
TEST(Transport, ATrickledFrameIsClosedAtTheFrameDeadline) {
  net::TransportConfig config;
  config.read_timeout = 2s;
  config.frame_timeout = 400ms;
  NodeAndRawMember t(config);

  RawClient slow(t.b.port());
  ASSERT_TRUE(t.hello(slow));
  const auto frame = *gossip_frame(1, 4000);
  ASSERT_TRUE(slow.send({frame.begin(), frame.begin() + 100}));
  const auto start = std::chrono::steady_clock::now();
  std::size_t sent = 100;
  bool cut = false;
  // A byte at every poll until the node hangs up.
  EXPECT_TRUE(eventually(
      [&] {
        cut = !slow.send({frame[sent]});
        ++sent;
        return cut || t.b.with([&](const Recorded& r) { return !r.downs.empty(); });
      },
      5s));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1500ms);
  EXPECT_TRUE(eventually([&] { return t.logs.contains("frame not complete after"); }));
  t.b.with([](const Recorded& r) { EXPECT_TRUE(r.messages.empty()); });
}

// A big frame on a slow link takes longer than frame_timeout, but arrives faster than
// frame_min_rate: its connection stays and the frame is delivered.
TEST(Transport, ABigFrameOnASlowLinkIsNotCutOff) {
  net::TransportConfig config;
  config.read_timeout = 2s;
  config.frame_timeout = 300ms;
  config.frame_min_rate = 32 * 1024;
  NodeAndRawMember t(config);

  RawClient slow(t.b.port());
  ASSERT_TRUE(t.hello(slow));
  const auto frame = *gossip_frame(7, 96 * 1024);
  // 16 KiB every 150 ms (about 107 KiB/s): the whole frame takes about 900 ms, three times
  // frame_timeout. The pauses are the slow link being modelled.
  const auto start = std::chrono::steady_clock::now();
  for (std::size_t sent = 0; sent < frame.size(); sent += 16 * 1024) {
    const std::size_t end = std::min(frame.size(), sent + 16 * 1024);
    ASSERT_TRUE(slow.send({frame.begin() + sent, frame.begin() + end}));
    if (end < frame.size()) std::this_thread::sleep_for(150ms);
  }
  ASSERT_GT(std::chrono::steady_clock::now() - start, config.frame_timeout);
  EXPECT_TRUE(t.b.wait([](const Recorded& r) { return r.messages.size() == 1; }));
  t.b.with([](const Recorded& r) { EXPECT_TRUE(r.downs.empty()); });
}

// One address cannot hold every handshake slot: another host's HELLO still gets in.
TEST(Transport, PendingHandshakesAreLimitedPerAddress) {
  net::TransportConfig config;
  config.max_handshakes_per_address = 2;
  NodeAndRawMember t(config);

  RawClient first(t.b.port(), "127.0.0.2"), second(t.b.port(), "127.0.0.2");
  ASSERT_TRUE(first.connected() && second.connected());
  RawClient third(t.b.port(), "127.0.0.2");
  EXPECT_TRUE(third.closed_by_peer());
  EXPECT_TRUE(eventually(
      [&] { return t.logs.contains("too many connections in handshake from this address"); }));

  RawClient member(t.b.port(), "127.0.0.1");
  EXPECT_TRUE(t.hello(member)) << "another address still gets a handshake slot";
  EXPECT_TRUE(t.b.wait_connected(t.c_id));
}

}  // namespace
}  // namespace rt::test
