// The artifact pool of advert gossip, in two sections (Internet Computer P2P):
//  * unvalidated: bodies being assembled, one buffer per artifact in flight, charged to the
//    peer serving it. Each peer has its own bound (count and bytes) and all peers together a
//    total byte bound, so no peer can fill the node's memory. A body leaves this section when its
//    integrity hash is checked: into the validated section on a match, freed on a mismatch.
//  * validated: artifacts this node created or checked, served to peers that request them;
//    bounded in count and bytes (oldest evicted first) and purged below the finalized height.
// Next to them, the received-check cache: the ids of artifacts already received (bounded,
// oldest forgotten first), so that later adverts of them are ignored.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "protocol/advert_config.hpp"
#include "protocol/seen_cache.hpp"
#include "protocol/sha256.hpp"
#include "util/ids.hpp"
#include "wire/messages.hpp"

namespace rt::protocol {

// One artifact in flight: its buffer grows chunk by chunk and is hashed as it grows.
class Download {
 public:
  Download(const wire::Advert& advert, const NodeId& peer);

  const wire::Advert& advert() const { return advert_; }
  const NodeId& peer() const { return peer_; }
  std::uint64_t received() const { return body_->size(); }
  bool complete() const { return received() == advert_.size; }
  // Appends the next chunk; false (nothing appended) when it would overrun the advertised size.
  bool append(std::span<const std::uint8_t> chunk);
  // Valid once complete(): true when the bytes hash to the advertised integrity hash.
  bool verify();
  wire::SharedBytes release_body();

 private:
  wire::Advert advert_;
  NodeId peer_;
  std::shared_ptr<wire::Bytes> body_;
  Sha256Hasher hasher_;
};

struct ValidatedArtifact {
  wire::Advert advert;
  wire::SharedBytes body;
};

class AdvertPool {
 public:
  explicit AdvertPool(PoolLimits limits = {});

  // --- received check and validated section
  bool received(std::uint64_t artifact_id) const;
  const ValidatedArtifact* find(std::uint64_t artifact_id) const;
  // Stores a checked artifact, marks it received, evicts the oldest beyond the bounds. Returns
  // how many were evicted.
  std::size_t add_validated(const wire::Advert& advert, wire::SharedBytes body);
  std::size_t purge_below(std::uint64_t height);
  // Validated adverts with height >= min_height, lowest height first, at most `limit`.
  std::vector<wire::Advert> adverts_from(std::uint64_t min_height, std::size_t limit) const;
  std::optional<std::uint64_t> newest_height() const;
  std::size_t validated_count() const { return validated_.size(); }
  std::uint64_t validated_bytes() const { return validated_bytes_; }

  // --- unvalidated section
  // Whether an artifact of this size could ever be fetched within the bounds.
  bool can_ever_fit(std::uint64_t size) const;
  // Whether a download of this size from `peer` fits the bounds right now.
  bool fits(const NodeId& peer, std::uint64_t size) const;
  // Starts assembling; nullptr when it does not fit or the artifact is already in flight.
  Download* start(const wire::Advert& advert, const NodeId& peer);
  Download* download(std::uint64_t artifact_id);
  // Frees the buffer and the peer's share of the bounds.
  void finish(std::uint64_t artifact_id);
  std::size_t unvalidated_count(const NodeId& peer) const;
  std::uint64_t unvalidated_bytes(const NodeId& peer) const;
  std::uint64_t unvalidated_bytes_total() const { return unvalidated_total_; }
  std::size_t downloads() const { return downloads_.size(); }
  const PoolLimits& limits() const { return limits_; }

  std::size_t received_check_size() const { return received_check_.size(); }
  // {"validated": {...}, "unvalidated": {"count", "bytes", "bytes_limit", "per_peer": [...]},
  //  "received_check": {"size", "capacity"}}
  nlohmann::json to_json() const;

 private:
  struct PeerUsage {
    std::size_t count = 0;
    std::uint64_t bytes = 0;
  };
  void erase_validated(std::uint64_t artifact_id);

  PoolLimits limits_;
  SeenCache received_check_;
  std::unordered_map<std::uint64_t, ValidatedArtifact> validated_;
  std::deque<std::uint64_t> validated_order_;  // insertion order; may hold ids already purged
  std::uint64_t validated_bytes_ = 0;
  std::unordered_map<std::uint64_t, std::unique_ptr<Download>> downloads_;
  std::map<NodeId, PeerUsage> usage_;
  std::uint64_t unvalidated_total_ = 0;
};

}  // namespace rt::protocol
