// The studio's cluster session, on the GUI thread. It launches a local cluster (or attaches to
// a running one through its cluster.json) on a worker thread, owns the ClusterMonitor, and
// drains the monitor's bounded batches at a capped rate after a coalesced, queued wake-up. The
// drained data fans out through signals to models and plots; nothing here touches a socket or
// blocks the GUI thread.
#pragma once

#include <QDateTime>
#include <QElapsedTimer>
#include <QObject>
#include <QString>
#include <QTimer>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "cluster/launcher.hpp"
#include "cluster/monitor.hpp"
#include "models/event_log_model.hpp"
#include "session/replay_driver.hpp"

class QTemporaryDir;

namespace rt::gui {

struct SessionStats {
  QString mode;
  int nodes = 0;
  int answering = 0;
  double events_per_second = 0;
  std::uint64_t events_total = 0;
  std::uint64_t dropped_events = 0;
};

class ClusterController : public QObject {
  Q_OBJECT

 public:
  enum class State { idle, launching, attaching, live, replaying, stopping, stopped, failed };
  Q_ENUM(State)

  explicit ClusterController(QObject* parent = nullptr);
  // Stops the monitor; stops a cluster this controller launched if shutdown() did not already.
  ~ClusterController() override;

  // Starts `options.nodes` local node processes. Without options.dir the cluster lives in a
  // temporary directory removed with the controller.
  void launch(cluster::LaunchOptions options);
  // Drives the cluster described by a cluster.json; never stops it.
  void attach(const QString& cluster_json);
  // Plays a recording into the same signals a live session emits; no cluster, no commands.
  void replay(const QString& recording);
  // The same for a recording built in memory on the player's worker (e.g. --bench's simulation).
  void replay(const QString& name, ReplayDriver::PlayerSource source);
  // The player while replaying (play, pause, speed, seek), else nullptr.
  ReplayDriver* replayDriver() const { return replay_; }
  // Stops the monitor and, when this controller launched the cluster, every node; then emits
  // shutdownFinished() (also when there was nothing to stop).
  void shutdown();

  void broadcast(int origin_rank, std::size_t size, const std::string& group = "all", int kind = 0);
  // Any fault, applied on the monitor thread. The request is logged at once; its outcome comes
  // back as faultsFinished() and a log line, with samples that already show its effect.
  void fault(const cluster::FaultStep& step);
  void kill(int rank);    // SIGKILL
  void pause(int rank);   // SIGSTOP
  void resume(int rank);  // SIGCONT
  void restart(int rank);
  void mute(int rank, bool on);
  void loss(int rank, double percent);
  void delay(int rank, int delay_ms);
  // Each group reaches only itself; the ranks in no group form one more group.
  void partition(const std::vector<std::vector<int>>& groups);
  void heal();  // no partition, loss or delay left
  // Asks the node for its engine's snapshot; the answer comes back as inspected().
  void inspect(int rank);
  // The latest sample of a node in this session (nullptr before its first one).
  const cluster::NodeSample* latestSample(int rank) const;
  const std::unordered_map<int, cluster::NodeSample>& latestSamples() const { return latest_; }
  // Broadcasts `per_second` times a second from the answering nodes in turn; 0 turns it off.
  void setAutoBroadcast(double per_second, std::size_t size);
  double autoBroadcastRate() const { return auto_rate_; }
  // At most this many drains of the monitor per second (default 20).
  void setMaxDrainRate(int per_second);

  State state() const { return state_; }
  bool ownsCluster() const { return owns_cluster_; }
  const cluster::ClusterInfo* cluster() const { return cluster_ ? &*cluster_ : nullptr; }
  SessionStats stats() const { return stats_; }
  QString stateName() const;

 signals:
  void stateChanged(rt::gui::ClusterController::State state);
  void launchProgress(int started, int total);
  void clusterReady(const rt::cluster::ClusterInfo& cluster);
  void samplesArrived(const std::vector<rt::cluster::NodeSample>& samples);
  void eventsArrived(const std::vector<rt::cluster::RankedEvent>& events);
  void logged(const std::vector<rt::gui::LogEntry>& entries);
  void nodeKilled(int rank);  // a kill from the studio succeeded
  void faultRequested(const rt::cluster::FaultStep& step);
  void faultsFinished(const std::vector<rt::cluster::FaultOutcome>& outcomes);
  void inspected(const rt::cluster::InspectAnswer& answer);
  void statsChanged(const rt::gui::SessionStats& stats);
  void failed(const QString& reason);
  void shutdownFinished();

 private:
  struct WorkerResult {
    std::optional<cluster::ClusterInfo> cluster;
    std::string error;
  };
  void setState(State state);
  void log(LogLevel level, const QString& text);
  void runWorker(std::function<WorkerResult()> job, void (ClusterController::*done)());
  void joinWorker();
  // Joins the finished worker and takes what it produced.
  WorkerResult takeWorkerResult();
  void onLaunchFinished();
  void onAttachFinished();
  void onStopFinished();
  void startSession(cluster::ClusterInfo info);
  void stopSession();   // monitor, then the nodes if launched here, on the worker
  void requestDrain();  // monitor thread
  void onWake();
  void drain();
  void autoBroadcastTick();
  void startAutoTimer();
  void publishStats();
  bool canCommand(const QString& what, const std::vector<int>& ranks = {});

  ReplayDriver* replay_ = nullptr;  // child; set while a recording is open
  State state_ = State::idle;
  bool owns_cluster_ = false;
  bool shutdown_requested_ = false;
  std::optional<cluster::ClusterInfo> cluster_;
  std::unique_ptr<cluster::ClusterMonitor> monitor_;
  std::unique_ptr<QTemporaryDir> temp_dir_;

  std::thread worker_;
  std::mutex worker_mutex_;
  std::optional<WorkerResult> worker_result_;  // guarded by worker_mutex_

  std::atomic<bool> wake_pending_{false};
  std::shared_ptr<std::atomic<bool>> cancel_launch_;
  QTimer drain_timer_;
  QElapsedTimer since_drain_;
  int min_drain_interval_ms_ = 50;

  QTimer auto_timer_;
  double auto_rate_ = 0;
  std::size_t auto_size_ = 1024;
  int auto_next_rank_ = 1;

  QTimer stats_timer_;
  QElapsedTimer since_stats_;
  std::uint64_t events_since_stats_ = 0;
  std::uint64_t dropped_logged_ = 0;
  std::unordered_map<int, bool> answering_;
  std::unordered_map<int, cluster::NodeSample> latest_;  // by rank, this session
  SessionStats stats_;
};

}  // namespace rt::gui
