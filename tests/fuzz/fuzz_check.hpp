// Shared by the fuzz targets: a property check that stops the run whatever the build type
// (assert() is compiled out of the Release regression build), and the codec round trip that
// both wire targets require of every message that decodes.
#pragma once

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <span>

#include "wire/codec.hpp"

namespace rt::fuzz {

inline void check(bool holds, const char* property) {
  if (holds) return;
  std::fprintf(stderr, "fuzz property violated: %s\n", property);
  std::abort();
}

// `decoded` came from `body`: its encoding must be exactly that body under a header that
// names its size, version and type, frame_size() must agree, and the frame must decode back
// to the same value.
inline void check_round_trip(const wire::Message& decoded, std::span<const std::uint8_t> body) {
  const wire::Bytes frame = wire::encode_frame(decoded);
  check(frame.size() == wire::kHeaderSize + body.size(), "re-encoded body has the same size");
  check(std::equal(body.begin(), body.end(), frame.begin() + wire::kHeaderSize),
        "re-encoded body has the same bytes (one encoding per value)");
  check(wire::frame_size(decoded) == frame.size(), "frame_size() matches the encoding");
  const wire::DecodeResult again = wire::decode_frame(frame);
  check(!again.error && again.consumed == frame.size(), "a re-encoded frame decodes whole");
  check(again.message && *again.message == decoded, "a re-encoded frame decodes to the same value");
}

}  // namespace rt::fuzz
