// raintree-lab replay on a real file: a small synthetic recording written by the test, the real
// executable, and the report it writes checked by content and by the contract checker.
#include <fstream>

#include <nlohmann/json.hpp>

#include "cluster/recording.hpp"
#include "helpers.hpp"

namespace rt::itest {
namespace {

using nlohmann::json;
using wire::EventKind;
using wire::MessageType;

constexpr Micros kStart = 1'700'000'000'000'000;

NodeId id_of(int rank) {
  NodeId::Bytes b{};
  b.fill(static_cast<std::uint8_t>(0x10 * rank));
  return NodeId(b);
}

wire::EventRecord event(std::uint64_t seq, double ms, EventKind kind, MessageType type,
                        std::uint64_t msg, int peer, std::uint8_t detail, std::uint32_t bytes) {
  wire::EventRecord e;
  e.seq = seq;
  e.time_us = kStart + static_cast<Micros>(ms * 1000);
  e.kind = kind;
  e.msg_type = type;
  e.msg_id = MessageId{msg};
  if (peer) e.peer = id_of(peer);
  e.detail = detail;
  e.bytes = bytes;
  return e;
}

// Three nodes: rank 3 is stopped while rank 1 broadcasts, continues, and catches up.
void write_recording(const fs::path& file) {
  cluster::RecordingHeader header{"raintree", "replay-cli", kStart, {}};
  for (int r = 1; r <= 3; ++r) header.nodes.push_back({r, id_of(r), "validator"});
  std::string error;
  auto w = cluster::RecordingWriter::create(file, header, error);
  ASSERT_TRUE(w) << error;
  const std::uint64_t msg = 0xabc;
  w->add_note(kStart + 100'000, {{"fault", "stop"}, {"ranks", json::array({3})}});
  w->add_events(1, {event(1, 200, EventKind::originate, MessageType::gossip, msg, 0, 0, 512),
                    event(2, 200, EventKind::deliver, MessageType::gossip, msg, 0, 0, 512),
                    event(3, 200, EventKind::send, MessageType::gossip, msg, 2, 1, 600)});
  w->add_note(
      kStart + 201'000,
      {{"broadcast",
        {{"id", to_string(MessageId{msg})}, {"origin_rank", 1}, {"group", "all"}, {"size", 512}}}});
  w->add_events(2, {event(1, 201, EventKind::receive, MessageType::gossip, msg, 1, 1, 600),
                    event(2, 201, EventKind::deliver, MessageType::gossip, msg, 0, 1, 512)});
  w->add_note(kStart + 1'000'000, {{"fault", "continue"}, {"ranks", json::array({3})}});
  w->add_events(1, {event(4, 1100, EventKind::send, MessageType::gossip, msg, 3, 5, 600)});
  w->add_events(3, {event(1, 1101, EventKind::receive, MessageType::gossip, msg, 1, 5, 600),
                    event(2, 1101, EventKind::deliver, MessageType::gossip, msg, 0, 1, 512)});
  w->add_note(kStart + 2'000'000, {{"end", {{"events_lost", 0}}}});
  ASSERT_TRUE(w->finish(error)) << error;
}

std::string read_text(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(ReplayCli, RebuildsTheReportFromARecordingWithoutACluster) {
  TempDir dir("replay");
  const fs::path recording = dir.path() / "run.rtrec";
  write_recording(recording);
  const fs::path report = dir.path() / "report.json";
  const fs::path csv = dir.path() / "csv";
  const auto r =
      lab({"replay", recording.string(), "--json", report.string(), "--csv", csv.string()});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("coverage 1.0000"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("caught up 1 (via catchup 1)"), std::string::npos) << r.output;

  const json doc = json::parse(read_text(report));
  EXPECT_EQ(doc["mode"], "raintree");
  EXPECT_EQ(doc["name"], "replay-cli");
  EXPECT_EQ(doc["totals"]["coverage"], 1.0);
  EXPECT_EQ(doc["totals"]["broadcasts"], 1);
  ASSERT_EQ(doc["broadcasts"].size(), 1u);
  const json& b = doc["broadcasts"][0];
  EXPECT_EQ(b["reachable_at_send"], 2);
  ASSERT_EQ(b["caught_up"].size(), 1u);
  EXPECT_EQ(b["caught_up"][0]["rank"], 3);
  EXPECT_EQ(b["caught_up"][0]["after_return_ms"], 101.0);
  EXPECT_EQ(b["caught_up"][0]["via"], "catchup");
  EXPECT_EQ(doc["nodes"][2]["caught_up"], 1);

  if (fs::exists(check_contract_script())) {
    const auto check = run_command("/usr/bin/python3",
                                   {check_contract_script().string(), "report", report.string()});
    EXPECT_EQ(check.exit_code, 0) << check.output;
  }
  for (const char* name : {"broadcasts.csv", "nodes.csv", "peers.csv", "types.csv"}) {
    const std::string text = read_text(csv / name);
    EXPECT_GE(std::count(text.begin(), text.end(), '\n'), 2) << name << ":\n" << text;
  }

  // The same recording gives the same report again, byte for byte.
  const fs::path again = dir.path() / "again.json";
  ASSERT_EQ(lab({"replay", recording.string(), "--json", again.string()}).exit_code, 0);
  EXPECT_EQ(read_text(again), read_text(report));
}

TEST(ReplayCli, DamagedOrMissingRecordingIsAClearErrorAndExitOne) {
  TempDir dir("replay-bad");
  const fs::path recording = dir.path() / "run.rtrec";
  write_recording(recording);
  fs::resize_file(recording, fs::file_size(recording) - 5);
  const fs::path report = dir.path() / "report.json";
  const auto damaged = lab({"replay", recording.string(), "--json", report.string()});
  EXPECT_EQ(damaged.exit_code, 1) << damaged.output;
  EXPECT_NE(damaged.output.find("damaged"), std::string::npos) << damaged.output;
  EXPECT_FALSE(fs::exists(report));  // nothing half-made is written

  const auto missing = lab({"replay", (dir.path() / "nope.rtrec").string()});
  EXPECT_EQ(missing.exit_code, 1) << missing.output;
  EXPECT_NE(missing.output.find("cannot open"), std::string::npos) << missing.output;

  const auto help = lab({"replay", "--help"});
  EXPECT_EQ(help.exit_code, 0) << help.output;
  EXPECT_NE(help.output.find("raintree-lab replay run.rtrec"), std::string::npos) << help.output;
}

}  // namespace
}  // namespace rt::itest
