// raintree-lab scenario FILE: play a scenario file (resources/scenarios/README.md) against real
// nodes, with a live progress bar, and write its report and recording.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "cluster/event_report.hpp"
#include "cluster/scenario_runner.hpp"
#include "command_registry.hpp"
#include "interrupt.hpp"
#include "netns_cli.hpp"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

[[noreturn]] void fail(const std::string& message, int code = 1) {
  std::cerr << "raintree-lab scenario: " << message << '\n';
  throw CLI::RuntimeError(code);
}

struct ScenarioArgs {
  std::string file, json, csv, record, dir, node_binary;
  bool check = false;
  std::shared_ptr<rt::lab::NetnsCliArgs> netns;
};

void write_file(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  if (!out.flush()) fail("cannot write " + path.string());
}

// One status line: redrawn in place on a terminal, printed about once a second otherwise (a
// log file or CI output should not fill with carriage returns).
class ProgressLine {
 public:
  ProgressLine() : tty_(::isatty(STDERR_FILENO) != 0) {}
  ~ProgressLine() { end_line(); }

  void show(const rt::cluster::ScenarioProgress& p) {
    const double t = static_cast<double>(p.elapsed_us) / 1e6;
    const double total = std::max(1e-6, static_cast<double>(p.duration_us) / 1e6);
    const double fraction = std::clamp(t / total, 0.0, 1.0);
    char text[200];
    if (p.phase == "running" || p.phase == "settling") {
      constexpr int kWidth = 24;
      const int filled = static_cast<int>(fraction * kWidth + 0.5);
      std::string bar(static_cast<std::size_t>(filled), '#');
      bar.resize(kWidth, '.');
      std::snprintf(text, sizeof text,
                    "[%s] %5.1f/%.1f s  %-8s broadcasts %d/%d  deliveries %llu  events %llu",
                    bar.c_str(), t, total, p.phase.c_str(), p.broadcasts_sent, p.broadcasts_total,
                    static_cast<unsigned long long>(p.deliveries),
                    static_cast<unsigned long long>(p.events));
    } else {
      std::snprintf(text, sizeof text, "%s...", p.phase.c_str());
    }
    if (tty_) {
      std::fprintf(stderr, "\r\033[K%s", text);
      std::fflush(stderr);
      open_ = true;
      return;
    }
    const auto now = std::chrono::steady_clock::now();
    if (p.phase != last_phase_ || now - last_print_ >= std::chrono::seconds(1)) {
      std::fprintf(stderr, "scenario: %s\n", text);
      last_print_ = now;
      last_phase_ = p.phase;
    }
  }

  // A log line between progress redraws.
  void say(const std::string& line) {
    end_line();
    std::fprintf(stderr, "scenario: %s\n", line.c_str());
  }

 private:
  void end_line() {
    if (open_) std::fputc('\n', stderr);
    open_ = false;
  }
  bool tty_;
  bool open_ = false;
  std::string last_phase_;
  std::chrono::steady_clock::time_point last_print_{};
};

double number(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : 0.0;
}

void print_summary(const json& report) {
  const json& t = report.at("totals");
  std::printf(
      "scenario %s (%s): %d broadcasts, coverage %.4f, payload copies/node %.3f, "
      "last delivery %.1f ms\n",
      report.value("name", std::string("?")).c_str(),
      report.value("mode", std::string("?")).c_str(),
      static_cast<int>(report.value("broadcasts", json::array()).size()), number(t, "coverage"),
      number(t, "payload_copies_per_node"), number(t, "last_delivery_ms"));
  if (const auto c = report.find("catch_up"); c != report.end() && c->is_object()) {
    std::printf(
        "caught up: %d deliveries (%d by catch-up copies), after return mean %.1f ms, "
        "max %.1f ms\n",
        static_cast<int>(number(*c, "pairs")), static_cast<int>(number(*c, "via_catchup")),
        number(*c, "mean_after_return_ms"), number(*c, "max_after_return_ms"));
  }
  for (const json& b : report.value("broadcasts", json::array())) {
    for (const json& m : b.value("missed", json::array())) {
      std::printf("broadcast %s: rank %d missed (%s)\n", b.value("id", std::string()).c_str(),
                  m.value("rank", 0), m.value("reason", std::string()).c_str());
    }
  }
}

void check_only(const rt::cluster::Scenario& s) {
  std::printf("%s: %d nodes, mode %s, %zu steps, %d broadcasts, %.1f s plus %.1f s settle\n",
              s.name.c_str(), s.nodes, s.mode.c_str(), s.timeline.size(), s.total_broadcasts(),
              static_cast<double>(s.duration_us()) / 1e6, static_cast<double>(s.settle_us) / 1e6);
}

void run(const ScenarioArgs& a) {
  std::string error;
  auto scenario = rt::cluster::load_scenario(a.file, error);
  if (!scenario) fail(a.file + ": " + error, 2);
  const auto netns = rt::lab::to_netns_options(*a.netns, scenario->nodes, "scenario");
  if (a.check) {
    check_only(*scenario);
    return;
  }
  for (const std::string& dir : {a.csv}) {
    std::error_code ec;
    if (!dir.empty()) fs::create_directories(dir, ec);
    if (ec) fail("--csv: cannot create " + dir + ": " + ec.message(), 2);
  }

  ProgressLine progress;
  rt::cluster::ScenarioRunOptions o;
  o.scenario = std::move(*scenario);
  o.dir = a.dir;
  o.record_file = a.record;
  o.node_binary = a.node_binary;
  o.netns = netns;
  o.progress = [&](const rt::cluster::ScenarioProgress& p) { progress.show(p); };
  o.log = [&](const std::string& line) { progress.say(line); };
  o.cancelled = rt::lab::interrupted;
  const auto result = [&] {
    rt::lab::InterruptScope scope;
    return rt::cluster::run_scenario(o, error);
  }();
  if (!result) fail(error, rt::lab::failure_status());

  progress.say("recorded " + std::to_string(result->events) + " events (" +
               std::to_string(result->events_lost) + " lost)" +
               (a.record.empty() ? std::string() : " to " + a.record));
  print_summary(result->report);
  if (!a.json.empty()) {
    const std::string text = result->report.dump(2) + "\n";
    if (a.json == "-") {
      std::cout << text;
    } else {
      write_file(a.json, text);
      progress.say("report written to " + a.json);
    }
  }
  if (!a.csv.empty()) {
    const fs::path dir = a.csv;
    write_file(dir / "broadcasts.csv", rt::cluster::report_broadcasts_csv(result->report));
    write_file(dir / "nodes.csv", rt::cluster::report_nodes_csv(result->report));
    write_file(dir / "peers.csv", rt::cluster::report_peers_csv(result->report));
    write_file(dir / "types.csv", rt::cluster::report_types_csv(result->report));
    progress.say("CSV written to " + a.csv);
  }
}

void add_scenario(CLI::App& app) {
  auto a = std::make_shared<ScenarioArgs>();
  auto* cmd = app.add_subcommand(
      "scenario",
      "Play a scenario file (cluster, broadcasts, faults) against real nodes and report");
  cmd->footer(
      "Example:\n"
      "  raintree-lab scenario resources/scenarios/recovery-27.yaml --json report.json \\\n"
      "      --csv report/ --record demo.rtrec\n"
      "  raintree-lab replay demo.rtrec --json same-report.json\n"
      "The file format is described in resources/scenarios/README.md.");
  cmd->add_option("file", a->file, "Scenario file (YAML or JSON)")->required();
  cmd->add_option("--json", a->json, "Write the report JSON here ('-': standard output)");
  cmd->add_option("--csv", a->csv,
                  "Write broadcasts.csv, nodes.csv, peers.csv and types.csv into this directory");
  cmd->add_option("--record", a->record, "Keep the recording (for replay and the studio) here");
  cmd->add_option("--dir", a->dir,
                  "Keep the cluster files and node logs here (default: a temporary directory)");
  cmd->add_option("--node-binary", a->node_binary, "raintree-node to start");
  cmd->add_flag("--check", a->check, "Only check the file and print what it would do");
  a->netns = rt::lab::add_netns_options(*cmd);
  cmd->callback([a] { run(*a); });
}

const bool registered = rt::lab::register_command("scenario", add_scenario);

}  // namespace
