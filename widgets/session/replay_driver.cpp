#include "session/replay_driver.hpp"

#include <algorithm>

namespace rt::gui {
namespace {

constexpr int kTickMs = 50;  // 20 steps a second: smooth enough, cheap enough
// Counters as often as a live ClusterMonitor polls them: copying every node's per-peer
// counters is O(nodes x peers), too much for every tick of a 300-node recording.
constexpr qint64 kSampleMs = 250;

// One event-log line per controller note of the recording (broadcasts issued, faults applied).
std::optional<LogEntry> log_entry(const cluster::RecordedNote& note) {
  const nlohmann::json& n = note.note;
  LogEntry entry;
  entry.time = QDateTime::fromMSecsSinceEpoch(note.time_us / 1000);
  entry.level = LogLevel::action;
  if (const auto b = n.find("broadcast"); b != n.end() && b->is_object()) {
    entry.text = QObject::tr("broadcast from rank %1: id %2")
                     .arg(b->value("origin_rank", 0))
                     .arg(QString::fromStdString(b->value("id", std::string())));
    return entry;
  }
  if (const auto f = n.find("fault"); f != n.end() && f->is_string()) {
    QString ranks;
    for (const auto& r : n.value("ranks", nlohmann::json::array())) {
      if (r.is_number_integer())
        ranks += (ranks.isEmpty() ? "" : ",") + QString::number(r.get<int>());
    }
    for (const auto& group : n.value("groups", nlohmann::json::array())) {
      QString members;
      for (const auto& r : group) {
        if (r.is_number_integer()) {
          members += (members.isEmpty() ? "" : ",") + QString::number(r.get<int>());
        }
      }
      ranks += (ranks.isEmpty() ? "" : " / ") + members;
    }
    entry.text = QObject::tr("fault %1 %2")
                     .arg(QString::fromStdString(f->get<std::string>()), ranks)
                     .trimmed();
    return entry;
  }
  return std::nullopt;  // counters and end notes: nothing a viewer needs in the log
}

}  // namespace

ReplayDriver::ReplayDriver(QObject* parent) : QObject(parent) {
  timer_.setInterval(kTickMs);
  connect(&timer_, &QTimer::timeout, this, &ReplayDriver::tick);
}

ReplayDriver::~ReplayDriver() {
  if (loader_.joinable()) loader_.join();
}

ReplayDriver::PlayerSource ReplayDriver::fileSource(const QString& file) {
  return [path = file.toStdString()](std::string& error) {
    return cluster::ReplayPlayer::load(path, error);
  };
}

void ReplayDriver::load(const QString& file) {
  load(file, fileSource(file));
}

void ReplayDriver::load(const QString& name, PlayerSource source) {
  if (loader_.joinable()) loader_.join();
  file_ = name;
  loader_ = std::thread([this, source = std::move(source)] {
    std::string error;
    auto player = source(error);
    {
      std::lock_guard lock(mutex_);
      loaded_player_ = std::move(player);
      load_error_ = std::move(error);
    }
    QMetaObject::invokeMethod(this, &ReplayDriver::onLoaded, Qt::QueuedConnection);
  });
}

void ReplayDriver::onLoaded() {
  if (loader_.joinable()) loader_.join();
  std::string error;
  {
    std::lock_guard lock(mutex_);
    player_ = std::move(loaded_player_);
    error = std::move(load_error_);
  }
  if (!player_) {
    emit failed(tr("Cannot play %1: %2").arg(file_, QString::fromStdString(error)));
    return;
  }
  std::vector<LogEntry> intro{
      {QDateTime::currentDateTime(), LogLevel::info,
       tr("Playing %1: %2 nodes, mode %3, %4 s, %5 entries%6")
           .arg(file_)
           .arg(player_->header().nodes.size())
           .arg(QString::fromStdString(player_->header().mode))
           .arg(static_cast<double>(player_->duration_us()) / 1e6, 0, 'f', 1)
           .arg(player_->entry_count())
           .arg(player_->truncated() ? tr(" (cut: the file is longer)") : QString())}};
  emit loaded(durationMs());
  emit clusterReady(player_->cluster());
  emit logged(intro);
  position_us_ = 0;
  publish(advance(0));
  setPlaying(true);
}

qint64 ReplayDriver::durationMs() const {
  return player_ ? player_->duration_us() / 1000 : 0;
}

qint64 ReplayDriver::positionMs() const {
  return player_ ? player_->position_us() / 1000 : 0;
}

void ReplayDriver::setPlaying(bool playing) {
  if (!player_) return;
  if (playing && player_->at_end()) moveTo(0);  // play again from the start
  if (playing == playing_) return;
  playing_ = playing;
  if (playing_) {
    wall_.start();
    timer_.start();
  } else {
    timer_.stop();
  }
  emit playingChanged(playing_);
}

void ReplayDriver::setSpeed(double speed) {
  speed_ = std::clamp(speed, 0.1, 64.0);
}

void ReplayDriver::seek(qint64 ms) {
  if (!player_) return;
  moveTo(static_cast<Micros>(ms) * 1000);
}

void ReplayDriver::tick() {
  const double elapsed_us = static_cast<double>(wall_.nsecsElapsed()) / 1000.0;
  wall_.restart();
  position_us_ += elapsed_us * speed_;
  moveTo(static_cast<Micros>(position_us_));
  if (player_->at_end()) {
    setPlaying(false);
    emit finished();
  }
}

void ReplayDriver::moveTo(Micros position_us) {
  if (position_us < player_->position_us()) {
    // Back in time: the views start over and take everything up to there in one go.
    emit clusterReady(player_->cluster());
  }
  publish(advance(position_us));
  position_us_ = static_cast<double>(player_->position_us());
}

cluster::ReplayStep ReplayDriver::advance(Micros position_us) {
  // Seeking back restarts the views: they need counters at once, as at the end.
  const bool rewinding = position_us < player_->position_us();
  const bool due = !since_samples_.isValid() || since_samples_.elapsed() >= kSampleMs ||
                   rewinding || position_us >= player_->duration_us();
  if (due) since_samples_.start();
  return player_->advance_to(position_us, due);
}

void ReplayDriver::publish(const cluster::ReplayStep& step) {
  QElapsedTimer cost;
  cost.start();
  if (!step.events.empty()) emit eventsArrived(step.events);
  if (!step.samples.empty()) emit samplesArrived(step.samples);
  std::vector<LogEntry> lines;
  for (const cluster::RecordedNote& note : step.notes) {
    if (auto entry = log_entry(note)) lines.push_back(std::move(*entry));
  }
  if (!lines.empty()) emit logged(lines);
  emit positionChanged(positionMs(), durationMs());
  emit stepPublished(static_cast<int>(step.events.size()), cost.nsecsElapsed());
}

}  // namespace rt::gui
