#include "main_window.hpp"

#include <QCloseEvent>
#include <QDockWidget>
#include <QFileDialog>
#include <QMenuBar>

#include "models/event_log_model.hpp"
#include "models/node_table_model.hpp"
#include "plots/bandwidth_plot.hpp"
#include "plots/compare_plot.hpp"
#include "plots/coverage_plot.hpp"
#include "plots/duplicates_plot.hpp"
#include "plots/studio_plots.hpp"
#include "plots/traffic_plot.hpp"
#include "session/cluster_controller.hpp"
#include "session/replay_driver.hpp"
#include "views/cluster_toolbar.hpp"
#include "views/event_log_panel.hpp"
#include "views/inspector/inspector_hub.hpp"
#include "views/node_actions.hpp"
#include "views/node_table_panel.hpp"
#include "views/replay_bar.hpp"
#include "views/session_status_bar.hpp"
#include "views/tree/tree_controls.hpp"
#include "views/tree/tree_panel.hpp"

namespace rt::gui {

MainWindow::MainWindow(ClusterController* controller, QWidget* parent)
    : QMainWindow(parent),
      controller_(controller),
      node_model_(new NodeTableModel(this)),
      log_model_(new EventLogModel(5000, this)),
      node_panel_(new NodeTablePanel(node_model_, this)),
      traffic_plot_(new TrafficPlot(this)),
      log_panel_(new EventLogPanel(log_model_, this)),
      toolbar_(new ClusterToolBar(this)),
      status_bar_(new SessionStatusBar(this)) {
  setObjectName(QStringLiteral("mainWindow"));
  setWindowTitle(tr("RainTree Studio"));
  setWindowIcon(QIcon(QStringLiteral(":/icons/raintree.svg")));
  setDockNestingEnabled(true);
  setDockOptions(AnimatedDocks | AllowNestedDocks | AllowTabbedDocks);
  addToolBar(Qt::TopToolBarArea, toolbar_);
  replay_bar_ = new ReplayBar(this);
  addToolBar(Qt::TopToolBarArea, replay_bar_);
  replay_bar_->hide();  // shown while a recording plays
  setStatusBar(status_bar_);

  // The live tree takes the centre; the node table sits on its left, traffic, plots and the
  // log share the bottom.
  addTree();
  nodes_dock_ =
      addPanel(tr("Cluster"), QStringLiteral("nodesDock"), node_panel_, Qt::LeftDockWidgetArea);
  traffic_dock_ = addPanel(tr("Cluster traffic"), QStringLiteral("trafficDock"), traffic_plot_,
                           Qt::BottomDockWidgetArea);
  log_dock_ =
      addPanel(tr("Event log"), QStringLiteral("logDock"), log_panel_, Qt::BottomDockWidgetArea);
  splitDockWidget(traffic_dock_, log_dock_, Qt::Horizontal);
  addPlots();
  resize(1440, 900);
  resizeDocks({nodes_dock_}, {420}, Qt::Horizontal);
  resizeDocks({traffic_dock_}, {250}, Qt::Vertical);
  resizeDocks({traffic_dock_, log_dock_}, {880, 560}, Qt::Horizontal);

  buildMenus();
  wireController();
  wireCommands();
}

QDockWidget* MainWindow::addPanel(const QString& title, const QString& name, QWidget* panel,
                                  Qt::DockWidgetArea area) {
  auto* dock = new QDockWidget(title, this);
  dock->setObjectName(name);
  dock->setWidget(panel);
  dock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable |
                    QDockWidget::DockWidgetClosable);
  addDockWidget(area, dock);
  return dock;
}

namespace {

NodeCondition conditionOf(NodeStatus status) {
  switch (status) {
    case NodeStatus::alive:
      return NodeCondition::alive;
    case NodeStatus::stopped:
      return NodeCondition::stopped;
    case NodeStatus::killed:
    case NodeStatus::exited:
      return NodeCondition::killed;
    case NodeStatus::muted:
      return NodeCondition::muted;
    case NodeStatus::partitioned:
      return NodeCondition::partitioned;
    default:
      return NodeCondition::unknown;  // starting, restarting, not answering
  }
}

}  // namespace

void MainWindow::addTree() {
  tree_panel_ = new TreePanel(this);
  setCentralWidget(tree_panel_);
  connect(controller_, &ClusterController::clusterReady, tree_panel_, &TreePanel::setCluster);
  connect(controller_, &ClusterController::eventsArrived, tree_panel_, &TreePanel::addEvents);
  connect(controller_, &ClusterController::nodeKilled, tree_panel_,
          [this](int rank) { tree_panel_->setNodeCondition(rank, NodeCondition::killed); });
  // The node table knows each node's status; the tree greys out those not taking part.
  connect(node_model_, &QAbstractItemModel::dataChanged, tree_panel_,
          [this](const QModelIndex& top, const QModelIndex& bottom) {
            if (top.column() > NodeTableModel::StatusColumn ||
                bottom.column() < NodeTableModel::StatusColumn) {
              return;
            }
            for (int row = top.row(); row <= bottom.row(); ++row) {
              const int rank = node_model_->rankAtRow(row);
              tree_panel_->setNodeCondition(rank, conditionOf(node_model_->statusOf(rank)));
            }
          });
}

void MainWindow::addPlots() {
  plots_ = new StudioPlots(this);
  const std::tuple<QString, QString, QWidget*> panels[] = {
      {tr("Bandwidth"), QStringLiteral("bandwidthDock"), plots_->bandwidth()},
      {tr("Duplicates"), QStringLiteral("duplicatesDock"), plots_->duplicates()},
      {tr("Coverage"), QStringLiteral("coverageDock"), plots_->coverage()},
      {tr("Mode comparison"), QStringLiteral("compareDock"), plots_->compare()},
  };
  for (const auto& [title, name, panel] : panels) {
    QDockWidget* dock = addPanel(title, name, panel, Qt::BottomDockWidgetArea);
    tabifyDockWidget(traffic_dock_, dock);
    plot_docks_ << dock;
  }
  compare_dock_ = plot_docks_.back();
  traffic_dock_->raise();  // hidden tabs are paused plots
  connect(controller_, &ClusterController::clusterReady, plots_, &StudioPlots::setCluster);
  connect(controller_, &ClusterController::samplesArrived, plots_, &StudioPlots::addSamples);
  connect(controller_, &ClusterController::eventsArrived, plots_, &StudioPlots::addEvents);
  connect(node_panel_, &NodeTablePanel::selectedRankChanged, plots_, &StudioPlots::setSelectedRank);
}

void MainWindow::buildMenus() {
  QMenu* file = menuBar()->addMenu(tr("&File"));
  file->addAction(tr("Open &recording…"), this, [this] {
    const QString path = QFileDialog::getOpenFileName(this, tr("Open a recording"), QString(),
                                                      tr("Recordings (*.rtrec);;All files (*)"));
    if (!path.isEmpty()) openRecording(path);
  });
  file->addAction(tr("Open &comparison…"), this, [this] {
    compare_dock_->show();
    compare_dock_->raise();
    plots_->compare()->openWithDialog();
  });
  QMenu* session = menuBar()->addMenu(tr("&Session"));
  session->addAction(toolbar_->broadcastAction());
  session->addSeparator();
  QAction* quit = session->addAction(tr("&Quit"), this, &MainWindow::close);
  quit->setShortcut(QKeySequence::Quit);

  QMenu* nodes = menuBar()->addMenu(tr("&Node"));
  nodes->setToolTipsVisible(true);
  for (const NodeActionEntry& entry : nodeActionLayout()) {
    if (entry.separator_before) nodes->addSeparator();
    nodes->addAction(toolbar_->nodeAction(entry.action));
  }

  QMenu* view = menuBar()->addMenu(tr("&View"));
  for (QDockWidget* dock : {nodes_dock_, traffic_dock_, log_dock_}) {
    view->addAction(dock->toggleViewAction());
  }
  for (QDockWidget* dock : plot_docks_) view->addAction(dock->toggleViewAction());
  view->addAction(toolbar_->toggleViewAction());
  view->addAction(tree_panel_->controls()->toggleViewAction());
}

void MainWindow::wireController() {
  ClusterController* controller = controller_;
  connect(controller, &ClusterController::clusterReady, this,
          [this](const cluster::ClusterInfo& cluster) {
            node_model_->setNodes(cluster.nodes);
            traffic_plot_->clear();
            setWindowTitle(tr("RainTree Studio — %1 nodes, %2 mode")
                               .arg(cluster.nodes.size())
                               .arg(QString::fromStdString(cluster.mode)));
          });
  connect(controller, &ClusterController::samplesArrived, this,
          [this](const std::vector<cluster::NodeSample>& samples) {
            node_model_->applySamples(samples);
            traffic_plot_->addSamples(samples);
          });
  connect(controller, &ClusterController::logged, this,
          [this](const std::vector<LogEntry>& entries) { log_model_->append(entries); });
  connect(controller, &ClusterController::nodeKilled, node_model_, &NodeTableModel::noteKilled);
  connect(controller, &ClusterController::faultRequested, node_model_,
          &NodeTableModel::noteFaultRequested);
  connect(controller, &ClusterController::faultsFinished, node_model_,
          &NodeTableModel::applyFaultOutcomes);
  connect(controller, &ClusterController::stateChanged, this,
          [this](ClusterController::State state) {
            const bool replaying = state == ClusterController::State::replaying;
            replay_bar_->setDriver(replaying ? controller_->replayDriver() : nullptr);
            replay_bar_->setVisible(replaying || controller_->replayDriver());
            toolbar_->setVisible(!replaying);
            status_bar_->setState(state, controller_->stateName());
            toolbar_->setClusterLive(state == ClusterController::State::live);
          });
  connect(controller, &ClusterController::statsChanged, status_bar_, &SessionStatusBar::setStats);
  connect(controller, &ClusterController::launchProgress, status_bar_,
          &SessionStatusBar::setLaunchProgress);
  connect(controller, &ClusterController::failed, this,
          [this](const QString& reason) { status_bar_->showMessage(reason); });
  status_bar_->setState(controller->state(), controller->stateName());
  toolbar_->setClusterLive(controller->state() == ClusterController::State::live);
}

void MainWindow::openRecording(const QString& file) {
  using State = ClusterController::State;
  const State state = controller_->state();
  if (state == State::idle || state == State::stopped || state == State::failed) {
    controller_->replay(file);
    return;
  }
  // A live session (or another recording) closes first; the nodes it launched are stopped.
  auto* once = new QObject(this);
  connect(controller_, &ClusterController::shutdownFinished, once, [this, once, file] {
    once->deleteLater();
    controller_->replay(file);
  });
  controller_->shutdown();
}

int MainWindow::commandRank() const {
  return node_panel_->selectedRank().value_or(1);
}

void MainWindow::wireCommands() {
  ClusterController* controller = controller_;
  connect(toolbar_, &ClusterToolBar::broadcastRequested, this,
          [this](std::size_t size) { controller_->broadcast(commandRank(), size); });
  connect(toolbar_, &ClusterToolBar::autoBroadcastChanged, controller,
          &ClusterController::setAutoBroadcast);
  node_commands_ = new NodeCommands(controller, this);
  inspectors_ = new InspectorHub(controller, node_model_, this);
  connect(node_commands_, &NodeCommands::inspectRequested, inspectors_, &InspectorHub::open);
  connect(node_commands_, &NodeCommands::deepQueuesRequested, inspectors_,
          &InspectorHub::showDeepQueues);
  connect(toolbar_, &ClusterToolBar::nodeActionRequested, this, [this](NodeAction action) {
    const int rank = node_panel_->selectedRank().value_or(0);
    if (rank > 0 || !nodeActionNeedsNode(action)) node_commands_->run(action, rank);
  });
  connect(node_panel_, &NodeTablePanel::selectedRankChanged, this,
          [this](std::optional<int> rank) { toolbar_->setNodeSelected(rank.has_value()); });
  connect(node_panel_, &NodeTablePanel::broadcastRequested, this,
          [this](int rank) { controller_->broadcast(rank, toolbar_->payloadSize()); });
  connect(node_panel_, &NodeTablePanel::actionRequested, node_commands_, &NodeCommands::run);
}

void MainWindow::closeEvent(QCloseEvent* event) {
  if (close_allowed_) {
    QMainWindow::closeEvent(event);
    return;
  }
  event->ignore();
  emit quitRequested();
}

}  // namespace rt::gui
