// The scenario parser (cluster::parse_scenario) on any text, YAML or JSON.
//
// Checked: it never throws; a refused file gets an error that names the line ("line N: ...");
// an accepted scenario is what the launcher and the studio rely on: 1..1000 nodes, every rank
// in range, the timeline in time order, its totals, roles and origin rotation computable, and
// an advert priority flag that the nodes accept.
#include <algorithm>
#include <string>

#include "cluster/scenario.hpp"
#include "fuzz_check.hpp"
#include "protocol/advert_priority.hpp"

using namespace rt;
using fuzz::check;

namespace {

bool ranks_in_range(const std::vector<int>& ranks, int nodes) {
  return std::all_of(ranks.begin(), ranks.end(), [&](int r) { return r >= 1 && r <= nodes; });
}

void check_step(const cluster::ScenarioStep& step, int nodes) {
  check(step.at_us >= 0 && step.line >= 1, "a step has a time and a line");
  if (const auto* plan = std::get_if<cluster::BroadcastPlan>(&step.action)) {
    check(plan->count >= 1 && plan->every_us >= 0, "a broadcast step has a count and a spacing");
    check(plan->origin >= 0 && plan->origin <= nodes, "a broadcast origin is a rank or rotate");
    return;
  }
  const auto& fault = std::get<cluster::FaultStep>(step.action);
  check(ranks_in_range(fault.ranks, nodes), "fault ranks are in range");
  for (const auto& group : fault.groups) check(ranks_in_range(group, nodes), "groups in range");
  if (fault.link) {
    check(ranks_in_range({fault.link->first, fault.link->second}, nodes), "link ends in range");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::string error;
  const auto scenario = cluster::parse_scenario(text, error);
  if (!scenario) {
    check(error.starts_with("line "), "a refused scenario's error names the line");
    return 0;
  }
  check(scenario->nodes >= 1 && scenario->nodes <= 1000, "1..1000 nodes");
  check(!scenario->roles.empty(), "at least one role");
  check(ranks_in_range(scenario->byzantine, scenario->nodes), "byzantine ranks in range");
  check(!scenario->timeline.empty(), "a timeline");
  check(std::is_sorted(scenario->timeline.begin(), scenario->timeline.end(),
                       [](const auto& a, const auto& b) { return a.at_us < b.at_us; }),
        "the timeline is in time order");
  for (const auto& step : scenario->timeline) check_step(step, scenario->nodes);
  check(scenario->total_broadcasts() >= 0 && scenario->duration_us() >= 0, "totals are computable");
  protocol::PriorityPolicy policy;
  check(protocol::parse_priority_spec(scenario->advert_priority, policy, error),
        "the nodes accept the advert priority flag the scenario gives them");
  for (int rank = 1; rank <= scenario->nodes; ++rank) {
    static_cast<void>(scenario->role_of(rank));  // indexes the roles by rank
  }
  // What `origin: rotate` runs for each broadcast step (raintree-lab scenario, the studio).
  cluster::OriginRotation rotation(*scenario);
  for (const auto& step : scenario->timeline) {
    const auto* plan = std::get_if<cluster::BroadcastPlan>(&step.action);
    if (!plan) continue;
    const int origin = rotation.next(plan->group, [](int) { return true; });
    check(origin == 0 || (ranks_in_range({origin}, scenario->nodes) &&
                          std::find(scenario->byzantine.begin(), scenario->byzantine.end(),
                                    origin) == scenario->byzantine.end()),
          "the rotation picks a rank in range that is not byzantine, or none");
  }
  return 0;
}
