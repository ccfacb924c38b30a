#include "views/node_table_panel.hpp"

#include <QEvent>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLineEdit>
#include <QMenu>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QVBoxLayout>

#include "models/node_table_model.hpp"
#include "views/status_badge_delegate.hpp"

namespace rt::gui {

NodeTablePanel::NodeTablePanel(NodeTableModel* model, QWidget* parent)
    : QWidget(parent),
      model_(model),
      proxy_(new QSortFilterProxyModel(this)),
      filter_(new QLineEdit(this)),
      view_(new QTableView(this)) {
  proxy_->setSourceModel(model_);
  proxy_->setSortRole(NodeTableModel::SortRole);
  proxy_->setFilterKeyColumn(-1);
  proxy_->setFilterCaseSensitivity(Qt::CaseInsensitive);

  filter_->setPlaceholderText(tr("Filter nodes by rank, id, role or status"));
  filter_->setClearButtonEnabled(true);
  connect(filter_, &QLineEdit::textChanged, proxy_, &QSortFilterProxyModel::setFilterFixedString);

  view_->setModel(proxy_);
  view_->setObjectName(QStringLiteral("nodeTable"));
  view_->setSortingEnabled(true);
  view_->sortByColumn(NodeTableModel::RankColumn, Qt::AscendingOrder);
  view_->setSelectionBehavior(QAbstractItemView::SelectRows);
  view_->setSelectionMode(QAbstractItemView::SingleSelection);
  view_->setAlternatingRowColors(true);
  view_->setShowGrid(false);
  view_->setWordWrap(false);
  view_->verticalHeader()->hide();
  view_->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 8);
  view_->horizontalHeader()->setHighlightSections(false);
  view_->horizontalHeader()->setStretchLastSection(false);
  view_->viewport()->installEventFilter(this);
  view_->setItemDelegateForColumn(NodeTableModel::StatusColumn, new StatusBadgeDelegate(view_));
  view_->setContextMenuPolicy(Qt::CustomContextMenu);
  connect(view_, &QWidget::customContextMenuRequested, this, &NodeTablePanel::showContextMenu);
  connect(view_, &QAbstractItemView::doubleClicked, this, [this](const QModelIndex& index) {
    const int rank = index.data(NodeTableModel::RankRole).toInt();
    if (rank > 0) emit actionRequested(NodeAction::inspect, rank);
  });
  connect(view_->selectionModel(), &QItemSelectionModel::selectionChanged, this,
          [this] { emit selectedRankChanged(selectedRank()); });
  connect(model_, &QAbstractItemModel::modelReset, this,
          [this] { emit selectedRankChanged(selectedRank()); });
  computeColumnWidths();
  fitColumns();

  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  layout->setSpacing(4);
  layout->addWidget(filter_);
  layout->addWidget(view_);
}

void NodeTablePanel::computeColumnWidths() {
  // Wide enough for the header and for the widest value a 16-300 node cluster shows.
  static const char* const widest[NodeTableModel::ColumnCount] = {
      "300",    "dddddddd", "validator", "",       "4194304",   "299 / 299",
      "100000", "100000",   "100000",    "100000", "999.9 MiB", "999.9 MiB"};
  const QHeaderView* header = view_->horizontalHeader();
  QFont bold = header->font();
  bold.setBold(true);
  const QFontMetrics header_metrics(bold);
  const QFontMetrics cell_metrics(view_->font());
  const QFontMetrics id_metrics(
      model_->headerData(NodeTableModel::IdColumn, Qt::Horizontal, NodeTableModel::CellFontRole)
          .value<QFont>());
  for (int column = 0; column < NodeTableModel::ColumnCount; ++column) {
    const QString title = model_->headerData(column, Qt::Horizontal).toString();
    const QFontMetrics& metrics = column == NodeTableModel::IdColumn ? id_metrics : cell_metrics;
    int width = std::max(header_metrics.horizontalAdvance(title) + 28,
                         metrics.horizontalAdvance(QString::fromLatin1(widest[column])) + 32);
    if (column == NodeTableModel::StatusColumn) {
      width =
          std::max(width, header_metrics.horizontalAdvance(QStringLiteral("not answering")) + 28);
    }
    base_widths_.push_back(width);
  }
}

void NodeTablePanel::fitColumns() {
  // The base widths, scaled up to fill the view when it is wider than they need. The user can
  // still drag a column; the next resize of the panel spreads them again.
  QHeaderView* header = view_->horizontalHeader();
  const int available = view_->viewport()->width();
  int total = 0;
  for (int width : base_widths_) total += width;
  const double factor = total > 0 && available > total ? double(available) / total : 1.0;
  int used = 0;
  for (int column = 0; column < NodeTableModel::ColumnCount; ++column) {
    int width = static_cast<int>(base_widths_[static_cast<std::size_t>(column)] * factor);
    if (column == NodeTableModel::ColumnCount - 1 && factor > 1.0) width = available - used;
    header->resizeSection(column, width);
    used += width;
  }
}

bool NodeTablePanel::eventFilter(QObject* watched, QEvent* event) {
  if (watched == view_->viewport() && event->type() == QEvent::Resize) fitColumns();
  return QWidget::eventFilter(watched, event);
}

std::optional<int> NodeTablePanel::selectedRank() const {
  const QModelIndexList rows = view_->selectionModel()->selectedRows();
  if (rows.isEmpty()) return std::nullopt;
  const int rank = rows.front().data(NodeTableModel::RankRole).toInt();
  return rank > 0 ? std::optional<int>(rank) : std::nullopt;
}

void NodeTablePanel::showContextMenu(const QPoint& position) {
  const QModelIndex index = view_->indexAt(position);
  if (!index.isValid()) return;
  const int rank = index.data(NodeTableModel::RankRole).toInt();
  const auto status = static_cast<NodeStatus>(index.data(NodeTableModel::StatusRole).toInt());
  QMenu menu(this);
  menu.addSection(tr("Rank %1 (%2)").arg(rank).arg(statusName(status)));
  QAction* broadcast = menu.addAction(tr("Broadcast from this node"));
  broadcast->setEnabled(isAnswering(status));
  for (const NodeActionEntry& entry : nodeActionLayout()) {
    if (entry.separator_before) menu.addSeparator();
    QAction* action = menu.addAction(nodeActionText(entry.action));
    action->setToolTip(nodeActionToolTip(entry.action));
    action->setEnabled(nodeActionAllowed(entry.action, status));
    action->setData(static_cast<int>(entry.action));
  }
  menu.setToolTipsVisible(true);
  QAction* chosen = menu.exec(view_->viewport()->mapToGlobal(position));
  if (!chosen) return;
  if (chosen == broadcast) {
    emit broadcastRequested(rank);
  } else {
    emit actionRequested(static_cast<NodeAction>(chosen->data().toInt()), rank);
  }
}

}  // namespace rt::gui
