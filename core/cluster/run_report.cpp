#include "cluster/run_report.hpp"

#include <algorithm>
#include <map>

namespace rt::cluster {

std::uint64_t counter(const nlohmann::json& obj, const char* key) {
  if (!obj.is_object()) return 0;
  const auto it = obj.find(key);
  if (it == obj.end()) return 0;
  if (it->is_number_unsigned()) return it->get<std::uint64_t>();
  if (it->is_number_integer()) return static_cast<std::uint64_t>(std::max<std::int64_t>(0, *it));
  if (it->is_number_float()) return static_cast<std::uint64_t>(std::max(0.0, it->get<double>()));
  return 0;
}

namespace {

std::int64_t signed_field(const nlohmann::json& obj, const char* key) {
  const auto it = obj.find(key);
  if (it == obj.end() || !it->is_number()) return 0;
  return it->get<std::int64_t>();
}

bool role_matches(std::string_view wanted, const std::string& role) {
  if (wanted == role) return true;
  return wanted.size() > 1 && wanted.back() == 's' && wanted.substr(0, wanted.size() - 1) == role;
}

}  // namespace

std::vector<int> group_ranks(const std::string& group, const std::vector<NodeRunData>& nodes) {
  std::vector<std::string_view> names;
  std::string_view rest = group;
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    const std::string_view name = rest.substr(0, comma);
    if (name == "all") return {};
    if (!name.empty()) names.push_back(name);
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  if (names.empty()) return {};
  std::vector<int> ranks;
  for (const NodeRunData& n : nodes) {
    if (std::any_of(names.begin(), names.end(), [&](auto w) { return role_matches(w, n.role); })) {
      ranks.push_back(n.rank);
    }
  }
  return ranks;
}

telemetry::Report build_run_report(const std::string& mode,
                                   const std::vector<BroadcastRecord>& broadcasts,
                                   const std::vector<NodeRunData>& nodes) {
  std::vector<telemetry::ReportNode> rows;
  for (const NodeRunData& n : nodes) {
    telemetry::ReportNode row;
    row.rank = n.rank;
    row.id = n.id;
    row.role = n.role;
    row.alive = n.alive;
    rows.push_back(row);
  }
  telemetry::ReportBuilder builder(mode, rows);

  // Per node: message id (16 hex) -> its `messages` entry.
  std::vector<std::map<std::string, const nlohmann::json*>> seen(nodes.size());
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    if (!nodes[i].messages.is_array()) continue;
    for (const nlohmann::json& m : nodes[i].messages) {
      if (m.is_object() && m.contains("id") && m["id"].is_string()) {
        seen[i][m["id"].get<std::string>()] = &m;
      }
    }
  }

  for (const BroadcastRecord& b : broadcasts) {
    const std::string key = to_string(b.id);
    std::vector<telemetry::NodeOutcome> outcomes(nodes.size());
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      telemetry::NodeOutcome& o = outcomes[i];
      const NodeRunData& n = nodes[i];
      const bool origin = n.rank == b.origin_rank;
      const auto it = seen[i].find(key);
      if (it != seen[i].end()) {
        const nlohmann::json& m = *it->second;
        o.reads = counter(m, "reads");
        o.writes = counter(m, "writes");
        o.duplicates = counter(m, "duplicates");
        o.payload_bytes_out = counter(m, "payload_bytes_out");
        o.control_bytes_out = counter(m, "control_bytes_out");
        o.hops = static_cast<int>(counter(m, "hops"));
        const auto delivered = m.find("delivered_us");
        if (delivered != m.end() && delivered->is_number()) {
          const std::int64_t start = b.time_us ? b.time_us : signed_field(m, "origin_time_us");
          const double ms = static_cast<double>(delivered->get<std::int64_t>() - start) / 1000.0;
          o.delivery_ms = std::max(0.0, ms);
        }
      }
      // The originator has delivered its own broadcast (DESIGN.md), at hop 0.
      if (origin && n.alive && !o.delivery_ms) o.delivery_ms = 0.0;
      if (origin) o.hops = 0;
      if (!o.delivery_ms) {
        o.missed_reason = !n.down_reason.empty()          ? n.down_reason
                          : !n.unreachable_reason.empty() ? n.unreachable_reason
                          : it == seen[i].end()           ? "never received"
                                                          : "received, not delivered";
      }
    }
    builder.add_broadcast(b.id, b.origin_rank, b.group, outcomes, group_ranks(b.group, nodes));
  }

  for (const NodeRunData& n : nodes) {
    const nlohmann::json& a = n.counters_after;
    const nlohmann::json& s = n.counters_before;
    auto diff = [&](const char* key) {
      const std::uint64_t after = counter(a, key), before = counter(s, key);
      return after > before ? after - before : 0;
    };
    builder.set_wire_bytes(n.rank, diff("bytes_in"), diff("bytes_out"));
  }
  return builder.build();
}

}  // namespace rt::cluster
