#include "bench/frame_meter.hpp"

#include <QWidget>
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "bench/timed_application.hpp"

namespace rt::gui {

double Distribution::percentile(double p) const {
  if (samples.empty()) return 0;
  std::vector<double> sorted = samples;
  const auto rank = static_cast<std::size_t>(
      std::clamp(std::ceil(p / 100.0 * static_cast<double>(sorted.size())) - 1.0, 0.0,
                 static_cast<double>(sorted.size() - 1)));
  std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(rank),
                   sorted.end());
  return sorted[rank];
}

double Distribution::max() const {
  return samples.empty() ? 0 : *std::max_element(samples.begin(), samples.end());
}

std::string Distribution::summary() const {
  char line[160];
  std::snprintf(line, sizeof line, "p50 %.2f  p90 %.2f  p99 %.2f  max %.2f ms (n %zu)",
                percentile(50), percentile(90), percentile(99), max(), count());
  return line;
}

FrameMeter::FrameMeter(QObject* parent) : QObject(parent) {
  heartbeat_.setTimerType(Qt::PreciseTimer);
  heartbeat_.setInterval(kHeartbeatMs);
  connect(&heartbeat_, &QTimer::timeout, this, &FrameMeter::heartbeat);
}

void FrameMeter::watch(QWidget* widget) {
  watched_.insert(widget);
}

void FrameMeter::frame(qint64 cost_ns) {
  if (!heartbeat_.isActive()) return;
  const qint64 now = clock_.nsecsElapsed();
  ++frames_;
  frame_costs_.add(static_cast<double>(cost_ns) / 1e6);
  const double interval_ms = static_cast<double>(now - last_frame_ns_) / 1e6;
  if (last_frame_ns_ >= 0 && interval_ms <= kIdleGapMs) frame_intervals_.add(interval_ms);
  last_frame_ns_ = now;
}

bool FrameMeter::start() {
  clock_.start();
  last_frame_ns_ = last_beat_ns_ = -1;
  heartbeat_.start();
  TimedApplication* app = TimedApplication::instance();
  if (!app) return false;
  const qint64 offset = app->clock().nsecsElapsed() - clock_.nsecsElapsed();
  app->setPaintObserver([this, offset](QObject* receiver, qint64 begin, qint64 end) {
    painted(receiver, begin - offset, end - offset);
  });
  return true;
}

void FrameMeter::stop() {
  heartbeat_.stop();
  if (TimedApplication* app = TimedApplication::instance()) app->setPaintObserver(nullptr);
}

void FrameMeter::painted(QObject* receiver, qint64 begin, qint64 end) {
  if (watched_.count(receiver)) paint_times_.add(static_cast<double>(end - begin) / 1e6);
}

void FrameMeter::heartbeat() {
  const qint64 now = clock_.nsecsElapsed();
  if (last_beat_ns_ >= 0) {
    const double late = static_cast<double>(now - last_beat_ns_) / 1e6 - kHeartbeatMs;
    lateness_.add(std::max(0.0, late));
  }
  last_beat_ns_ = now;
}

}  // namespace rt::gui
