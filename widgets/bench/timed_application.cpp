#include "bench/timed_application.hpp"

#include <QEvent>

namespace rt::gui {

TimedApplication::TimedApplication(int& argc, char** argv) : QApplication(argc, argv) {
  clock_.start();
}

TimedApplication* TimedApplication::instance() {
  return dynamic_cast<TimedApplication*>(QCoreApplication::instance());
}

bool TimedApplication::notify(QObject* receiver, QEvent* event) {
  if (!observer_ || depth_ > 0 || event->type() != QEvent::Paint) {
    return QApplication::notify(receiver, event);
  }
  const qint64 begin = clock_.nsecsElapsed();
  ++depth_;
  const bool handled = QApplication::notify(receiver, event);
  --depth_;
  observer_(receiver, begin, clock_.nsecsElapsed());
  return handled;
}

}  // namespace rt::gui
