#include "cluster/scenario.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "cluster/run_report.hpp"

namespace rt::cluster {
namespace {

// Thrown inside the parser only; parse_scenario turns it into the error string.
struct ScenarioError {
  std::string text;
};

constexpr int kMaxNodes = 1000;  // real processes on one machine
// A year: the nodes' longest advert window ("never"), and short enough that a broadcast step's
// end, at + every * (count - 1), cannot overflow Micros.
constexpr Micros kMaxDuration = 365LL * 24 * 3600 * 1'000'000;
constexpr std::string_view kModes[] = {"pocket", "raintree", "random", "advert"};

int line_of(const YAML::Node& node) {
  return node.Mark().line + 1;
}

[[noreturn]] void fail(const YAML::Node& node, const std::string& field, const std::string& what) {
  throw ScenarioError{"line " + std::to_string(line_of(node)) + ": " + field + ": " + what};
}

void check_keys(const YAML::Node& map, const std::string& field,
                std::initializer_list<std::string_view> allowed) {
  for (const auto& entry : map) {
    const std::string key = entry.first.as<std::string>();
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      fail(entry.first, field.empty() ? key : field + "." + key, "unknown key");
    }
  }
}

std::string as_string(const YAML::Node& node, const std::string& field) {
  if (!node.IsScalar()) fail(node, field, "expected a text value");
  return node.as<std::string>();
}

long long as_integer(const YAML::Node& node, const std::string& field, long long lo, long long hi) {
  const std::string text = as_string(node, field);
  long long value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size())
    fail(node, field, "expected a whole number");
  if (value < lo || value > hi) {
    fail(node, field,
         std::to_string(value) + " is outside " + std::to_string(lo) + ".." + std::to_string(hi));
  }
  return value;
}

double as_number(const YAML::Node& node, const std::string& field, double lo, double hi) {
  const std::string text = as_string(node, field);
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(value)) {
    fail(node, field, "expected a number");
  }
  if (value < lo || value > hi) fail(node, field, text + " is outside the allowed range");
  return value;
}

Micros as_duration(const YAML::Node& node, const std::string& field) {
  const auto value = parse_duration(as_string(node, field));
  if (!value || *value < 0) fail(node, field, "expected a duration such as 500ms, 2s or 1.5s");
  if (*value > kMaxDuration) fail(node, field, "longer than a year");
  return *value;
}

int as_rank(const YAML::Node& node, const std::string& field, int nodes) {
  return static_cast<int>(as_integer(node, field, 1, nodes));
}

std::vector<int> as_ranks(const YAML::Node& node, const std::string& field, int nodes) {
  std::vector<int> ranks;
  if (node.IsScalar()) {
    ranks.push_back(as_rank(node, field, nodes));
  } else if (node.IsSequence() && node.size() > 0) {
    for (std::size_t i = 0; i < node.size(); ++i) {
      ranks.push_back(as_rank(node[i], field + "[" + std::to_string(i) + "]", nodes));
    }
  } else {
    fail(node, field, "expected a rank or a non-empty list of ranks");
  }
  std::set<int> unique(ranks.begin(), ranks.end());
  if (unique.size() != ranks.size()) fail(node, field, "a rank is listed twice");
  return ranks;
}

BroadcastPlan parse_broadcast(const YAML::Node& node, const std::string& field, int nodes) {
  BroadcastPlan plan;
  if (node.IsScalar() || node.IsNull()) {
    return plan;  // "broadcast:" alone: one broadcast with the defaults
  }
  if (!node.IsMap()) fail(node, field, "expected a map of count, every, size, origin, group");
  check_keys(node, field, {"count", "every", "size", "origin", "group", "kind"});
  if (node["count"])
    plan.count = static_cast<int>(as_integer(node["count"], field + ".count", 1, 100000));
  if (node["every"]) plan.every_us = as_duration(node["every"], field + ".every");
  if (node["size"])
    plan.size = static_cast<std::size_t>(as_integer(node["size"], field + ".size", 1, 16 << 20));
  if (node["origin"]) {
    const YAML::Node& origin = node["origin"];
    if (origin.IsScalar() && origin.as<std::string>() == "rotate") {
      plan.origin = 0;
    } else {
      plan.origin = as_rank(origin, field + ".origin", nodes);
    }
  }
  if (node["group"]) plan.group = as_string(node["group"], field + ".group");
  if (node["kind"]) plan.kind = static_cast<int>(as_integer(node["kind"], field + ".kind", 0, 255));
  return plan;
}

// loss/delay: either a list of ranks with a value, or a link.
FaultStep parse_impairment(FaultKind kind, const YAML::Node& node, const std::string& field,
                           int nodes) {
  FaultStep step;
  step.kind = kind;
  const std::string_view value_key = kind == FaultKind::loss ? "percent" : "ms";
  if (!node.IsMap())
    fail(node, field,
         "expected {ranks: [...] or link: [a, b], " + std::string(value_key) + ": ...}");
  check_keys(node, field, {"ranks", "link", value_key});
  if (node["ranks"] && node["link"]) fail(node, field, "give either ranks or link, not both");
  if (node["ranks"]) {
    step.ranks = as_ranks(node["ranks"], field + ".ranks", nodes);
  } else if (node["link"]) {
    const std::vector<int> ends = as_ranks(node["link"], field + ".link", nodes);
    if (ends.size() != 2) fail(node["link"], field + ".link", "a link names exactly two ranks");
    step.link = std::make_pair(ends[0], ends[1]);
  } else {
    fail(node, field, "needs ranks or link");
  }
  const YAML::Node value = node[std::string(value_key)];
  if (!value) fail(node, field, "needs " + std::string(value_key));
  if (kind == FaultKind::loss) {
    step.percent = as_number(value, field + ".percent", 0, 100);
  } else {
    step.delay_ms = static_cast<int>(as_integer(value, field + ".ms", 0, 60000));
  }
  return step;
}

FaultStep parse_partition(const YAML::Node& node, const std::string& field, int nodes) {
  FaultStep step;
  step.kind = FaultKind::partition;
  if (!node.IsSequence() || node.size() == 0) fail(node, field, "expected a list of rank groups");
  std::set<int> seen;
  for (std::size_t i = 0; i < node.size(); ++i) {
    const std::string where = field + "[" + std::to_string(i) + "]";
    step.groups.push_back(as_ranks(node[i], where, nodes));
    for (int rank : step.groups.back()) {
      if (!seen.insert(rank).second)
        fail(node[i], where, "rank " + std::to_string(rank) + " is in two groups");
    }
  }
  return step;
}

ScenarioStep parse_step(const YAML::Node& node, const std::string& field, int nodes) {
  if (!node.IsMap()) fail(node, field, "expected a map with 'at' and one action");
  ScenarioStep step;
  step.line = line_of(node);
  if (!node["at"]) fail(node, field, "missing 'at'");
  step.at_us = as_duration(node["at"], field + ".at");
  static constexpr std::pair<std::string_view, FaultKind> kRankFaults[] = {
      {"kill", FaultKind::kill},       {"stop", FaultKind::stop}, {"continue", FaultKind::resume},
      {"restart", FaultKind::restart}, {"mute", FaultKind::mute}, {"unmute", FaultKind::unmute}};
  int actions = 0;
  for (const auto& entry : node) {
    const std::string key = entry.first.as<std::string>();
    const std::string where = field + "." + key;
    const YAML::Node& value = entry.second;
    if (key == "at") continue;
    ++actions;
    if (key == "broadcast") {
      step.action = parse_broadcast(value, where, nodes);
    } else if (key == "loss" || key == "delay") {
      step.action =
          parse_impairment(key == "loss" ? FaultKind::loss : FaultKind::delay, value, where, nodes);
    } else if (key == "partition") {
      step.action = parse_partition(value, where, nodes);
    } else if (key == "heal") {
      step.action = FaultStep{FaultKind::heal};
    } else {
      const auto it = std::find_if(std::begin(kRankFaults), std::end(kRankFaults),
                                   [&](const auto& f) { return f.first == key; });
      if (it == std::end(kRankFaults)) fail(entry.first, where, "unknown action");
      FaultStep fault;
      fault.kind = it->second;
      fault.ranks = as_ranks(value, where, nodes);
      step.action = fault;
    }
  }
  if (actions != 1) fail(node, field, "expected exactly one action besides 'at'");
  return step;
}

// advert: {priority: {finalized_lag, later_ahead, stash_ahead, fetch_now_max_bytes, drop_kinds,
// later_kinds, fetch_now_kinds}, byzantine: [ranks]}
void parse_advert(const YAML::Node& node, Scenario& s) {
  if (!node.IsMap()) fail(node, "advert", "expected a map of priority, byzantine");
  check_keys(node, "advert", {"priority", "byzantine"});
  if (s.mode != "advert") fail(node, "advert", "applies only to mode advert");
  if (node["byzantine"]) s.byzantine = as_ranks(node["byzantine"], "advert.byzantine", s.nodes);
  const YAML::Node& p = node["priority"];
  if (!p) return;
  const std::string field = "advert.priority";
  if (!p.IsMap()) fail(p, field, "expected a map");
  check_keys(p, field,
             {"finalized_lag", "later_ahead", "stash_ahead", "fetch_now_max_bytes", "drop_kinds",
              "later_kinds", "fetch_now_kinds"});
  std::string spec;
  const auto add = [&](const std::string& key, const std::string& value) {
    spec += (spec.empty() ? "" : ",") + key + "=" + value;
  };
  for (const char* window : {"finalized_lag", "later_ahead", "stash_ahead"}) {
    if (p[window]) {
      add(std::string(window) + "_ms",
          std::to_string(as_duration(p[window], field + "." + window) / 1000));
    }
  }
  if (p["fetch_now_max_bytes"]) {
    add("fetch_now_max_bytes",
        std::to_string(
            as_integer(p["fetch_now_max_bytes"], field + ".fetch_now_max_bytes", 0, 1LL << 40)));
  }
  for (const char* kinds : {"drop_kinds", "later_kinds", "fetch_now_kinds"}) {
    const YAML::Node& list = p[kinds];
    if (!list) continue;
    const std::string where = field + "." + kinds;
    if (!list.IsSequence()) fail(list, where, "expected a list of kinds 0..255");
    std::string text;
    for (std::size_t i = 0; i < list.size(); ++i) {
      text += (text.empty() ? "" : "/") +
              std::to_string(as_integer(list[i], where + "[" + std::to_string(i) + "]", 0, 255));
    }
    add(kinds, text.empty() ? "none" : text);
  }
  s.advert_priority = spec;  // every value was range-checked above, so the node accepts it
}

Scenario parse_document(const YAML::Node& root) {
  if (!root.IsMap()) fail(root, "scenario", "expected a map at the top level");
  check_keys(root, "", {"name", "nodes", "mode", "roles", "seed", "settle", "advert", "timeline"});
  Scenario s;
  if (root["name"]) s.name = as_string(root["name"], "name");
  if (!root["nodes"]) fail(root, "nodes", "missing (how many node processes to start)");
  s.nodes = static_cast<int>(as_integer(root["nodes"], "nodes", 1, kMaxNodes));
  if (root["mode"]) {
    s.mode = as_string(root["mode"], "mode");
    if (std::find(std::begin(kModes), std::end(kModes), s.mode) == std::end(kModes)) {
      fail(root["mode"], "mode", "'" + s.mode + "' is not one of pocket, raintree, random, advert");
    }
  }
  if (root["roles"]) {
    const YAML::Node& roles = root["roles"];
    if (!roles.IsSequence() || roles.size() == 0) fail(roles, "roles", "expected a non-empty list");
    s.roles.clear();
    for (std::size_t i = 0; i < roles.size(); ++i) {
      s.roles.push_back(as_string(roles[i], "roles[" + std::to_string(i) + "]"));
    }
  }
  if (root["seed"])
    s.seed = static_cast<std::uint64_t>(as_integer(root["seed"], "seed", 0, 1LL << 62));
  if (root["settle"]) s.settle_us = as_duration(root["settle"], "settle");
  if (root["advert"]) parse_advert(root["advert"], s);
  const YAML::Node& timeline = root["timeline"];
  if (!timeline || !timeline.IsSequence() || timeline.size() == 0) {
    fail(timeline ? timeline : root, "timeline", "expected a non-empty list of steps");
  }
  for (std::size_t i = 0; i < timeline.size(); ++i) {
    s.timeline.push_back(parse_step(timeline[i], "timeline[" + std::to_string(i) + "]", s.nodes));
  }
  std::stable_sort(s.timeline.begin(), s.timeline.end(),
                   [](const ScenarioStep& a, const ScenarioStep& b) { return a.at_us < b.at_us; });
  return s;
}

}  // namespace

std::string_view fault_name(FaultKind kind) {
  switch (kind) {
    case FaultKind::kill:
      return "kill";
    case FaultKind::stop:
      return "stop";
    case FaultKind::resume:
      return "continue";
    case FaultKind::restart:
      return "restart";
    case FaultKind::mute:
      return "mute";
    case FaultKind::unmute:
      return "unmute";
    case FaultKind::loss:
      return "loss";
    case FaultKind::delay:
      return "delay";
    case FaultKind::partition:
      return "partition";
    case FaultKind::heal:
      return "heal";
  }
  return "unknown";
}

int Scenario::total_broadcasts() const {
  int total = 0;
  for (const ScenarioStep& step : timeline) {
    if (const auto* plan = std::get_if<BroadcastPlan>(&step.action)) total += plan->count;
  }
  return total;
}

Micros Scenario::duration_us() const {
  Micros end = 0;
  for (const ScenarioStep& step : timeline) {
    Micros last = step.at_us;
    if (const auto* plan = std::get_if<BroadcastPlan>(&step.action)) {
      last += plan->every_us * (plan->count - 1);
    }
    end = std::max(end, last);
  }
  return end;
}

std::optional<Micros> parse_duration(std::string_view text) {
  static constexpr std::pair<std::string_view, double> kUnits[] = {
      {"us", 1}, {"ms", 1e3}, {"s", 1e6}, {"m", 60e6}};
  double scale = 1e6;  // bare numbers are seconds
  for (const auto& [suffix, factor] : kUnits) {
    if (text.size() > suffix.size() && text.substr(text.size() - suffix.size()) == suffix) {
      const char before = text[text.size() - suffix.size() - 1];
      if (std::isdigit(static_cast<unsigned char>(before)) || before == '.' || before == ' ') {
        text.remove_suffix(suffix.size());
        scale = factor;
        break;
      }
    }
  }
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  const std::string number(text);
  char* end = nullptr;
  const double value = std::strtod(number.c_str(), &end);
  if (number.empty() || end != number.c_str() + number.size() || !std::isfinite(value)) {
    return std::nullopt;
  }
  // llround() of a value outside Micros gives an unspecified result.
  if (!(std::fabs(value * scale) < 0x1p63)) return std::nullopt;
  return static_cast<Micros>(std::llround(value * scale));
}

std::optional<Scenario> parse_scenario(std::string_view yaml_text, std::string& error) {
  try {
    return parse_document(YAML::Load(std::string(yaml_text)));
  } catch (const ScenarioError& e) {
    error = e.text;
  } catch (const YAML::Exception& e) {
    error = "line " + std::to_string(e.mark.line + 1) + ": " + e.msg;
  }
  return std::nullopt;
}

std::optional<Scenario> load_scenario(const std::filesystem::path& file, std::string& error) {
  std::ifstream in(file);
  if (!in) {
    error = "cannot read scenario file " + file.string();
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  auto scenario = parse_scenario(text.str(), error);
  if (!scenario) error = file.string() + ": " + error;
  return scenario;
}

OriginRotation::OriginRotation(const Scenario& scenario)
    : nodes_(scenario.nodes), byzantine_(scenario.byzantine) {
  for (int r = 1; r <= nodes_; ++r) roles_.push_back(scenario.role_of(r));
}

int OriginRotation::next(const std::string& group,
                         const std::function<bool(int rank)>& can_originate) {
  std::vector<NodeRunData> roles(static_cast<std::size_t>(nodes_));
  for (int r = 1; r <= nodes_; ++r) {
    roles[static_cast<std::size_t>(r - 1)].rank = r;
    roles[static_cast<std::size_t>(r - 1)].role = roles_[static_cast<std::size_t>(r - 1)];
  }
  const std::vector<int> members = group_ranks(group, roles);
  const auto listed = [](const std::vector<int>& ranks, int r) {
    return std::find(ranks.begin(), ranks.end(), r) != ranks.end();
  };
  for (int tries = 0; tries < nodes_; ++tries) {
    last_ = last_ % nodes_ + 1;
    const bool member = members.empty() || listed(members, last_);
    if (member && !listed(byzantine_, last_) && can_originate(last_)) return last_;
  }
  return 0;
}

}  // namespace rt::cluster
