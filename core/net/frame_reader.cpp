#include "net/frame_reader.hpp"

#include <cstring>

namespace rt::net {

std::optional<FrameReader::Frame> FrameReader::next(std::string& error) {
  error.clear();
  std::size_t need = 0;
  if (end_ - begin_ >= wire::kHeaderSize) {
    wire::FrameHeader header;
    const std::span<const std::uint8_t, wire::kHeaderSize> head(in_.data() + begin_,
                                                                wire::kHeaderSize);
    // The length is checked here, before the buffer grows for the body.
    if (auto ec = wire::parse_header(head, max_body_, header)) {
      error = "bad frame header: " + ec.message();
      return std::nullopt;
    }
    if (wire::is_control_type(header.type) || header.type == wire::MessageType::hello) {
      error = "unexpected " + std::string(wire::type_name(header.type)) +
              " frame on an established peer connection";
      return std::nullopt;
    }
    const std::size_t total = wire::kHeaderSize + header.body_size;
    if (end_ - begin_ >= total) {
      Frame frame;
      frame.bytes = total;
      const std::span<const std::uint8_t> body(in_.data() + begin_ + wire::kHeaderSize,
                                               header.body_size);
      if (auto ec = wire::decode_body(header.type, body, frame.message)) {
        error =
            "undecodable " + std::string(wire::type_name(header.type)) + " frame: " + ec.message();
        return std::nullopt;
      }
      begin_ += total;
      return frame;
    }
    need = total;
  }
  compact(need);
  return std::nullopt;
}

void FrameReader::compact(std::size_t need) {
  if (begin_ > 0) {
    std::memmove(in_.data(), in_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  if (need > in_.size()) {
    in_.resize(need);  // the header was validated in next()
  } else if (need == 0 && in_.size() > 4 * kReadChunk && end_ < kReadChunk) {
    in_.resize(kReadChunk);  // give back the room a large frame took
    in_.shrink_to_fit();
  }
}

}  // namespace rt::net
