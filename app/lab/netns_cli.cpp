#include "netns_cli.hpp"

#include "cluster/ranks.hpp"
#include "rank_values.hpp"

namespace rt::lab {

std::shared_ptr<NetnsCliArgs> add_netns_options(CLI::App& cmd) {
  auto a = std::make_shared<NetnsCliArgs>();
  cmd.add_flag("--netns", a->netns,
               "Each node in a network namespace of its own, with its own address on a private "
               "bridge (root only; removed with the cluster; `cluster cleanup` after a crash)");
  cmd.add_option("--link-rate", a->rates,
                 "RATE[@RANKS]: cap each node's link both ways with tc tbf, e.g. 10mbit or "
                 "1mbit@3,4 (needs --netns; repeat for different ranks)");
  cmd.add_option("--link-loss", a->losses,
                 "PERCENT[@RANKS]: the kernel drops that share of packets arriving at each node "
                 "(nftables), under TCP, unlike --loss (needs --netns)");
  return a;
}

cluster::NetnsOptions to_netns_options(const NetnsCliArgs& args, int nodes,
                                       const std::string& command) {
  cluster::NetnsOptions options;
  options.enabled = args.netns;
  if (!args.netns && (!args.rates.empty() || !args.losses.empty())) {
    fail_usage(command,
               "--link-rate and --link-loss need --netns (the kernel shapes each "
               "node's own interface)");
  }
  if (!args.netns) return options;
  options.shaping.resize(static_cast<std::size_t>(nodes));
  for (const std::string& text : args.rates) {
    std::string error;
    const auto parsed = cluster::parse_value_at_ranks(text, nodes, error);
    if (!parsed) fail_usage(command, "--link-rate: " + error);
    if (const std::string why = cluster::check_link_rate(parsed->value); !why.empty()) {
      fail_usage(command, "--link-rate: " + why);
    }
    for (int rank : parsed->ranks) options.shaping[rank - 1].rate = parsed->value;
  }
  for (const std::string& text : args.losses) {
    const auto [percent, ranks] = amount_at_ranks(command, "--link-loss", text, 100, nodes);
    for (int rank : ranks) options.shaping[rank - 1].loss_percent = percent;
  }
  return options;
}

}  // namespace rt::lab
