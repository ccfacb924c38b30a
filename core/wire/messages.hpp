// Every message that crosses a socket: the peer protocol (0x01..0x7f) and the control channel
// (0x80..0xff), which shares the same framing. Plain structs; core/wire/codec.hpp turns them
// into frames and back. Field order here is the order on the wire.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "util/ids.hpp"

namespace rt::wire {

inline constexpr std::uint8_t kFrameVersion = 1;
inline constexpr std::uint16_t kProtocolVersion = 1;

using Bytes = std::vector<std::uint8_t>;
// Payloads are immutable once built and shared between every frame and engine that holds them.
using SharedBytes = std::shared_ptr<const Bytes>;

enum class MessageType : std::uint8_t {
  // peer protocol
  hello = 0x01,
  heartbeat = 0x02,
  gossip = 0x03,
  ack = 0x04,
  igym = 0x05,
  igym_reply = 0x06,
  advert = 0x07,
  request = 0x08,
  artifact = 0x09,
  retransmit_request = 0x0a,
  // control channel
  control_hello = 0x80,
  control_request = 0x81,
  control_response = 0x82,
  event_batch = 0x83,
};

std::string_view type_name(MessageType type);
bool is_known_type(std::uint8_t raw);
inline bool is_control_type(MessageType type) {
  return static_cast<std::uint8_t>(type) >= 0x80;
}
// Frames that carry broadcast content (counted as "reads"/"writes" and payload bytes).
inline bool is_payload_type(MessageType type) {
  return type == MessageType::gossip || type == MessageType::artifact;
}

// First frame on every peer connection, in both directions.
struct Hello {
  std::uint16_t protocol_version = kProtocolVersion;
  NodeId id;
  std::string listen;              // "host:port" the sender accepts peers on
  std::vector<std::string> roles;  // e.g. {"validator"}
  friend bool operator==(const Hello&, const Hello&) = default;
};

// Sent after 200 ms without other traffic so the peer's read timeout does not fire.
struct Heartbeat {
  Micros sent_us = 0;
  friend bool operator==(const Heartbeat&, const Heartbeat&) = default;
};

// How a gossip copy came to be sent; lets views colour edges and reports attribute copies.
enum class GossipKind : std::uint8_t {
  random = 0,      // random-gossip forward
  tree = 1,        // RainTree branch
  readjust = 2,    // RainTree: sent to the children of a target that did not acknowledge
  redundancy = 3,  // RainTree redundancy layer
  cleanup = 4,     // payload sent after an IGYM "yes"
  // Catch-up after reconnect (`raintree`, `random`; docs/raintree.md): a payload sent to a peer
  // that answered a catch-up offer (Igym direction 2) with want. Delivered once, never forwarded.
  catchup = 5,
};
inline constexpr std::uint8_t kMaxGossipKind = 5;
std::string_view kind_name(GossipKind kind);

struct Gossip {
  MessageId id;
  NodeId origin;
  std::string group;  // "all", "validators", or a comma list of roles
  Level level = 0;    // RainTree level the receiver continues from (0 for random gossip)
  GossipKind kind = GossipKind::random;
  std::uint8_t hops = 0;  // hops from the originator, including this one
  // The slice of the group's sorted member list the receiver is responsible for, as a start
  // index and a length (RainTree mode; zero otherwise).
  std::uint32_t range_start = 0;
  std::uint32_t range_size = 0;
  Micros origin_time_us = 0;  // when the originator broadcast it
  SharedBytes payload;
  friend bool operator==(const Gossip& a, const Gossip& b);
};

struct Ack {
  MessageId id;
  Level level = 0;
  friend bool operator==(const Ack&, const Ack&) = default;
};

// "I got, you want?" of the Double-Daisy-Chain cleanup, and the offer of catch-up after
// reconnect. The receiver answers with IgymReply{id, want}.
inline constexpr std::uint8_t kIgymCatchUpOffer = 2;
struct Igym {
  MessageId id;
  // 0: cleanup chain towards lower ranks, 1: cleanup chain towards higher ranks (`raintree`);
  // 2 (kIgymCatchUpOffer): "I hold this broadcast, you may have missed it" after the receiver
  // asked with a RetransmitRequest (`raintree`, `random`). A want=yes to an offer is answered
  // with a Gossip of kind catchup; no chain follows.
  std::uint8_t direction = 0;
  friend bool operator==(const Igym&, const Igym&) = default;
};

struct IgymReply {
  MessageId id;
  bool want = false;
  friend bool operator==(const IgymReply&, const IgymReply&) = default;
};

using Sha256 = std::array<std::uint8_t, 32>;

// Advert gossip (Internet Computer style): metadata first, the body only on request.
struct Advert {
  std::uint64_t artifact_id = 0;
  std::uint64_t size = 0;
  std::uint64_t height = 0;
  std::uint8_t kind = 0;
  Sha256 integrity_hash{};
  std::string group;  // restricted gossip: only members of this group hear of the artifact
  friend bool operator==(const Advert&, const Advert&) = default;
};

struct Request {
  std::uint64_t artifact_id = 0;
  std::uint64_t offset = 0;
  std::uint32_t length = 0;
  friend bool operator==(const Request&, const Request&) = default;
};

struct Artifact {
  std::uint64_t artifact_id = 0;
  std::uint64_t offset = 0;
  std::uint64_t total_size = 0;
  SharedBytes chunk;
  friend bool operator==(const Artifact& a, const Artifact& b);
};

// Asks a peer to re-send what the sender may have missed (after a reconnect or a drop). The
// one field is a filter whose meaning depends on the mode:
//  * `advert`: the lowest advert height wanted; the peer re-sends its adverts from there.
//  * `raintree`, `random` (catch-up after reconnect, docs/raintree.md): the sender's wall-clock
//    microsecond since which it may have missed broadcasts, i.e. when it last saw the link to
//    this peer go down; 0 = unknown (a fresh process, or a link never up before). The peer
//    answers with catch-up offers (Igym direction 2) for the broadcasts it holds.
// The name is the advert meaning; it is kept so the wire format and golden bytes stay as they
// are.
struct RetransmitRequest {
  std::uint64_t min_height = 0;
  friend bool operator==(const RetransmitRequest&, const RetransmitRequest&) = default;
};

// Control channel: the first frame a client sends.
struct ControlHello {
  std::string token;
  friend bool operator==(const ControlHello&, const ControlHello&) = default;
};

// Control requests and responses carry a JSON document (see docs/control-protocol.md);
// request_id pairs them.
struct ControlRequest {
  std::uint32_t request_id = 0;
  std::string json;
  friend bool operator==(const ControlRequest&, const ControlRequest&) = default;
};

struct ControlResponse {
  std::uint32_t request_id = 0;
  std::string json;
  friend bool operator==(const ControlResponse&, const ControlResponse&) = default;
};

enum class EventKind : std::uint8_t {
  send = 0,       // a frame was queued to a peer
  receive = 1,    // a frame arrived from a peer
  duplicate = 2,  // a gossip copy of a message already seen
  drop = 3,       // a frame was dropped (queue full, peer gone, loss injection)
  timeout = 4,    // an expected answer (ACK, IGYM reply) did not come in time
  deliver = 5,    // a broadcast was handed to the application
  originate = 6,  // this node started a broadcast
  peer_up = 7,
  peer_down = 8,
};
inline constexpr std::uint8_t kMaxEventKind = 8;
std::string_view event_kind_name(EventKind kind);

// One entry of a node's ordered event stream.
struct EventRecord {
  std::uint64_t seq = 0;  // per node, strictly increasing
  Micros time_us = 0;
  EventKind kind = EventKind::send;
  MessageType msg_type = MessageType::gossip;
  MessageId msg_id;
  NodeId peer;  // zero when not about a peer (deliver, originate)
  Level level = 0;
  std::uint8_t detail = 0;  // GossipKind for gossip frames
  std::uint32_t bytes = 0;  // frame size on the wire
  friend bool operator==(const EventRecord&, const EventRecord&) = default;
};

// Pushed to control subscribers. dropped > 0 says that many events were lost before these
// because the subscriber was too slow (the node never waits for a subscriber).
struct EventBatch {
  std::uint64_t dropped = 0;
  std::vector<EventRecord> events;
  friend bool operator==(const EventBatch&, const EventBatch&) = default;
};

using Message =
    std::variant<Hello, Heartbeat, Gossip, Ack, Igym, IgymReply, Advert, Request, Artifact,
                 RetransmitRequest, ControlHello, ControlRequest, ControlResponse, EventBatch>;

MessageType type_of(const Message& message);

// What an event record says about a message: the broadcast (or artifact) it concerns, its
// level and a type-specific detail (GossipKind; IGYM direction; IGYM answer 1 = yes; artifact
// chunk 1 = first, so reports count a body once). The node and the simulator both use it.
struct EventFields {
  MessageId id;
  Level level = 0;
  std::uint8_t detail = 0;
};
EventFields event_fields(const Message& message);

// A payload frame that begins a copy of its broadcast (DESIGN.md reads/writes): every gossip
// frame, and an artifact body only on its first chunk, so a body counts once however chunked.
inline bool starts_payload_copy(const Message& message) {
  if (const auto* artifact = std::get_if<Artifact>(&message)) return artifact->offset == 0;
  return is_payload_type(type_of(message));
}

}  // namespace rt::wire
