// The control `fault` command against real raintree-node processes (docs/control-protocol.md).
#include <gtest/gtest.h>

#include "net/link_faults.hpp"
#include "unit/node/node_cluster.hpp"

namespace rt::test {
namespace {

const json kNoFaults = {{"mute", false},
                        {"loss_percent", 0},
                        {"delay_ms", 0},
                        {"links", json::object()},
                        {"block", json::array()}};

json request(Control& control, json command) {
  auto response = control.request(command);
  return response ? *response : json{{"ok", false}, {"error", "no response"}};
}

json fault(Control& control, json fields) {
  fields["cmd"] = "fault";
  return request(control, std::move(fields));
}

json counters(Control& control) {
  return request(control, {{"cmd", "counters"}});
}

json peer_entry(const json& counters, const std::string& id) {
  for (const auto& peer : counters["peers"]) {
    if (peer["id"] == id) return peer;
  }
  return json();
}

// Waits until node `i` of the cluster has delivered `count` broadcasts.
bool wait_delivered(Cluster& cluster, int i, std::uint64_t count) {
  Control control(cluster.control_port(i), cluster.token(i));
  return poll_until(
      [&] { return counters(control)["node"]["delivered"].get<std::uint64_t>() >= count; });
}

// Waits until node `i` has delivered broadcast `id`; its `messages` entry, or null.
json wait_message_delivered(Cluster& cluster, int i, const std::string& id) {
  Control control(cluster.control_port(i), cluster.token(i));
  json found;
  poll_until([&] {
    const json answer = request(control, {{"cmd", "messages"}});
    for (const auto& m : answer["messages"]) {
      if (m["id"] == id && !m["delivered_us"].is_null()) found = m;
    }
    return !found.is_null();
  });
  return found;
}

TEST(NodeFaults, EveryBadFieldIsRefusedAndChangesNothing) {
  Cluster cluster(3);
  ASSERT_TRUE(cluster.start());
  Control control(cluster.control_port(1), cluster.token(1));

  // A baseline that every refused command must leave as it is.
  const json set = fault(
      control,
      {{"loss_percent", 10}, {"links", {{id_hex(2), {{"delay_ms", 40}}}}}, {"block", {id_hex(3)}}});
  ASSERT_EQ(set["ok"], true) << set.dump();
  const json baseline = set["faults"];
  EXPECT_EQ(baseline["loss_percent"], 10);
  EXPECT_EQ(baseline["links"][id_hex(2)], (json{{"loss_percent", 0}, {"delay_ms", 40}}));
  EXPECT_EQ(baseline["block"], json::array({id_hex(3)}));

  struct Case {
    json fields;
    std::string error;  // the start of the error
  };
  const std::vector<Case> cases = {
      {{{"mute", "yes"}}, "mute: must be true or false"},
      {{{"clear", 1}}, "clear: must be true or false"},
      {{{"loss_percent", 101}}, "loss_percent: must be a number from 0 to 100"},
      {{{"loss_percent", -0.5}}, "loss_percent: must be a number from 0 to 100"},
      {{{"loss_percent", "5"}}, "loss_percent: must be a number"},
      {{{"delay_ms", 60001}}, "delay_ms: must be a whole number of milliseconds from 0 to 60000"},
      {{{"delay_ms", -5}}, "delay_ms: must be a whole number"},
      {{{"delay_ms", 1.5}}, "delay_ms: must be a whole number"},
      {{{"links", json::array()}}, "links: must be an object"},
      {{{"links", {{"zz", json::object()}}}}, "links: \"zz\" is not a peer id"},
      {{{"links", {{id_hex(1), {{"delay_ms", 5}}}}}}, "links: " + id_hex(1) + " is this node"},
      {{{"links", {{id_hex(9), {{"delay_ms", 5}}}}}}, "links: " + id_hex(9) + " is not a member"},
      {{{"links", {{id_hex(2), 5}}}}, "links." + id_hex(2) + ": must be an object"},
      {{{"links", {{id_hex(2), {{"loss", 5}}}}}}, "links." + id_hex(2) + ".loss: unknown field"},
      {{{"links", {{id_hex(2), {{"delay_ms", 70000}}}}}},
       "links." + id_hex(2) + ".delay_ms: must be a whole number"},
      {{{"block", id_hex(2)}}, "block: must be an array of peer ids"},
      {{{"block", {id_hex(2), 7}}}, "block[1]: peer ids must be strings"},
      {{{"block", {id_hex(1)}}}, "block[0]: " + id_hex(1) + " is this node itself"},
      {{{"bogus", 1}}, "bogus: unknown field"},
      // Good fields next to a bad one are not applied either, nor is "clear".
      {{{"clear", true}, {"mute", true}, {"loss_percent", 200}}, "loss_percent:"},
      {{{"block", json::array()}, {"delay_ms", "slow"}}, "delay_ms:"},
  };
  for (const auto& c : cases) {
    const json answer = fault(control, c.fields);
    EXPECT_EQ(answer["ok"], false) << c.fields.dump();
    EXPECT_EQ(answer.value("error", "").rfind(c.error, 0), 0u)
        << c.fields.dump() << " -> " << answer.dump();
    EXPECT_EQ(request(control, {{"cmd", "status"}})["faults"], baseline) << c.fields.dump();
  }

  // Fields that are left out keep their value; links and block are replaced as a whole.
  const json partial = fault(control, {{"mute", true}, {"links", json::object()}});
  ASSERT_EQ(partial["ok"], true) << partial.dump();
  EXPECT_EQ(partial["faults"]["mute"], true);
  EXPECT_EQ(partial["faults"]["loss_percent"], 10);
  EXPECT_EQ(partial["faults"]["links"], json::object());
  EXPECT_EQ(partial["faults"]["block"], baseline["block"]);

  const json cleared = fault(control, {{"clear", true}, {"delay_ms", 25}});
  ASSERT_EQ(cleared["ok"], true);
  json expected = kNoFaults;
  expected["delay_ms"] = 25;
  EXPECT_EQ(cleared["faults"], expected);
  EXPECT_EQ(request(control, {{"cmd", "status"}})["faults"], expected);
  EXPECT_EQ(fault(control, {{"clear", true}})["faults"], kNoFaults);

  const std::string log = read_file(cluster.log(1));
  EXPECT_NE(log.find("faults changed: "), std::string::npos);
  EXPECT_NE(log.find("loss_percent 0.0 -> 10.0"), std::string::npos) << log;
}

// Found while fuzzing the control channel (docs/fuzzing.md): a value nested deep enough
// overflowed the node's stack when the `fault` error echoed it (json::dump recursion).
TEST(NodeFaults, ADeeplyNestedValueIsRefusedAndTheNodeStaysUp) {
  Cluster cluster(2);
  ASSERT_TRUE(cluster.start());
  Control control(cluster.control_port(1), cluster.token(1));
  const std::string deep =
      R"({"cmd":"fault","mute":)" + std::string(500'000, '[') + std::string(500'000, ']') + "}";
  ASSERT_TRUE(control.socket().send(wire::encode_frame(wire::ControlRequest{77, deep})));
  const auto frame = control.socket().read_frame();
  ASSERT_TRUE(frame) << "the node did not answer";
  const auto* response = std::get_if<wire::ControlResponse>(&*frame);
  ASSERT_NE(response, nullptr);
  EXPECT_EQ(response->request_id, 77u);
  EXPECT_EQ(json::parse(response->json),
            (json{{"ok", false}, {"error", "request nested deeper than 64 levels"}}));
  EXPECT_EQ(request(control, {{"cmd", "status"}})["faults"], kNoFaults);
}

TEST(NodeFaults, MutedNodeDeliversButSendsNoGossip) {
  Cluster cluster(3);
  ASSERT_TRUE(cluster.start());
  for (int i = 1; i <= 3; ++i) ASSERT_TRUE(cluster.wait_mesh(i));
  Control muted(cluster.control_port(2), cluster.token(2));
  Control events(cluster.control_port(2), cluster.token(2));
  ASSERT_EQ(request(events, {{"cmd", "subscribe"}})["ok"], true);
  const json set = fault(muted, {{"mute", true}});
  ASSERT_EQ(set["ok"], true);
  EXPECT_EQ(set["faults"]["mute"], true);

  Control origin(cluster.control_port(1), cluster.token(1));
  const json broadcast = request(origin, {{"cmd", "broadcast"}, {"size", 500}});
  ASSERT_EQ(broadcast["ok"], true);
  const std::string id = broadcast["id"];
  for (int i = 1; i <= 3; ++i) EXPECT_TRUE(wait_delivered(cluster, i, 1)) << "node " << i;

  // The muted node forwarded nothing: its engine's sends became `drop` events, reason muted.
  ASSERT_TRUE(poll_until([&] {
    return counters(muted)["node"]["drops_by_reason"]["muted"].get<std::uint64_t>() >= 1;
  }));
  const json c = counters(muted);
  EXPECT_EQ(c["types"]["gossip"]["frames_out"], 0);
  EXPECT_EQ(c["node"]["payload_frames_out"], 0);
  EXPECT_GE(c["node"]["drops"].get<std::uint64_t>(),
            c["node"]["drops_by_reason"]["muted"].get<std::uint64_t>());
  bool muted_drop = false;
  for (int batches = 0; batches < 50 && !muted_drop; ++batches) {
    const auto batch = events.next_batch();
    ASSERT_TRUE(batch);
    for (const auto& e : batch->events) {
      muted_drop |= e.kind == wire::EventKind::drop && to_string(e.msg_id) == id &&
                    e.msg_type == wire::MessageType::gossip &&
                    e.detail == static_cast<std::uint8_t>(net::DropReason::muted);
    }
  }
  EXPECT_TRUE(muted_drop);
  // Transport heartbeats continue: everyone still sees the muted node connected.
  for (const auto& peer : c["peers"]) EXPECT_EQ(peer["connected"], true);
  EXPECT_EQ(peer_entry(counters(origin), id_hex(2))["connected"], true);

  // Unmuted, it forwards again.
  ASSERT_EQ(fault(muted, {{"mute", false}})["ok"], true);
  ASSERT_EQ(request(origin, {{"cmd", "broadcast"}, {"size", 500}})["ok"], true);
  EXPECT_TRUE(wait_delivered(cluster, 2, 2));
  EXPECT_TRUE(poll_until(
      [&] { return counters(muted)["types"]["gossip"]["frames_out"].get<std::uint64_t>() >= 1; }));
}

TEST(NodeFaults, BlockPartitionsAPairAndClearHealsItPromptly) {
  Cluster cluster(3);
  ASSERT_TRUE(cluster.start());
  for (int i = 1; i <= 3; ++i) ASSERT_TRUE(cluster.wait_mesh(i));
  Control one(cluster.control_port(1), cluster.token(1));
  Control two(cluster.control_port(2), cluster.token(2));

  // One-sided on node 2 (the acceptor of the pair): node 1's redials are refused.
  ASSERT_EQ(fault(two, {{"block", {id_hex(1)}}})["ok"], true);
  ASSERT_TRUE(cluster.wait_connected(1, 1));
  ASSERT_TRUE(cluster.wait_connected(2, 1));
  ASSERT_TRUE(poll_until([&] {
    return read_file(cluster.log(2)).find("partitioned: peer 11111111 is blocked") !=
           std::string::npos;
  }));
  const json blocked = peer_entry(counters(two), id_hex(1));
  EXPECT_EQ(blocked["blocked"], true);
  EXPECT_EQ(blocked["connected"], false);

  // Both ends, as a controller sets a partition: 2's frames to 1 are dropped (partitioned);
  // 3 still gets the broadcast.
  ASSERT_EQ(fault(one, {{"block", {id_hex(2)}}})["ok"], true);
  ASSERT_EQ(request(two, {{"cmd", "broadcast"}, {"size", 100}})["ok"], true);
  EXPECT_TRUE(wait_delivered(cluster, 3, 1));
  ASSERT_TRUE(poll_until([&] {
    return counters(two)["node"]["drops_by_reason"]["partitioned"].get<std::uint64_t>() >= 1;
  }));
  EXPECT_EQ(request(two, {{"cmd", "status"}})["faults"]["block"], json::array({id_hex(1)}));

  // Heal: the links come back within a few hundred ms (the dialer redials at once).
  ASSERT_EQ(fault(two, {{"clear", true}})["ok"], true);
  const auto healed = Clock::now();
  ASSERT_EQ(fault(one, {{"block", json::array()}})["ok"], true);
  ASSERT_TRUE(cluster.wait_mesh(1));
  ASSERT_TRUE(cluster.wait_mesh(2));
  EXPECT_LT(Clock::now() - healed, 1500ms);
  EXPECT_EQ(peer_entry(counters(one), id_hex(2))["blocked"], false);
}

TEST(NodeFaults, LossKeepsLinksUpAndDelayHoldsFrames) {
  Cluster cluster(3);
  ASSERT_TRUE(cluster.start());
  for (int i = 1; i <= 3; ++i) ASSERT_TRUE(cluster.wait_mesh(i));
  Control one(cluster.control_port(1), cluster.token(1));

  // 100% loss on node 1: its gossip never leaves, yet heartbeats keep its links up for longer
  // than the 2 s read timeout.
  const json set = fault(one, {{"loss_percent", 100}});
  ASSERT_EQ(set["ok"], true);
  const auto set_us = request(one, {{"cmd", "status"}})["time_us"].get<std::int64_t>();
  ASSERT_EQ(request(one, {{"cmd", "broadcast"}, {"size", 100}})["ok"], true);
  ASSERT_TRUE(poll_until([&] {
    const json c = counters(one);
    for (const auto& peer : c["peers"]) {
      if (peer["last_heard_us"].get<std::int64_t>() < set_us + 2500000) return false;
    }
    return true;
  }));
  json c = counters(one);
  EXPECT_GE(c["node"]["drops_by_reason"]["loss"].get<std::uint64_t>(), 1u);
  EXPECT_EQ(c["types"]["gossip"]["frames_out"], 0);
  for (const auto& peer : c["peers"]) {
    EXPECT_EQ(peer["connected"], true);
    EXPECT_EQ(peer["connects"], 1);
  }

  // 500 ms of delay: a broadcast reaches the others no sooner, and nobody times out.
  ASSERT_EQ(fault(one, {{"clear", true}, {"delay_ms", 500}})["ok"], true);
  const json broadcast = request(one, {{"cmd", "broadcast"}, {"size", 100}});
  ASSERT_EQ(broadcast["ok"], true);
  for (int i = 2; i <= 3; ++i) {
    const json m = wait_message_delivered(cluster, i, broadcast["id"]);
    ASSERT_FALSE(m.is_null()) << "node " << i;
    EXPECT_GE(m["delivered_us"].get<std::int64_t>() - m["origin_time_us"].get<std::int64_t>(),
              500000);
  }
  c = counters(one);
  for (const auto& peer : c["peers"]) EXPECT_EQ(peer["connects"], 1);

  const std::string metrics = http(cluster.metrics_port(1), "GET /metrics HTTP/1.1\r\n\r\n");
  EXPECT_NE(metrics.find("raintree_drops_by_reason_total{reason=\"loss\"} "), std::string::npos);
}

}  // namespace
}  // namespace rt::test
