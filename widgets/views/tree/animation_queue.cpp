#include "views/tree/animation_queue.hpp"

#include <algorithm>

namespace rt::gui {

namespace {

std::uint32_t kindBit(telemetry::EdgeKind kind) {
  return 1u << static_cast<unsigned>(kind);
}

}  // namespace

double Flight::progress(double anim_ms) const {
  if (end_ms <= start_ms) return 1.0;
  return std::clamp((anim_ms - start_ms) / (end_ms - start_ms), 0.0, 1.0);
}

AnimationQueue::AnimationQueue(AnimationOptions options) : options_(options) {
  options_.max_backlog = std::max<std::size_t>(options_.max_backlog, 2);
  max_backlog_ = options_.max_backlog;
  options_.max_in_flight = std::max<std::size_t>(options_.max_in_flight, 1);
}

void AnimationQueue::setSpeed(double speed) {
  speed_ = std::clamp(speed, 0.1, 10.0);
}

void AnimationQueue::setKindVisible(telemetry::EdgeKind kind, bool visible) {
  if (visible) {
    hidden_kinds_ &= ~kindBit(kind);
  } else {
    hidden_kinds_ |= kindBit(kind);
  }
}

bool AnimationQueue::kindVisible(telemetry::EdgeKind kind) const {
  return (hidden_kinds_ & kindBit(kind)) == 0;
}

void AnimationQueue::push(AnimationItem item, double now_ms) {
  item.arrived_ms = now_ms;
  // Items come roughly in event order, so the place is near the back.
  auto it = pending_.end();
  while (it != pending_.begin() && std::prev(it)->event_us > item.event_us) --it;
  pending_.insert(it, item);
  if (pending_.size() > max_backlog_) skipAhead(now_ms, true);
}

void AnimationQueue::setClusterSize(int nodes) {
  max_backlog_ = std::max(options_.max_backlog,
                          options_.backlog_per_node * static_cast<std::size_t>(std::max(nodes, 0)));
}

void AnimationQueue::clear() {
  pending_.clear();
  flights_.clear();
  started_.clear();
  finished_.clear();
  last_start_ms_ = -kNever;
  last_event_us_ = 0;
  playhead_us_ = 0;
  current_broadcast_ = MessageId{};
  current_arrived_ms_ = 0;
}

double AnimationQueue::flightDuration(const AnimationItem& item) const {
  if (item.received_us == 0 || item.received_us < item.event_us) return options_.default_flight_ms;
  const double stretched =
      static_cast<double>(item.received_us - item.event_us) / 1000.0 * options_.stretch;
  return std::clamp(stretched, options_.min_flight_ms, options_.max_flight_ms);
}

double AnimationQueue::behindMs(double now_ms) const {
  if (flights_.empty()) return pending_.empty() ? 0.0 : now_ms - pending_.front().arrived_ms;
  return now_ms - current_arrived_ms_;
}

double AnimationQueue::earliestEnd() const {
  double end = kNever;
  for (const Flight& flight : flights_) end = std::min(end, flight.end_ms);
  return end;
}

double AnimationQueue::headStart(double now_ms, double floor_ms, bool ignore_hold) const {
  if (pending_.empty()) return kNever;
  const AnimationItem& head = pending_.front();
  if (!ignore_hold && now_ms - head.arrived_ms < options_.hold_ms) return kNever;
  if (!kindVisible(head.kind)) return floor_ms;  // consumed at once, never drawn
  if (flights_.size() >= options_.max_in_flight) return earliestEnd() + 1e-6;
  double start = floor_ms;
  if (last_start_ms_ > -kNever) {
    const double gap_ms = static_cast<double>(std::max<Micros>(0, head.event_us - last_event_us_)) /
                          1000.0 * options_.stretch;
    start = std::max(start, last_start_ms_ + std::min(gap_ms, options_.max_gap_ms));
  }
  // Causality: what a node sends after a frame arrived waits for that frame's glyph to land.
  for (const Flight& flight : flights_) {
    if (flight.item.to == head.from && flight.item.received_us != 0 &&
        flight.item.received_us <= head.event_us) {
      start = std::max(start, flight.end_ms);
    }
  }
  return start;
}

void AnimationQueue::startHead(double at_ms) {
  AnimationItem item = pending_.front();
  pending_.pop_front();
  playhead_us_ = std::max(playhead_us_, item.event_us);
  if (!kindVisible(item.kind)) {
    ++filtered_;
    return;
  }
  Flight flight{item, at_ms, at_ms + flightDuration(item)};
  flights_.push_back(flight);
  started_.push_back(flight);
  last_start_ms_ = at_ms;
  last_event_us_ = std::max(last_event_us_, item.event_us);
  current_arrived_ms_ = item.arrived_ms;
  current_broadcast_ = item.edge.broadcast;
  ++animated_;
}

void AnimationQueue::finishEarliest() {
  auto it = std::min_element(flights_.begin(), flights_.end(),
                             [](const Flight& a, const Flight& b) { return a.end_ms < b.end_ms; });
  finished_.push_back(*it);
  *it = flights_.back();
  flights_.pop_back();
}

void AnimationQueue::advanceTo(double target_ms, double now_ms, bool ignore_hold,
                               bool single_event) {
  const double floor_ms = anim_ms_;
  while (true) {
    // Refresh the head from the trace; drop it when its broadcast is gone.
    if (!pending_.empty() && resolver_ && !resolver_(pending_.front())) {
      pending_.pop_front();
      continue;
    }
    const double start = headStart(now_ms, floor_ms, ignore_hold);
    const double end = earliestEnd();
    const double next = std::min(start, end);
    if (next == kNever || next > target_ms) break;
    if (end <= start) {
      finishEarliest();
      anim_ms_ = std::max(anim_ms_, end);
      if (single_event) return;
    } else {
      const bool visible = kindVisible(pending_.front().kind);
      startHead(start);
      anim_ms_ = std::max(anim_ms_, start);
      if (single_event && visible) return;
    }
  }
  if (target_ms != kNever) anim_ms_ = std::max(anim_ms_, target_ms);
}

void AnimationQueue::tick(double now_ms) {
  started_.clear();
  finished_.clear();
  const double dt = last_now_ms_ < 0 ? 0.0 : std::max(0.0, now_ms - last_now_ms_);
  last_now_ms_ = now_ms;
  if (paused_) return;
  if (behindMs(now_ms) > options_.max_behind_ms) skipAhead(now_ms, false);
  const double rate = speed_ * (fast_forward_ ? options_.fast_forward : 1.0);
  advanceTo(anim_ms_ + dt * rate, now_ms, false, false);
}

void AnimationQueue::step(double now_ms) {
  started_.clear();
  finished_.clear();
  last_now_ms_ = now_ms;
  advanceTo(kNever, now_ms, true, true);
}

void AnimationQueue::skipAhead(double now_ms, bool keep_current) {
  if (pending_.empty()) return;
  // The newest broadcast always stays, and (when the backlog forced the skip) the one on
  // display finishes: the view jumps between broadcasts, never into the middle of one.
  const MessageId newest = pending_.back().edge.broadcast;
  std::size_t count = 0;
  std::deque<AnimationItem> kept;
  for (const AnimationItem& item : pending_) {
    const bool keep = item.edge.broadcast == newest ||
                      (keep_current && item.edge.broadcast == current_broadcast_);
    if (keep) {
      kept.push_back(item);
    } else {
      ++count;
    }
  }
  if (kept.size() > max_backlog_) {
    const std::size_t drop = kept.size() - max_backlog_ / 2;
    kept.erase(kept.begin(), kept.begin() + static_cast<std::ptrdiff_t>(drop));
    count += drop;
  }
  if (count == 0) return;
  pending_ = std::move(kept);
  skipped_ += count;
  ++skip_events_;
  last_skip_count_ = count;
  last_skip_at_ms_ = now_ms;
}

}  // namespace rt::gui
