#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

#include "net/frame_reader.hpp"
#include "unit/wire/samples.hpp"

namespace rt::net {
namespace {

// Copies `bytes` into the reader in reads of at most `read_size`, collecting every frame and
// stopping at the first error.
struct Fed {
  std::vector<wire::Message> messages;
  std::size_t frame_bytes = 0;
  std::string error;
};
Fed feed(FrameReader& reader, const wire::Bytes& bytes, std::size_t read_size) {
  Fed fed;
  for (std::size_t pos = 0; pos < bytes.size() && fed.error.empty();) {
    const auto space = reader.space();
    const std::size_t n = std::min({read_size, space.size(), bytes.size() - pos});
    std::memcpy(space.data(), bytes.data() + pos, n);
    reader.commit(n);
    pos += n;
    while (auto frame = reader.next(fed.error)) {
      fed.frame_bytes += frame->bytes;
      fed.messages.push_back(std::move(frame->message));
    }
  }
  return fed;
}

wire::Bytes frames_of(const std::vector<wire::Message>& messages) {
  wire::Bytes out;
  for (const auto& m : messages) {
    const auto frame = wire::encode_frame(m);
    out.insert(out.end(), frame.begin(), frame.end());
  }
  return out;
}

std::vector<wire::Message> peer_samples() {
  std::vector<wire::Message> out;
  for (auto& m : wire::samples::all()) {
    const auto type = wire::type_of(m);
    if (!wire::is_control_type(type) && type != wire::MessageType::hello) out.push_back(m);
  }
  return out;
}

TEST(FrameReader, FramesCutIntoAnyReadsComeOutWholeAndInOrder) {
  const auto messages = peer_samples();
  const wire::Bytes stream = frames_of(messages);
  for (std::size_t read_size : {std::size_t{1}, std::size_t{5}, std::size_t{7}, stream.size()}) {
    SCOPED_TRACE(read_size);
    FrameReader reader(wire::kDefaultMaxBodySize);
    const Fed fed = feed(reader, stream, read_size);
    EXPECT_EQ(fed.error, "");
    EXPECT_EQ(fed.messages, messages);
    EXPECT_EQ(fed.frame_bytes, stream.size());
    EXPECT_EQ(reader.buffered(), 0u);
  }
}

TEST(FrameReader, APartialFrameWaitsWithRoomForTheRest) {
  wire::Bytes frame = wire::encode_frame(wire::Heartbeat{42});
  frame.pop_back();
  FrameReader reader(wire::kDefaultMaxBodySize);
  const Fed fed = feed(reader, frame, frame.size());
  EXPECT_TRUE(fed.messages.empty());
  EXPECT_EQ(fed.error, "");
  EXPECT_EQ(reader.buffered(), frame.size());
  EXPECT_FALSE(reader.space().empty());
}

TEST(FrameReader, AnOversizeLengthIsRefusedBeforeTheBufferGrows) {
  wire::Bytes header = {0x00, 0x10, 0x00, 0x00, wire::kFrameVersion, 0x03};  // 1 MiB gossip
  FrameReader reader(64u << 10);
  const Fed fed = feed(reader, header, header.size());
  EXPECT_EQ(fed.error, "bad frame header: " + make_error_code(wire::errc::too_large).message());
  EXPECT_EQ(reader.capacity(), FrameReader::kReadChunk);
}

TEST(FrameReader, HelloAndControlFramesAreRefusedAfterTheHandshake) {
  for (const wire::Message& m :
       {wire::Message(wire::samples::all().front()), wire::Message(wire::ControlHello{"token"})}) {
    FrameReader reader(wire::kDefaultMaxBodySize);
    const Fed fed = feed(reader, wire::encode_frame(m), 64);
    EXPECT_EQ(fed.error, "unexpected " + std::string(wire::type_name(wire::type_of(m))) +
                             " frame on an established peer connection");
  }
}

TEST(FrameReader, AnUndecodableBodyNamesItsType) {
  wire::Bytes frame = wire::encode_frame(wire::Igym{MessageId{1}, 0});
  frame.back() = 9;  // no such direction
  FrameReader reader(wire::kDefaultMaxBodySize);
  const Fed fed = feed(reader, frame, frame.size());
  EXPECT_EQ(fed.error,
            "undecodable igym frame: " + make_error_code(wire::errc::malformed_body).message());
}

TEST(FrameReader, TheBufferGrowsForALargeFrameAndShrinksBackAfterIt) {
  auto payload = std::make_shared<wire::Bytes>(1u << 20, std::uint8_t{7});
  wire::Gossip large;
  large.payload = payload;
  const std::vector<wire::Message> messages = {large, wire::Heartbeat{1}};
  const wire::Bytes stream = frames_of(messages);
  FrameReader reader(wire::kDefaultMaxBodySize);
  const Fed fed = feed(reader, stream, FrameReader::kReadChunk);
  EXPECT_EQ(fed.messages, messages);
  EXPECT_EQ(reader.capacity(), FrameReader::kReadChunk);
}

}  // namespace
}  // namespace rt::net
