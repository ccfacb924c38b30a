#include "telemetry/report.hpp"

#include <algorithm>
#include <sstream>

#include <nlohmann/json.hpp>

namespace rt::telemetry {

ReportBuilder::ReportBuilder(std::string mode, std::vector<ReportNode> nodes) {
  report_.mode = std::move(mode);
  report_.nodes = std::move(nodes);
}

void ReportBuilder::add_broadcast(MessageId id, int origin_rank, const std::string& group,
                                  const std::vector<NodeOutcome>& outcomes,
                                  const std::vector<int>& members) {
  BroadcastSummary b;
  b.id = id;
  b.origin_rank = origin_rank;
  b.group = group;
  std::vector<bool> in_group(report_.nodes.size(), members.empty());
  for (int rank : members) {
    if (rank >= 1 && rank <= static_cast<int>(in_group.size())) in_group[rank - 1] = true;
  }
  std::uint64_t hops_sum = 0;
  for (std::size_t i = 0; i < report_.nodes.size() && i < outcomes.size(); ++i) {
    ReportNode& node = report_.nodes[i];
    const NodeOutcome& o = outcomes[i];
    node.reads += o.reads;
    node.writes += o.writes;
    node.duplicates += o.duplicates;
    if (o.delivery_ms) ++node.delivered;
    report_.totals.reads += o.reads;
    report_.totals.writes += o.writes;
    report_.totals.payload_bytes += o.payload_bytes_out;
    report_.totals.control_bytes += o.control_bytes_out;
    if (!node.alive || !in_group[i]) continue;
    ++b.members;
    b.payload_copies += o.reads;
    if (o.delivery_ms) {
      ++b.delivered;
      b.last_delivery_ms = std::max(b.last_delivery_ms, *o.delivery_ms);
      b.max_hops = std::max(b.max_hops, o.hops);
      hops_sum += static_cast<std::uint64_t>(o.hops);
    } else {
      b.missed_ranks.push_back(node.rank);
      b.missed_reasons.push_back(o.missed_reason.empty() ? "not reached" : o.missed_reason);
    }
  }
  b.coverage = b.members ? static_cast<double>(b.delivered) / b.members : 1.0;
  b.copies_per_node = b.members > 1 ? static_cast<double>(b.payload_copies) / (b.members - 1) : 0;
  // The originator delivers at hop 0; mean hops is over the nodes it reached.
  const int reached = b.delivered > 1 ? b.delivered - 1 : 0;
  b.mean_hops = reached ? static_cast<double>(hops_sum) / reached : 0;

  delivered_pairs_ += static_cast<std::uint64_t>(b.delivered);
  expected_pairs_ += static_cast<std::uint64_t>(b.members);
  copies_sum_ += b.copies_per_node;
  hops_sum_ += hops_sum;
  hops_count_ += static_cast<std::uint64_t>(reached);
  report_.totals.last_delivery_ms = std::max(report_.totals.last_delivery_ms, b.last_delivery_ms);
  report_.totals.max_hops = std::max(report_.totals.max_hops, b.max_hops);
  report_.broadcasts.push_back(std::move(b));
}

void ReportBuilder::set_wire_bytes(int rank, std::uint64_t bytes_in, std::uint64_t bytes_out) {
  if (rank < 1 || rank > static_cast<int>(report_.nodes.size())) return;
  report_.nodes[rank - 1].bytes_in = bytes_in;
  report_.nodes[rank - 1].bytes_out = bytes_out;
}

Report ReportBuilder::build() const {
  Report r = report_;
  r.totals.broadcasts = static_cast<int>(r.broadcasts.size());
  r.totals.coverage =
      expected_pairs_ ? static_cast<double>(delivered_pairs_) / expected_pairs_ : 1.0;
  r.totals.payload_copies_per_node = r.broadcasts.empty() ? 0 : copies_sum_ / r.broadcasts.size();
  r.totals.mean_hops = hops_count_ ? static_cast<double>(hops_sum_) / hops_count_ : 0;
  return r;
}

nlohmann::json to_json(const Report& report) {
  using nlohmann::json;
  json nodes = json::array();
  for (const ReportNode& n : report.nodes) {
    nodes.push_back({{"rank", n.rank},
                     {"id", n.id.hex()},
                     {"role", n.role},
                     {"alive", n.alive},
                     {"reads", n.reads},
                     {"writes", n.writes},
                     {"delivered", n.delivered},
                     {"duplicates", n.duplicates},
                     {"bytes_in", n.bytes_in},
                     {"bytes_out", n.bytes_out}});
  }
  json broadcasts = json::array();
  for (const BroadcastSummary& b : report.broadcasts) {
    json missed = json::array();
    for (std::size_t i = 0; i < b.missed_ranks.size(); ++i) {
      missed.push_back({{"rank", b.missed_ranks[i]}, {"reason", b.missed_reasons[i]}});
    }
    broadcasts.push_back({{"id", to_string(b.id)},
                          {"origin_rank", b.origin_rank},
                          {"group", b.group},
                          {"members", b.members},
                          {"delivered", b.delivered},
                          {"coverage", b.coverage},
                          {"payload_copies", b.payload_copies},
                          {"copies_per_node", b.copies_per_node},
                          {"last_delivery_ms", b.last_delivery_ms},
                          {"mean_hops", b.mean_hops},
                          {"max_hops", b.max_hops},
                          {"missed", missed}});
  }
  const ReportTotals& t = report.totals;
  return {{"mode", report.mode},
          {"nodes", nodes},
          {"broadcasts", broadcasts},
          {"totals",
           {{"reads", t.reads},
            {"writes", t.writes},
            {"coverage", t.coverage},
            {"payload_copies_per_node", t.payload_copies_per_node},
            {"control_bytes", t.control_bytes},
            {"payload_bytes", t.payload_bytes},
            {"last_delivery_ms", t.last_delivery_ms},
            {"mean_hops", t.mean_hops},
            {"max_hops", t.max_hops},
            {"broadcasts", t.broadcasts}}}};
}

std::string nodes_csv(const Report& report) {
  std::ostringstream out;
  out << "rank,id,role,alive,reads,writes,delivered,duplicates,bytes_in,bytes_out\n";
  for (const ReportNode& n : report.nodes) {
    out << n.rank << ',' << n.id.hex() << ',' << n.role << ',' << (n.alive ? 1 : 0) << ','
        << n.reads << ',' << n.writes << ',' << n.delivered << ',' << n.duplicates << ','
        << n.bytes_in << ',' << n.bytes_out << '\n';
  }
  return out.str();
}

std::string broadcasts_csv(const Report& report) {
  std::ostringstream out;
  out << "id,origin_rank,group,members,delivered,coverage,payload_copies,copies_per_node,"
         "last_delivery_ms,mean_hops,max_hops,missed_ranks\n";
  for (const BroadcastSummary& b : report.broadcasts) {
    out << to_string(b.id) << ',' << b.origin_rank << ',' << b.group << ',' << b.members << ','
        << b.delivered << ',' << b.coverage << ',' << b.payload_copies << ',' << b.copies_per_node
        << ',' << b.last_delivery_ms << ',' << b.mean_hops << ',' << b.max_hops << ',';
    for (std::size_t i = 0; i < b.missed_ranks.size(); ++i) {
      out << (i ? " " : "") << b.missed_ranks[i];
    }
    out << '\n';
  }
  return out.str();
}

}  // namespace rt::telemetry
