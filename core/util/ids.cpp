#include "util/ids.hpp"

#include <algorithm>

namespace rt {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

constexpr char kDigits[] = "0123456789abcdef";

// 32 bytes from exactly 64 hex characters.
std::optional<std::array<std::uint8_t, 32>> bytes_from_hex(std::string_view hex) {
  std::array<std::uint8_t, 32> bytes{};
  if (hex.size() != 2 * bytes.size()) return std::nullopt;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const int hi = hex_value(hex[2 * i]);
    const int lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    bytes[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return bytes;
}

std::string bytes_to_hex(const std::array<std::uint8_t, 32>& bytes) {
  std::string out(2 * bytes.size(), '0');
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    out[2 * i] = kDigits[bytes[i] >> 4];
    out[2 * i + 1] = kDigits[bytes[i] & 0xf];
  }
  return out;
}

}  // namespace

std::optional<NodeId> NodeId::from_hex(std::string_view hex) {
  const auto bytes = bytes_from_hex(hex);
  if (!bytes) return std::nullopt;
  return NodeId(*bytes);
}

std::string NodeId::hex() const {
  return bytes_to_hex(bytes_);
}

std::string to_hex(const PublicKey& key) {
  return bytes_to_hex(key);
}

std::optional<PublicKey> public_key_from_hex(std::string_view hex) {
  return bytes_from_hex(hex);
}

bool NodeId::is_zero() const {
  return std::all_of(bytes_.begin(), bytes_.end(), [](std::uint8_t b) { return b == 0; });
}

std::string to_string(MessageId id) {
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i) {
    out[i] = kDigits[id.value >> (4 * (15 - i)) & 0xf];
  }
  return out;
}

}  // namespace rt
