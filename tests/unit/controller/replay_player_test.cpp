// ReplayPlayer: a recording played back as a running cluster (events passed, counters per node
// and per peer, conditions from fault notes), forwards and back.
#include "cluster/replay_player.hpp"

#include <gtest/gtest.h>

#include "recording_support.hpp"

namespace rt::cluster {
namespace {

namespace fs = std::filesystem;

using testing::id_of;
using testing::TempFile;

wire::EventRecord event(std::uint64_t seq, Micros t, wire::EventKind kind, NodeId peer,
                        std::uint32_t bytes = 0) {
  wire::EventRecord e;
  e.seq = seq;
  e.time_us = t;
  e.kind = kind;
  e.msg_id = MessageId{5};
  e.peer = peer;
  e.bytes = bytes;
  return e;
}

// Three nodes: 1 sends 1000 bytes to 2 at 1 ms, 2 delivers at 2 ms, 3 is killed at 3 ms and
// restarted at 9 ms; 2 receives a duplicate from 3 at 5 ms.
void write_sample(const fs::path& file) {
  std::string error;
  const RecordingHeader header{
      "raintree", "unit", 0, {{1, id_of(1), "validator"}, {2, id_of(2)}, {3, id_of(3)}}};
  auto writer = RecordingWriter::create(file, header, error);
  ASSERT_TRUE(writer) << error;
  using K = wire::EventKind;
  writer->add_events(1, {event(1, 1000, K::send, id_of(2), 1000)});
  writer->add_events(
      2, {event(1, 1500, K::receive, id_of(1), 1000), event(2, 2000, K::deliver, {}),
          event(3, 5000, K::receive, id_of(3), 1000), event(4, 5000, K::duplicate, id_of(3))});
  writer->add_note(3000, {{"fault", "kill"}, {"ranks", {3}}});
  writer->add_note(9000, {{"fault", "restart"}, {"ranks", {3}}});
  ASSERT_TRUE(writer->finish(error)) << error;
}

TEST(ReplayPlayer, PlaysForwardWithCountersAndConditionsAndRewindsWhenSeekingBack) {
  TempFile file;
  write_sample(file.path);
  std::string error;
  auto player = ReplayPlayer::load(file.path, error);
  ASSERT_TRUE(player) << error;
  EXPECT_EQ(player->cluster().nodes.size(), 3u);
  EXPECT_EQ(player->cluster().mode, "raintree");
  EXPECT_EQ(player->duration_us(), 8000) << "from the first entry at 1 ms to the last at 9 ms";

  auto step = player->advance_to(1000);  // up to 2 ms
  EXPECT_EQ(step.events.size(), 3u);
  ASSERT_EQ(step.samples.size(), 3u);
  EXPECT_EQ(step.samples[0].bytes_out, 1000u);
  EXPECT_EQ(step.samples[1].bytes_in, 1000u);
  EXPECT_EQ(step.samples[1].delivered, 1u);
  ASSERT_EQ(step.samples[1].peers.size(), 1u)
      << "the peers it exchanged frames with (not rank 3 yet), self left out";
  EXPECT_EQ(step.samples[1].peers[0].peer, id_of(1));
  EXPECT_EQ(step.samples[1].peers[0].bytes_in, 1000u);
  EXPECT_EQ(step.samples[2].condition, NodeCondition::up);

  step = player->advance_to(4500);  // up to 5.5 ms: the kill, the duplicate
  EXPECT_EQ(step.notes.size(), 1u);
  EXPECT_EQ(step.samples[2].condition, NodeCondition::killed);
  EXPECT_FALSE(step.samples[2].process_alive);
  EXPECT_EQ(step.samples[1].duplicates, 1u);
  ASSERT_EQ(step.samples[1].peers.size(), 2u) << "rank 3 sent to it now";
  EXPECT_EQ(step.samples[1].peers[1].duplicates, 1u);

  step = player->advance_to(1'000'000);  // clamped to the end
  EXPECT_TRUE(player->at_end());
  EXPECT_EQ(player->position_us(), player->duration_us());
  EXPECT_EQ(step.samples[2].condition, NodeCondition::up) << "restarted";

  step = player->advance_to(500);  // back: rewinds and plays up to 1.5 ms
  EXPECT_EQ(step.events.size(), 2u);
  EXPECT_EQ(step.samples[1].delivered, 0u);
  EXPECT_EQ(step.samples[2].condition, NodeCondition::up);
}

TEST(ReplayPlayer, ABoundedLoadSaysItWasCutAndAMissingFileSaysWhy) {
  TempFile file;
  write_sample(file.path);
  std::string error;
  auto player = ReplayPlayer::load(file.path, error, 3);
  ASSERT_TRUE(player) << error;
  EXPECT_TRUE(player->truncated());
  EXPECT_EQ(player->entry_count(), 3u);
  EXPECT_FALSE(ReplayPlayer::load("/nonexistent/x.rtrec", error));
  EXPECT_NE(error.find("/nonexistent/x.rtrec"), std::string::npos) << error;
}

}  // namespace
}  // namespace rt::cluster
