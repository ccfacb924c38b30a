#include "cluster/monitor.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <deque>
#include <set>
#include <thread>

#include "cluster/control_client.hpp"
#include "cluster/faults.hpp"
#include "cluster/process.hpp"
#include "cluster/run_report.hpp"
#include "util/clock.hpp"

namespace rt::cluster {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;
using std::chrono::milliseconds;

constexpr milliseconds kConnectTimeout{300};
constexpr milliseconds kRequestTimeout{500};
constexpr milliseconds kFirstRetry{250};
constexpr milliseconds kMaxRetry{2000};
constexpr milliseconds kMaxWait{100};

// What the monitor thread keeps per node.
struct Watch {
  const NodeInfo* info = nullptr;
  std::unique_ptr<ControlClient> events;  // subscribed
  std::unique_ptr<ControlClient> poller;  // counters and commands
  Clock::time_point next_connect{};
  milliseconds retry = kFirstRetry;
  bool answering = false;
  int pid = 0;                 // the node process the stream belongs to (status "pid")
  std::uint64_t next_seq = 0;  // the seq after the last event received from it
};

NodeSample parse_sample(int rank, const json& counters) {
  NodeSample s;
  s.rank = rank;
  s.time_us = counters.value("time_us", Micros{0});
  const json node = counters.value("node", json::object());
  s.bytes_in = counter(node, "bytes_in");
  s.bytes_out = counter(node, "bytes_out");
  s.frames_in = counter(node, "frames_in");
  s.frames_out = counter(node, "frames_out");
  s.delivered = counter(node, "delivered");
  s.duplicates = counter(node, "duplicates");
  s.drops = counter(node, "drops");
  for (const json& p : counters.value("peers", json::array())) {
    const auto id = NodeId::from_hex(p.value("id", std::string()));
    if (!id) continue;
    PeerSample peer;
    peer.peer = *id;
    peer.connected = p.value("connected", false);
    peer.bytes_in = counter(p, "bytes_in");
    peer.bytes_out = counter(p, "bytes_out");
    peer.frames_in = counter(p, "frames_in");
    peer.frames_out = counter(p, "frames_out");
    peer.duplicates = counter(p, "duplicates");
    peer.drops = counter(p, "drops");
    peer.queue_frames = counter(p, "queue_frames");
    peer.queue_bytes = counter(p, "queue_bytes");
    peer.queue_high_water_frames = counter(p, "queue_high_water_frames");
    peer.last_heard_us = static_cast<Micros>(counter(p, "last_heard_us"));
    if (peer.connected) ++s.peers_connected;
    s.peers.push_back(std::move(peer));
  }
  return s;
}

}  // namespace

struct ClusterMonitor::Impl {
  using Command = std::function<void(std::vector<Watch>&, MonitorBatch&)>;

  ClusterInfo cluster;  // the monitor thread's own copy: a restart updates its pids
  MonitorOptions options;
  std::thread thread;
  std::atomic<bool> stopping{false};
  int wake_pipe[2] = {-1, -1};  // commands and stop() interrupt the thread's poll(2)
  // Monitor thread only: created when the thread starts, undone and destroyed when it ends.
  std::unique_ptr<FaultController> faults;
  bool poll_now = false;  // a fault ran: sample every node before publishing

  std::mutex mu;  // guards everything below
  std::function<void()> wake;
  std::deque<RankedEvent> events;  // apart from `pending`: the oldest go first past the bound
  MonitorBatch pending;            // everything but events
  bool notified = false;
  std::deque<Command> commands;
  std::set<int> inspect_queued;  // ranks with an inspect() still in `commands`

  Impl(const ClusterInfo& c, MonitorOptions o) : cluster(c), options(o) {
    if (::pipe2(wake_pipe, O_CLOEXEC | O_NONBLOCK) != 0) wake_pipe[0] = wake_pipe[1] = -1;
  }
  ~Impl() {
    for (int fd : wake_pipe) {
      if (fd >= 0) ::close(fd);
    }
  }

  void poke() {
    if (wake_pipe[1] >= 0) [[maybe_unused]]
      auto n = ::write(wake_pipe[1], "x", 1);
  }

  void queue(Command command) {
    {
      std::lock_guard lock(mu);
      commands.push_back(std::move(command));
    }
    poke();
  }

  // Hands `fresh` over (and empties it); calls wake() when the pending batch turns non-empty.
  void publish(MonitorBatch& fresh) {
    if (fresh.events.empty() && !fresh.dropped_events && fresh.samples.empty() &&
        fresh.log.empty() && fresh.faults.empty() && fresh.inspections.empty()) {
      return;
    }
    // The latest per rank replaces what the caller has not taken yet.
    const auto merge = [](auto& into, auto& from) {
      for (auto& item : from) {
        auto it = std::find_if(into.begin(), into.end(),
                               [&](const auto& x) { return x.rank == item.rank; });
        if (it != into.end())
          *it = std::move(item);
        else
          into.push_back(std::move(item));
      }
    };
    std::function<void()> call;
    {
      std::lock_guard lock(mu);
      for (RankedEvent& e : fresh.events) events.push_back(std::move(e));
      pending.dropped_events += fresh.dropped_events;
      while (events.size() > options.max_pending_events) {
        events.pop_front();
        ++pending.dropped_events;
      }
      merge(pending.samples, fresh.samples);
      merge(pending.inspections, fresh.inspections);
      for (std::string& line : fresh.log) pending.log.push_back(std::move(line));
      for (FaultOutcome& f : fresh.faults) pending.faults.push_back(std::move(f));
      if (!notified && wake) {
        notified = true;
        call = wake;
      }
    }
    fresh = MonitorBatch{};
    if (call) call();
  }

  void connect(Watch& w, std::vector<std::string>& lines) {
    const NodeInfo& n = *w.info;
    if (n.pid > 0 && process_state(n.pid) == ProcessState::stopped) return;
    std::string why;
    auto events_client = ControlClient::connect(n, kConnectTimeout, why);
    auto poller = events_client ? ControlClient::connect(n, kConnectTimeout, why) : nullptr;
    std::optional<json> status;
    if (poller) status = poller->request({{"cmd", "status"}}, kRequestTimeout, why);
    const int pid = status ? status->value("pid", 0) : 0;
    std::optional<std::uint64_t> from;
    if (pid != 0 && pid == w.pid)
      from = w.next_seq;  // the same process: resume
    else if (w.pid != 0 || options.from_start)
      from = 1;  // a restarted process (or a recording): from its first event (seqs start at 1)
    if (status && events_client->subscribe(why, kRequestTimeout, from)) {
      if (pid != w.pid) w.next_seq = 0;
      w.pid = pid;
      w.events = std::move(events_client);
      w.poller = std::move(poller);
      w.retry = kFirstRetry;
      lines.push_back("rank " + std::to_string(n.rank) + ": connected");
      return;
    }
    // Tolerate nodes that are down: try again later, more slowly each time.
    w.next_connect = Clock::now() + w.retry;
    w.retry = std::min(w.retry * 2, kMaxRetry);
  }

  void lose(Watch& w, const std::string& why, std::vector<std::string>& lines) {
    if (w.events) lines.push_back("rank " + std::to_string(w.info->rank) + ": " + why);
    w.events.reset();
    w.poller.reset();
    w.answering = false;
    w.next_connect = Clock::now() + w.retry;
  }

  NodeSample sample(Watch& w, std::vector<std::string>& lines) {
    const NodeInfo& n = *w.info;
    // pid 0: a node of an attached cluster whose process is not on this machine (or not
    // known); only its control channel tells whether it lives.
    const bool local = n.pid > 0;
    if (local) reap_child(n.pid);
    const ProcessState state = !local ? ProcessState::running
                               : process_has_argument(n.pid, n.process_marker())
                                   ? process_state(n.pid)
                                   : ProcessState::gone;
    NodeSample s;
    s.rank = n.rank;
    if (w.poller && state == ProcessState::running) {
      std::string why;
      const auto answer = w.poller->request({{"cmd", "counters"}}, kRequestTimeout, why);
      if (answer && answer->value("ok", false)) {
        s = parse_sample(n.rank, *answer);
        s.answering = true;
      } else if (!w.poller->connected()) {
        lose(w, "control channel lost: " + why, lines);
      }
    }
    s.pid = n.pid;
    s.process_alive =
        local ? state == ProcessState::running || state == ProcessState::stopped : s.answering;
    s.stopped = state == ProcessState::stopped;
    s.condition = faults->condition(n.rank);
    if (s.time_us == 0) s.time_us = wall_micros();
    w.answering = s.answering;
    return s;
  }

  void apply_fault(const FaultStep& step, std::vector<Watch>& watches, MonitorBatch& out) {
    FaultOutcome outcome{step, false, {}};
    outcome.ok = faults->apply(step, outcome.message);
    out.log.push_back(outcome.ok
                          ? outcome.message
                          : std::string(fault_name(step.kind)) + " failed: " + outcome.message);
    if (outcome.ok && (step.kind == FaultKind::kill || step.kind == FaultKind::restart)) {
      for (int rank : step.ranks) {
        Watch& w = watches[static_cast<std::size_t>(rank - 1)];
        lose(w, step.kind == FaultKind::kill ? "killed" : "restarted", out.log);
        if (step.kind == FaultKind::restart) {  // follow the new process at once
          w.retry = kFirstRetry;
          w.next_connect = Clock::now();
        }
      }
    }
    out.faults.push_back(std::move(outcome));
    poll_now = true;
  }

  void inspect(int rank, std::vector<Watch>& watches, MonitorBatch& out) {
    InspectAnswer answer;
    answer.rank = rank;
    answer.time_us = wall_micros();
    if (rank < 1 || rank > static_cast<int>(watches.size())) {
      answer.error = "no such rank";
    } else if (Watch& w = watches[static_cast<std::size_t>(rank - 1)]; !w.poller) {
      answer.error = "node not connected";
    } else if (auto reply = w.poller->request({{"cmd", "inspect"}}, kRequestTimeout, answer.error);
               !reply) {
      if (!w.poller->connected()) lose(w, "control channel lost: " + answer.error, out.log);
    } else if (!reply->value("ok", false)) {
      answer.error = reply->value("error", std::string("refused"));
    } else {
      answer.ok = true;
      answer.time_us = reply->value("time_us", answer.time_us);
      answer.engine = std::move((*reply)["engine"]);
    }
    out.inspections.push_back(std::move(answer));
  }

  void run() {
    FaultOptions fault_options;
    fault_options.restart_killed_on_undo = options.restart_killed_on_stop;
    faults = std::make_unique<FaultController>(cluster, fault_options);
    std::vector<Watch> watches(cluster.nodes.size());
    for (std::size_t i = 0; i < watches.size(); ++i) watches[i].info = &cluster.nodes[i];
    MonitorBatch out;
    auto next_poll = Clock::now();
    while (!stopping) {
      for (Watch& w : watches) {
        if (!w.events && Clock::now() >= w.next_connect) connect(w, out.log);
      }
      for (Watch& w : watches) {
        std::string why;
        while (w.events) {
          auto batch = w.events->next_events(milliseconds(0), why);
          if (!batch) {
            if (!why.empty()) lose(w, "event stream lost: " + why, out.log);
            break;
          }
          out.dropped_events += batch->dropped;
          if (!batch->events.empty()) w.next_seq = batch->events.back().seq + 1;
          for (wire::EventRecord& e : batch->events) {
            out.events.push_back({w.info->rank, std::move(e)});
          }
        }
      }
      // Commands before the sweep, so that samples published with a fault's outcome show it.
      std::deque<Command> todo;
      {
        std::lock_guard lock(mu);
        todo.swap(commands);
        inspect_queued.clear();
      }
      for (auto& command : todo) command(watches, out);
      if (poll_now || Clock::now() >= next_poll) {
        for (Watch& w : watches) out.samples.push_back(sample(w, out.log));
        // Self-pacing: the interval counts from the end of a sweep, so slow nodes slow it.
        next_poll = Clock::now() + options.poll_interval;
        poll_now = false;
      }
      publish(out);
      wait(watches, next_poll);
    }
    // Leave the cluster as it was found (as far as this monitor changed it).
    std::string undone;
    if (!faults->undo_all(undone)) out.log.push_back(undone);
    faults.reset();
    publish(out);
  }

  // Sleeps until an event stream has bytes, a command or stop() arrives, or the next poll.
  void wait(const std::vector<Watch>& watches, Clock::time_point next_poll) {
    std::vector<pollfd> fds;
    if (wake_pipe[0] >= 0) fds.push_back({wake_pipe[0], POLLIN, 0});
    for (const Watch& w : watches) {
      if (w.events && w.events->native_handle() >= 0) {
        fds.push_back({w.events->native_handle(), POLLIN, 0});
      }
    }
    auto until = std::min(next_poll, Clock::now() + kMaxWait);
    const auto ms = std::chrono::duration_cast<milliseconds>(until - Clock::now()).count();
    ::poll(fds.data(), fds.size(), static_cast<int>(std::max<long long>(0, ms)));
    char drain[64];
    while (wake_pipe[0] >= 0 && ::read(wake_pipe[0], drain, sizeof drain) > 0) {
    }
  }
};

ClusterMonitor::ClusterMonitor(ClusterInfo cluster, MonitorOptions options)
    : cluster_(std::move(cluster)), impl_(std::make_unique<Impl>(cluster_, options)) {}

ClusterMonitor::~ClusterMonitor() {
  stop();
}

void ClusterMonitor::start(std::function<void()> wake) {
  if (impl_->thread.joinable()) return;
  {
    std::lock_guard lock(impl_->mu);
    impl_->wake = std::move(wake);
  }
  impl_->stopping = false;
  impl_->thread = std::thread([impl = impl_.get()] { impl->run(); });
}

void ClusterMonitor::stop() {
  if (!impl_->thread.joinable()) return;
  impl_->stopping = true;
  impl_->poke();
  impl_->thread.join();
}

MonitorBatch ClusterMonitor::take() {
  std::lock_guard lock(impl_->mu);
  MonitorBatch batch = std::exchange(impl_->pending, MonitorBatch{});
  batch.events.assign(std::make_move_iterator(impl_->events.begin()),
                      std::make_move_iterator(impl_->events.end()));
  impl_->events.clear();
  impl_->notified = false;
  return batch;
}

void ClusterMonitor::broadcast(int origin_rank, std::size_t size, const std::string& group,
                               int kind) {
  impl_->queue([origin_rank, size, group, kind](std::vector<Watch>& watches, MonitorBatch& out) {
    std::string line = "broadcast from rank " + std::to_string(origin_rank) + ": ";
    if (origin_rank < 1 || origin_rank > static_cast<int>(watches.size())) {
      line += "no such rank";
    } else if (Watch& w = watches[static_cast<std::size_t>(origin_rank - 1)]; !w.poller) {
      line += "node not connected";
    } else {
      std::string why;
      const auto answer = w.poller->request(
          {{"cmd", "broadcast"}, {"size", size}, {"group", group}, {"kind", kind}},
          milliseconds(2000), why);
      if (!answer)
        line += why;
      else if (!answer->value("ok", false))
        line += answer->value("error", std::string("refused"));
      else
        line += "id " + answer->value("id", std::string("?"));
    }
    out.log.push_back(std::move(line));
  });
}

void ClusterMonitor::fault(FaultStep step) {
  impl_->queue(
      [impl = impl_.get(), step = std::move(step)](std::vector<Watch>& watches, MonitorBatch& out) {
        impl->apply_fault(step, watches, out);
      });
}

void ClusterMonitor::kill(int rank) {
  fault(FaultStep{FaultKind::kill, {rank}});
}

void ClusterMonitor::pause(int rank) {
  fault(FaultStep{FaultKind::stop, {rank}});
}

void ClusterMonitor::resume(int rank) {
  fault(FaultStep{FaultKind::resume, {rank}});
}

void ClusterMonitor::inspect(int rank) {
  {
    std::lock_guard lock(impl_->mu);
    if (!impl_->inspect_queued.insert(rank).second) return;
  }
  impl_->queue([impl = impl_.get(), rank](std::vector<Watch>& watches, MonitorBatch& out) {
    impl->inspect(rank, watches, out);
  });
}

}  // namespace rt::cluster
