// The session toolbar: broadcast (from the selected node, or rank 1), payload size, an
// automatic broadcast rate, and the fault actions on the selected node. It only emits
// requests; MainWindow routes them to the ClusterController.
#pragma once

#include <QToolBar>
#include <cstddef>

class QAction;
class QDoubleSpinBox;
class QSpinBox;

namespace rt::gui {

class ClusterToolBar : public QToolBar {
  Q_OBJECT

 public:
  explicit ClusterToolBar(QWidget* parent = nullptr);

  std::size_t payloadSize() const;
  double autoRate() const;
  void setAutoRate(double per_second);
  // Broadcast needs a live cluster; the node actions also need a selected node.
  void setClusterLive(bool live);
  void setNodeSelected(bool selected);

  QAction* broadcastAction() const { return broadcast_; }
  QAction* killAction() const { return kill_; }
  QAction* pauseAction() const { return pause_; }
  QAction* resumeAction() const { return resume_; }

 signals:
  void broadcastRequested(std::size_t size);
  void autoBroadcastChanged(double per_second, std::size_t size);
  void killRequested();
  void pauseRequested();
  void resumeRequested();

 private:
  void updateEnabled();

  QAction* broadcast_;
  QAction* kill_;
  QAction* pause_;
  QAction* resume_;
  QSpinBox* size_;
  QDoubleSpinBox* rate_;
  bool live_ = false;
  bool selected_ = false;
};

}  // namespace rt::gui
