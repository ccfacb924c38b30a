// Mutual TLS 1.3 between real raintree-node processes: who gets in and who does not.
// A 3-node raintree cluster (TLS, keys from the launcher) and a test-driven TLS peer:
//   - a plaintext client: refused at the TLS handshake, with a logged reason;
//   - a valid key that is not in the address book: refused and logged;
//   - a valid key whose HELLO claims a member's id: refused and logged;
//   - the key of a member (joined with its public key): accepted; its flood over TLS is cut off
//     by the inbound budget as on plaintext, and the node stays up;
//   - a node dialing a member speaks TLS from its first byte, and completes the handshake and
//     HELLO with the member's real key.
#include <utility>  // GCC 12 + C++20: before boost/asio.hpp

#include <boost/asio.hpp>

#include <iostream>

#include "cluster_queries.hpp"
#include "crypto/tls_context.hpp"
#include "hostile_client.hpp"
#include "util/clock.hpp"

namespace rt::itest {
namespace {

using std::chrono::seconds;
namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr int kNodes = 3;

crypto::NodeKey new_key() {
  std::string error;
  auto key = crypto::NodeKey::generate(error);
  EXPECT_TRUE(key) << error;
  return std::move(*key);
}

// A key whose id sorts below (or above) every node's: below, the key's owner is the dialer
// and every node accepts its HELLO; above, the nodes dial it.
crypto::NodeKey key_beyond(const ClusterInfo& info, bool below) {
  for (;;) {
    auto key = new_key();
    const bool lowest = key.id() < info.nodes.front().id;
    const bool highest = info.nodes.back().id < key.id();
    if (below ? lowest : highest) return key;
  }
}

// One TLS connection driven by the test, every step bounded by a timeout (the io_context runs
// only while a step waits).
class TlsPeer {
 public:
  explicit TlsPeer(const crypto::NodeKey& key) {
    std::string error;
    context_ = crypto::make_node_tls_context(key, crypto::PeerCertificate::required, error);
    EXPECT_TRUE(context_) << error;
    stream_.emplace(io_, *context_);
  }

  // Connects from kHostileSource (so that the node's per-address limits see another host).
  boost::system::error_code connect(std::uint16_t port) {
    auto& socket = stream_->next_layer();
    socket.open(tcp::v4());
    socket.bind(tcp::endpoint(asio::ip::make_address(kHostileSource), 0));
    return run([&](auto done) {
      socket.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), done);
    });
  }
  // Takes a connection the node opened (the node dials us).
  boost::system::error_code accept(tcp::acceptor& acceptor) {
    return run([&](auto done) { acceptor.async_accept(stream_->next_layer(), done); });
  }
  boost::system::error_code handshake(ssl::stream_base::handshake_type type) {
    return run([&](auto done) { stream_->async_handshake(type, done); });
  }
  boost::system::error_code write(const wire::Bytes& bytes) {
    return run([&](auto done) { asio::async_write(*stream_, asio::buffer(bytes), done); });
  }
  // The next frame the node sends, or nullopt (closed, timed out or undecodable).
  std::optional<wire::Message> read_frame() {
    std::array<std::uint8_t, wire::kHeaderSize> header{};
    if (run([&](auto done) { asio::async_read(*stream_, asio::buffer(header), done); })) {
      return std::nullopt;
    }
    wire::FrameHeader parsed;
    if (wire::parse_header(header, wire::kDefaultMaxBodySize, parsed)) return std::nullopt;
    wire::Bytes body(parsed.body_size);
    if (run([&](auto done) { asio::async_read(*stream_, asio::buffer(body), done); })) {
      return std::nullopt;
    }
    wire::Message message;
    if (wire::decode_body(parsed.type, body, message)) return std::nullopt;
    return message;
  }
  // Our HELLO as `id`, then the node's answer: true when the node answered with its HELLO.
  bool hello_as(const NodeId& id) {
    wire::Hello hello;
    hello.id = id;
    hello.listen = "127.0.0.1:9";
    hello.roles = {"validator"};
    if (write(wire::encode_frame(hello))) return false;
    const auto answer = read_frame();
    return answer && std::holds_alternative<wire::Hello>(*answer);
  }
  ssl::stream<tcp::socket>& stream() { return *stream_; }
  asio::io_context& io() { return io_; }

 private:
  // Starts one asynchronous step and runs the io_context until it completes or 6 s pass (the
  // node's handshake deadline is 5 s); a step that times out is cancelled.
  template <typename Start>
  boost::system::error_code run(Start start) {
    boost::system::error_code result = asio::error::timed_out;
    bool finished = false;
    io_.restart();
    start([&](const boost::system::error_code& ec, auto&&...) {
      result = ec;
      finished = true;
    });
    io_.run_for(std::chrono::seconds(6));
    if (!finished) {
      boost::system::error_code ignored;
      stream_->next_layer().close(ignored);
      io_.restart();
      io_.run_for(std::chrono::seconds(1));
    }
    return result;
  }

  asio::io_context io_;
  std::shared_ptr<ssl::context> context_;
  std::optional<ssl::stream<tcp::socket>> stream_;
};

class TlsPeers : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    auto launched = launch(dir_.path(), kNodes, "raintree", error);
    ASSERT_TRUE(launched) << error;
    info_ = *launched;
    guard_.reset(info_);
    ASSERT_TRUE(eventually([&] { return connected_counts(info_, full_mesh(info_)); }, seconds(10)));
  }

  const NodeInfo& victim() const { return info_.nodes[0]; }

  // Joins `key`'s owner at `endpoint` to every node, pinning its key.
  void join(const crypto::NodeKey& key, const std::string& endpoint) {
    for (const NodeInfo& n : info_.nodes) {
      ASSERT_TRUE(ask(n, {{"cmd", "join"},
                          {"id", key.id().hex()},
                          {"role", "validator"},
                          {"endpoint", endpoint},
                          {"public_key", to_hex(key.public_key())}}))
          << "rank " << n.rank;
    }
  }

  bool victim_logged(const std::string& text) const { return logged(victim(), text); }

  TempDir dir_{"tls"};
  ClusterGuard guard_;
  ClusterInfo info_;
};

TEST_F(TlsPeers, EveryNodeRunsTlsLinksWithThePinnedKeys) {
  for (const NodeInfo& n : info_.nodes) {
    ASSERT_TRUE(n.public_key) << "rank " << n.rank;
    EXPECT_EQ(crypto::derive_node_id(*n.public_key), n.id) << "rank " << n.rank;
    const auto status = ask(n, {{"cmd", "status"}});
    ASSERT_TRUE(status);
    EXPECT_EQ(status->value("links", ""), "tls1.3") << status->dump();
    for (const std::string secret : {n.key_file, n.key_file + ".token"}) {
      EXPECT_EQ(fs::status(secret).permissions() & fs::perms::all,
                fs::perms::owner_read | fs::perms::owner_write)
          << secret;
    }
    // The token reaches the node through its 0600 file, not the process list.
    EXPECT_FALSE(cluster::process_has_argument(n.pid, n.token)) << "rank " << n.rank;
    EXPECT_TRUE(cluster::process_has_argument(n.pid, n.key_file)) << "rank " << n.rank;
  }
  const std::string id = broadcast(info_.nodes[1]);
  ASSERT_FALSE(id.empty());
  EXPECT_TRUE(eventually([&] { return delivered_by(info_, {1, 2, 3}, id); }, seconds(10)));
}

TEST_F(TlsPeers, APlaintextPeerIsRefusedAtTheHandshake) {
  RawPeer peer = RawPeer::connect(port_of(victim().listen));
  ASSERT_TRUE(peer.open());
  EXPECT_FALSE(peer.hello_as(victim().id)) << "a plaintext HELLO was answered";
  EXPECT_TRUE(peer.wait_closed(seconds(6)));
  EXPECT_TRUE(victim_logged("TLS handshake failed"));
}

TEST_F(TlsPeers, AKeyThatIsNotInTheAddressBookIsRefused) {
  const auto stranger = key_beyond(info_, true);
  TlsPeer peer(stranger);
  ASSERT_FALSE(peer.connect(port_of(victim().listen)));
  ASSERT_FALSE(peer.handshake(ssl::stream_base::client));
  EXPECT_FALSE(peer.hello_as(stranger.id()));
  EXPECT_TRUE(victim_logged("unknown id " + stranger.id().hex()));
}

TEST_F(TlsPeers, AHelloClaimingAnotherMembersIdIsRefused) {
  // The attacker holds a valid key of its own and claims the id of a member whose key it lacks.
  const auto member = key_beyond(info_, true);
  join(member, "127.0.0.1:9");
  const auto attacker = new_key();
  TlsPeer peer(attacker);
  ASSERT_FALSE(peer.connect(port_of(victim().listen)));
  ASSERT_FALSE(peer.handshake(ssl::stream_base::client));
  EXPECT_FALSE(peer.hello_as(member.id()));
  EXPECT_TRUE(victim_logged("claims id " + member.id().short_hex() + " but its TLS key " +
                            to_hex(attacker.public_key()).substr(0, 8) + " belongs to id " +
                            attacker.id().short_hex()));
}

TEST_F(TlsPeers, AMembersKeyIsAcceptedAndItsFloodIsCutOff) {
  const auto member = key_beyond(info_, true);
  join(member, "127.0.0.1:9");
  TlsPeer peer(member);
  ASSERT_FALSE(peer.connect(port_of(victim().listen)));
  ASSERT_FALSE(peer.handshake(ssl::stream_base::client));
  ASSERT_TRUE(peer.hello_as(member.id())) << "the node did not answer the member's HELLO";
  const std::uint64_t rss_before = rss_kib(victim().pid);
  // Heartbeats as fast as TLS takes them: far above the 20 000 frames/s budget.
  wire::Bytes batch;
  for (int i = 0; i < 4096; ++i) {
    const wire::Bytes heartbeat = wire::encode_frame(wire::Heartbeat{wall_micros()});
    batch.insert(batch.end(), heartbeat.begin(), heartbeat.end());
  }
  std::uint64_t frames = 0;
  const auto start = Clock::now();
  while (Clock::now() - start < seconds(20)) {
    if (peer.write(batch)) break;  // the node closed the connection
    frames += 4096;
  }
  const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  std::cout << "[ tls ] member flood over TLS: " << frames << " frames written in " << ms
            << " ms before the node closed the connection; victim RSS " << rss_before << " -> "
            << rss_kib(victim().pid) << " KiB\n";
  EXPECT_LT(ms, 20000) << "the node never closed the flooding TLS connection";
  EXPECT_TRUE(victim_logged("inbound budget exceeded"));
  EXPECT_TRUE(cluster::process_alive(victim().pid));
  EXPECT_TRUE(ask(victim(), {{"cmd", "status"}}));
}

TEST_F(TlsPeers, ANodeDialsAMemberOverTlsWithItsOwnKey) {
  // A member with the highest id: every node dials it, at the test's own listener.
  const auto member = key_beyond(info_, false);
  TlsPeer peer(member);
  tcp::acceptor acceptor(peer.io(), tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const std::string endpoint = "127.0.0.1:" + std::to_string(acceptor.local_endpoint().port());
  join(member, endpoint);

  // First connection: read raw bytes. A TLS ClientHello starts with a handshake record (0x16),
  // never with one of our frame headers (a big-endian length).
  {
    tcp::socket raw(peer.io());
    acceptor.accept(raw);  // the nodes dial as soon as they learn of the member
    std::array<std::uint8_t, 3> first{};
    asio::read(raw, asio::buffer(first));
    EXPECT_EQ(first[0], 0x16) << "the node's first byte is not a TLS handshake record";
    EXPECT_EQ(first[1], 0x03);
  }
  // Next dial: complete TLS as the member; the node must present the key its cluster.json pins.
  ASSERT_FALSE(peer.accept(acceptor));
  ASSERT_FALSE(peer.handshake(ssl::stream_base::server));
  const auto node_key = crypto::peer_public_key(peer.stream().native_handle());
  ASSERT_TRUE(node_key);
  const auto dialer = std::find_if(info_.nodes.begin(), info_.nodes.end(),
                                   [&](const NodeInfo& n) { return n.public_key == *node_key; });
  ASSERT_NE(dialer, info_.nodes.end()) << "the dialing node's key is none of the cluster's";
  const auto hello = peer.read_frame();
  ASSERT_TRUE(hello && std::holds_alternative<wire::Hello>(*hello));
  EXPECT_EQ(std::get<wire::Hello>(*hello).id, dialer->id);
}

}  // namespace
}  // namespace rt::itest
