// The cluster panel: a filter box over a sortable QTableView of NodeTableModel (through a
// QSortFilterProxyModel), with status badges and a per-node context menu for fault actions.
#pragma once

#include <QWidget>
#include <optional>
#include <vector>

class QLineEdit;
class QSortFilterProxyModel;
class QTableView;

namespace rt::gui {

class NodeTableModel;

class NodeTablePanel : public QWidget {
  Q_OBJECT

 public:
  explicit NodeTablePanel(NodeTableModel* model, QWidget* parent = nullptr);

  std::optional<int> selectedRank() const;
  QTableView* view() const { return view_; }
  QSortFilterProxyModel* proxy() const { return proxy_; }

 signals:
  void selectedRankChanged(std::optional<int> rank);
  void broadcastRequested(int rank);
  void killRequested(int rank);
  void pauseRequested(int rank);
  void resumeRequested(int rank);

 private:
  bool eventFilter(QObject* watched, QEvent* event) override;
  void showContextMenu(const QPoint& position);
  void computeColumnWidths();
  void fitColumns();

  NodeTableModel* model_;
  QSortFilterProxyModel* proxy_;
  QLineEdit* filter_;
  QTableView* view_;
  std::vector<int> base_widths_;  // enough for the header and the widest expected value
};

}  // namespace rt::gui
