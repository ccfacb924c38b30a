// The event log panel: every action and monitor report with its time, newest at the bottom;
// follows the newest line unless the user scrolled up.
#pragma once

#include <QWidget>

class QTableView;

namespace rt::gui {

class EventLogModel;

class EventLogPanel : public QWidget {
  Q_OBJECT

 public:
  explicit EventLogPanel(EventLogModel* model, QWidget* parent = nullptr);
  QTableView* view() const { return view_; }

 private:
  EventLogModel* model_;
  QTableView* view_;
  bool follow_ = true;
};

}  // namespace rt::gui
