#include "fault_cli.hpp"

#include <iostream>

namespace rt::lab {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void fail(const std::string& command_name, const std::string& message, int code) {
  std::cerr << "raintree-lab " << command_name << ": " << message << '\n';
  throw CLI::RuntimeError(code);
}

}  // namespace

cluster::FaultArgs FaultCliArgs::to_fault_args() const {
  cluster::FaultArgs a;
  a.action = action;
  a.target = target;
  a.link = link;
  // Presence matters (parse_fault_args rejects --percent on a delay), not only the value.
  if (percent_option && percent_option->count() > 0) a.percent = percent;
  if (ms_option && ms_option->count() > 0) a.ms = ms;
  return a;
}

std::shared_ptr<FaultCliArgs> add_fault_options(CLI::App& cmd, const std::string& prefix,
                                                const std::string& suffix) {
  auto a = std::make_shared<FaultCliArgs>();
  // Checked by parse_fault_args rather than CLI::IsMember, so that both commands give the same
  // message (and exit 2) for an unknown action.
  cmd.add_option("action", a->action,
                 "kill | stop | continue | restart | mute | unmute | loss | delay | partition | "
                 "heal")
      ->required();
  cmd.add_option("target", a->target,
                 "RANKS (e.g. 3,7), or GROUPS for partition (e.g. 1,2,3/4,5); none for heal");
  cmd.add_option("--link", a->link, "A,B: loss or delay on the link between two ranks");
  a->percent_option = cmd.add_option("--percent", a->percent, "Loss percentage, 0..100");
  a->ms_option = cmd.add_option("--ms", a->ms, "Delay in milliseconds, 0..60000");
  const auto ex = [&](const std::string& args) { return "  " + prefix + " " + args + suffix; };
  cmd.footer("Examples:\n" + ex("kill 3,7") + "\n" + ex("stop 2") + "\n" + ex("continue 2") + "\n" +
             ex("restart 3") + "\n" + ex("mute 6") + "\n" + ex("loss 5 --percent 20") + "\n" +
             ex("loss --link 2,9 --percent 50") + "\n" + ex("delay 4 --ms 300") + "\n" +
             ex("partition 1,2,3/4,5") + "\n" + ex("heal") +
             "\n\nkill, stop, continue and restart act on the node's process and need it on "
             "this machine;\nthe others go over the control channel. A fault stays in force "
             "after the command;\n`heal` clears partitions, loss and delay (not mute, stop or "
             "kill).");
  return a;
}

void apply_fault_cli(cluster::ClusterInfo& info, const fs::path& cluster_file,
                     const FaultCliArgs& args, const std::string& command_name) {
  std::string error;
  const auto step =
      cluster::parse_fault_args(args.to_fault_args(), static_cast<int>(info.nodes.size()), error);
  if (!step) fail(command_name, error, 2);
  cluster::FaultOptions options;
  options.cluster_file = cluster_file;
  cluster::FaultController controller(info, options);
  // One-shot: the fault is the point of the command, so it must outlive it.
  controller.keep_on_exit();
  std::string message;
  if (!controller.apply(*step, message)) fail(command_name, message, 1);
  std::cout << message << '\n';
}

cluster::ClusterInfo load_cluster_file(fs::path& file, const std::string& command_name) {
  std::error_code ec;
  if (fs::is_directory(file, ec)) file /= "cluster.json";
  if (!fs::exists(file, ec)) {
    fail(command_name,
         file.string() +
             " does not exist (expected the cluster.json written by `raintree-lab "
             "cluster up`)",
         2);
  }
  std::string error;
  auto info = cluster::ClusterInfo::load(file, error);
  if (!info) fail(command_name, "cannot use " + file.string() + ": " + error, 1);
  return std::move(*info);
}

}  // namespace rt::lab
