// The "Find queues deeper than N" window: every (node, peer) whose outbound queue holds at
// least N frames in the latest samples of the cluster, refreshed once a second while shown;
// double-clicking a row asks for that node's inspector.
#pragma once

#include <QDialog>
#include <QTimer>
#include <functional>
#include <unordered_map>

#include "views/inspector/deep_queue_model.hpp"

class QLabel;
class QSpinBox;
class QTableView;

namespace rt::gui {

class DeepQueueDialog : public QDialog {
  Q_OBJECT

 public:
  using Samples = std::function<const std::unordered_map<int, cluster::NodeSample>&()>;
  // `samples` gives the latest sample of every node when called.
  DeepQueueDialog(Samples samples, QWidget* parent = nullptr);

  void setRankIndex(RankIndex ranks);
  void setThreshold(int frames);
  int threshold() const;
  DeepQueueModel* model() const { return model_; }
  void refresh();

 signals:
  void inspectRequested(int rank);

 protected:
  void showEvent(QShowEvent* event) override;
  void hideEvent(QHideEvent* event) override;

 private:
  Samples samples_;
  RankIndex ranks_;
  DeepQueueModel* model_;
  QSpinBox* threshold_;
  QLabel* summary_;
  QTableView* view_;
  QTimer refresh_timer_;
};

}  // namespace rt::gui
