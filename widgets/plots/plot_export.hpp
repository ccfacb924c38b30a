// Saving any QCustomPlot of the studio as PNG, SVG or PDF, and the menu entries that ask for a
// file name. Plots provide their own CSV writer (they know their data).
#pragma once

#include <QString>
#include <QStringList>
#include <functional>
#include <vector>

class QCustomPlot;
class QMenu;
class QWidget;

namespace rt::gui {

// At the plot's on-screen size (or 1200x600 when it has never been shown).
bool savePlotPng(QCustomPlot* plot, const QString& path, QString* error = nullptr);
bool savePlotSvg(QCustomPlot* plot, const QString& path, QString* error = nullptr);
bool savePlotPdf(QCustomPlot* plot, const QString& path, QString* error = nullptr);

// Writes `rows` as CSV (fields quoted only when they hold a comma, quote or newline).
bool saveCsv(const QString& path, const std::vector<QStringList>& rows, QString* error = nullptr);

using CsvWriter = std::function<bool(const QString& path, QString* error)>;

// Adds "Export as PNG/SVG/PDF/CSV…" to `menu`. Each asks for a file name (suggesting
// `base_name` plus the extension) and reports a failure in a message box.
void addExportActions(QMenu* menu, QCustomPlot* plot, const QString& base_name, CsvWriter csv);

}  // namespace rt::gui
