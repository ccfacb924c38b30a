#include "cluster/run.hpp"

#include <signal.h>
#include <stdlib.h>

#include <algorithm>
#include <thread>

#include "cluster/control_client.hpp"
#include "cluster/faults.hpp"
#include "cluster/launcher.hpp"
#include "cluster/process.hpp"
#include "cluster/ranks.hpp"
#include "cluster/run_report.hpp"

namespace rt::cluster {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using nlohmann::json;
using std::chrono::milliseconds;

constexpr milliseconds kRequestTimeout{3000};
constexpr milliseconds kPollInterval{50};
constexpr std::size_t kMaxBroadcastSize = (16u << 20) - 1024;

// Owns what a run started: stops every node and removes the temporary directory on every path
// out of run_cluster (success, error, interruption).
class RunGuard {
 public:
  explicit RunGuard(std::function<void(const std::string&)> progress)
      : progress_(std::move(progress)) {}
  ~RunGuard() { finish(); }
  void set_cluster(ClusterInfo info) { cluster_ = std::move(info); }
  void set_temp_dir(fs::path dir) { temp_dir_ = std::move(dir); }
  const ClusterInfo& cluster() const { return *cluster_; }
  ClusterInfo& cluster() { return *cluster_; }

  void finish() {
    if (cluster_) {
      say("stopping " + std::to_string(cluster_->nodes.size()) + " nodes");
      std::string error;
      if (!stop_cluster(*cluster_, error)) say("warning: " + error);
      cluster_.reset();
    }
    if (!temp_dir_.empty()) {
      std::error_code ec;
      fs::remove_all(temp_dir_, ec);
      temp_dir_.clear();
    }
  }

 private:
  void say(const std::string& line) {
    if (progress_) progress_(line);
  }
  std::function<void(const std::string&)> progress_;
  std::optional<ClusterInfo> cluster_;
  fs::path temp_dir_;
};

}  // namespace

bool validate_run_options(const RunOptions& o, std::string& error) {
  error.clear();
  auto in_range = [&](int r) { return r >= 1 && r <= o.nodes; };
  if (o.nodes < 1 || o.nodes > 1000) {
    error = "--nodes must be between 1 and 1000, got " + std::to_string(o.nodes);
  } else if (o.broadcasts < 1) {
    error = "--broadcasts must be at least 1";
  } else if (o.size < 1 || o.size > kMaxBroadcastSize) {
    error = "--size must be between 1 and " + std::to_string(kMaxBroadcastSize) + " bytes";
  } else if (!in_range(o.origin_rank)) {
    error =
        "--origin " + std::to_string(o.origin_rank) + " is outside 1.." + std::to_string(o.nodes);
  } else {
    for (const auto* list : {&o.kill, &o.stop}) {
      for (int r : *list) {
        if (!in_range(r))
          error = "rank " + std::to_string(r) + " is outside 1.." + std::to_string(o.nodes);
        if (r == o.origin_rank)
          error = "the origin rank " + std::to_string(r) + " cannot be faulted";
      }
    }
    for (int r : o.kill) {
      if (std::find(o.stop.begin(), o.stop.end(), r) != o.stop.end()) {
        error = "rank " + std::to_string(r) + " is both killed and stopped";
      }
    }
    for (int r : o.byzantine) {
      if (!in_range(r))
        error = "rank " + std::to_string(r) + " is outside 1.." + std::to_string(o.nodes);
    }
    if (error.empty() && !o.byzantine.empty() && o.mode != "advert")
      error = "--byzantine needs --mode advert (the only mode whose bodies carry a hash)";
    for (const FaultStep& step : o.network_faults) {
      if (!error.empty()) break;
      for (int r : step.ranks) {
        if (!in_range(r))
          error = "rank " + std::to_string(r) + " is outside 1.." + std::to_string(o.nodes);
      }
      if (error.empty() && step.kind == FaultKind::mute &&
          std::find(step.ranks.begin(), step.ranks.end(), o.origin_rank) != step.ranks.end())
        error = "the origin rank " + std::to_string(o.origin_rank) + " cannot be muted";
      if (error.empty() && step.kind == FaultKind::partition)
        check_partition(step.groups, o.nodes, error);
      if (error.empty() && step.kind != FaultKind::mute && step.kind != FaultKind::loss &&
          step.kind != FaultKind::delay && step.kind != FaultKind::partition)
        error = "run takes only mute, loss, delay and partition as network faults";
    }
  }
  return error.empty();
}

namespace {

struct Session {
  const RunOptions& o;
  RunGuard& guard;
  std::vector<std::unique_ptr<ControlClient>> clients;  // null for faulted nodes
  std::vector<std::string> down;                        // empty: alive
  std::unique_ptr<FaultController> faults;              // set when network faults are applied

  void say(const std::string& line) const {
    if (o.progress) o.progress(line);
  }
  bool cancelled() const { return o.cancelled && o.cancelled(); }
  const ClusterInfo& cluster() const { return guard.cluster(); }
  std::size_t size() const { return clients.size(); }
  bool alive(std::size_t i) const { return down[i].empty(); }
  // Not cut off from each other by a partition.
  bool reachable(std::size_t i, std::size_t j) const {
    return !faults || faults->partition_group(static_cast<int>(i) + 1) ==
                          faults->partition_group(static_cast<int>(j) + 1);
  }

  std::optional<json> ask(std::size_t i, const json& cmd, std::string& error) {
    if (!clients[i]) {
      error = "rank " + std::to_string(i + 1) + " is not connected";
      return std::nullopt;
    }
    auto answer = clients[i]->request(cmd, kRequestTimeout, error);
    if (!answer) {
      error = "rank " + std::to_string(i + 1) + ": " + error;
      return std::nullopt;
    }
    if (!answer->value("ok", false)) {
      error = "rank " + std::to_string(i + 1) + " refused " + cmd.value("cmd", "") + ": " +
              answer->value("error", std::string("no reason given"));
      return std::nullopt;
    }
    return answer;
  }

  // Polls `check` every kPollInterval until it holds, the deadline passes or the run is
  // cancelled. `check` returns nullopt on a hard error (sets error).
  enum class Wait { done, timed_out, failed };
  Wait poll(milliseconds limit, const std::function<std::optional<bool>(std::string&)>& check,
            std::string& error) {
    const auto deadline = Clock::now() + limit;
    for (;;) {
      const auto next = Clock::now() + kPollInterval;
      const auto result = check(error);
      if (!result) return Wait::failed;
      if (*result) return Wait::done;
      if (cancelled()) {
        error = "interrupted";
        return Wait::failed;
      }
      if (Clock::now() >= deadline) return Wait::timed_out;
      std::this_thread::sleep_until(next);
    }
  }

  // Every alive node sees every other alive node connected and every faulted one gone.
  std::optional<bool> settled(std::string& error, std::string& lagging) {
    lagging.clear();
    for (std::size_t i = 0; i < size(); ++i) {
      if (!alive(i)) continue;
      const auto c = ask(i, {{"cmd", "counters"}}, error);
      if (!c) return std::nullopt;
      for (const json& peer : c->value("peers", json::array())) {
        const auto id = NodeId::from_hex(peer.value("id", std::string()));
        if (!id) continue;
        const auto it = std::find_if(cluster().nodes.begin(), cluster().nodes.end(),
                                     [&](const NodeInfo& n) { return n.id == *id; });
        if (it == cluster().nodes.end()) continue;
        const auto j = static_cast<std::size_t>(it->rank - 1);
        const bool want = alive(j) && reachable(i, j);
        if (peer.value("connected", false) != want) {
          lagging = "rank " + std::to_string(i + 1) + " still sees rank " +
                    std::to_string(it->rank) + (want ? " disconnected" : " connected");
          return false;
        }
      }
    }
    return true;
  }

  bool wait_settled(const char* what, std::string& error) {
    std::string lagging;
    const auto result = poll(
        o.settle_timeout, [&](std::string& e) { return settled(e, lagging); }, error);
    if (result == Wait::failed) return false;
    if (result == Wait::timed_out) {
      say("warning: " + std::string(what) + " not settled after " +
          std::to_string(o.settle_timeout.count()) + " ms (" + lagging + "); going on");
    }
    return true;
  }

  bool apply_faults(std::string& error) {
    for (int r : o.kill) {
      const NodeInfo& n = cluster().nodes[r - 1];
      if (!send_signal(n.pid, SIGKILL, error) || !wait_gone(n.pid, milliseconds(5000))) {
        error = "cannot kill rank " + std::to_string(r) + ": " + error;
        return false;
      }
      clients[r - 1].reset();
      down[r - 1] = "killed";
    }
    for (int r : o.stop) {
      const NodeInfo& n = cluster().nodes[r - 1];
      if (!send_signal(n.pid, SIGSTOP, error)) return false;
      const auto stopped = poll(
          milliseconds(5000),
          [&](std::string&) -> std::optional<bool> {
            return process_state(n.pid) == ProcessState::stopped;
          },
          error);
      if (stopped != Wait::done) {
        error = "rank " + std::to_string(r) + " did not stop: " + error;
        return false;
      }
      clients[r - 1].reset();
      down[r - 1] = "stopped";
    }
    if (!o.kill.empty()) say("killed ranks " + format_ranks(o.kill) + " (SIGKILL)");
    if (!o.stop.empty()) say("stopped ranks " + format_ranks(o.stop) + " (SIGSTOP)");
    return true;
  }

  bool apply_network_faults(std::string& error) {
    if (o.network_faults.empty()) return true;
    FaultOptions options;
    options.restart_killed_on_undo = false;
    faults = std::make_unique<FaultController>(guard.cluster(), options);
    // The run stops every node at the end: nothing to undo first.
    faults->keep_on_exit();
    for (const FaultStep& step : o.network_faults) {
      std::string message;
      if (!faults->apply(step, message)) {
        error = message;
        return false;
      }
      say(message);
    }
    return true;
  }

  // Why an alive node is not expected to get a broadcast of `origin`, or empty.
  std::string unreachable_reason(std::size_t i, int origin) const {
    return reachable(i, static_cast<std::size_t>(origin - 1)) ? "" : "partitioned";
  }

  // Sum of payload frames and delivered counts over alive nodes, and whether every alive
  // node of the group has delivered more than `base_delivered`.
  std::optional<bool> progress_of(const std::vector<std::uint64_t>& base_delivered,
                                  const std::vector<int>& members, int origin,
                                  std::uint64_t& traffic, int& delivered, std::string& error) {
    traffic = 0;
    delivered = 0;
    bool all = true;
    for (std::size_t i = 0; i < size(); ++i) {
      if (!alive(i)) continue;
      const auto c = ask(i, {{"cmd", "counters"}}, error);
      if (!c) return std::nullopt;
      const json node = c->value("node", json::object());
      traffic += counter(node, "payload_frames_in") + counter(node, "payload_frames_out");
      const bool member = members.empty() || std::find(members.begin(), members.end(),
                                                       static_cast<int>(i) + 1) != members.end();
      if (!member || !unreachable_reason(i, origin).empty()) continue;
      const bool got =
          static_cast<int>(i) + 1 == origin || counter(node, "delivered") > base_delivered[i];
      delivered += got ? 1 : 0;
      all = all && got;
    }
    return all;
  }

  std::optional<BroadcastRecord> broadcast(int k, const std::vector<int>& members,
                                           std::string& error) {
    const int origin = o.origin_rank;
    std::vector<std::uint64_t> base(size(), 0);
    for (std::size_t i = 0; i < size(); ++i) {
      if (!alive(i)) continue;
      const auto c = ask(i, {{"cmd", "counters"}}, error);
      if (!c) return std::nullopt;
      base[i] = counter(c->value("node", json::object()), "delivered");
    }
    const auto answer =
        ask(origin - 1, {{"cmd", "broadcast"}, {"size", o.size}, {"group", o.group}}, error);
    if (!answer) return std::nullopt;
    const std::string id_hex = answer->value("id", std::string());
    BroadcastRecord b;
    b.origin_rank = origin;
    b.group = o.group;
    b.time_us = answer->value("time_us", Micros{0});
    try {
      std::size_t used = 0;
      b.id.value = std::stoull(id_hex, &used, 16);
      if (used != id_hex.size() || id_hex.size() != 16) throw std::invalid_argument(id_hex);
    } catch (const std::exception&) {
      error =
          "rank " + std::to_string(origin) + " answered broadcast with a bad id \"" + id_hex + "\"";
      return std::nullopt;
    }
    const auto started = Clock::now();
    std::uint64_t last_traffic = ~0ull;
    auto last_change = Clock::now();
    int delivered = 0;
    const auto result = poll(
        o.timeout,
        [&](std::string& e) -> std::optional<bool> {
          std::uint64_t traffic = 0;
          const auto all = progress_of(base, members, origin, traffic, delivered, e);
          if (!all) return std::nullopt;
          if (traffic != last_traffic) {
            last_traffic = traffic;
            last_change = Clock::now();
          }
          return *all && Clock::now() - last_change >= o.quiet;
        },
        error);
    if (result == Wait::failed) return std::nullopt;
    const auto ms = std::chrono::duration_cast<milliseconds>(Clock::now() - started).count();
    say("broadcast " + std::to_string(k) + "/" + std::to_string(o.broadcasts) + " " + id_hex +
        ": " + std::to_string(delivered) + " nodes delivered" +
        (result == Wait::timed_out ? ", timed out after " : ", quiet after ") + std::to_string(ms) +
        " ms");
    return b;
  }
};

}  // namespace

std::optional<telemetry::Report> run_cluster(const RunOptions& o, std::string& error) {
  if (!validate_run_options(o, error)) return std::nullopt;
  auto say = [&](const std::string& line) {
    if (o.progress) o.progress(line);
  };
  RunGuard guard(o.progress);
  fs::path dir = o.dir;
  if (dir.empty()) {
    std::string pattern = (fs::temp_directory_path() / "raintree-run-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) {
      error = "cannot create a temporary directory in " + fs::temp_directory_path().string();
      return std::nullopt;
    }
    dir = pattern;
    guard.set_temp_dir(dir);
  }

  LaunchOptions launch;
  launch.nodes = o.nodes;
  launch.mode = o.mode;
  launch.dir = dir;
  launch.fanout = o.fanout;
  launch.byzantine = o.byzantine;
  launch.node_binary = o.node_binary;
  launch.insecure = o.insecure;
  launch.netns = o.netns;
  launch.cancelled = o.cancelled;
  const int step = std::max(1, o.nodes / 4);
  launch.progress = [&](int up, int total) {
    if (up == total || (up > 0 && up % step == 0)) {
      say("nodes answering: " + std::to_string(up) + "/" + std::to_string(total));
    }
  };
  launch.network_progress = [&](int done, int total) {
    if (done == total) say("network namespaces ready: " + std::to_string(total));
  };
  say("starting " + std::to_string(o.nodes) + " nodes in mode " + o.mode + " (" + dir.string() +
      ")");
  auto cluster = launch_cluster(launch, error);
  if (!cluster) {
    // The node logs named in the error go away with the temporary directory.
    if (o.dir.empty())
      error += " (the node logs were in a temporary directory: pass a directory to keep them)";
    return std::nullopt;
  }
  guard.set_cluster(*cluster);

  Session s{o, guard, {}, std::vector<std::string>(cluster->nodes.size())};
  for (const NodeInfo& n : cluster->nodes) {
    auto client = ControlClient::connect(n, kRequestTimeout, error);
    if (!client) {
      error = "rank " + std::to_string(n.rank) + ": " + error;
      return std::nullopt;
    }
    s.clients.push_back(std::move(client));
  }
  if (!s.wait_settled("peer connections", error)) return std::nullopt;
  say("all nodes connected to their peers");
  if (!s.apply_faults(error)) return std::nullopt;
  if (!s.apply_network_faults(error)) return std::nullopt;
  if (!o.kill.empty() || !o.stop.empty() || s.faults) {
    if (!s.wait_settled("fault detection", error)) return std::nullopt;
    say("survivors noticed the faults");
  }

  std::vector<NodeRunData> data(cluster->nodes.size());
  for (std::size_t i = 0; i < data.size(); ++i) {
    const NodeInfo& n = cluster->nodes[i];
    data[i].rank = n.rank;
    data[i].id = n.id;
    data[i].role = n.role;
    if (!s.alive(i)) continue;
    const auto c = s.ask(i, {{"cmd", "counters"}}, error);
    if (!c) return std::nullopt;
    data[i].counters_before = c->value("node", json::object());
  }

  const std::vector<int> members = group_ranks(o.group, data);
  std::vector<BroadcastRecord> records;
  for (int k = 1; k <= o.broadcasts; ++k) {
    auto b = s.broadcast(k, members, error);
    if (!b) return std::nullopt;
    records.push_back(*b);
  }

  for (std::size_t i = 0; i < data.size(); ++i) {
    const NodeInfo& n = cluster->nodes[i];
    if (s.alive(i) && !process_alive(n.pid)) {
      s.down[i] = "crashed";
      say("warning: rank " + std::to_string(n.rank) +
          " exited during the run: " + last_line(n.log));
    }
    data[i].alive = s.alive(i);
    data[i].down_reason = s.down[i];
    data[i].unreachable_reason = s.unreachable_reason(i, o.origin_rank);
    if (!s.alive(i)) continue;
    const auto m = s.ask(i, {{"cmd", "messages"}}, error);
    const auto c = m ? s.ask(i, {{"cmd", "counters"}}, error) : std::nullopt;
    if (!m || !c) return std::nullopt;
    data[i].messages = m->value("messages", json::array());
    data[i].counters_after = c->value("node", json::object());
  }
  telemetry::Report report = build_run_report(o.mode, records, data);
  guard.finish();
  return report;
}

}  // namespace rt::cluster
