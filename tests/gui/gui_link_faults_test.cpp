// Loss and delay on some links of a node: the ImpairmentDialog checks its ranks with the lab's
// parser (OK only while they are valid, the reason shown inline) and turns them into one
// `--link A,B` step per rank; applied through the ClusterController on a real 3-node cluster,
// such a step shows in the event log and in the nodes' own `status` faults.
#include <QDialogButtonBox>
#include <QLabel>
#include <QPushButton>
#include <QSignalSpy>
#include <QtTest>
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <optional>

#include "cluster/control_client.hpp"
#include "cluster/faults.hpp"
#include "gui_test_support.hpp"
#include "session/cluster_controller.hpp"
#include "studio_theme.hpp"
#include "views/fault_dialogs.hpp"

using rt::cluster::FaultKind;
using rt::cluster::FaultStep;
using rt::gui::ClusterController;
using rt::gui::ImpairmentDialog;
using rt::gui::test::kNodeBinary;
using rt::gui::test::saveShot;

namespace {

constexpr int kNodes = 3;

QPushButton* okButton(QDialog& dialog) {
  return dialog.findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok);
}

// The network faults a node reports in its `status` answer (a fresh connection each time);
// nullopt when it does not answer.
std::optional<rt::cluster::NodeFaults> faultsOf(const rt::cluster::NodeInfo& node) {
  using std::chrono::milliseconds;
  std::string error;
  auto client =
      rt::cluster::ControlClient::connect(node, milliseconds(2000), error);
  if (!client) return std::nullopt;
  const auto status = client->request({{"cmd", "status"}}, milliseconds(3000), error);
  if (!status || !status->value("ok", false)) return std::nullopt;
  return rt::cluster::parse_node_faults(status->value("faults", nlohmann::json::object()));
}

bool anyContains(const QStringList& lines, const QString& text) {
  return std::any_of(lines.begin(), lines.end(),
                     [&](const QString& line) { return line.contains(text); });
}

}  // namespace

class StudioLinkFaultsTest : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() { rt::gui::initResources(); }

  void wholeNodeIsTheDefault() {
    ImpairmentDialog dialog(FaultKind::loss, 3, 9);
    QVERIFY(!dialog.linksOnly());
    QVERIFY(okButton(dialog)->isEnabled());
    QVERIFY(dialog.errorText().isEmpty());
    dialog.setAmount(25);
    dialog.setPeersText(QStringLiteral("nonsense"));  // not used for the whole node
    const std::vector<FaultStep> steps = dialog.steps();
    QCOMPARE(steps.size(), std::size_t(1));
    QVERIFY(steps[0].kind == FaultKind::loss);
    QCOMPARE(steps[0].ranks, std::vector<int>{3});
    QVERIFY(!steps[0].link);
    QCOMPARE(steps[0].percent, 25.0);
  }

  void linkRanksAreValidatedLikeTheLab() {
    ImpairmentDialog dialog(FaultKind::loss, 3, 9);
    dialog.setLinksOnly(true);
    QPushButton* ok = okButton(dialog);
    auto* error = dialog.findChild<QLabel*>(QStringLiteral("impairmentError"));
    QVERIFY(error);
    QVERIFY(!ok->isEnabled());  // no ranks yet: says what to type
    QVERIFY(!dialog.errorText().isEmpty());
    QVERIFY(dialog.steps().empty());

    const std::pair<const char*, const char*> bad[] = {
        {"2,x", "\"x\" is not a rank"},    {"2,12", "rank 12 is outside 1..9"},
        {"2,2", "rank 2 is listed twice"}, {"2,,4", "empty rank"},
        {"2,3", "rank 3 is this node"},
    };
    for (const auto& [text, reason] : bad) {
      dialog.setPeersText(QString::fromLatin1(text));
      QVERIFY2(!ok->isEnabled(), text);
      QVERIFY2(dialog.errorText().contains(QLatin1String(reason)), qPrintable(dialog.errorText()));
      QCOMPARE(error->text(), dialog.errorText());
      QVERIFY(dialog.steps().empty());
    }

    dialog.show();
    saveShot(dialog, "link-loss-dialog-error.png");
    dialog.setPeersText(QStringLiteral("2,7,9"));
    QVERIFY(ok->isEnabled());
    QVERIFY(dialog.errorText().isEmpty());
    dialog.setAmount(40);
    const std::vector<FaultStep> steps = dialog.steps();
    QCOMPARE(steps.size(), std::size_t(3));
    const int peers[] = {2, 7, 9};
    for (std::size_t i = 0; i < steps.size(); ++i) {
      QVERIFY(steps[i].kind == FaultKind::loss);
      QVERIFY(steps[i].ranks.empty());
      QVERIFY(steps[i].link == std::make_pair(3, peers[i]));
      QCOMPARE(steps[i].percent, 40.0);
    }
    saveShot(dialog, "link-loss-dialog.png");

    // Back to the whole node: the typed ranks no longer matter.
    dialog.setPeersText(QStringLiteral("3"));
    QVERIFY(!ok->isEnabled());
    dialog.setLinksOnly(false);
    QVERIFY(ok->isEnabled());
    QCOMPARE(dialog.steps().size(), std::size_t(1));
  }

  void delayTakesWholeMilliseconds() {
    ImpairmentDialog dialog(FaultKind::delay, 1, 4);
    dialog.setAmount(250);
    dialog.setLinksOnly(true);
    dialog.setPeersText(QStringLiteral("4"));
    const std::vector<FaultStep> steps = dialog.steps();
    QCOMPARE(steps.size(), std::size_t(1));
    QVERIFY(steps[0].kind == FaultKind::delay);
    QVERIFY(steps[0].link == std::make_pair(1, 4));
    QCOMPARE(steps[0].delay_ms, 250);
    dialog.setAmount(70000);  // clamped to the node's limit
    QCOMPARE(dialog.steps()[0].delay_ms, 60000);
  }

  void linkDelayShowsInTheNodesStatus() {
    if (!std::filesystem::exists(kNodeBinary)) {
      QSKIP("raintree-node is not built next to the tests");
    }
    ClusterController controller;
    QStringList log;
    std::vector<rt::cluster::FaultOutcome> outcomes;
    connect(&controller, &ClusterController::logged, this,
            [&log](const std::vector<rt::gui::LogEntry>& entries) {
              for (const rt::gui::LogEntry& entry : entries) log << entry.text;
            });
    connect(&controller, &ClusterController::faultsFinished, this,
            [&outcomes](const std::vector<rt::cluster::FaultOutcome>& finished) {
              outcomes.insert(outcomes.end(), finished.begin(), finished.end());
            });
    rt::cluster::LaunchOptions options;
    options.nodes = kNodes;
    options.mode = "random";
    options.node_binary = kNodeBinary;
    controller.launch(options);
    QTRY_COMPARE_WITH_TIMEOUT(controller.state(), ClusterController::State::live, 20000);
    const rt::cluster::ClusterInfo cluster = *controller.cluster();

    // Delay on rank 1's link to rank 2 only, as the node menu's dialog hands it over.
    ImpairmentDialog dialog(FaultKind::delay, 1, kNodes);
    dialog.setAmount(300);
    dialog.setLinksOnly(true);
    dialog.setPeersText(QStringLiteral("2"));
    for (const FaultStep& step : dialog.steps()) controller.fault(step);
    QVERIFY(anyContains(log, QStringLiteral("Delay 300 ms on link 1-2")));  // the request
    QTRY_COMPARE_WITH_TIMEOUT(outcomes.size(), std::size_t(1), 10000);
    QVERIFY2(outcomes[0].ok, outcomes[0].message.c_str());
    QTRY_VERIFY_WITH_TIMEOUT(anyContains(log, QStringLiteral("delay 300 ms on link 1-2")), 5000);

    // Both ends hold the link fault towards each other; rank 3 and the nodes' own delay are
    // untouched.
    const auto one = faultsOf(cluster.nodes[0]);
    const auto two = faultsOf(cluster.nodes[1]);
    const auto three = faultsOf(cluster.nodes[2]);
    QVERIFY(one && two && three);
    const std::string hex1 = cluster.nodes[0].id.hex(), hex2 = cluster.nodes[1].id.hex();
    QCOMPARE(one->links.size(), std::size_t(1));
    QVERIFY(one->links.count(hex2));
    QCOMPARE(one->links.at(hex2).delay_ms, 300);
    QCOMPARE(one->links.at(hex2).loss_percent, 0.0);
    QCOMPARE(one->delay_ms, 0);
    QCOMPARE(two->links.size(), std::size_t(1));
    QVERIFY(two->links.count(hex1));
    QCOMPARE(two->links.at(hex1).delay_ms, 300);
    QVERIFY(three->clean());

    QSignalSpy stopped(&controller, &ClusterController::shutdownFinished);
    controller.shutdown();
    QTRY_COMPARE_WITH_TIMEOUT(stopped.count(), 1, 20000);
  }
};

QTEST_MAIN(StudioLinkFaultsTest)
#include "gui_link_faults_test.moc"
