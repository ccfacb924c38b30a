#include "plots/compare_data.hpp"

#include <QCoreApplication>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <algorithm>
#include <cmath>

namespace rt::gui {

namespace {

constexpr qint64 kMaxFileBytes = 16 * 1024 * 1024;
constexpr qsizetype kMaxRows = 2000;  // row() is a linear search

QString tr(const char* text) {
  return QCoreApplication::translate("CompareData", text);
}

bool fail(QString* error, const QString& reason) {
  if (error) *error = reason;
  return false;
}

// A finite, non-negative number at `key`.
bool number(const QJsonObject& row, qsizetype index, const char* key, double& out, QString* error) {
  const QJsonValue value = row.value(QLatin1String(key));
  if (!value.isDouble() || !std::isfinite(value.toDouble()) || value.toDouble() < 0) {
    return fail(error, tr("rows[%1].%2 is missing or not a non-negative number")
                           .arg(index)
                           .arg(QLatin1String(key)));
  }
  out = value.toDouble();
  return true;
}

bool parseRow(const QJsonValue& value, qsizetype index, CompareRow& row, QString* error) {
  if (!value.isObject()) return fail(error, tr("rows[%1] is not an object").arg(index));
  const QJsonObject object = value.toObject();
  const QJsonValue mode = object.value(QLatin1String("mode"));
  if (!mode.isString() || mode.toString().isEmpty()) {
    return fail(error, tr("rows[%1].mode is missing or not a string").arg(index));
  }
  row.mode = mode.toString();
  double size = 0, missed = 0;
  if (!number(object, index, "size", size, error) ||
      !number(object, index, "coverage", row.coverage, error) ||
      !number(object, index, "payload_copies_per_node", row.copies_per_node, error) ||
      !number(object, index, "control_bytes", row.control_bytes, error) ||
      !number(object, index, "payload_bytes", row.payload_bytes, error) ||
      !number(object, index, "last_delivery_ms", row.last_delivery_ms, error)) {
    return false;
  }
  if (size < 1 || size != std::floor(size)) {
    return fail(error, tr("rows[%1].size must be a whole number of bytes").arg(index));
  }
  if (row.coverage > 1.0) {
    return fail(error, tr("rows[%1].coverage is %2, above 1").arg(index).arg(row.coverage));
  }
  row.size = static_cast<qint64>(size);
  if (object.contains(QLatin1String("missed")) && !number(object, index, "missed", missed, error)) {
    return false;
  }
  row.missed = static_cast<qint64>(missed);
  return true;
}

QString verdictText(const QJsonObject& verdict) {
  QStringList parts;
  const auto say = [&](const char* key, const QString& what) {
    const QJsonValue from = verdict.value(QLatin1String(key));
    if (!from.isDouble()) return;
    parts << (from.toDouble() > 0
                  ? tr("advert wins on %1 from %2 up").arg(what, formatSize(from.toInteger()))
                  : tr("advert never wins on %1").arg(what));
  };
  say("advert_wins_bytes_from", tr("wire bytes"));
  say("advert_wins_time_from", tr("time to last delivery"));
  return parts.join(QStringLiteral("; "));
}

}  // namespace

QString compareMetricTitle(CompareMetric metric) {
  switch (metric) {
    case CompareMetric::copies_per_node:
      return tr("Payload copies per node");
    case CompareMetric::wire_bytes:
      return tr("Wire bytes per broadcast (log)");
    case CompareMetric::last_delivery_ms:
      return tr("Last delivery (ms, log)");
    case CompareMetric::coverage:
      return tr("Coverage (fraction of nodes)");
  }
  return {};
}

QString compareMetricColumn(CompareMetric metric) {
  switch (metric) {
    case CompareMetric::copies_per_node:
      return QStringLiteral("payload_copies_per_node");
    case CompareMetric::wire_bytes:
      return QStringLiteral("wire_bytes_per_broadcast");
    case CompareMetric::last_delivery_ms:
      return QStringLiteral("last_delivery_ms");
    case CompareMetric::coverage:
      return QStringLiteral("coverage");
  }
  return {};
}

QString formatSize(qint64 bytes) {
  static const char* const units[] = {"B", "KiB", "MiB", "GiB"};
  int unit = 0;
  double value = static_cast<double>(bytes);
  while (value >= 1024.0 && unit < 3) {
    value /= 1024.0;
    ++unit;
  }
  const bool whole = value == std::floor(value);
  return QStringLiteral("%1 %2").arg(value, 0, 'f', whole ? 0 : 1).arg(QLatin1String(units[unit]));
}

std::optional<CompareData> CompareData::load(const QString& path, QString* error) {
  const QString name = QFileInfo(path).fileName();
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) {
    fail(error, tr("Cannot open %1: %2").arg(path, file.errorString()));
    return std::nullopt;
  }
  if (file.size() > kMaxFileBytes) {
    fail(error, tr("%1 is %2 MiB; a comparison file is far smaller")
                    .arg(name)
                    .arg(file.size() / (1024 * 1024)));
    return std::nullopt;
  }
  QString reason;
  std::optional<CompareData> data = parse(file.readAll(), &reason);
  if (!data) fail(error, tr("%1: %2").arg(name, reason));
  return data;
}

std::optional<CompareData> CompareData::parse(const QByteArray& json, QString* error) {
  const QString expected = tr("expected the output of `raintree-lab compare --json`");
  QJsonParseError parse_error;
  const QJsonDocument document = QJsonDocument::fromJson(json, &parse_error);
  if (parse_error.error != QJsonParseError::NoError) {
    fail(error, tr("not valid JSON (%1 at byte %2)")
                    .arg(parse_error.errorString())
                    .arg(parse_error.offset));
    return std::nullopt;
  }
  if (!document.isObject()) {
    fail(error, tr("the top level is not an object; %1").arg(expected));
    return std::nullopt;
  }
  const QJsonObject root = document.object();
  const QJsonValue rows = root.value(QLatin1String("rows"));
  if (!rows.isArray()) {
    fail(error, tr("no \"rows\" array; %1").arg(expected));
    return std::nullopt;
  }
  const QJsonArray array = rows.toArray();
  if (array.isEmpty()) {
    fail(error, tr("\"rows\" is empty: nothing to compare"));
    return std::nullopt;
  }
  if (array.size() > kMaxRows) {
    fail(error, tr("%1 rows; at most %2 are shown").arg(array.size()).arg(kMaxRows));
    return std::nullopt;
  }
  CompareData data;
  data.nodes = root.value(QLatin1String("nodes")).toInt(0);
  data.broadcasts = std::max(1, root.value(QLatin1String("broadcasts")).toInt(1));
  data.dead_fraction = root.value(QLatin1String("dead_fraction")).toDouble(0);
  data.verdict = verdictText(root.value(QLatin1String("verdict")).toObject());
  for (qsizetype i = 0; i < array.size(); ++i) {
    CompareRow row;
    if (!parseRow(array.at(i), i, row, error)) return std::nullopt;
    if (data.row(row.mode, row.size)) {
      fail(error, tr("rows[%1] repeats mode %2 at %3").arg(i).arg(row.mode, formatSize(row.size)));
      return std::nullopt;
    }
    data.rows.push_back(std::move(row));
  }
  return data;
}

QStringList CompareData::modes() const {
  QStringList modes;
  for (const CompareRow& row : rows) {
    if (!modes.contains(row.mode)) modes << row.mode;
  }
  return modes;
}

std::vector<qint64> CompareData::sizes() const {
  std::vector<qint64> sizes;
  for (const CompareRow& row : rows) sizes.push_back(row.size);
  std::sort(sizes.begin(), sizes.end());
  sizes.erase(std::unique(sizes.begin(), sizes.end()), sizes.end());
  return sizes;
}

const CompareRow* CompareData::row(const QString& mode, qint64 size) const {
  for (const CompareRow& row : rows) {
    if (row.mode == mode && row.size == size) return &row;
  }
  return nullptr;
}

double CompareData::value(const CompareRow& row, CompareMetric metric) const {
  switch (metric) {
    case CompareMetric::copies_per_node:
      return row.copies_per_node;
    case CompareMetric::wire_bytes:
      return (row.payload_bytes + row.control_bytes) / broadcasts;
    case CompareMetric::last_delivery_ms:
      return row.last_delivery_ms;
    case CompareMetric::coverage:
      return row.coverage;
  }
  return 0;
}

}  // namespace rt::gui
