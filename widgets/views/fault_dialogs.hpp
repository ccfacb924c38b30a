// Dialogs that ask for a fault's parameters: loss and delay for one node, and the groups of a
// partition (typed as "1,2,3/4,5" or checked as the ranks to cut off from the rest). They only
// ask and validate; the caller hands the result to the ClusterController.
#pragma once

#include <QDialog>
#include <optional>
#include <vector>

class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QListWidgetItem;

namespace rt::gui {

// Percentage of frames rank `rank` drops (0 clears it); nullopt when cancelled.
std::optional<double> askLossPercent(QWidget* parent, int rank);
// Milliseconds added to rank `rank`'s outbound frames (0 clears it); nullopt when cancelled.
std::optional<int> askDelayMs(QWidget* parent, int rank);

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
