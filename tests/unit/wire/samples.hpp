// One fixed sample of every message type, shared by the golden, round-trip and fuzz-seed tests.
#pragma once

#include <vector>

#include "wire/messages.hpp"

namespace rt::wire::samples {

inline NodeId id_of(std::uint8_t fill) {
  NodeId::Bytes b{};
  for (std::size_t i = 0; i < b.size(); ++i) b[i] = static_cast<std::uint8_t>(fill + i);
  return NodeId(b);
}

inline SharedBytes bytes_of(std::initializer_list<std::uint8_t> b) {
  return std::make_shared<const Bytes>(b);
}

inline std::vector<Message> all() {
  Sha256 hash{};
  for (std::size_t i = 0; i < hash.size(); ++i) hash[i] = static_cast<std::uint8_t>(0xa0 + i);
  EventRecord event{7,
                    1'700'000'000'000'001,
                    EventKind::duplicate,
                    MessageType::gossip,
                    MessageId{0x1122334455667788},
                    id_of(0x40),
                    3,
                    1,
                    1030};
  return {
      Hello{1, id_of(0x00), "127.0.0.1:40001", {"validator", "archival"}},
      Heartbeat{1'700'000'000'000'000},
      Gossip{MessageId{0x0102030405060708}, id_of(0x20), "validators", 3, GossipKind::tree, 2, 5, 9,
             1'700'000'000'123'456, bytes_of({0xde, 0xad, 0xbe, 0xef})},
      Ack{MessageId{0x0a0b0c0d0e0f1011}, 2},
      Igym{MessageId{0x99}, 1},
      IgymReply{MessageId{0x99}, true},
      Advert{42, 1 << 20, 1000, 2, hash, "validators"},
      Request{42, 65536, 65536},
      Artifact{42, 2, 6, bytes_of({1, 2, 3, 4})},
      RetransmitRequest{999},
      ControlHello{"s3cret"},
      ControlRequest{5, R"({"cmd":"status"})"},
      ControlResponse{5, R"({"ok":true})"},
      EventBatch{3, {event}},
  };
}

}  // namespace rt::wire::samples
