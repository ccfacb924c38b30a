// Tunables of the `advert` engine (EngineConfig::advert). Defaults suit a loopback cluster of a
// few dozen nodes with artifacts up to 64 MiB; docs/advert.md explains each bound.
#pragma once

#include <cstdint>

#include "protocol/advert_priority.hpp"
#include "util/ids.hpp"

namespace rt::protocol {

struct TrackerLimits {
  std::size_t max_queued_per_peer = 4096;   // adverts waiting in one peer's queue
  std::size_t max_requested_per_peer = 20;  // artifacts fetched from one peer at once
};

struct PoolLimits {
  std::size_t unvalidated_count_per_peer = 32;
  std::uint64_t unvalidated_bytes_per_peer = 96ull << 20;
  std::uint64_t unvalidated_bytes_total = 256ull << 20;
  std::size_t validated_count = 16384;
  std::uint64_t validated_bytes = 1ull << 30;
  std::size_t received_check = 65536;  // artifact ids remembered as already received
};

// The largest chunk a node serves in one Artifact frame; well below the 16 MiB frame limit.
inline constexpr std::uint32_t kMaxChunkBytes = 8u << 20;

struct AdvertConfig {
  PriorityPolicy priority;
  TrackerLimits tracker;
  PoolLimits pool;
  std::uint64_t max_artifact_bytes = 64ull << 20;  // larger adverts are refused (pool_full)
  std::uint32_t chunk_bytes = 1u << 20;            // bytes asked for per Request, 1..kMaxChunkBytes
  Micros tick_us = 500'000;                        // priority re-evaluation period
  Micros request_timeout_us = 2'000'000;           // per chunk; then another advertiser is asked
  // RetransmitRequest.min_height = newest height held - lookback (never below finalized).
  std::uint64_t retransmit_lookback = 30'000'000;
  Micros retransmit_cooldown_us = 1'000'000;  // one served RetransmitRequest per peer per period
  std::size_t max_retransmit_adverts = 4096;  // adverts re-sent per RetransmitRequest
  std::size_t inspect_first_ids = 5;          // ids listed per queue class in inspect()
  bool byzantine = false;                     // serve corrupted bodies (tests of integrity)
};

}  // namespace rt::protocol
