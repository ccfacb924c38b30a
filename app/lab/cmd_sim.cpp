// raintree-lab sim and compare: deterministic in-process simulations with the same engines as
// raintree-node (DESIGN.md, "The command-line contract"; the model is in docs/raintree.md).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <limits>
#include <sstream>
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
  std::string modes = "pocket,raintree,random,advert";  // compare
  std::string sizes;                                    // compare: a sweep instead of --size
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

// "256,4K,64K,1M,4M" -> bytes; K and M are binary (KiB, MiB).
std::vector<std::size_t> parse_sizes(const std::string& text) {
  std::vector<std::size_t> sizes;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    std::size_t used = 0;
    unsigned long long value = 0;
    try {
      value = std::stoull(item, &used);
    } catch (const std::exception&) {
      fail("compare", "--sizes: \"" + item + "\" is not a size (e.g. 256, 4K, 1M)", 2);
    }
    const std::string unit = item.substr(used);
    if (unit == "K" || unit == "k") {
      value <<= 10;
    } else if (unit == "M" || unit == "m") {
      value <<= 20;
    } else if (!unit.empty()) {
      fail("compare", "--sizes: unknown unit in \"" + item + "\" (use K or M)", 2);
    }
    if (value < 1 || value > (8u << 20)) {
      fail("compare", "--sizes: " + item + " is outside 1 byte..8M", 2);
    }
    sizes.push_back(static_cast<std::size_t>(value));
  }
  if (sizes.empty()) fail("compare", "--sizes: no size given", 2);
  return sizes;
}

std::vector<std::string> parse_modes(const std::string& text) {
  std::vector<std::string> modes;
  std::stringstream in(text);
  std::string mode;
  while (std::getline(in, mode, ',')) {
    if (mode != "pocket" && mode != "raintree" && mode != "random" && mode != "advert") {
      fail("compare", "--modes: unknown mode \"" + mode + "\"", 2);
    }
    modes.push_back(mode);
  }
  if (modes.empty()) fail("compare", "--modes: no mode given", 2);
  return modes;
}

struct CompareRow {
  std::string mode;
  std::size_t size = 0;
  rt::telemetry::ReportTotals totals;
  std::size_t missed = 0;
  std::uint64_t wire_bytes() const { return totals.payload_bytes + totals.control_bytes; }
};

// The smallest swept size from which `mode` stays at least as good as every other mode on
// `metric` (lower is better) at every larger size; 0 when it never does.
// The smallest size from which `mode` beats every rival at every larger size of the sweep (0:
// never). A rival counts only where it reached at least `mode`'s coverage: skipping nodes is
// not a way to save bytes.
std::size_t winning_from(const std::vector<CompareRow>& rows, const std::vector<std::size_t>& sizes,
                         const std::string& mode, const std::vector<std::string>& rivals,
                         const std::function<double(const CompareRow&)>& metric) {
  std::size_t from = 0;
  for (auto size = sizes.rbegin(); size != sizes.rend(); ++size) {
    const auto at = [&](const std::string& m) -> const CompareRow* {
      for (const CompareRow& r : rows) {
        if (r.size == *size && r.mode == m) return &r;
      }
      return nullptr;
    };
    const CompareRow* mine = at(mode);
    if (!mine) break;
    bool wins = true;
    for (const std::string& rival : rivals) {
      const CompareRow* other = at(rival);
      if (other && other->totals.coverage >= mine->totals.coverage &&
          metric(*other) < metric(*mine)) {
        wins = false;
      }
    }
    if (!wins) break;
    from = *size;
  }
  return from;
}

void run_compare(SimArgs& a) {
  finish_config("compare", a);
  const std::vector<std::string> modes = parse_modes(a.modes);
  std::vector<std::size_t> sizes =
      a.sizes.empty() ? std::vector<std::size_t>{a.config.payload_size} : parse_sizes(a.sizes);
  std::sort(sizes.begin(), sizes.end());
  sizes.erase(std::unique(sizes.begin(), sizes.end()), sizes.end());
  std::vector<CompareRow> rows;
  for (std::size_t size : sizes) {
    for (const std::string& mode : modes) {
      SimConfig config = a.config;
      config.mode = mode;
      config.payload_size = size;
      config.progress = nullptr;
      // Every mode sees the same ids, origin, dead set (same seed) and latency draws.
      const SimResult result = simulate("compare", config);
      CompareRow row{mode, size, result.report.totals, 0};
      for (const auto& b : result.report.broadcasts) row.missed += b.missed_ranks.size();
      rows.push_back(row);
      std::cerr << "compare: " << mode << " at " << size << " bytes done\n";
    }
  }
  std::printf("N=%d dead-fraction=%.2f seed=%llu broadcasts=%d\n", a.config.nodes,
              a.config.dead_fraction, static_cast<unsigned long long>(a.config.seed),
              a.config.broadcasts);
  std::printf("%10s %-9s %9s %7s %12s %14s %14s %9s %8s %14s\n", "size", "mode", "coverage",
              "missed", "copies/node", "control_bytes", "payload_bytes", "mean_hops", "max_hops",
              "last_delivery_ms");
  std::string csv =
      "size,mode,nodes,dead_fraction,seed,coverage,missed,payload_copies_per_node,control_bytes,"
      "payload_bytes,mean_hops,max_hops,last_delivery_ms\n";
  nlohmann::json json_rows = nlohmann::json::array();
  for (const CompareRow& r : rows) {
    const auto& t = r.totals;
    std::printf("%10zu %-9s %9.4f %7zu %12.3f %14llu %14llu %9.2f %8d %14.1f\n", r.size,
                r.mode.c_str(), t.coverage, r.missed, t.payload_copies_per_node,
                static_cast<unsigned long long>(t.control_bytes),
                static_cast<unsigned long long>(t.payload_bytes), t.mean_hops, t.max_hops,
                t.last_delivery_ms);
    csv += std::to_string(r.size) + "," + r.mode + "," + std::to_string(a.config.nodes) + "," +
           std::to_string(a.config.dead_fraction) + "," + std::to_string(a.config.seed) + "," +
           std::to_string(t.coverage) + "," + std::to_string(r.missed) + "," +
           std::to_string(t.payload_copies_per_node) + "," + std::to_string(t.control_bytes) + "," +
           std::to_string(t.payload_bytes) + "," + std::to_string(t.mean_hops) + "," +
           std::to_string(t.max_hops) + "," + std::to_string(t.last_delivery_ms) + "\n";
    json_rows.push_back({{"size", r.size},
                         {"mode", r.mode},
                         {"coverage", t.coverage},
                         {"missed", r.missed},
                         {"payload_copies_per_node", t.payload_copies_per_node},
                         {"control_bytes", t.control_bytes},
                         {"payload_bytes", t.payload_bytes},
                         {"mean_hops", t.mean_hops},
                         {"max_hops", t.max_hops},
                         {"last_delivery_ms", t.last_delivery_ms}});
  }
  nlohmann::json verdict = nlohmann::json::object();
  if (sizes.size() > 1 && std::find(modes.begin(), modes.end(), "advert") != modes.end() &&
      modes.size() > 1) {
    const auto bytes = [](const CompareRow& r) { return double(r.wire_bytes()); };
    const auto time = [](const CompareRow& r) { return r.totals.last_delivery_ms; };
    const auto say = [](const std::string& rival, const char* what, std::size_t from) {
      if (from == 0)
        std::printf("advert never beats %s on %s in this sweep\n", rival.c_str(), what);
      else
        std::printf("advert beats %s on %s from %zu bytes up\n", rival.c_str(), what, from);
    };
    std::vector<std::string> rivals;
    nlohmann::json against = nlohmann::json::object();
    for (const std::string& mode : modes) {
      if (mode == "advert") continue;
      rivals.push_back(mode);
      const std::size_t bytes_from = winning_from(rows, sizes, "advert", {mode}, bytes);
      const std::size_t time_from = winning_from(rows, sizes, "advert", {mode}, time);
      say(mode, "wire bytes (payload + control)", bytes_from);
      say(mode, "time to last delivery", time_from);
      against[mode] = {{"wins_bytes_from", bytes_from}, {"wins_time_from", time_from}};
    }
    verdict = {{"advert_wins_bytes_from", winning_from(rows, sizes, "advert", rivals, bytes)},
               {"advert_wins_time_from", winning_from(rows, sizes, "advert", rivals, time)},
               {"against", against}};
    std::printf("advert beats every mode with its coverage on wire bytes from %s\n",
                verdict["advert_wins_bytes_from"] == 0
                    ? "no size in this sweep"
                    : (verdict["advert_wins_bytes_from"].dump() + " bytes up").c_str());
  }
  if (!a.csv.empty()) {
    write_file("compare", a.csv, csv);
    std::cerr << "compare: CSV written to " << a.csv << '\n';
  }
  if (!a.json.empty()) {
    const nlohmann::json doc = {
        {"nodes", a.config.nodes}, {"dead_fraction", a.config.dead_fraction},
        {"seed", a.config.seed},   {"broadcasts", a.config.broadcasts},
        {"rows", json_rows},       {"verdict", verdict}};
    write_file("compare", a.json, doc.dump(2) + "\n");
    std::cerr << "compare: JSON written to " << a.json << '\n';
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
      app.add_subcommand("compare", "Simulate every mode on the same nodes, optionally over sizes");
  add_common(cmd, *a);
  cmd->add_option("--modes", a->modes, "Comma list of modes to compare")->capture_default_str();
  cmd->add_option("--sizes", a->sizes,
                  "Sweep payload sizes, e.g. 256,4K,64K,1M,4M (K, M: KiB, MiB); replaces --size");
  cmd->add_option("--csv", a->csv, "Write the table as CSV here");
  cmd->add_option("--json", a->json, "Write the rows and the verdict as JSON here");
  cmd->footer(
      "Example (where does advert gossip start to win?):\n"
      "  raintree-lab compare --nodes 27 --sizes 256,4K,64K,256K,1M,4M --broadcasts 2");
  cmd->callback([a] { run_compare(*a); });
}

const bool registered_sim = rt::lab::register_command("sim", add_sim);
const bool registered_compare = rt::lab::register_command("compare", add_compare);

}  // namespace
