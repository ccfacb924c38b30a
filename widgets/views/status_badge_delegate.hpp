// Paints a node's status as a coloured pill ("alive" in green, "killed" in red, ...), reading
// NodeTableModel::StatusRole so that it works through any proxy model.
#pragma once

#include <QStyledItemDelegate>

namespace rt::gui {

class StatusBadgeDelegate : public QStyledItemDelegate {
  Q_OBJECT

 public:
  using QStyledItemDelegate::QStyledItemDelegate;
  void paint(QPainter* painter, const QStyleOptionViewItem& option,
             const QModelIndex& index) const override;
  QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const override;
};

}  // namespace rt::gui
