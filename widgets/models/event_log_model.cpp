#include "models/event_log_model.hpp"

#include <QBrush>
#include <QColor>
#include <QFontDatabase>
#include <algorithm>

namespace rt::gui {

EventLogModel::EventLogModel(int capacity, QObject* parent)
    : QAbstractTableModel(parent), capacity_(std::max(1, capacity)) {}

QFont EventLogModel::timeFont() {
  QFont font = QFontDatabase::systemFont(QFontDatabase::FixedFont);
  font.setStyleHint(QFont::Monospace);
  return font;
}

void EventLogModel::append(const std::vector<LogEntry>& entries) {
  if (entries.empty()) return;
  // Only the newest `capacity_` of the incoming entries can be kept.
  const auto incoming = std::min<std::size_t>(entries.size(), static_cast<std::size_t>(capacity_));
  const auto skip = entries.size() - incoming;
  const auto total = entries_.size() + incoming;
  if (total > static_cast<std::size_t>(capacity_)) {
    const int remove = static_cast<int>(total - static_cast<std::size_t>(capacity_));
    beginRemoveRows({}, 0, remove - 1);
    entries_.erase(entries_.begin(), entries_.begin() + remove);
    endRemoveRows();
  }
  const int first = static_cast<int>(entries_.size());
  beginInsertRows({}, first, first + static_cast<int>(incoming) - 1);
  entries_.insert(entries_.end(), entries.begin() + static_cast<std::ptrdiff_t>(skip),
                  entries.end());
  endInsertRows();
}

void EventLogModel::clear() {
  beginResetModel();
  entries_.clear();
  endResetModel();
}

int EventLogModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(entries_.size());
}

int EventLogModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : ColumnCount;
}

QVariant EventLogModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) {
    return {};
  }
  const LogEntry& item = entry(index.row());
  switch (role) {
    case Qt::DisplayRole:
      if (index.column() == TimeColumn) return item.time.toString(QStringLiteral("HH:mm:ss.zzz"));
      return item.text;
    case Qt::ToolTipRole:
      return item.time.toString(Qt::ISODateWithMs) + QLatin1Char(' ') + item.text;
    case Qt::ForegroundRole:
      if (item.level == LogLevel::error) return QBrush(QColor(0xc6, 0x28, 0x28));
      if (item.level == LogLevel::action) return QBrush(QColor(0x15, 0x65, 0xc0));
      return {};
    case Qt::FontRole:
      if (index.column() == TimeColumn) return timeFont();
      return {};
    case LevelRole:
      return static_cast<int>(item.level);
    default:
      return {};
  }
}

QVariant EventLogModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation == Qt::Horizontal && role == Qt::DisplayRole) {
    if (section == TimeColumn) return QStringLiteral("Time");
    if (section == MessageColumn) return QStringLiteral("Event");
  }
  return QAbstractTableModel::headerData(section, orientation, role);
}

}  // namespace rt::gui
