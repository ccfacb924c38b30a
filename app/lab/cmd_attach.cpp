// raintree-lab attach FILE status|broadcast|watch|fault: drive a cluster that another process
// started, knowing only its cluster.json and speaking only the control channel (plus signals
// for the process faults, which need the node's process on this machine).
#include <cstdio>
#include <future>
#include <iostream>
#include <map>
#include <thread>

#include "cluster/control_client.hpp"
#include "cluster/monitor.hpp"
#include "cluster/process.hpp"
#include "cluster/ranks.hpp"
#include "command_registry.hpp"
#include "fault_cli.hpp"
#include "interrupt.hpp"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using rt::cluster::ClusterInfo;
using rt::cluster::ControlClient;
using rt::cluster::NodeInfo;
using std::chrono::milliseconds;

constexpr milliseconds kTimeout{1500};

[[noreturn]] void fail(const std::string& message, int code = 1) {
  std::cerr << "raintree-lab attach: " << message << '\n';
  throw CLI::RuntimeError(code);
}

// What one node says about itself, asked over its control channel.
struct Probe {
  bool here = false;     // its process runs on this machine
  bool stopped = false;  // SIGSTOPped (only known when here)
  bool gone = false;     // its pid on this machine is gone (only known for local pids)
  bool answering = false;
  json status, counters;
};

Probe probe(const NodeInfo& n) {
  Probe p;
  p.here = rt::cluster::process_here(n);
  const auto state = rt::cluster::process_state(n.pid);
  if (p.here) p.stopped = state == rt::cluster::ProcessState::stopped;
  p.gone = !p.here && n.pid > 0 &&
           (state == rt::cluster::ProcessState::gone || state == rt::cluster::ProcessState::zombie);
  if (p.stopped) return p;  // a stopped node cannot answer: do not spend the timeout on it
  std::string error;
  auto client = ControlClient::connect(n, kTimeout, error);
  if (!client) return p;
  auto status = client->request({{"cmd", "status"}}, kTimeout, error);
  if (!status || !status->value("ok", false)) return p;
  p.answering = true;
  p.status = std::move(*status);
  if (auto counters = client->request({{"cmd", "counters"}}, kTimeout, error)) {
    p.counters = std::move(*counters);
  }
  return p;
}

// The rank of a peer id, for readable fault summaries.
std::string rank_of(const ClusterInfo& info, const std::string& hex) {
  for (const auto& n : info.nodes) {
    if (n.id.hex() == hex) return std::to_string(n.rank);
  }
  return hex.substr(0, 8);
}

std::string faults_summary(const ClusterInfo& info, const rt::cluster::NodeFaults& f) {
  std::string out;
  const auto add = [&](const std::string& part) { out += (out.empty() ? "" : " ") + part; };
  char text[64];
  if (f.mute) add("mute");
  if (f.loss_percent > 0) {
    std::snprintf(text, sizeof text, "loss %g%%", f.loss_percent);
    add(text);
  }
  if (f.delay_ms > 0) add("delay " + std::to_string(f.delay_ms) + "ms");
  for (const auto& [peer, link] : f.links) {
    std::string part = "link->" + rank_of(info, peer);
    if (link.loss_percent > 0) {
      std::snprintf(text, sizeof text, " loss %g%%", link.loss_percent);
      part += text;
    }
    if (link.delay_ms > 0) part += " delay " + std::to_string(link.delay_ms) + "ms";
    add(part);
  }
  if (!f.block.empty()) {
    std::string ranks;
    for (const auto& peer : f.block) ranks += (ranks.empty() ? "" : ",") + rank_of(info, peer);
    add("block " + ranks);
  }
  return out.empty() ? "-" : out;
}

void attach_status(const ClusterInfo& info) {
  std::vector<std::future<Probe>> pending;
  for (const auto& n : info.nodes) {
    pending.push_back(std::async(std::launch::async, [&n] { return probe(n); }));
  }
  std::printf("mode %s, %zu nodes\n", info.mode.c_str(), info.nodes.size());
  std::printf("%4s  %-8s  %7s  %-4s  %-11s  %-7s  %9s  %s\n", "rank", "id", "pid", "here",
              "condition", "peers", "delivered", "faults");
  int answering = 0;
  for (std::size_t i = 0; i < info.nodes.size(); ++i) {
    const NodeInfo& n = info.nodes[i];
    const Probe p = pending[i].get();
    std::string condition, peers = "-", delivered = "-", faults = "-";
    if (p.answering) {
      ++answering;
      const auto f = rt::cluster::parse_node_faults(p.status.value("faults", json::object()));
      condition = !f.block.empty() ? "partitioned" : f.mute ? "muted" : "up";
      peers = std::to_string(p.status.value("peers_connected", 0)) + "/" +
              std::to_string(p.status.value("peers", static_cast<int>(info.nodes.size()) - 1));
      const json node = p.counters.value("node", json::object());
      if (node.contains("delivered")) delivered = std::to_string(node.value("delivered", 0ull));
      faults = faults_summary(info, f);
    } else {
      condition = p.stopped ? "stopped" : p.gone ? "dead" : "no answer";
    }
    std::printf("%4d  %-8s  %7d  %-4s  %-11s  %-7s  %9s  %s\n", n.rank, n.id.short_hex().c_str(),
                n.pid, p.here ? "yes" : "no", condition.c_str(), peers.c_str(), delivered.c_str(),
                faults.c_str());
  }
  std::printf("%d of %zu nodes answering\n", answering, info.nodes.size());
}

struct BroadcastArgs {
  int origin = 1;
  std::size_t size = 1024;
  std::string group = "all";
  int count = 1;
};

void attach_broadcast(const ClusterInfo& info, const BroadcastArgs& a) {
  const NodeInfo* n = info.by_rank(a.origin);
  if (!n) {
    fail("--origin: rank " + std::to_string(a.origin) + " is outside 1.." +
             std::to_string(info.nodes.size()),
         2);
  }
  std::string error;
  auto client = ControlClient::connect(*n, kTimeout, error);
  if (!client) fail("rank " + std::to_string(a.origin) + " (" + n->control + "): " + error);
  for (int i = 0; i < a.count; ++i) {
    const json command = {{"cmd", "broadcast"}, {"size", a.size}, {"group", a.group}};
    const auto answer = client->request(command, milliseconds(5000), error);
    if (!answer) fail("rank " + std::to_string(a.origin) + " does not answer: " + error);
    if (!answer->value("ok", false)) {
      fail("rank " + std::to_string(a.origin) +
           " refused the broadcast: " + answer->value("error", std::string("no reason given")));
    }
    std::cout << answer->value("id", std::string()) << std::endl;
  }
}

void attach_watch(const ClusterInfo& info, int seconds) {
  rt::cluster::ClusterMonitor monitor(info);
  monitor.start([] {});
  rt::lab::InterruptScope scope;
  std::map<int, bool> answering;
  std::uint64_t total_deliveries = 0;
  const auto start = std::chrono::steady_clock::now();
  std::printf("watching %zu nodes%s\n", info.nodes.size(), seconds > 0 ? "" : " until Ctrl-C");
  std::fflush(stdout);
  for (int tick = 1; !rt::lab::interrupted() && (seconds <= 0 || tick <= seconds); ++tick) {
    // Paces the output only; the monitor thread does the waiting on sockets.
    const auto due = start + std::chrono::seconds(tick);
    while (!rt::lab::interrupted() && std::chrono::steady_clock::now() < due) {
      std::this_thread::sleep_for(milliseconds(50));
    }
    if (rt::lab::interrupted()) break;
    const auto batch = monitor.take();
    std::uint64_t deliveries = 0, drops = 0;
    for (const auto& e : batch.events) {
      if (e.event.kind == rt::wire::EventKind::deliver) ++deliveries;
      if (e.event.kind == rt::wire::EventKind::drop) ++drops;
    }
    total_deliveries += deliveries;
    for (const auto& s : batch.samples) answering[s.rank] = s.answering;
    int up = 0;
    for (const auto& [rank, yes] : answering) up += yes ? 1 : 0;
    std::printf("%4ds  events/s %6zu  deliveries %5llu (total %llu)  drops %5llu  answering %d/%zu",
                tick, batch.events.size(), static_cast<unsigned long long>(deliveries),
                static_cast<unsigned long long>(total_deliveries),
                static_cast<unsigned long long>(drops), up, info.nodes.size());
    if (batch.dropped_events > 0) {
      std::printf("  (%llu events lost)", static_cast<unsigned long long>(batch.dropped_events));
    }
    std::printf("\n");
    for (const auto& line : batch.log) std::printf("      %s\n", line.c_str());
    std::fflush(stdout);
  }
  monitor.stop();
}

void add_attach(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "attach", "Drive a running cluster through its cluster.json and the nodes' control channels");
  cmd->require_subcommand(1);
  auto file = std::make_shared<std::string>();
  cmd->add_option("file", *file, "cluster.json (or the directory holding it)")->required();
  cmd->footer(
      "Examples:\n  raintree-lab attach D/cluster.json status\n"
      "  raintree-lab attach D/cluster.json broadcast --origin 2 --count 5\n"
      "  raintree-lab attach D/cluster.json watch --seconds 10\n"
      "  raintree-lab attach D/cluster.json fault stop 2");
  // Loads the file when a subcommand runs (the positional is parsed by then).
  const auto load = [file] {
    fs::path path = *file;
    return std::make_pair(rt::lab::load_cluster_file(path, "attach"), path);
  };

  auto* status = cmd->add_subcommand("status", "One line per rank: process, peers, faults");
  status->callback([load] { attach_status(load().first); });

  auto b = std::make_shared<BroadcastArgs>();
  auto* broadcast = cmd->add_subcommand("broadcast", "Broadcast from one rank; prints the ids");
  broadcast->add_option("--origin", b->origin, "Rank that broadcasts")->capture_default_str();
  broadcast->add_option("--size", b->size, "Payload bytes")
      ->check(CLI::Range(std::size_t{1}, std::size_t{(16u << 20) - 1024}))
      ->capture_default_str();
  broadcast->add_option("--group", b->group, "Broadcast group")->capture_default_str();
  broadcast->add_option("--count", b->count, "How many broadcasts")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  broadcast->callback([load, b] { attach_broadcast(load().first, *b); });

  auto seconds = std::make_shared<int>(0);
  auto* watch = cmd->add_subcommand("watch", "One line per second of cluster activity");
  watch->add_option("--seconds", *seconds, "Stop after this many seconds (0: until Ctrl-C)")
      ->check(CLI::Range(0, 86400))
      ->capture_default_str();
  watch->callback([load, seconds] { attach_watch(load().first, *seconds); });

  auto* fault =
      cmd->add_subcommand("fault", "Apply one fault and leave it (as `raintree-lab fault`)");
  auto args = rt::lab::add_fault_options(*fault, "raintree-lab attach D/cluster.json fault", "");
  fault->callback([load, args] {
    auto [info, path] = load();
    rt::lab::apply_fault_cli(info, path, *args, "attach fault");
  });
}

const bool registered = rt::lab::register_command("attach", add_attach);

}  // namespace
