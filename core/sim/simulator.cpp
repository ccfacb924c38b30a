#include "sim/simulator.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <queue>
#include <random>
#include <stdexcept>

#include "wire/codec.hpp"

namespace rt::sim {
namespace {

std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

struct Event {
  Micros at = 0;
  std::uint64_t seq = 0;
  std::uint64_t timer = 0;  // timer id, for timer events
  std::uint32_t node = 0;   // index of the node the event happens at
  std::uint32_t from = 0;   // sender index, for message events
  std::uint32_t slot = 0;   // in-flight message slot, for message events
  bool is_timer = false;
};

struct Later {
  bool operator()(const Event& a, const Event& b) const {
    return a.at != b.at ? a.at > b.at : a.seq > b.seq;
  }
};

struct InFlight {
  wire::Message message;
  std::uint32_t size = 0;
  bool payload = false;
};

class Simulator {
 public:
  explicit Simulator(const SimConfig& config);
  SimResult run();

 private:
  struct Node {
    std::unique_ptr<protocol::Engine> engine;
    Micros uplink_free = 0;
    Micros stopped_until = 0;
    std::uint64_t bytes_in = 0;
    std::uint64_t bytes_out = 0;
    bool alive = true;
  };

  void validate() const;
  void build_nodes();
  void run_broadcast(int index, telemetry::ReportBuilder& builder);
  void dispatch(const Event& event);
  void apply(std::uint32_t node, Micros now);
  void push(Event event);
  std::uint32_t store(wire::Message message, std::uint32_t size, bool payload);
  void trace(std::uint32_t node, wire::EventKind kind, wire::MessageType type,
             const wire::EventFields& fields, const NodeId& peer, std::uint64_t bytes);

  const SimConfig& config_;
  protocol::MembershipPtr membership_;
  std::vector<Node> nodes_;
  std::vector<int> dead_ranks_;
  std::mt19937_64 rng_;
  std::uniform_real_distribution<double> loss_{0.0, 1.0};
  std::priority_queue<Event, std::vector<Event>, Later> queue_;
  std::uint64_t next_seq_ = 0;
  std::vector<InFlight> slots_;
  std::vector<std::uint32_t> free_slots_;
  protocol::Actions actions_;
  // The broadcast in progress.
  std::vector<telemetry::NodeOutcome> outcomes_;
  std::vector<std::uint8_t> has_copy_;
  Micros now_ = 0;
  Micros broadcast_start_ = 0;
  std::uint64_t events_ = 0;
  bool cut_off_ = false;
};

Simulator::Simulator(const SimConfig& config) : config_(config), rng_(config.seed) {
  validate();
  dead_ranks_ = config.dead_ranks;
  if (dead_ranks_.empty() && config.dead_fraction > 0) {
    dead_ranks_ =
        pick_dead_ranks(config.nodes, config.dead_fraction, config.origin_rank, config.seed);
  }
  std::sort(dead_ranks_.begin(), dead_ranks_.end());
  dead_ranks_.erase(std::unique(dead_ranks_.begin(), dead_ranks_.end()), dead_ranks_.end());
  build_nodes();
}

void Simulator::validate() const {
  const SimConfig& c = config_;
  auto fail = [](const std::string& why) { throw std::invalid_argument(why); };
  if (c.nodes < 1) fail("--nodes must be at least 1");
  if (c.origin_rank < 1 || c.origin_rank > c.nodes) {
    fail("--origin " + std::to_string(c.origin_rank) + " is not a rank in 1.." +
         std::to_string(c.nodes));
  }
  if (!(c.dead_fraction >= 0 && c.dead_fraction < 1)) fail("--dead-fraction must be in [0, 1)");
  for (const auto* ranks : {&c.dead_ranks, &c.stopped_ranks}) {
    for (int rank : *ranks) {
      if (rank < 1 || rank > c.nodes) {
        fail("rank " + std::to_string(rank) + " is not in 1.." + std::to_string(c.nodes));
      }
      if (rank == c.origin_rank)
        fail("the origin (rank " + std::to_string(rank) + ") must be alive and responsive");
    }
  }
  if (c.broadcasts < 1) fail("--broadcasts must be at least 1");
  if (c.payload_size > wire::kDefaultMaxBodySize / 2) fail("--size is larger than a frame allows");
  if (!c.roles.empty() && c.roles.size() != static_cast<std::size_t>(c.nodes)) {
    fail("roles must name one role per node");
  }
  if (!c.factory && !protocol::is_known_mode(c.mode)) fail("unknown mode '" + c.mode + "'");
  if (c.latency.bytes_per_us <= 0 || c.latency.base_us < 0 || c.latency.jitter_us < 0 ||
      !(c.latency.loss_rate >= 0 && c.latency.loss_rate < 1)) {
    fail("latency model needs a positive bandwidth, non-negative delays and a loss in [0, 1)");
  }
}

void Simulator::build_nodes() {
  const std::vector<NodeId> ids = make_node_ids(config_.nodes, config_.seed);
  std::vector<protocol::Member> members(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) {
    members[i].id = ids[i];
    if (!config_.roles.empty()) members[i].role = config_.roles[i];
    members[i].port = static_cast<std::uint16_t>(40000 + i % 20000);
  }
  membership_ = std::make_shared<const protocol::Membership>(std::move(members));
  nodes_.resize(ids.size());
  std::uint64_t seeds = config_.seed ^ 0x5eedULL;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    protocol::EngineConfig engine = config_.engine;
    engine.self = ids[i];
    engine.membership = membership_;
    engine.seed = splitmix64(seeds);
    nodes_[i].engine =
        config_.factory ? config_.factory(engine) : protocol::make_engine(config_.mode, engine);
    if (!nodes_[i].engine) {
      throw std::invalid_argument("mode '" + config_.mode + "' has no engine in this build");
    }
  }
  for (int rank : dead_ranks_) nodes_[rank - 1].alive = false;
  if (config_.progress) {
    config_.progress(std::to_string(nodes_.size()) + " " + config_.mode + " nodes ready, " +
                     std::to_string(dead_ranks_.size()) + " dead");
  }
}

std::uint32_t Simulator::store(wire::Message message, std::uint32_t size, bool payload) {
  if (free_slots_.empty()) {
    slots_.push_back({std::move(message), size, payload});
    return static_cast<std::uint32_t>(slots_.size() - 1);
  }
  const std::uint32_t slot = free_slots_.back();
  free_slots_.pop_back();
  slots_[slot] = {std::move(message), size, payload};
  return slot;
}

void Simulator::trace(std::uint32_t node, wire::EventKind kind, wire::MessageType type,
                      const wire::EventFields& fields, const NodeId& peer, std::uint64_t bytes) {
  if (!config_.trace) return;
  wire::EventRecord record;
  record.time_us = now_;
  record.kind = kind;
  record.msg_type = type;
  record.msg_id = fields.id;
  record.peer = peer;
  record.level = fields.level;
  record.detail = fields.detail;
  record.bytes = static_cast<std::uint32_t>(std::min<std::uint64_t>(bytes, UINT32_MAX));
  config_.trace(static_cast<int>(node) + 1, record);
}

void Simulator::push(Event event) {
  event.seq = next_seq_++;
  queue_.push(event);
}

// Turns one node's actions into counted sends, deliveries and timers.
void Simulator::apply(std::uint32_t node, Micros now) {
  Node& self = nodes_[node];
  telemetry::NodeOutcome& outcome = outcomes_[node];
  for (protocol::Action& action : actions_) {
    if (auto* send = std::get_if<protocol::Send>(&action)) {
      const int rank = membership_->rank_of(send->to);
      if (rank == 0) continue;  // not in the address book: a transport would refuse it too
      const auto size = static_cast<std::uint32_t>(wire::frame_size(send->message));
      const bool payload = wire::is_payload_type(wire::type_of(send->message));
      if (payload) {
        if (wire::starts_payload_copy(send->message)) ++outcome.writes;
        outcome.payload_bytes_out += size;
      } else {
        outcome.control_bytes_out += size;
      }
      self.bytes_out += size;
      trace(node, wire::EventKind::send, wire::type_of(send->message),
            wire::event_fields(send->message), send->to, size);
      const Micros leave = std::max(now, self.uplink_free) +
                           static_cast<Micros>(std::ceil(size / config_.latency.bytes_per_us));
      self.uplink_free = leave;
      const Micros jitter = config_.latency.jitter_us
                                ? static_cast<Micros>(rng_() % static_cast<std::uint64_t>(
                                                                   config_.latency.jitter_us + 1))
                                : 0;
      const auto to = static_cast<std::uint32_t>(rank - 1);
      if (!nodes_[to].alive) continue;  // lost: dead nodes never receive
      if (config_.latency.loss_rate > 0 && loss_(rng_) < config_.latency.loss_rate) continue;
      Event event;
      event.at = leave + config_.latency.base_us + jitter;
      event.node = to;
      event.from = node;
      event.slot = store(std::move(send->message), size, payload);
      push(event);
    } else if (const auto* deliver = std::get_if<protocol::Deliver>(&action)) {
      trace(node, wire::EventKind::deliver, wire::MessageType::gossip,
            {deliver->id, 0, static_cast<std::uint8_t>(std::min(deliver->hops, 255))}, NodeId{},
            deliver->payload ? deliver->payload->size() : 0);
      if (!outcome.delivery_ms) {
        outcome.delivery_ms = static_cast<double>(now - broadcast_start_) / 1000.0;
        outcome.hops = deliver->hops;
      }
    } else if (const auto* timer = std::get_if<protocol::SetTimer>(&action)) {
      Event event;
      event.at = std::max(timer->at, now);
      event.node = node;
      event.timer = timer->timer_id;
      event.is_timer = true;
      push(event);
    } else if (const auto* observe = std::get_if<protocol::Observe>(&action)) {
      // The report counts duplicates from the frames; the trace shows what the node saw.
      trace(node, observe->kind, observe->type, {observe->id, observe->level, observe->detail},
            observe->peer, 0);
    }
  }
  actions_.clear();
}

void Simulator::dispatch(const Event& event) {
  Node& node = nodes_[event.node];
  if (node.stopped_until > event.at) {
    // A stopped process: the kernel keeps the bytes, the process sees them when it resumes.
    Event later = event;
    later.at = node.stopped_until;
    push(later);
    return;
  }
  ++events_;
  now_ = event.at;
  if (event.is_timer) {
    node.engine->on_timer(now_, event.timer, actions_);
    apply(event.node, now_);
    return;
  }
  InFlight& flight = slots_[event.slot];
  node.bytes_in += flight.size;
  telemetry::NodeOutcome& outcome = outcomes_[event.node];
  if (flight.payload && wire::starts_payload_copy(flight.message)) {
    ++outcome.reads;
    if (has_copy_[event.node]) ++outcome.duplicates;
    has_copy_[event.node] = 1;
  }
  const wire::Message message = std::move(flight.message);
  free_slots_.push_back(event.slot);
  trace(event.node, wire::EventKind::receive, wire::type_of(message), wire::event_fields(message),
        membership_->members()[event.from].id, flight.size);
  node.engine->on_message(now_, membership_->members()[event.from].id, message, actions_);
  apply(event.node, now_);
}

void Simulator::run_broadcast(int index, telemetry::ReportBuilder& builder) {
  const auto origin = static_cast<std::uint32_t>(config_.origin_rank - 1);
  outcomes_.assign(nodes_.size(), telemetry::NodeOutcome{});
  has_copy_.assign(nodes_.size(), 0);
  has_copy_[origin] = 1;
  broadcast_start_ = now_;

  std::uint64_t id_state = config_.seed * 0x100000001b3ULL + static_cast<std::uint64_t>(index);
  protocol::BroadcastRequest request;
  request.id = MessageId{splitmix64(id_state)};
  request.group = config_.group;
  auto payload = std::make_shared<wire::Bytes>(config_.payload_size);
  for (std::size_t i = 0; i < payload->size(); ++i) payload->at(i) = static_cast<std::uint8_t>(i);
  request.payload = std::move(payload);

  trace(origin, wire::EventKind::originate, wire::MessageType::gossip, {request.id, 0, 0}, NodeId{},
        config_.payload_size);
  nodes_[origin].engine->broadcast(now_, request, actions_);
  apply(origin, now_);
  const Micros limit = broadcast_start_ + config_.broadcast_time_limit_us;
  while (!queue_.empty()) {
    const Event event = queue_.top();
    if (event.at > limit) {
      cut_off_ = true;
      queue_ = {};
      break;
    }
    queue_.pop();
    dispatch(event);
  }

  std::vector<int> members;
  if (config_.group != "all") {
    for (const NodeId& id : membership_->group(config_.group)) {
      members.push_back(membership_->rank_of(id));
    }
    if (members.empty()) members.push_back(0);  // an empty group: nobody is counted
  }
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    if (!outcomes_[i].delivery_ms) {
      outcomes_[i].missed_reason = nodes_[i].alive ? "not reached" : "dead";
    }
  }
  builder.add_broadcast(request.id, config_.origin_rank, config_.group, outcomes_, members);
  now_ += config_.gap_us;
}

SimResult Simulator::run() {
  std::vector<telemetry::ReportNode> rows(nodes_.size());
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    rows[i].rank = static_cast<int>(i + 1);
    rows[i].id = membership_->members()[i].id;
    rows[i].role = membership_->members()[i].role;
    rows[i].alive = nodes_[i].alive;
  }
  telemetry::ReportBuilder builder(config_.mode, std::move(rows));
  for (int rank : config_.stopped_ranks) nodes_[rank - 1].stopped_until = config_.stop_us;
  for (int b = 0; b < config_.broadcasts; ++b) {
    run_broadcast(b, builder);
    if (config_.progress) {
      config_.progress("broadcast " + std::to_string(b + 1) + "/" +
                       std::to_string(config_.broadcasts) + " done at virtual " +
                       std::to_string(now_ / 1000) + " ms, " + std::to_string(events_) + " events");
    }
  }
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    builder.set_wire_bytes(static_cast<int>(i + 1), nodes_[i].bytes_in, nodes_[i].bytes_out);
  }
  SimResult result;
  result.report = builder.build();
  result.dead_ranks = dead_ranks_;
  result.events = events_;
  result.virtual_end_us = now_;
  result.cut_off = cut_off_;
  return result;
}

}  // namespace

SimResult run_simulation(const SimConfig& config) {
  return Simulator(config).run();
}

std::vector<NodeId> make_node_ids(int count, std::uint64_t seed) {
  std::vector<NodeId> ids;
  ids.reserve(static_cast<std::size_t>(std::max(count, 0)));
  std::uint64_t state = seed;
  for (int i = 0; i < count; ++i) {
    NodeId::Bytes bytes{};
    // 24 seeded random bytes, then the index: unique even if the random part collides.
    for (int word = 0; word < 3; ++word) {
      const std::uint64_t r = splitmix64(state);
      for (int b = 0; b < 8; ++b)
        bytes[word * 8 + b] = static_cast<std::uint8_t>(r >> (56 - 8 * b));
    }
    for (int b = 0; b < 8; ++b) {
      bytes[24 + b] = static_cast<std::uint8_t>(static_cast<std::uint64_t>(i) >> (56 - 8 * b));
    }
    ids.emplace_back(bytes);
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::vector<int> pick_dead_ranks(int nodes, double fraction, int origin_rank, std::uint64_t seed) {
  std::vector<int> candidates;
  for (int rank = 1; rank <= nodes; ++rank) {
    if (rank != origin_rank) candidates.push_back(rank);
  }
  const auto wanted = std::min<std::size_t>(
      candidates.size(), static_cast<std::size_t>(std::floor(fraction * nodes + 1e-9)));
  std::uint64_t state = seed ^ 0xdeadULL;
  // Partial Fisher-Yates: the first `wanted` entries become a uniform seeded sample.
  for (std::size_t i = 0; i < wanted; ++i) {
    const std::size_t j = i + splitmix64(state) % (candidates.size() - i);
    std::swap(candidates[i], candidates[j]);
  }
  candidates.resize(wanted);
  std::sort(candidates.begin(), candidates.end());
  return candidates;
}

}  // namespace rt::sim
