// raintree-lab replay: rebuild a scenario's report from its recording alone, with no cluster.
// The report is the one a live scenario run writes (core/cluster/event_report.hpp,
// docs/reports.md), because both feed the same entries to the same builder.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cluster/event_report.hpp"
#include "command_registry.hpp"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

[[noreturn]] void fail(const std::string& message, int code = 1) {
  std::cerr << "raintree-lab replay: " << message << '\n';
  throw CLI::RuntimeError(code);
}

void write_file(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  if (!out.flush()) fail("cannot write " + path.string());
}

struct ReplayArgs {
  std::string file, json, csv;
};

double number(const json& obj, const char* key) {
  const auto it = obj.find(key);
  return it != obj.end() && it->is_number() ? it->get<double>() : 0.0;
}

// A few lines: the figures a person checks first, then who missed what and why.
void print_summary(std::FILE* out, const json& r) {
  const json& t = r["totals"];
  const json& c = r["catch_up"];
  const json& e = r["events"];
  const double broadcasts = number(t, "broadcasts");
  std::fprintf(out, "%s (mode %s): %zu nodes, %.0f broadcast%s, %.1f s recorded\n",
               r.value("name", "").c_str(), r.value("mode", "").c_str(), r["nodes"].size(),
               broadcasts, broadcasts == 1 ? "" : "s", number(r, "duration_ms") / 1000.0);
  std::fprintf(out,
               "coverage %.4f (%.0f of %.0f node-broadcast pairs), while reachable %.0f of %.0f, "
               "payload copies/node %.3f, last delivery %.1f ms (%.1f ms among nodes reachable "
               "when sent)\n",
               number(t, "coverage"), number(t, "delivered_pairs"), number(t, "expected_pairs"),
               number(t, "delivered_while_reachable"), number(t, "expected_while_reachable"),
               number(t, "payload_copies_per_node"), number(t, "last_delivery_ms"),
               number(t, "last_reachable_delivery_ms"));
  std::fprintf(out, "caught up %.0f (via catchup %.0f), after return mean %.1f ms, max %.1f ms\n",
               number(c, "pairs"), number(c, "via_catchup"), number(c, "mean_after_return_ms"),
               number(c, "max_after_return_ms"));
  std::fprintf(out, "events %.0f, lost %.0f, missing by sequence %.0f%s\n", number(e, "total"),
               number(e, "lost"), number(e, "missing_seq"),
               e.value("end_noted", false) ? "" : " (no end note: the run did not finish)");
  int shown = 0;
  for (const json& b : r["broadcasts"]) {
    for (const json& m : b["missed"]) {
      if (!m.value("expected", false) || ++shown > 10) continue;
      std::fprintf(out, "  broadcast %s: rank %d missed (%s)\n", b.value("id", "").c_str(),
                   m.value("rank", 0), m.value("reason", "").c_str());
    }
  }
  if (shown > 10) std::fprintf(out, "  ... %d more misses (see the report)\n", shown - 10);
}

void replay(const ReplayArgs& a) {
  if (!a.csv.empty()) {
    std::error_code ec;
    fs::create_directories(a.csv, ec);
    if (ec) fail("--csv: cannot create " + a.csv + ": " + ec.message(), 2);
  }
  std::string error;
  const auto report = rt::cluster::report_from_recording(
      a.file, error, [](std::uint64_t n) { std::cerr << "replay: " << n << " entries read\n"; });
  if (!report) fail(error);

  // With the report on stdout, the summary goes to stderr so stdout stays pure JSON.
  const bool json_to_stdout = a.json == "-";
  print_summary(json_to_stdout ? stderr : stdout, *report);
  std::fflush(stdout);
  if (json_to_stdout) {
    std::cout << report->dump(2) << '\n' << std::flush;
  } else if (!a.json.empty()) {
    write_file(a.json, report->dump(2) + "\n");
    std::cerr << "replay: report written to " << a.json << '\n';
  }
  if (!a.csv.empty()) {
    const fs::path dir = a.csv;
    write_file(dir / "broadcasts.csv", rt::cluster::report_broadcasts_csv(*report));
    write_file(dir / "nodes.csv", rt::cluster::report_nodes_csv(*report));
    write_file(dir / "peers.csv", rt::cluster::report_peers_csv(*report));
    write_file(dir / "types.csv", rt::cluster::report_types_csv(*report));
    std::cerr << "replay: broadcasts.csv, nodes.csv, peers.csv, types.csv written to " << a.csv
              << '\n';
  }
}

void add_replay(CLI::App& app) {
  auto a = std::make_shared<ReplayArgs>();
  auto* cmd = app.add_subcommand(
      "replay", "Rebuild a scenario's report from its recording, without a cluster");
  cmd->footer(
      "Example:\n"
      "  raintree-lab scenario resources/scenarios/recovery-27.yaml --record run.rtrec\n"
      "  raintree-lab replay run.rtrec --json report.json --csv report-csv\n"
      "The report is the same as the live run's (fields: docs/reports.md).");
  cmd->add_option("FILE", a->file, "Recording written by a scenario run (--record)")->required();
  cmd->add_option("--json", a->json, "Write the report JSON here ('-': standard output)");
  cmd->add_option("--csv", a->csv,
                  "Write broadcasts.csv, nodes.csv, peers.csv and types.csv into this directory");
  cmd->callback([a] { replay(*a); });
}

const bool registered = rt::lab::register_command("replay", add_replay);

}  // namespace
