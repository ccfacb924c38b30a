#include <gtest/gtest.h>

#include <map>
#include <random>

#include "samples.hpp"
#include "wire/codec.hpp"

namespace rt::wire {
namespace {

std::string hex(const Bytes& b) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (std::uint8_t x : b) {
    out += digits[x >> 4];
    out += digits[x & 0xf];
  }
  return out;
}

Bytes unhex(std::string_view text) {
  Bytes out;
  for (std::size_t i = 0; i + 1 < text.size(); i += 2) {
    out.push_back(
        static_cast<std::uint8_t>(std::stoi(std::string(text.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

// The golden frames, byte for byte, of the samples in samples.hpp. The layout is
// u32 body length | u8 version | u8 type | body, every integer big-endian. A change here is a
// wire format change: bump kFrameVersion with it.
const std::map<MessageType, std::string>& golden() {
  static const std::map<MessageType, std::string> frames = {
      {MessageType::hello,
       "0000004a01010001000102030405060708090a0b0c0d0e0f1011121314151617"
       "18191a1b1c1d1e1f000f3132372e302e302e313a34303030310002000976616c"
       "696461746f720008617263686976616c"},
      {MessageType::heartbeat, "00000008010200060a24181e4000"},
      {MessageType::gossip,
       "0000004f01030102030405060708202122232425262728292a2b2c2d2e2f3031"
       "32333435363738393a3b3c3d3e3f000a76616c696461746f7273030102000000"
       "050000000900060a241820224000000004deadbeef"},
      {MessageType::ack, "0000000901040a0b0c0d0e0f101102"},
      {MessageType::igym, "000000090105000000000000009901"},
      {MessageType::igym_reply, "000000090106000000000000009901"},
      {MessageType::advert,
       "000000450107000000000000002a000000000010000000000000000003e802a0"
       "a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
       "000a76616c696461746f7273"},
      {MessageType::request, "000000140108000000000000002a000000000001000000010000"},
      {MessageType::artifact,
       "000000200109000000000000002a000000000000000200000000000000060000"
       "000401020304"},
      {MessageType::retransmit_request, "00000008010a00000000000003e7"},
      {MessageType::control_hello, "0000000801800006733363726574"},
      {MessageType::control_request,
       "00000018018100000005000000107b22636d64223a22737461747573227d"},
      {MessageType::control_response, "000000130182000000050000000b7b226f6b223a747275657d"},
      {MessageType::event_batch,
       "0000004c0183000000000000000300000001000000000000000700060a24181e"
       "400102031122334455667788404142434445464748494a4b4c4d4e4f50515253"
       "5455565758595a5b5c5d5e5f030100000406"},
  };
  return frames;
}

TEST(Codec, EncodesEveryTypeToItsGoldenBytes) {
  ASSERT_EQ(golden().size(), std::variant_size_v<Message>);
  for (const Message& m : samples::all()) {
    SCOPED_TRACE(std::string(type_name(type_of(m))));
    const auto it = golden().find(type_of(m));
    ASSERT_NE(it, golden().end());
    EXPECT_EQ(hex(encode_frame(m)), it->second);
  }
}

TEST(Codec, DecodesEveryGoldenFrameBackToItsMessage) {
  for (const Message& m : samples::all()) {
    SCOPED_TRACE(std::string(type_name(type_of(m))));
    const Bytes frame = unhex(golden().at(type_of(m)));
    const DecodeResult r = decode_frame(frame);
    ASSERT_FALSE(r.error) << r.error.message();
    EXPECT_EQ(r.consumed, frame.size());
    ASSERT_TRUE(r.message.has_value());
    EXPECT_TRUE(*r.message == m);
  }
}

TEST(Codec, RoundTripsEmptyAndLargePayloads) {
  Gossip empty{MessageId{1}, samples::id_of(1), "all", 0, GossipKind::random, 1, 0, 0, 0, nullptr};
  auto r = decode_frame(encode_frame(empty));
  ASSERT_FALSE(r.error);
  EXPECT_EQ(std::get<Gossip>(*r.message).payload->size(), 0u);

  auto big = std::make_shared<Bytes>(1 << 20);
  std::mt19937 rng(7);
  for (auto& b : *big) b = static_cast<std::uint8_t>(rng());
  Gossip large{MessageId{2}, samples::id_of(2), "all", 4, GossipKind::tree, 1, 0, 9, 5, big};
  r = decode_frame(encode_frame(large));
  ASSERT_FALSE(r.error);
  EXPECT_TRUE(std::get<Gossip>(*r.message) == large);
}

TEST(Codec, EveryStrictPrefixOfAFrameIsTruncated) {
  for (const Message& m : samples::all()) {
    SCOPED_TRACE(std::string(type_name(type_of(m))));
    const Bytes frame = encode_frame(m);
    for (std::size_t n = 0; n < frame.size(); ++n) {
      EXPECT_EQ(decode_frame(std::span(frame).first(n)).error, make_error_code(errc::truncated))
          << "prefix of " << n << " bytes";
    }
  }
}

TEST(Codec, BodyShorterThanItsFieldsIsTruncated) {
  // A heartbeat body needs 8 bytes; declare and send only 4.
  const Bytes frame = {0, 0, 0, 4, kFrameVersion, 0x02, 1, 2, 3, 4};
  EXPECT_EQ(decode_frame(frame).error, make_error_code(errc::truncated));
}

TEST(Codec, OversizeLengthIsRefusedFromTheHeaderAlone) {
  // Only the 6 header bytes exist: the decoder must refuse before wanting (or allocating) the
  // declared 4 GiB body.
  const Bytes header = {0xff, 0xff, 0xff, 0xff, kFrameVersion, 0x03};
  EXPECT_EQ(decode_frame(header).error, make_error_code(errc::too_large));
  FrameHeader h;
  EXPECT_EQ(parse_header(std::span(header).first<kHeaderSize>(), 1024, h),
            make_error_code(errc::too_large));
  // The maximum is configurable: 1025 bytes is too large for a 1024-byte limit.
  const Bytes just_over = {0, 0, 0x04, 0x01, kFrameVersion, 0x03};
  EXPECT_EQ(parse_header(std::span(just_over).first<kHeaderSize>(), 1024, h),
            make_error_code(errc::too_large));
  EXPECT_FALSE(parse_header(std::span(just_over).first<kHeaderSize>(), 1025, h));
}

TEST(Codec, RefusesOtherVersionsAndUnknownTypes) {
  Bytes frame = encode_frame(Heartbeat{1});
  frame[4] = kFrameVersion + 1;
  EXPECT_EQ(decode_frame(frame).error, make_error_code(errc::bad_version));
  for (std::uint8_t type : {0x00, 0x0b, 0x7f, 0x84, 0xff}) {
    frame = encode_frame(Heartbeat{1});
    frame[5] = type;
    EXPECT_EQ(decode_frame(frame).error, make_error_code(errc::unknown_type)) << int(type);
  }
}

TEST(Codec, TrailingBytesAndBadEnumsAreMalformed) {
  Bytes frame = encode_frame(Heartbeat{1});
  frame.push_back(0);
  frame[3] += 1;  // declare the extra byte as part of the body
  EXPECT_EQ(decode_frame(frame).error, make_error_code(errc::malformed_body));

  frame = encode_frame(IgymReply{MessageId{1}, true});
  frame.back() = 2;  // want is a boolean
  EXPECT_EQ(decode_frame(frame).error, make_error_code(errc::malformed_body));

  Gossip g{MessageId{1}, samples::id_of(1), "all", 1, GossipKind::tree, 1, 0, 0, 0, nullptr};
  frame = encode_frame(g);
  frame[kHeaderSize + 8 + 32 + 2 + 3 + 1] = 0x77;  // the kind byte, after level
  EXPECT_EQ(decode_frame(frame).error, make_error_code(errc::malformed_body));

  // An artifact chunk that claims to lie beyond the artifact's total size.
  Artifact a{1, 5, 6, samples::bytes_of({1, 2, 3})};
  EXPECT_EQ(decode_frame(encode_frame(a)).error, make_error_code(errc::malformed_body));
}

TEST(Codec, CountsLargerThanTheBodyAreRefusedBeforeAllocating) {
  // An event batch declaring 2^32-1 events in a 12-byte body.
  const Bytes frame = {0, 0, 0, 12, kFrameVersion, 0x83, 0,    0,   0, 0,
                       0, 0, 0, 0,  0xff,          0xff, 0xff, 0xff};
  EXPECT_EQ(decode_frame(frame).error, make_error_code(errc::malformed_body));
  // A hello declaring 65535 roles with no bytes for them.
  Bytes hello = encode_frame(Hello{1, samples::id_of(0), "h:1", {}});
  hello[hello.size() - 2] = 0xff;
  hello[hello.size() - 1] = 0xff;
  EXPECT_EQ(decode_frame(hello).error, make_error_code(errc::malformed_body));
}

TEST(Codec, RandomGarbageNeverCrashesAndNeverOverreads) {
  std::mt19937 rng(12345);
  int decoded = 0;
  for (int round = 0; round < 20000; ++round) {
    Bytes garbage(rng() % 96);
    for (auto& b : garbage) b = static_cast<std::uint8_t>(rng());
    if (garbage.size() >= kHeaderSize && round % 2 == 0) {
      // Make half of them plausible headers so the body decoders get exercised too.
      const std::uint32_t body = static_cast<std::uint32_t>(garbage.size() - kHeaderSize);
      garbage[0] = garbage[1] = garbage[2] = 0;
      garbage[3] = static_cast<std::uint8_t>(body);
      garbage[4] = kFrameVersion;
      garbage[5] = static_cast<std::uint8_t>(1 + rng() % 10);
    }
    const DecodeResult r = decode_frame(garbage);
    if (!r.error) {
      ++decoded;
      EXPECT_LE(r.consumed, garbage.size());
      // Whatever decoded must encode back to the same bytes.
      EXPECT_EQ(encode_frame(*r.message), Bytes(garbage.begin(), garbage.begin() + r.consumed));
    }
  }
  EXPECT_GT(decoded, 0);
}

TEST(Codec, ErrorsCarryTheProjectCategoryAndReadableMessages) {
  const std::error_code ec = errc::too_large;
  EXPECT_STREQ(ec.category().name(), "raintree.wire");
  EXPECT_NE(ec.message().find("larger"), std::string::npos);
}

TEST(NodeIdTest, ParsesAndPrintsHex) {
  const std::string text(64, 'a');
  const auto id = NodeId::from_hex(text);
  ASSERT_TRUE(id);
  EXPECT_EQ(id->hex(), text);
  EXPECT_EQ(NodeId::from_hex(std::string(64, 'A'))->hex(), text);
  EXPECT_FALSE(NodeId::from_hex(std::string(63, 'a')));
  EXPECT_FALSE(NodeId::from_hex(std::string(63, 'a') + "g"));
  EXPECT_LT(samples::id_of(1), samples::id_of(2));
  EXPECT_EQ(to_string(MessageId{0xabc}), "0000000000000abc");
}

}  // namespace
}  // namespace rt::wire

namespace rt::wire {
namespace {

TEST(Codec, FrameSizeMatchesTheEncodedSize) {
  for (const Message& m : samples::all()) {
    EXPECT_EQ(frame_size(m), encode_frame(m).size()) << type_name(type_of(m));
  }
}

}  // namespace
}  // namespace rt::wire

namespace rt::wire {
namespace {

TEST(Codec, SingleEventRecordsRoundTripInTheirFixedLayout) {
  const EventRecord e = std::get<EventBatch>(samples::all().back()).events.at(0);
  Bytes bytes;
  append_event(bytes, e);
  ASSERT_EQ(bytes.size(), kEventRecordSize);
  EventRecord back;
  ASSERT_FALSE(decode_event(std::span(bytes).first<kEventRecordSize>(), back));
  EXPECT_EQ(back, e);
  bytes[16] = 0xee;  // the kind byte
  EXPECT_EQ(decode_event(std::span(bytes).first<kEventRecordSize>(), back),
            make_error_code(errc::malformed_body));
}

}  // namespace
}  // namespace rt::wire
