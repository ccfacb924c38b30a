#include "protocol/advert_priority.hpp"

#include <algorithm>
#include <limits>

namespace rt::protocol {
namespace {

bool listed(const std::vector<std::uint8_t>& kinds, std::uint8_t kind) {
  return std::find(kinds.begin(), kinds.end(), kind) != kinds.end();
}

std::uint64_t non_negative(Micros value) {
  return value > 0 ? static_cast<std::uint64_t>(value) : 0;
}

// now + ahead without wrapping: a huge window means "never".
std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b) {
  return a > std::numeric_limits<std::uint64_t>::max() - b
             ? std::numeric_limits<std::uint64_t>::max()
             : a + b;
}

}  // namespace

std::string_view priority_name(Priority priority) {
  switch (priority) {
    case Priority::drop:
      return "drop";
    case Priority::stash:
      return "stash";
    case Priority::later:
      return "later";
    case Priority::fetch:
      return "fetch";
    case Priority::fetch_now:
      return "fetch_now";
  }
  return "unknown";
}

std::uint64_t PriorityPolicy::finalized_at(Micros now) const {
  if (finalized_lag_us <= 0) return finalized_height;
  const std::uint64_t clock = non_negative(now);
  const std::uint64_t lag = non_negative(finalized_lag_us);
  return std::max(finalized_height, clock > lag ? clock - lag : 0);
}

Priority PriorityPolicy::evaluate(const wire::Advert& advert, Micros now) const {
  if (listed(drop_kinds, advert.kind)) return Priority::drop;
  if (advert.height < finalized_at(now)) return Priority::drop;
  const std::uint64_t clock = non_negative(now);
  if (advert.height > saturating_add(clock, non_negative(stash_ahead_us))) return Priority::stash;
  if (advert.height > saturating_add(clock, non_negative(later_ahead_us))) return Priority::later;
  if (listed(later_kinds, advert.kind)) return Priority::later;
  if (listed(fetch_now_kinds, advert.kind) || advert.size <= fetch_now_max_bytes) {
    return Priority::fetch_now;
  }
  return Priority::fetch;
}

}  // namespace rt::protocol
