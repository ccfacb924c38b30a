// Cluster traffic over time: per-node cumulative byte counters in, bytes per second out, one
// point per wall-clock second in a bounded ring. Pure data: no Qt, no plotting, so that the
// arithmetic is unit-tested on its own.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <unordered_map>

#include "plots/ring_buffer.hpp"
#include "util/ids.hpp"

namespace rt::gui {

struct TrafficPoint {
  std::int64_t second = 0;  // start of the one-second bucket, seconds since the Unix epoch
  double bytes_in_per_s = 0;
  double bytes_out_per_s = 0;
};

class TrafficSeries {
 public:
  // `seconds`: how many closed buckets to keep. `grace_us`: how long after a second has ended
  // its bucket stays open for late samples before it is closed and plotted.
  explicit TrafficSeries(std::size_t seconds = 120, Micros grace_us = 1'000'000);

  // One node's cumulative counters at `time_us`. The first sample of a node is its baseline;
  // later ones add their increase, spread evenly over the seconds since the previous sample.
  // A counter that went down (the node restarted) counts from zero.
  void addSample(int rank, Micros time_us, std::uint64_t bytes_in, std::uint64_t bytes_out);

  // Closes every bucket that ended at least `grace_us` before `now_us`, filling silent seconds
  // with zeros. Returns true when at least one point was appended.
  bool advance(Micros now_us);

  const RingBuffer<TrafficPoint>& points() const { return points_; }
  std::size_t nodes() const { return last_.size(); }
  void clear();

 private:
  struct Counters {
    Micros time_us = 0;
    std::uint64_t bytes_in = 0;
    std::uint64_t bytes_out = 0;
  };
  struct Bucket {
    double bytes_in = 0;
    double bytes_out = 0;
  };
  void spread(Micros from_us, Micros to_us, double bytes_in, double bytes_out);

  Micros grace_us_;
  std::unordered_map<int, Counters> last_;
  std::map<std::int64_t, Bucket> open_;      // by second
  std::optional<std::int64_t> next_second_;  // the oldest second not closed yet
  RingBuffer<TrafficPoint> points_;
};

}  // namespace rt::gui
