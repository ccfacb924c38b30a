// The studio's QApplication, able to time how long the GUI thread spends delivering chosen
// events (paints, for --bench). Timing in notify() covers the whole delivery, event filters
// included: a QGraphicsView paints its viewport from a filter, so a filter cannot time it.
#pragma once

#include <QApplication>
#include <QElapsedTimer>
#include <functional>

namespace rt::gui {

class TimedApplication : public QApplication {
 public:
  // Called after each delivery of a paint event: receiver, start and end in ns of clock().
  using PaintObserver = std::function<void(QObject* receiver, qint64 begin_ns, qint64 end_ns)>;

  TimedApplication(int& argc, char** argv);

  // nullptr stops observing; the observer runs on the GUI thread.
  void setPaintObserver(PaintObserver observer) { observer_ = std::move(observer); }
  const QElapsedTimer& clock() const { return clock_; }
  static TimedApplication* instance();  // null when the application is a plain QApplication

  bool notify(QObject* receiver, QEvent* event) override;

 private:
  PaintObserver observer_;
  QElapsedTimer clock_;
  int depth_ = 0;  // paints inside paints are part of the outer one
};

}  // namespace rt::gui
