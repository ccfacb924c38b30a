#include "telemetry/broadcast_trace.hpp"

#include <algorithm>

namespace rt::telemetry {

namespace {

// Both halves of an edge describe the same frame, so they agree on all of these.
std::uint64_t match_key(int from, int to, const wire::EventRecord& e) {
  return (static_cast<std::uint64_t>(static_cast<std::uint16_t>(from)) << 40) |
         (static_cast<std::uint64_t>(static_cast<std::uint16_t>(to)) << 24) |
         (static_cast<std::uint64_t>(e.msg_type) << 16) |
         (static_cast<std::uint64_t>(e.level) << 8) | e.detail;
}

bool is_broadcast_frame(wire::MessageType type) {
  switch (type) {
    case wire::MessageType::gossip:
    case wire::MessageType::ack:
    case wire::MessageType::igym:
    case wire::MessageType::igym_reply:
    case wire::MessageType::advert:
    case wire::MessageType::request:
    case wire::MessageType::artifact:
      return true;
    default:
      return false;
  }
}

int pop_front(std::unordered_map<std::uint64_t, std::deque<int>>& waiting, std::uint64_t key) {
  auto it = waiting.find(key);
  if (it == waiting.end()) return -1;
  const int index = it->second.front();
  it->second.pop_front();
  if (it->second.empty()) waiting.erase(it);
  return index;
}

}  // namespace

std::string_view edge_kind_name(EdgeKind kind) {
  switch (kind) {
    case EdgeKind::gossip:
      return "gossip";
    case EdgeKind::tree:
      return "tree";
    case EdgeKind::readjust:
      return "readjust";
    case EdgeKind::redundancy:
      return "redundancy";
    case EdgeKind::cleanup:
      return "cleanup";
    case EdgeKind::catchup:
      return "catchup";
    case EdgeKind::ack:
      return "ack";
    case EdgeKind::igym_ask:
      return "igym";
    case EdgeKind::catchup_offer:
      return "catchup-offer";
    case EdgeKind::igym_yes:
      return "igym-yes";
    case EdgeKind::igym_no:
      return "igym-no";
    case EdgeKind::other:
      return "other";
  }
  return "other";
}

bool is_payload_kind(EdgeKind kind) {
  return kind <= EdgeKind::catchup;
}

EdgeKind classify_edge(wire::MessageType type, std::uint8_t detail) {
  switch (type) {
    case wire::MessageType::gossip:
      switch (static_cast<wire::GossipKind>(detail)) {
        case wire::GossipKind::random:
          return EdgeKind::gossip;
        case wire::GossipKind::tree:
          return EdgeKind::tree;
        case wire::GossipKind::readjust:
          return EdgeKind::readjust;
        case wire::GossipKind::redundancy:
          return EdgeKind::redundancy;
        case wire::GossipKind::cleanup:
          return EdgeKind::cleanup;
        case wire::GossipKind::catchup:
          return EdgeKind::catchup;
      }
      return EdgeKind::gossip;
    case wire::MessageType::artifact:
      return EdgeKind::gossip;
    case wire::MessageType::ack:
      return EdgeKind::ack;
    case wire::MessageType::igym:
      return detail == wire::kIgymCatchUpOffer ? EdgeKind::catchup_offer : EdgeKind::igym_ask;
    case wire::MessageType::igym_reply:
      return detail == 1 ? EdgeKind::igym_yes : EdgeKind::igym_no;
    default:
      return EdgeKind::other;
  }
}

// ---- BroadcastRecord ----------------------------------------------------------------------

std::vector<int> BroadcastRecord::missed() const {
  std::vector<int> ranks;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    if (!nodes[i].delivered) ranks.push_back(static_cast<int>(i) + 1);
  }
  return ranks;
}

double BroadcastRecord::coverage() const {
  return nodes.empty() ? 0.0 : static_cast<double>(delivered_count) / nodes.size();
}

double BroadcastRecord::copies_per_node() const {
  return nodes.size() > 1 ? static_cast<double>(payload_copies) / (nodes.size() - 1) : 0.0;
}

Micros BroadcastRecord::last_delivery_us() const {
  Micros last = 0;
  for (const TraceNode& node : nodes) {
    if (node.delivered) last = std::max(last, node.delivered_us);
  }
  return last;
}

// ---- BroadcastTrace -----------------------------------------------------------------------

BroadcastTrace::BroadcastTrace(std::vector<NodeId> ids_by_rank, Options options)
    : ids_(std::move(ids_by_rank)), options_(options) {
  options_.max_broadcasts = std::max<std::size_t>(options_.max_broadcasts, 1);
  for (std::size_t i = 0; i < ids_.size(); ++i) rank_of_[ids_[i]] = static_cast<int>(i) + 1;
}

int BroadcastTrace::rank_of(const NodeId& id) const {
  auto it = rank_of_.find(id);
  return it == rank_of_.end() ? 0 : it->second;
}

const BroadcastRecord* BroadcastTrace::find(MessageId id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : it->second;
}

const TraceEdge* BroadcastTrace::edge(const EdgeRef& ref) const {
  const BroadcastRecord* b = find(ref.broadcast);
  if (!b || ref.index < 0 || static_cast<std::size_t>(ref.index) >= b->edges.size()) {
    return nullptr;
  }
  return &b->edges[static_cast<std::size_t>(ref.index)];
}

const BroadcastRecord* BroadcastTrace::latest() const {
  return order_.empty() ? nullptr : order_.back().get();
}

std::vector<MessageId> BroadcastTrace::broadcast_ids() const {
  std::vector<MessageId> ids;
  ids.reserve(order_.size());
  for (const auto& b : order_) ids.push_back(b->id);
  return ids;
}

void BroadcastTrace::evict_oldest() {
  const MessageId id = order_.front()->id;
  by_id_.erase(id);
  order_.pop_front();
  ++evicted_count_;
  evicted_order_.push_back(id);
  evicted_ids_.insert(id);
  // Remembering four times as many ids as are kept covers stragglers without growing.
  while (evicted_order_.size() > 4 * options_.max_broadcasts) {
    evicted_ids_.erase(evicted_order_.front());
    evicted_order_.pop_front();
  }
}

BroadcastRecord* BroadcastTrace::record_for(MessageId id, Micros time_us) {
  if (auto it = by_id_.find(id); it != by_id_.end()) return it->second;
  if (evicted_ids_.count(id)) return nullptr;
  if (order_.size() >= options_.max_broadcasts) evict_oldest();
  auto record = std::make_unique<BroadcastRecord>();
  record->id = id;
  record->start_us = time_us;
  record->last_us = time_us;
  record->nodes.resize(ids_.size());
  BroadcastRecord* raw = record.get();
  order_.push_back(std::move(record));
  by_id_[id] = raw;
  return raw;
}

int BroadcastTrace::push_edge(BroadcastRecord& b, TraceEdge edge) {
  if (b.edges.size() >= options_.max_edges) {
    ++b.edges_dropped;
    return -1;
  }
  b.edges.push_back(edge);
  return static_cast<int>(b.edges.size()) - 1;
}

std::optional<EdgeRef> BroadcastTrace::add(int rank, const wire::EventRecord& e) {
  if (rank < 1 || rank > node_count() || e.msg_id.value == 0) {
    ++ignored_;
    return std::nullopt;
  }
  const bool about_frame = e.kind == wire::EventKind::send || e.kind == wire::EventKind::receive ||
                           e.kind == wire::EventKind::duplicate || e.kind == wire::EventKind::drop;
  if (about_frame && !is_broadcast_frame(e.msg_type)) {
    ++ignored_;
    return std::nullopt;
  }
  const int peer = e.peer.is_zero() ? 0 : rank_of(e.peer);
  if (about_frame && peer == 0) {
    ++ignored_;
    return std::nullopt;
  }
  BroadcastRecord* b = record_for(e.msg_id, e.time_us);
  if (!b) {
    ++ignored_;
    return std::nullopt;
  }
  if (e.time_us != 0) {
    if (!b->origin_seen) b->start_us = std::min(b->start_us, e.time_us);
    b->last_us = std::max(b->last_us, e.time_us);
  }
  TraceNode& node = b->nodes[static_cast<std::size_t>(rank - 1)];
  std::optional<EdgeRef> created;
  switch (e.kind) {
    case wire::EventKind::originate:
      b->origin = rank;
      b->origin_seen = true;
      b->start_us = e.time_us;
      break;
    case wire::EventKind::deliver:
      if (!node.delivered) {
        node.delivered = true;
        node.delivered_us = e.time_us;
        node.hops = e.detail;
        ++b->delivered_count;
      }
      if (e.detail == 0 && b->origin == 0) b->origin = rank;
      break;
    case wire::EventKind::send:
      add_send(*b, rank, peer, e, created);
      break;
    case wire::EventKind::receive:
      add_receive(*b, peer, rank, e, created);
      break;
    case wire::EventKind::duplicate:
      ++node.duplicates;
      ++b->duplicates;
      // The copy that was a duplicate is the latest payload this node received from the peer.
      for (auto it = b->edges.rbegin(); it != b->edges.rend(); ++it) {
        if (it->to == rank && it->from == peer && it->seen_received() &&
            is_payload_kind(it->kind)) {
          it->duplicate = true;
          break;
        }
      }
      break;
    case wire::EventKind::drop:
      ++b->drops;
      break;
    case wire::EventKind::timeout:
      ++b->timeouts;
      break;
    case wire::EventKind::peer_up:
    case wire::EventKind::peer_down:
      break;
  }
  return created;
}

void BroadcastTrace::add_send(BroadcastRecord& b, int from, int to, const wire::EventRecord& e,
                              std::optional<EdgeRef>& created) {
  const std::uint64_t key = match_key(from, to, e);
  if (const int index = pop_front(b.waiting_send_, key); index >= 0) {
    b.edges[static_cast<std::size_t>(index)].sent_us = e.time_us;
    return;
  }
  TraceEdge edge;
  edge.from = from;
  edge.to = to;
  edge.sent_us = e.time_us;
  edge.type = e.msg_type;
  edge.kind = classify_edge(e.msg_type, e.detail);
  edge.level = e.level;
  edge.detail = e.detail;
  edge.bytes = e.bytes;
  const int index = push_edge(b, edge);
  if (index < 0) return;
  b.waiting_receive_[key].push_back(index);
  created = EdgeRef{b.id, index};
}

void BroadcastTrace::add_receive(BroadcastRecord& b, int from, int to, const wire::EventRecord& e,
                                 std::optional<EdgeRef>& created) {
  const EdgeKind kind = classify_edge(e.msg_type, e.detail);
  if (is_payload_kind(kind)) {
    ++b.payload_copies;
    ++b.nodes[static_cast<std::size_t>(to - 1)].payload_copies;
  }
  const std::uint64_t key = match_key(from, to, e);
  if (const int index = pop_front(b.waiting_receive_, key); index >= 0) {
    b.edges[static_cast<std::size_t>(index)].received_us = e.time_us;
    return;
  }
  // The receiver's stream came first: the sender's half completes it later.
  TraceEdge edge;
  edge.from = from;
  edge.to = to;
  edge.received_us = e.time_us;
  edge.type = e.msg_type;
  edge.kind = kind;
  edge.level = e.level;
  edge.detail = e.detail;
  edge.bytes = e.bytes;
  const int index = push_edge(b, edge);
  if (index < 0) return;
  b.waiting_send_[key].push_back(index);
  created = EdgeRef{b.id, index};
}

}  // namespace rt::telemetry
