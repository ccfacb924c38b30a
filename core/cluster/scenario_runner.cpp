#include "cluster/scenario_runner.hpp"

#include <algorithm>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>

#include "cluster/control_client.hpp"
#include "cluster/event_report.hpp"
#include "cluster/faults.hpp"
#include "cluster/launcher.hpp"
#include "cluster/monitor.hpp"
#include "cluster/ranks.hpp"
#include "cluster/recording.hpp"
#include "cluster/run_report.hpp"
#include "util/clock.hpp"
#include "util/log.hpp"

namespace rt::cluster {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using nlohmann::json;
using std::chrono::milliseconds;

constexpr milliseconds kRequestTimeout{2000};
constexpr milliseconds kConnectTimeout{15000};  // every node sees every peer before t = 0
constexpr milliseconds kProgressInterval{250};
constexpr milliseconds kLoopWait{50};        // longest sleep between two looks at the clock
constexpr Micros kRecordingLag = 1'000'000;  // see RecordingWriter: per-node streams merge
constexpr Micros kQuietWindow = 500'000;     // no payload traffic this long = quiet

// One broadcast of a BroadcastPlan, at its own time.
struct OneBroadcast {
  std::size_t size = 0;
  int origin = 0;  // 0: the next rank in rotation that can broadcast
  std::string group;
  int kind = 0;
};

struct TimedAction {
  Micros at_us = 0;
  int line = 0;
  std::variant<OneBroadcast, FaultStep> what;
};

// The timeline with every broadcast plan expanded, in time order (file order for ties).
std::vector<TimedAction> expand(const Scenario& s) {
  std::vector<TimedAction> actions;
  for (const ScenarioStep& step : s.timeline) {
    if (const auto* plan = std::get_if<BroadcastPlan>(&step.action)) {
      for (int i = 0; i < plan->count; ++i) {
        actions.push_back({step.at_us + i * plan->every_us, step.line,
                           OneBroadcast{plan->size, plan->origin, plan->group, plan->kind}});
      }
    } else {
      actions.push_back({step.at_us, step.line, std::get<FaultStep>(step.action)});
    }
  }
  std::stable_sort(actions.begin(), actions.end(),
                   [](const TimedAction& a, const TimedAction& b) { return a.at_us < b.at_us; });
  return actions;
}

// The recording note of a fault: the FaultStep's fields that apply to it.
json fault_note(const FaultStep& f) {
  json note = {{"fault", std::string(fault_name(f.kind))}};
  if (!f.ranks.empty()) note["ranks"] = f.ranks;
  if (f.link) note["link"] = {f.link->first, f.link->second};
  if (f.kind == FaultKind::loss) note["percent"] = f.percent;
  if (f.kind == FaultKind::delay) note["delay_ms"] = f.delay_ms;
  if (!f.groups.empty()) note["groups"] = f.groups;
  return note;
}

std::string describe_fault(const FaultStep& f) {
  std::string text(fault_name(f.kind));
  if (f.link)
    text += " link " + std::to_string(f.link->first) + "-" + std::to_string(f.link->second);
  if (!f.ranks.empty()) text += " " + format_ranks(f.ranks);
  for (std::size_t i = 0; i < f.groups.size(); ++i) {
    text += (i ? " / " : " ") + format_ranks(f.groups[i]);
  }
  return text;
}

std::string seconds_text(Micros us) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f s", static_cast<double>(us) / 1e6);
  return buf;
}

class Runner {
 public:
  Runner(const ScenarioRunOptions& o) : o_(o), s_(o.scenario) {}

  ~Runner() { cleanup(); }

  std::optional<ScenarioResult> run(std::string& error) {
    if (!prepare_dir(error) || !launch(error)) return std::nullopt;
    faults_.emplace(*cluster_);
    // The cluster is stopped as a whole at the end; restarting killed nodes first would only
    // cost time, so the controller does not undo on exit.
    faults_->keep_on_exit();
    MonitorOptions watch;
    watch.poll_interval = milliseconds(500);
    watch.max_pending_events = 400000;
    watch.from_start = true;  // the recording holds every event of these fresh nodes
    monitor_.emplace(*cluster_, watch);
    monitor_->start([this] {
      std::lock_guard lock(wake_mu_);
      woken_ = true;
      wake_cv_.notify_one();
    });
    if (!wait_connected(error) || !open_recording(error)) return std::nullopt;
    if (!play(error) || !settle(error) || !finish(error)) return std::nullopt;
    return result_;
  }

 private:
  // ---- set-up -----------------------------------------------------------------------------
  bool prepare_dir(std::string& error) {
    work_dir_ = o_.dir;
    if (work_dir_.empty()) {
      std::string pattern = (fs::temp_directory_path() / "raintree-scenario-XXXXXX").string();
      if (!::mkdtemp(pattern.data())) {
        error = "cannot create a temporary directory";
        return false;
      }
      work_dir_ = pattern;
      temp_dir_ = true;
    }
    record_file_ = o_.record_file.empty() ? work_dir_ / "scenario.rtrec" : o_.record_file;
    return true;
  }

  bool launch(std::string& error) {
    phase("starting");
    LaunchOptions l;
    l.nodes = s_.nodes;
    l.mode = s_.mode;
    l.dir = work_dir_;
    l.roles = s_.roles;
    l.advert_priority = s_.advert_priority;
    l.byzantine = s_.byzantine;
    l.node_binary = o_.node_binary;
    l.netns = o_.netns;
    l.network_progress = [this](int done, int total) {
      if (done == total) say("network namespaces ready: " + std::to_string(total));
    };
    l.progress = [this](int started, int total) {
      say("started " + std::to_string(started) + "/" + std::to_string(total) + " nodes");
    };
    l.cancelled = o_.cancelled;
    auto cluster = launch_cluster(l, error);
    if (!cluster) return false;
    cluster_ = std::move(*cluster);
    return true;
  }

  // Waits until every node has every peer connected, so that t = 0 starts from a whole mesh.
  bool wait_connected(std::string& error) {
    phase("connecting");
    const auto deadline = Clock::now() + kConnectTimeout;
    std::map<int, int> connected;  // rank -> peers connected, latest sample
    const int want = s_.nodes - 1;
    for (;;) {
      MonitorBatch batch = monitor_->take();
      keep_early(batch);
      for (const NodeSample& sample : batch.samples)
        connected[sample.rank] = sample.peers_connected;
      const bool all = static_cast<int>(connected.size()) == s_.nodes &&
                       std::all_of(connected.begin(), connected.end(),
                                   [&](const auto& kv) { return kv.second >= want; });
      if (all) return true;
      if (cancelled(error)) return false;
      if (Clock::now() >= deadline) {
        say("warning: not every node connected every peer within " +
            std::to_string(kConnectTimeout.count() / 1000) + " s; starting anyway");
        return true;
      }
      wait_for_wake(milliseconds(100));
    }
  }

  // Events from before t = 0 (peers coming up) go into the recording too.
  void keep_early(MonitorBatch& batch) {
    for (RankedEvent& e : batch.events) early_.push_back(std::move(e));
    lost_ += batch.dropped_events;
  }

  bool open_recording(std::string& error) {
    RecordingHeader header;
    header.mode = s_.mode;
    header.name = s_.name;
    start_us_ = wall_micros();
    start_ = Clock::now();
    header.started_us = start_us_;
    for (const NodeInfo& n : cluster_->nodes) header.nodes.push_back({n.rank, n.id, n.role});
    writer_ = RecordingWriter::create(record_file_, header, error);
    if (!writer_) return false;
    builder_.emplace(header);
    writer_->set_sink([this](const RecordingEntry& entry) { builder_->add(entry); });
    for (const NodeInfo& n : cluster_->nodes) {
      clients_.emplace(n.rank, nullptr);
    }
    add_events(early_);
    early_.clear();
    return true;
  }

  // ---- the timeline -----------------------------------------------------------------------
  bool play(std::string& error) {
    actions_ = expand(s_);
    for (const TimedAction& a : actions_) {
      if (std::holds_alternative<OneBroadcast>(a.what)) ++progress_.broadcasts_total;
    }
    progress_.duration_us = s_.duration_us() + s_.settle_us;
    phase("running");  // after the plan is known: the first line shows its totals
    for (const TimedAction& action : actions_) {
      while (elapsed_us() < action.at_us) {
        if (cancelled(error)) return false;
        pump(std::min<Micros>(action.at_us - elapsed_us(), kLoopWait.count() * 1000));
      }
      if (const auto* b = std::get_if<OneBroadcast>(&action.what)) {
        do_broadcast(*b, action.at_us);
      } else {
        do_fault(std::get<FaultStep>(action.what), action.at_us);
      }
      report_progress(true);
    }
    return true;
  }

  void do_broadcast(const OneBroadcast& b, Micros at_us) {
    const int origin = b.origin > 0 ? b.origin : next_origin(b.group);
    if (origin == 0) {
      say(seconds_text(at_us) + " broadcast skipped: no node can broadcast");
      return;
    }
    std::string why;
    const auto answer =
        ask(origin, {{"cmd", "broadcast"}, {"size", b.size}, {"group", b.group}, {"kind", b.kind}},
            why);
    if (!answer) {
      say(seconds_text(at_us) + " broadcast from rank " + std::to_string(origin) +
          " failed: " + why);
      return;
    }
    const Micros time_us = answer->value("time_us", wall_micros());
    writer_->add_note(time_us, {{"broadcast",
                                 {{"id", answer->value("id", std::string())},
                                  {"origin_rank", origin},
                                  {"group", b.group},
                                  {"size", b.size}}}});
    ++progress_.broadcasts_sent;
  }

  int next_origin(const std::string& group) {
    return rotation_.next(group, [this](int rank) {
      const NodeCondition c = faults_->condition(rank);
      return (c == NodeCondition::up || c == NodeCondition::partitioned) && !faults_->muted(rank);
    });
  }

  void do_fault(const FaultStep& step, Micros at_us) {
    const Micros applied_us = wall_micros();
    std::string message;
    const bool ok = faults_->apply(step, message);
    if (!ok) ++progress_.faults_failed;
    // The note is written even when part of the fault failed: the report then shows the
    // controller's intent next to what the nodes did.
    writer_->add_note(applied_us, fault_note(step));
    if (step.kind == FaultKind::kill || step.kind == FaultKind::restart) {
      for (int r : step.ranks) clients_[r].reset();  // that connection is gone
    }
    const std::string line = seconds_text(at_us) + " " + describe_fault(step) + ": " +
                             (ok ? message : "failed: " + message);
    progress_.last_step = line;
    say(line);
  }

  std::optional<json> ask(int rank, const json& command, std::string& error) {
    auto& client = clients_[rank];
    for (int attempt = 0; attempt < 2; ++attempt) {
      if (!client || !client->connected()) {
        const NodeInfo* n = cluster_->by_rank(rank);
        client = ControlClient::connect(*n, kRequestTimeout, error);
        if (!client) return std::nullopt;
      }
      auto answer = client->request(command, kRequestTimeout, error);
      if (answer) {
        if (answer->value("ok", false)) return answer;
        error = answer->value("error", std::string("refused"));
        return std::nullopt;
      }
      client.reset();  // a broken channel (e.g. after a restart): one fresh try
    }
    return std::nullopt;
  }

  // ---- the end ------------------------------------------------------------------------------
  // Waits out the settle time, then until no payload has moved for kQuietWindow (at most one
  // more settle time), so late catch-ups make it into the report.
  bool settle(std::string& error) {
    phase("settling");
    const Micros settle_end = s_.duration_us() + s_.settle_us;
    while (elapsed_us() < settle_end) {
      if (cancelled(error)) return false;
      pump(std::min<Micros>(settle_end - elapsed_us(), kLoopWait.count() * 1000));
    }
    const Micros give_up = settle_end + s_.settle_us;
    while (elapsed_us() < give_up && wall_micros() - last_payload_us_ < kQuietWindow) {
      if (cancelled(error)) return false;
      pump(kLoopWait.count() * 1000);
    }
    return true;
  }

  bool finish(std::string& error) {
    phase("reporting");
    json counters = json::object();
    for (const NodeInfo& n : cluster_->nodes) {
      const NodeCondition c = faults_->condition(n.rank);
      if (c == NodeCondition::killed || c == NodeCondition::stopped) continue;
      std::string why;
      if (auto answer = ask(n.rank, {{"cmd", "counters"}}, why)) {
        counters[std::to_string(n.rank)] = std::move(*answer);
      } else {
        say("warning: no final counters from rank " + std::to_string(n.rank) + ": " + why);
      }
    }
    // Last events: what the nodes pushed until now.
    pump(0);
    monitor_->stop();
    MonitorBatch last = monitor_->take();
    lost_ += last.dropped_events;
    add_events(last.events);
    const Micros end_us = wall_micros();
    writer_->add_note(end_us, {{"counters", std::move(counters)}});
    writer_->add_note(end_us, {{"end", {{"events_lost", lost_}}}});
    if (!writer_->finish(error)) return false;
    result_.report = builder_->build();
    result_.events = writer_->events_written();
    result_.events_lost = lost_;
    result_.recording_bytes = writer_->bytes_written();
    return true;
  }

  void cleanup() {
    if (monitor_) monitor_->stop();
    monitor_.reset();
    faults_.reset();
    clients_.clear();
    if (cluster_) {
      say("stopping " + std::to_string(cluster_->nodes.size()) + " nodes");
      std::string why;
      if (!stop_cluster(*cluster_, why)) say("warning: " + why);
      cluster_.reset();
    }
    if (writer_) {
      std::string why;
      writer_->finish(why);
      writer_.reset();
    }
    std::error_code ec;
    if (o_.record_file.empty()) fs::remove(record_file_, ec);
    if (temp_dir_) fs::remove_all(work_dir_, ec);
  }

  // ---- plumbing -----------------------------------------------------------------------------
  // Moves the monitor's events into the recording and waits up to `wait_us` for more.
  void pump(Micros wait_us) {
    if (wait_us > 0) wait_for_wake(milliseconds(std::max<Micros>(1, wait_us / 1000)));
    MonitorBatch batch = monitor_->take();
    lost_ += batch.dropped_events;
    add_events(batch.events);
    for (const std::string& line : batch.log) RT_LOG(debug, "scenario", line);
    writer_->flush_older_than(wall_micros(), kRecordingLag);
    report_progress(false);
  }

  void add_events(std::vector<RankedEvent>& events) {
    std::map<int, std::vector<wire::EventRecord>> by_rank;
    for (RankedEvent& e : events) {
      if (e.event.kind == wire::EventKind::deliver) ++progress_.deliveries;
      if (wire::is_payload_type(e.event.msg_type) &&
          (e.event.kind == wire::EventKind::send || e.event.kind == wire::EventKind::receive)) {
        last_payload_us_ = std::max(last_payload_us_, e.event.time_us);
      }
      by_rank[e.rank].push_back(e.event);
    }
    for (auto& [rank, list] : by_rank) writer_->add_events(rank, list);
    progress_.events += events.size();
    events.clear();
  }

  void wait_for_wake(milliseconds limit) {
    std::unique_lock lock(wake_mu_);
    wake_cv_.wait_for(lock, limit, [this] { return woken_; });
    woken_ = false;
  }

  Micros elapsed_us() const {
    return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start_).count();
  }

  bool cancelled(std::string& error) const {
    if (o_.cancelled && o_.cancelled()) {
      error = "interrupted";
      return true;
    }
    return false;
  }

  void phase(const std::string& name) {
    progress_.phase = name;
    report_progress(true);
  }

  void report_progress(bool now) {
    if (!o_.progress && !o_.inspect) return;
    const auto t = Clock::now();
    if (!now && t - last_progress_ < kProgressInterval) return;
    last_progress_ = t;
    progress_.elapsed_us = start_us_ ? elapsed_us() : 0;
    if (o_.progress) o_.progress(progress_);
    if (o_.inspect && cluster_) o_.inspect(progress_, *cluster_);
  }

  void say(const std::string& line) const {
    if (o_.log) o_.log(line);
  }

  const ScenarioRunOptions& o_;
  const Scenario& s_;
  fs::path work_dir_, record_file_;
  bool temp_dir_ = false;
  std::optional<ClusterInfo> cluster_;
  std::optional<FaultController> faults_;
  std::optional<ClusterMonitor> monitor_;
  std::unique_ptr<RecordingWriter> writer_;
  std::optional<EventReportBuilder> builder_;
  std::map<int, std::unique_ptr<ControlClient>> clients_;
  std::vector<RankedEvent> early_;
  std::vector<TimedAction> actions_;
  ScenarioProgress progress_;
  ScenarioResult result_;
  std::uint64_t lost_ = 0;
  OriginRotation rotation_{s_};
  Micros start_us_ = 0;
  Micros last_payload_us_ = 0;
  Clock::time_point start_{}, last_progress_{};
  std::mutex wake_mu_;
  std::condition_variable wake_cv_;
  bool woken_ = false;
};

}  // namespace

std::optional<ScenarioResult> run_scenario(const ScenarioRunOptions& options, std::string& error) {
  error.clear();
  if (options.scenario.nodes < 1) {
    error = "the scenario has no nodes";
    return std::nullopt;
  }
  Runner runner(options);
  auto result = runner.run(error);
  return result;
}

}  // namespace rt::cluster
