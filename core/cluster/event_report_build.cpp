// The report document from a recording's facts. Every definition is written out in
// docs/reports.md; the comments here say only why a step is done the way it is.
#include <algorithm>
#include <cmath>

#include "cluster/event_report_conditions.hpp"
#include "cluster/event_report_facts.hpp"
#include "cluster/run_report.hpp"

namespace rt::cluster::report_detail {

double round_ms(double ms) {
  return std::round(ms * 1000.0) / 1000.0;  // microsecond resolution, like the events
}

double round_ratio(double value) {
  return std::round(value * 1e6) / 1e6;
}

namespace {

using nlohmann::json;

double ms_since(Micros from, Micros to) {
  return round_ms(static_cast<double>(to - from) / 1000.0);
}

// A duration that cannot be negative: clocks of one machine agree only to a few µs.
double delay_ms(Micros from, Micros to) {
  return round_ms(static_cast<double>(std::max<Micros>(0, to - from)) / 1000.0);
}

json drops_json(const Traffic& t) {
  json out = json::object();
  for (std::size_t i = 0; i < kDropReasons.size(); ++i)
    out[std::string(kDropReasons[i])] = t.drops[i];
  return out;
}

struct Broadcast {
  MessageId id;
  const MessageFacts* facts = nullptr;
  Micros time_us = 0;
  int origin = 0;
};

// A noted broadcast, or one the recording only knows from its originator's event.
std::vector<Broadcast> broadcasts_of(const Facts& f) {
  std::vector<Broadcast> out;
  const int n = static_cast<int>(f.nodes.size());
  for (const auto& [id, m] : f.messages) {
    if (!m.noted && !m.originate_us) continue;
    Broadcast b;
    b.id = id;
    b.facts = &m;
    // The originate event is the exact start; the note is the later answer time.
    b.time_us = m.originate_us ? *m.originate_us : m.note_us;
    b.origin =
        m.noted && m.note_origin >= 1 && m.note_origin <= n ? m.note_origin : m.originate_rank;
    if (b.origin < 1 || b.origin > n) continue;
    out.push_back(b);
  }
  std::sort(out.begin(), out.end(), [](const Broadcast& a, const Broadcast& b) {
    return a.time_us != b.time_us ? a.time_us < b.time_us : a.id < b.id;
  });
  return out;
}

struct NodeTally {
  std::uint64_t expected = 0, missed = 0;
  std::uint64_t expected_while_reachable = 0, delivered_while_reachable = 0;
  std::uint64_t caught_up = 0;
  double max_catch_up_ms = 0;
  std::uint64_t origin_without_deliver = 0;  // own broadcasts with no deliver event
};

struct Tally {
  std::vector<NodeTally> nodes;
  std::uint64_t expected_pairs = 0, delivered_pairs = 0;
  std::uint64_t reachable_pairs = 0, delivered_reachable_pairs = 0;
  double copies_sum = 0;
  double last_delivery_ms = 0;
  double last_reachable_ms = 0;
  std::uint64_t hops_sum = 0, hops_count = 0;
  int max_hops = 0;
  std::uint64_t caught_up = 0, caught_up_via_catchup = 0;
  double catch_up_sum_ms = 0, catch_up_max_ms = 0;
};

class ReportMaker {
 public:
  explicit ReportMaker(const Facts& f)
      : f_(f),
        n_(f.nodes.size()),
        timeline_(n_, f.faults),
        start_us_(f.header.started_us > 0 ? f.header.started_us : f.first_us.value_or(0)) {
    tally_.nodes.resize(n_);
    for (const RecordedNode& node : f.header.nodes) {
      NodeRunData row;
      row.rank = node.rank;
      row.role = node.role;
      roles_.push_back(std::move(row));
    }
  }

  json make() {
    json broadcasts = json::array();
    for (const Broadcast& b : broadcasts_of(f_)) broadcasts.push_back(broadcast_json(b));
    json report = {
        {"mode", f_.header.mode},
        {"name", f_.header.name},
        {"duration_ms", delay_ms(start_us_, f_.end_us.value_or(f_.last_us.value_or(start_us_)))},
        {"broadcasts", std::move(broadcasts)},
        {"nodes", nodes_json()},
        {"peers", peers_json()},
        {"types", types_json()},
        {"faults", faults_json()}};
    report["totals"] = totals_json(report["broadcasts"].size());
    report["catch_up"] = catch_up_json();
    report["events"] = events_json();
    return report;
  }

 private:
  std::vector<int> members_of(const std::string& group) const {
    std::vector<int> ranks = group_ranks(group, roles_);
    if (ranks.empty()) {
      for (std::size_t r = 1; r <= n_; ++r) ranks.push_back(static_cast<int>(r));
    }
    return ranks;
  }

  json broadcast_json(const Broadcast& b) {
    const MessageFacts& m = *b.facts;
    const ClusterState& at_send = timeline_.at(b.time_us);
    const ClusterState& at_end = timeline_.at_end();
    const std::vector<int> members = members_of(m.group);
    std::uint64_t expected = 0, reachable = 0, delivered = 0, copies = 0, duplicates = 0;
    std::uint64_t hops_sum = 0, hops_count = 0;
    int max_hops = 0;
    double last_ms = 0, last_reachable_ms = 0;
    json missed = json::array(), caught_up = json::array();

    for (int rank : members) {
      NodeTally& node = tally_.nodes[static_cast<std::size_t>(rank - 1)];
      const auto it = m.receipts.find(rank);
      const Receipt* r = it == m.receipts.end() ? nullptr : &it->second;
      const bool origin = rank == b.origin;
      // The originator has delivered its own broadcast (DESIGN.md), at the start, hop 0.
      // A plain flag and time rather than an optional: GCC 12 warns falsely on the latter.
      bool has_delivery = r && r->delivered_us.has_value();
      Micros delivered_us = has_delivery ? *r->delivered_us : 0;
      if (origin && !has_delivery) {
        has_delivery = true;
        delivered_us = b.time_us;
        ++node.origin_without_deliver;
      }
      const bool is_expected = at_end.alive(rank);
      const bool reach = at_send.reachable(rank, b.origin);
      if (is_expected) {
        ++expected;
        ++node.expected;
        if (r) {
          copies += r->payload_frames;
          duplicates += r->duplicates;
        }
        if (reach) {
          ++reachable;
          ++node.expected_while_reachable;
          if (has_delivery) ++node.delivered_while_reachable;
        }
        if (has_delivery) {
          ++delivered;
          const double took = delay_ms(b.time_us, delivered_us);
          last_ms = std::max(last_ms, took);
          if (reach) last_reachable_ms = std::max(last_reachable_ms, took);
          if (!origin && r) {
            hops_sum += static_cast<std::uint64_t>(r->hops);
            ++hops_count;
            max_hops = std::max(max_hops, r->hops);
          }
        } else {
          ++node.missed;
        }
      }
      if (!has_delivery) {
        Condition why = at_send.condition_from(rank, b.origin);
        if (why == Condition::up) why = at_end.condition_from(rank, b.origin);
        missed.push_back({{"rank", rank},
                          {"reason", why == Condition::up ? std::string("not delivered")
                                                          : std::string(condition_label(why))},
                          {"expected", is_expected}});
        continue;
      }
      if (origin || reach) continue;
      // Unreachable when sent, delivered all the same: caught up once it returned. The
      // controller notes a restart only after the node answers, by which time it may already
      // have caught up, so the time after return is clamped at zero.
      const auto back = timeline_.return_time(rank, b.origin, b.time_us);
      if (!back) continue;
      const double after = delay_ms(*back, delivered_us);
      const bool via_catchup = r && r->via_catchup;
      caught_up.push_back({{"rank", rank},
                           {"delivery_ms", delay_ms(b.time_us, delivered_us)},
                           {"after_return_ms", after},
                           {"via", via_catchup ? "catchup" : "gossip"}});
      ++node.caught_up;
      node.max_catch_up_ms = std::max(node.max_catch_up_ms, after);
      ++tally_.caught_up;
      tally_.caught_up_via_catchup += via_catchup;
      tally_.catch_up_sum_ms += after;
      tally_.catch_up_max_ms = std::max(tally_.catch_up_max_ms, after);
    }

    const double coverage = expected ? static_cast<double>(delivered) / expected : 1.0;
    const double copies_per_node = expected > 1 ? static_cast<double>(copies) / (expected - 1) : 0;
    tally_.expected_pairs += expected;
    tally_.delivered_pairs += delivered;
    tally_.copies_sum += copies_per_node;
    tally_.last_delivery_ms = std::max(tally_.last_delivery_ms, last_ms);
    tally_.last_reachable_ms = std::max(tally_.last_reachable_ms, last_reachable_ms);
    tally_.hops_sum += hops_sum;
    tally_.hops_count += hops_count;
    tally_.max_hops = std::max(tally_.max_hops, max_hops);
    const std::uint64_t size = m.size.value_or(m.originate_bytes);
    return {{"id", to_string(b.id)},
            {"origin_rank", b.origin},
            {"group", m.group},
            {"time_ms", ms_since(start_us_, b.time_us)},
            {"size", size},
            {"members", members.size()},
            {"expected", expected},
            {"reachable_at_send", reachable},
            {"delivered", delivered},
            {"coverage", round_ratio(coverage)},
            {"payload_copies", copies},
            {"copies_per_node", round_ratio(copies_per_node)},
            {"duplicates", duplicates},
            {"mean_hops", round_ratio(hops_count ? static_cast<double>(hops_sum) / hops_count : 0)},
            {"max_hops", max_hops},
            {"last_delivery_ms", last_ms},
            {"last_reachable_delivery_ms", last_reachable_ms},
            {"missed", std::move(missed)},
            {"caught_up", std::move(caught_up)}};
  }

  json nodes_json() const {
    json nodes = json::array();
    const ClusterState& at_end = timeline_.at_end();
    for (std::size_t i = 0; i < n_; ++i) {
      const int rank = static_cast<int>(i + 1);
      const NodeFacts& nf = f_.nodes[i];
      const NodeTally& t = tally_.nodes[i];
      // Delivered at most once per message, the own broadcasts included.
      std::uint64_t delivered = t.origin_without_deliver;
      for (const auto& [id, m] : f_.messages) {
        const auto it = m.receipts.find(rank);
        if (it != m.receipts.end() && it->second.delivered_us) ++delivered;
      }
      nodes.push_back({{"rank", rank},
                       {"id", f_.header.nodes[i].id.hex()},
                       {"role", f_.header.nodes[i].role},
                       {"alive", at_end.alive(rank)},
                       {"condition_at_end", condition_label(at_end.condition(rank))},
                       {"reads", nf.reads},
                       {"writes", nf.writes},
                       {"delivered", delivered},
                       {"duplicates", nf.traffic.duplicates},
                       {"bytes_in", nf.traffic.bytes_in},
                       {"bytes_out", nf.traffic.bytes_out},
                       {"frames_in", nf.traffic.frames_in},
                       {"frames_out", nf.traffic.frames_out},
                       {"payload_bytes_out", nf.payload_bytes_out},
                       {"control_bytes_out", nf.control_bytes_out},
                       {"drops", nf.traffic.drop_total()},
                       {"timeouts", nf.timeouts},
                       {"expected", t.expected},
                       {"missed", t.missed},
                       {"expected_while_reachable", t.expected_while_reachable},
                       {"delivered_while_reachable", t.delivered_while_reachable},
                       {"caught_up", t.caught_up},
                       {"max_catch_up_ms", t.max_catch_up_ms}});
    }
    return nodes;
  }

  json peers_json() const {
    // Queue high-water marks from the last counters answer of each node, keyed like events.
    std::map<std::pair<int, NodeId>, std::pair<std::uint64_t, std::uint64_t>> high_water;
    for (const auto& [rank, answer] : f_.counters) {
      const auto peers = answer.find("peers");
      if (!answer.is_object() || peers == answer.end() || !peers->is_array()) continue;
      for (const auto& p : *peers) {
        const auto id = p.is_object() ? NodeId::from_hex(p.value("id", "")) : std::nullopt;
        if (!id) continue;
        high_water[{rank, *id}] = {counter(p, "queue_high_water_frames"),
                                   counter(p, "queue_high_water_bytes")};
      }
    }
    std::map<std::pair<int, NodeId>, Traffic> rows = f_.peers;
    for (const auto& [key, hw] : high_water) {
      if (hw.first > 0) rows.try_emplace(key);  // a queue that filled is worth a row
    }
    json out = json::array();
    for (const auto& [key, t] : rows) {
      const auto rank = f_.rank_of.find(key.second);
      json row = {{"rank", key.first},
                  {"peer_rank", rank == f_.rank_of.end() ? 0 : rank->second},
                  {"peer_id", key.second.hex()},
                  {"frames_out", t.frames_out},
                  {"bytes_out", t.bytes_out},
                  {"frames_in", t.frames_in},
                  {"bytes_in", t.bytes_in},
                  {"duplicates", t.duplicates},
                  {"drops", t.drop_total()},
                  {"drops_by_reason", drops_json(t)},
                  {"queue_high_water_frames", nullptr},
                  {"queue_high_water_bytes", nullptr}};
      if (const auto hw = high_water.find(key); hw != high_water.end()) {
        row["queue_high_water_frames"] = hw->second.first;
        row["queue_high_water_bytes"] = hw->second.second;
      }
      out.push_back(std::move(row));
    }
    return out;
  }

  json types_json() const {
    json out = json::array();
    for (const auto& [raw, t] : f_.types) {
      out.push_back({{"type", std::string(wire::type_name(static_cast<wire::MessageType>(raw)))},
                     {"frames_out", t.frames_out},
                     {"bytes_out", t.bytes_out},
                     {"frames_in", t.frames_in},
                     {"bytes_in", t.bytes_in},
                     {"duplicates", t.duplicates},
                     {"drops", t.drop_total()},
                     {"drops_by_reason", drops_json(t)}});
    }
    return out;
  }

  json faults_json() const {
    std::vector<const TimedNote*> ordered;
    for (const TimedNote& n : f_.faults) ordered.push_back(&n);
    std::stable_sort(ordered.begin(), ordered.end(), [](const TimedNote* a, const TimedNote* b) {
      return a->time_us < b->time_us;
    });
    json out = json::array();
    for (const TimedNote* n : ordered) {
      json row = n->note;
      row["time_ms"] = ms_since(start_us_, n->time_us);
      out.push_back(std::move(row));
    }
    return out;
  }

  json totals_json(std::size_t broadcasts) const {
    std::uint64_t reads = 0, writes = 0, payload = 0, control = 0, duplicates = 0, drops = 0;
    for (const NodeFacts& nf : f_.nodes) {
      reads += nf.reads;
      writes += nf.writes;
      payload += nf.payload_bytes_out;
      control += nf.control_bytes_out;
      duplicates += nf.traffic.duplicates;
      drops += nf.traffic.drop_total();
    }
    std::uint64_t reachable = 0, delivered_reachable = 0;
    for (const NodeTally& t : tally_.nodes) {
      reachable += t.expected_while_reachable;
      delivered_reachable += t.delivered_while_reachable;
    }
    const auto& t = tally_;
    return {{"reads", reads},
            {"writes", writes},
            {"coverage", round_ratio(t.expected_pairs
                                         ? static_cast<double>(t.delivered_pairs) / t.expected_pairs
                                         : 1.0)},
            {"payload_copies_per_node",
             round_ratio(broadcasts ? t.copies_sum / static_cast<double>(broadcasts) : 0)},
            {"control_bytes", control},
            {"payload_bytes", payload},
            {"last_delivery_ms", t.last_delivery_ms},
            {"last_reachable_delivery_ms", t.last_reachable_ms},
            {"broadcasts", broadcasts},
            {"expected_pairs", t.expected_pairs},
            {"delivered_pairs", t.delivered_pairs},
            {"expected_while_reachable", reachable},
            {"delivered_while_reachable", delivered_reachable},
            {"mean_hops",
             round_ratio(t.hops_count ? static_cast<double>(t.hops_sum) / t.hops_count : 0)},
            {"max_hops", t.max_hops},
            {"duplicates", duplicates},
            {"drops", drops}};
  }

  json catch_up_json() const {
    const auto& t = tally_;
    return {{"pairs", t.caught_up},
            {"via_catchup", t.caught_up_via_catchup},
            {"via_gossip", t.caught_up - t.caught_up_via_catchup},
            {"mean_after_return_ms", round_ms(t.caught_up ? t.catch_up_sum_ms / t.caught_up : 0)},
            {"max_after_return_ms", t.catch_up_max_ms}};
  }

  json events_json() const {
    json by_kind = json::object();
    for (std::size_t k = 0; k < f_.events_by_kind.size(); ++k) {
      by_kind[std::string(wire::event_kind_name(static_cast<wire::EventKind>(k)))] =
          f_.events_by_kind[k];
    }
    std::uint64_t missing = f_.seq_missing;
    for (const SeqRun& run : f_.seq_runs) missing += run.missing();
    return {{"total", f_.events},
            {"lost", f_.events_lost.value_or(0)},
            {"missing_seq", missing},
            {"end_noted", f_.end_us.has_value()},
            {"by_kind", std::move(by_kind)},
            {"notes", f_.notes},
            {"ignored_notes", f_.ignored_notes}};
  }

  const Facts& f_;
  std::size_t n_;
  ConditionTimeline timeline_;
  Micros start_us_;
  std::vector<NodeRunData> roles_;
  Tally tally_;
};

}  // namespace

json build_report(const Facts& facts) {
  return ReportMaker(facts).make();
}

}  // namespace rt::cluster::report_detail
