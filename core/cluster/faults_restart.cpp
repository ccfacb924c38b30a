// Restart of killed nodes: the same binary, arguments, id, ports and token as before, from
// the command line recorded in cluster.json, so that any process holding the file can do it.
#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "cluster/control_client.hpp"
#include "cluster/faults.hpp"
#include "cluster/launcher.hpp"
#include "cluster/process.hpp"

namespace rt::cluster {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// What a node wrote to its log after `offset` (the restarted process's own output).
std::string log_since(const std::string& path, std::uintmax_t offset) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  in.seekg(static_cast<std::streamoff>(offset));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  const auto nl = text.rfind('\n');
  return nl == std::string::npos ? text : text.substr(nl + 1);
}

std::uintmax_t file_size_or_zero(const std::string& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  return ec ? 0 : size;
}

}  // namespace

bool FaultController::save_cluster(std::string& error) const {
  std::filesystem::path file = options_.cluster_file;
  if (file.empty() && !cluster_.dir.empty()) file = cluster_.dir / "cluster.json";
  if (file.empty()) return true;
  return cluster_.save(file, error);
}

bool FaultController::restart(const std::vector<int>& ranks, std::string& message) {
  if (!check_ranks(ranks, message)) return false;
  for (int r : ranks) {
    const NodeInfo& n = cluster_.nodes[r - 1];
    const std::string name = "rank " + std::to_string(r);
    if (process_here(n) && process_alive(n.pid)) {
      message = name + " is running (pid " + std::to_string(n.pid) + "); kill it first";
      return false;
    }
    if (n.binary.empty()) {
      message = name +
                ": cluster.json has no command line for it (\"binary\", \"args\"); it was "
                "started by an older launcher and cannot be restarted";
      return false;
    }
    if (::access(n.binary.c_str(), X_OK) != 0) {
      message = name + ": node executable " + n.binary + " is not on this machine";
      return false;
    }
    // Not ours here, but maybe alive elsewhere: its control channel tells.
    std::string why;
    if (auto client = ControlClient::connect(n, milliseconds(500), why)) {
      message = name + " is running (it answers on " + n.control +
                "; its process is not on this machine); kill it first";
      return false;
    }
  }
  std::vector<std::string> done;
  for (int r : ranks) {
    std::string line;
    if (!restart_one(r, line)) {
      message = line;
      if (!done.empty()) message += " (already restarted: " + done.front() + "...)";
      return false;
    }
    done.push_back(line);
  }
  message = done.front();
  for (std::size_t i = 1; i < done.size(); ++i) message += "; " + done[i];
  return true;
}

bool FaultController::restart_one(int rank, std::string& message) {
  NodeInfo& n = cluster_.nodes[rank - 1];
  const std::string name = "rank " + std::to_string(rank);
  const int old_pid = n.pid;
  reap_child(old_pid);
  const std::uintmax_t log_offset = file_size_or_zero(n.log);
  const auto port_deadline = Clock::now() + options_.port_retry;
  int pid = 0;
  for (;;) {
    std::string error;
    pid = spawn_process(node_spawn_options(n), error);
    if (pid == 0) {
      message = "cannot restart " + name + ": " + error;
      return false;
    }
    // Wait until it answers status, or exits (the old process's ports may still be held).
    const auto deadline = Clock::now() + options_.restart_timeout;
    std::optional<int> exit_status;
    bool answered = false;
    while (!answered && Clock::now() < deadline) {
      exit_status = reap_child(pid);
      if (exit_status || !process_alive(pid)) break;
      std::string why;
      if (auto client = ControlClient::connect(n, milliseconds(300), why)) {
        const auto status = client->request({{"cmd", "status"}}, milliseconds(1000), why);
        answered = status && status->value("ok", false) && status->value("id", "") == n.id.hex();
      }
      if (!answered) std::this_thread::sleep_for(milliseconds(20));
    }
    if (answered) break;
    const std::string said =
        log_since(n.log, file_size_or_zero(n.log) > log_offset ? log_offset : 0);
    const bool alive = process_alive(pid);
    if (alive) {
      std::string ignored;
      send_signal(pid, SIGKILL, ignored);
      wait_gone(pid, milliseconds(3000));
      message = name + " restarted as pid " + std::to_string(pid) +
                " but did not answer status within " +
                std::to_string(options_.restart_timeout.count()) + " ms; stopped it again";
      return false;
    }
    const bool port_held =
        said.find("in use") != std::string::npos || said.find("cannot listen") != std::string::npos;
    if (port_held && Clock::now() < port_deadline) {
      std::this_thread::sleep_for(milliseconds(100));
      continue;
    }
    message = name + " exited right after restarting (" +
              (exit_status ? describe_wait_status(*exit_status) : std::string("gone")) +
              "): " + (said.empty() ? "no output" : said) +
              (n.log.empty() ? "" : " [log: " + n.log + "]");
    return false;
  }
  n.pid = pid;
  killed_.erase(rank);
  stopped_.erase(rank);
  clients_[rank - 1].reset();
  message =
      "restarted " + name + " (pid " + std::to_string(old_pid) + " -> " + std::to_string(pid) + ")";
  std::string error;
  if (!save_cluster(error)) message += "; warning: " + error;
  // The new process starts clean; what this controller had set on the node applies again
  // (a restarted node stays on its side of a partition).
  baseline_[rank] = NodeFaults{};
  if (const auto it = current_.find(rank); it != current_.end() && !it->second.clean()) {
    if (!ask(rank, fault_command(it->second), error)) {
      message += "; warning: could not set its faults again: " + error;
    }
  } else {
    current_.erase(rank);
  }
  return true;
}

}  // namespace rt::cluster
