// Tunables of catch-up after reconnect (EngineConfig::catch_up), shared by the `raintree` and
// `random` engines. docs/raintree.md, "Catch-up after reconnect", explains each bound.
#pragma once

#include <cstddef>
#include <cstdint>

#include "util/ids.hpp"

namespace rt::protocol {

struct CatchUpOptions {
  bool enabled = true;  // false: no RetransmitRequest on peer up, requests and offers ignored

  // The window of recent broadcasts this node holds and can offer. The oldest entry goes first
  // when any bound is passed; a payload larger than max_bytes alone is never kept.
  std::size_t max_messages = 1024;
  std::size_t max_bytes = 64u << 20;  // payload bytes, summed over the window
  Micros max_age_us = 120'000'000;    // by the time this node got the broadcast

  // Offered: what this node got after (the earliest known moment the link was lost) - margin.
  // The margin covers the failure detector: a stopped peer is declared down only after the
  // transport's 2 s read timeout, and copies sent to it in those 2 s may be lost; 1 s more
  // covers the heartbeat interval, queueing and clock reading order.
  Micros margin_us = 3'000'000;

  // Responder throttle: one served RetransmitRequest per peer per interval, and a cap on the
  // offers (count and payload bytes) one request produces; the newest broadcasts win.
  Micros serve_interval_us = 1'000'000;
  std::size_t max_offers_per_request = 1024;
  std::size_t max_offer_bytes_per_request = 16u << 20;
  Micros offer_ttl_us = 30'000'000;  // an offer not answered in this time is forgotten

  // Requester: one outstanding want per id; after want_timeout_us the next offer of the id (from
  // any peer) is answered want=yes again. At most max_wants outstanding at once.
  Micros want_timeout_us = 2'000'000;
  std::size_t max_wants = 4096;

  std::size_t max_contacts = 65536;  // peers whose up/down history is remembered
};

}  // namespace rt::protocol
