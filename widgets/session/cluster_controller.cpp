#include "session/cluster_controller.hpp"

#include "session/replay_driver.hpp"

#include <QDir>
#include <QMetaObject>
#include <QStringList>
#include <QTemporaryDir>
#include <algorithm>

#include "cluster/ranks.hpp"

namespace rt::gui {

namespace {

bool looksLikeError(const std::string& line) {
  const QString text = QString::fromStdString(line);
  return text.contains(QLatin1String("error"), Qt::CaseInsensitive) ||
         text.contains(QLatin1String("fail"), Qt::CaseInsensitive) ||
         text.contains(QLatin1String("refused"), Qt::CaseInsensitive);
}

QString ranksText(const std::vector<int>& ranks) {
  return QString::fromStdString(cluster::describe_ranks(ranks));
}

// The request as the event log shows it; the monitor logs the outcome.
QString describeFault(const cluster::FaultStep& step) {
  using cluster::FaultKind;
  const QString on = step.link
                         ? QStringLiteral("link %1-%2").arg(step.link->first).arg(step.link->second)
                         : ranksText(step.ranks);
  switch (step.kind) {
    case FaultKind::kill:
      return QObject::tr("Kill %1 (SIGKILL)").arg(on);
    case FaultKind::stop:
      return QObject::tr("Stop %1 (SIGSTOP)").arg(on);
    case FaultKind::resume:
      return QObject::tr("Continue %1 (SIGCONT)").arg(on);
    case FaultKind::restart:
      return QObject::tr("Restart %1").arg(on);
    case FaultKind::mute:
      return QObject::tr("Mute %1").arg(on);
    case FaultKind::unmute:
      return QObject::tr("Unmute %1").arg(on);
    case FaultKind::loss:
      return QObject::tr("Loss %1% on %2").arg(step.percent, 0, 'g', 4).arg(on);
    case FaultKind::delay:
      return QObject::tr("Delay %1 ms on %2").arg(step.delay_ms).arg(on);
    case FaultKind::partition: {
      QStringList groups;
      for (const auto& group : step.groups)
        groups << QString::fromStdString(cluster::format_ranks(group));
      return QObject::tr("Partition %1 from the rest").arg(groups.join(QStringLiteral(" / ")));
    }
    case FaultKind::heal:
      return QObject::tr("Heal: clear every partition, loss and delay");
  }
  return QObject::tr("Fault");
}

}  // namespace

ClusterController::ClusterController(QObject* parent) : QObject(parent) {
  drain_timer_.setSingleShot(true);
  connect(&drain_timer_, &QTimer::timeout, this, &ClusterController::drain);
  connect(&auto_timer_, &QTimer::timeout, this, &ClusterController::autoBroadcastTick);
  stats_timer_.setInterval(1000);
  connect(&stats_timer_, &QTimer::timeout, this, &ClusterController::publishStats);
}

ClusterController::~ClusterController() {
  if (cancel_launch_) *cancel_launch_ = true;  // a launch in progress gives up and cleans up
  drain_timer_.stop();
  auto_timer_.stop();
  stats_timer_.stop();
  joinWorker();
  if (monitor_) {
    monitor_->stop();
    monitor_.reset();
  }
  // Whatever this controller started and did not stop yet goes now, even if that blocks: the
  // alternative is leaving node processes behind.
  std::optional<cluster::ClusterInfo> orphan;
  {
    std::lock_guard lock(worker_mutex_);
    if (state_ == State::launching && worker_result_ && worker_result_->cluster) {
      orphan = std::move(worker_result_->cluster);
    }
  }
  // In `stopping` the joined worker has already stopped the nodes.
  if (!orphan && owns_cluster_ && cluster_ && state_ == State::live) orphan = cluster_;
  if (orphan) {
    std::string error;
    cluster::stop_cluster(*orphan, error);
  }
}

QString ClusterController::stateName() const {
  switch (state_) {
    case State::idle:
      return tr("idle");
    case State::launching:
      return tr("launching");
    case State::attaching:
      return tr("attaching");
    case State::live:
      return tr("live");
    case State::replaying:
      return tr("replaying");
    case State::stopping:
      return tr("stopping");
    case State::stopped:
      return tr("stopped");
    case State::failed:
      return tr("failed");
  }
  return {};
}

void ClusterController::setState(State state) {
  if (state_ == state) return;
  state_ = state;
  emit stateChanged(state);
}

void ClusterController::log(LogLevel level, const QString& text) {
  emit logged({LogEntry{QDateTime::currentDateTime(), level, text}});
}

void ClusterController::runWorker(std::function<WorkerResult()> job,
                                  void (ClusterController::*done)()) {
  joinWorker();
  {
    std::lock_guard lock(worker_mutex_);
    worker_result_.reset();
  }
  worker_ = std::thread([this, job = std::move(job), done] {
    WorkerResult result = job();
    {
      std::lock_guard lock(worker_mutex_);
      worker_result_ = std::move(result);
    }
    // The destructor joins this thread before the object goes, so `this` is still valid here;
    // a queued call still pending at destruction is discarded by Qt.
    QMetaObject::invokeMethod(
        this, [this, done] { (this->*done)(); }, Qt::QueuedConnection);
  });
}

void ClusterController::joinWorker() {
  if (worker_.joinable()) worker_.join();
}

ClusterController::WorkerResult ClusterController::takeWorkerResult() {
  joinWorker();
  std::lock_guard lock(worker_mutex_);
  WorkerResult result = std::move(*worker_result_);
  worker_result_.reset();
  return result;
}

void ClusterController::launch(cluster::LaunchOptions options) {
  if (state_ != State::idle && state_ != State::stopped && state_ != State::failed) {
    log(LogLevel::error, tr("A cluster session is already open"));
    return;
  }
  shutdown_requested_ = false;
  owns_cluster_ = false;
  cluster_.reset();
  if (options.dir.empty()) {
    temp_dir_ = std::make_unique<QTemporaryDir>(QDir::tempPath() +
                                                QStringLiteral("/raintree-studio-XXXXXX"));
    if (!temp_dir_->isValid()) {
      const QString reason =
          tr("Cannot create a directory for the cluster: %1").arg(temp_dir_->errorString());
      log(LogLevel::error, reason);
      setState(State::failed);
      emit failed(reason);
      return;
    }
    options.dir = temp_dir_->path().toStdString();
  }
  stats_ = SessionStats{};
  stats_.mode = QString::fromStdString(options.mode);
  stats_.nodes = options.nodes;
  log(LogLevel::action, tr("Launching %1 nodes in %2 mode in %3")
                            .arg(options.nodes)
                            .arg(stats_.mode, QString::fromStdString(options.dir.string())));
  options.progress = [this](int started, int total) {
    QMetaObject::invokeMethod(
        this, [this, started, total] { emit launchProgress(started, total); },
        Qt::QueuedConnection);
  };
  cancel_launch_ = std::make_shared<std::atomic<bool>>(false);
  options.cancelled = [cancel = cancel_launch_] { return cancel->load(); };
  setState(State::launching);
  runWorker(
      [options = std::move(options)] {
        WorkerResult result;
        result.cluster = cluster::launch_cluster(options, result.error);
        return result;
      },
      &ClusterController::onLaunchFinished);
}

void ClusterController::attach(const QString& cluster_json) {
  if (state_ != State::idle && state_ != State::stopped && state_ != State::failed) {
    log(LogLevel::error, tr("A cluster session is already open"));
    return;
  }
  shutdown_requested_ = false;
  owns_cluster_ = false;
  cluster_.reset();
  stats_ = SessionStats{};
  log(LogLevel::action, tr("Attaching to %1").arg(cluster_json));
  setState(State::attaching);
  runWorker(
      [path = cluster_json.toStdString()] {
        WorkerResult result;
        result.cluster = cluster::ClusterInfo::load(path, result.error);
        return result;
      },
      &ClusterController::onAttachFinished);
}

void ClusterController::replay(const QString& recording) {
  replay(recording, ReplayDriver::fileSource(recording));
}

void ClusterController::replay(const QString& name, ReplayDriver::PlayerSource source) {
  if (state_ != State::idle && state_ != State::stopped && state_ != State::failed) {
    log(LogLevel::error, tr("A cluster session is already open"));
    return;
  }
  owns_cluster_ = false;
  cluster_.reset();
  stats_ = SessionStats{};
  answering_.clear();
  latest_.clear();
  delete replay_;
  replay_ = new ReplayDriver(this);
  connect(replay_, &ReplayDriver::clusterReady, this, [this](const cluster::ClusterInfo& info) {
    cluster_ = info;
    stats_.mode = QString::fromStdString(info.mode);
    stats_.nodes = static_cast<int>(info.nodes.size());
    emit clusterReady(info);
  });
  connect(replay_, &ReplayDriver::eventsArrived, this, [this](const auto& events) {
    stats_.events_total += events.size();
    events_since_stats_ += events.size();
    emit eventsArrived(events);
  });
  connect(replay_, &ReplayDriver::samplesArrived, this, [this](const auto& samples) {
    for (const cluster::NodeSample& sample : samples) {
      latest_[sample.rank] = sample;
      answering_[sample.rank] = sample.answering;
    }
    emit samplesArrived(samples);
  });
  connect(replay_, &ReplayDriver::logged, this, &ClusterController::logged);
  connect(replay_, &ReplayDriver::loaded, this, [this] {
    setState(State::replaying);
    // The status bar's rate and answering count, as for a live session.
    since_stats_.start();
    events_since_stats_ = 0;
    stats_timer_.start();
  });
  connect(replay_, &ReplayDriver::failed, this, [this](const QString& reason) {
    log(LogLevel::error, reason);
    setState(State::failed);
    emit failed(reason);
  });
  log(LogLevel::action, tr("Opening recording %1").arg(name));
  setState(State::attaching);
  replay_->load(name, std::move(source));
}

void ClusterController::onLaunchFinished() {
  WorkerResult result = takeWorkerResult();
  if (!result.cluster && shutdown_requested_) {
    log(LogLevel::info, tr("Launch cancelled; no node process left"));
    setState(State::stopped);
    emit shutdownFinished();
    return;
  }
  if (!result.cluster) {
    const QString reason = tr("Launch failed: %1").arg(QString::fromStdString(result.error));
    log(LogLevel::error, reason);
    setState(State::failed);
    emit failed(reason);
    return;
  }
  owns_cluster_ = true;
  cluster_ = std::move(result.cluster);
  if (shutdown_requested_) {  // the launch won the race against the cancellation
    stopSession();
    return;
  }
  log(LogLevel::info, tr("Cluster up: %1 nodes answering; cluster.json in %2")
                          .arg(cluster_->nodes.size())
                          .arg(QString::fromStdString(cluster_->dir.string())));
  startSession(*cluster_);
}

void ClusterController::onAttachFinished() {
  WorkerResult result = takeWorkerResult();
  if (!result.cluster) {
    const QString reason = tr("Attach failed: %1").arg(QString::fromStdString(result.error));
    log(LogLevel::error, reason);
    setState(State::failed);
    emit failed(reason);
    if (shutdown_requested_) emit shutdownFinished();
    return;
  }
  cluster_ = std::move(result.cluster);
  stats_.mode = QString::fromStdString(cluster_->mode);
  stats_.nodes = static_cast<int>(cluster_->nodes.size());
  if (shutdown_requested_) {
    setState(State::stopped);
    emit shutdownFinished();
    return;
  }
  log(LogLevel::info,
      tr("Attached to %1 nodes in %2 mode").arg(cluster_->nodes.size()).arg(stats_.mode));
  startSession(*cluster_);
}

void ClusterController::startSession(cluster::ClusterInfo info) {
  stats_.mode = QString::fromStdString(info.mode);
  stats_.nodes = static_cast<int>(info.nodes.size());
  answering_.clear();
  latest_.clear();
  events_since_stats_ = 0;
  dropped_logged_ = 0;
  auto_next_rank_ = 1;
  wake_pending_ = false;
  // Stopping the monitor undoes its faults; a cluster it did not start gets its killed nodes
  // back too, while one it started is about to be stopped anyway.
  cluster::MonitorOptions monitor_options;
  monitor_options.restart_killed_on_stop = !owns_cluster_;
  monitor_ = std::make_unique<cluster::ClusterMonitor>(info, monitor_options);
  emit clusterReady(info);
  setState(State::live);
  monitor_->start([this] { requestDrain(); });
  since_stats_.start();
  stats_timer_.start();
  if (auto_rate_ > 0) {
    startAutoTimer();
    log(LogLevel::action, tr("Automatic broadcasts: %1 per second, %2 bytes")
                              .arg(auto_rate_, 0, 'g', 3)
                              .arg(auto_size_));
  }
  publishStats();
}

void ClusterController::shutdown() {
  auto_timer_.stop();
  switch (state_) {
    case State::launching:
    case State::attaching:
      // The worker finishes first (a launch gives up early); its completion handler comes
      // back here.
      shutdown_requested_ = true;
      if (cancel_launch_) *cancel_launch_ = true;
      return;
    case State::stopping:
      return;
    case State::live:
      stopSession();
      return;
    case State::replaying:
      replay_->setPlaying(false);
      stats_timer_.stop();
      setState(State::stopped);
      QMetaObject::invokeMethod(this, &ClusterController::shutdownFinished, Qt::QueuedConnection);
      return;
    default:
      QMetaObject::invokeMethod(this, &ClusterController::shutdownFinished, Qt::QueuedConnection);
      return;
  }
}

void ClusterController::stopSession() {
  drain_timer_.stop();
  stats_timer_.stop();
  setState(State::stopping);
  // The monitor leaves the GUI thread with the worker: stopping it joins its thread, which may
  // be waiting on a socket.
  std::shared_ptr<cluster::ClusterMonitor> monitor(std::move(monitor_));
  const bool stop_nodes = owns_cluster_;
  if (stop_nodes) log(LogLevel::action, tr("Stopping the cluster"));
  runWorker(
      [monitor, stop_nodes, info = *cluster_]() mutable {
        WorkerResult result;
        if (monitor) monitor->stop();
        monitor.reset();
        if (stop_nodes && !cluster::stop_cluster(info, result.error) && result.error.empty()) {
          result.error = "stop_cluster failed";
        }
        return result;
      },
      &ClusterController::onStopFinished);
}

void ClusterController::onStopFinished() {
  WorkerResult result = takeWorkerResult();
  if (!result.error.empty()) {
    log(LogLevel::error, tr("Stopping the cluster: %1").arg(QString::fromStdString(result.error)));
  } else if (owns_cluster_) {
    log(LogLevel::info, tr("Cluster stopped; no node process left"));
  } else {
    log(LogLevel::info, tr("Detached; the cluster keeps running"));
  }
  answering_.clear();
  stats_.answering = 0;
  stats_.events_per_second = 0;
  emit statsChanged(stats_);
  setState(State::stopped);
  emit shutdownFinished();
}

void ClusterController::requestDrain() {
  // Monitor thread. One queued wake-up at a time, however often the monitor calls.
  if (!wake_pending_.exchange(true)) {
    QMetaObject::invokeMethod(
        this, [this] { onWake(); }, Qt::QueuedConnection);
  }
}

void ClusterController::onWake() {
  wake_pending_ = false;
  if (!monitor_ || drain_timer_.isActive()) return;
  const qint64 elapsed = since_drain_.isValid() ? since_drain_.elapsed() : min_drain_interval_ms_;
  if (elapsed >= min_drain_interval_ms_) {
    drain();
  } else {
    drain_timer_.start(static_cast<int>(min_drain_interval_ms_ - elapsed));
  }
}

void ClusterController::setMaxDrainRate(int per_second) {
  min_drain_interval_ms_ = 1000 / std::clamp(per_second, 1, 1000);
}

void ClusterController::drain() {
  if (!monitor_) return;
  since_drain_.start();
  cluster::MonitorBatch batch = monitor_->take();
  for (const cluster::NodeSample& sample : batch.samples)
    answering_[sample.rank] = sample.answering;
  events_since_stats_ += batch.events.size();
  stats_.events_total += batch.events.size();
  stats_.dropped_events += batch.dropped_events;
  // Outcomes first: the samples of the same batch were taken after them.
  if (!batch.faults.empty()) {
    emit faultsFinished(batch.faults);
    for (const cluster::FaultOutcome& outcome : batch.faults) {
      if (!outcome.ok || outcome.step.kind != cluster::FaultKind::kill) continue;
      for (int rank : outcome.step.ranks) emit nodeKilled(rank);
    }
  }
  if (!batch.samples.empty()) emit samplesArrived(batch.samples);
  // Kept without copying: the receivers have seen them.
  for (cluster::NodeSample& sample : batch.samples) latest_[sample.rank] = std::move(sample);
  if (!batch.events.empty()) emit eventsArrived(batch.events);
  for (const cluster::InspectAnswer& answer : batch.inspections) emit inspected(answer);
  if (!batch.log.empty()) {
    std::vector<LogEntry> entries;
    entries.reserve(batch.log.size());
    const QDateTime now = QDateTime::currentDateTime();
    for (const std::string& line : batch.log) {
      entries.push_back(LogEntry{now, looksLikeError(line) ? LogLevel::error : LogLevel::info,
                                 QString::fromStdString(line)});
    }
    emit logged(entries);
  }
}

void ClusterController::publishStats() {
  const qint64 elapsed = since_stats_.isValid() ? since_stats_.restart() : 0;
  stats_.events_per_second =
      elapsed > 0 ? static_cast<double>(events_since_stats_) * 1000.0 / elapsed : 0.0;
  events_since_stats_ = 0;
  stats_.answering = static_cast<int>(std::count_if(
      answering_.begin(), answering_.end(), [](const auto& entry) { return entry.second; }));
  if (stats_.dropped_events > dropped_logged_) {
    log(LogLevel::error, tr("%1 events were dropped before the studio could read them")
                             .arg(stats_.dropped_events - dropped_logged_));
    dropped_logged_ = stats_.dropped_events;
  }
  emit statsChanged(stats_);
}

bool ClusterController::canCommand(const QString& what, const std::vector<int>& ranks) {
  if (!monitor_ || state_ != State::live || !cluster_) {
    log(LogLevel::error, tr("Cannot %1: no live cluster").arg(what));
    return false;
  }
  for (int rank : ranks) {
    if (!cluster_->by_rank(rank)) {
      log(LogLevel::error, tr("Cannot %1: no node of rank %2").arg(what).arg(rank));
      return false;
    }
  }
  return true;
}

const cluster::NodeSample* ClusterController::latestSample(int rank) const {
  const auto it = latest_.find(rank);
  return it == latest_.end() ? nullptr : &it->second;
}

void ClusterController::broadcast(int origin_rank, std::size_t size, const std::string& group,
                                  int kind) {
  if (!canCommand(tr("broadcast"), {origin_rank})) return;
  log(LogLevel::action,
      tr("Broadcast of %1 bytes from rank %2%3")
          .arg(size)
          .arg(origin_rank)
          .arg(group == "all" ? QString() : tr(" to %1").arg(QString::fromStdString(group))));
  monitor_->broadcast(origin_rank, size, group, kind);
}

void ClusterController::fault(const cluster::FaultStep& step) {
  const QString what = describeFault(step);
  if (!canCommand(what, step.ranks)) return;
  if (step.kind == cluster::FaultKind::partition) {
    std::string error;
    if (!cluster::check_partition(step.groups, static_cast<int>(cluster_->nodes.size()), error)) {
      log(LogLevel::error, tr("Cannot %1: %2").arg(what, QString::fromStdString(error)));
      return;
    }
  }
  log(LogLevel::action, what);
  emit faultRequested(step);
  monitor_->fault(step);
}

void ClusterController::kill(int rank) {
  fault({cluster::FaultKind::kill, {rank}});
}

void ClusterController::pause(int rank) {
  fault({cluster::FaultKind::stop, {rank}});
}

void ClusterController::resume(int rank) {
  fault({cluster::FaultKind::resume, {rank}});
}

void ClusterController::restart(int rank) {
  fault({cluster::FaultKind::restart, {rank}});
}

void ClusterController::mute(int rank, bool on) {
  fault({on ? cluster::FaultKind::mute : cluster::FaultKind::unmute, {rank}});
}

void ClusterController::loss(int rank, double percent) {
  cluster::FaultStep step{cluster::FaultKind::loss, {rank}};
  step.percent = percent;
  fault(step);
}

void ClusterController::delay(int rank, int delay_ms) {
  cluster::FaultStep step{cluster::FaultKind::delay, {rank}};
  step.delay_ms = delay_ms;
  fault(step);
}

void ClusterController::partition(const std::vector<std::vector<int>>& groups) {
  cluster::FaultStep step{cluster::FaultKind::partition};
  step.groups = groups;
  fault(step);
}

void ClusterController::heal() {
  fault({cluster::FaultKind::heal});
}

void ClusterController::inspect(int rank) {
  // Polled by open inspectors: no log line, and no error when the session has ended.
  if (monitor_ && state_ == State::live) monitor_->inspect(rank);
}

void ClusterController::setAutoBroadcast(double per_second, std::size_t size) {
  const bool changed = per_second != auto_rate_ || size != auto_size_;
  auto_rate_ = std::max(0.0, per_second);
  auto_size_ = size;
  if (auto_rate_ <= 0) {
    if (auto_timer_.isActive() && changed) log(LogLevel::action, tr("Automatic broadcasts off"));
    auto_timer_.stop();
    return;
  }
  if (state_ != State::live) return;  // starts with the session
  startAutoTimer();
  if (changed) {
    log(LogLevel::action,
        tr("Automatic broadcasts: %1 per second, %2 bytes").arg(auto_rate_, 0, 'g', 3).arg(size));
  }
}

void ClusterController::startAutoTimer() {
  auto_timer_.start(std::max(20, static_cast<int>(1000.0 / auto_rate_)));
}

void ClusterController::autoBroadcastTick() {
  if (!monitor_ || !cluster_ || cluster_->nodes.empty()) return;
  // The next answering node after the previous origin; rank order, wrapping around.
  const int count = static_cast<int>(cluster_->nodes.size());
  for (int step = 0; step < count; ++step) {
    const cluster::NodeInfo& node =
        cluster_->nodes[static_cast<std::size_t>((auto_next_rank_ - 1 + step) % count)];
    auto it = answering_.find(node.rank);
    if (it != answering_.end() && !it->second) continue;
    auto_next_rank_ = (auto_next_rank_ + step) % count + 1;
    monitor_->broadcast(node.rank, auto_size_);
    return;
  }
}

}  // namespace rt::gui
