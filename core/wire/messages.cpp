#include "wire/messages.hpp"

namespace rt::wire {
namespace {

bool same_bytes(const SharedBytes& a, const SharedBytes& b) {
  const std::size_t na = a ? a->size() : 0;
  const std::size_t nb = b ? b->size() : 0;
  if (na != nb) return false;
  return na == 0 || *a == *b;
}

}  // namespace

bool operator==(const Gossip& a, const Gossip& b) {
  return a.id == b.id && a.origin == b.origin && a.group == b.group && a.level == b.level &&
         a.kind == b.kind && a.hops == b.hops && a.range_start == b.range_start &&
         a.range_size == b.range_size && a.origin_time_us == b.origin_time_us &&
         same_bytes(a.payload, b.payload);
}

bool operator==(const Artifact& a, const Artifact& b) {
  return a.artifact_id == b.artifact_id && a.offset == b.offset && a.total_size == b.total_size &&
         same_bytes(a.chunk, b.chunk);
}

std::string_view type_name(MessageType type) {
  switch (type) {
    case MessageType::hello:
      return "hello";
    case MessageType::heartbeat:
      return "heartbeat";
    case MessageType::gossip:
      return "gossip";
    case MessageType::ack:
      return "ack";
    case MessageType::igym:
      return "igym";
    case MessageType::igym_reply:
      return "igym_reply";
    case MessageType::advert:
      return "advert";
    case MessageType::request:
      return "request";
    case MessageType::artifact:
      return "artifact";
    case MessageType::retransmit_request:
      return "retransmit_request";
    case MessageType::control_hello:
      return "control_hello";
    case MessageType::control_request:
      return "control_request";
    case MessageType::control_response:
      return "control_response";
    case MessageType::event_batch:
      return "event_batch";
  }
  return "unknown";
}

bool is_known_type(std::uint8_t raw) {
  return (raw >= 0x01 && raw <= 0x0a) || (raw >= 0x80 && raw <= 0x83);
}

std::string_view kind_name(GossipKind kind) {
  switch (kind) {
    case GossipKind::random:
      return "random";
    case GossipKind::tree:
      return "tree";
    case GossipKind::readjust:
      return "readjust";
    case GossipKind::redundancy:
      return "redundancy";
    case GossipKind::cleanup:
      return "cleanup";
    case GossipKind::catchup:
      return "catchup";
  }
  return "unknown";
}

std::string_view event_kind_name(EventKind kind) {
  switch (kind) {
    case EventKind::send:
      return "send";
    case EventKind::receive:
      return "receive";
    case EventKind::duplicate:
      return "duplicate";
    case EventKind::drop:
      return "drop";
    case EventKind::timeout:
      return "timeout";
    case EventKind::deliver:
      return "deliver";
    case EventKind::originate:
      return "originate";
    case EventKind::peer_up:
      return "peer_up";
    case EventKind::peer_down:
      return "peer_down";
  }
  return "unknown";
}

MessageType type_of(const Message& message) {
  static constexpr MessageType kTypes[] = {MessageType::hello,
                                           MessageType::heartbeat,
                                           MessageType::gossip,
                                           MessageType::ack,
                                           MessageType::igym,
                                           MessageType::igym_reply,
                                           MessageType::advert,
                                           MessageType::request,
                                           MessageType::artifact,
                                           MessageType::retransmit_request,
                                           MessageType::control_hello,
                                           MessageType::control_request,
                                           MessageType::control_response,
                                           MessageType::event_batch};
  static_assert(std::size(kTypes) == std::variant_size_v<Message>);
  return kTypes[message.index()];
}

EventFields event_fields(const Message& message) {
  if (const auto* m = std::get_if<Gossip>(&message)) {
    return {m->id, m->level, static_cast<std::uint8_t>(m->kind)};
  }
  if (const auto* m = std::get_if<Ack>(&message)) return {m->id, m->level, 0};
  if (const auto* m = std::get_if<Igym>(&message)) return {m->id, 0, m->direction};
  if (const auto* m = std::get_if<IgymReply>(&message)) {
    return {m->id, 0, static_cast<std::uint8_t>(m->want ? 1 : 0)};
  }
  if (const auto* m = std::get_if<Advert>(&message)) return {MessageId{m->artifact_id}, 0, m->kind};
  if (const auto* m = std::get_if<Request>(&message)) return {MessageId{m->artifact_id}, 0, 0};
  if (const auto* m = std::get_if<Artifact>(&message)) {
    return {MessageId{m->artifact_id}, 0, static_cast<std::uint8_t>(m->offset == 0 ? 1 : 0)};
  }
  return {};
}

}  // namespace rt::wire
