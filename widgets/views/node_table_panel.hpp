// The cluster panel: a filter box over a sortable QTableView of NodeTableModel (through a
// QSortFilterProxyModel), with status badges, a per-node context menu for fault actions, and
// double-click to inspect a node.
#pragma once

#include <QWidget>
#include <optional>
#include <vector>

#include "views/node_actions.hpp"

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
  void actionRequested(rt::gui::NodeAction action, int rank);

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
