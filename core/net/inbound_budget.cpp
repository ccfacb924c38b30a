#include "net/inbound_budget.hpp"

#include <algorithm>

namespace rt::net {

InboundBudget::InboundBudget(InboundLimits limits, Clock::time_point now)
    : limits_(limits),
      frames_(static_cast<double>(limits.frame_burst)),
      bytes_(static_cast<double>(limits.byte_burst)),
      last_(now) {}

void InboundBudget::refill(Clock::time_point now) {
  if (now <= last_) return;
  const double seconds = std::chrono::duration<double>(now - last_).count();
  last_ = now;
  frames_ = std::min(static_cast<double>(limits_.frame_burst),
                     frames_ + seconds * static_cast<double>(limits_.frames_per_second));
  bytes_ = std::min(static_cast<double>(limits_.byte_burst),
                    bytes_ + seconds * static_cast<double>(limits_.bytes_per_second));
}

bool InboundBudget::spend(std::size_t bytes, Clock::time_point now) {
  refill(now);
  const bool frames_ok = limits_.frames_per_second == 0 || frames_ >= 1;
  const bool bytes_ok = limits_.bytes_per_second == 0 || bytes_ >= static_cast<double>(bytes);
  if (!frames_ok || !bytes_ok) return false;
  if (limits_.frames_per_second) frames_ -= 1;
  if (limits_.bytes_per_second) bytes_ -= static_cast<double>(bytes);
  return true;
}

std::string InboundBudget::describe() const {
  auto part = [](std::uint64_t rate, std::uint64_t burst, const char* unit) {
    if (rate == 0) return std::string("no ") + unit + " limit";
    return std::to_string(rate) + " " + unit + "/s (bursts of " + std::to_string(burst) + ")";
  };
  return part(limits_.frames_per_second, limits_.frame_burst, "frames") + ", " +
         part(limits_.bytes_per_second, limits_.byte_burst, "bytes");
}

}  // namespace rt::net
