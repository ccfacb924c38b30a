#include "wire/codec.hpp"

#include <algorithm>

#include "wire/byte_io.hpp"

namespace rt::wire {

// ---- field helpers -----------------------------------------------------------------------

void ByteWriter::short_string(const std::string& s) {
  const std::size_t n = std::min<std::size_t>(s.size(), 0xffff);
  u16(static_cast<std::uint16_t>(n));
  raw(reinterpret_cast<const std::uint8_t*>(s.data()), n);
}

void ByteWriter::long_string(const std::string& s) {
  u32(static_cast<std::uint32_t>(s.size()));
  raw(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
}

void ByteWriter::blob(const SharedBytes& b) {
  const std::size_t n = b ? b->size() : 0;
  u32(static_cast<std::uint32_t>(n));
  if (n) raw(b->data(), n);
}

SharedBytes ByteReader::blob() {
  const std::uint32_t n = u32();
  // The frame length was bounded before the body was read, so n <= remaining() is the only
  // check needed before allocating.
  if (!take(n)) return std::make_shared<const Bytes>();
  return std::make_shared<const Bytes>(in_.begin() + (pos_ - n), in_.begin() + pos_);
}

namespace {

// ---- bodies: one write/read pair per message -------------------------------------------

void write_body(ByteWriter& w, const Hello& m) {
  w.u16(m.protocol_version);
  w.node_id(m.id);
  w.short_string(m.listen);
  w.u16(static_cast<std::uint16_t>(std::min<std::size_t>(m.roles.size(), 0xffff)));
  for (std::size_t i = 0; i < m.roles.size() && i < 0xffff; ++i) w.short_string(m.roles[i]);
}
bool read_body(ByteReader& r, Hello& m) {
  m.protocol_version = r.u16();
  m.id = r.node_id();
  m.listen = r.short_string();
  const std::uint16_t count = r.u16();
  // Each role needs at least its 2-byte length: refuse counts the body cannot hold before
  // reserving anything.
  if (!r.ok() || count > r.remaining() / 2) return false;
  m.roles.clear();
  for (std::uint16_t i = 0; i < count && r.ok(); ++i) m.roles.push_back(r.short_string());
  return true;
}

void write_body(ByteWriter& w, const Heartbeat& m) {
  w.i64(m.sent_us);
}
bool read_body(ByteReader& r, Heartbeat& m) {
  m.sent_us = r.i64();
  return true;
}

void write_body(ByteWriter& w, const Gossip& m) {
  w.u64(m.id.value);
  w.node_id(m.origin);
  w.short_string(m.group);
  w.u8(m.level);
  w.u8(static_cast<std::uint8_t>(m.kind));
  w.u8(m.hops);
  w.u32(m.range_start);
  w.u32(m.range_size);
  w.i64(m.origin_time_us);
  w.blob(m.payload);
}
bool read_body(ByteReader& r, Gossip& m) {
  m.id.value = r.u64();
  m.origin = r.node_id();
  m.group = r.short_string();
  m.level = r.u8();
  const std::uint8_t kind = r.u8();
  m.hops = r.u8();
  m.range_start = r.u32();
  m.range_size = r.u32();
  m.origin_time_us = r.i64();
  m.payload = r.blob();
  if (kind > kMaxGossipKind) return false;
  m.kind = static_cast<GossipKind>(kind);
  return true;
}

void write_body(ByteWriter& w, const Ack& m) {
  w.u64(m.id.value);
  w.u8(m.level);
}
bool read_body(ByteReader& r, Ack& m) {
  m.id.value = r.u64();
  m.level = r.u8();
  return true;
}

void write_body(ByteWriter& w, const Igym& m) {
  w.u64(m.id.value);
  w.u8(m.direction);
}
bool read_body(ByteReader& r, Igym& m) {
  m.id.value = r.u64();
  m.direction = r.u8();
  return m.direction <= kIgymCatchUpOffer;
}

void write_body(ByteWriter& w, const IgymReply& m) {
  w.u64(m.id.value);
  w.u8(m.want ? 1 : 0);
}
bool read_body(ByteReader& r, IgymReply& m) {
  m.id.value = r.u64();
  const std::uint8_t want = r.u8();
  m.want = want == 1;
  return want <= 1;
}

void write_body(ByteWriter& w, const Advert& m) {
  w.u64(m.artifact_id);
  w.u64(m.size);
  w.u64(m.height);
  w.u8(m.kind);
  w.array(m.integrity_hash);
  w.short_string(m.group);
}
bool read_body(ByteReader& r, Advert& m) {
  m.artifact_id = r.u64();
  m.size = r.u64();
  m.height = r.u64();
  m.kind = r.u8();
  m.integrity_hash = r.array<32>();
  m.group = r.short_string();
  return true;
}

void write_body(ByteWriter& w, const Request& m) {
  w.u64(m.artifact_id);
  w.u64(m.offset);
  w.u32(m.length);
}
bool read_body(ByteReader& r, Request& m) {
  m.artifact_id = r.u64();
  m.offset = r.u64();
  m.length = r.u32();
  return true;
}

void write_body(ByteWriter& w, const Artifact& m) {
  w.u64(m.artifact_id);
  w.u64(m.offset);
  w.u64(m.total_size);
  w.blob(m.chunk);
}
bool read_body(ByteReader& r, Artifact& m) {
  m.artifact_id = r.u64();
  m.offset = r.u64();
  m.total_size = r.u64();
  m.chunk = r.blob();
  return m.chunk->size() <= m.total_size && m.offset <= m.total_size - m.chunk->size();
}

void write_body(ByteWriter& w, const RetransmitRequest& m) {
  w.u64(m.min_height);
}
bool read_body(ByteReader& r, RetransmitRequest& m) {
  m.min_height = r.u64();
  return true;
}

void write_body(ByteWriter& w, const ControlHello& m) {
  w.short_string(m.token);
}
bool read_body(ByteReader& r, ControlHello& m) {
  m.token = r.short_string();
  return true;
}

void write_body(ByteWriter& w, const ControlRequest& m) {
  w.u32(m.request_id);
  w.long_string(m.json);
}
bool read_body(ByteReader& r, ControlRequest& m) {
  m.request_id = r.u32();
  m.json = r.long_string();
  return true;
}

void write_body(ByteWriter& w, const ControlResponse& m) {
  w.u32(m.request_id);
  w.long_string(m.json);
}
bool read_body(ByteReader& r, ControlResponse& m) {
  m.request_id = r.u32();
  m.json = r.long_string();
  return true;
}

void write_event(ByteWriter& w, const EventRecord& e) {
  w.u64(e.seq);
  w.i64(e.time_us);
  w.u8(static_cast<std::uint8_t>(e.kind));
  w.u8(static_cast<std::uint8_t>(e.msg_type));
  w.u64(e.msg_id.value);
  w.node_id(e.peer);
  w.u8(e.level);
  w.u8(e.detail);
  w.u32(e.bytes);
}

bool read_event(ByteReader& r, EventRecord& e) {
  e.seq = r.u64();
  e.time_us = r.i64();
  const std::uint8_t kind = r.u8();
  const std::uint8_t type = r.u8();
  e.msg_id.value = r.u64();
  e.peer = r.node_id();
  e.level = r.u8();
  e.detail = r.u8();
  e.bytes = r.u32();
  if (kind > kMaxEventKind || !is_known_type(type)) return false;
  e.kind = static_cast<EventKind>(kind);
  e.msg_type = static_cast<MessageType>(type);
  return true;
}

void write_body(ByteWriter& w, const EventBatch& m) {
  w.u64(m.dropped);
  w.u32(static_cast<std::uint32_t>(m.events.size()));
  for (const EventRecord& e : m.events) write_event(w, e);
}
bool read_body(ByteReader& r, EventBatch& m) {
  m.dropped = r.u64();
  const std::uint32_t count = r.u32();
  if (!r.ok() || count > r.remaining() / kEventRecordSize) return false;
  m.events.resize(count);
  for (EventRecord& e : m.events) {
    if (!read_event(r, e)) return false;
  }
  return true;
}

template <typename T>
std::error_code decode_as(std::span<const std::uint8_t> body, Message& out) {
  ByteReader reader(body);
  T message{};
  const bool valid = read_body(reader, message);
  if (!reader.ok()) return errc::truncated;
  if (!valid || !reader.at_end()) return errc::malformed_body;
  out = std::move(message);
  return {};
}

void encode_into(Bytes& out, const Message& message) {
  out.resize(kHeaderSize);
  ByteWriter writer(out);
  std::visit([&](const auto& m) { write_body(writer, m); }, message);
  const std::uint32_t body = static_cast<std::uint32_t>(out.size() - kHeaderSize);
  out[0] = static_cast<std::uint8_t>(body >> 24);
  out[1] = static_cast<std::uint8_t>(body >> 16);
  out[2] = static_cast<std::uint8_t>(body >> 8);
  out[3] = static_cast<std::uint8_t>(body);
  out[4] = kFrameVersion;
  out[5] = static_cast<std::uint8_t>(type_of(message));
}

}  // namespace

std::error_code parse_header(std::span<const std::uint8_t, kHeaderSize> header,
                             std::uint32_t max_body, FrameHeader& out) {
  out.body_size = std::uint32_t{header[0]} << 24 | std::uint32_t{header[1]} << 16 |
                  std::uint32_t{header[2]} << 8 | std::uint32_t{header[3]};
  out.version = header[4];
  if (out.body_size > max_body) return errc::too_large;
  if (out.version != kFrameVersion) return errc::bad_version;
  if (!is_known_type(header[5])) return errc::unknown_type;
  out.type = static_cast<MessageType>(header[5]);
  return {};
}

std::error_code decode_body(MessageType type, std::span<const std::uint8_t> body, Message& out) {
  switch (type) {
    case MessageType::hello:
      return decode_as<Hello>(body, out);
    case MessageType::heartbeat:
      return decode_as<Heartbeat>(body, out);
    case MessageType::gossip:
      return decode_as<Gossip>(body, out);
    case MessageType::ack:
      return decode_as<Ack>(body, out);
    case MessageType::igym:
      return decode_as<Igym>(body, out);
    case MessageType::igym_reply:
      return decode_as<IgymReply>(body, out);
    case MessageType::advert:
      return decode_as<Advert>(body, out);
    case MessageType::request:
      return decode_as<Request>(body, out);
    case MessageType::artifact:
      return decode_as<Artifact>(body, out);
    case MessageType::retransmit_request:
      return decode_as<RetransmitRequest>(body, out);
    case MessageType::control_hello:
      return decode_as<ControlHello>(body, out);
    case MessageType::control_request:
      return decode_as<ControlRequest>(body, out);
    case MessageType::control_response:
      return decode_as<ControlResponse>(body, out);
    case MessageType::event_batch:
      return decode_as<EventBatch>(body, out);
  }
  return errc::unknown_type;
}

Bytes encode_frame(const Message& message) {
  Bytes out;
  encode_into(out, message);
  return out;
}

SharedBytes encode_shared(const Message& message) {
  auto out = std::make_shared<Bytes>();
  encode_into(*out, message);
  return out;
}

void append_event(Bytes& out, const EventRecord& event) {
  ByteWriter writer(out);
  write_event(writer, event);
}

std::error_code decode_event(std::span<const std::uint8_t, kEventRecordSize> in, EventRecord& out) {
  ByteReader reader(in);
  if (!read_event(reader, out)) return errc::malformed_body;
  return {};
}

std::size_t frame_size(const Message& message) {
  // Payload-carrying messages are measured without their payload, which is then added.
  if (const auto* g = std::get_if<Gossip>(&message)) {
    Gossip header = *g;
    header.payload = nullptr;
    return encode_frame(header).size() + (g->payload ? g->payload->size() : 0);
  }
  if (const auto* a = std::get_if<Artifact>(&message)) {
    Artifact header = *a;
    header.chunk = nullptr;
    return encode_frame(header).size() + (a->chunk ? a->chunk->size() : 0);
  }
  return encode_frame(message).size();
}

DecodeResult decode_frame(std::span<const std::uint8_t> buffer, std::uint32_t max_body) {
  DecodeResult result;
  if (buffer.size() < kHeaderSize) {
    result.error = errc::truncated;
    return result;
  }
  FrameHeader header;
  result.error = parse_header(buffer.first<kHeaderSize>(), max_body, header);
  if (result.error) return result;
  if (buffer.size() - kHeaderSize < header.body_size) {
    result.error = errc::truncated;
    return result;
  }
  Message message;
  result.error = decode_body(header.type, buffer.subspan(kHeaderSize, header.body_size), message);
  if (result.error) return result;
  result.consumed = kHeaderSize + header.body_size;
  result.message = std::move(message);
  return result;
}

}  // namespace rt::wire
