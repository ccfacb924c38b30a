// Per-node network namespaces (raintree-lab cluster up|run|scenario --netns): every node gets
// a namespace of its own with one address on a private bridge, so its traffic crosses real
// interfaces (veth pairs) where the kernel can cap its bandwidth (tc tbf) and drop its packets
// (nftables), on top of the transport's own fault injection. Needs root (CAP_NET_ADMIN and
// CAP_SYS_ADMIN) and iproute2; nftables only for loss.
//
// The network of slot K (the first of 0..63 that is free on this machine):
//   root namespace  rtlabK      veth, 10.213.4K.1/22: the lab's way in, nothing routes further
//   rtlabK-hub      br0         a bridge over `uplink` (rtlabK's peer) and one veth per node,
//                               in a namespace of its own so the host's firewall never sees it
//   rtlabK-nR       eth0, lo    rank R at 10.213.4K.0/22 + R + 1
// No namespace has a default route and nothing forwards, so no packet leaves the machine.
// Removing rtlabK and the namespaces removes every veth, qdisc and rule with them.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace rt::cluster {

// What the kernel does to one node's link, both directions.
struct LinkShaping {
  std::string rate;         // tc rate, e.g. "10mbit"; empty: uncapped
  double loss_percent = 0;  // packets dropped on the way in (nftables), 0..100
  bool shaped() const { return !rate.empty() || loss_percent > 0; }
};

// Where a launcher puts the nodes: loopback (the default), or namespaces of their own.
struct NetnsOptions {
  bool enabled = false;
  std::vector<LinkShaping> shaping;  // by rank - 1; missing entries: unshaped
};

// Empty when `rate` is a tc rate this tool accepts ("10mbit", "512kbit", "1gbit", "800000bit"),
// else why not.
std::string check_link_rate(const std::string& rate);

// The namespaces, addresses and links of one cluster: what cluster.json records as "network"
// so that `cluster down` and `cluster cleanup` can remove it from any process.
struct Network {
  int slot = -1;
  std::string host_link;                // veth in the root namespace
  std::string gateway;                  // host_link's address
  std::string hub;                      // the bridge's namespace
  std::vector<std::string> namespaces;  // by rank - 1
  std::vector<std::string> addresses;   // by rank - 1
  std::vector<LinkShaping> shaping;     // by rank - 1
  // Held from create_network until the launcher has started the nodes (release it then):
  // while held, `cluster cleanup --abandoned` leaves the network alone although nothing runs in
  // it yet. Not saved.
  std::shared_ptr<void> setup_lock;

  static std::string netns_path(const std::string& name) { return "/run/netns/" + name; }
  nlohmann::json to_json() const;
  static std::optional<Network> from_json(const nlohmann::json& doc, std::string& error);
};

// Empty when this process can build namespaces (root, `ip` on PATH, `nft` when loss is asked
// for), else a one-line reason for the user.
std::string netns_unavailable(bool need_nft);

// Builds the network for `nodes` nodes, with shaping[rank - 1] applied (missing entries:
// unshaped). Reports (done, total) as namespaces come up. On failure removes what it built and
// returns nullopt with a reason.
std::optional<Network> create_network(int nodes, const std::vector<LinkShaping>& shaping,
                                      const std::function<void(int, int)>& progress,
                                      std::string& error);

// Kills whatever still runs in the network's namespaces, then removes them and the root
// link. Safe to repeat; false with a reason if something is left behind.
bool remove_network(const Network& network, std::string& error);

// Networks on this machine whose namespaces have no process left (a launcher or cluster that
// died without `down`), as far as /run/netns shows them: removes each and returns the slots.
std::vector<int> remove_abandoned_networks(std::string& error);

}  // namespace rt::cluster
