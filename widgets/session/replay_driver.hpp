// Plays a recording (`raintree-lab scenario --record`) into the studio's views with no cluster:
// it emits the same signals a live session does (clusterReady, eventsArrived, samplesArrived,
// logged), paced by a timer at a chosen speed, and can pause, play and seek. The file is read on
// a worker thread; the GUI thread only moves the playhead (cluster/replay_player.hpp).
#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QString>
#include <QTimer>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "cluster/replay_player.hpp"
#include "models/event_log_model.hpp"

namespace rt::gui {

class ReplayDriver : public QObject {
  Q_OBJECT

 public:
  explicit ReplayDriver(QObject* parent = nullptr);
  ~ReplayDriver() override;  // joins the loading thread

  // Builds a player on a worker thread; null with a reason in `error` when it cannot.
  using PlayerSource = std::function<std::unique_ptr<cluster::ReplayPlayer>(std::string& error)>;
  static PlayerSource fileSource(const QString& file);  // reads a recording file

  // Reads the file on a worker thread, then emits loaded() (and clusterReady(), and starts
  // playing) or failed().
  void load(const QString& file);
  // The same for a recording made some other way (`name` is what the log calls it).
  void load(const QString& name, PlayerSource source);

  bool isLoaded() const { return player_ != nullptr; }
  qint64 durationMs() const;
  qint64 positionMs() const;
  bool isPlaying() const { return playing_; }
  double speed() const { return speed_; }
  QString fileName() const { return file_; }

  void setPlaying(bool playing);
  void setSpeed(double speed);  // clamped to 0.1..64
  // Moves the playhead; going back replays the views from the start up to there at once.
  void seek(qint64 ms);

 signals:
  void loaded(qint64 duration_ms);
  void failed(const QString& reason);
  void clusterReady(const rt::cluster::ClusterInfo& cluster);
  void eventsArrived(const std::vector<rt::cluster::RankedEvent>& events);
  void samplesArrived(const std::vector<rt::cluster::NodeSample>& samples);
  void logged(const std::vector<rt::gui::LogEntry>& entries);
  void positionChanged(qint64 position_ms, qint64 duration_ms);
  void playingChanged(bool playing);
  void finished();  // the playhead reached the end
  // After each step handed to the views: how many events it carried and how long the
  // connected views took to take it in (what --bench measures as ingest cost).
  void stepPublished(int events, qint64 nanoseconds);

 private:
  void onLoaded();
  void tick();
  void moveTo(Micros position_us);
  void publish(const cluster::ReplayStep& step);
  cluster::ReplayStep advance(Micros position_us);

  QString file_;
  std::thread loader_;
  std::mutex mutex_;  // guards the two fields below while the loader runs
  std::unique_ptr<cluster::ReplayPlayer> loaded_player_;
  std::string load_error_;

  std::unique_ptr<cluster::ReplayPlayer> player_;
  QTimer timer_;
  QElapsedTimer wall_;
  double speed_ = 1.0;
  bool playing_ = false;
  double position_us_ = 0;       // fractional: small ticks at low speeds add up
  QElapsedTimer since_samples_;  // counters go out at a live monitor's pace, not every tick
};

}  // namespace rt::gui
