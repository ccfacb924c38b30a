// raintree-lab cluster up|status|down|cleanup: leave a cluster of real nodes running in a
// directory, inspect it, stop it (DESIGN.md, "The command-line contract").
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "cluster/launcher.hpp"
#include "cluster/ranks.hpp"
#include "command_registry.hpp"
#include "interrupt.hpp"
#include "netns_cli.hpp"

namespace {

namespace fs = std::filesystem;
using rt::cluster::ClusterInfo;

const std::vector<std::string> kModes = {"pocket", "raintree", "random", "advert"};

[[noreturn]] void fail(const std::string& message, int code = 1) {
  std::cerr << "raintree-lab: " << message << '\n';
  throw CLI::RuntimeError(code);
}

ClusterInfo load_cluster(const fs::path& dir) {
  std::string error;
  auto info = ClusterInfo::load(dir / "cluster.json", error);
  if (!info) fail(error);
  return *info;
}

std::vector<std::string> split_roles(const std::string& text) {
  std::vector<std::string> roles;
  std::stringstream in(text);
  std::string role;
  while (std::getline(in, role, ',')) {
    if (role.empty()) fail("--roles: empty role in \"" + text + "\"", 2);
    roles.push_back(role);
  }
  return roles;
}

struct UpArgs {
  int nodes = 0;
  std::string mode = "random";
  std::string dir;
  std::string roles;
  int fanout = 0;
  std::string node_binary;
  std::string log_level = "info";
  std::string byzantine;
  bool insecure = false;
  std::string control_host = "127.0.0.1";
  std::shared_ptr<rt::lab::NetnsCliArgs> netns;
};

void cluster_up(const UpArgs& a) {
  const fs::path dir = a.dir;
  std::error_code ec;
  if (fs::exists(dir / "cluster.json", ec)) {
    std::string error;
    if (auto old = ClusterInfo::load(dir / "cluster.json", error)) {
      for (const auto& s : rt::cluster::cluster_status(*old)) {
        if (s.process_alive) {
          fail(dir.string() + " already holds a running cluster (rank " + std::to_string(s.rank) +
               " is up); run `raintree-lab cluster down --dir " + dir.string() + "` first");
        }
      }
    }
  }
  rt::cluster::LaunchOptions o;
  o.nodes = a.nodes;
  o.mode = a.mode;
  o.dir = dir;
  o.roles = split_roles(a.roles);
  o.fanout = a.fanout;
  o.node_binary = a.node_binary;
  o.log_level = a.log_level;
  o.insecure = a.insecure;
  o.control_host = a.control_host;
  o.netns = rt::lab::to_netns_options(*a.netns, a.nodes, "cluster up");
  if (o.netns.enabled && a.control_host != "127.0.0.1") {
    fail(
        "--control-host does not apply with --netns: each node's control channel listens on "
        "its own address",
        2);
  }
  std::string why;
  const auto byzantine = rt::cluster::parse_ranks(a.byzantine, a.nodes, why);
  if (!byzantine) fail("--byzantine: " + why, 2);
  if (!byzantine->empty() && a.mode != "advert") fail("--byzantine needs --mode advert", 2);
  o.byzantine = *byzantine;
  o.network_progress = [](int done, int total) {
    std::cerr << "\rnetwork namespaces: " << done << "/" << total << (done == total ? "\n" : "")
              << std::flush;
  };
  o.progress = [](int up, int total) {
    std::cerr << "\rnodes answering: " << up << "/" << total << (up == total ? "\n" : "")
              << std::flush;
  };
  // The nodes live in their own sessions: a Ctrl-C during start-up must not orphan them, so it
  // only asks the launcher to stop what it started.
  o.cancelled = rt::lab::interrupted;
  std::string error;
  const auto info = [&] {
    rt::lab::InterruptScope scope;
    return rt::cluster::launch_cluster(o, error);
  }();
  if (!info) {
    std::cerr << '\n';
    fail(error, rt::lab::failure_status());
  }
  std::cout << "cluster of " << info->nodes.size() << " nodes up in mode " << info->mode << " ("
            << (info->insecure ? "INSECURE plaintext links"
                               : "mutual TLS 1.3 links, keys in " + (dir / "keys").string())
            << "); see " << (dir / "cluster.json").string() << '\n';
  if (const auto& net = info->network) {
    std::cout << "each node in its own network namespace (" << net->namespaces.front() << ".."
              << net->namespaces.back() << ", addresses " << net->addresses.front() << ".."
              << net->addresses.back() << "), reached from here through " << net->host_link << " ("
              << net->gateway << ")\n";
  }
}

void cluster_status_cmd(const std::string& dir) {
  const ClusterInfo info = load_cluster(dir);
  const auto statuses = rt::cluster::cluster_status(info);
  std::printf("mode %s, %zu nodes\n", info.mode.c_str(), info.nodes.size());
  std::printf("%4s  %-8s  %-10s  %7s  %-7s  %-9s  %s\n", "rank", "id", "role", "pid", "process",
              "answering", "peers");
  int answering = 0;
  for (std::size_t i = 0; i < info.nodes.size(); ++i) {
    const auto& n = info.nodes[i];
    const auto& s = statuses[i];
    const char* state = s.stopped ? "stopped" : s.process_alive ? "alive" : "dead";
    std::string peers = "-";
    if (s.answering) {
      ++answering;
      const int expected = s.status.value("peers", static_cast<int>(info.nodes.size()) - 1);
      peers = std::to_string(s.status.value("peers_connected", 0)) + "/" + std::to_string(expected);
    }
    std::printf("%4d  %-8s  %-10s  %7d  %-7s  %-9s  %s\n", n.rank, n.id.short_hex().c_str(),
                n.role.c_str(), n.pid, state, s.answering ? "yes" : "no", peers.c_str());
  }
  std::printf("%d of %zu nodes answering\n", answering, info.nodes.size());
}

void cluster_down(const std::string& dir) {
  const ClusterInfo info = load_cluster(dir);
  std::string error;
  if (!rt::cluster::stop_cluster(info, error)) fail(error);
  std::cout << "stopped " << info.nodes.size() << " nodes; no process or listening port left"
            << (info.network ? ", network namespaces removed" : "") << '\n';
}

struct CleanupArgs {
  std::string dir;
  bool abandoned = false;
};

// After a crash: whatever a cluster directory still has running or set up, and networks that no
// cluster uses any more.
void cluster_cleanup(const CleanupArgs& a) {
  if (a.dir.empty() && !a.abandoned)
    fail("say what to clean up: --dir DIR, --abandoned or both", 2);
  bool ok = true;
  if (!a.dir.empty()) {
    const ClusterInfo info = load_cluster(a.dir);
    std::string error;
    if (rt::cluster::stop_cluster(info, error)) {
      std::cout << a.dir << ": no node process left" << (info.network ? ", network removed" : "")
                << '\n';
    } else {
      std::cerr << "raintree-lab: " << a.dir << ": " << error << '\n';
      ok = false;
    }
  }
  if (a.abandoned) {
    std::string error;
    const auto slots = rt::cluster::remove_abandoned_networks(error);
    std::cout << "removed " << slots.size() << " abandoned network"
              << (slots.size() == 1 ? "" : "s");
    for (int slot : slots) std::cout << " rtlab" << slot;
    std::cout << '\n';
    if (!error.empty()) {
      std::cerr << "raintree-lab: " << error << '\n';
      ok = false;
    }
  }
  if (!ok) throw CLI::RuntimeError(1);
}

void add_cluster(CLI::App& app) {
  auto* cluster = app.add_subcommand("cluster", "Start, inspect or stop a cluster left running");
  cluster->require_subcommand(1);

  auto up_args = std::make_shared<UpArgs>();
  auto* up = cluster->add_subcommand("up", "Start N nodes and leave them running");
  up->add_option("--nodes", up_args->nodes, "Number of nodes")
      ->required()
      ->check(CLI::Range(1, 1000));
  up->add_option("--mode", up_args->mode, "Gossip mode")
      ->check(CLI::IsMember(kModes))
      ->capture_default_str();
  up->add_option("--dir", up_args->dir, "Directory for cluster.json, the address book, logs")
      ->required();
  up->add_option("--roles", up_args->roles, "Comma list of roles cycled over the ranks");
  up->add_option("--fanout", up_args->fanout, "Random-mode fanout (0: the node's default)")
      ->check(CLI::Range(0, 1000));
  up->add_option("--byzantine", up_args->byzantine,
                 "RANKS that serve corrupted artifact bodies (advert mode), e.g. 2,5");
  up->add_option("--node-binary", up_args->node_binary, "raintree-node to start");
  up->add_flag("--insecure", up_args->insecure, rt::lab::kInsecureHelp);
  up->add_option("--control-host", up_args->control_host,
                 "Address of the nodes' control channels: loopback, or any other address of this "
                 "machine, served over TLS 1.3 with each node's key (not with --insecure)")
      ->capture_default_str();
  up_args->netns = rt::lab::add_netns_options(*up);
  up->add_option("--log-level", up_args->log_level, "Node log level")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}))
      ->capture_default_str();
  up->callback([up_args] { cluster_up(*up_args); });

  auto status_dir = std::make_shared<std::string>();
  auto* status = cluster->add_subcommand("status", "Show every node of a cluster");
  status->add_option("--dir", *status_dir, "Cluster directory")->required();
  status->callback([status_dir] { cluster_status_cmd(*status_dir); });

  auto down_dir = std::make_shared<std::string>();
  auto* down = cluster->add_subcommand("down", "Stop every node of a cluster");
  down->add_option("--dir", *down_dir, "Cluster directory")->required();
  down->callback([down_dir] { cluster_down(*down_dir); });

  auto cleanup_args = std::make_shared<CleanupArgs>();
  auto* cleanup = cluster->add_subcommand(
      "cleanup", "Remove what a crashed cluster or launcher left: processes, network namespaces");
  cleanup->add_option("--dir", cleanup_args->dir,
                      "Cluster directory: stop its nodes and remove its network namespaces");
  cleanup->add_flag("--abandoned", cleanup_args->abandoned,
                    "Remove every rtlab* network namespace set with no process left in it (from "
                    "a launcher that died before writing cluster.json)");
  cleanup->callback([cleanup_args] { cluster_cleanup(*cleanup_args); });
}

const bool registered = rt::lab::register_command("cluster", add_cluster);

}  // namespace
