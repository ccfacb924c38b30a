// The rows of a `raintree-lab compare --json` file: one per (mode, payload size), with the
// totals the mode comparison view draws. Parsing checks every field it uses and says which one
// is wrong, so a broken or foreign file is rejected with a message a user can act on.
#pragma once

#include <QByteArray>
#include <QString>
#include <QStringList>
#include <array>
#include <optional>
#include <vector>

namespace rt::gui {

enum class CompareMetric { copies_per_node, wire_bytes, last_delivery_ms, coverage };
inline constexpr std::array<CompareMetric, 4> kCompareMetrics = {
    CompareMetric::copies_per_node, CompareMetric::wire_bytes, CompareMetric::last_delivery_ms,
    CompareMetric::coverage};
// The axis title with its unit, e.g. "Time to last delivery (ms)".
QString compareMetricTitle(CompareMetric metric);
// The CSV column name, e.g. "last_delivery_ms".
QString compareMetricColumn(CompareMetric metric);

struct CompareRow {
  QString mode;
  qint64 size = 0;  // payload bytes
  double coverage = 0;
  double copies_per_node = 0;
  double control_bytes = 0;
  double payload_bytes = 0;
  double last_delivery_ms = 0;
  qint64 missed = 0;
};

struct CompareData {
  int nodes = 0;
  int broadcasts = 1;
  double dead_fraction = 0;
  std::vector<CompareRow> rows;  // in file order
  QString verdict;               // a one-line summary of the file's verdict, may be empty

  // nullopt with `error` naming the file and the first problem found.
  static std::optional<CompareData> load(const QString& path, QString* error);
  static std::optional<CompareData> parse(const QByteArray& json, QString* error);

  QStringList modes() const;          // in first-seen order
  std::vector<qint64> sizes() const;  // ascending
  const CompareRow* row(const QString& mode, qint64 size) const;
  // Wire bytes are per broadcast, so runs with different --broadcasts compare.
  double value(const CompareRow& row, CompareMetric metric) const;
};

// "256 B", "64 KiB", "1 MiB": sizes of the sweep, exact when they are whole units.
QString formatSize(qint64 bytes);

}  // namespace rt::gui
