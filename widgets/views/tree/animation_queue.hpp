// The clock and queue behind the tree view's animation, apart from any drawing so that it can
// be tested without a window. Animation time is separate from event time: a broadcast over
// loopback takes milliseconds, so event-time gaps are stretched (and idle stretches capped) to
// a watchable timeline, every message flies for a bounded time, and a node's sends never
// start before the glyph that caused them has landed there. Time comes in as a parameter
// (milliseconds of wall time); nothing here reads a clock or blocks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <limits>
#include <vector>

#include "telemetry/broadcast_trace.hpp"

namespace rt::gui {

struct AnimationOptions {
  double stretch = 100.0;      // animation ms per event ms
  double min_flight_ms = 450;  // at 1x
  double max_flight_ms = 900;
  double default_flight_ms = 600;  // when the receive was not seen
  double max_gap_ms = 350;         // an idle stretch of event time shrinks to this
  double hold_ms = 150;            // wait for other nodes' halves to sort in before starting
  std::size_t max_backlog = 600;   // queued items beyond this make the queue skip ahead
  // ... or beyond this many per node, if more: one broadcast of N nodes makes ~4N items, and
  // the backlog must hold a few whole ones or big clusters only ever show broadcast tails.
  std::size_t backlog_per_node = 16;
  double max_behind_ms = 20000;     // ... as does being this far behind live
  std::size_t max_in_flight = 256;  // glyphs at once; later items wait
  double fast_forward = 8.0;        // speed multiplier of "run until"
};

struct AnimationItem {
  telemetry::EdgeRef edge;
  int from = 0;
  int to = 0;
  telemetry::EdgeKind kind = telemetry::EdgeKind::gossip;
  Micros event_us = 0;     // when it was sent (or received, when the send was not seen)
  Micros received_us = 0;  // 0 while unknown
  double arrived_ms = 0;   // wall time it was queued
};

struct Flight {
  AnimationItem item;
  double start_ms = 0;  // animation time
  double end_ms = 0;
  double progress(double anim_ms) const;  // 0..1
};

class AnimationQueue {
 public:
  explicit AnimationQueue(AnimationOptions options = {});

  // Called when an item is about to start, to refresh what the trace learnt since it was
  // queued (the receive time). Returning false drops the item (its broadcast is gone).
  void setResolver(std::function<bool(AnimationItem&)> resolver) {
    resolver_ = std::move(resolver);
  }

  void push(AnimationItem item, double now_ms);
  // Advances animation time by the wall time since the last tick times the speed; starts and
  // finishes flights. What happened is in started() and finished() until the next call.
  void tick(double now_ms);
  // Paused or not: moves to the next start or landing, ignoring the hold.
  void step(double now_ms);
  void clear();                    // drops everything queued and in flight; counters stay
  void setClusterSize(int nodes);  // scales the backlog bound (backlog_per_node)
  std::size_t maxBacklog() const { return max_backlog_; }

  void setSpeed(double speed);  // clamped to 0.1..10
  double speed() const { return speed_; }
  void setPaused(bool paused) { paused_ = paused; }
  bool paused() const { return paused_; }
  void setFastForward(bool on) { fast_forward_ = on; }
  bool fastForward() const { return fast_forward_; }
  void setKindVisible(telemetry::EdgeKind kind, bool visible);
  bool kindVisible(telemetry::EdgeKind kind) const;

  const std::vector<Flight>& flights() const { return flights_; }
  const std::vector<Flight>& started() const { return started_; }
  const std::vector<Flight>& finished() const { return finished_; }
  std::size_t backlog() const { return pending_.size(); }
  bool idle() const { return pending_.empty() && flights_.empty(); }
  double animationMs() const { return anim_ms_; }
  // The latest event time that has started animating.
  Micros playheadUs() const { return playhead_us_; }
  // Wall time since the item now on display arrived; 0 when there is nothing to show.
  double behindMs(double now_ms) const;
  std::uint64_t animated() const { return animated_; }
  std::uint64_t filtered() const { return filtered_; }
  std::uint64_t skipped() const { return skipped_; }
  std::uint64_t skipEvents() const { return skip_events_; }
  std::size_t lastSkipCount() const { return last_skip_count_; }
  double lastSkipAtMs() const { return last_skip_at_ms_; }
  // The broadcast of the item that started last (what a "follow latest" view shows).
  const MessageId& currentBroadcast() const { return current_broadcast_; }
  const AnimationOptions& options() const { return options_; }

 private:
  static constexpr double kNever = std::numeric_limits<double>::infinity();
  // When the head may start, given flights in the air; kNever when it may not yet.
  double headStart(double now_ms, double floor_ms, bool ignore_hold) const;
  double earliestEnd() const;
  void startHead(double at_ms);
  void finishEarliest();
  void advanceTo(double target_ms, double now_ms, bool ignore_hold, bool single_event);
  // Drops queued items of broadcasts other than the newest (and the one on display, when
  // keep_current); counts them.
  void skipAhead(double now_ms, bool keep_current);
  double flightDuration(const AnimationItem& item) const;

  AnimationOptions options_;
  std::size_t max_backlog_;
  std::function<bool(AnimationItem&)> resolver_;
  std::deque<AnimationItem> pending_;  // sorted by event_us, arrival order among equals
  std::vector<Flight> flights_;
  std::vector<Flight> started_;
  std::vector<Flight> finished_;
  double anim_ms_ = 0;
  double last_now_ms_ = -1;
  double last_start_ms_ = -kNever;
  Micros last_event_us_ = 0;
  Micros playhead_us_ = 0;
  double current_arrived_ms_ = 0;
  MessageId current_broadcast_;
  double speed_ = 1.0;
  bool paused_ = false;
  bool fast_forward_ = false;
  std::uint32_t hidden_kinds_ = 0;  // bit per EdgeKind
  std::uint64_t animated_ = 0, filtered_ = 0, skipped_ = 0, skip_events_ = 0;
  std::size_t last_skip_count_ = 0;
  double last_skip_at_ms_ = -kNever;
};

}  // namespace rt::gui
