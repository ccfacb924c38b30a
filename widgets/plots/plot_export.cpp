#include "plots/plot_export.hpp"

#include <qcustomplot.h>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QMenu>
#include <QMessageBox>
#include <QSvgGenerator>
#include <QTextStream>

namespace rt::gui {

namespace {

QSize exportSize(const QCustomPlot* plot) {
  const QSize size = plot->size();
  return size.width() >= 200 && size.height() >= 150 ? size : QSize(1200, 600);
}

bool fail(QString* error, const QString& reason) {
  if (error) *error = reason;
  return false;
}

}  // namespace

bool savePlotPng(QCustomPlot* plot, const QString& path, QString* error) {
  const QSize size = exportSize(plot);
  if (!plot->savePng(path, size.width(), size.height(), 1.0, -1, 96)) {
    return fail(error, QObject::tr("Cannot write %1").arg(path));
  }
  return true;
}

bool savePlotPdf(QCustomPlot* plot, const QString& path, QString* error) {
  const QSize size = exportSize(plot);
  if (!plot->savePdf(path, size.width(), size.height(), QCP::epNoCosmetic,
                     QStringLiteral("RainTree Studio"), plot->objectName())) {
    return fail(error, QObject::tr("Cannot write %1").arg(path));
  }
  return true;
}

bool savePlotSvg(QCustomPlot* plot, const QString& path, QString* error) {
  const QSize size = exportSize(plot);
  QSvgGenerator generator;
  generator.setFileName(path);
  generator.setSize(size);
  generator.setViewBox(QRect(QPoint(0, 0), size));
  generator.setTitle(plot->objectName());
  generator.setDescription(QStringLiteral("Exported by RainTree Studio"));
  QCPPainter painter;
  if (!painter.begin(&generator)) return fail(error, QObject::tr("Cannot write %1").arg(path));
  plot->toPainter(&painter, size.width(), size.height());
  painter.end();
  if (!QFileInfo(path).isFile() || QFileInfo(path).size() == 0) {
    return fail(error, QObject::tr("Cannot write %1").arg(path));
  }
  return true;
}

void addExportActions(QMenu* menu, QCustomPlot* plot, const QString& base_name, CsvWriter csv) {
  struct Format {
    QString label;
    QString extension;
    QString filter;
  };
  const Format formats[] = {
      {QObject::tr("Export as PNG…"), QStringLiteral("png"), QObject::tr("PNG image (*.png)")},
      {QObject::tr("Export as SVG…"), QStringLiteral("svg"), QObject::tr("SVG drawing (*.svg)")},
      {QObject::tr("Export as PDF…"), QStringLiteral("pdf"), QObject::tr("PDF document (*.pdf)")},
      {QObject::tr("Export data as CSV…"), QStringLiteral("csv"), QObject::tr("CSV (*.csv)")},
  };
  for (const Format& format : formats) {
    QAction* action = menu->addAction(format.label);
    QObject::connect(action, &QAction::triggered, plot, [plot, base_name, csv, format] {
      const QString suggested =
          QDir::home().filePath(base_name + QLatin1Char('.') + format.extension);
      const QString path =
          QFileDialog::getSaveFileName(plot, format.label, suggested, format.filter);
      if (path.isEmpty()) return;
      QString error;
      bool ok = false;
      if (format.extension == QLatin1String("png")) ok = savePlotPng(plot, path, &error);
      if (format.extension == QLatin1String("svg")) ok = savePlotSvg(plot, path, &error);
      if (format.extension == QLatin1String("pdf")) ok = savePlotPdf(plot, path, &error);
      if (format.extension == QLatin1String("csv")) ok = csv && csv(path, &error);
      if (!ok) QMessageBox::warning(plot, QObject::tr("Export failed"), error);
    });
  }
}

namespace {

QString csvField(const QString& field) {
  if (!field.contains(QLatin1Char(',')) && !field.contains(QLatin1Char('"')) &&
      !field.contains(QLatin1Char('\n'))) {
    return field;
  }
  QString quoted = field;
  quoted.replace(QLatin1String("\""), QLatin1String("\"\""));
  return QLatin1Char('"') + quoted + QLatin1Char('"');
}

}  // namespace

bool saveCsv(const QString& path, const std::vector<QStringList>& rows, QString* error) {
  QFile file(path);
  if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate | QIODevice::Text)) {
    if (error) *error = QObject::tr("Cannot write %1: %2").arg(path, file.errorString());
    return false;
  }
  QTextStream stream(&file);
  for (const QStringList& row : rows) {
    QStringList fields;
    fields.reserve(row.size());
    for (const QString& field : row) fields << csvField(field);
    stream << fields.join(QLatin1Char(',')) << '\n';
  }
  stream.flush();
  if (stream.status() != QTextStream::Ok) {
    if (error) *error = QObject::tr("Cannot write %1").arg(path);
    return false;
  }
  return true;
}

}  // namespace rt::gui
