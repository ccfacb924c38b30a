// The tree view end to end: 27 real raintree nodes launched by the ClusterController, one
// broadcast, and the MainWindow's tree panel drawing it from the live event feed; then the
// cluster is shut down leaving no process behind.
#include <QtTest>
#include <filesystem>

#include "main_window.hpp"
#include "session/cluster_controller.hpp"
#include "studio_theme.hpp"
#include "views/tree/tree_panel.hpp"

using rt::gui::ClusterController;
using rt::gui::MainWindow;
using rt::gui::TreePanel;

namespace {

constexpr int kNodes = 27;
const std::filesystem::path kNodeBinary = std::filesystem::path(RT_BIN_DIR) / "raintree-node";

}  // namespace

class TreeLiveTest : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    if (!std::filesystem::exists(kNodeBinary)) {
      QSKIP("raintree-node is not built next to the tests");
    }
    rt::gui::initResources();
  }

  void drawsALiveRaintreeBroadcast() {
    ClusterController controller;
    MainWindow window(&controller);
    window.show();
    TreePanel* tree = window.treePanel();
    QVERIFY(tree);
    QCOMPARE(window.centralWidget(), static_cast<QWidget*>(tree));

    rt::cluster::LaunchOptions options;
    options.nodes = kNodes;
    options.mode = "raintree";
    options.node_binary = kNodeBinary;
    controller.launch(options);
    QTRY_COMPARE_WITH_TIMEOUT(controller.state(), ClusterController::State::live, 30000);
    QTRY_COMPARE_WITH_TIMEOUT(tree->nodeItemCount(), kNodes, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(controller.stats().answering, kNodes, 15000);

    controller.broadcast(5, 512);
    QTRY_VERIFY_WITH_TIMEOUT(tree->trace() && tree->trace()->latest() &&
                                 tree->trace()->latest()->delivered_count == kNodes,
                             15000);
    QCOMPARE(tree->trace()->latest()->origin, 5);
    // The frame timer animates it: glyphs fly and edges land.
    QTRY_VERIFY_WITH_TIMEOUT(tree->animatedCount() > 0, 10000);
    QTRY_VERIFY_WITH_TIMEOUT(tree->view()->edgeCount() > 0, 10000);
    QCOMPARE(tree->view()->shownBroadcast(), tree->trace()->latest()->id);

    QSignalSpy finished(&controller, &ClusterController::shutdownFinished);
    controller.shutdown();
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 30000);
  }
};

QTEST_MAIN(TreeLiveTest)
#include "gui_tree_live_test.moc"
