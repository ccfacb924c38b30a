// --netns, --link-rate and --link-loss: the options of every lab command that starts nodes in
// network namespaces of their own (cluster up, run, scenario).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cluster/netns.hpp"

namespace rt::lab {

struct NetnsCliArgs {
  bool netns = false;
  std::vector<std::string> rates;   // RATE[@RANKS], later ones win for their ranks
  std::vector<std::string> losses;  // PERCENT[@RANKS]
};

std::shared_ptr<NetnsCliArgs> add_netns_options(CLI::App& cmd);

// The launcher's options for a cluster of `nodes`. Throws CLI::RuntimeError(2) after saying
// what is wrong (a bad rate, a rank out of range, shaping without --netns).
cluster::NetnsOptions to_netns_options(const NetnsCliArgs& args, int nodes,
                                       const std::string& command);

}  // namespace rt::lab
