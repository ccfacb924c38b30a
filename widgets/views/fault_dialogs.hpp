// Dialogs that ask for a fault's parameters: loss or delay on one node (on all its links or on
// the links to some ranks), and the groups of a partition (typed as "1,2,3/4,5" or checked as
// the ranks to cut off from the rest). They only ask and validate; the caller hands the result
// to the ClusterController.
#pragma once

#include <QDialog>
#include <vector>

#include "cluster/scenario.hpp"

class QDialogButtonBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QListWidgetItem;
class QRadioButton;

namespace rt::gui {

// Loss (percent of frames dropped) or delay (milliseconds added) on node `rank`: either on the
// whole node, as `raintree-lab fault loss RANKS` sets it, or only on the links between it and
// the ranks typed as RANKS ("2,3,7"), one `--link A,B` step per rank (both directions). 0
// clears it.
class ImpairmentDialog : public QDialog {
  Q_OBJECT

 public:
  // `kind`: cluster::FaultKind::loss or cluster::FaultKind::delay; `nodes`: the cluster's size.
  ImpairmentDialog(cluster::FaultKind kind, int rank, int nodes, QWidget* parent = nullptr);

  void setAmount(double amount);  // percent or milliseconds
  double amount() const;
  // False: the whole node; true: only the links to peersText()'s ranks.
  void setLinksOnly(bool on);
  bool linksOnly() const;
  void setPeersText(const QString& text);
  QString peersText() const;
  QString errorText() const;
  // What to hand to ClusterController::fault(), in order; empty while the input is not valid.
  std::vector<cluster::FaultStep> steps() const;

 private:
  void validate();

  cluster::FaultKind kind_;
  int rank_;
  int nodes_;
  QDoubleSpinBox* amount_;
  QRadioButton* whole_node_;
  QRadioButton* links_only_;
  QLineEdit* peers_;
  QLabel* error_;
  QDialogButtonBox* buttons_;
  std::vector<int> peer_ranks_;  // valid while the error is empty
};

// Runs an ImpairmentDialog; its steps, or none when cancelled.
std::vector<cluster::FaultStep> askImpairment(QWidget* parent, cluster::FaultKind kind, int rank,
                                              int nodes);

class PartitionDialog : public QDialog {
  Q_OBJECT

 public:
  // `preset`: ranks checked at first (one group cut off from the rest).
  PartitionDialog(int nodes, const std::vector<int>& preset, QWidget* parent = nullptr);

  void setGroupsText(const QString& text);
  QString groupsText() const;
  // The groups as cluster::parse_groups reads them; empty while the text is not valid.
  const std::vector<std::vector<int>>& groups() const { return groups_; }
  QString errorText() const;

 private:
  void onTextChanged();
  void onItemChanged(QListWidgetItem* item);

  int nodes_;
  QLineEdit* text_;
  QListWidget* ranks_;
  QLabel* error_;
  QDialogButtonBox* buttons_;
  std::vector<std::vector<int>> groups_;
  bool syncing_ = false;  // one side is updating the other
};

}  // namespace rt::gui
