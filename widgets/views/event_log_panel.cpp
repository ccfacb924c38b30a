#include "views/event_log_panel.hpp"

#include <QHeaderView>
#include <QScrollBar>
#include <QTableView>
#include <QVBoxLayout>

#include "models/event_log_model.hpp"

namespace rt::gui {

EventLogPanel::EventLogPanel(EventLogModel* model, QWidget* parent)
    : QWidget(parent), model_(model), view_(new QTableView(this)) {
  view_->setObjectName(QStringLiteral("eventLog"));
  view_->setModel(model_);
  view_->setSelectionBehavior(QAbstractItemView::SelectRows);
  view_->setShowGrid(false);
  view_->setWordWrap(false);
  view_->setAlternatingRowColors(true);
  view_->verticalHeader()->hide();
  view_->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 6);
  view_->horizontalHeader()->setStretchLastSection(true);
  view_->horizontalHeader()->setHighlightSections(false);
  view_->horizontalHeader()->resizeSection(
      EventLogModel::TimeColumn,
      QFontMetrics(EventLogModel::timeFont()).horizontalAdvance(QStringLiteral("00:00:00.000")) +
          24);

  QScrollBar* scroll = view_->verticalScrollBar();
  connect(scroll, &QScrollBar::valueChanged, this,
          [this, scroll](int value) { follow_ = value >= scroll->maximum() - 2; });
  connect(model_, &QAbstractItemModel::rowsInserted, this, [this] {
    if (follow_) view_->scrollToBottom();
  });

  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  layout->addWidget(view_);
}

}  // namespace rt::gui
