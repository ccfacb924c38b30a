#pragma once

#include <chrono>

#include "util/ids.hpp"

namespace rt {

// Wall-clock microseconds since the Unix epoch. Nodes stamp events with it so that events
// from different processes on one machine can be merged into one timeline.
inline Micros wall_micros() {
  using namespace std::chrono;
  return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace rt
