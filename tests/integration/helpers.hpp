// Shared pieces of the integration tests: real raintree-node / raintree-lab processes on
// 127.0.0.1, temporary directories, bounded polling, and guards that always clean up.
#pragma once

#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cluster/launcher.hpp"
#include "cluster/process.hpp"

namespace rt::itest {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

inline fs::path bin(const std::string& name) {
  return fs::path(RT_BIN_DIR) / name;
}

inline fs::path check_contract_script() {
  return fs::path(RT_SOURCE_DIR) / ".." / "shared" / "tools" / "check_contract.py";
}

// Polls `condition` until it holds or `limit` passes (no sleep stands in for an event).
inline bool eventually(const std::function<bool()>& condition, milliseconds limit,
                       milliseconds every = milliseconds(20)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(every);
  }
}

// A fresh directory removed at the end of the test.
class TempDir {
 public:
  explicit TempDir(const std::string& tag) {
    std::string pattern = (fs::temp_directory_path() / ("rt-itest-" + tag + "-XXXXXX")).string();
    if (::mkdtemp(pattern.data())) path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// Stops a cluster when the test ends, however it ends.
class ClusterGuard {
 public:
  ClusterGuard() = default;
  explicit ClusterGuard(cluster::ClusterInfo info) : info_(std::move(info)) {}
  ~ClusterGuard() { stop(); }
  void reset(cluster::ClusterInfo info) { info_ = std::move(info); }
  bool stop() {
    if (!info_) return true;
    std::string error;
    const bool ok = cluster::stop_cluster(*info_, error);
    EXPECT_TRUE(ok) << error;
    info_.reset();
    return ok;
  }

 private:
  std::optional<cluster::ClusterInfo> info_;
};

struct CommandResult {
  int exit_code = -1;  // -1: did not finish in time (then killed)
  std::string output;  // stdout and stderr together
};

// Runs a program to completion with a time limit, capturing its output.
inline CommandResult run_command(const fs::path& program, const std::vector<std::string>& args,
                                 milliseconds limit = milliseconds(50000)) {
  CommandResult result;
  TempDir dir("cmd");
  const fs::path log = dir.path() / "output.txt";
  std::string error;
  const int pid = cluster::spawn_process({program, args, log, false}, error);
  if (pid == 0) {
    result.output = error;
    return result;
  }
  std::optional<int> status;
  if (!eventually([&] { return (status = cluster::reap_child(pid)).has_value(); }, limit)) {
    // Ask politely so that the lab stops its own nodes, then force.
    ::kill(pid, SIGTERM);
    if (!eventually([&] { return (status = cluster::reap_child(pid)).has_value(); },
                    milliseconds(10000))) {
      ::kill(pid, SIGKILL);
      cluster::wait_gone(pid, milliseconds(5000));
    }
    status.reset();
  }
  std::ifstream in(log);
  std::stringstream text;
  text << in.rdbuf();
  result.output = text.str();
  if (status && WIFEXITED(*status)) result.exit_code = WEXITSTATUS(*status);
  return result;
}

// raintree-lab with `args`, run to completion (killed after `limit`, which only a hang reaches).
inline CommandResult lab(const std::vector<std::string>& args,
                         milliseconds limit = milliseconds(120000)) {
  return run_command(bin("raintree-lab"), args, limit);
}

// Every pid of the processes whose command line mentions `needle` (e.g. a cluster directory).
inline std::vector<int> processes_mentioning(const std::string& needle) {
  std::vector<int> pids;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const int pid = std::stoi(name);
    if (pid == ::getpid() || !cluster::process_alive(pid)) continue;
    std::ifstream in(entry.path() / "cmdline", std::ios::binary);
    std::string arg;
    while (std::getline(in, arg, '\0')) {
      if (arg.find(needle) != std::string::npos) {
        pids.push_back(pid);
        break;
      }
    }
  }
  return pids;
}

inline std::uint16_t port_of(const std::string& endpoint) {
  return static_cast<std::uint16_t>(std::stoul(endpoint.substr(endpoint.rfind(':') + 1)));
}

}  // namespace rt::itest
