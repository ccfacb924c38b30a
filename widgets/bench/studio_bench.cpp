#include "bench/studio_bench.hpp"

#include <qcustomplot.h>
#include <QTableView>
#include <fstream>
#include <iomanip>
#include <ostream>
#include <sstream>
#include <string>

#include "main_window.hpp"
#include "plots/traffic_plot.hpp"
#include "session/replay_driver.hpp"
#include "views/node_table_panel.hpp"
#include "views/tree/tree_panel.hpp"

namespace rt::gui {
namespace {

constexpr int kProgressMs = 5000;

// Resident memory of this process in MiB, from /proc (0 where there is none).
double residentMiB() {
  std::ifstream status("/proc/self/status");
  std::string key;
  while (status >> key) {
    if (key == "VmRSS:") {
      double kib = 0;
      status >> kib;
      return kib / 1024.0;
    }
    status.ignore(4096, '\n');
  }
  return 0;
}

}  // namespace

StudioBench::StudioBench(ClusterController* controller, MainWindow* window, SimulatedLoad load,
                         std::ostream& out, std::ostream& progress, QObject* parent)
    : QObject(parent),
      controller_(controller),
      window_(window),
      load_(std::move(load)),
      out_(out),
      progress_(progress),
      meter_(this) {
  progress_timer_.setInterval(kProgressMs);
  connect(&progress_timer_, &QTimer::timeout, this, [this] {
    progress_ << "bench: " << measured_.elapsed() / 1000 << "/" << load_.seconds << " s, "
              << events_ingested_ << " events taken in\n"
              << std::flush;
  });
}

void StudioBench::start() {
  since_start_.start();
  progress_ << "bench: simulating " << load_.nodes << " " << load_.mode << " nodes for "
            << load_.seconds << " s of traffic at " << load_.events_per_second
            << " events/s (on a worker thread)\n"
            << std::flush;
  connect(controller_, &ClusterController::stateChanged, this, &StudioBench::onStateChanged);
  connect(controller_, &ClusterController::failed, this, [this](const QString& reason) {
    progress_ << "bench: " << reason.toStdString() << '\n' << std::flush;
    finish(1);
  });
  const QString name =
      tr("simulated %1-node %2 cluster").arg(load_.nodes).arg(QString::fromStdString(load_.mode));
  controller_->replay(name,
                      [load = load_](std::string& error) { return simulated_player(load, error); });
}

void StudioBench::onStateChanged(ClusterController::State state) {
  if (state == ClusterController::State::replaying && !measuring_ && !done_) begin();
}

void StudioBench::begin() {
  ReplayDriver* driver = controller_->replayDriver();
  progress_ << "bench: simulated in " << std::fixed << std::setprecision(1)
            << static_cast<double>(since_start_.elapsed()) / 1000.0 << " s; playing "
            << static_cast<double>(driver->durationMs()) / 1000.0 << " s of traffic\n"
            << std::flush;
  TreePanel* tree = window_->treePanel();
  meter_.watch(tree->view()->viewport());
  connect(tree, &TreePanel::frameAdvanced, &meter_, &FrameMeter::frame);
  meter_.watch(window_->nodePanel()->view()->viewport());
  meter_.watch(window_->trafficPlot()->plot());
  connect(driver, &ReplayDriver::stepPublished, this, [this](int events, qint64 ns) {
    if (!measuring_) return;
    const double ms = static_cast<double>(ns) / 1e6;
    ingest_ms_.add(ms);
    ingest_busy_ms_ += ms;
    events_ingested_ += static_cast<std::uint64_t>(events);
    ++steps_;
  });
  connect(driver, &ReplayDriver::finished, this, [this] { finish(0); });
  measuring_ = true;
  measured_.start();
  paints_timed_ = meter_.start();
  progress_timer_.start();
  QTimer::singleShot(static_cast<int>(load_.seconds * 1000), this, [this] { finish(0); });
}

void StudioBench::finish(int exit_code) {
  if (done_) return;
  done_ = true;
  meter_.stop();
  progress_timer_.stop();
  if (measuring_) report();
  measuring_ = false;
  emit finished(exit_code);
}

void StudioBench::report() {
  const double seconds = static_cast<double>(measured_.elapsed()) / 1000.0;
  const AnimationQueue& animation = window_->treePanel()->queue();
  std::ostringstream o;
  o << std::fixed << std::setprecision(1);
  o << "bench: " << load_.nodes << " " << load_.mode << " nodes, target " << load_.events_per_second
    << " events/s, measured " << seconds << " s\n";
  o << "  event ingest:     " << events_ingested_ << " events in " << steps_
    << " steps = " << static_cast<double>(events_ingested_) / seconds << " events/s; views busy "
    << ingest_busy_ms_ / seconds / 10.0 << " % of the time\n";
  o << "  ingest per step:  " << ingest_ms_.summary() << '\n';
  o << "  tree frame time:  " << meter_.frameIntervals().summary() << " ("
    << static_cast<double>(meter_.frames()) / seconds << " frames/s; target " << TreePanel::kFrameMs
    << " ms)\n";
  o << "  tree frame cost:  " << meter_.frameCosts().summary() << '\n';
  o << "  paint time:       "
    << (paints_timed_ ? meter_.paintTimes().summary() : std::string("not timed")) << '\n';
  o << "  event-loop stall: " << meter_.loopLateness().summary() << " late on a "
    << FrameMeter::kHeartbeatMs << " ms timer\n";
  o << "  animation:        " << animation.animated() << " messages animated, "
    << animation.skipped() << " skipped to keep up\n";
  o << "  resident memory:  " << residentMiB() << " MiB\n";
  out_ << o.str() << std::flush;
}

}  // namespace rt::gui
