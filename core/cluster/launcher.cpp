#include "cluster/launcher.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <future>
#include <random>
#include <set>
#include <thread>

#include "cluster/control_client.hpp"
#include "cluster/process.hpp"
#include "crypto/node_key.hpp"

namespace rt::cluster {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// DIR/keys/node-<rank>.key and .key.token, the directory 0700 and each file 0600: a node's
// private key is its identity on every link, and its control token stays out of the process
// list (raintree-node --token-file).
bool save_keys(const fs::path& dir, const std::vector<crypto::NodeKey>& keys,
               std::vector<NodeInfo>& nodes, std::string& error) {
  const fs::path key_dir = dir / "keys";
  std::error_code ec;
  fs::create_directories(key_dir, ec);
  if (!ec) fs::permissions(key_dir, fs::perms::owner_all, ec);
  if (ec) {
    error = "cannot create " + key_dir.string() + ": " + ec.message();
    return false;
  }
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const fs::path file = key_dir / ("node-" + std::to_string(nodes[i].rank) + ".key");
    if (!keys[i].save(file, error)) return false;
    nodes[i].key_file = file.string();
    if (!crypto::write_secret_file(file.string() + ".token", nodes[i].token + "\n", error)) {
      return false;
    }
  }
  return true;
}

std::string random_token(std::random_device& rng) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string token;
  for (int i = 0; i < 32; ++i) token += kHex[rng() & 0xf];
  return token;
}

std::string host_of(const std::string& endpoint) {
  return endpoint.substr(0, endpoint.rfind(':'));
}

std::uint16_t port_of(const std::string& endpoint) {
  const auto colon = endpoint.rfind(':');
  if (colon == std::string::npos) return 0;
  try {
    return static_cast<std::uint16_t>(std::stoul(endpoint.substr(colon + 1)));
  } catch (const std::exception&) {
    return 0;
  }
}

bool write_address_book(const ClusterInfo& info, std::string& error) {
  // The address book format of core/protocol/membership.hpp.
  nlohmann::json members = nlohmann::json::array();
  for (const NodeInfo& n : info.nodes) {
    nlohmann::json member = {{"id", n.id.hex()}, {"role", n.role}, {"endpoint", n.listen}};
    if (n.public_key) member["public_key"] = to_hex(*n.public_key);
    members.push_back(std::move(member));
  }
  std::ofstream out(info.address_book, std::ios::trunc);
  out << nlohmann::json{{"members", members}}.dump(2) << '\n';
  if (!out.flush()) {
    error = "cannot write " + info.address_book.string();
    return false;
  }
  return true;
}

// A node belongs to the cluster only while its pid runs with the cluster's token on its command
// line; a recycled pid is never signalled.
bool owns_pid(const NodeInfo& node) {
  return node.pid > 0 && process_has_argument(node.pid, node.process_marker());
}

std::vector<std::string> node_args(const LaunchOptions& o, const ClusterInfo& info,
                                   const NodeInfo& n) {
  std::vector<std::string> args = {"--key",          n.key_file,
                                   "--id",           n.id.hex(),
                                   "--listen",       n.listen,
                                   "--address-book", info.address_book.string(),
                                   "--control",      std::to_string(port_of(n.control)),
                                   "--control-host", host_of(n.control),
                                   "--token-file",   n.key_file + ".token",
                                   "--metrics",      std::to_string(port_of(n.metrics)),
                                   "--metrics-host", host_of(n.metrics),
                                   "--mode",         o.mode,
                                   "--log-level",    o.log_level};
  if (o.insecure) args.push_back("--insecure");
  if (o.fanout > 0) {
    args.push_back("--fanout");
    args.push_back(std::to_string(o.fanout));
  }
  if (!o.advert_priority.empty()) {
    args.push_back("--advert-priority");
    args.push_back(o.advert_priority);
  }
  if (std::find(o.byzantine.begin(), o.byzantine.end(), n.rank) != o.byzantine.end()) {
    args.push_back("--byzantine");
  }
  args.insert(args.end(), o.extra_node_args.begin(), o.extra_node_args.end());
  return args;
}

enum class Attempt { ok, failed, port_clash };

// Fixed ports of a node in a namespace of its own: every node listens on the same ones, at its
// own address.
constexpr int kNetnsPeerPort = 7000;
constexpr int kNetnsControlPort = 7001;
constexpr int kNetnsMetricsPort = 9100;

// Where each node listens: loopback ports picked free, or its own address in its namespace.
bool assign_endpoints(const LaunchOptions& o, ClusterInfo& info, std::string& error) {
  if (info.network) {
    for (NodeInfo& n : info.nodes) {
      const std::string& address = info.network->addresses[n.rank - 1];
      n.netns = info.network->namespaces[n.rank - 1];
      n.listen = address + ":" + std::to_string(kNetnsPeerPort);
      n.control = address + ":" + std::to_string(kNetnsControlPort);
      n.metrics = address + ":" + std::to_string(kNetnsMetricsPort);
    }
    return true;
  }
  const auto ports = pick_free_ports(info.nodes.size() * 3, error);
  if (ports.empty()) return false;
  for (std::size_t i = 0; i < info.nodes.size(); ++i) {
    NodeInfo& n = info.nodes[i];
    n.listen = "127.0.0.1:" + std::to_string(ports[3 * i]);
    n.control = o.control_host + ":" + std::to_string(ports[3 * i + 1]);
    n.metrics = "127.0.0.1:" + std::to_string(ports[3 * i + 2]);
  }
  return true;
}

// One launch attempt with fresh ids and ports. Leaves nothing running unless it succeeds.
Attempt launch_once(const LaunchOptions& o, const fs::path& binary, ClusterInfo& info,
                    std::string& error) {
  std::random_device rng;
  const auto keys = crypto::generate_node_keys(o.nodes, error);
  if (!keys) return Attempt::failed;

  info = ClusterInfo{};
  info.mode = o.mode;
  info.dir = o.dir;
  info.address_book = o.dir / "address-book.json";
  info.insecure = o.insecure;
  for (int i = 0; i < o.nodes; ++i) {
    NodeInfo n;
    n.rank = i + 1;
    n.id = (*keys)[i].id();
    n.public_key = (*keys)[i].public_key();
    n.role = o.roles.empty() ? "validator" : o.roles[i % o.roles.size()];
    n.token = random_token(rng);
    n.log = (o.dir / ("node-" + std::to_string(n.rank) + ".log")).string();
    info.nodes.push_back(std::move(n));
  }
  auto abandon = [&] {
    std::string ignored;
    stop_cluster(info, ignored);
  };
  if (o.netns.enabled) {
    info.network = create_network(o.nodes, o.netns.shaping, o.network_progress, error);
    if (!info.network) return Attempt::failed;
  }
  if (!assign_endpoints(o, info, error) || !save_keys(o.dir, *keys, info.nodes, error) ||
      !write_address_book(info, error)) {
    abandon();
    return Attempt::failed;
  }

  for (NodeInfo& n : info.nodes) {
    std::error_code ec;
    fs::remove(n.log, ec);
    n.binary = fs::absolute(binary).string();
    n.args = node_args(o, info, n);
    n.pid = spawn_process(node_spawn_options(n), error);
    if (n.pid == 0) {
      error = "node rank " + std::to_string(n.rank) + ": " + error;
      abandon();
      return Attempt::failed;
    }
  }
  // Processes run in the namespaces now: `cleanup --abandoned` sees the network as used.
  if (info.network) info.network->setup_lock.reset();
  // Saved before waiting, so that `cluster down` can clean up even if this process dies now.
  if (!info.save(o.dir / "cluster.json", error)) {
    abandon();
    return Attempt::failed;
  }

  const auto deadline = Clock::now() + o.ready_timeout;
  std::vector<bool> ready(info.nodes.size(), false);
  int ready_count = 0;
  if (o.progress) o.progress(0, o.nodes);
  while (ready_count < o.nodes) {
    bool progressed = false;
    for (std::size_t i = 0; i < info.nodes.size(); ++i) {
      if (ready[i]) continue;
      const NodeInfo& n = info.nodes[i];
      if (const auto status = reap_child(n.pid); status || !process_alive(n.pid)) {
        const std::string why = last_line(n.log);
        error = "node rank " + std::to_string(n.rank) + " (pid " + std::to_string(n.pid) +
                ") exited before answering (" +
                (status ? describe_wait_status(*status) : std::string("gone")) +
                "): " + (why.empty() ? "no output" : why) + " [log: " + n.log + "]";
        abandon();
        const bool clash = why.find("in use") != std::string::npos ||
                           why.find("cannot listen") != std::string::npos;
        return clash ? Attempt::port_clash : Attempt::failed;
      }
      std::string why;
      auto client = ControlClient::connect(n, milliseconds(500), why);
      if (!client) continue;
      const auto answer = client->request({{"cmd", "status"}}, milliseconds(1000), why);
      if (!answer || !answer->value("ok", false)) continue;
      ready[i] = true;
      ++ready_count;
      progressed = true;
      if (o.progress) o.progress(ready_count, o.nodes);
    }
    if (ready_count == o.nodes) break;
    if (o.cancelled && o.cancelled()) {
      error = "interrupted while starting the cluster";
      abandon();
      return Attempt::failed;
    }
    if (Clock::now() >= deadline) {
      std::string missing;
      for (std::size_t i = 0; i < ready.size(); ++i) {
        if (!ready[i]) missing += (missing.empty() ? "" : ",") + std::to_string(i + 1);
      }
      error = "nodes " + missing + " did not answer status within " +
              std::to_string(o.ready_timeout.count()) + " ms (see their logs in " + o.dir.string() +
              ")";
      abandon();
      return Attempt::failed;
    }
    // Nodes still starting: look again shortly (bounded by the deadline above).
    if (!progressed) std::this_thread::sleep_for(milliseconds(20));
  }
  return Attempt::ok;
}

}  // namespace

SpawnOptions node_spawn_options(const NodeInfo& node) {
  SpawnOptions spawn{node.binary, node.args, node.log, true};
  if (!node.netns.empty()) spawn.netns = Network::netns_path(node.netns);
  return spawn;
}

fs::path default_node_binary() {
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return "raintree-node";
  return self.parent_path() / "raintree-node";
}

std::optional<ClusterInfo> launch_cluster(const LaunchOptions& options, std::string& error) {
  if (options.nodes < 1 || options.nodes > 1000) {
    error = "--nodes must be between 1 and 1000, got " + std::to_string(options.nodes);
    return std::nullopt;
  }
  if (options.mode.empty()) {
    error = "--mode must not be empty";
    return std::nullopt;
  }
  if (options.dir.empty()) {
    error = "a cluster directory is required";
    return std::nullopt;
  }
  for (const std::string& role : options.roles) {
    if (role.empty()) {
      error = "roles must not be empty";
      return std::nullopt;
    }
  }
  const auto& shaping = options.netns.shaping;
  if (options.netns.enabled) {
    const bool need_nft = std::any_of(shaping.begin(), shaping.end(),
                                      [](const LinkShaping& s) { return s.loss_percent > 0; });
    if (const std::string why = netns_unavailable(need_nft); !why.empty()) {
      error = why;
      return std::nullopt;
    }
  } else if (std::any_of(shaping.begin(), shaping.end(),
                         [](const LinkShaping& s) { return s.shaped(); })) {
    error = "link rates and losses need --netns (the kernel shapes each node's own interface)";
    return std::nullopt;
  }
  const fs::path binary = options.node_binary.empty() ? default_node_binary() : options.node_binary;
  if (::access(binary.c_str(), X_OK) != 0) {
    error = "node executable " + binary.string() + " not found or not executable";
    return std::nullopt;
  }
  std::error_code ec;
  fs::create_directories(options.dir, ec);
  if (ec) {
    error = "cannot create " + options.dir.string() + ": " + ec.message();
    return std::nullopt;
  }
  // Another launcher may take a port between our reservation and the node's bind; such a
  // clash is retried with fresh ports, any other failure is reported at once.
  // Absolute paths in cluster.json and the recorded node command lines, so that a restart
  // works from any working directory.
  LaunchOptions absolute = options;
  absolute.dir = fs::absolute(options.dir, ec);
  ClusterInfo info;
  for (int attempt = 0;; ++attempt) {
    const Attempt result = launch_once(absolute, binary, info, error);
    if (result == Attempt::ok) return info;
    if (result == Attempt::failed || attempt == 2) return std::nullopt;
  }
}

std::vector<NodeStatus> cluster_status(const ClusterInfo& cluster, milliseconds timeout) {
  std::vector<std::future<NodeStatus>> pending;
  for (const NodeInfo& n : cluster.nodes) {
    pending.push_back(std::async(std::launch::async, [n, timeout] {
      NodeStatus s;
      s.rank = n.rank;
      if (owns_pid(n)) {
        const ProcessState state = process_state(n.pid);
        s.process_alive = state == ProcessState::running || state == ProcessState::stopped;
        s.stopped = state == ProcessState::stopped;
      }
      // A stopped node cannot answer; do not spend the timeout on it.
      if (s.process_alive && !s.stopped) {
        std::string why;
        auto client = ControlClient::connect(n, timeout, why);
        if (client) {
          auto answer = client->request({{"cmd", "status"}}, timeout, why);
          if (answer && answer->value("ok", false)) {
            s.answering = true;
            s.status = std::move(*answer);
          }
        }
      }
      return s;
    }));
  }
  std::vector<NodeStatus> result;
  for (auto& f : pending) result.push_back(f.get());
  return result;
}

bool stop_cluster(const ClusterInfo& given, std::string& error) {
  // A node restarted by another process (or by a controller whose copy this is not) runs
  // under a pid that `given` does not know: find it by its token.
  ClusterInfo cluster = given;
  std::set<std::string> lost;
  for (const NodeInfo& n : cluster.nodes) {
    if (!owns_pid(n)) lost.insert(n.process_marker());
  }
  if (!lost.empty()) {
    const auto found = pids_with_argument(lost);
    for (NodeInfo& n : cluster.nodes) {
      if (const auto it = found.find(n.process_marker()); it != found.end() && !owns_pid(n)) {
        reap_child(n.pid);
        n.pid = it->second;
      }
    }
  }
  // 1. Ask every running node to shut down (in parallel; stopped nodes cannot answer).
  std::vector<std::future<void>> asks;
  for (const NodeInfo& n : cluster.nodes) {
    if (!owns_pid(n)) continue;
    if (process_state(n.pid) == ProcessState::stopped) continue;
    asks.push_back(std::async(std::launch::async, [n] {
      std::string why;
      auto client = ControlClient::connect(n, milliseconds(1000), why);
      if (client) client->request({{"cmd", "shutdown"}}, milliseconds(1000), why);
    }));
  }
  for (auto& f : asks) f.get();

  // 2. Give them a moment to exit cleanly, then SIGCONT + SIGKILL the rest (a stopped process
  //    dies of SIGKILL too; SIGCONT lets it run its exit path).
  const auto grace_end = Clock::now() + milliseconds(3000);
  std::vector<std::string> stuck;
  for (const NodeInfo& n : cluster.nodes) {
    if (n.pid <= 0) continue;
    if (!owns_pid(n)) {
      reap_child(n.pid);
      continue;
    }
    const auto left = std::max(milliseconds(0),
                               std::chrono::duration_cast<milliseconds>(grace_end - Clock::now()));
    const bool stopped = process_state(n.pid) == ProcessState::stopped;
    if (!stopped && wait_gone(n.pid, left)) continue;
    std::string ignored;
    send_signal(n.pid, SIGKILL, ignored);
    send_signal(n.pid, SIGCONT, ignored);
    if (!wait_gone(n.pid, milliseconds(3000))) {
      stuck.push_back("rank " + std::to_string(n.rank) + " (pid " + std::to_string(n.pid) + ")");
    }
  }
  if (!stuck.empty()) {
    error = "could not stop node";
    for (const std::string& s : stuck) error += " " + s;
    std::string ignored;  // killing what runs in them is part of removing namespaces
    if (cluster.network) remove_network(*cluster.network, ignored);
    return false;
  }

  // 3. Every port of the cluster must be closed now (in this namespace; a --netns cluster's
  //    ports go with its namespaces).
  const auto ports_deadline = Clock::now() + milliseconds(3000);
  for (const NodeInfo& n : cluster.nodes) {
    if (!n.netns.empty()) continue;
    for (const std::string* endpoint : {&n.listen, &n.control, &n.metrics}) {
      const std::uint16_t port = port_of(*endpoint);
      while (port != 0 && port_listening(port)) {
        if (Clock::now() >= ports_deadline) {
          error = "port " + *endpoint + " of rank " + std::to_string(n.rank) +
                  " is still listening after the node stopped";
          return false;
        }
        std::this_thread::sleep_for(milliseconds(10));
      }
    }
  }
  return !cluster.network || remove_network(*cluster.network, error);
}

}  // namespace rt::cluster
