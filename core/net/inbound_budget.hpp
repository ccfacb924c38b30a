// What one peer may send this node: a frame budget and a byte budget, each a token bucket that
// refills at a steady rate up to a burst. An honest peer stays within it (its bursts are bounded
// by its own outbound queue limits and catch-up caps); a peer that goes over it is flooding and
// its connection is closed (peer_link.cpp). Pure: time is a parameter (STYLE.md 6).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

namespace rt::net {

struct InboundLimits {
  std::uint32_t frames_per_second = 20000;  // sustained; 0: no frame limit
  std::uint32_t frame_burst = 40000;
  std::uint64_t bytes_per_second = 64u << 20;  // sustained; 0: no byte limit
  std::uint64_t byte_burst = 160u << 20;       // raised to one frame of max_body if below
};

class InboundBudget {
 public:
  using Clock = std::chrono::steady_clock;

  InboundBudget(InboundLimits limits, Clock::time_point now);

  // Spends one frame of `bytes`. False when the peer is over either budget (nothing is spent).
  bool spend(std::size_t bytes, Clock::time_point now);

  // "20000 frames/s (bursts of 40000), 67108864 bytes/s (bursts of 167772160)", for logs.
  std::string describe() const;

 private:
  void refill(Clock::time_point now);

  InboundLimits limits_;
  double frames_;  // tokens left
  double bytes_;
  Clock::time_point last_;
};

}  // namespace rt::net
