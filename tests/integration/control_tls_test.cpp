// The control channel off loopback: TLS 1.3 with the node's key, pinned by clients from
// cluster.json. The nodes bind their control channels to a non-loopback address of this
// machine (connections to it stay on the machine); without one the tests skip with a reason.
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>

#include "cluster_queries.hpp"
#include "crypto/node_key.hpp"
#include "hostile_client.hpp"

namespace rt::itest {
namespace {

using std::chrono::seconds;

// The first IPv4 address of an interface that is up and not loopback; empty when none.
std::string local_non_loopback_address() {
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return {};
  std::string found;
  for (ifaddrs* it = list; it && found.empty(); it = it->ifa_next) {
    if (!it->ifa_addr || it->ifa_addr->sa_family != AF_INET) continue;
    if ((it->ifa_flags & IFF_UP) == 0 || (it->ifa_flags & IFF_LOOPBACK) != 0) continue;
    // Not the way into a --netns cluster another test may be running: it goes away with it.
    if (std::string(it->ifa_name).rfind("rtlab", 0) == 0) continue;
    char text[INET_ADDRSTRLEN] = {};
    const auto* address = reinterpret_cast<const sockaddr_in*>(it->ifa_addr);
    if (::inet_ntop(AF_INET, &address->sin_addr, text, sizeof text)) found = text;
  }
  ::freeifaddrs(list);
  return found;
}

class ControlTls : public ::testing::Test {
 protected:
  void SetUp() override {
    host_ = local_non_loopback_address();
    if (host_.empty()) GTEST_SKIP() << "this machine has no non-loopback IPv4 address";
  }

  std::optional<ClusterInfo> launch_with(bool insecure, std::string& error) {
    cluster::LaunchOptions options;
    options.control_host = host_;
    options.insecure = insecure;
    options.ready_timeout = std::chrono::milliseconds(8000);
    auto info = launch(dir_.path(), 3, "raintree", error, options);
    if (info) guard_.reset(*info);
    return info;
  }

  std::string host_;
  TempDir dir_{"control-tls"};
  ClusterGuard guard_;
};

TEST_F(ControlTls, ClientsReachNodesOffLoopbackOverTlsWithThePinnedKey) {
  std::string error;
  const auto info = launch_with(false, error);
  ASSERT_TRUE(info) << error;
  const NodeInfo& node = info->nodes[0];
  ASSERT_EQ(node.control.rfind(host_ + ":", 0), 0u) << node.control;
  // The launcher's readiness checks already went over TLS; a request and a broadcast too.
  const auto status = ask(node, {{"cmd", "status"}});
  ASSERT_TRUE(status);
  EXPECT_EQ(status->value("control", ""), node.control);
  const std::string id = broadcast(node);
  ASSERT_FALSE(id.empty());
  EXPECT_TRUE(eventually([&] { return delivered_by(*info, {1, 2, 3}, id); }, seconds(10)));

  // No key to pin: refused before anything is sent.
  EXPECT_FALSE(
      cluster::ControlClient::connect(node.control, node.token, milliseconds(2000), error));
  EXPECT_NE(error.find("no public key of the node to pin"), std::string::npos) << error;
  // Another node's key: the node presents its own, the client refuses it.
  EXPECT_FALSE(cluster::ControlClient::connect(node.control, node.token, milliseconds(2000), error,
                                               info->nodes[1].public_key));
  EXPECT_NE(error.find("not the pinned key"), std::string::npos) << error;
  // The right key and a wrong token: TLS completes, the token is still refused.
  EXPECT_FALSE(cluster::ControlClient::connect(node.control, "guess", milliseconds(2000), error,
                                               node.public_key));
  EXPECT_NE(error.find("wrong token"), std::string::npos) << error;
}

TEST_F(ControlTls, APlaintextControlHelloIsRefusedOffLoopback) {
  std::string error;
  const auto info = launch_with(false, error);
  ASSERT_TRUE(info) << error;
  const NodeInfo& node = info->nodes[0];
  RawPeer peer = RawPeer::connect(port_of(node.control), host_.c_str(), host_.c_str());
  ASSERT_TRUE(peer.open());
  ASSERT_TRUE(peer.send_all(wire::encode_frame(wire::ControlHello{node.token}), seconds(2)));
  EXPECT_TRUE(peer.wait_closed(seconds(6)));
  EXPECT_TRUE(logged(node, "TLS handshake failed"));
}

// --insecure makes the peer links plaintext (for captures); a node with a key still serves its
// control channel off loopback over TLS only.
TEST_F(ControlTls, AnInsecureClusterKeepsTlsOnItsControlChannels) {
  std::string error;
  const auto info = launch_with(true, error);
  ASSERT_TRUE(info) << error;
  const NodeInfo& node = info->nodes[0];
  const auto status = ask(node, {{"cmd", "status"}});
  ASSERT_TRUE(status);
  EXPECT_EQ(status->value("links", ""), "insecure");
  const std::string id = broadcast(node);
  ASSERT_FALSE(id.empty());
  EXPECT_TRUE(eventually([&] { return delivered_by(*info, {1, 2, 3}, id); }, seconds(10)));
  EXPECT_FALSE(
      cluster::ControlClient::connect(node.control, node.token, milliseconds(2000), error));
  EXPECT_NE(error.find("no public key of the node to pin"), std::string::npos) << error;
}

}  // namespace
}  // namespace rt::itest
