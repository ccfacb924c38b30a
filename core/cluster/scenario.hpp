// Scenario files: a cluster and a timeline of broadcasts and faults, so that the same demo or
// experiment runs twice the same way. Format (YAML; see resources/scenarios/README.md):
//
//   name: recovery
//   nodes: 27
//   mode: raintree
//   roles: [validator]          # cycled over the ranks
//   seed: 7
//   settle: 2s                  # quiet time after the last step before the report
//   timeline:
//     - at: 0s
//       broadcast: {count: 20, every: 250ms, size: 1024, origin: 1, group: all}
//     - at: 1s
//       kill: [3, 7]
//     - at: 2s
//       partition: [[1, 2, 3, 4]]   # these ranks cannot reach the others
//     - at: 4s
//       heal: all
//
// Parsing is strict: an unknown key, a wrong type or an out-of-range rank is an error that
// names the field and its line, and nothing starts.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "util/ids.hpp"

namespace rt::cluster {

struct BroadcastPlan {
  int count = 1;
  Micros every_us = 0;  // spacing between broadcasts of this step
  std::size_t size = 1024;
  int origin = 1;  // rank; 0 = rotate over the ranks
  std::string group = "all";
  int kind = 0;  // advert mode: the artifact kind the priority rules look at (0..255)
};

enum class FaultKind {
  kill,     // SIGKILL
  stop,     // SIGSTOP: an unresponsive node
  resume,   // SIGCONT ("continue" in files)
  restart,  // start again with the same id and endpoint
  mute,     // receives but never forwards
  unmute,
  loss,       // drop this percentage of frames (per node or per link)
  delay,      // add this many milliseconds (per node or per link)
  partition,  // the listed groups cannot reach the rest
  heal,       // undo every partition, loss and delay
};
std::string_view fault_name(FaultKind kind);

struct FaultStep {
  FaultKind kind = FaultKind::kill;
  std::vector<int> ranks;  // kill, stop, resume, restart, mute, unmute, loss, delay
  std::optional<std::pair<int, int>> link;  // loss/delay on one link instead of whole nodes
  double percent = 0;                       // loss
  int delay_ms = 0;                         // delay
  std::vector<std::vector<int>> groups;     // partition
};

struct ScenarioStep {
  Micros at_us = 0;
  int line = 0;  // where it stands in the file, for messages
  std::variant<BroadcastPlan, FaultStep> action;
};

struct Scenario {
  std::string name = "scenario";
  int nodes = 0;
  std::string mode = "raintree";
  std::vector<std::string> roles{"validator"};
  std::uint64_t seed = 1;
  Micros settle_us = 2'000'000;
  // Advert mode: the priority function every node runs (`advert: {priority: {...}}`), as the
  // node's --advert-priority spec (protocol/advert_priority.hpp, parse_priority_spec); empty:
  // the nodes' default.
  std::string advert_priority;
  std::vector<int> byzantine;          // advert mode: ranks that serve corrupted bodies
  std::vector<ScenarioStep> timeline;  // ordered by time, then by file order

  std::string role_of(int rank) const {
    return roles[static_cast<std::size_t>(rank - 1) % roles.size()];
  }
  int total_broadcasts() const;
  Micros duration_us() const;  // time of the last broadcast or fault
};

// `origin: rotate`, shared by `raintree-lab scenario` and the studio: the members of the
// broadcast's group in turn (a node outside a restricted group does not gossip it), skipping
// byzantine ranks (what they originate is corrupted by construction) and ranks that
// `can_originate` refuses (killed, stopped, muted). 0 when no rank can.
class OriginRotation {
 public:
  explicit OriginRotation(const Scenario& scenario);
  int next(const std::string& group, const std::function<bool(int rank)>& can_originate);

 private:
  int nodes_;
  std::vector<std::string> roles_;  // by rank - 1
  std::vector<int> byzantine_;
  int last_ = 0;
};

// On failure: nullopt and "line N: field: what is wrong".
std::optional<Scenario> parse_scenario(std::string_view yaml_text, std::string& error);
std::optional<Scenario> load_scenario(const std::filesystem::path& file, std::string& error);

// "250ms", "2s", "1.5s", "800us" or a bare number of seconds.
std::optional<Micros> parse_duration(std::string_view text);

}  // namespace rt::cluster
