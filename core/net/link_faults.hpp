// Fault injection in the node's own transport (the test kernel has no netem): random loss,
// outbound delay and partitions, set through the node's control channel (`fault` command,
// docs/control-protocol.md). Owned by the Transport and used on its io thread only.
//
// What each fault does (the Transport and PeerLink apply them):
//   loss       node level: frames other than HELLO/HEARTBEAT are dropped at random, outbound
//              before queueing and inbound before the observer sees them. Link level: outbound
//              to that peer only. Keeping heartbeats lets the failure detector see a lossy peer
//              as alive: this models lossy links, not dead ones.
//   delay      outbound frames wait (node delay + link delay) before they may be written; FIFO
//              per link, and they count against the link's bounded queue. HEARTBEATs are not
//              delayed (they jump ahead of held frames), so a delayed peer never times out.
//   block      partition: the connection is closed, the peer's HELLO refused, it is not dialed
//              and frames to it are dropped; on unblock the dialer redials at once.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <string_view>

#include "util/ids.hpp"
#include "wire/messages.hpp"

namespace rt::net {

// Why a frame was dropped; also the `detail` of a `drop` event (docs/control-protocol.md).
enum class DropReason : std::uint8_t {
  other = 0,        // queue full, peer gone or removed, transport stopped
  loss = 1,         // injected loss
  partitioned = 2,  // the peer is blocked
  muted = 3,        // the node is muted (the node drops engine sends; never the transport)
};
inline constexpr std::size_t kDropReasons = 4;
// "queue", "loss", "partitioned", "muted" (the keys of counters.node.drops_by_reason).
std::string_view drop_reason_name(DropReason reason);

inline constexpr double kMaxLossPercent = 100.0;
inline constexpr std::chrono::milliseconds kMaxFaultDelay{60000};

struct LinkFault {
  double loss_percent = 0;  // 0..100, outbound to this peer
  std::chrono::milliseconds delay{0};
  friend bool operator==(const LinkFault&, const LinkFault&) = default;
};

struct FaultSettings {
  double loss_percent = 0;             // 0..100, both directions
  std::chrono::milliseconds delay{0};  // outbound, every peer
  std::map<NodeId, LinkFault> links;   // ordered: stable output and logs
  std::set<NodeId> blocked;
  friend bool operator==(const FaultSettings&, const FaultSettings&) = default;
};

class FaultInjector {
 public:
  explicit FaultInjector(std::uint64_t seed) : rng_(seed) {}

  const FaultSettings& settings() const { return settings_; }
  // Values are clamped to their ranges; the caller (the node) validates and reports errors.
  void set(FaultSettings settings);

  bool blocked(const NodeId& peer) const { return settings_.blocked.count(peer) != 0; }
  // Node-level and link-level loss are independent draws (they compound).
  bool lose_outbound(const NodeId& to, wire::MessageType type);
  bool lose_inbound(wire::MessageType type);
  std::chrono::milliseconds delay_to(const NodeId& to) const;
  // HELLO and HEARTBEAT are never lost or delayed: links stay up under loss and delay.
  static bool exempt(wire::MessageType type) {
    return type == wire::MessageType::hello || type == wire::MessageType::heartbeat;
  }

 private:
  bool draw(double percent);

  FaultSettings settings_;
  std::mt19937_64 rng_;  // seeded by the node (TransportConfig::fault_seed): reproducible
};

}  // namespace rt::net
