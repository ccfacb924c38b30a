// Measures how smooth the GUI thread stays: the interval between consecutive animation frames
// (the frame time a user sees) and what each cost, how long each paint of the watched widgets
// takes, and how late a 16 ms heartbeat timer fires (every stall of the event loop shows up
// there, whatever caused it). Samples are kept up to a bound and summarised as percentiles. Paints
// are timed only under a TimedApplication (bench/timed_application.hpp).
#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>
#include <string>
#include <unordered_set>
#include <vector>

class QWidget;

namespace rt::gui {

// Milliseconds, summarised.
struct Distribution {
  static constexpr std::size_t kMaxSamples = 1'000'000;
  std::vector<double> samples;
  void add(double ms) {
    if (samples.size() < kMaxSamples) samples.push_back(ms);
  }
  std::size_t count() const { return samples.size(); }
  double percentile(double p) const;  // 0 when empty
  double max() const;
  // "p50 1.2  p90 3.4  p99 8.0  max 12.1 ms (n 600)"
  std::string summary() const;
};

class FrameMeter : public QObject {
  Q_OBJECT

 public:
  static constexpr int kHeartbeatMs = 16;

  explicit FrameMeter(QObject* parent = nullptr);
  ~FrameMeter() override { stop(); }

  // Paints of `widget` are timed.
  void watch(QWidget* widget);
  // One animation frame was produced, at `cost_ns` of work. An interval longer than
  // kIdleGapMs is a pause between animations, not a slow frame, and is not counted.
  void frame(qint64 cost_ns);
  static constexpr double kIdleGapMs = 500;
  // False when paints cannot be timed (not a TimedApplication); the heartbeat still runs.
  bool start();
  void stop();

  const Distribution& frameIntervals() const { return frame_intervals_; }
  const Distribution& frameCosts() const { return frame_costs_; }
  const Distribution& paintTimes() const { return paint_times_; }
  const Distribution& loopLateness() const { return lateness_; }
  std::uint64_t frames() const { return frames_; }

 private:
  void painted(QObject* receiver, qint64 begin_ns, qint64 end_ns);
  void heartbeat();

  std::unordered_set<QObject*> watched_;
  std::uint64_t frames_ = 0;
  QElapsedTimer clock_;
  qint64 last_frame_ns_ = -1;
  qint64 last_beat_ns_ = -1;
  QTimer heartbeat_;
  Distribution frame_intervals_, frame_costs_, paint_times_, lateness_;
};

}  // namespace rt::gui
