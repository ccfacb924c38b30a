#include "studio_theme.hpp"

#include <QApplication>
#include <QFile>
#include <QFont>
#include <QIcon>
#include <QPalette>
#include <QStyle>
#include <QStyleFactory>

// Q_INIT_RESOURCE must be used outside any namespace; it also keeps the linker from dropping
// the resources compiled into this static library.
static void initStudioResources() {
  Q_INIT_RESOURCE(resources);
}

namespace rt::gui {

void initResources() {
  initStudioResources();
}

void applyStudioTheme(QApplication& app) {
  initResources();
  app.setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
  QFont font(QStringLiteral("DejaVu Sans"));
  font.setStyleHint(QFont::SansSerif);
  font.setPointSizeF(10);
  app.setFont(font);

  QPalette palette = app.style()->standardPalette();
  palette.setColor(QPalette::Window, QColor(0xf4, 0xf6, 0xf8));
  palette.setColor(QPalette::Base, Qt::white);
  palette.setColor(QPalette::AlternateBase, QColor(0xf2, 0xf5, 0xf9));
  palette.setColor(QPalette::Highlight, QColor(0x1e, 0x6f, 0xd9));
  palette.setColor(QPalette::HighlightedText, Qt::white);
  palette.setColor(QPalette::ToolTipBase, QColor(0xff, 0xff, 0xe8));
  app.setPalette(palette);

  QFile sheet(QStringLiteral(":/theme/studio.qss"));
  if (sheet.open(QIODevice::ReadOnly | QIODevice::Text)) {
    app.setStyleSheet(QString::fromUtf8(sheet.readAll()));
  }
  app.setWindowIcon(QIcon(QStringLiteral(":/icons/raintree.svg")));
}

}  // namespace rt::gui
