// A table model whose rows are keyed values replaced wholesale from fresh snapshots (a sample,
// an inspect answer, a search). replaceRows() turns a snapshot into the fewest model signals:
// one removal per run of vanished rows, one dataChanged over the span of changed rows, one
// insertion for new keys. Row order is first-seen order; a sort proxy on top orders them.
//
// Row needs `key()` (a type with operator<) and operator==.
#pragma once

#include <QAbstractTableModel>
#include <QString>
#include <QVariant>
#include <map>
#include <utility>
#include <vector>

namespace rt::gui {

// One column of an inspector table: header text, header tooltip, and whether it holds numbers
// (right-aligned).
struct TableColumn {
  const char* title;
  const char* tooltip;
  bool numeric;
};

// headerData() of a horizontal header from a column table; an invalid QVariant for other roles.
inline QVariant columnHeader(const TableColumn& column, int role) {
  if (role == Qt::DisplayRole) return QString::fromUtf8(column.title);
  if (role == Qt::ToolTipRole) return QString::fromUtf8(column.tooltip);
  return {};
}

inline QVariant columnAlignment(const TableColumn& column) {
  return QVariant::fromValue(
      Qt::Alignment((column.numeric ? Qt::AlignRight : Qt::AlignLeft) | Qt::AlignVCenter));
}

template <class Row>
class KeyedTableModel : public QAbstractTableModel {
 public:
  static constexpr int SortRole = Qt::UserRole + 1;  // the raw value (numbers as numbers)

  using QAbstractTableModel::QAbstractTableModel;

  int rowCount(const QModelIndex& parent = {}) const override {
    return parent.isValid() ? 0 : static_cast<int>(rows_.size());
  }
  const std::vector<Row>& rows() const { return rows_; }

 protected:
  void replaceRows(std::vector<Row> fresh) {
    using Key = std::decay_t<decltype(fresh.front().key())>;
    std::map<Key, std::size_t> fresh_index;  // the last of duplicate keys wins
    for (std::size_t i = 0; i < fresh.size(); ++i) fresh_index[fresh[i].key()] = i;

    // Vanished rows, from the back so that earlier indices stay valid.
    for (int last = static_cast<int>(rows_.size()) - 1; last >= 0;) {
      if (fresh_index.count(rows_[static_cast<std::size_t>(last)].key())) {
        --last;
        continue;
      }
      int first = last;
      while (first > 0 && !fresh_index.count(rows_[static_cast<std::size_t>(first - 1)].key())) {
        --first;
      }
      beginRemoveRows({}, first, last);
      rows_.erase(rows_.begin() + first, rows_.begin() + last + 1);
      endRemoveRows();
      last = first - 1;
    }

    std::vector<char> placed(fresh.size(), 0);
    int first_changed = -1, last_changed = -1;
    for (std::size_t r = 0; r < rows_.size(); ++r) {
      const std::size_t i = fresh_index.at(rows_[r].key());
      placed[i] = 1;
      if (rows_[r] == fresh[i]) continue;
      rows_[r] = std::move(fresh[i]);
      if (first_changed < 0) first_changed = static_cast<int>(r);
      last_changed = static_cast<int>(r);
    }
    if (first_changed >= 0) {
      emit dataChanged(index(first_changed, 0), index(last_changed, columnCount() - 1),
                       {Qt::DisplayRole, SortRole, Qt::ToolTipRole, Qt::ForegroundRole});
    }

    std::vector<Row> added;
    for (std::size_t i = 0; i < fresh.size(); ++i) {
      if (!placed[i] && fresh_index.at(fresh[i].key()) == i) added.push_back(std::move(fresh[i]));
    }
    if (added.empty()) return;
    const int start = static_cast<int>(rows_.size());
    beginInsertRows({}, start, start + static_cast<int>(added.size()) - 1);
    for (Row& row : added) rows_.push_back(std::move(row));
    endInsertRows();
  }

  void clearRows() {
    if (rows_.empty()) return;
    beginResetModel();
    rows_.clear();
    endResetModel();
  }

  bool validIndex(const QModelIndex& index) const {
    return checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid);
  }

  std::vector<Row> rows_;
};

}  // namespace rt::gui
