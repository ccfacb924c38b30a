#include "views/fault_dialogs.hpp"

#include <QDialogButtonBox>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QVBoxLayout>
#include <set>

#include "cluster/faults.hpp"
#include "cluster/ranks.hpp"

namespace rt::gui {

std::optional<double> askLossPercent(QWidget* parent, int rank) {
  bool ok = false;
  const double percent = QInputDialog::getDouble(
      parent, QObject::tr("Loss on rank %1").arg(rank),
      QObject::tr("Percentage of frames rank %1 drops, inbound and outbound\n"
                  "(heartbeats are kept; 0 clears it):")
          .arg(rank),
      10.0, 0.0, 100.0, 1, &ok, Qt::WindowFlags(), 5.0);
  return ok ? std::optional<double>(percent) : std::nullopt;
}

std::optional<int> askDelayMs(QWidget* parent, int rank) {
  bool ok = false;
  const int ms =
      QInputDialog::getInt(parent, QObject::tr("Delay on rank %1").arg(rank),
                           QObject::tr("Milliseconds added to every frame rank %1 sends\n"
                                       "(heartbeats are not delayed; 0 clears it):")
                               .arg(rank),
                           200, 0, 60000, 50, &ok);
  return ok ? std::optional<int>(ms) : std::nullopt;
}

PartitionDialog::PartitionDialog(int nodes, const std::vector<int>& preset, QWidget* parent)
    : QDialog(parent),
      nodes_(nodes),
      text_(new QLineEdit(this)),
      ranks_(new QListWidget(this)),
      error_(new QLabel(this)),
      buttons_(new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this)) {
  setWindowTitle(tr("Partition the cluster"));
  auto* intro = new QLabel(
      tr("Groups of ranks separated by '/', e.g. 1,2,3/4,5: each group reaches only itself, and "
         "the ranks in no group form one more group. Checking ranks below makes them one group "
         "cut off from the rest."),
      this);
  intro->setWordWrap(true);
  text_->setObjectName(QStringLiteral("partitionGroups"));
  text_->setPlaceholderText(QStringLiteral("1,2,3/4,5"));
  text_->setClearButtonEnabled(true);
  ranks_->setObjectName(QStringLiteral("partitionRanks"));
  ranks_->setViewMode(QListView::IconMode);
  ranks_->setFlow(QListView::LeftToRight);
  ranks_->setWrapping(true);
  ranks_->setResizeMode(QListView::Adjust);
  ranks_->setMovement(QListView::Static);
  ranks_->setGridSize(QSize(fontMetrics().horizontalAdvance(QStringLiteral("000")) + 36,
                            fontMetrics().height() + 8));
  for (int rank = 1; rank <= nodes; ++rank) {
    auto* item = new QListWidgetItem(QString::number(rank), ranks_);
    item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsUserCheckable);
    item->setCheckState(Qt::Unchecked);
    item->setData(Qt::UserRole, rank);
  }
  error_->setObjectName(QStringLiteral("partitionError"));
  error_->setWordWrap(true);
  error_->setStyleSheet(QStringLiteral("color: #d33f3f;"));

  auto* layout = new QVBoxLayout(this);
  layout->addWidget(intro);
  layout->addWidget(text_);
  layout->addWidget(ranks_, 1);
  layout->addWidget(error_);
  layout->addWidget(buttons_);
  connect(buttons_, &QDialogButtonBox::accepted, this, &QDialog::accept);
  connect(buttons_, &QDialogButtonBox::rejected, this, &QDialog::reject);
  connect(text_, &QLineEdit::textChanged, this, &PartitionDialog::onTextChanged);
  connect(ranks_, &QListWidget::itemChanged, this, &PartitionDialog::onItemChanged);
  resize(520, 360);
  setGroupsText(QString::fromStdString(cluster::format_ranks(preset)));
  onTextChanged();  // also when the preset is empty: say what to do
}

void PartitionDialog::setGroupsText(const QString& text) {
  text_->setText(text);
}

QString PartitionDialog::groupsText() const {
  return text_->text();
}

QString PartitionDialog::errorText() const {
  return error_->text();
}

void PartitionDialog::onTextChanged() {
  std::string error;
  groups_.clear();
  const QString text = text_->text().trimmed();
  if (text.isEmpty()) {
    error = "check the ranks to cut off, or type groups such as 1,2,3/4,5";
  } else if (auto groups = cluster::parse_groups(text.toStdString(), nodes_, error)) {
    groups_ = std::move(*groups);  // checked as a partition too
  }
  error_->setText(groups_.empty() ? QString::fromStdString(error) : QString());
  buttons_->button(QDialogButtonBox::Ok)->setEnabled(!groups_.empty());
  if (syncing_) return;
  // A single group shows as the checked ranks; several groups leave the checks empty.
  const std::set<int> checked =
      groups_.size() == 1 ? std::set<int>(groups_[0].begin(), groups_[0].end()) : std::set<int>();
  syncing_ = true;
  for (int row = 0; row < ranks_->count(); ++row) {
    QListWidgetItem* item = ranks_->item(row);
    item->setCheckState(checked.count(item->data(Qt::UserRole).toInt()) ? Qt::Checked
                                                                        : Qt::Unchecked);
  }
  syncing_ = false;
}

void PartitionDialog::onItemChanged(QListWidgetItem*) {
  if (syncing_) return;
  std::vector<int> checked;
  for (int row = 0; row < ranks_->count(); ++row) {
    if (ranks_->item(row)->checkState() == Qt::Checked) {
      checked.push_back(ranks_->item(row)->data(Qt::UserRole).toInt());
    }
  }
  syncing_ = true;
  text_->setText(QString::fromStdString(cluster::format_ranks(checked)));
  syncing_ = false;
}

}  // namespace rt::gui
