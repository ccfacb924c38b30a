#include "main_window.hpp"

#include <QCloseEvent>
#include <QDockWidget>
#include <QMenuBar>

#include "models/event_log_model.hpp"
#include "models/node_table_model.hpp"
#include "plots/traffic_plot.hpp"
#include "session/cluster_controller.hpp"
#include "views/cluster_toolbar.hpp"
#include "views/event_log_panel.hpp"
#include "views/node_table_panel.hpp"
#include "views/session_status_bar.hpp"

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
  setStatusBar(status_bar_);

  // The tree view of issue 5 takes the centre; until then the panels share the whole window.
  nodes_dock_ =
      addPanel(tr("Cluster"), QStringLiteral("nodesDock"), node_panel_, Qt::TopDockWidgetArea);
  traffic_dock_ = addPanel(tr("Cluster traffic"), QStringLiteral("trafficDock"), traffic_plot_,
                           Qt::BottomDockWidgetArea);
  log_dock_ =
      addPanel(tr("Event log"), QStringLiteral("logDock"), log_panel_, Qt::BottomDockWidgetArea);
  splitDockWidget(traffic_dock_, log_dock_, Qt::Horizontal);
  resize(1440, 900);
  resizeDocks({nodes_dock_, traffic_dock_}, {520, 350}, Qt::Vertical);
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

void MainWindow::buildMenus() {
  QMenu* session = menuBar()->addMenu(tr("&Session"));
  session->addAction(toolbar_->broadcastAction());
  session->addSeparator();
  QAction* quit = session->addAction(tr("&Quit"), this, &MainWindow::close);
  quit->setShortcut(QKeySequence::Quit);

  QMenu* nodes = menuBar()->addMenu(tr("&Node"));
  nodes->addAction(toolbar_->killAction());
  nodes->addAction(toolbar_->pauseAction());
  nodes->addAction(toolbar_->resumeAction());

  QMenu* view = menuBar()->addMenu(tr("&View"));
  for (QDockWidget* dock : {nodes_dock_, traffic_dock_, log_dock_}) {
    view->addAction(dock->toggleViewAction());
  }
  view->addAction(toolbar_->toggleViewAction());
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
  connect(controller, &ClusterController::stateChanged, this,
          [this](ClusterController::State state) {
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

int MainWindow::commandRank() const {
  return node_panel_->selectedRank().value_or(1);
}

void MainWindow::wireCommands() {
  ClusterController* controller = controller_;
  connect(toolbar_, &ClusterToolBar::broadcastRequested, this,
          [this](std::size_t size) { controller_->broadcast(commandRank(), size); });
  connect(toolbar_, &ClusterToolBar::autoBroadcastChanged, controller,
          &ClusterController::setAutoBroadcast);
  connect(toolbar_, &ClusterToolBar::killRequested, this, [this] {
    if (auto rank = node_panel_->selectedRank()) controller_->kill(*rank);
  });
  connect(toolbar_, &ClusterToolBar::pauseRequested, this, [this] {
    if (auto rank = node_panel_->selectedRank()) controller_->pause(*rank);
  });
  connect(toolbar_, &ClusterToolBar::resumeRequested, this, [this] {
    if (auto rank = node_panel_->selectedRank()) controller_->resume(*rank);
  });
  connect(node_panel_, &NodeTablePanel::selectedRankChanged, this,
          [this](std::optional<int> rank) { toolbar_->setNodeSelected(rank.has_value()); });
  connect(node_panel_, &NodeTablePanel::broadcastRequested, this,
          [this](int rank) { controller_->broadcast(rank, toolbar_->payloadSize()); });
  connect(node_panel_, &NodeTablePanel::killRequested, controller, &ClusterController::kill);
  connect(node_panel_, &NodeTablePanel::pauseRequested, controller, &ClusterController::pause);
  connect(node_panel_, &NodeTablePanel::resumeRequested, controller, &ClusterController::resume);
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
