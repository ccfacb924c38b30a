// The fault grammar's command-line wiring, shared by `raintree-lab fault` and
// `raintree-lab attach FILE fault` so that both parse and apply faults the same way.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "cluster/faults.hpp"

namespace rt::lab {

// What the fault options of one subcommand collect; read after CLI11 has parsed.
struct FaultCliArgs {
  std::string action, target, link;
  double percent = 0;
  int ms = 0;
  CLI::Option* percent_option = nullptr;
  CLI::Option* ms_option = nullptr;

  cluster::FaultArgs to_fault_args() const;
};

// Adds ACTION [TARGET] --link --percent --ms to `cmd`. `prefix` starts the help's examples
// (e.g. "raintree-lab fault"), `suffix` ends them (e.g. " --dir D").
std::shared_ptr<FaultCliArgs> add_fault_options(CLI::App& cmd, const std::string& prefix,
                                                const std::string& suffix);

// Loads nothing: checks `args` against `cluster`, applies the fault with a controller that
// keeps it after the command, and prints the one-line result. Throws CLI::RuntimeError(2) for
// bad arguments and (1) when the fault could not be applied, after saying why on stderr.
// `cluster_file` is where a restart records the node's new pid.
void apply_fault_cli(cluster::ClusterInfo& cluster, const std::filesystem::path& cluster_file,
                     const FaultCliArgs& args, const std::string& command_name);

// Loads a cluster.json (a directory means DIR/cluster.json); exit 2 when it does not exist,
// 1 when it cannot be read.
cluster::ClusterInfo load_cluster_file(std::filesystem::path& file,
                                       const std::string& command_name);

}  // namespace rt::lab
