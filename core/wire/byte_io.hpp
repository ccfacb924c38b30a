// Big-endian field writer and bounds-checked reader used by the codec.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <string>

#include "wire/messages.hpp"

namespace rt::wire {

class ByteWriter {
 public:
  explicit ByteWriter(Bytes& out) : out_(out) {}

  void u8(std::uint8_t v) { out_.push_back(v); }
  void u16(std::uint16_t v) { put(v, 2); }
  void u32(std::uint32_t v) { put(v, 4); }
  void u64(std::uint64_t v) { put(v, 8); }
  void i64(std::int64_t v) { put(static_cast<std::uint64_t>(v), 8); }
  void raw(const std::uint8_t* data, std::size_t size) {
    out_.insert(out_.end(), data, data + size);
  }
  template <std::size_t N>
  void array(const std::array<std::uint8_t, N>& a) {
    raw(a.data(), N);
  }
  void node_id(const NodeId& id) { array(id.bytes()); }
  // Short strings (names, endpoints): u16 length. Longer input is cut at 65535 bytes.
  void short_string(const std::string& s);
  // Documents and blobs: u32 length.
  void long_string(const std::string& s);
  void blob(const SharedBytes& b);

 private:
  void put(std::uint64_t v, int width) {
    for (int i = width - 1; i >= 0; --i) out_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  Bytes& out_;
};

// Every read checks the remaining length first; a short read sets the failure flag and
// returns zero, so decoders can read all fields and check ok() once.
class ByteReader {
 public:
  explicit ByteReader(std::span<const std::uint8_t> in) : in_(in) {}

  std::uint8_t u8() { return static_cast<std::uint8_t>(get(1)); }
  std::uint16_t u16() { return static_cast<std::uint16_t>(get(2)); }
  std::uint32_t u32() { return static_cast<std::uint32_t>(get(4)); }
  std::uint64_t u64() { return get(8); }
  std::int64_t i64() { return static_cast<std::int64_t>(get(8)); }
  template <std::size_t N>
  std::array<std::uint8_t, N> array() {
    std::array<std::uint8_t, N> a{};
    if (take(N)) std::memcpy(a.data(), in_.data() + pos_ - N, N);
    return a;
  }
  NodeId node_id() { return NodeId(array<NodeId::kSize>()); }
  std::string short_string() { return string_of(u16()); }
  std::string long_string() { return string_of(u32()); }
  SharedBytes blob();

  bool ok() const { return !failed_; }
  bool at_end() const { return pos_ == in_.size(); }
  std::size_t remaining() const { return in_.size() - pos_; }

 private:
  bool take(std::size_t n) {
    if (failed_ || n > remaining()) {
      failed_ = true;
      return false;
    }
    pos_ += n;
    return true;
  }
  std::uint64_t get(int width) {
    if (!take(width)) return 0;
    std::uint64_t v = 0;
    for (int i = 0; i < width; ++i) v = v << 8 | in_[pos_ - width + i];
    return v;
  }
  std::string string_of(std::size_t n) {
    if (!take(n)) return {};
    return std::string(reinterpret_cast<const char*>(in_.data() + pos_ - n), n);
  }

  std::span<const std::uint8_t> in_;
  std::size_t pos_ = 0;
  bool failed_ = false;
};

}  // namespace rt::wire
