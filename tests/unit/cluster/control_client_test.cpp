#include "cluster/control_client.hpp"

#include <gtest/gtest.h>

#include "fake_node.hpp"

namespace rt::cluster {
namespace {

using std::chrono::milliseconds;
using testing::FakeNode;

nlohmann::json echo(const nlohmann::json& cmd) {
  if (cmd.value("cmd", "") == "hang-up") return {{"close", true}};
  return {{"ok", true}, {"echo", cmd}};
}

TEST(ControlClient, ConnectsAndPairsRequestsWithResponses) {
  FakeNode node("secret", echo);
  std::string error;
  auto client = ControlClient::connect(node.endpoint(), "secret", milliseconds(2000), error);
  ASSERT_TRUE(client) << error;
  EXPECT_TRUE(client->connected());
  EXPECT_GE(client->native_handle(), 0);
  for (int i = 0; i < 5; ++i) {
    const auto answer = client->request({{"cmd", "status"}, {"n", i}}, milliseconds(2000), error);
    ASSERT_TRUE(answer) << error;
    EXPECT_EQ((*answer)["echo"]["n"], i);
  }
}

TEST(ControlClient, WrongTokenIsRefusedWithTheNodesReason) {
  FakeNode node("secret", echo);
  std::string error;
  auto client = ControlClient::connect(node.endpoint(), "guess", milliseconds(2000), error);
  EXPECT_FALSE(client);
  EXPECT_NE(error.find("wrong token"), std::string::npos) << error;
  EXPECT_EQ(node.refused, 1);
}

TEST(ControlClient, RefusedConnectionIsReported) {
  // Reserve a port and release it: nothing listens there.
  std::string endpoint;
  {
    FakeNode gone("x", echo);
    endpoint = gone.endpoint();
  }
  std::string error;
  auto client = ControlClient::connect(endpoint, "x", milliseconds(1000), error);
  EXPECT_FALSE(client);
  EXPECT_NE(error.find("cannot connect"), std::string::npos) << error;
}

TEST(ControlClient, BadEndpointIsReported) {
  std::string error;
  EXPECT_FALSE(ControlClient::connect("no-port", "x", milliseconds(100), error));
  EXPECT_NE(error.find("host:port"), std::string::npos) << error;
}

// "control_tls": false never sends a token in clear off loopback, and TLS needs a key to pin;
// both are refused before any connection is made (192.0.2.1 is TEST-NET-1: never dialled).
TEST(ControlClient, ControlTlsIsCheckedBeforeConnecting) {
  std::string error;
  EXPECT_FALSE(
      ControlClient::connect("192.0.2.1:7001", "x", milliseconds(100), error, std::nullopt, false));
  EXPECT_NE(error.find("would send the token in clear"), std::string::npos) << error;
  FakeNode node("secret", echo);
  EXPECT_FALSE(ControlClient::connect(node.endpoint(), "secret", milliseconds(1000), error,
                                      std::nullopt, true));
  EXPECT_NE(error.find("runs TLS (\"control_tls\": true), and there is no public key"),
            std::string::npos)
      << error;
  EXPECT_EQ(node.refused, 0);
  // An explicit false on loopback is the default: plaintext.
  EXPECT_TRUE(ControlClient::connect(node.endpoint(), "secret", milliseconds(2000), error,
                                     std::nullopt, false))
      << error;
}

TEST(ControlClient, StaleResponsesAreSkippedAndEventsKept) {
  FakeNode node("t", echo);
  node.stale_first = true;
  std::string error;
  auto client = ControlClient::connect(node.endpoint(), "t", milliseconds(2000), error);
  ASSERT_TRUE(client) << error;
  const auto answer = client->request({{"cmd", "counters"}}, milliseconds(2000), error);
  ASSERT_TRUE(answer) << error;
  EXPECT_FALSE(answer->contains("stale"));
  EXPECT_EQ((*answer)["echo"]["cmd"], "counters");
  // The batch that arrived during the request is waiting.
  const auto batch = client->next_events(milliseconds(0), error);
  ASSERT_TRUE(batch) << error;
  EXPECT_EQ(batch->dropped, 7u);
}

TEST(ControlClient, RequestTimesOutWhenTheNodeIsSilent) {
  FakeNode node("t", echo);
  std::string error;
  auto client = ControlClient::connect(node.endpoint(), "t", milliseconds(2000), error);
  ASSERT_TRUE(client) << error;
  node.silent = true;
  const auto start = std::chrono::steady_clock::now();
  const auto answer = client->request({{"cmd", "status"}}, milliseconds(200), error);
  EXPECT_FALSE(answer);
  EXPECT_NE(error.find("no answer"), std::string::npos) << error;
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(2000));
  // The channel itself is still usable.
  EXPECT_TRUE(client->connected());
  node.silent = false;
  const auto later = client->request({{"cmd", "status"}}, milliseconds(2000), error);
  ASSERT_TRUE(later) << error;
  EXPECT_EQ((*later)["echo"]["cmd"], "status");
}

TEST(ControlClient, SubscribeDeliversEventBatches) {
  FakeNode node("t", echo);
  node.subscribe_events = {testing::sample_event(1), testing::sample_event(2)};
  std::string error;
  auto client = ControlClient::connect(node.endpoint(), "t", milliseconds(2000), error);
  ASSERT_TRUE(client) << error;
  ASSERT_TRUE(client->subscribe(error)) << error;
  const auto batch = client->next_events(milliseconds(2000), error);
  ASSERT_TRUE(batch) << error;
  ASSERT_EQ(batch->events.size(), 2u);
  EXPECT_EQ(batch->events[1], testing::sample_event(2));
  // Nothing more: a plain timeout, no error.
  EXPECT_FALSE(client->next_events(milliseconds(50), error));
  EXPECT_TRUE(error.empty()) << error;
  EXPECT_FALSE(client->next_events(milliseconds(0), error));
  EXPECT_TRUE(error.empty()) << error;
}

TEST(ControlClient, ClosedConnectionBreaksTheChannelWithAReason) {
  FakeNode node("t", echo);
  std::string error;
  auto client = ControlClient::connect(node.endpoint(), "t", milliseconds(2000), error);
  ASSERT_TRUE(client) << error;
  EXPECT_FALSE(client->request({{"cmd", "hang-up"}}, milliseconds(2000), error));
  EXPECT_NE(error.find("closed the control connection"), std::string::npos) << error;
  EXPECT_FALSE(client->connected());
  EXPECT_EQ(client->native_handle(), -1);
  EXPECT_FALSE(client->request({{"cmd", "status"}}, milliseconds(2000), error));
  EXPECT_FALSE(client->next_events(milliseconds(10), error));
  EXPECT_FALSE(error.empty());
}

}  // namespace
}  // namespace rt::cluster
