// The event log panel's rows: what the studio did and what the monitor reported, with the time
// it happened. Bounded: past `capacity` lines the oldest are removed.
#pragma once

#include <QAbstractTableModel>
#include <QDateTime>
#include <QFont>
#include <deque>
#include <vector>

namespace rt::gui {

enum class LogLevel { info, action, error };

struct LogEntry {
  QDateTime time;
  LogLevel level = LogLevel::info;
  QString text;
};

class EventLogModel : public QAbstractTableModel {
  Q_OBJECT

 public:
  enum Column { TimeColumn, MessageColumn, ColumnCount };
  static constexpr int LevelRole = Qt::UserRole + 1;

  explicit EventLogModel(int capacity = 5000, QObject* parent = nullptr);
  // The fixed-width font of the time column.
  static QFont timeFont();

  // One insertion (and at most one removal of the oldest rows) per call.
  void append(const std::vector<LogEntry>& entries);
  void append(const LogEntry& entry) { append(std::vector<LogEntry>{entry}); }
  void clear();
  int capacity() const { return capacity_; }
  const LogEntry& entry(int row) const { return entries_[static_cast<std::size_t>(row)]; }

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation,
                      int role = Qt::DisplayRole) const override;

 private:
  int capacity_;
  std::deque<LogEntry> entries_;
};

}  // namespace rt::gui
