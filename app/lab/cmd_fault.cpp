// raintree-lab fault ACTION [TARGET] ... (--dir DIR | --cluster FILE): one fault on a running
// cluster, left in force after the command (the grammar is in core/cluster/faults.hpp).
#include <iostream>

#include "command_registry.hpp"
#include "fault_cli.hpp"

namespace {

namespace fs = std::filesystem;

void add_fault(CLI::App& app) {
  auto* cmd = app.add_subcommand("fault", "Apply one fault to a running cluster and leave it");
  auto dir = std::make_shared<std::string>();
  auto file = std::make_shared<std::string>();
  auto* dir_opt = cmd->add_option("--dir", *dir, "Cluster directory (holds cluster.json)");
  auto* file_opt = cmd->add_option("--cluster", *file, "The cluster.json file");
  dir_opt->excludes(file_opt);
  auto args = rt::lab::add_fault_options(*cmd, "raintree-lab fault", " --dir D");
  cmd->callback([=] {
    if (dir->empty() == file->empty()) {
      std::cerr << "raintree-lab fault: give the cluster with --dir DIR or --cluster FILE\n";
      throw CLI::RuntimeError(2);
    }
    fs::path path = file->empty() ? fs::path(*dir) / "cluster.json" : fs::path(*file);
    auto info = rt::lab::load_cluster_file(path, "fault");
    rt::lab::apply_fault_cli(info, path, *args, "fault");
  });
}

const bool registered = rt::lab::register_command("fault", add_fault);

}  // namespace
