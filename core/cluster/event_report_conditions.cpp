#include "cluster/event_report_conditions.hpp"

#include <algorithm>
#include <limits>
#include <string>

namespace rt::cluster::report_detail {
namespace {

// Ranks of a note field, keeping only 1..nodes (a damaged note must not index out of range).
std::vector<int> ranks_of(const nlohmann::json& value, std::size_t nodes) {
  std::vector<int> ranks;
  if (!value.is_array()) return ranks;
  for (const auto& r : value) {
    if (!r.is_number_integer()) continue;
    const auto rank = r.get<std::int64_t>();
    if (rank >= 1 && rank <= static_cast<std::int64_t>(nodes))
      ranks.push_back(static_cast<int>(rank));
  }
  return ranks;
}

}  // namespace

std::string_view condition_label(Condition condition) {
  switch (condition) {
    case Condition::up:
      return "up";
    case Condition::killed:
      return "killed";
    case Condition::stopped:
      return "stopped";
    case Condition::muted:
      return "muted";
    case Condition::partitioned:
      return "partitioned";
  }
  return "up";
}

bool ClusterState::alive(int rank) const {
  if (rank < 1 || rank > static_cast<int>(killed.size())) return true;
  const auto i = static_cast<std::size_t>(rank - 1);
  return !killed[i] && !stopped[i];
}

bool ClusterState::reachable(int rank, int from) const {
  if (!alive(rank)) return false;
  if (!partition || rank < 1 || from < 1 || rank > static_cast<int>(group.size()) ||
      from > static_cast<int>(group.size())) {
    return true;
  }
  return group[rank - 1] == group[from - 1];
}

Condition ClusterState::condition(int rank) const {
  if (rank < 1 || rank > static_cast<int>(killed.size())) return Condition::up;
  const auto i = static_cast<std::size_t>(rank - 1);
  if (killed[i]) return Condition::killed;
  if (stopped[i]) return Condition::stopped;
  if (partition && listed[i]) return Condition::partitioned;
  if (muted[i]) return Condition::muted;
  return Condition::up;
}

Condition ClusterState::condition_from(int rank, int from) const {
  if (rank < 1 || rank > static_cast<int>(killed.size())) return Condition::up;
  const auto i = static_cast<std::size_t>(rank - 1);
  if (killed[i]) return Condition::killed;
  if (stopped[i]) return Condition::stopped;
  if (!reachable(rank, from)) return Condition::partitioned;
  if (muted[i]) return Condition::muted;
  return Condition::up;
}

void ClusterState::apply(const nlohmann::json& note) {
  const auto name_it = note.find("fault");
  if (name_it == note.end() || !name_it->is_string()) return;
  const std::string& name = name_it->get_ref<const std::string&>();
  const std::size_t n = killed.size();
  const auto it = note.find("ranks");
  const std::vector<int> ranks = it == note.end() ? std::vector<int>{} : ranks_of(*it, n);
  auto set = [&](std::vector<std::uint8_t>& flags, std::uint8_t value) {
    for (int r : ranks) flags[static_cast<std::size_t>(r - 1)] = value;
  };
  if (name == "kill") {
    set(killed, 1);
    set(stopped, 0);  // a killed process is gone, stopped or not
  } else if (name == "stop") {
    set(stopped, 1);
  } else if (name == "continue" || name == "resume") {
    set(stopped, 0);
  } else if (name == "restart") {
    // A fresh process: running, forwarding again. The other side of a partition still
    // refuses it, so partitions stay until heal.
    set(killed, 0);
    set(stopped, 0);
    set(muted, 0);
  } else if (name == "mute") {
    set(muted, 1);
  } else if (name == "unmute") {
    set(muted, 0);
  } else if (name == "partition") {
    // Each listed group reaches only itself; the ranks in no group form one more group.
    std::fill(listed.begin(), listed.end(), 0);
    const auto groups = note.find("groups");
    int index = 0;
    if (groups != note.end() && groups->is_array()) {
      for (const auto& g : *groups) {
        for (int r : ranks_of(g, n)) {
          listed[static_cast<std::size_t>(r - 1)] = 1;
          group[static_cast<std::size_t>(r - 1)] = index;
        }
        ++index;
      }
    }
    for (std::size_t i = 0; i < n; ++i) {
      if (!listed[i]) group[i] = index;
    }
    partition = index > 0;
  } else if (name == "heal") {
    // Heal clears partitions, loss and delay; loss and delay change no condition.
    partition = false;
    std::fill(listed.begin(), listed.end(), 0);
    std::fill(group.begin(), group.end(), 0);
  }
}

ConditionTimeline::ConditionTimeline(std::size_t nodes, const std::vector<TimedNote>& faults) {
  std::vector<const TimedNote*> ordered;
  for (const TimedNote& f : faults) ordered.push_back(&f);
  std::stable_sort(ordered.begin(), ordered.end(),
                   [](const TimedNote* a, const TimedNote* b) { return a->time_us < b->time_us; });
  states_.emplace_back(std::numeric_limits<Micros>::min(), ClusterState(nodes));
  for (const TimedNote* f : ordered) {
    ClusterState next = states_.back().second;
    next.apply(f->note);
    states_.emplace_back(f->time_us, std::move(next));
  }
}

const ClusterState& ConditionTimeline::at(Micros time_us) const {
  // The last state whose time is <= time_us; states_[0] starts at the smallest time.
  const auto it = std::upper_bound(states_.begin(), states_.end(), time_us,
                                   [](Micros t, const auto& s) { return t < s.first; });
  return std::prev(it)->second;
}

std::optional<Micros> ConditionTimeline::return_time(int rank, int origin, Micros after_us) const {
  for (const auto& [time, state] : states_) {
    if (time > after_us && state.reachable(rank, origin)) return time;
  }
  return std::nullopt;
}

}  // namespace rt::cluster::report_detail
