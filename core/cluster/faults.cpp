#include "cluster/faults.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <future>
#include <thread>

#include "cluster/control_client.hpp"
#include "cluster/process.hpp"
#include "cluster/ranks.hpp"

namespace rt::cluster {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;
using std::chrono::milliseconds;

constexpr std::size_t kParallel = 32;  // control requests in flight at once

// Runs fn(i) for i in [0, count) on up to kParallel threads at a time.
void for_each_parallel(std::size_t count, const std::function<void(std::size_t)>& fn) {
  for (std::size_t start = 0; start < count; start += kParallel) {
    std::vector<std::future<void>> running;
    for (std::size_t i = start; i < std::min(count, start + kParallel); ++i) {
      running.push_back(std::async(std::launch::async, fn, i));
    }
    for (auto& f : running) f.get();
  }
}

bool wait_state(int pid, bool stopped, milliseconds limit) {
  const auto deadline = Clock::now() + limit;
  for (;;) {
    const ProcessState s = process_state(pid);
    if ((s == ProcessState::stopped) == stopped) return true;
    if (s == ProcessState::gone || s == ProcessState::zombie) return false;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(milliseconds(5));
  }
}

}  // namespace

FaultController::FaultController(ClusterInfo& cluster, FaultOptions options)
    : cluster_(cluster), options_(std::move(options)), clients_(cluster.nodes.size()) {}

FaultController::~FaultController() {
  if (keep_) return;
  std::string ignored;
  undo_all(ignored);
}

bool FaultController::check_ranks(const std::vector<int>& ranks, std::string& message) const {
  const int n = static_cast<int>(cluster_.nodes.size());
  if (ranks.empty()) {
    message = "no ranks given";
    return false;
  }
  std::set<int> seen;
  for (int r : ranks) {
    if (r < 1 || r > n) {
      message = "rank " + std::to_string(r) + " is outside 1.." + std::to_string(n);
      return false;
    }
    if (!seen.insert(r).second) {
      message = "rank " + std::to_string(r) + " is listed twice";
      return false;
    }
  }
  return true;
}

std::string FaultController::down_reason(int rank) const {
  const NodeInfo& n = cluster_.nodes[rank - 1];
  if (process_here(n)) return process_state(n.pid) == ProcessState::stopped ? "stopped" : "";
  if (stopped_.count(rank)) return "stopped";
  if (killed_.count(rank)) return "killed";
  // A local node whose process died leaves its pid gone (or a zombie nobody reaps).
  const ProcessState s = process_state(n.pid);
  if (n.pid > 0 && (s == ProcessState::gone || s == ProcessState::zombie)) {
    return "not running (pid " + std::to_string(n.pid) + " gone)";
  }
  return "";
}

std::optional<json> FaultController::ask(int rank, const json& command, std::string& error) {
  const NodeInfo& n = cluster_.nodes[rank - 1];
  auto& client = clients_[rank - 1];
  // A cached connection may be stale (the node restarted meanwhile): one fresh retry.
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!client || !client->connected()) {
      client = ControlClient::connect(n, options_.request_timeout, error);
      if (!client) break;
    }
    auto answer = client->request(command, options_.request_timeout, error);
    if (answer) {
      if (answer->value("ok", false)) return answer;
      error = answer->value("error", std::string("refused without a reason"));
      return std::nullopt;
    }
    client.reset();
  }
  error = "rank " + std::to_string(rank) + " (" + n.control + ") does not answer: " + error;
  return std::nullopt;
}

bool FaultController::edit_nodes(const std::vector<int>& ranks, const Edit& edit, bool skip_down,
                                 const std::string& done, std::string& message) {
  std::vector<int> targets, skipped;
  for (int r : ranks) {
    const std::string why = down_reason(r);
    if (why.empty()) {
      targets.push_back(r);
    } else if (skip_down) {
      skipped.push_back(r);
    } else {
      message = "rank " + std::to_string(r) + " is " + why +
                (why == "stopped" ? "; continue it first" : "; restart it first");
      return false;
    }
  }
  // Read every node's faults first, so that nothing changes when one does not answer.
  std::vector<std::optional<NodeFaults>> now(targets.size());
  std::vector<std::string> errors(targets.size());
  for_each_parallel(targets.size(), [&](std::size_t i) {
    if (const auto status = ask(targets[i], {{"cmd", "status"}}, errors[i])) {
      now[i] = parse_node_faults(status->value("faults", json::object()));
    }
  });
  for (std::size_t i = 0; i < targets.size(); ++i) {
    if (!now[i]) {
      message = "nothing changed: " + errors[i];
      return false;
    }
    baseline_.emplace(targets[i], *now[i]);
  }
  std::vector<char> ok(targets.size(), 0);
  for_each_parallel(targets.size(), [&](std::size_t i) {
    NodeFaults next = *now[i];
    edit(targets[i], next);
    const auto answer = ask(targets[i], fault_command(next), errors[i]);
    if (!answer) return;
    ok[i] = true;
    now[i] = answer->contains("faults") ? parse_node_faults((*answer)["faults"]) : next;
  });
  std::vector<int> failed;
  std::string reasons;
  for (std::size_t i = 0; i < targets.size(); ++i) {
    if (ok[i]) {
      current_[targets[i]] = *now[i];
    } else {
      failed.push_back(targets[i]);
      if (reasons.empty()) reasons = errors[i];
    }
  }
  if (!failed.empty()) {
    message = done + " failed on " + describe_ranks(failed) + ": " + reasons;
    return false;
  }
  message = done;
  if (!skipped.empty()) message += " (skipped " + describe_ranks(skipped) + ": down)";
  return true;
}

bool FaultController::signal_ranks(const std::vector<int>& ranks, int sig, const char* verb,
                                   std::string& message) {
  if (!check_ranks(ranks, message)) return false;
  for (int r : ranks) {
    const NodeInfo& n = cluster_.nodes[r - 1];
    const std::string name = "rank " + std::to_string(r);
    if (!process_here(n)) {
      const std::string why = down_reason(r);
      // A gone pid may also be a node alive on another machine (or pid namespace): say both.
      const std::string here = "kill, stop and continue need the node's process on this machine";
      if (why == "killed") {
        message = name + " is killed";
      } else if (!why.empty() && why != "stopped") {
        message = name + " is " + why + " on this machine; " + here +
                  " (restart starts a node that died)";
      } else {
        message = name + ": no process with its token on this machine (pid " +
                  std::to_string(n.pid) + " in cluster.json is not it); " + here;
      }
      return false;
    }
    const bool is_stopped = process_state(n.pid) == ProcessState::stopped;
    if (sig == SIGSTOP && is_stopped) {
      message = name + " is already stopped";
      return false;
    }
    if (sig == SIGCONT && !is_stopped) {
      message = name + " is not stopped";
      return false;
    }
  }
  std::string pids;
  for (int r : ranks) {
    const NodeInfo& n = cluster_.nodes[r - 1];
    std::string why;
    bool ok = send_signal(n.pid, sig, why);
    if (ok && sig == SIGKILL) ok = wait_gone(n.pid, milliseconds(5000));
    if (ok && sig != SIGKILL) ok = wait_state(n.pid, sig == SIGSTOP, milliseconds(5000));
    if (!ok) {
      message = std::string(verb) + " rank " + std::to_string(r) + " (pid " +
                std::to_string(n.pid) + ") failed" + (why.empty() ? "" : ": " + why);
      return false;
    }
    clients_[r - 1].reset();
    if (sig == SIGKILL) {
      killed_.insert(r);
      stopped_.erase(r);
    } else if (sig == SIGSTOP) {
      stopped_.insert(r);
    } else {
      stopped_.erase(r);
    }
    pids += (pids.empty() ? "" : ",") + std::to_string(n.pid);
  }
  message = std::string(verb) + " " + describe_ranks(ranks) + " (" +
            (ranks.size() == 1 ? "pid " : "pids ") + pids + ")";
  return true;
}

bool FaultController::kill(const std::vector<int>& ranks, std::string& message) {
  return signal_ranks(ranks, SIGKILL, "killed", message);
}

bool FaultController::stop(const std::vector<int>& ranks, std::string& message) {
  return signal_ranks(ranks, SIGSTOP, "stopped", message);
}

bool FaultController::resume(const std::vector<int>& ranks, std::string& message) {
  return signal_ranks(ranks, SIGCONT, "continued", message);
}

bool FaultController::mute(const std::vector<int>& ranks, bool on, std::string& message) {
  if (!check_ranks(ranks, message)) return false;
  return edit_nodes(
      ranks, [on](int, NodeFaults& f) { f.mute = on; }, false,
      std::string(on ? "muted " : "unmuted ") + describe_ranks(ranks), message);
}

bool FaultController::loss(const std::vector<int>& ranks, double percent, std::string& message) {
  if (!check_ranks(ranks, message)) return false;
  if (!(percent >= 0 && percent <= 100)) {
    message = "loss must be between 0 and 100 percent";
    return false;
  }
  char text[32];
  std::snprintf(text, sizeof text, "%g%%", percent);
  return edit_nodes(
      ranks, [percent](int, NodeFaults& f) { f.loss_percent = percent; }, false,
      "loss " + std::string(text) + " on " + describe_ranks(ranks), message);
}

bool FaultController::delay(const std::vector<int>& ranks, int delay_ms, std::string& message) {
  if (!check_ranks(ranks, message)) return false;
  if (delay_ms < 0 || delay_ms > 60000) {
    message = "delay must be between 0 and 60000 ms";
    return false;
  }
  return edit_nodes(
      ranks, [delay_ms](int, NodeFaults& f) { f.delay_ms = delay_ms; }, false,
      "delay " + std::to_string(delay_ms) + " ms on " + describe_ranks(ranks), message);
}

bool FaultController::link_loss(int a, int b, double percent, std::string& message) {
  if (!check_ranks({a, b}, message)) return false;
  if (!(percent >= 0 && percent <= 100)) {
    message = "loss must be between 0 and 100 percent";
    return false;
  }
  // Link faults act outbound only, so both ends get one.
  const auto edit = [&](int rank, NodeFaults& f) {
    const std::string peer = cluster_.nodes[(rank == a ? b : a) - 1].id.hex();
    f.links[peer].loss_percent = percent;
    if (f.links[peer] == LinkFault{}) f.links.erase(peer);
  };
  char text[32];
  std::snprintf(text, sizeof text, "%g%%", percent);
  return edit_nodes(
      {a, b}, edit, false,
      "loss " + std::string(text) + " on link " + std::to_string(a) + "-" + std::to_string(b),
      message);
}

bool FaultController::link_delay(int a, int b, int delay_ms, std::string& message) {
  if (!check_ranks({a, b}, message)) return false;
  if (delay_ms < 0 || delay_ms > 60000) {
    message = "delay must be between 0 and 60000 ms";
    return false;
  }
  const auto edit = [&](int rank, NodeFaults& f) {
    const std::string peer = cluster_.nodes[(rank == a ? b : a) - 1].id.hex();
    f.links[peer].delay_ms = delay_ms;
    if (f.links[peer] == LinkFault{}) f.links.erase(peer);
  };
  return edit_nodes({a, b}, edit, false,
                    "delay " + std::to_string(delay_ms) + " ms on link " + std::to_string(a) + "-" +
                        std::to_string(b),
                    message);
}

bool FaultController::partition(const std::vector<std::vector<int>>& groups, std::string& message) {
  const int n = static_cast<int>(cluster_.nodes.size());
  if (!check_partition(groups, n, message)) return false;
  std::map<int, int> group_of;
  for (std::size_t g = 0; g < groups.size(); ++g) {
    for (int r : groups[g]) group_of[r] = static_cast<int>(g);
  }
  std::vector<int> all;
  for (int r = 1; r <= n; ++r) {
    all.push_back(r);
    group_of.emplace(r, static_cast<int>(groups.size()));  // the unlisted ranks
  }
  const auto edit = [&](int rank, NodeFaults& f) {
    f.block.clear();
    for (int other = 1; other <= n; ++other) {
      if (group_of[other] != group_of[rank]) f.block.insert(cluster_.nodes[other - 1].id.hex());
    }
  };
  std::string text;
  for (const auto& g : groups) text += (text.empty() ? "" : " / ") + format_ranks(g);
  if (!edit_nodes(all, edit, true, "partitioned " + text + " from the rest", message)) return false;
  partition_group_ = group_of;
  return true;
}

bool FaultController::heal(std::string& message) {
  std::vector<int> all;
  for (const NodeInfo& n : cluster_.nodes) all.push_back(n.rank);
  const auto edit = [](int, NodeFaults& f) {
    f.loss_percent = 0;
    f.delay_ms = 0;
    f.links.clear();
    f.block.clear();
  };
  if (!edit_nodes(all, edit, true, "healed: no partition, loss or delay left", message)) {
    return false;
  }
  partition_group_.clear();
  return true;
}

bool FaultController::apply(const FaultStep& step, std::string& message) {
  switch (step.kind) {
    case FaultKind::kill:
      return kill(step.ranks, message);
    case FaultKind::stop:
      return stop(step.ranks, message);
    case FaultKind::resume:
      return resume(step.ranks, message);
    case FaultKind::restart:
      return restart(step.ranks, message);
    case FaultKind::mute:
      return mute(step.ranks, true, message);
    case FaultKind::unmute:
      return mute(step.ranks, false, message);
    case FaultKind::loss:
      return step.link ? link_loss(step.link->first, step.link->second, step.percent, message)
                       : loss(step.ranks, step.percent, message);
    case FaultKind::delay:
      return step.link ? link_delay(step.link->first, step.link->second, step.delay_ms, message)
                       : delay(step.ranks, step.delay_ms, message);
    case FaultKind::partition:
      return partition(step.groups, message);
    case FaultKind::heal:
      return heal(message);
  }
  message = "unknown fault";
  return false;
}

bool FaultController::undo_all(std::string& message) {
  std::vector<std::string> done, failed;
  // Stopped nodes first: they must run to take their network faults back.
  std::vector<int> to_resume;
  for (int r : stopped_) {
    const NodeInfo& n = cluster_.nodes[r - 1];
    if (process_here(n) && process_state(n.pid) == ProcessState::stopped) to_resume.push_back(r);
  }
  stopped_.clear();
  if (!to_resume.empty()) {
    std::string line;
    (resume(to_resume, line) ? done : failed).push_back(line);
  }
  if (options_.restart_killed_on_undo) {
    const std::set<int> killed = killed_;
    for (int r : killed) {
      std::string line;
      (restart({r}, line) ? done : failed).push_back(line);
    }
  }
  killed_.clear();
  std::vector<int> restore;
  for (const auto& [rank, before] : baseline_) {
    const auto it = current_.find(rank);
    if (it != current_.end() && !(it->second == before) && down_reason(rank).empty()) {
      restore.push_back(rank);
    }
  }
  if (!restore.empty()) {
    std::vector<std::string> errors(restore.size());
    std::vector<char> ok(restore.size(), 0);
    for_each_parallel(restore.size(), [&](std::size_t i) {
      ok[i] = ask(restore[i], fault_command(baseline_[restore[i]]), errors[i]).has_value();
    });
    std::vector<int> bad;
    std::string reason;
    for (std::size_t i = 0; i < restore.size(); ++i) {
      if (ok[i]) continue;
      bad.push_back(restore[i]);
      if (reason.empty()) reason = errors[i];
    }
    if (bad.empty()) {
      done.push_back("restored the network faults of " + describe_ranks(restore));
    } else {
      failed.push_back("could not restore the network faults of " + describe_ranks(bad) + ": " +
                       reason);
    }
  }
  baseline_.clear();
  current_.clear();
  partition_group_.clear();
  const auto join = [](const std::vector<std::string>& lines) {
    std::string out;
    for (const auto& l : lines) out += (out.empty() ? "" : "; ") + l;
    return out;
  };
  if (!failed.empty()) {
    message = "undo failed: " + join(failed);
    return false;
  }
  message = done.empty() ? "nothing to undo" : "undone: " + join(done);
  return true;
}

NodeCondition FaultController::condition(int rank) const {
  if (rank < 1 || rank > static_cast<int>(cluster_.nodes.size())) return NodeCondition::killed;
  const std::string why = down_reason(rank);
  if (why == "stopped") return NodeCondition::stopped;
  if (!why.empty()) return NodeCondition::killed;
  if (partition_group_.count(rank)) return NodeCondition::partitioned;
  if (const auto it = current_.find(rank); it != current_.end()) {
    if (!it->second.block.empty()) return NodeCondition::partitioned;
    if (it->second.mute) return NodeCondition::muted;
  }
  return NodeCondition::up;
}

bool FaultController::muted(int rank) const {
  const auto it = current_.find(rank);
  return it != current_.end() && it->second.mute;
}

std::optional<int> FaultController::partition_group(int rank) const {
  const auto it = partition_group_.find(rank);
  if (it == partition_group_.end()) return std::nullopt;
  return it->second;
}

}  // namespace rt::cluster
