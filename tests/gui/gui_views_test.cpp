// The panels and the main window with synthetic data: selection through the sorted proxy,
// filtering, column widths, badge painting, and the toolbar's enabled state.
#include <QAction>
#include <QHeaderView>
#include <QLineEdit>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QtTest>

#include "main_window.hpp"
#include "models/event_log_model.hpp"
#include "models/node_table_model.hpp"
#include "session/cluster_controller.hpp"
#include "studio_theme.hpp"
#include "views/cluster_toolbar.hpp"
#include "views/node_table_panel.hpp"

using rt::gui::ClusterController;
using rt::gui::ClusterToolBar;
using rt::gui::MainWindow;
using rt::gui::NodeTableModel;
using rt::gui::NodeTablePanel;

namespace {

std::vector<rt::cluster::NodeInfo> makeNodes(int count) {
  std::vector<rt::cluster::NodeInfo> nodes;
  for (int rank = 1; rank <= count; ++rank) {
    rt::NodeId::Bytes bytes{};
    bytes[0] = static_cast<std::uint8_t>(rank * 16);
    rt::cluster::NodeInfo node;
    node.rank = rank;
    node.id = rt::NodeId(bytes);
    node.pid = 500 + rank;
    nodes.push_back(node);
  }
  return nodes;
}

rt::cluster::NodeSample sample(int rank, std::uint64_t delivered, bool stopped = false) {
  rt::cluster::NodeSample s;
  s.rank = rank;
  s.process_alive = true;
  s.answering = !stopped;
  s.stopped = stopped;
  s.delivered = delivered;
  return s;
}

}  // namespace

class ViewsTest : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() { rt::gui::initResources(); }

  void panelSelectsThroughTheSortedProxy() {
    NodeTableModel model;
    NodeTablePanel panel(&model);
    panel.resize(1200, 400);
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    model.setNodes(makeNodes(6));
    model.applySamples({sample(1, 1), sample(2, 9), sample(3, 4), sample(4, 2, true)});
    QVERIFY(!panel.selectedRank());

    panel.view()->sortByColumn(NodeTableModel::DeliveredColumn, Qt::DescendingOrder);
    QSignalSpy selected(&panel, &NodeTablePanel::selectedRankChanged);
    panel.view()->selectRow(0);
    QCOMPARE(panel.selectedRank(), std::optional<int>(2));
    QCOMPARE(selected.count(), 1);

    // Filtering by status keeps only the stopped node.
    panel.findChild<QLineEdit*>()->setText("stopped");
    QCOMPARE(panel.proxy()->rowCount(), 1);
    panel.view()->selectRow(0);
    QCOMPARE(panel.selectedRank(), std::optional<int>(4));

    // A new cluster clears the selection.
    model.setNodes(makeNodes(2));
    QVERIFY(!panel.selectedRank());
  }

  void columnsFillTheViewAndFitTheirContent() {
    NodeTableModel model;
    NodeTablePanel panel(&model);
    panel.resize(1400, 300);
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    model.setNodes(makeNodes(3));
    QHeaderView* header = panel.view()->horizontalHeader();
    QTRY_VERIFY(header->length() >= panel.view()->viewport()->width() - 2);
    const QFontMetrics metrics(
        model.headerData(NodeTableModel::IdColumn, Qt::Horizontal, NodeTableModel::CellFontRole)
            .value<QFont>());
    QVERIFY(header->sectionSize(NodeTableModel::IdColumn) > metrics.horizontalAdvance("dddddddd"));
    // Narrow: the base widths stay and the view scrolls instead of squeezing.
    panel.resize(500, 300);
    QTRY_VERIFY(header->length() > panel.view()->viewport()->width());
  }

  void badgesPaint() {
    NodeTableModel model;
    NodeTablePanel panel(&model);
    panel.resize(1000, 300);
    model.setNodes(makeNodes(3));
    model.applySamples({sample(1, 1), sample(2, 1, true)});
    const QImage image = panel.grab().toImage();
    QVERIFY(!image.isNull());
    // Somewhere in the status column is the green of "alive".
    const int x0 = panel.view()->columnViewportPosition(NodeTableModel::StatusColumn);
    const QPoint origin = panel.view()->viewport()->mapTo(&panel, QPoint(0, 0));
    bool green = false;
    for (int y = 0; y < panel.view()->rowHeight(0) && !green; ++y) {
      for (int x = x0; x < x0 + 60 && !green; ++x) {
        const QColor c = image.pixelColor(origin + QPoint(x, y));
        green = c.green() > 140 && c.red() < 80 && c.blue() < 120;
      }
    }
    QVERIFY(green);
  }

  void toolbarFollowsSessionAndSelection() {
    ClusterToolBar toolbar;
    QVERIFY(!toolbar.broadcastAction()->isEnabled());
    toolbar.setClusterLive(true);
    QVERIFY(toolbar.broadcastAction()->isEnabled());
    QVERIFY(!toolbar.killAction()->isEnabled());
    toolbar.setNodeSelected(true);
    QVERIFY(toolbar.killAction()->isEnabled());
    QVERIFY(toolbar.pauseAction()->isEnabled());
    QVERIFY(toolbar.resumeAction()->isEnabled());
    QSignalSpy rate(&toolbar, &ClusterToolBar::autoBroadcastChanged);
    toolbar.setAutoRate(2.5);
    QCOMPARE(rate.count(), 1);
    QCOMPARE(rate.at(0).at(0).toDouble(), 2.5);
    QSignalSpy broadcast(&toolbar, &ClusterToolBar::broadcastRequested);
    toolbar.broadcastAction()->trigger();
    QCOMPARE(broadcast.count(), 1);
    QCOMPARE(broadcast.at(0).at(0).value<std::size_t>(), std::size_t(1024));
  }

  void mainWindowShowsControllerData() {
    ClusterController controller;
    MainWindow window(&controller);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    rt::cluster::ClusterInfo info;
    info.mode = "random";
    info.nodes = makeNodes(4);
    emit controller.clusterReady(info);
    QCOMPARE(window.nodeModel()->rowCount(), 4);
    QVERIFY(window.windowTitle().contains("4 nodes"));
    emit controller.samplesArrived({sample(1, 3), sample(2, 3)});
    QCOMPARE(window.nodeModel()->answeringCount(), 2);
    emit controller.logged({{QDateTime::currentDateTime(), rt::gui::LogLevel::info, "hello"}});
    QCOMPARE(window.logModel()->rowCount(), 1);
    // Closing asks for the cluster to be stopped first.
    QSignalSpy quit(&window, &MainWindow::quitRequested);
    QVERIFY(!window.close());
    QCOMPARE(quit.count(), 1);
    QVERIFY(window.isVisible());
    window.allowClose();
    QVERIFY(window.close());
  }
};

QTEST_MAIN(ViewsTest)
#include "gui_views_test.moc"
