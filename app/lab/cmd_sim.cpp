// raintree-lab sim and compare: deterministic in-process simulations with the same engines as
// raintree-node (DESIGN.md, "The command-line contract"; the model is in docs/raintree.md).
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "cluster/ranks.hpp"
#include "command_registry.hpp"
#include "sim/simulator.hpp"

namespace {

using rt::sim::SimConfig;
using rt::sim::SimResult;

[[noreturn]] void fail(const std::string& command, const std::string& message, int code) {
  std::cerr << "raintree-lab " << command << ": " << message << '\n';
  throw CLI::RuntimeError(code);
}

void write_file(const std::string& command, const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  if (!out.flush()) fail(command, "cannot write " + path, 1);
}

struct SimArgs {
  SimConfig config;
  std::string dead, stop, json, csv;
  double ack_timeout_ms = 300;
  double stop_ms = 2000;
};

// Parses the RANKS options and the timeouts into the config; usage errors exit 2.
void finish_config(const std::string& command, SimArgs& a) {
  std::string error;
  const auto dead = rt::cluster::parse_ranks(a.dead, a.config.nodes, error);
  if (!dead) fail(command, "--dead: " + error, 2);
  const auto stop = rt::cluster::parse_ranks(a.stop, a.config.nodes, error);
  if (!stop) fail(command, "--stop: " + error, 2);
  a.config.dead_ranks = *dead;
  a.config.stopped_ranks = *stop;
  a.config.engine.ack_timeout_us = static_cast<rt::Micros>(a.ack_timeout_ms * 1000);
  a.config.engine.igym_timeout_us = a.config.engine.ack_timeout_us;
  a.config.stop_us = static_cast<rt::Micros>(a.stop_ms * 1000);
  a.config.progress = [command](const std::string& line) {
    std::cerr << command << ": " << line << '\n';
  };
}

SimResult simulate(const std::string& command, const SimConfig& config) {
  try {
    return rt::sim::run_simulation(config);
  } catch (const std::invalid_argument& e) {
    fail(command, e.what(), 2);
  }
}

void print_summary(const SimResult& result, double wall_ms) {
  const auto& r = result.report;
  const auto& t = r.totals;
  std::size_t alive = 0;
  for (const auto& n : r.nodes) alive += n.alive;
  std::printf("mode %s: %zu nodes (%zu dead), %d broadcast%s, simulated in %.0f ms wall\n",
              r.mode.c_str(), r.nodes.size(), r.nodes.size() - alive, t.broadcasts,
              t.broadcasts == 1 ? "" : "s", wall_ms);
  std::printf(
      "coverage %.4f, payload copies/node %.3f, reads %llu, writes %llu, payload bytes %llu, "
      "control bytes %llu, hops mean %.2f max %d, last delivery %.1f ms\n",
      t.coverage, t.payload_copies_per_node, static_cast<unsigned long long>(t.reads),
      static_cast<unsigned long long>(t.writes), static_cast<unsigned long long>(t.payload_bytes),
      static_cast<unsigned long long>(t.control_bytes), t.mean_hops, t.max_hops,
      t.last_delivery_ms);
  for (const auto& b : r.broadcasts) {
    if (b.missed_ranks.empty()) continue;
    std::vector<int> shown(
        b.missed_ranks.begin(),
        b.missed_ranks.begin() + std::min<std::size_t>(b.missed_ranks.size(), 20));
    std::printf("broadcast %s missed %zu live node%s: %s%s\n", rt::to_string(b.id).c_str(),
                b.missed_ranks.size(), b.missed_ranks.size() == 1 ? "" : "s",
                rt::cluster::format_ranks(shown).c_str(),
                shown.size() < b.missed_ranks.size() ? ",..." : "");
  }
  if (result.cut_off) std::printf("warning: a broadcast was cut off at the time limit\n");
}

void run_sim(SimArgs& a) {
  finish_config("sim", a);
  const auto started = std::chrono::steady_clock::now();
  const SimResult result = simulate("sim", a.config);
  const double wall_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  print_summary(result, wall_ms);
  if (!a.json.empty()) {
    write_file("sim", a.json, rt::telemetry::to_json(result.report).dump(2) + "\n");
    std::cerr << "sim: report written to " << a.json << '\n';
  }
  if (!a.csv.empty()) {
    write_file("sim", a.csv, rt::telemetry::nodes_csv(result.report));
    std::cerr << "sim: per-node CSV written to " << a.csv << '\n';
  }
}

void run_compare(SimArgs& a) {
  finish_config("compare", a);
  struct Row {
    std::string mode;
    rt::telemetry::ReportTotals totals;
    std::size_t missed = 0;
  };
  std::vector<Row> rows;
  for (const char* mode : {"pocket", "raintree", "random"}) {
    SimConfig config = a.config;
    config.mode = mode;
    // Every mode sees the same ids, origin, dead set (same seed) and latency draws.
    const SimResult result = simulate("compare", config);
    Row row{mode, result.report.totals, 0};
    for (const auto& b : result.report.broadcasts) row.missed += b.missed_ranks.size();
    rows.push_back(row);
  }
  std::printf("N=%d dead-fraction=%.2f seed=%llu broadcasts=%d size=%zu\n", a.config.nodes,
              a.config.dead_fraction, static_cast<unsigned long long>(a.config.seed),
              a.config.broadcasts, a.config.payload_size);
  std::printf("%-9s %9s %7s %12s %14s %14s %9s %8s %14s\n", "mode", "coverage", "missed",
              "copies/node", "control_bytes", "payload_bytes", "mean_hops", "max_hops",
              "last_delivery_ms");
  std::string csv =
      "mode,nodes,dead_fraction,seed,coverage,missed,payload_copies_per_node,control_bytes,"
      "payload_bytes,mean_hops,max_hops,last_delivery_ms\n";
  for (const Row& r : rows) {
    const auto& t = r.totals;
    std::printf("%-9s %9.4f %7zu %12.3f %14llu %14llu %9.2f %8d %14.1f\n", r.mode.c_str(),
                t.coverage, r.missed, t.payload_copies_per_node,
                static_cast<unsigned long long>(t.control_bytes),
                static_cast<unsigned long long>(t.payload_bytes), t.mean_hops, t.max_hops,
                t.last_delivery_ms);
    csv += r.mode + "," + std::to_string(a.config.nodes) + "," +
           std::to_string(a.config.dead_fraction) + "," + std::to_string(a.config.seed) + "," +
           std::to_string(t.coverage) + "," + std::to_string(r.missed) + "," +
           std::to_string(t.payload_copies_per_node) + "," + std::to_string(t.control_bytes) + "," +
           std::to_string(t.payload_bytes) + "," + std::to_string(t.mean_hops) + "," +
           std::to_string(t.max_hops) + "," + std::to_string(t.last_delivery_ms) + "\n";
  }
  if (!a.csv.empty()) {
    write_file("compare", a.csv, csv);
    std::cerr << "compare: CSV written to " << a.csv << '\n';
  }
}

// Options both subcommands share.
void add_common(CLI::App* cmd, SimArgs& a) {
  SimConfig& c = a.config;
  cmd->add_option("--nodes", c.nodes, "Number of simulated nodes")
      ->required()
      ->check(CLI::Range(1, 2'000'000));
  cmd->add_option("--origin", c.origin_rank, "Rank that broadcasts")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  auto* dead = cmd->add_option("--dead", a.dead, "RANKS that are dead (never answer)");
  cmd->add_option("--dead-fraction", c.dead_fraction, "Share of nodes that are dead (seeded)")
      ->check(CLI::Range(0.0, 0.99))
      ->excludes(dead);
  cmd->add_option("--stop", a.stop, "RANKS that are unresponsive (SIGSTOP) for --stop-ms");
  cmd->add_option("--stop-ms", a.stop_ms, "How long --stop nodes stay unresponsive")
      ->check(CLI::Range(0.0, 600000.0))
      ->capture_default_str();
  cmd->add_option("--seed", c.seed, "Seed for ids, dead set, jitter and message ids")
      ->capture_default_str();
  cmd->add_option("--broadcasts", c.broadcasts, "Broadcasts, one after another")
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  cmd->add_option("--size", c.payload_size, "Payload bytes per broadcast")
      ->check(CLI::Range(std::size_t{1}, std::size_t{8u << 20}))
      ->capture_default_str();
  cmd->add_option("--group", c.group, "Broadcast group (all, validators, a role...)")
      ->capture_default_str();
  cmd->add_option("--loss", c.latency.loss_rate, "Share of frames lost in transit (seeded)")
      ->check(CLI::Range(0.0, 0.5))
      ->capture_default_str();
  cmd->add_option("--ack-timeout-ms", a.ack_timeout_ms, "RainTree ACK and IGYM timeout")
      ->check(CLI::Range(1.0, 60000.0))
      ->capture_default_str();
}

void add_sim(CLI::App& app) {
  auto a = std::make_shared<SimArgs>();
  auto* cmd = app.add_subcommand("sim", "Deterministic simulation with the real protocol engines");
  add_common(cmd, *a);
  cmd->add_option("--mode", a->config.mode, "Gossip mode")
      ->required()
      ->check(CLI::IsMember({"pocket", "raintree", "random", "advert"}));
  cmd->add_option("--json", a->json, "Write the report JSON here");
  cmd->add_option("--csv", a->csv, "Write the per-node CSV here");
  cmd->callback([a] { run_sim(*a); });
}

void add_compare(CLI::App& app) {
  auto a = std::make_shared<SimArgs>();
  auto* cmd =
      app.add_subcommand("compare", "Simulate pocket, raintree and random on the same nodes");
  add_common(cmd, *a);
  cmd->add_option("--csv", a->csv, "Write the table as CSV here");
  cmd->callback([a] { run_compare(*a); });
}

const bool registered_sim = rt::lab::register_command("sim", add_sim);
const bool registered_compare = rt::lab::register_command("compare", add_compare);

}  // namespace
