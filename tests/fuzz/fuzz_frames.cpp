// The read side of an established peer connection (net::FrameReader, what net::Connection
// runs on every read): a byte stream as a peer sends it, cut into reads.
//
// Input: byte 0 is the read size (0: as much as the reader has room for, else 1..255 bytes
// per read), byte 1 the max_body the node is configured with (0: the default 16 MiB, else
// byte 1 x 64), the rest the stream.
//
// Checked: the reader always has room for the next read and never holds more than one
// maximal frame; every frame it yields is what wire::decode_frame() makes of the same bytes
// and re-encodes to them; it stops only where decode_frame() fails or finds a frame a peer
// may not send (HELLO again, control types), and when the stream ends cleanly what is left
// is an incomplete frame.
#include <cstring>
#include <string>

#include "fuzz_check.hpp"
#include "net/frame_reader.hpp"

using namespace rt;
using fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::size_t read_size = data[0] == 0 ? SIZE_MAX : data[0];
  const std::uint32_t max_body = data[1] == 0 ? wire::kDefaultMaxBodySize : data[1] * 64u;
  const std::span<const std::uint8_t> stream(data + 2, size - 2);

  net::FrameReader reader(max_body);
  std::size_t fed = 0;
  std::size_t parsed = 0;
  std::string error;
  while (error.empty() && fed < stream.size()) {
    const std::span<std::uint8_t> space = reader.space();
    check(!space.empty(), "the reader has room for the next read");
    const std::size_t n = std::min({read_size, space.size(), stream.size() - fed});
    std::memcpy(space.data(), stream.data() + fed, n);
    reader.commit(n);
    fed += n;
    while (auto frame = reader.next(error)) {
      const wire::DecodeResult expected = wire::decode_frame(stream.subspan(parsed), max_body);
      check(!expected.error && expected.consumed == frame->bytes,
            "the reader's frame is the one decode_frame() finds at that offset");
      check(*expected.message == frame->message, "the reader decodes as decode_frame()");
      fuzz::check_round_trip(frame->message, stream.subspan(parsed + wire::kHeaderSize,
                                                            frame->bytes - wire::kHeaderSize));
      parsed += frame->bytes;
    }
    check(reader.buffered() == fed - parsed, "the reader holds exactly the unparsed bytes");
    check(reader.capacity() <=
              std::max<std::size_t>(net::FrameReader::kReadChunk, wire::kHeaderSize + max_body),
          "the buffer never outgrows one maximal frame");
  }

  const wire::DecodeResult rest = wire::decode_frame(stream.subspan(parsed), max_body);
  if (error.empty()) {
    check(rest.error == wire::errc::truncated, "a clean end of stream leaves a partial frame");
    check(!reader.space().empty(), "the reader has room for the rest of the frame");
  } else if (!rest.error) {
    const wire::MessageType type = wire::type_of(*rest.message);
    check(wire::is_control_type(type) || type == wire::MessageType::hello,
          "the reader refuses a decodable frame only for its type");
  }
  return 0;
}
