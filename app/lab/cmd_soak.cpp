// raintree-lab soak: many real nodes for a long time under broadcasts and random faults, then
// checks that nothing was lost and nothing leaked (core/cluster/soak.hpp, docs/soak.md).
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <tuple>

#include "cluster/ranks.hpp"
#include "cluster/soak.hpp"
#include "command_registry.hpp"
#include "interrupt.hpp"

namespace {

using nlohmann::json;
using rt::Micros;

[[noreturn]] void fail(const std::string& message, int code = 1) {
  std::cerr << "raintree-lab soak: " << message << '\n';
  throw CLI::RuntimeError(code);
}

struct SoakArgs {
  rt::cluster::SoakPlan plan;
  rt::cluster::SoakLimits limits;
  std::string duration = "60s", warmup = "5s", fault_every = "3s", hold_min = "1s", hold_max = "6s",
              settle = "5s";
  double rss_growth_mib = 16;
  std::string json, report, record, dir, node_binary;
  bool plan_only = false;
};

Micros duration_arg(const std::string& text, const char* option) {
  const auto value = rt::cluster::parse_duration(text);
  if (!value || *value < 0) {
    fail(std::string(option) + ": expected a duration such as 500ms, 60s or 10m", 2);
  }
  return *value;
}

void write_json(const std::string& path, const json& doc) {
  std::ofstream out(path, std::ios::trunc);
  out << doc.dump(2) << '\n';
  if (!out.flush()) fail("cannot write " + path);
}

void say(const std::string& line) {
  std::fprintf(stderr, "soak: %s\n", line.c_str());
}

// One line every few seconds, and at each phase change.
class ProgressLines {
 public:
  void show(const rt::cluster::SoakProgress& p) {
    const auto now = std::chrono::steady_clock::now();
    const auto& s = p.scenario;
    if (s.phase == phase_ && now - last_ < std::chrono::seconds(5)) return;
    last_ = now;
    phase_ = s.phase;
    if (s.phase != "running" && s.phase != "settling") {
      say(s.phase + "...");
      return;
    }
    char text[240];
    std::snprintf(text, sizeof text,
                  "%6.1f/%.1f s %-8s broadcasts %d/%d  deliveries %llu  faults %d (%d active)  "
                  "rss median %.1f MiB  fds median %d",
                  static_cast<double>(s.elapsed_us) / 1e6, static_cast<double>(s.duration_us) / 1e6,
                  s.phase.c_str(), s.broadcasts_sent, s.broadcasts_total,
                  static_cast<unsigned long long>(s.deliveries), p.faults_started, p.faults_active,
                  static_cast<double>(p.median.rss_bytes) / (1 << 20), p.median.fds);
    say(text);
  }

 private:
  std::string phase_;
  std::chrono::steady_clock::time_point last_{};
};

void print_plan(const rt::cluster::SoakSchedule& schedule) {
  const auto& s = schedule.scenario;
  std::printf(
      "%d nodes, mode %s, seed %llu: %d broadcasts over %.1f s, %zu faults (at most %d "
      "nodes at once), settle %.1f s\n",
      s.nodes, s.mode.c_str(), static_cast<unsigned long long>(s.seed), s.total_broadcasts(),
      static_cast<double>(s.duration_us()) / 1e6, schedule.faults.size(), schedule.max_faulted,
      static_cast<double>(s.settle_us) / 1e6);
  for (const auto& f : schedule.faults) {
    std::printf("%8.2f s - %8.2f s  %-10s %s\n", static_cast<double>(f.start_us) / 1e6,
                static_cast<double>(f.end_us) / 1e6, f.kind.c_str(),
                rt::cluster::format_ranks(f.ranks).c_str());
  }
}

void print_summary(const json& s) {
  const json& d = s["deliveries"];
  const json& f = s["faults"];
  const json& p = s["processes"];
  std::printf("soak: %d nodes, %s, %.0f s, seed %llu: %s\n", s["plan"]["nodes"].get<int>(),
              s["plan"]["mode"].get<std::string>().c_str(), s["plan"]["duration_s"].get<double>(),
              static_cast<unsigned long long>(s["plan"]["seed"].get<std::uint64_t>()),
              s["passed"].get<bool>() ? "PASSED" : "FAILED");
  std::printf("broadcasts   %d sent of %d\n", s["broadcasts"]["sent"].get<int>(),
              s["broadcasts"]["planned"].get<int>());
  std::printf(
      "deliveries   %llu expected, %llu delivered; while reachable %llu of %llu; lost %llu; "
      "missed while down or cut off %llu, muted %llu, under injected loss %llu; caught up "
      "%llu\n",
      d["expected"].get<unsigned long long>(), d["delivered"].get<unsigned long long>(),
      d["delivered_while_reachable"].get<unsigned long long>(),
      d["expected_while_reachable"].get<unsigned long long>(), d["lost"].get<unsigned long long>(),
      d["missed_while_unreachable"].get<unsigned long long>(),
      d["missed_while_muted"].get<unsigned long long>(),
      d["missed_under_loss"].get<unsigned long long>(), d["caught_up"].get<unsigned long long>());
  std::printf("events       %llu recorded, %llu dropped on the way, %llu missing\n",
              d["events"].get<unsigned long long>(), d["events_lost"].get<unsigned long long>(),
              d["events_missing"].get<unsigned long long>());
  std::string kinds;
  for (const auto& [kind, n] : f["by_kind"].items()) {
    kinds += " " + kind + " " + std::to_string(n.get<int>());
  }
  std::printf("faults       %d applied (%d failed steps), at most %d nodes at once:%s\n",
              f["applied"].get<int>(), f["failed_steps"].get<int>(),
              f["most_nodes_at_once"].get<int>(), kinds.c_str());
  for (const auto& [key, label, digits] :
       {std::tuple{"rss_mib", "rss MiB", 1}, {"fds", "fds", 0}}) {
    const json& u = p[key];
    const auto spread = [&, digits = digits](const char* when) {
      const json& v = u[when];
      char text[96];
      std::snprintf(text, sizeof text, "%.*f / %.*f / %.*f", digits, v["min"].get<double>(), digits,
                    v["median"].get<double>(), digits, v["max"].get<double>());
      return std::string(text);
    };
    std::printf("%-12s before %s, after %s (min / median / max); largest growth %s on rank %d\n",
                label, spread("before").c_str(), spread("after").c_str(),
                u["max_growth"].dump().c_str(), u["max_growth_rank"].get<int>());
  }
  std::printf("processes    %d seen, %d restarts, crashed: %s\n", p["processes_seen"].get<int>(),
              f["restarts"].get<int>(),
              p["crashed"].empty() ? "none" : p["crashed"].dump().c_str());
  for (const json& failure : s["failures"]) {
    std::printf("FAILED: %s\n", failure.get<std::string>().c_str());
  }
}

void run(SoakArgs a) {
  a.plan.duration_us = duration_arg(a.duration, "--duration");
  a.plan.warmup_us = duration_arg(a.warmup, "--warmup");
  a.plan.fault_every_us = duration_arg(a.fault_every, "--fault-every");
  a.plan.hold_min_us = duration_arg(a.hold_min, "--hold-min");
  a.plan.hold_max_us = duration_arg(a.hold_max, "--hold-max");
  a.plan.settle_us = duration_arg(a.settle, "--settle");
  if (!(a.rss_growth_mib > 0)) fail("--rss-growth: expected MiB > 0", 2);
  a.limits.rss_growth_bytes = static_cast<std::uint64_t>(a.rss_growth_mib * (1 << 20));
  if (a.limits.fd_slack < 0) fail("--fd-slack: must not be negative", 2);
  std::string error;
  const auto schedule = rt::cluster::make_soak_schedule(a.plan, error);
  if (!schedule) fail(error, 2);
  if (a.plan_only) {
    print_plan(*schedule);
    return;
  }

  ProgressLines lines;
  rt::cluster::SoakOptions o;
  o.plan = a.plan;
  o.limits = a.limits;
  o.dir = a.dir;
  o.record_file = a.record;
  o.node_binary = a.node_binary;
  o.progress = [&](const rt::cluster::SoakProgress& p) { lines.show(p); };
  o.log = say;
  o.cancelled = rt::lab::interrupted;
  const auto result = [&] {
    rt::lab::InterruptScope scope;
    return rt::cluster::run_soak(o, error);
  }();
  if (!result) fail(error, rt::lab::failure_status());

  print_summary(result->summary);
  if (!a.json.empty()) write_json(a.json, result->summary);
  if (!a.report.empty()) write_json(a.report, result->report);
  if (!result->failures.empty()) throw CLI::RuntimeError(1);
}

void add_soak(CLI::App& app) {
  auto a = std::make_shared<SoakArgs>();
  auto* cmd = app.add_subcommand(
      "soak",
      "Run many real nodes for a long time under broadcasts and random faults, then "
      "check that nothing was lost and no process leaked memory or descriptors");
  cmd->footer(
      "Example:\n"
      "  raintree-lab soak --nodes 81 --duration 10m --seed 7 --json soak.json\n"
      "  raintree-lab soak --duration 60s --plan      # the fault schedule only\n"
      "Exit status: 0 passed, 1 a check failed (the reasons are printed), 2 bad arguments.\n"
      "See docs/soak.md.");
  cmd->add_option("--nodes", a->plan.nodes, "Node processes to start")->capture_default_str();
  cmd->add_option("--mode", a->plan.mode, "Gossip mode")
      ->check(CLI::IsMember({"raintree", "random", "pocket", "advert"}))
      ->capture_default_str();
  cmd->add_option("--duration", a->duration, "Broadcasts and faults for this long")
      ->capture_default_str();
  cmd->add_option("--seed", a->plan.seed, "Seed of the fault schedule and the nodes")
      ->capture_default_str();
  cmd->add_option("--rate", a->plan.rate, "Broadcasts per second, from rotating origins")
      ->capture_default_str();
  cmd->add_option("--size", a->plan.size, "Bytes per broadcast")->capture_default_str();
  cmd->add_option("--warmup", a->warmup, "Broadcasts only, then the 'before' samples")
      ->capture_default_str();
  cmd->add_option("--fault-every", a->fault_every, "A new fault this often, when one fits")
      ->capture_default_str();
  cmd->add_option("--hold-min", a->hold_min, "Shortest time before a fault is undone")
      ->capture_default_str();
  cmd->add_option("--hold-max", a->hold_max, "Longest time before a fault is undone")
      ->capture_default_str();
  cmd->add_option("--max-faulted", a->plan.max_faulted,
                  "Nodes under a fault at once (0: a tenth of the nodes)")
      ->capture_default_str();
  cmd->add_option("--max-loss", a->plan.max_loss_percent, "Highest injected loss, percent")
      ->capture_default_str();
  cmd->add_option("--max-delay", a->plan.max_delay_ms, "Highest injected delay, ms")
      ->capture_default_str();
  cmd->add_option("--settle", a->settle, "Quiet time after the last step, every fault undone")
      ->capture_default_str();
  cmd->add_option("--rss-growth", a->rss_growth_mib,
                  "Largest resident memory growth per process, MiB")
      ->capture_default_str();
  cmd->add_option("--fd-slack", a->limits.fd_slack, "Largest growth of open descriptors per node")
      ->capture_default_str();
  cmd->add_flag("--strict", a->limits.strict,
                "Count a miss by a muted node or under injected loss as lost (by default it is "
                "only counted)");
  cmd->add_option("--json", a->json, "Write the summary and verdict here");
  cmd->add_option("--report", a->report, "Write the full event report (docs/reports.md) here");
  cmd->add_option("--record", a->record, "Keep the recording (for replay and the studio) here");
  cmd->add_option("--dir", a->dir,
                  "Keep the cluster files and node logs here (default: a temporary directory)");
  cmd->add_option("--node-binary", a->node_binary, "raintree-node to start");
  cmd->add_flag("--plan", a->plan_only, "Only print the fault schedule");
  cmd->callback([a] { run(*a); });
}

const bool registered = rt::lab::register_command("soak", add_soak);

}  // namespace
