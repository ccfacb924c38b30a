#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "cluster/recording.hpp"
#include "recording_support.hpp"

namespace rt::cluster {
namespace {

namespace fs = std::filesystem;

using testing::id_of;
using testing::TempFile;

RecordingHeader three_nodes() {
  return {"raintree",
          "unit",
          1000,
          {{1, id_of(1), "validator"}, {2, id_of(2), "servicer"}, {3, id_of(3), "validator"}}};
}

wire::EventRecord event(std::uint64_t seq, Micros t, wire::EventKind kind) {
  wire::EventRecord e;
  e.seq = seq;
  e.time_us = t;
  e.kind = kind;
  e.msg_type = wire::MessageType::gossip;
  e.msg_id = MessageId{77};
  e.peer = id_of(9);
  e.bytes = 1100;
  return e;
}

std::vector<RecordingEntry> read_all(const fs::path& file, std::string& error) {
  auto reader = RecordingReader::open(file, error);
  std::vector<RecordingEntry> entries;
  if (!reader) return entries;
  while (auto entry = reader->next(error)) entries.push_back(std::move(*entry));
  return entries;
}

TEST(Recording, MergesNodeStreamsIntoTimeOrderAndKeepsNotes) {
  TempFile file;
  std::string error;
  {
    auto writer = RecordingWriter::create(file.path, three_nodes(), error);
    ASSERT_TRUE(writer) << error;
    // Batches arrive per node, each in its own order, interleaved in time across nodes.
    writer->add_events(
        2, {event(1, 1010, wire::EventKind::receive), event(2, 1040, wire::EventKind::deliver)});
    writer->add_events(
        1, {event(1, 1000, wire::EventKind::originate), event(2, 1005, wire::EventKind::send)});
    writer->add_note(1020, {{"fault", "kill"}, {"ranks", {3}}});
    writer->flush_older_than(1030, 0);  // writes everything before t=1030
    writer->add_events(3, {event(1, 1050, wire::EventKind::receive)});
    ASSERT_TRUE(writer->finish(error)) << error;
    EXPECT_EQ(writer->events_written(), 5u);
  }
  const auto entries = read_all(file.path, error);
  ASSERT_TRUE(error.empty()) << error;
  ASSERT_EQ(entries.size(), 6u);
  std::vector<Micros> times;
  for (const auto& entry : entries) {
    if (const auto* e = std::get_if<RecordedEvent>(&entry)) {
      times.push_back(e->event.time_us);
    } else {
      const auto& note = std::get<RecordedNote>(entry);
      times.push_back(note.time_us);
      EXPECT_EQ(note.note["fault"], "kill");
    }
  }
  EXPECT_TRUE(std::is_sorted(times.begin(), times.end()));
  const auto& first = std::get<RecordedEvent>(entries.front());
  EXPECT_EQ(first.rank, 1);
  EXPECT_EQ(first.event, event(1, 1000, wire::EventKind::originate));
}

TEST(Recording, HeaderRoundTrips) {
  TempFile file;
  std::string error;
  ASSERT_TRUE(RecordingWriter::create(file.path, three_nodes(), error)->finish(error));
  auto reader = RecordingReader::open(file.path, error);
  ASSERT_TRUE(reader) << error;
  EXPECT_EQ(reader->header().mode, "raintree");
  ASSERT_EQ(reader->header().nodes.size(), 3u);
  EXPECT_EQ(reader->header().nodes[1].role, "servicer");
  EXPECT_EQ(reader->header().nodes[2].id, id_of(3));
  EXPECT_FALSE(reader->next(error));
  EXPECT_TRUE(error.empty());
}

TEST(Recording, DamagedFilesAreReportedWithWhereAndWhat) {
  TempFile file;
  std::string error;
  {
    auto writer = RecordingWriter::create(file.path, three_nodes(), error);
    writer->add_events(1, {event(1, 1000, wire::EventKind::send)});
    ASSERT_TRUE(writer->finish(error));
  }
  // Cut the last event short.
  fs::resize_file(file.path, fs::file_size(file.path) - 10);
  read_all(file.path, error);
  EXPECT_NE(error.find("truncated event"), std::string::npos) << error;

  std::ofstream(file.path, std::ios::binary | std::ios::trunc) << "not a recording at all";
  EXPECT_FALSE(RecordingReader::open(file.path, error));
  EXPECT_NE(error.find("is not a RainTree recording"), std::string::npos);

  std::ofstream(file.path, std::ios::binary | std::ios::trunc) << "RTREC" << char(9) << "xxxx";
  EXPECT_FALSE(RecordingReader::open(file.path, error));
  EXPECT_NE(error.find("version 9 is not supported"), std::string::npos);

  EXPECT_FALSE(RecordingReader::open("/nonexistent/file.rtrec", error));
  EXPECT_EQ(error, "cannot open recording /nonexistent/file.rtrec");
}

TEST(Recording, AnEventFromAnUnknownRankIsDamage) {
  TempFile file;
  std::string error;
  {
    auto writer = RecordingWriter::create(file.path, three_nodes(), error);
    writer->add_events(7, {event(1, 1000, wire::EventKind::send)});
    ASSERT_TRUE(writer->finish(error));
  }
  read_all(file.path, error);
  EXPECT_NE(error.find("unknown rank"), std::string::npos) << error;
}

}  // namespace
}  // namespace rt::cluster
