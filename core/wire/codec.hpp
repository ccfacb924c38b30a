// The frame codec: pure functions, no I/O (bytes in, messages out; messages in, bytes out),
// so it can be unit-tested, fuzzed and benchmarked without a socket.
//
// Frame layout: u32 big-endian body length | u8 version | u8 type | body.
// The length is checked against the configured maximum before anything is allocated.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <system_error>

#include "wire/error.hpp"
#include "wire/messages.hpp"

namespace rt::wire {

inline constexpr std::size_t kHeaderSize = 6;
inline constexpr std::uint32_t kDefaultMaxBodySize = 16u << 20;  // 16 MiB

struct FrameHeader {
  std::uint32_t body_size = 0;
  std::uint8_t version = 0;
  MessageType type = MessageType::hello;
};

// Checks, in this order: length within max_body, version, known type.
std::error_code parse_header(std::span<const std::uint8_t, kHeaderSize> header,
                             std::uint32_t max_body, FrameHeader& out);

// Decodes a body of the given type. The body must be consumed exactly.
std::error_code decode_body(MessageType type, std::span<const std::uint8_t> body, Message& out);

// Encodes a whole frame (header and body).
Bytes encode_frame(const Message& message);
// The same, as a shared immutable buffer that many peer queues can hold at once.
SharedBytes encode_shared(const Message& message);

// The size encode_frame() would produce, without copying any payload (for the simulator and
// for accounting).
std::size_t frame_size(const Message& message);

// One event record in its fixed-size wire layout (as inside EventBatch), for files that store
// events outside a frame (recordings).
inline constexpr std::size_t kEventRecordSize = 8 + 8 + 1 + 1 + 8 + 32 + 1 + 1 + 4;
void append_event(Bytes& out, const EventRecord& event);
// Decodes exactly kEventRecordSize bytes; errc::malformed_body for an unknown kind or type.
std::error_code decode_event(std::span<const std::uint8_t, kEventRecordSize> in, EventRecord& out);

// Decodes the first frame of a buffer. `consumed` is the frame size on success;
// errc::truncated when the buffer holds less than one whole frame.
struct DecodeResult {
  std::error_code error;
  std::size_t consumed = 0;
  std::optional<Message> message;
};
DecodeResult decode_frame(std::span<const std::uint8_t> buffer,
                          std::uint32_t max_body = kDefaultMaxBodySize);

}  // namespace rt::wire
