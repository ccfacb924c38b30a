// The priority function of advert gossip (Internet Computer P2P): every advert is classed as
// Drop, Stash, Later, Fetch or FetchNow. Drop discards it, Stash keeps it without fetching,
// Later/Fetch/FetchNow fetch it in that order of urgency (highest first). The class is
// evaluated when an advert arrives and again on every engine tick, because its inputs move:
// time passes (future heights come due) and the finalized height advances.
//
// Heights: the advert engine stamps an artifact's height with its originator's clock in
// microseconds (docs/advert.md), so "far in the future" and "older than the lag" are measured
// against the evaluating node's `now`.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "util/ids.hpp"
#include "wire/messages.hpp"

namespace rt::protocol {

enum class Priority : std::uint8_t { drop = 0, stash = 1, later = 2, fetch = 3, fetch_now = 4 };
inline constexpr std::size_t kPriorityCount = 5;
std::string_view priority_name(Priority priority);
// Stash never downloads; the other kept classes do.
inline bool is_fetchable(Priority priority) {
  return priority >= Priority::later;
}

struct PriorityPolicy {
  std::uint64_t finalized_height = 0;             // heights below this are Drop
  Micros finalized_lag_us = 0;                    // > 0: heights below now - lag are Drop as well
  Micros later_ahead_us = 2'000'000;              // heights beyond now + this are Later
  Micros stash_ahead_us = 30'000'000;             // heights beyond now + this are Stash
  std::uint64_t fetch_now_max_bytes = 64 * 1024;  // small artifacts are FetchNow
  // Per-kind rules, checked in this order: a kind listed in drop_kinds is never fetched; one in
  // later_kinds waits behind Fetch; one in fetch_now_kinds jumps the queue whatever its size.
  std::vector<std::uint8_t> drop_kinds;
  std::vector<std::uint8_t> later_kinds;
  std::vector<std::uint8_t> fetch_now_kinds{1};

  // The effective finalized height at `now`: the larger of finalized_height and now - lag.
  std::uint64_t finalized_at(Micros now) const;
  Priority evaluate(const wire::Advert& advert, Micros now) const;
};

// The policy as text, for the node's --advert-priority flag and scenario files:
//   finalized_lag_ms=10000,later_ahead_ms=2000,stash_ahead_ms=30000,fetch_now_max_bytes=65536,
//   drop_kinds=3/4,later_kinds=none,fetch_now_kinds=1
// Keys may come in any order and any subset; the others keep their values in `policy`. Kinds are
// 0..255 separated by '/', or "none". On failure `policy` is unchanged and `error` names the key.
bool parse_priority_spec(std::string_view text, PriorityPolicy& policy, std::string& error);
// Every key (finalized_height excepted: it moves at run time), parseable back.
std::string priority_spec(const PriorityPolicy& policy);

}  // namespace rt::protocol
