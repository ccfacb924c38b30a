#include "plots/traffic_series.hpp"

#include <algorithm>

namespace rt::gui {

namespace {
constexpr Micros kSecond = 1'000'000;

std::int64_t secondOf(Micros time_us) {
  // Floor division, so that times before the epoch (tests) land in the right bucket.
  return time_us >= 0 ? time_us / kSecond : -((-time_us + kSecond - 1) / kSecond);
}

std::uint64_t increase(std::uint64_t before, std::uint64_t now) {
  return now >= before ? now - before : now;
}
}  // namespace

TrafficSeries::TrafficSeries(std::size_t seconds, Micros grace_us)
    : grace_us_(grace_us), points_(seconds) {}

void TrafficSeries::clear() {
  last_.clear();
  open_.clear();
  next_second_.reset();
  points_.clear();
}

void TrafficSeries::addSample(int rank, Micros time_us, std::uint64_t bytes_in,
                              std::uint64_t bytes_out) {
  auto [it, inserted] = last_.try_emplace(rank, Counters{time_us, bytes_in, bytes_out});
  if (!next_second_) next_second_ = secondOf(time_us);
  if (inserted) return;
  Counters& before = it->second;
  const double in = static_cast<double>(increase(before.bytes_in, bytes_in));
  const double out = static_cast<double>(increase(before.bytes_out, bytes_out));
  if (in > 0 || out > 0) spread(before.time_us, time_us, in, out);
  before = Counters{std::max(before.time_us, time_us), bytes_in, bytes_out};
}

void TrafficSeries::spread(Micros from_us, Micros to_us, double bytes_in, double bytes_out) {
  // Late data for a second that is already plotted goes to the oldest open second.
  const Micros floor_us = *next_second_ * kSecond;
  if (to_us <= from_us || to_us <= floor_us) {
    Bucket& bucket = open_[std::max(secondOf(to_us), *next_second_)];
    bucket.bytes_in += bytes_in;
    bucket.bytes_out += bytes_out;
    return;
  }
  const double span = static_cast<double>(to_us - from_us);
  // Whatever falls before the oldest open second or beyond the ring's reach is dropped.
  const Micros reach_us = to_us - static_cast<Micros>(points_.capacity()) * kSecond;
  const Micros start = std::max({from_us, floor_us, reach_us});
  for (std::int64_t second = secondOf(start); second * kSecond < to_us; ++second) {
    const Micros lo = std::max(start, second * kSecond);
    const Micros hi = std::min(to_us, (second + 1) * kSecond);
    if (hi <= lo) continue;
    const double share = static_cast<double>(hi - lo) / span;
    Bucket& bucket = open_[second];
    bucket.bytes_in += bytes_in * share;
    bucket.bytes_out += bytes_out * share;
  }
}

bool TrafficSeries::advance(Micros now_us) {
  if (!next_second_) return false;
  // The last second whose end lies at least grace_us in the past.
  const std::int64_t last_closable = secondOf(now_us - grace_us_) - 1;
  if (last_closable < *next_second_) return false;
  const auto capacity = static_cast<std::int64_t>(points_.capacity());
  if (last_closable - *next_second_ >= capacity) {
    // A long gap (the GUI was suspended): only the last `capacity` seconds can be shown.
    const std::int64_t first_kept = last_closable - capacity + 1;
    open_.erase(open_.begin(), open_.lower_bound(first_kept));
    next_second_ = first_kept;
  }
  for (std::int64_t second = *next_second_; second <= last_closable; ++second) {
    TrafficPoint point{second, 0, 0};
    if (auto it = open_.find(second); it != open_.end()) {
      point.bytes_in_per_s = it->second.bytes_in;
      point.bytes_out_per_s = it->second.bytes_out;
      open_.erase(it);
    }
    points_.push(point);
  }
  next_second_ = last_closable + 1;
  return true;
}

}  // namespace rt::gui
