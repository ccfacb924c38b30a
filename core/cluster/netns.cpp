#include "cluster/netns.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <thread>

#include "cluster/process.hpp"

namespace rt::cluster {
namespace {

namespace fs = std::filesystem;

constexpr int kSlots = 64;
constexpr int kPrefixLength = 22;  // 1022 hosts: the gateway and up to 1000 nodes
constexpr const char* kNamePrefix = "rtlab";

// Queue of a capped link: what tbf lets wait before it drops, like a modest router buffer.
constexpr const char* kTbfLatency = "100ms";

std::string slot_subnet_base(int slot) {
  return "10.213." + std::to_string(4 * slot);
}

// Host number h (1..1022) of the slot's /22.
std::string slot_address(int slot, int host) {
  return "10.213." + std::to_string(4 * slot + host / 256) + "." + std::to_string(host % 256);
}

std::string host_link_name(int slot) {
  return kNamePrefix + std::to_string(slot);
}
std::string hub_name(int slot) {
  return host_link_name(slot) + "-hub";
}
std::string node_namespace(int slot, int rank) {
  return host_link_name(slot) + "-n" + std::to_string(rank);
}

// The slot's fixed parts: its names and the gateway address; no nodes yet.
Network slot_network(int slot) {
  Network net;
  net.slot = slot;
  net.host_link = host_link_name(slot);
  net.gateway = slot_address(slot, 1);
  net.hub = hub_name(slot);
  return net;
}

// /run/lock/raintree-netns-K.lock, flocked by whoever sets slot K up; nullptr when another
// process holds it or it cannot be opened.
std::shared_ptr<void> lock_slot(int slot) {
  const std::string file = "/run/lock/raintree-netns-" + std::to_string(slot) + ".lock";
  const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return nullptr;
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return nullptr;
  }
  return std::shared_ptr<void>(new int(fd), [](void* p) {
    auto* held = static_cast<int*>(p);
    ::close(*held);  // releases the lock
    delete held;
  });
}

bool namespace_exists(const std::string& name) {
  std::error_code ec;
  return fs::exists(Network::netns_path(name), ec);
}

bool link_exists(const std::string& name) {
  return run_command({"ip", "link", "show", "dev", name}).exit_code == 0;
}

// Runs a command; on failure sets `error` to what it printed, prefixed by `what`.
bool run_checked(const std::string& what, const std::vector<std::string>& argv,
                 const std::string& input, const std::string& netns, std::string& error) {
  const CommandResult result =
      run_command(argv, input, netns.empty() ? fs::path() : fs::path(Network::netns_path(netns)));
  if (result.exit_code == 0) return true;
  std::string output = result.output;
  while (!output.empty() && std::isspace(static_cast<unsigned char>(output.back()))) {
    output.pop_back();
  }
  error = what + ": " + (output.empty() ? "exit code " + std::to_string(result.exit_code) : output);
  return false;
}

// Bits per second of a tc rate; 0 when it is not one.
std::uint64_t rate_bits(const std::string& rate) {
  static const std::regex pattern("^([0-9]+)(bit|kbit|mbit|gbit)$");
  std::smatch match;
  if (!std::regex_match(rate, match, pattern)) return 0;
  std::uint64_t value = 0;
  const std::string digits = match[1];
  if (digits.size() > 12) return 0;
  std::from_chars(digits.data(), digits.data() + digits.size(), value);
  const std::string unit = match[2];
  const std::uint64_t scale = unit == "gbit"   ? 1000000000
                              : unit == "mbit" ? 1000000
                              : unit == "kbit" ? 1000
                                               : 1;
  if (value > UINT64_MAX / scale) return 0;
  return value * scale;
}

// tc tbf on one interface: `rate`, a burst of 20 ms of traffic (at least 16 KiB, so that a
// few full frames pass at once), and kTbfLatency of queue.
std::string tbf_line(const std::string& device, const std::string& rate) {
  const std::uint64_t burst = std::max<std::uint64_t>(16 * 1024, rate_bits(rate) / 8 / 50);
  return "qdisc add dev " + device + " root tbf rate " + rate + " burst " + std::to_string(burst) +
         " latency " + kTbfLatency + "\n";
}

// Drops that share of the packets arriving on eth0 (any protocol), decided per packet.
std::string loss_rules(double percent) {
  const long per_10000 = std::lround(percent * 100);
  return "table inet raintree {\n"
         "  chain ingress_loss {\n"
         "    type filter hook input priority 0; policy accept;\n"
         "    iifname \"eth0\" numgen random mod 10000 < " +
         std::to_string(per_10000) +
         " drop\n"
         "  }\n"
         "}\n";
}

// The first free slot, claimed by creating its hub namespace (which fails if another launcher
// got there first) while holding its setup lock. -1 with a reason when none is free.
int claim_slot(std::shared_ptr<void>& lock, std::string& error) {
  for (int slot = 0; slot < kSlots; ++slot) {
    lock = lock_slot(slot);
    if (!lock) continue;
    const std::string hub = hub_name(slot);
    if (namespace_exists(hub) || link_exists(host_link_name(slot))) continue;
    // Someone else routing these addresses (a VPN, another tool): leave them alone.
    const CommandResult routes =
        run_command({"ip", "-4", "route", "show", "root",
                     slot_subnet_base(slot) + ".0/" + std::to_string(kPrefixLength)});
    if (routes.exit_code != 0 || !routes.output.empty()) continue;
    if (run_command({"ip", "netns", "add", hub}).exit_code == 0) return slot;
  }
  lock.reset();
  error = "no free network slot: rtlab0..rtlab" + std::to_string(kSlots - 1) +
          " are all in use (`raintree-lab cluster cleanup --abandoned` removes networks whose "
          "nodes are gone)";
  return -1;
}

// Sets up node `rank`'s namespace: addresses, loopback, and its shaping.
bool configure_node(const Network& net, int rank, std::string& error) {
  const std::string& ns = net.namespaces[rank - 1];
  const std::string where = "namespace " + ns;
  const std::string commands = "link set lo up\naddr add " + net.addresses[rank - 1] + "/" +
                               std::to_string(kPrefixLength) + " dev eth0\nlink set eth0 up\n";
  if (!run_checked(where, {"ip", "-batch", "-"}, commands, ns, error)) return false;
  const LinkShaping& shaping = net.shaping[rank - 1];
  if (!shaping.rate.empty() && !run_checked(where + ": tc", {"tc", "-batch", "-"},
                                            tbf_line("eth0", shaping.rate), ns, error)) {
    return false;
  }
  if (shaping.loss_percent > 0 && !run_checked(where + ": nft", {"nft", "-f", "-"},
                                               loss_rules(shaping.loss_percent), ns, error)) {
    return false;
  }
  return true;
}

// The kernel's IPv4 neighbour (ARP) table is one table for every namespace, 1024 entries by
// default (gc_thresh3), and a full mesh of N nodes needs about N * N of them: past ~30 nodes
// links would fail with "neighbour table overflow". Raises the limits to fit this cluster on
// top of what is there; never lowers them (other clusters and the host share them).
bool ensure_neighbour_capacity(int nodes, std::string& error) {
  const long needed = static_cast<long>(nodes) * nodes + 1024;
  const std::string base = "/proc/sys/net/ipv4/neigh/default/";
  long thresh3 = 0;
  std::ifstream(base + "gc_thresh3") >> thresh3;
  if (thresh3 >= needed) return true;
  for (const char* name : {"gc_thresh2", "gc_thresh3"}) {
    std::ofstream out(base + name);
    out << needed << '\n';
    if (!out.flush()) {
      error = "cannot raise " + base + name + " to " + std::to_string(needed) +
              " (the neighbour table a mesh of " + std::to_string(nodes) + " nodes needs)";
      return false;
    }
  }
  return true;
}

bool build(Network& net, const std::function<void(int, int)>& progress, std::string& error) {
  const int nodes = static_cast<int>(net.namespaces.size());
  if (!ensure_neighbour_capacity(nodes, error)) return false;
  std::ostringstream root;
  for (const std::string& ns : net.namespaces) root << "netns add " << ns << "\n";
  root << "link add " << net.host_link << " type veth peer name uplink netns " << net.hub << "\n"
       << "addr add " << net.gateway << "/" << kPrefixLength << " dev " << net.host_link << "\n"
       << "link set " << net.host_link << " up\n";
  if (!run_checked("root namespace", {"ip", "-batch", "-"}, root.str(), {}, error)) return false;

  std::ostringstream hub;
  std::ostringstream hub_tc;
  hub << "link set lo up\nlink add br0 type bridge\nlink set br0 up\n"
      << "link set uplink master br0\nlink set uplink up\n";
  for (int rank = 1; rank <= nodes; ++rank) {
    const std::string port = "n" + std::to_string(rank);
    hub << "link add " << port << " type veth peer name eth0 netns " << net.namespaces[rank - 1]
        << "\nlink set " << port << " master br0\nlink set " << port << " up\n";
    // The node's download: capped where the bridge hands packets to it.
    if (!net.shaping[rank - 1].rate.empty()) hub_tc << tbf_line(port, net.shaping[rank - 1].rate);
  }
  if (!run_checked("namespace " + net.hub, {"ip", "-batch", "-"}, hub.str(), net.hub, error)) {
    return false;
  }
  if (!hub_tc.str().empty() && !run_checked("namespace " + net.hub + ": tc", {"tc", "-batch", "-"},
                                            hub_tc.str(), net.hub, error)) {
    return false;
  }
  for (int rank = 1; rank <= nodes; ++rank) {
    if (!configure_node(net, rank, error)) return false;
    if (progress) progress(rank, nodes);
  }
  return true;
}

std::vector<int> pids_in(const std::string& ns) {
  std::vector<int> pids;
  if (!namespace_exists(ns)) return pids;
  const CommandResult result = run_command({"ip", "netns", "pids", ns});
  std::istringstream in(result.output);
  int pid = 0;
  while (in >> pid) pids.push_back(pid);
  return pids;
}

}  // namespace

std::string check_link_rate(const std::string& rate) {
  if (rate.empty()) return "a rate must not be empty";
  if (rate_bits(rate) == 0) {
    return "\"" + rate +
           "\" is not a rate: a whole number with bit, kbit, mbit or gbit, e.g. 10mbit (tc's "
           "\"bps\" would mean bytes per second, so it is not accepted)";
  }
  if (rate_bits(rate) < 8000) return "\"" + rate + "\" is below 8kbit, too slow to carry a frame";
  return {};
}

nlohmann::json Network::to_json() const {
  nlohmann::json shaping_json = nlohmann::json::array();
  for (const LinkShaping& s : shaping) {
    shaping_json.push_back({{"rate", s.rate}, {"loss_percent", s.loss_percent}});
  }
  return {{"slot", slot},
          {"host_link", host_link},
          {"gateway", gateway},
          {"hub", hub},
          {"namespaces", namespaces},
          {"addresses", addresses},
          {"shaping", shaping_json}};
}

std::optional<Network> Network::from_json(const nlohmann::json& doc, std::string& error) {
  Network net;
  try {
    net.slot = doc.at("slot").get<int>();
    net.host_link = doc.at("host_link").get<std::string>();
    net.gateway = doc.at("gateway").get<std::string>();
    net.hub = doc.at("hub").get<std::string>();
    net.namespaces = doc.at("namespaces").get<std::vector<std::string>>();
    net.addresses = doc.at("addresses").get<std::vector<std::string>>();
    for (const auto& s : doc.at("shaping")) {
      net.shaping.push_back({s.at("rate").get<std::string>(), s.at("loss_percent").get<double>()});
    }
  } catch (const nlohmann::json::exception& e) {
    error = std::string("\"network\": ") + e.what();
    return std::nullopt;
  }
  // Only names this tool makes: cleanup must never be talked into removing anything else.
  const std::regex own("^rtlab[0-9]{1,2}(-hub|-n[0-9]{1,4})?$");
  for (const std::string* name : {&net.host_link, &net.hub}) {
    if (!std::regex_match(*name, own)) {
      error = "\"network\": \"" + *name + "\" is not a name raintree-lab makes";
      return std::nullopt;
    }
  }
  for (const std::string& name : net.namespaces) {
    if (!std::regex_match(name, own)) {
      error = "\"network\": \"" + name + "\" is not a name raintree-lab makes";
      return std::nullopt;
    }
  }
  if (net.addresses.size() != net.namespaces.size() ||
      net.shaping.size() != net.namespaces.size()) {
    error = "\"network\": namespaces, addresses and shaping must have one entry per node";
    return std::nullopt;
  }
  return net;
}

std::string netns_unavailable(bool need_nft) {
  if (::geteuid() != 0) {
    return "--netns needs root: it creates network namespaces, veth pairs and a bridge (run it "
           "with sudo, or leave out --netns for a loopback cluster)";
  }
  if (run_command({"ip", "-V"}).exit_code != 0) {
    return "--netns needs the ip command (Debian package iproute2)";
  }
  if (need_nft && run_command({"nft", "--version"}).exit_code != 0) {
    return "--link-loss needs the nft command (Debian package nftables)";
  }
  return {};
}

std::optional<Network> create_network(int nodes, const std::vector<LinkShaping>& shaping,
                                      const std::function<void(int, int)>& progress,
                                      std::string& error) {
  if (nodes < 1 || nodes > 1000) {
    error = "a network namespace cluster has 1..1000 nodes";
    return std::nullopt;
  }
  std::shared_ptr<void> lock;
  const int slot = claim_slot(lock, error);
  if (slot < 0) return std::nullopt;
  Network net = slot_network(slot);
  net.setup_lock = std::move(lock);
  for (int rank = 1; rank <= nodes; ++rank) {
    net.namespaces.push_back(node_namespace(slot, rank));
    net.addresses.push_back(slot_address(slot, rank + 1));
    net.shaping.push_back(rank <= static_cast<int>(shaping.size()) ? shaping[rank - 1]
                                                                   : LinkShaping{});
  }
  if (!build(net, progress, error)) {
    std::string ignored;
    remove_network(net, ignored);
    return std::nullopt;
  }
  return net;
}

bool remove_network(const Network& net, std::string& error) {
  std::vector<std::string> all = net.namespaces;
  all.push_back(net.hub);
  // A namespace outlives its name while a process is inside: nothing may be left running.
  for (const std::string& ns : all) {
    for (int pid : pids_in(ns)) ::kill(pid, SIGKILL);
  }
  std::vector<std::string> problems;
  if (link_exists(net.host_link)) {
    std::string why;
    if (!run_checked("ip link del " + net.host_link, {"ip", "link", "del", net.host_link}, {}, {},
                     why)) {
      problems.push_back(why);
    }
  }
  // `ip netns del` can fail for a moment while another `ip netns` is changing the mounts under
  // /run/netns (parallel launchers): try again a few times before calling it stuck.
  for (int attempt = 0; attempt < 5; ++attempt) {
    std::ostringstream dels;
    for (const std::string& ns : all) {
      if (namespace_exists(ns)) dels << "netns del " << ns << "\n";
    }
    if (dels.str().empty()) break;
    if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    run_command({"ip", "-force", "-batch", "-"}, dels.str());
  }
  for (const std::string& ns : all) {
    if (namespace_exists(ns)) problems.push_back("namespace " + ns + " is still there");
  }
  if (problems.empty()) return true;
  error = "could not remove the network of slot " + std::to_string(net.slot) + ":";
  for (const std::string& p : problems) error += " " + p + ";";
  error.pop_back();
  return false;
}

std::vector<int> remove_abandoned_networks(std::string& error) {
  // Every namespace this tool makes, by slot.
  std::map<int, std::vector<std::string>> by_slot;
  const std::regex own("^rtlab([0-9]{1,2})-(hub|n[0-9]{1,4})$");
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/run/netns", ec)) {
    const std::string name = entry.path().filename().string();
    std::smatch match;
    if (std::regex_match(name, match, own)) by_slot[std::stoi(match[1])].push_back(name);
  }
  std::vector<int> removed;
  for (auto& [slot, names] : by_slot) {
    const auto lock = lock_slot(slot);
    if (!lock) continue;  // a launcher is setting it up
    const bool in_use = std::any_of(names.begin(), names.end(),
                                    [](const std::string& ns) { return !pids_in(ns).empty(); });
    if (in_use) continue;
    Network net = slot_network(slot);
    for (const std::string& ns : names) {
      if (ns != net.hub) net.namespaces.push_back(ns);
    }
    std::string why;
    if (remove_network(net, why)) {
      removed.push_back(slot);
    } else {
      error += (error.empty() ? "" : "; ") + why;
    }
  }
  return removed;
}

}  // namespace rt::cluster
