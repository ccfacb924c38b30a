// A small cluster of real raintree-node processes for the node tests.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "unit/node/node_process.hpp"

namespace rt::test {

using namespace std::chrono_literals;
using nlohmann::json;

inline std::string id_hex(int n) {
  return std::string(64, static_cast<char>('0' + n));
}

// A small cluster of real nodes: node i has id "iii…", every port chosen free. The ids are
// made up (ordered on purpose, and the tests speak for absent ones), so the links run
// --insecure; tests/integration/tls_peer_test.cpp covers TLS between launched clusters.
class Cluster {
 public:
  // Node i has role roles[(i - 1) % roles.size()]; every node is a validator by default.
  explicit Cluster(int n, std::string mode = "random",
                   std::vector<std::string> roles = {"validator"})
      : n_(n), mode_(std::move(mode)) {
    ports_ = free_ports(static_cast<std::size_t>(3 * n));
    json members = json::array();
    for (int i = 1; i <= n; ++i) {
      const std::string& role = roles[static_cast<std::size_t>(i - 1) % roles.size()];
      members.push_back({{"id", id_hex(i)}, {"role", role}, {"endpoint", listen(i)}});
    }
    std::ofstream(book()) << json{{"members", members}}.dump(2);
  }

  std::string listen(int i) const { return "127.0.0.1:" + std::to_string(peer_port(i)); }
  std::uint16_t peer_port(int i) const { return ports_[3 * (i - 1)]; }
  std::uint16_t control_port(int i) const { return ports_[3 * (i - 1) + 1]; }
  std::uint16_t metrics_port(int i) const { return ports_[3 * (i - 1) + 2]; }
  std::string token(int i) const { return "token-" + std::to_string(i); }
  fs::path book() const { return dir_.path() / "book.json"; }
  fs::path log(int i) const { return dir_.path() / ("node" + std::to_string(i) + ".log"); }
  const fs::path& dir() const { return dir_.path(); }

  std::vector<std::string> args(int i) const {
    return {node_binary(),    "--id",
            id_hex(i),        "--insecure",
            "--listen",       listen(i),
            "--address-book", book().string(),
            "--control",      std::to_string(control_port(i)),
            "--token",        token(i),
            "--metrics",      std::to_string(metrics_port(i)),
            "--mode",         mode_,
            "--log-level",    "debug"};
  }
  // More flags for node i (e.g. "--byzantine"), set before start().
  void add_args(int i, std::vector<std::string> more) { extra_[i] = std::move(more); }

  // Starts every node but those in `absent` (their ids stay in the address book: a test may
  // speak for them) and waits for each "ready" line.
  bool start(const std::set<int>& absent = {}) {
    for (int i = 1; i <= n_; ++i) {
      if (absent.count(i)) {
        nodes_.push_back(nullptr);
        continue;
      }
      std::vector<std::string> a = args(i);
      const auto more = extra_.find(i);
      if (more != extra_.end()) a.insert(a.end(), more->second.begin(), more->second.end());
      nodes_.push_back(std::make_unique<Process>(a, log(i)));
    }
    for (auto& node : nodes_) {
      if (node && !node->wait_for_line("ready", 10s)) return false;
    }
    return true;
  }
  Process& node(int i) { return *nodes_[static_cast<std::size_t>(i - 1)]; }

  // Waits until node i reports every peer connected.
  bool wait_mesh(int i) { return wait_connected(i, n_ - 1); }
  // Waits until node i reports exactly `count` peers connected.
  bool wait_connected(int i, int count, std::chrono::milliseconds timeout = 10s) {
    Control control(control_port(i), token(i));
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      auto status = control.request({{"cmd", "status"}});
      if (status && status->value("peers_connected", -1) == count) return true;
      std::this_thread::sleep_for(20ms);
    }
    return false;
  }

 private:
  int n_;
  std::string mode_;
  TempDir dir_;
  std::vector<std::uint16_t> ports_;
  std::vector<std::unique_ptr<Process>> nodes_;  // null for absent nodes
  std::map<int, std::vector<std::string>> extra_;
};

// Polls pred every 20 ms until it holds or the deadline passes.
template <typename Pred>
bool poll_until(Pred&& pred, std::chrono::milliseconds timeout = 10s) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return pred();
}

}  // namespace rt::test
