// The scenario report built from a recording alone: synthetic recordings with known answers,
// fed to EventReportBuilder directly and through a real file (RecordingWriter +
// report_from_recording).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include "cluster/event_report.hpp"

namespace rt::cluster {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using wire::EventKind;
using wire::GossipKind;
using wire::MessageType;

constexpr Micros kStart = 1'700'000'000'000'000;  // wall-clock µs of the recording start
constexpr std::uint8_t kCatchup = 5;              // wire::GossipKind::catchup

struct TempFile {
  fs::path path;
  TempFile() {
    std::random_device rd;
    path = fs::temp_directory_path() / ("rt-event-report-" + std::to_string(rd()) + ".rtrec");
  }
  ~TempFile() { fs::remove(path); }
};

NodeId id_of(int rank) {
  NodeId::Bytes b{};
  b.fill(static_cast<std::uint8_t>(rank));  // ascending ranks, ascending ids
  return NodeId(b);
}

Micros at(double ms) {
  return kStart + static_cast<Micros>(ms * 1000);
}

// A recording written by hand: events per node (with their own sequence numbers) and notes.
struct Script {
  RecordingHeader header;
  std::vector<RecordingEntry> entries;
  std::map<int, std::uint64_t> seq;

  explicit Script(int nodes, std::string mode = "raintree",
                  std::vector<std::string> roles = {"validator"}) {
    header.mode = std::move(mode);
    header.name = "synthetic";
    header.started_us = kStart;
    for (int r = 1; r <= nodes; ++r) {
      header.nodes.push_back({r, id_of(r), roles[static_cast<std::size_t>(r - 1) % roles.size()]});
    }
  }

  void event(int rank, double ms, EventKind kind, MessageType type, std::uint64_t msg, int peer,
             std::uint8_t detail = 0, std::uint32_t bytes = 0) {
    wire::EventRecord e;
    e.seq = ++seq[rank];
    e.time_us = at(ms);
    e.kind = kind;
    e.msg_type = type;
    e.msg_id = MessageId{msg};
    if (peer) e.peer = id_of(peer);
    e.detail = detail;
    e.bytes = bytes;
    entries.push_back(RecordedEvent{rank, e});
  }
  // A payload copy sent at `ms` and received 1 ms later.
  void copy(int from, int to, double ms, std::uint64_t msg,
            std::uint8_t kind = static_cast<std::uint8_t>(GossipKind::tree),
            std::uint32_t bytes = 1100, MessageType type = MessageType::gossip) {
    event(from, ms, EventKind::send, type, msg, to, kind, bytes);
    event(to, ms + 1, EventKind::receive, type, msg, from, kind, bytes);
  }
  void deliver(int rank, double ms, std::uint64_t msg, int hops) {
    event(rank, ms, EventKind::deliver, MessageType::gossip, msg, 0,
          static_cast<std::uint8_t>(hops), 1024);
  }
  void duplicate(int rank, int from, double ms, std::uint64_t msg) {
    event(rank, ms, EventKind::duplicate, MessageType::gossip, msg, from);
  }
  // The controller's broadcast note plus the originator's own events.
  void broadcast(int origin, double ms, std::uint64_t msg, const std::string& group = "all") {
    event(origin, ms, EventKind::originate, MessageType::gossip, msg, 0, 0, 1024);
    deliver(origin, ms, msg, 0);
    note(ms + 0.5, {{"broadcast",
                     {{"id", to_string(MessageId{msg})},
                      {"origin_rank", origin},
                      {"group", group},
                      {"size", 1024}}}});
  }
  void note(double ms, json n) { entries.push_back(RecordedNote{at(ms), std::move(n)}); }
  void fault(double ms, const std::string& name, std::vector<int> ranks) {
    note(ms, {{"fault", name}, {"ranks", ranks}});
  }

  json build() const {
    EventReportBuilder builder(header);
    for (const auto& e : entries) builder.add(e);
    return builder.build();
  }
  void write(const fs::path& file) const {
    std::string error;
    auto writer = RecordingWriter::create(file, header, error);
    ASSERT_TRUE(writer) << error;
    for (const auto& entry : entries) {
      if (const auto* e = std::get_if<RecordedEvent>(&entry)) {
        writer->add_events(e->rank, {e->event});
      } else {
        const auto& n = std::get<RecordedNote>(entry);
        writer->add_note(n.time_us, n.note);
      }
    }
    ASSERT_TRUE(writer->finish(error)) << error;
  }
};

const json& broadcast(const json& report, std::uint64_t msg) {
  for (const json& b : report["broadcasts"]) {
    if (b["id"] == to_string(MessageId{msg})) return b;
  }
  static const json none;
  ADD_FAILURE() << "no broadcast " << msg;
  return none;
}

const json& peer(const json& report, int rank, int peer_rank) {
  for (const json& p : report["peers"]) {
    if (p["rank"] == rank && p["peer_rank"] == peer_rank) return p;
  }
  static const json none;
  ADD_FAILURE() << "no peer row " << rank << " -> " << peer_rank;
  return none;
}

const json& type_row(const json& report, const std::string& name) {
  for (const json& t : report["types"]) {
    if (t["type"] == name) return t;
  }
  static const json none;
  ADD_FAILURE() << "no type row " << name;
  return none;
}

// Four nodes, rank 4 killed before the broadcast and never restarted.
Script killed_node_script() {
  Script s(4);
  s.fault(100, "kill", {4});
  s.broadcast(1, 1000, 0xa1);
  s.copy(1, 2, 1000, 0xa1);
  s.copy(1, 3, 1000, 0xa1);
  s.copy(1, 4, 1000, 0xa1);  // sent to the dead node: no receive would follow in reality
  s.entries.pop_back();
  s.deliver(2, 1001, 0xa1, 1);
  s.deliver(3, 1001, 0xa1, 1);
  s.copy(2, 3, 1002, 0xa1, static_cast<std::uint8_t>(GossipKind::redundancy));
  s.duplicate(3, 2, 1003, 0xa1);
  s.note(2000, {{"end", {{"events_lost", 0}}}});
  return s;
}

TEST(EventReport, KilledNodeIsNotExpectedAndCoverageCountsTheLiveOnes) {
  const json r = killed_node_script().build();
  const json& b = broadcast(r, 0xa1);
  EXPECT_EQ(b["origin_rank"], 1);
  EXPECT_EQ(b["members"], 4);
  EXPECT_EQ(b["expected"], 3);
  EXPECT_EQ(b["delivered"], 3);
  EXPECT_EQ(b["coverage"], 1.0);
  EXPECT_EQ(b["time_ms"], 1000.0);
  EXPECT_EQ(b["size"], 1024);
  EXPECT_EQ(b["last_delivery_ms"], 1.0);
  EXPECT_EQ(b["max_hops"], 1);
  EXPECT_EQ(b["mean_hops"], 1.0);
  // Copies received by the live non-origin nodes: 2 got one, 3 got two (one a duplicate).
  EXPECT_EQ(b["payload_copies"], 3);
  EXPECT_EQ(b["copies_per_node"], 1.5);
  ASSERT_EQ(b["missed"].size(), 1u);
  EXPECT_EQ(b["missed"][0]["rank"], 4);
  EXPECT_EQ(b["missed"][0]["reason"], "killed");
  EXPECT_EQ(b["missed"][0]["expected"], false);

  EXPECT_EQ(r["nodes"][3]["alive"], false);
  EXPECT_EQ(r["nodes"][3]["condition_at_end"], "killed");
  EXPECT_EQ(r["nodes"][0]["alive"], true);
  EXPECT_EQ(r["nodes"][0]["delivered"], 1);  // the originator delivered its own broadcast
  EXPECT_EQ(r["nodes"][0]["writes"], 3);
  EXPECT_EQ(r["nodes"][2]["reads"], 2);
  EXPECT_EQ(r["nodes"][2]["duplicates"], 1);
  const json& t = r["totals"];
  EXPECT_EQ(t["coverage"], 1.0);
  EXPECT_EQ(t["payload_copies_per_node"], 1.5);
  EXPECT_EQ(t["reads"], 3);
  EXPECT_EQ(t["writes"], 4);
  EXPECT_EQ(t["payload_bytes"], 4 * 1100);
  EXPECT_EQ(t["control_bytes"], 0);
  EXPECT_EQ(t["last_delivery_ms"], 1.0);
  EXPECT_EQ(t["broadcasts"], 1);
  EXPECT_EQ(r["events"]["end_noted"], true);
  EXPECT_EQ(r["events"]["missing_seq"], 0);
}

TEST(EventReport, PartitionedNodeMissesWithReasonAndCatchesUpAfterHeal) {
  Script s(4);
  s.note(500, {{"fault", "partition"}, {"groups", json::array({json::array({4})})}});
  s.broadcast(1, 1000, 0xb1);
  s.copy(1, 2, 1000, 0xb1);
  s.copy(1, 3, 1000, 0xb1);
  s.deliver(2, 1001, 0xb1, 1);
  s.deliver(3, 1001, 0xb1, 1);
  // The link 1 -> 4 refuses the frame: a drop with reason "partitioned".
  s.event(1, 1000, EventKind::drop, MessageType::gossip, 0xb1, 4, 2, 1100);
  s.broadcast(2, 1500, 0xb2);
  s.copy(2, 1, 1500, 0xb2);
  s.copy(2, 3, 1500, 0xb2);
  s.deliver(1, 1501, 0xb2, 1);
  s.deliver(3, 1501, 0xb2, 1);
  s.note(3000, {{"fault", "heal"}});
  // Back: 1 sends a catch-up copy of the first broadcast; the second never arrives.
  s.copy(1, 4, 3200, 0xb1, kCatchup);
  s.deliver(4, 3201, 0xb1, 1);
  s.note(4000, {{"end", {{"events_lost", 0}}}});
  const json r = s.build();

  const json& b1 = broadcast(r, 0xb1);
  EXPECT_EQ(b1["expected"], 4);
  EXPECT_EQ(b1["reachable_at_send"], 3);
  EXPECT_EQ(b1["delivered"], 4);
  EXPECT_TRUE(b1["missed"].empty());
  ASSERT_EQ(b1["caught_up"].size(), 1u);
  EXPECT_EQ(b1["caught_up"][0]["rank"], 4);
  EXPECT_EQ(b1["caught_up"][0]["delivery_ms"], 2201.0);
  EXPECT_EQ(b1["caught_up"][0]["after_return_ms"], 201.0);
  EXPECT_EQ(b1["caught_up"][0]["via"], "catchup");
  EXPECT_EQ(b1["last_delivery_ms"], 2201.0);
  EXPECT_EQ(b1["last_reachable_delivery_ms"], 1.0);  // the catch-up does not count here

  const json& b2 = broadcast(r, 0xb2);
  EXPECT_EQ(b2["delivered"], 3);
  EXPECT_EQ(b2["coverage"], 0.75);
  ASSERT_EQ(b2["missed"].size(), 1u);
  EXPECT_EQ(b2["missed"][0]["rank"], 4);
  EXPECT_EQ(b2["missed"][0]["reason"], "partitioned");
  EXPECT_EQ(b2["missed"][0]["expected"], true);

  const json& n4 = r["nodes"][3];
  EXPECT_EQ(n4["alive"], true);
  EXPECT_EQ(n4["condition_at_end"], "up");
  EXPECT_EQ(n4["expected"], 2);
  EXPECT_EQ(n4["missed"], 1);
  EXPECT_EQ(n4["expected_while_reachable"], 0);
  EXPECT_EQ(n4["caught_up"], 1);
  EXPECT_EQ(n4["max_catch_up_ms"], 201.0);
  EXPECT_EQ(r["nodes"][1]["expected_while_reachable"], 2);
  EXPECT_EQ(r["nodes"][1]["delivered_while_reachable"], 2);
  EXPECT_EQ(r["totals"]["coverage"], 0.875);
  EXPECT_EQ(r["totals"]["expected_while_reachable"], 6);
  EXPECT_EQ(r["totals"]["delivered_while_reachable"], 6);
  EXPECT_EQ(r["catch_up"]["pairs"], 1);
  EXPECT_EQ(r["catch_up"]["via_catchup"], 1);
  EXPECT_EQ(r["catch_up"]["mean_after_return_ms"], 201.0);
  EXPECT_EQ(r["catch_up"]["max_after_return_ms"], 201.0);
  const json& p14 = peer(r, 1, 4);
  EXPECT_EQ(p14["drops"], 1);
  EXPECT_EQ(p14["drops_by_reason"]["partitioned"], 1);
  EXPECT_EQ(r["faults"].size(), 2u);
  EXPECT_EQ(r["faults"][0]["fault"], "partition");
  EXPECT_EQ(r["faults"][0]["time_ms"], 500.0);
}

TEST(EventReport, KilledAndRestartedNodeCatchesUpByGossipAndAStoppedOneIsNotAlive) {
  Script s(5);
  s.fault(100, "kill", {4});
  s.fault(100, "stop", {5});
  s.broadcast(1, 1000, 0xc1);
  for (int to : {2, 3}) {
    s.copy(1, to, 1000, 0xc1);
    s.deliver(to, 1001, 0xc1, 1);
  }
  s.fault(2000, "restart", {4});
  s.copy(2, 4, 2050, 0xc1, static_cast<std::uint8_t>(GossipKind::cleanup));
  s.deliver(4, 2051, 0xc1, 2);
  const json r = s.build();
  const json& b = broadcast(r, 0xc1);
  EXPECT_EQ(b["expected"], 4);  // rank 5 was left stopped
  EXPECT_EQ(b["delivered"], 4);
  ASSERT_EQ(b["caught_up"].size(), 1u);
  EXPECT_EQ(b["caught_up"][0]["after_return_ms"], 51.0);
  EXPECT_EQ(b["caught_up"][0]["via"], "gossip");
  EXPECT_EQ(b["max_hops"], 2);
  EXPECT_EQ(b["mean_hops"], std::round(4.0 / 3 * 1e6) / 1e6);
  ASSERT_EQ(b["missed"].size(), 1u);
  EXPECT_EQ(b["missed"][0]["reason"], "stopped");
  EXPECT_EQ(b["missed"][0]["expected"], false);
  EXPECT_EQ(r["nodes"][4]["alive"], false);
  EXPECT_EQ(r["nodes"][4]["condition_at_end"], "stopped");
  EXPECT_EQ(r["nodes"][3]["condition_at_end"], "up");
  EXPECT_EQ(r["events"]["end_noted"], false);
}

TEST(EventReport, MutedNodeDeliversButWritesNothing) {
  Script s(3);
  s.fault(10, "mute", {2});
  s.broadcast(1, 100, 0xd1);
  s.copy(1, 2, 100, 0xd1);
  s.deliver(2, 101, 0xd1, 1);
  s.copy(1, 3, 100, 0xd1);
  s.deliver(3, 101, 0xd1, 1);
  // The muted node drops what it would have forwarded.
  s.event(2, 101, EventKind::drop, MessageType::gossip, 0xd1, 3, 3, 1100);
  const json r = s.build();
  const json& n2 = r["nodes"][1];
  EXPECT_EQ(n2["condition_at_end"], "muted");
  EXPECT_EQ(n2["alive"], true);
  EXPECT_EQ(n2["reads"], 1);
  EXPECT_EQ(n2["writes"], 0);
  EXPECT_EQ(n2["bytes_out"], 0);
  EXPECT_EQ(n2["delivered"], 1);
  EXPECT_EQ(n2["drops"], 1);
  EXPECT_EQ(peer(r, 2, 3)["drops_by_reason"]["muted"], 1);
  EXPECT_EQ(broadcast(r, 0xd1)["coverage"], 1.0);
  EXPECT_EQ(broadcast(r, 0xd1)["reachable_at_send"], 3);
}

TEST(EventReport, MutedNodeThatMissesSaysMuted) {
  Script s(3);
  s.fault(10, "mute", {3});
  s.broadcast(1, 100, 0xd2);
  s.copy(1, 2, 100, 0xd2);
  s.deliver(2, 101, 0xd2, 1);
  const json r = s.build();
  const json& b = broadcast(r, 0xd2);
  ASSERT_EQ(b["missed"].size(), 1u);
  EXPECT_EQ(b["missed"][0]["reason"], "muted");
  EXPECT_EQ(b["missed"][0]["expected"], true);
}

TEST(EventReport, UpNodeThatMissesSaysNotDelivered) {
  Script s(3);
  s.broadcast(1, 100, 0xd3);
  s.copy(1, 2, 100, 0xd3);
  s.deliver(2, 101, 0xd3, 1);
  const json r = s.build();
  EXPECT_EQ(broadcast(r, 0xd3)["missed"][0]["reason"], "not delivered");
  EXPECT_EQ(r["totals"]["coverage"], std::round(2.0 / 3 * 1e6) / 1e6);
}

TEST(EventReport, GroupCountsOnlyItsMembers) {
  Script s(4, "raintree", {"validator", "servicer"});
  s.broadcast(1, 100, 0xe1, "validators");
  s.copy(1, 3, 100, 0xe1);
  s.deliver(3, 101, 0xe1, 1);
  const json r = s.build();
  const json& b = broadcast(r, 0xe1);
  EXPECT_EQ(b["group"], "validators");
  EXPECT_EQ(b["members"], 2);
  EXPECT_EQ(b["expected"], 2);
  EXPECT_EQ(b["coverage"], 1.0);
  EXPECT_EQ(b["copies_per_node"], 1.0);
  EXPECT_TRUE(b["missed"].empty());
  EXPECT_EQ(r["nodes"][1]["role"], "servicer");
  EXPECT_EQ(r["nodes"][1]["expected"], 0);
}

TEST(EventReport, ArtifactBodyCountsOnceOnItsFirstChunk) {
  Script s(2, "advert");
  s.broadcast(1, 100, 0xf1);
  s.event(1, 100, EventKind::send, MessageType::advert, 0xf1, 2, 0, 80);
  s.event(2, 101, EventKind::receive, MessageType::advert, 0xf1, 1, 0, 80);
  s.event(2, 102, EventKind::send, MessageType::request, 0xf1, 1, 0, 40);
  s.event(1, 103, EventKind::receive, MessageType::request, 0xf1, 2, 0, 40);
  s.copy(1, 2, 104, 0xf1, 1, 1000, MessageType::artifact);
  s.copy(1, 2, 105, 0xf1, 0, 1000, MessageType::artifact);
  s.copy(1, 2, 106, 0xf1, 0, 500, MessageType::artifact);
  s.deliver(2, 108, 0xf1, 1);
  const json r = s.build();
  EXPECT_EQ(r["nodes"][0]["writes"], 1);
  EXPECT_EQ(r["nodes"][1]["reads"], 1);
  EXPECT_EQ(r["nodes"][1]["bytes_in"], 80 + 2500);
  EXPECT_EQ(r["nodes"][0]["bytes_out"], 80 + 2500);
  EXPECT_EQ(r["totals"]["payload_bytes"], 2500);
  EXPECT_EQ(r["totals"]["control_bytes"], 80 + 40);
  EXPECT_EQ(broadcast(r, 0xf1)["payload_copies"], 1);
  EXPECT_EQ(broadcast(r, 0xf1)["copies_per_node"], 1.0);
  const json& artifact = type_row(r, "artifact");
  EXPECT_EQ(artifact["frames_out"], 3);
  EXPECT_EQ(artifact["bytes_in"], 2500);
}

TEST(EventReport, PerPeerAndPerTypeNumbersAndQueueHighWaterFromCounters) {
  Script s(3);
  s.broadcast(1, 100, 0x11);
  s.copy(1, 2, 100, 0x11, 1, 1100);
  s.copy(1, 3, 100, 0x11, 1, 1100);
  s.copy(2, 3, 102, 0x11, 3, 1100);
  s.duplicate(3, 2, 103, 0x11);
  s.deliver(2, 101, 0x11, 1);
  s.deliver(3, 101, 0x11, 1);
  s.event(2, 101, EventKind::send, MessageType::ack, 0x11, 1, 0, 30);
  s.event(1, 102, EventKind::receive, MessageType::ack, 0x11, 2, 0, 30);
  s.event(1, 104, EventKind::drop, MessageType::gossip, 0x11, 3, 0, 1100);
  s.event(1, 105, EventKind::drop, MessageType::gossip, 0x11, 3, 1, 1100);
  s.event(1, 106, EventKind::timeout, MessageType::ack, 0x11, 3);
  s.event(1, 107, EventKind::peer_down, MessageType::hello, 0, 3);
  json peers = json::array();
  peers.push_back(
      {{"id", id_of(2).hex()}, {"queue_high_water_frames", 7}, {"queue_high_water_bytes", 7700}});
  peers.push_back(
      {{"id", id_of(3).hex()}, {"queue_high_water_frames", 2}, {"queue_high_water_bytes", 2200}});
  json answer = json::object();
  answer["ok"] = true;
  answer["peers"] = peers;
  json counters = json::object();
  counters["1"] = answer;
  s.note(300, {{"counters", counters}});
  const json r = s.build();

  const json& p12 = peer(r, 1, 2);
  EXPECT_EQ(p12["frames_out"], 1);
  EXPECT_EQ(p12["bytes_out"], 1100);
  EXPECT_EQ(p12["frames_in"], 1);
  EXPECT_EQ(p12["bytes_in"], 30);
  EXPECT_EQ(p12["queue_high_water_frames"], 7);
  EXPECT_EQ(p12["queue_high_water_bytes"], 7700);
  EXPECT_EQ(p12["peer_id"], id_of(2).hex());
  const json& p13 = peer(r, 1, 3);
  EXPECT_EQ(p13["drops"], 2);
  EXPECT_EQ(p13["drops_by_reason"]["queue"], 1);
  EXPECT_EQ(p13["drops_by_reason"]["loss"], 1);
  EXPECT_EQ(p13["queue_high_water_frames"], 2);
  const json& p32 = peer(r, 3, 2);
  EXPECT_EQ(p32["duplicates"], 1);
  EXPECT_EQ(p32["frames_in"], 1);
  EXPECT_TRUE(p32["queue_high_water_frames"].is_null());
  EXPECT_EQ(r["peers"].size(), 6u);  // every directed pair that carried a frame

  const json& gossip = type_row(r, "gossip");
  EXPECT_EQ(gossip["frames_out"], 3);
  EXPECT_EQ(gossip["frames_in"], 3);
  EXPECT_EQ(gossip["bytes_out"], 3300);
  EXPECT_EQ(gossip["duplicates"], 1);
  EXPECT_EQ(gossip["drops"], 2);
  const json& ack = type_row(r, "ack");
  EXPECT_EQ(ack["frames_out"], 1);
  EXPECT_EQ(ack["bytes_in"], 30);
  EXPECT_EQ(r["types"].size(), 2u);  // timeouts and peer_down make no type row
  EXPECT_EQ(r["nodes"][0]["timeouts"], 1);
  EXPECT_EQ(r["totals"]["control_bytes"], 30);
  EXPECT_EQ(r["totals"]["drops"], 2);
  EXPECT_EQ(r["events"]["by_kind"]["peer_down"], 1);
}

TEST(EventReport, SameEntriesGiveByteIdenticalReportsLiveOrFromAFile) {
  Script s = killed_node_script();
  s.note(1500, {{"fault", "partition"}, {"groups", json::array({json::array({1, 2})})}});
  s.broadcast(3, 1600, 0xa2);
  const std::string first = s.build().dump(2);
  EXPECT_EQ(first, s.build().dump(2));

  TempFile file;
  s.write(file.path);
  std::string error;
  const auto replayed = report_from_recording(file.path, error);
  ASSERT_TRUE(replayed) << error;
  EXPECT_EQ(replayed->dump(2), first);
  EXPECT_EQ(report_nodes_csv(*replayed), report_nodes_csv(s.build()));
}

TEST(EventReport, DamagedOrMissingRecordingIsAnErrorNotAReport) {
  TempFile file;
  killed_node_script().write(file.path);
  fs::resize_file(file.path, fs::file_size(file.path) - 7);
  std::string error;
  EXPECT_FALSE(report_from_recording(file.path, error));
  EXPECT_NE(error.find("damaged"), std::string::npos) << error;
  EXPECT_NE(error.find(file.path.string()), std::string::npos) << error;

  error.clear();
  EXPECT_FALSE(report_from_recording(file.path.string() + ".missing", error));
  EXPECT_NE(error.find("cannot open"), std::string::npos) << error;

  std::ofstream(file.path, std::ios::trunc) << "not a recording at all";
  error.clear();
  EXPECT_FALSE(report_from_recording(file.path, error));
  EXPECT_NE(error.find("not a RainTree recording"), std::string::npos) << error;
}

TEST(EventReport, LostEventsFromTheEndNoteAndFromSequenceGaps) {
  Script s(2);
  s.broadcast(1, 100, 0x21);
  s.copy(1, 2, 100, 0x21);
  s.seq[2] += 3;  // three events of rank 2 never arrived
  s.deliver(2, 102, 0x21, 1);
  s.fault(200, "restart", {2});
  s.seq[2] = 0;  // a new process counts from 1 again: no gap
  s.event(2, 300, EventKind::peer_up, MessageType::hello, 0, 1);
  s.note(400, {{"end", {{"events_lost", 5}}}});
  s.note(401, {{"something_new", 1}});
  const json r = s.build();
  EXPECT_EQ(r["events"]["lost"], 5);
  EXPECT_EQ(r["events"]["missing_seq"], 3);
  EXPECT_EQ(r["events"]["ignored_notes"], 1);
  EXPECT_EQ(r["events"]["total"], 6);
  EXPECT_EQ(r["duration_ms"], 400.0);
}

TEST(EventReport, CsvTablesHaveHeadersAndOneRowEach) {
  const json r = killed_node_script().build();
  const std::string b = report_broadcasts_csv(r);
  EXPECT_EQ(b.substr(0, b.find('\n')),
            "id,origin_rank,group,time_ms,size,members,expected,reachable_at_send,delivered,"
            "coverage,payload_copies,copies_per_node,duplicates,mean_hops,max_hops,"
            "last_delivery_ms,last_reachable_delivery_ms,missed,caught_up_after_return_ms");
  EXPECT_NE(b.find(",4:killed,"), std::string::npos) << b;
  const std::string n = report_nodes_csv(r);
  EXPECT_EQ(std::count(n.begin(), n.end(), '\n'), 5);
  EXPECT_EQ(n.rfind("rank,id,role,alive,condition_at_end,", 0), 0u);
  EXPECT_NE(n.find(",0,killed,"), std::string::npos) << n;
  const std::string p = report_peers_csv(r);
  EXPECT_EQ(p.rfind("rank,peer_rank,peer_id,frames_out,", 0), 0u);
  const std::string t = report_types_csv(r);
  EXPECT_NE(t.find("\ngossip,4,4400,3,3300,1,0,0,0,0,0\n"), std::string::npos) << t;
}

}  // namespace
}  // namespace rt::cluster
