#include "views/fault_dialogs.hpp"

#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QRadioButton>
#include <QStyle>
#include <QVBoxLayout>
#include <algorithm>
#include <set>

#include "cluster/faults.hpp"
#include "cluster/ranks.hpp"

namespace rt::gui {

namespace {

// The inline error line under a dialog's input.
QLabel* errorLabel(const QString& name, QWidget* parent) {
  auto* label = new QLabel(parent);
  label->setObjectName(name);
  label->setWordWrap(true);
  label->setStyleSheet(QStringLiteral("color: #d33f3f;"));
  return label;
}

QDialogButtonBox* okCancel(QDialog* dialog) {
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, dialog);
  QObject::connect(buttons, &QDialogButtonBox::accepted, dialog, &QDialog::accept);
  QObject::connect(buttons, &QDialogButtonBox::rejected, dialog, &QDialog::reject);
  return buttons;
}

}  // namespace

ImpairmentDialog::ImpairmentDialog(cluster::FaultKind kind, int rank, int nodes, QWidget* parent)
    : QDialog(parent),
      kind_(kind),
      rank_(rank),
      nodes_(nodes),
      amount_(new QDoubleSpinBox(this)),
      whole_node_(new QRadioButton(this)),
      links_only_(new QRadioButton(this)),
      peers_(new QLineEdit(this)),
      error_(errorLabel(QStringLiteral("impairmentError"), this)),
      buttons_(okCancel(this)) {
  const bool loss = kind == cluster::FaultKind::loss;
  setWindowTitle(loss ? tr("Loss on rank %1").arg(rank) : tr("Delay on rank %1").arg(rank));
  auto* intro =
      new QLabel(loss ? tr("Percentage of frames dropped (heartbeats are kept; 0 clears it):")
                      : tr("Milliseconds added to every frame sent (heartbeats are not delayed; "
                           "0 clears it):"),
                 this);
  intro->setWordWrap(true);
  amount_->setObjectName(QStringLiteral("impairmentAmount"));
  if (loss) {
    amount_->setRange(0, 100);
    amount_->setDecimals(1);
    amount_->setSingleStep(5);
    amount_->setSuffix(QStringLiteral(" %"));
    amount_->setValue(10);
  } else {
    amount_->setRange(0, 60000);
    amount_->setDecimals(0);
    amount_->setSingleStep(50);
    amount_->setSuffix(QStringLiteral(" ms"));
    amount_->setValue(200);
  }
  whole_node_->setObjectName(QStringLiteral("impairmentWholeNode"));
  whole_node_->setText(
      loss ? tr("On every frame rank %1 sends or receives (all its links)").arg(rank)
           : tr("On every frame rank %1 sends (all outbound links)").arg(rank));
  whole_node_->setChecked(true);
  links_only_->setObjectName(QStringLiteral("impairmentLinksOnly"));
  links_only_->setText(
      tr("Only on the links between rank %1 and these ranks (both directions):").arg(rank));
  if (!loss) links_only_->setToolTip(tr("A link's delay adds to the node's own delay"));
  peers_->setObjectName(QStringLiteral("impairmentPeers"));
  peers_->setPlaceholderText(QStringLiteral("2,3,7"));
  peers_->setClearButtonEnabled(true);
  peers_->setEnabled(false);

  auto* layout = new QVBoxLayout(this);
  layout->addWidget(intro);
  layout->addWidget(amount_);
  layout->addWidget(whole_node_);
  layout->addWidget(links_only_);
  auto* peers_row = new QHBoxLayout;  // indented under its radio button
  peers_row->setContentsMargins(style()->pixelMetric(QStyle::PM_ExclusiveIndicatorWidth) +
                                    style()->pixelMetric(QStyle::PM_RadioButtonLabelSpacing),
                                0, 0, 0);
  peers_row->addWidget(peers_);
  layout->addLayout(peers_row);
  layout->addWidget(error_);
  layout->addStretch(1);
  layout->addWidget(buttons_);
  connect(links_only_, &QRadioButton::toggled, this, [this](bool on) {
    peers_->setEnabled(on);
    if (on) peers_->setFocus();
    validate();
  });
  connect(peers_, &QLineEdit::textChanged, this, &ImpairmentDialog::validate);
  resize(460, sizeHint().height());
  validate();
}

void ImpairmentDialog::setAmount(double amount) {
  amount_->setValue(amount);
}

double ImpairmentDialog::amount() const {
  return amount_->value();
}

void ImpairmentDialog::setLinksOnly(bool on) {
  (on ? links_only_ : whole_node_)->setChecked(true);
}

bool ImpairmentDialog::linksOnly() const {
  return links_only_->isChecked();
}

void ImpairmentDialog::setPeersText(const QString& text) {
  peers_->setText(text);
}

QString ImpairmentDialog::peersText() const {
  return peers_->text();
}

QString ImpairmentDialog::errorText() const {
  return error_->text();
}

void ImpairmentDialog::validate() {
  std::string error;
  peer_ranks_.clear();
  if (linksOnly()) {
    const std::string text = peers_->text().trimmed().toStdString();
    if (text.empty()) {
      error = "type the ranks at the other end of the links, e.g. 2,3,7";
    } else if (auto ranks = cluster::parse_ranks(text, nodes_, error)) {
      if (std::find(ranks->begin(), ranks->end(), rank_) != ranks->end()) {
        error = "rank " + std::to_string(rank_) + " is this node: a link needs another rank";
      } else {
        peer_ranks_ = std::move(*ranks);
      }
    }
  }
  error_->setText(QString::fromStdString(error));
  buttons_->button(QDialogButtonBox::Ok)->setEnabled(error.empty());
}

std::vector<cluster::FaultStep> ImpairmentDialog::steps() const {
  if (!error_->text().isEmpty()) return {};
  cluster::FaultStep step{kind_};
  if (kind_ == cluster::FaultKind::loss) {
    step.percent = amount();
  } else {
    step.delay_ms = static_cast<int>(amount());
  }
  if (!linksOnly()) {
    step.ranks = {rank_};
    return {step};
  }
  std::vector<cluster::FaultStep> steps;
  for (int peer : peer_ranks_) {
    step.link = std::make_pair(rank_, peer);
    steps.push_back(step);
  }
  return steps;
}

std::vector<cluster::FaultStep> askImpairment(QWidget* parent, cluster::FaultKind kind, int rank,
                                              int nodes) {
  ImpairmentDialog dialog(kind, rank, nodes, parent);
  return dialog.exec() == QDialog::Accepted ? dialog.steps() : std::vector<cluster::FaultStep>{};
}

PartitionDialog::PartitionDialog(int nodes, const std::vector<int>& preset, QWidget* parent)
    : QDialog(parent),
      nodes_(nodes),
      text_(new QLineEdit(this)),
      ranks_(new QListWidget(this)),
      error_(errorLabel(QStringLiteral("partitionError"), this)),
      buttons_(okCancel(this)) {
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

  auto* layout = new QVBoxLayout(this);
  layout->addWidget(intro);
  layout->addWidget(text_);
  layout->addWidget(ranks_, 1);
  layout->addWidget(error_);
  layout->addWidget(buttons_);
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
