// raintree-lab run: start real nodes, apply faults, broadcast, wait until quiet, report, and
// stop every process it started (DESIGN.md, "The command-line contract").
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cluster/faults.hpp"
#include "cluster/ranks.hpp"
#include "cluster/run.hpp"
#include "command_registry.hpp"
#include "interrupt.hpp"
#include "netns_cli.hpp"
#include "rank_values.hpp"

namespace {

namespace fs = std::filesystem;

[[noreturn]] void fail(const std::string& message, int code = 1) {
  std::cerr << "raintree-lab run: " << message << '\n';
  throw CLI::RuntimeError(code);
}

struct RunArgs {
  rt::cluster::RunOptions options;
  std::string kill, stop, byzantine, mute, loss, delay, partition, json, csv, node_binary, dir;
  int quiet_ms = 400, timeout_ms = 30000;
  std::shared_ptr<rt::lab::NetnsCliArgs> netns;
};

void write_file(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  if (!out.flush()) fail("cannot write " + path.string());
}

void print_summary(const rt::telemetry::Report& r) {
  std::printf("%4s  %-8s  %-5s  %9s  %6s  %6s  %5s  %10s  %10s\n", "rank", "id", "alive",
              "delivered", "reads", "writes", "dups", "bytes_in", "bytes_out");
  for (const auto& n : r.nodes) {
    std::printf(
        "%4d  %-8s  %-5s  %9llu  %6llu  %6llu  %5llu  %10llu  %10llu\n", n.rank,
        n.id.short_hex().c_str(), n.alive ? "yes" : "no",
        static_cast<unsigned long long>(n.delivered), static_cast<unsigned long long>(n.reads),
        static_cast<unsigned long long>(n.writes), static_cast<unsigned long long>(n.duplicates),
        static_cast<unsigned long long>(n.bytes_in), static_cast<unsigned long long>(n.bytes_out));
  }
  const auto& t = r.totals;
  std::printf(
      "mode %s: %d broadcasts, coverage %.4f, payload copies/node %.3f, last delivery %.1f ms, "
      "reads %llu, writes %llu, payload bytes %llu, control bytes %llu\n",
      r.mode.c_str(), t.broadcasts, t.coverage, t.payload_copies_per_node, t.last_delivery_ms,
      static_cast<unsigned long long>(t.reads), static_cast<unsigned long long>(t.writes),
      static_cast<unsigned long long>(t.payload_bytes),
      static_cast<unsigned long long>(t.control_bytes));
  for (const auto& b : r.broadcasts) {
    if (b.missed_ranks.empty()) continue;
    std::printf("broadcast %s missed ranks %s (%s)\n", rt::to_string(b.id).c_str(),
                rt::cluster::format_ranks(b.missed_ranks).c_str(),
                b.missed_reasons.front().c_str());
  }
}

std::vector<rt::cluster::FaultStep> network_faults(const RunArgs& a, int nodes) {
  using rt::cluster::FaultKind;
  using rt::cluster::FaultStep;
  std::vector<FaultStep> steps;
  std::string error;
  if (!a.mute.empty()) {
    auto ranks = rt::cluster::parse_ranks(a.mute, nodes, error);
    if (!ranks) fail("--mute: " + error, 2);
    steps.push_back(FaultStep{FaultKind::mute, *ranks});
  }
  if (!a.loss.empty()) {
    auto [percent, ranks] = rt::lab::amount_at_ranks("run", "--loss", a.loss, 100, nodes);
    FaultStep step{FaultKind::loss, ranks};
    step.percent = percent;
    steps.push_back(step);
  }
  if (!a.delay.empty()) {
    auto [ms, ranks] = rt::lab::amount_at_ranks("run", "--delay", a.delay, 60000, nodes);
    FaultStep step{FaultKind::delay, ranks};
    step.delay_ms = static_cast<int>(ms);
    steps.push_back(step);
  }
  if (!a.partition.empty()) {
    auto groups = rt::cluster::parse_groups(a.partition, nodes, error);
    if (!groups) fail("--partition: " + error, 2);
    FaultStep step{FaultKind::partition, {}};
    step.groups = *groups;
    steps.push_back(step);
  }
  return steps;
}

void run(RunArgs& a) {
  auto& o = a.options;
  std::string error;
  auto kill = rt::cluster::parse_ranks(a.kill, o.nodes, error);
  if (!kill) fail("--kill: " + error, 2);
  auto stop = rt::cluster::parse_ranks(a.stop, o.nodes, error);
  if (!stop) fail("--stop: " + error, 2);
  o.kill = *kill;
  o.stop = *stop;
  o.network_faults = network_faults(a, o.nodes);
  auto byzantine = rt::cluster::parse_ranks(a.byzantine, o.nodes, error);
  if (!byzantine) fail("--byzantine: " + error, 2);
  o.byzantine = *byzantine;
  o.netns = rt::lab::to_netns_options(*a.netns, o.nodes, "run");
  if (!rt::cluster::validate_run_options(o, error)) fail(error, 2);
  o.node_binary = a.node_binary;
  o.dir = a.dir;
  o.quiet = std::chrono::milliseconds(a.quiet_ms);
  o.timeout = std::chrono::milliseconds(a.timeout_ms);
  o.progress = [](const std::string& line) { std::cerr << "run: " << line << '\n'; };
  o.cancelled = rt::lab::interrupted;
  if (!a.csv.empty()) {
    std::error_code ec;
    fs::create_directories(a.csv, ec);
    if (ec) fail("--csv: cannot create " + a.csv + ": " + ec.message(), 2);
  }

  // Until the run returns, Ctrl-C and SIGTERM only ask it to stop: it then stops the nodes it
  // started.
  const auto report = [&] {
    rt::lab::InterruptScope scope;
    return rt::cluster::run_cluster(o, error);
  }();
  if (!report) fail(error, rt::lab::failure_status());

  print_summary(*report);
  if (!a.json.empty()) {
    write_file(a.json, rt::telemetry::to_json(*report).dump(2) + "\n");
    std::cerr << "run: report written to " << a.json << '\n';
  }
  if (!a.csv.empty()) {
    write_file(fs::path(a.csv) / "nodes.csv", rt::telemetry::nodes_csv(*report));
    write_file(fs::path(a.csv) / "broadcasts.csv", rt::telemetry::broadcasts_csv(*report));
    std::cerr << "run: CSV written to " << a.csv << '\n';
  }
}

void add_run(CLI::App& app) {
  auto a = std::make_shared<RunArgs>();
  auto& o = a->options;
  auto* cmd = app.add_subcommand(
      "run",
      "Start real nodes (on loopback, or --netns), apply faults, broadcast, report, stop them");
  cmd->add_option("--nodes", o.nodes, "Number of nodes")->required()->check(CLI::Range(1, 1000));
  cmd->add_option("--mode", o.mode, "Gossip mode")
      ->required()
      ->check(CLI::IsMember({"pocket", "raintree", "random", "advert"}));
  cmd->add_option("--broadcasts", o.broadcasts, "Broadcasts, one after another")
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  cmd->add_option("--size", o.size, "Payload bytes per broadcast")
      ->check(CLI::Range(std::size_t{1}, std::size_t{(16u << 20) - 1024}))
      ->capture_default_str();
  cmd->add_option("--origin", o.origin_rank, "Rank that broadcasts")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--group", o.group, "Broadcast group (all, validators, a role...)")
      ->capture_default_str();
  cmd->add_option("--kill", a->kill, "RANKS to SIGKILL before broadcasting (e.g. 3,7,12)");
  cmd->add_option("--stop", a->stop, "RANKS to SIGSTOP before broadcasting");
  cmd->add_option("--byzantine", a->byzantine,
                  "RANKS that serve corrupted artifact bodies (advert mode): honest nodes catch "
                  "them by hash and fetch elsewhere");
  cmd->add_option("--mute", a->mute, "RANKS that receive but never forward (non-participating)");
  cmd->add_option("--loss", a->loss,
                  "PERCENT[@RANKS] of frames lost, in the nodes' transport (default: every node)");
  cmd->add_option("--delay", a->delay,
                  "MS[@RANKS] added to every outbound frame (default: every node)");
  cmd->add_option("--partition", a->partition,
                  "GROUPS that cannot reach each other, e.g. 1,2,3/4,5 (unlisted ranks: one "
                  "more group); nodes cut off from the origin are reported, not waited for");
  cmd->add_option("--fanout", o.fanout, "Random-mode fanout (0: the node's default)")
      ->check(CLI::Range(0, 1000));
  cmd->add_option("--json", a->json, "Write the report JSON here");
  cmd->add_option("--csv", a->csv, "Write nodes.csv and broadcasts.csv into this directory");
  cmd->add_option("--quiet-ms", a->quiet_ms, "No payload traffic this long = quiet")
      ->check(CLI::Range(10, 60000))
      ->capture_default_str();
  cmd->add_option("--timeout-ms", a->timeout_ms, "Give up waiting on a broadcast after this")
      ->check(CLI::Range(100, 600000))
      ->capture_default_str();
  cmd->add_option("--node-binary", a->node_binary, "raintree-node to start");
  cmd->add_flag("--insecure", a->options.insecure, rt::lab::kInsecureHelp);
  a->netns = rt::lab::add_netns_options(*cmd);
  cmd->add_option("--dir", a->dir,
                  "Keep the cluster files and node logs here (default: a temporary directory, "
                  "removed afterwards)");
  cmd->callback([a] { run(*a); });
}

const bool registered = rt::lab::register_command("run", add_run);

}  // namespace
