// Faults on the real node processes of a cluster, shared by `raintree-lab fault`, `run`,
// `scenario` and the studio. Process faults use signals (kill, stop, continue) or start the node
// again (restart); network faults are sent to the nodes over the control channel (`fault`
// command, docs/control-protocol.md) and injected in their own transport, since this kernel
// has no netem.
//
// A FaultController remembers what it applied and undoes it when it is destroyed (or on
// undo_all()): stopped nodes continue, killed nodes are restarted, and mute, loss, delay and
// partitions are set back to what the nodes had before this controller touched them. One-shot
// CLI commands call keep_on_exit() so their fault outlives the command.
//
// Several controllers (separate `raintree-lab fault` runs) may act on one cluster: before
// changing a node's network faults the controller reads the node's current ones (the `faults`
// object of `status`), so that e.g. adding one link fault keeps the node's other link faults.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "cluster/cluster_info.hpp"
#include "cluster/scenario.hpp"

namespace rt::cluster {

class ControlClient;

// What a node is, as far as faults go; reports say why a node missed a broadcast from it.
enum class NodeCondition { up, killed, stopped, muted, partitioned };
std::string_view condition_name(NodeCondition condition);

struct FaultOptions {
  std::chrono::milliseconds request_timeout{3000};
  // Restart: how long to wait for the node to answer status again.
  std::chrono::milliseconds restart_timeout{10000};
  // Restart: how long to keep retrying while the old process's ports are still held.
  std::chrono::milliseconds port_retry{5000};
  // Where restart writes the updated pid; empty: cluster.dir / "cluster.json" when dir is set.
  std::filesystem::path cluster_file;
  // undo_all() restarts the nodes this controller killed. Off for controllers whose cluster is
  // about to be stopped anyway (run, the studio's monitor).
  bool restart_killed_on_undo = true;
};

// The network faults of one node, as the node's `fault` command takes and reports them.
struct LinkFault {
  double loss_percent = 0;
  int delay_ms = 0;
  friend bool operator==(const LinkFault&, const LinkFault&) = default;
};
struct NodeFaults {
  bool mute = false;
  double loss_percent = 0;
  int delay_ms = 0;
  std::map<std::string, LinkFault> links;  // peer id hex -> outbound fault towards it
  std::set<std::string> block;             // peer ids hex
  bool clean() const { return *this == NodeFaults{}; }
  friend bool operator==(const NodeFaults&, const NodeFaults&) = default;
};
// Reads the `faults` object of a node's answer; missing fields keep their defaults.
NodeFaults parse_node_faults(const nlohmann::json& faults);
// The whole state as a `fault` command (every field, so the node ends up exactly there).
nlohmann::json fault_command(const NodeFaults& faults);

class FaultController {
 public:
  // `cluster` must outlive the controller; restart updates the pid of the restarted node in it.
  explicit FaultController(ClusterInfo& cluster, FaultOptions options = {});
  ~FaultController();  // undo_all() unless keep_on_exit()
  FaultController(const FaultController&) = delete;
  FaultController& operator=(const FaultController&) = delete;

  // Every call checks all ranks first (1..N) and changes nothing on a bad one. On success
  // `message` says what was done in one line ("killed rank 7 (pid 1234)"); on failure it says
  // why. Ranks that fail part-way (a node that does not answer) are named in the message.
  bool apply(const FaultStep& step, std::string& message);

  bool kill(const std::vector<int>& ranks, std::string& message);
  bool stop(const std::vector<int>& ranks, std::string& message);
  bool resume(const std::vector<int>& ranks, std::string& message);
  bool restart(const std::vector<int>& ranks, std::string& message);
  bool mute(const std::vector<int>& ranks, bool on, std::string& message);
  bool loss(const std::vector<int>& ranks, double percent, std::string& message);
  bool delay(const std::vector<int>& ranks, int delay_ms, std::string& message);
  bool link_loss(int a, int b, double percent, std::string& message);  // both directions
  bool link_delay(int a, int b, int delay_ms, std::string& message);   // both directions
  // Each group reaches only itself; the ranks in no group form one more group.
  bool partition(const std::vector<std::vector<int>>& groups, std::string& message);
  // Clears every partition, loss and delay on every node (not mute, kill or stop).
  bool heal(std::string& message);

  // Undoes everything this controller applied; false with the reasons of what failed.
  bool undo_all(std::string& message);
  void keep_on_exit() { keep_ = true; }

  // What this controller believes, from what it applied and what the processes say.
  NodeCondition condition(int rank) const;
  // The partition group of a rank (index into the last partition's groups, the ranks in no
  // group being one more group), or nullopt when no partition is in force.
  std::optional<int> partition_group(int rank) const;
  // Whether this controller muted the node; condition() says `partitioned` instead while any
  // partition is in force (every rank is then in some group).
  bool muted(int rank) const;

 private:
  using Edit = std::function<void(int rank, NodeFaults&)>;
  // Reads (once) and changes the network faults of `ranks`, sending each changed node its
  // whole new state in parallel. `skip_down`: nodes known to be killed or stopped are left out
  // (and named) instead of failing the call.
  bool edit_nodes(const std::vector<int>& ranks, const Edit& edit, bool skip_down,
                  const std::string& done, std::string& message);
  std::optional<nlohmann::json> ask(int rank, const nlohmann::json& command, std::string& error);
  bool signal_ranks(const std::vector<int>& ranks, int sig, const char* verb, std::string& message);
  bool restart_one(int rank, std::string& message);
  bool check_ranks(const std::vector<int>& ranks, std::string& message) const;
  std::string down_reason(int rank) const;  // empty: running as far as we can tell
  bool save_cluster(std::string& error) const;

  ClusterInfo& cluster_;
  FaultOptions options_;
  bool keep_ = false;
  std::set<int> killed_, stopped_;
  std::map<int, NodeFaults> baseline_;  // rank -> its faults before this controller's first edit
  std::map<int, NodeFaults> current_;   // rank -> what the node has now (as we set it)
  std::map<int, int> partition_group_;  // rank -> index of its group while partitioned
  std::vector<std::unique_ptr<ControlClient>> clients_;  // by rank - 1, one thread each
};

// The node's process runs on this machine: its pid carries the node's token on its command
// line (a recycled pid or a node elsewhere does not).
bool process_here(const NodeInfo& node);
// "rank 7" or "ranks 3,7".
std::string describe_ranks(const std::vector<int>& ranks);
// A partition's groups are disjoint ranks in 1..nodes and, with the unlisted ranks as one more
// group, at least two.
bool check_partition(const std::vector<std::vector<int>>& groups, int nodes, std::string& error);

// The fault grammar of `raintree-lab fault` and `raintree-lab attach FILE fault`:
//   kill|stop|continue|restart|mute|unmute RANKS
//   loss RANKS --percent P     loss --link A,B --percent P
//   delay RANKS --ms M         delay --link A,B --ms M
//   partition GROUPS           (RANKS/RANKS/..., e.g. 1,2,3/4,5)
//   heal
struct FaultArgs {
  std::string action;
  std::string target;  // RANKS or GROUPS; empty when not given
  std::string link;    // "A,B"; empty when not given
  std::optional<double> percent;
  std::optional<int> ms;
};
// Checks everything against a cluster of `nodes` ranks. nullopt with a one-line reason.
std::optional<FaultStep> parse_fault_args(const FaultArgs& args, int nodes, std::string& error);
// "1,2,3/4,5": groups of ranks separated by '/'; a rank in two groups is an error.
std::optional<std::vector<std::vector<int>>> parse_groups(std::string_view text, int nodes,
                                                          std::string& error);

}  // namespace rt::cluster
