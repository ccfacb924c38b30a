// raintree-studio: the composition root of the GUI. Parses the command line, builds the
// ClusterController and the MainWindow, launches or attaches, and (for scripts and README
// screenshots) grabs the window once traffic has been plotted and quits on a deadline.
#include <CLI/CLI.hpp>
#include <QApplication>
#include <QElapsedTimer>
#include <QPixmap>
#include <QSocketNotifier>
#include <QTimer>
#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include <fcntl.h>
#include <unistd.h>

#include "bench/studio_bench.hpp"
#include "bench/timed_application.hpp"
#include "cluster/netns.hpp"
#include "main_window.hpp"
#include "plots/compare_plot.hpp"
#include "plots/studio_plots.hpp"
#include "plots/traffic_plot.hpp"
#include "session/cluster_controller.hpp"
#include "session/scenario_player.hpp"
#include "studio_theme.hpp"
#include "views/cluster_toolbar.hpp"
#include "views/inspector/inspector_hub.hpp"
#include "views/inspector/inspector_window.hpp"
#include "views/tree/tree_panel.hpp"

namespace {

struct StudioOptions {
  int nodes = 16;
  std::string mode = "random";
  std::string attach;
  std::string screenshot;
  std::string plots_dir;
  std::string compare;
  double quit_after = 0;
  int inspect = 0;
  std::string layout = "ring";
  std::string replay;
  std::string scenario;
  double after = 0;  // with --screenshot: seconds after the session is up
  double bench = 0;  // seconds of simulated load to measure
  double bench_rate = 10000;
  bool netns = false;     // launched nodes in network namespaces of their own (root)
  std::string link_rate;  // with netns: every node's link capped (tc tbf), e.g. "10mbit"
};

// Seconds of non-zero cluster traffic the plot shows before the screenshot is taken.
constexpr int kScreenshotTrafficSeconds = 4;
// One every 4 s: the animation of a 27-node broadcast with its IGYM cleanup takes about 3 s,
// so a screenshot shows a whole tree being drawn, not a view skipping to keep up.
constexpr double kScreenshotBroadcastRate = 0.25;
constexpr int kScreenshotGiveUpMs = 60000;
constexpr int kShutdownBoundMs = 20000;

bool haveDisplay() {
  for (const char* name : {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"}) {
    const char* value = std::getenv(name);
    if (value && *value) return true;
  }
  return false;
}

// The offscreen platform warns about every dock widget; that says nothing to a user.
QtMessageHandler g_previous_handler = nullptr;

void filterQtMessages(QtMsgType type, const QMessageLogContext& context, const QString& text) {
  if (text.contains(QLatin1String("does not support propagateSizeHints"))) return;
  if (g_previous_handler) {
    g_previous_handler(type, context, text);
  } else {
    std::cerr << qPrintable(qFormatLogMessage(type, context, text)) << '\n';
  }
}

// SIGINT/SIGTERM must not leave the launched nodes behind (they run in their own sessions):
// the handler only writes to a pipe, and the event loop turns that into an orderly quit.
int g_signal_pipe[2] = {-1, -1};

void onTerminationSignal(int) {
  const char byte = 1;
  [[maybe_unused]] const auto written = ::write(g_signal_pipe[1], &byte, 1);
}

bool installTerminationHandlers() {
  if (::pipe2(g_signal_pipe, O_CLOEXEC | O_NONBLOCK) != 0) return false;
  struct sigaction action {};
  action.sa_handler = onTerminationSignal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  return ::sigaction(SIGINT, &action, nullptr) == 0 && ::sigaction(SIGTERM, &action, nullptr) == 0;
}

// Mid-animation with most of a broadcast drawn: what the tree view is for.
bool treeAnimating(const rt::gui::TreePanel& tree) {
  const rt::gui::TreeView& view = *tree.view();
  return view.nodeItemCount() > 0 && view.edgeCount() >= view.nodeItemCount() &&
         view.glyphCount() > 0;
}

int nonZeroSeconds(const rt::gui::TrafficSeries& series) {
  int count = 0;
  for (std::size_t i = 0; i < series.points().size(); ++i) {
    if (series.points()[i].bytes_in_per_s > 0) ++count;
  }
  return count;
}

}  // namespace

int main(int argc, char** argv) {
  StudioOptions options;
  CLI::App cli{
      "RainTree Studio: starts (or attaches to) a cluster of raintree-node processes and "
      "shows it live: node table, cluster traffic, event log, broadcast and fault "
      "controls.",
      "raintree-studio"};
  cli.add_option("--nodes", options.nodes, "Nodes to launch")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  cli.add_option("--mode", options.mode, "Gossip mode of the launched cluster")
      ->check(CLI::IsMember({"pocket", "raintree", "random", "advert"}))
      ->capture_default_str();
  auto* attach = cli.add_option("--attach", options.attach,
                                "Drive the running cluster described by this cluster.json "
                                "instead of launching one (it is left running on exit)")
                     ->check(CLI::ExistingFile);
  cli.add_option("--screenshot", options.screenshot,
                 "Once the cluster is up and some traffic is plotted, save the window as PNG "
                 "(broadcasts are driven automatically)");
  cli.add_option("--plots-dir", options.plots_dir,
                 "With --screenshot: also save each session plot as DIR/plot-<name>.png")
      ->check(CLI::ExistingDirectory);
  cli.add_option("--compare", options.compare,
                 "Open this `raintree-lab compare --json` file in the Mode comparison panel")
      ->check(CLI::ExistingFile);
  cli.add_option("--inspect", options.inspect,
                 "Open the inspector of this rank once the cluster is live (with --screenshot, "
                 "it is saved too, as <name>-inspector.png)")
      ->check(CLI::Range(1, 1000));
  cli.add_option("--quit-after", options.quit_after,
                 "Stop the cluster and quit this many seconds after start (not before the "
                 "screenshot is saved)")
      ->check(CLI::PositiveNumber);
  cli.add_option("--layout", options.layout, "Initial layout of the broadcast tree view")
      ->check(CLI::IsMember({"ring", "tree"}))
      ->capture_default_str();
  auto* scenario = cli.add_option("--scenario", options.scenario,
                                  "Launch the cluster a scenario file describes and play its "
                                  "timeline of broadcasts and faults (resources/scenarios)")
                       ->check(CLI::ExistingFile);
  auto* replay = cli.add_option("--replay", options.replay,
                                "Play this recording (raintree-lab scenario --record) instead of "
                                "running a cluster: the same views, no nodes")
                     ->check(CLI::ExistingFile);
  cli.add_option("--after", options.after,
                 "With --screenshot: take it this many seconds after the cluster (or recording) "
                 "is up, instead of once traffic and the tree are animating")
      ->check(CLI::PositiveNumber);
  auto* bench = cli.add_option("--bench", options.bench,
                               "Measure the GUI for this many seconds under a simulated "
                               "cluster's traffic (default 300 raintree nodes; no processes) and "
                               "print frame times, paint and ingest costs and the event rate")
                    ->check(CLI::PositiveNumber);
  cli.add_option("--bench-rate", options.bench_rate, "With --bench: events per second to drive")
      ->check(CLI::Range(1.0, 1e6))
      ->capture_default_str()
      ->needs(bench);
  auto* netns = cli.add_flag("--netns", options.netns,
                             "Launch each node in a network namespace of its own, with its own "
                             "address on a private bridge (root only; docs/netns.md)");
  cli.add_option("--link-rate", options.link_rate,
                 "With --netns: cap every node's link both ways with tc tbf, e.g. 10mbit")
      ->needs(netns);
  for (auto* other : {attach, scenario, replay, bench}) netns->excludes(other);
  for (auto* other : {attach, scenario, replay}) bench->excludes(other);
  attach->excludes(cli.get_option("--nodes"));
  attach->excludes(cli.get_option("--mode"));
  scenario->excludes(attach);
  scenario->excludes(cli.get_option("--nodes"));
  scenario->excludes(cli.get_option("--mode"));
  replay->excludes(scenario);
  replay->excludes(attach);
  replay->excludes(cli.get_option("--nodes"));
  replay->excludes(cli.get_option("--mode"));
  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    const int code = cli.exit(error);
    return code == 0 ? 0 : 2;
  }
  if (!options.link_rate.empty()) {
    if (const std::string why = rt::cluster::check_link_rate(options.link_rate); !why.empty()) {
      std::cerr << "raintree-studio: --link-rate: " << why << '\n';
      return 2;
    }
  }
  if (options.netns) {
    if (const std::string why = rt::cluster::netns_unavailable(false); !why.empty()) {
      std::cerr << "raintree-studio: " << why << '\n';
      return 2;
    }
  }
  if (!haveDisplay()) {
    std::cerr << "raintree-studio: no display found (DISPLAY and WAYLAND_DISPLAY are unset).\n"
                 "  Headless: QT_QPA_PLATFORM=offscreen raintree-studio --screenshot studio.png "
                 "--quit-after 15\n";
    return 2;
  }

  g_previous_handler = qInstallMessageHandler(filterQtMessages);
  // A QApplication that --bench can time paints with; otherwise it is a plain one.
  rt::gui::TimedApplication app(argc, argv);
  QApplication::setApplicationName(QStringLiteral("RainTree Studio"));
  QApplication::setOrganizationName(QStringLiteral("RainTree"));
  // The installed desktop entry (packaging/linux), so that Wayland shells match the window to it.
  QGuiApplication::setDesktopFileName(QStringLiteral("io.github.raintree.Studio"));
  app.setQuitOnLastWindowClosed(false);
  rt::gui::applyStudioTheme(app);

  rt::gui::ClusterController controller;
  rt::gui::MainWindow window(&controller);
  const bool headless = !options.screenshot.empty() || options.quit_after > 0;

  // Quitting stops the cluster first (on the controller's worker), with a bound.
  bool quitting = false;
  int exit_code = 0;
  auto quit = [&](int code) {
    if (quitting) return;
    quitting = true;
    exit_code = code;
    controller.shutdown();
    QTimer::singleShot(kShutdownBoundMs, &app, [&] {
      std::cerr << "raintree-studio: the cluster did not stop within " << kShutdownBoundMs / 1000
                << " s; quitting anyway\n";
      app.exit(exit_code == 0 ? 1 : exit_code);
    });
  };
  QObject::connect(&controller, &rt::gui::ClusterController::shutdownFinished, &app, [&] {
    if (quitting) app.exit(exit_code);
  });
  QObject::connect(&window, &rt::gui::MainWindow::quitRequested, &app, [&] { quit(0); });
  std::unique_ptr<QSocketNotifier> signal_notifier;
  if (installTerminationHandlers()) {
    signal_notifier = std::make_unique<QSocketNotifier>(g_signal_pipe[0], QSocketNotifier::Read);
    QObject::connect(signal_notifier.get(), &QSocketNotifier::activated, &app, [&] {
      char drain[16];
      while (::read(g_signal_pipe[0], drain, sizeof drain) > 0) {
      }
      std::cerr << "raintree-studio: stopping the cluster and quitting\n";
      quit(130);
    });
  }
  QObject::connect(&controller, &rt::gui::ClusterController::failed, &app,
                   [&](const QString& reason) {
                     if (!headless) return;
                     std::cerr << "raintree-studio: " << reason.toStdString() << '\n';
                     quit(1);
                   });

  QElapsedTimer since_start;
  since_start.start();
  const qint64 quit_after_ms = static_cast<qint64>(options.quit_after * 1000.0);
  bool screenshot_taken = false;
  auto quitWhenDue = [&] {
    if (quit_after_ms <= 0) return;
    const qint64 remaining = std::max<qint64>(0, quit_after_ms - since_start.elapsed());
    QTimer::singleShot(static_cast<int>(remaining), &app, [&] { quit(0); });
  };
  auto takeScreenshot = [&] {
    if (screenshot_taken) return;
    screenshot_taken = true;
    // Let the queued replot and the last layout pass run before grabbing.
    QTimer::singleShot(300, &app, [&] {
      const QString path = QString::fromStdString(options.screenshot);
      if (!window.grab().save(path, "PNG")) {
        std::cerr << "raintree-studio: cannot write " << options.screenshot << '\n';
        quit(1);
        return;
      }
      std::cout << "screenshot: " << options.screenshot << '\n' << std::flush;
      if (!options.plots_dir.empty()) {
        QString error;
        if (!window.plots()->exportPngs(QString::fromStdString(options.plots_dir), &error)) {
          std::cerr << "raintree-studio: " << error.toStdString() << '\n';
          quit(1);
          return;
        }
        std::cout << "plots: " << options.plots_dir << "/plot-*.png\n" << std::flush;
      }
      if (auto* inspector = window.inspectors()->inspector(options.inspect)) {
        QString inspector_path = path;
        if (inspector_path.endsWith(QLatin1String(".png"), Qt::CaseInsensitive)) {
          inspector_path.chop(4);
        }
        inspector_path += QStringLiteral("-inspector.png");
        if (!inspector->grab().save(inspector_path, "PNG")) {
          std::cerr << "raintree-studio: cannot write " << inspector_path.toStdString() << '\n';
          quit(1);
          return;
        }
        std::cout << "inspector: " << inspector_path.toStdString() << '\n' << std::flush;
      }
      quitWhenDue();
    });
  };

  using State = rt::gui::ClusterController::State;
  if (!options.screenshot.empty() && options.after > 0) {
    QObject::connect(&controller, &rt::gui::ClusterController::stateChanged, &app,
                     [&](State state) {
                       // A scenario brings its own broadcasts.
                       if (state == State::live && options.scenario.empty()) {
                         window.clusterToolBar()->setAutoRate(kScreenshotBroadcastRate);
                       }
                       if (state != State::live && state != State::replaying) return;
                       QTimer::singleShot(static_cast<int>(options.after * 1000), &app,
                                          [&] { takeScreenshot(); });
                     });
  } else if (!options.screenshot.empty()) {
    QObject::connect(&controller, &rt::gui::ClusterController::stateChanged, &app,
                     [&](State state) {
                       if (state != State::live && state != State::replaying) return;
                       // A scenario brings its own broadcasts.
                       if (state == State::live && options.scenario.empty()) {
                         window.clusterToolBar()->setAutoRate(kScreenshotBroadcastRate);
                       }
                       QTimer::singleShot(kScreenshotGiveUpMs, &app, [&] {
                         if (screenshot_taken) return;
                         std::cerr << "raintree-studio: no traffic plotted after "
                                   << kScreenshotGiveUpMs / 1000 << " s; saving anyway\n";
                         takeScreenshot();
                       });
                     });
    // Enough traffic plotted, then the moment the tree is mid-animation.
    auto* screenshot_poll = new QTimer(&app);
    screenshot_poll->setInterval(50);
    QObject::connect(screenshot_poll, &QTimer::timeout, &app, [&, screenshot_poll] {
      if (screenshot_taken) {
        screenshot_poll->stop();
      } else if (treeAnimating(*window.treePanel())) {
        takeScreenshot();
      }
    });
    QObject::connect(
        window.trafficPlot(), &rt::gui::TrafficPlot::pointsAdded, &app, [&, screenshot_poll] {
          if (!screenshot_poll->isActive() && !screenshot_taken &&
              nonZeroSeconds(window.trafficPlot()->series()) >= kScreenshotTrafficSeconds) {
            screenshot_poll->start();
          }
        });
  } else {
    quitWhenDue();
  }

  if (options.inspect > 0) {
    QObject::connect(&controller, &rt::gui::ClusterController::stateChanged, &app,
                     [&](rt::gui::ClusterController::State state) {
                       if (state != rt::gui::ClusterController::State::live) return;
                       if (!window.inspectors()->open(options.inspect)) {
                         std::cerr << "raintree-studio: --inspect " << options.inspect
                                   << ": the cluster has no such rank\n";
                       }
                     });
  }
  window.treePanel()->setLayoutMode(options.layout == "tree" ? rt::gui::TreeView::Layout::tree
                                                             : rt::gui::TreeView::Layout::ring);
  window.show();
  if (!options.compare.empty()) {
    QString error;
    if (!window.plots()->compare()->load(QString::fromStdString(options.compare), &error)) {
      std::cerr << "raintree-studio: " << error.toStdString() << '\n';
    }
  }
  std::optional<rt::cluster::Scenario> plan;
  if (!options.scenario.empty()) {
    std::string error;
    plan = rt::cluster::load_scenario(options.scenario, error);
    if (!plan) {
      std::cerr << "raintree-studio: " << options.scenario << ": " << error << '\n';
      return 2;
    }
  }
  if (plan) {
    // The timeline starts once every node has every peer; the player lives as long as the app.
    auto* player = new rt::gui::ScenarioPlayer(&controller, *plan, &app);
    QObject::connect(&controller, &rt::gui::ClusterController::stateChanged, player,
                     [player](State state) {
                       if (state == State::live) player->startWhenConnected();
                     });
    QObject::connect(
        player, &rt::gui::ScenarioPlayer::broadcastSkipped, &app, [](const QString& why) {
          std::cerr << "raintree-studio: broadcast skipped: " << why.toStdString() << '\n';
        });
    auto launch = rt::gui::ScenarioPlayer::launchOptions(*plan);
    controller.launch(std::move(launch));
  } else if (options.bench > 0) {
    rt::gui::SimulatedLoad load;
    load.nodes = cli.get_option("--nodes")->count() ? options.nodes : 300;
    load.mode = cli.get_option("--mode")->count() ? options.mode : "raintree";
    load.events_per_second = options.bench_rate;
    load.seconds = options.bench;
    auto* run = new rt::gui::StudioBench(&controller, &window, load, std::cout, std::cerr, &app);
    QObject::connect(run, &rt::gui::StudioBench::finished, &app, [&](int code) {
      if (options.screenshot.empty() || screenshot_taken) quit(code);
    });
    run->start();
  } else if (!options.replay.empty()) {
    controller.replay(QString::fromStdString(options.replay));
  } else if (!options.attach.empty()) {
    controller.attach(QString::fromStdString(options.attach));
  } else {
    rt::cluster::LaunchOptions launch;
    launch.nodes = options.nodes;
    launch.mode = options.mode;
    launch.netns.enabled = options.netns;
    if (!options.link_rate.empty()) {
      launch.netns.shaping.assign(static_cast<std::size_t>(options.nodes),
                                  rt::cluster::LinkShaping{options.link_rate, 0});
    }
    controller.launch(std::move(launch));
  }
  return app.exec();
}
