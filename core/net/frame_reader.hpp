// The read side of an established peer connection, without a socket: bytes in as they arrive,
// whole messages out (STYLE.md: a framing codec that does no I/O, so that it can be fuzzed and
// unit-tested; tests/fuzz/fuzz_frames.cpp drives it). Each frame's header is checked (length
// against max_body, version, type) before the buffer grows for its body, and after the HELLO a
// peer may send only peer-protocol frames.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "wire/codec.hpp"

namespace rt::net {

class FrameReader {
 public:
  static constexpr std::size_t kReadChunk = 64u << 10;

  explicit FrameReader(std::uint32_t max_body) : max_body_(max_body), in_(kReadChunk) {}

  // Where the next read goes; never empty.
  std::span<std::uint8_t> space() { return {in_.data() + end_, in_.size() - end_}; }
  // `n` bytes were read into space().
  void commit(std::size_t n) { end_ += n; }

  struct Frame {
    wire::Message message;
    std::size_t bytes = 0;  // the whole frame, header included
  };
  // The next whole frame received, or nullopt. With nullopt, `error` either says why the
  // connection must close or is empty: more bytes are needed, and space() has room for them.
  std::optional<Frame> next(std::string& error);

  std::size_t buffered() const { return end_ - begin_; }
  std::size_t capacity() const { return in_.size(); }

 private:
  // Moves the unparsed bytes to the front; `need` is the size of an incomplete frame (0: none).
  void compact(std::size_t need);

  std::uint32_t max_body_;
  std::vector<std::uint8_t> in_;  // [begin_, end_) holds unparsed bytes
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
};

}  // namespace rt::net
