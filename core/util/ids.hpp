// Strong identifier types shared by every layer.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace rt {

// A node's identity: 32 bytes, written as 64 lowercase hex characters. Ordering is plain byte
// order, which is the order RainTree sorts its peer list by.
class NodeId {
 public:
  static constexpr std::size_t kSize = 32;
  using Bytes = std::array<std::uint8_t, kSize>;

  NodeId() = default;
  explicit NodeId(const Bytes& bytes) : bytes_(bytes) {}

  // Parses exactly 64 hex characters (either case); nullopt otherwise.
  static std::optional<NodeId> from_hex(std::string_view hex);

  const Bytes& bytes() const { return bytes_; }
  std::string hex() const;
  // The first 8 hex characters: enough to tell nodes apart in logs and views.
  std::string short_hex() const { return hex().substr(0, 8); }
  bool is_zero() const;

  friend auto operator<=>(const NodeId&, const NodeId&) = default;

 private:
  Bytes bytes_{};
};

// An Ed25519 public key, the root of a node's identity (crypto/node_key.hpp derives the node
// id from it; the address book pins it).
using PublicKey = std::array<std::uint8_t, 32>;

std::string to_hex(const PublicKey& key);  // 64 lowercase hex characters
// Exactly 64 hex characters (either case); nullopt otherwise.
std::optional<PublicKey> public_key_from_hex(std::string_view hex);

// A broadcast's identity, chosen at random by the originator. Strong so that it cannot be
// mixed up with counts, sizes or timestamps.
struct MessageId {
  std::uint64_t value = 0;
  friend auto operator<=>(const MessageId&, const MessageId&) = default;
};

std::string to_string(MessageId id);  // 16 lowercase hex characters

// Tree level of a RainTree hop (L at the originator, down to 1).
using Level = std::uint8_t;

// Microseconds. In a node: since the Unix epoch (so that processes on one machine agree);
// in the simulator: virtual time since the start of the run.
using Micros = std::int64_t;

}  // namespace rt

template <>
struct std::hash<rt::NodeId> {
  std::size_t operator()(const rt::NodeId& id) const noexcept {
    std::size_t h = 0;
    for (int i = 0; i < 8; ++i) h = (h << 8) | id.bytes()[i];
    return h;
  }
};

template <>
struct std::hash<rt::MessageId> {
  std::size_t operator()(const rt::MessageId& id) const noexcept {
    return std::hash<std::uint64_t>{}(id.value);
  }
};
