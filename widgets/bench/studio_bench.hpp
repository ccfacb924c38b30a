// raintree-studio --bench: drives the real main window with a simulated cluster's traffic
// (bench/simulated_load.hpp: 300 nodes, 10 000 events/s by default) for a fixed time and prints
// what a user would feel: frame times of the tree view, paint costs, event-loop stalls, how
// long the views took to take in each step, and the event-ingest rate achieved. The traffic
// is built on the replay player's worker thread; the GUI thread never touches a file or socket.
#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>
#include <cstdint>
#include <iosfwd>

#include "bench/frame_meter.hpp"
#include "bench/simulated_load.hpp"
#include "session/cluster_controller.hpp"

namespace rt::gui {

class MainWindow;

class StudioBench : public QObject {
  Q_OBJECT

 public:
  // Figures go to `out`; progress lines (one every few seconds) to `progress`.
  StudioBench(ClusterController* controller, MainWindow* window, SimulatedLoad load,
              std::ostream& out, std::ostream& progress, QObject* parent = nullptr);

  void start();
  bool running() const { return measuring_; }

 signals:
  // The figures are printed; 0 when the run was measured, 1 when it could not start.
  void finished(int exit_code);

 private:
  void onStateChanged(ClusterController::State state);
  void begin();
  void report();
  void finish(int exit_code);

  ClusterController* controller_;
  MainWindow* window_;
  SimulatedLoad load_;
  std::ostream& out_;
  std::ostream& progress_;
  FrameMeter meter_;
  Distribution ingest_ms_;  // per step handed to the views
  std::uint64_t events_ingested_ = 0;
  std::uint64_t steps_ = 0;
  double ingest_busy_ms_ = 0;
  QElapsedTimer since_start_, measured_;
  QTimer progress_timer_;
  bool measuring_ = false;
  bool paints_timed_ = false;
  bool done_ = false;
};

}  // namespace rt::gui
