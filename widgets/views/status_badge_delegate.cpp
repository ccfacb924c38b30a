#include "views/status_badge_delegate.hpp"

#include <QApplication>
#include <QPainter>

#include "models/node_status.hpp"
#include "models/node_table_model.hpp"

namespace rt::gui {

void StatusBadgeDelegate::paint(QPainter* painter, const QStyleOptionViewItem& option,
                                const QModelIndex& index) const {
  const QVariant raw = index.data(NodeTableModel::StatusRole);
  if (!raw.isValid()) {
    QStyledItemDelegate::paint(painter, option, index);
    return;
  }
  // Background and selection as any other cell, then the badge on top without text.
  QStyleOptionViewItem background = option;
  initStyleOption(&background, index);
  background.text.clear();
  const QWidget* widget = option.widget;
  QStyle* style = widget ? widget->style() : QApplication::style();
  style->drawControl(QStyle::CE_ItemViewItem, &background, painter, widget);

  const auto status = static_cast<NodeStatus>(raw.toInt());
  const QString text = statusName(status);
  const QFontMetrics metrics(option.font);
  const int height = std::min(option.rect.height() - 4, metrics.height() + 4);
  const int width = std::min(option.rect.width() - 8, metrics.horizontalAdvance(text) + 18);
  const QRect pill(option.rect.left() + 4, option.rect.center().y() - height / 2 + 1, width,
                   height);

  painter->save();
  painter->setRenderHint(QPainter::Antialiasing);
  painter->setPen(Qt::NoPen);
  painter->setBrush(statusColor(status));
  painter->drawRoundedRect(pill, height / 2.0, height / 2.0);
  painter->setPen(Qt::white);
  QFont font = option.font;
  font.setBold(true);
  painter->setFont(font);
  painter->drawText(pill, Qt::AlignCenter, text);
  painter->restore();
}

QSize StatusBadgeDelegate::sizeHint(const QStyleOptionViewItem& option,
                                    const QModelIndex& index) const {
  QSize size = QStyledItemDelegate::sizeHint(option, index);
  QFont font = option.font;
  font.setBold(true);
  const QFontMetrics metrics(font);
  size.setWidth(
      std::max(size.width(), metrics.horizontalAdvance(QStringLiteral("not answering")) + 28));
  return size;
}

}  // namespace rt::gui
