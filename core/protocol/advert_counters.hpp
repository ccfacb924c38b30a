// What the advert engine counts: every reason to drop something has its own counter (a flat
// array indexed by the enum, with a name table), next to the traffic counters. Shown by
// inspect() and mirrored as Observe actions so telemetry can count them too.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

namespace rt::protocol {

enum class DropReason : std::uint8_t {
  queue_full = 0,        // an advert did not fit its peer's advert queue
  priority_drop,         // the priority function said Drop (on arrival or re-evaluation)
  unrequested_chunk,     // an Artifact chunk nobody asked that peer for
  integrity_mismatch,    // a body's hash (or its size) differed from the advert: peer misbehaves
  pool_full,             // an advert larger than the unvalidated bounds or max_artifact_bytes
  timeout,               // a requested chunk did not come in time; another advertiser is asked
  conflicting_advert,    // an advert whose metadata differs from the one first heard
  not_in_group,          // traffic about a group this node (or the requester) is not in
  bad_request,           // a Request outside the artifact's bounds
  unknown_artifact,      // a Request for an artifact this node does not hold (any more)
  retransmit_throttled,  // a RetransmitRequest within the cooldown of the previous one
  peer_down,             // a fetch abandoned because the transport lost the peer
  evicted,               // a validated artifact pushed out by the pool bounds or finalization
};
inline constexpr std::size_t kDropReasonCount = 13;
std::string_view drop_reason_name(DropReason reason);

struct AdvertCounters {
  std::uint64_t adverts_in = 0;
  std::uint64_t adverts_out = 0;
  std::uint64_t adverts_already_received = 0;  // ignored thanks to the received check
  std::uint64_t requests_in = 0;
  std::uint64_t requests_out = 0;
  std::uint64_t chunks_in = 0;
  std::uint64_t chunks_out = 0;
  std::uint64_t chunk_bytes_in = 0;
  std::uint64_t chunk_bytes_out = 0;
  std::uint64_t bodies_fetched = 0;  // downloads that completed and verified
  std::uint64_t delivered = 0;
  std::uint64_t retransmit_requests_in = 0;
  std::uint64_t retransmit_requests_out = 0;
  std::uint64_t reoffers = 0;  // a peer's full queue refused our frames: owed our adverts
  std::array<std::uint64_t, kDropReasonCount> drops{};

  std::uint64_t& drop(DropReason reason) { return drops[static_cast<std::size_t>(reason)]; }
  std::uint64_t drop(DropReason reason) const { return drops[static_cast<std::size_t>(reason)]; }
  nlohmann::json traffic_json() const;
  nlohmann::json drops_json() const;
};

}  // namespace rt::protocol
