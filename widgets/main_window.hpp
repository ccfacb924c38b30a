// The studio's main window. It only composes and wires the parts: the node table, traffic plot
// and event log as dock panels, the cluster toolbar and the status bar, all driven by a
// ClusterController that it does not own.
#pragma once

#include <QMainWindow>

namespace rt::gui {

class ClusterController;
class ClusterToolBar;
class EventLogModel;
class EventLogPanel;
class InspectorHub;
class NodeCommands;
class NodeTableModel;
class NodeTablePanel;
class ReplayBar;
class SessionStatusBar;
class StudioPlots;
class TrafficPlot;
class TreePanel;

class MainWindow : public QMainWindow {
  Q_OBJECT

 public:
  explicit MainWindow(ClusterController* controller, QWidget* parent = nullptr);

  NodeTableModel* nodeModel() const { return node_model_; }
  EventLogModel* logModel() const { return log_model_; }
  NodeTablePanel* nodePanel() const { return node_panel_; }
  TrafficPlot* trafficPlot() const { return traffic_plot_; }
  StudioPlots* plots() const { return plots_; }
  ClusterToolBar* clusterToolBar() const { return toolbar_; }
  InspectorHub* inspectors() const { return inspectors_; }
  TreePanel* treePanel() const { return tree_panel_; }
  // After this, closing the window closes it; before, a close asks for quitRequested() so the
  // cluster can be stopped first.
  void allowClose() { close_allowed_ = true; }
  ReplayBar* replayBar() const { return replay_bar_; }
  // Plays a recording in this window, closing the live session first if there is one.
  void openRecording(const QString& file);

 signals:
  void quitRequested();

 protected:
  void closeEvent(QCloseEvent* event) override;

 private:
  QDockWidget* addPanel(const QString& title, const QString& name, QWidget* panel,
                        Qt::DockWidgetArea area);
  void wireController();
  void wireCommands();
  void buildMenus();
  // Bandwidth, duplicates, coverage and mode comparison, tabbed with the traffic dock.
  void addPlots();
  // The live broadcast tree as the central widget, fed by the controller.
  void addTree();
  int commandRank() const;

  ClusterController* controller_;
  NodeTableModel* node_model_;
  EventLogModel* log_model_;
  NodeTablePanel* node_panel_;
  TrafficPlot* traffic_plot_;
  EventLogPanel* log_panel_;
  ClusterToolBar* toolbar_;
  SessionStatusBar* status_bar_;
  QDockWidget* nodes_dock_ = nullptr;
  QDockWidget* traffic_dock_ = nullptr;
  QDockWidget* log_dock_ = nullptr;
  ReplayBar* replay_bar_ = nullptr;
  StudioPlots* plots_ = nullptr;
  QList<QDockWidget*> plot_docks_;
  QDockWidget* compare_dock_ = nullptr;
  NodeCommands* node_commands_ = nullptr;  // node actions from the menu, toolbar and table
  InspectorHub* inspectors_ = nullptr;
  TreePanel* tree_panel_ = nullptr;  // the central widget
  bool close_allowed_ = false;
};

}  // namespace rt::gui
