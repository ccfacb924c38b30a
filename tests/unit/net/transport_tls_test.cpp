// Transport links over mutual TLS 1.3: keys pinned per peer, refusals with their reasons.
#include <gtest/gtest.h>

#include "crypto/tls_context.hpp"
#include "unit/net/transport_harness.hpp"

namespace rt::test {
namespace {

// A node identity for the transport: its key, a TLS config built from it, and its pinned
// address.
struct Identity {
  crypto::NodeKey key;
  net::TransportConfig config;

  static Identity make() {
    std::string error;
    auto key = crypto::NodeKey::generate(error);
    if (!key) throw std::runtime_error(error);
    net::TransportConfig config;
    config.tls = crypto::make_node_tls_context(*key, crypto::PeerCertificate::required, error);
    if (!config.tls) throw std::runtime_error(error);
    return {std::move(*key), std::move(config)};
  }
  // Two identities, the first with the lower id (it dials).
  static std::pair<Identity, Identity> ordered_pair() {
    Identity a = make(), b = make();
    if (b.key.id() < a.key.id()) std::swap(a, b);
    return {std::move(a), std::move(b)};
  }
};

net::PeerAddress pinned(const TestNode& node, const crypto::NodeKey& key) {
  net::PeerAddress address = node.address();
  address.key = key.public_key();
  return address;
}

TEST(TransportTls, PinnedPeersConnectAndDeliverBothWays) {
  auto [ia, ib] = Identity::ordered_pair();
  TestNode a(ia.key.id(), ia.config), b(ib.key.id(), ib.config);
  const std::vector<net::PeerAddress> book = {pinned(a, ia.key), pinned(b, ib.key)};
  a.start(book);
  b.start(book);
  ASSERT_TRUE(a.wait_connected(b.id()));
  ASSERT_TRUE(b.wait_connected(a.id()));
  // Many small frames (one TLS record per batch) and a few large ones (several records each).
  for (std::uint64_t i = 0; i < 2000; ++i) ASSERT_TRUE(a.send(b.id(), gossip_frame(i, 100)));
  for (std::uint64_t i = 0; i < 20; ++i) ASSERT_TRUE(b.send(a.id(), gossip_frame(i, 100000)));
  ASSERT_TRUE(b.wait([](const Recorded& r) { return r.messages.size() == 2000; }));
  ASSERT_TRUE(a.wait([](const Recorded& r) { return r.messages.size() == 20; }));
  b.with([](const Recorded& r) {
    for (std::uint64_t i = 0; i < 2000; ++i) ASSERT_EQ(gossip_seq(r.messages[i].second), i);
  });
  a.with([](const Recorded& r) {
    for (std::uint64_t i = 0; i < 20; ++i) {
      ASSERT_EQ(std::get<wire::Gossip>(r.messages[i].second).payload->size(), 100000u);
    }
  });
}

TEST(TransportTls, AKeyOtherThanThePinnedOneIsRefusedAndLogged) {
  LogCapture logs;
  auto [ia, ib] = Identity::ordered_pair();
  const Identity other = Identity::make();
  TestNode a(ia.key.id(), ia.config), b(ib.key.id(), ib.config);
  // B's book pins another key for A's id: A's real key derives A's id but is not the pin.
  a.start({pinned(a, ia.key), pinned(b, ib.key)});
  b.start({pinned(a, other.key), pinned(b, ib.key)});
  ASSERT_TRUE(eventually([&] {
    return logs.contains("is not the key " + to_hex(other.key.public_key()).substr(0, 8) +
                         " the address book pins for " + a.id().short_hex());
  }));
  b.with([](const Recorded& r) { EXPECT_TRUE(r.ups.empty()); });
}

TEST(TransportTls, ADialedPeerWithAnotherKeyIsRefusedByTheDialer) {
  LogCapture logs;
  auto [ia, ib] = Identity::ordered_pair();
  const Identity other = Identity::make();
  TestNode a(ia.key.id(), ia.config), b(ib.key.id(), ib.config);
  // A (the dialer) pins another key for B: B's answer must be refused by A.
  a.start({pinned(a, ia.key), pinned(b, other.key)});
  b.start({pinned(a, ia.key), pinned(b, ib.key)});
  ASSERT_TRUE(eventually([&] { return logs.contains("refused peer at 127.0.0.1:"); }));
  EXPECT_TRUE(logs.contains("the address book pins for " + b.id().short_hex()));
  a.with([](const Recorded& r) { EXPECT_TRUE(r.ups.empty()); });
}

TEST(TransportTls, APlaintextPeerIsRefusedAtTheTlsHandshake) {
  LogCapture logs;
  auto [ia, ib] = Identity::ordered_pair();
  // A dials without TLS; B requires it.
  TestNode a(ia.key.id()), b(ib.key.id(), ib.config);
  a.start({pinned(a, ia.key), pinned(b, ib.key)});
  b.start({pinned(a, ia.key), pinned(b, ib.key)});
  ASSERT_TRUE(eventually([&] { return logs.contains("TLS handshake failed"); }));
  b.with([](const Recorded& r) { EXPECT_TRUE(r.ups.empty()); });
  a.with([](const Recorded& r) { EXPECT_TRUE(r.ups.empty()); });
}

}  // namespace
}  // namespace rt::test
