// The fault vocabulary shared by the controller, the lab's `fault` and `attach` commands and
// the studio: names, the node's `faults` object, and the command-line grammar.
#include <algorithm>
#include <cmath>

#include "cluster/faults.hpp"
#include "cluster/process.hpp"
#include "cluster/ranks.hpp"

namespace rt::cluster {

using nlohmann::json;

bool process_here(const NodeInfo& n) {
  return n.pid > 0 && process_has_argument(n.pid, n.process_marker());
}

std::string describe_ranks(const std::vector<int>& ranks) {
  return std::string(ranks.size() == 1 ? "rank " : "ranks ") + format_ranks(ranks);
}

bool check_partition(const std::vector<std::vector<int>>& groups, int nodes, std::string& error) {
  std::set<int> seen;
  for (const auto& group : groups) {
    if (group.empty()) {
      error = "a partition group is empty";
      return false;
    }
    for (int r : group) {
      if (r < 1 || r > nodes) {
        error = "rank " + std::to_string(r) + " is outside 1.." + std::to_string(nodes);
        return false;
      }
      if (!seen.insert(r).second) {
        error = "rank " + std::to_string(r) + " is in two partition groups";
        return false;
      }
    }
  }
  const bool rest = static_cast<int>(seen.size()) < nodes;
  if (groups.size() + (rest ? 1 : 0) < 2) {
    error = "a partition needs at least two groups (the ranks in no group form one)";
    return false;
  }
  return true;
}

std::string_view condition_name(NodeCondition condition) {
  switch (condition) {
    case NodeCondition::up:
      return "up";
    case NodeCondition::killed:
      return "killed";
    case NodeCondition::stopped:
      return "stopped";
    case NodeCondition::muted:
      return "muted";
    case NodeCondition::partitioned:
      return "partitioned";
  }
  return "up";
}

NodeFaults parse_node_faults(const json& f) {
  NodeFaults out;
  if (!f.is_object()) return out;
  auto number = [](const json& obj, const char* key, double fallback) {
    const auto it = obj.find(key);
    return it != obj.end() && it->is_number() ? it->get<double>() : fallback;
  };
  out.mute = f.value("mute", false);
  out.loss_percent = number(f, "loss_percent", 0);
  out.delay_ms = static_cast<int>(number(f, "delay_ms", 0));
  if (const auto links = f.find("links"); links != f.end() && links->is_object()) {
    for (const auto& [peer, link] : links->items()) {
      const LinkFault lf{number(link, "loss_percent", 0),
                         static_cast<int>(number(link, "delay_ms", 0))};
      if (!(lf == LinkFault{})) out.links[peer] = lf;
    }
  }
  if (const auto block = f.find("block"); block != f.end() && block->is_array()) {
    for (const json& peer : *block) {
      if (peer.is_string()) out.block.insert(peer.get<std::string>());
    }
  }
  return out;
}

json fault_command(const NodeFaults& f) {
  json links = json::object();
  for (const auto& [peer, link] : f.links) {
    links[peer] = {{"loss_percent", link.loss_percent}, {"delay_ms", link.delay_ms}};
  }
  return {{"cmd", "fault"},         {"mute", f.mute}, {"loss_percent", f.loss_percent},
          {"delay_ms", f.delay_ms}, {"links", links}, {"block", f.block}};
}
std::optional<std::vector<std::vector<int>>> parse_groups(std::string_view text, int nodes,
                                                          std::string& error) {
  std::vector<std::vector<int>> groups;
  if (text.empty()) {
    error = "no groups given (e.g. 1,2,3/4,5)";
    return std::nullopt;
  }
  std::size_t start = 0;
  for (;;) {
    const std::size_t slash = text.find('/', start);
    const std::string_view item = text.substr(
        start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (item.empty()) {
      error = "empty group in \"" + std::string(text) + "\" (groups are RANKS separated by '/')";
      return std::nullopt;
    }
    auto ranks = parse_ranks(item, nodes, error);
    if (!ranks) return std::nullopt;
    groups.push_back(std::move(*ranks));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  if (!check_partition(groups, nodes, error)) return std::nullopt;
  return groups;
}

namespace {

constexpr std::pair<std::string_view, FaultKind> kActions[] = {
    {"kill", FaultKind::kill},           {"stop", FaultKind::stop},
    {"continue", FaultKind::resume},     {"restart", FaultKind::restart},
    {"mute", FaultKind::mute},           {"unmute", FaultKind::unmute},
    {"loss", FaultKind::loss},           {"delay", FaultKind::delay},
    {"partition", FaultKind::partition}, {"heal", FaultKind::heal}};

std::optional<std::pair<int, int>> parse_link(const std::string& text, int nodes,
                                              std::string& error) {
  auto ends = parse_ranks(text, nodes, error);
  if (!ends) {
    error = "--link: " + error;
    return std::nullopt;
  }
  if (ends->size() != 2) {
    error = "--link names exactly two ranks (A,B), got \"" + text + "\"";
    return std::nullopt;
  }
  return std::make_pair((*ends)[0], (*ends)[1]);
}

}  // namespace

std::optional<FaultStep> parse_fault_args(const FaultArgs& a, int nodes, std::string& error) {
  const auto it = std::find_if(std::begin(kActions), std::end(kActions),
                               [&](const auto& k) { return k.first == a.action; });
  if (it == std::end(kActions)) {
    error = "unknown fault \"" + a.action +
            "\"; expected kill, stop, continue, restart, mute, unmute, loss, delay, partition "
            "or heal";
    return std::nullopt;
  }
  FaultStep step;
  step.kind = it->second;
  const std::string name = "fault " + a.action;
  const bool impairment = step.kind == FaultKind::loss || step.kind == FaultKind::delay;
  if (a.percent && step.kind != FaultKind::loss) {
    error = "--percent applies only to `fault loss`";
    return std::nullopt;
  }
  if (a.ms && step.kind != FaultKind::delay) {
    error = "--ms applies only to `fault delay`";
    return std::nullopt;
  }
  if (!a.link.empty() && !impairment) {
    error = "--link applies only to `fault loss` and `fault delay`";
    return std::nullopt;
  }
  switch (step.kind) {
    case FaultKind::heal:
      if (!a.target.empty()) {
        error = "`fault heal` takes no ranks (it heals every node), got \"" + a.target + "\"";
        return std::nullopt;
      }
      return step;
    case FaultKind::partition: {
      if (a.target.empty()) {
        error = "`fault partition` needs GROUPS, e.g. `fault partition 1,2,3/4,5`";
        return std::nullopt;
      }
      auto groups = parse_groups(a.target, nodes, error);
      if (!groups) return std::nullopt;
      step.groups = std::move(*groups);
      return step;
    }
    default:
      break;
  }
  if (impairment) {
    if (a.target.empty() == a.link.empty()) {
      error = "`" + name + "` needs either RANKS or --link A,B (not both)";
      return std::nullopt;
    }
    if (step.kind == FaultKind::loss) {
      if (!a.percent) {
        error = "`fault loss` needs --percent P (0..100)";
        return std::nullopt;
      }
      if (!(*a.percent >= 0 && *a.percent <= 100) || std::isnan(*a.percent)) {
        error = "--percent must be between 0 and 100";
        return std::nullopt;
      }
      step.percent = *a.percent;
    } else {
      if (!a.ms) {
        error = "`fault delay` needs --ms M (0..60000)";
        return std::nullopt;
      }
      if (*a.ms < 0 || *a.ms > 60000) {
        error = "--ms must be between 0 and 60000";
        return std::nullopt;
      }
      step.delay_ms = *a.ms;
    }
    if (!a.link.empty()) {
      step.link = parse_link(a.link, nodes, error);
      return step.link ? std::optional<FaultStep>(step) : std::nullopt;
    }
  } else if (a.target.empty()) {
    error = "`" + name + "` needs RANKS, e.g. `" + name + " 3,7`";
    return std::nullopt;
  }
  auto ranks = parse_ranks(a.target, nodes, error);
  if (!ranks) return std::nullopt;
  step.ranks = std::move(*ranks);
  return step;
}

}  // namespace rt::cluster
