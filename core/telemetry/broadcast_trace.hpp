// The per-broadcast picture behind the studio's tree view: fed the cluster's event streams
// (rank, EventRecord), it groups them by broadcast id and knows, for each of the last N
// broadcasts, who started it, who delivered it (when, after how many hops), who missed it, and
// every frame between two nodes as an edge (a `send` matched to the receiver's `receive`).
// Bounded: old broadcasts are evicted, edges per broadcast are capped. Events may arrive out
// of order across nodes (each node's batch comes on its own); matching works in both orders.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "util/ids.hpp"
#include "wire/messages.hpp"

namespace rt::telemetry {

// What an edge was, as a view colours it.
enum class EdgeKind : std::uint8_t {
  gossip,      // random-gossip payload forward
  tree,        // RainTree branch; colour by level
  readjust,    // payload to a child of a target that did not acknowledge
  redundancy,  // payload around a suspected head
  cleanup,     // payload after an IGYM yes
  catchup,     // payload after a catch-up offer was wanted
  ack,
  igym_ask,       // cleanup chain question (direction 0 or 1)
  catchup_offer,  // IGYM direction 2
  igym_yes,
  igym_no,
  other,  // advert, request, artifact
};
inline constexpr std::size_t kEdgeKindCount = 12;
std::string_view edge_kind_name(EdgeKind kind);
// Frames that carry the broadcast's content.
bool is_payload_kind(EdgeKind kind);
EdgeKind classify_edge(wire::MessageType type, std::uint8_t detail);

struct TraceEdge {
  int from = 0;  // ranks, 1-based
  int to = 0;
  Micros sent_us = 0;      // 0 until the sender's `send` is seen
  Micros received_us = 0;  // 0 until the receiver's `receive` is seen
  wire::MessageType type = wire::MessageType::gossip;
  EdgeKind kind = EdgeKind::gossip;
  Level level = 0;
  std::uint8_t detail = 0;
  std::uint32_t bytes = 0;
  bool duplicate = false;  // the receiver already had the broadcast (payload edges)
  bool seen_sent() const { return sent_us != 0; }
  bool seen_received() const { return received_us != 0; }
  // The earliest time known for the edge: when it was sent, or else when it arrived.
  Micros time_us() const { return sent_us != 0 ? sent_us : received_us; }
};

struct TraceNode {
  bool delivered = false;
  Micros delivered_us = 0;
  int hops = -1;                     // from the deliver event; 0 at the originator
  std::uint32_t payload_copies = 0;  // payload frames received
  std::uint32_t duplicates = 0;      // of which were already known
};

struct BroadcastRecord {
  MessageId id;
  int origin = 0;            // rank; 0 until the originate event (or a first payload send) names it
  bool origin_seen = false;  // from the originate event itself
  Micros start_us = 0;       // originate time, or the earliest event seen
  Micros last_us = 0;        // latest event time seen
  std::vector<TraceNode> nodes;  // index rank - 1
  std::vector<TraceEdge> edges;  // in the order they were first seen; indices are stable
  std::uint64_t payload_copies = 0;
  std::uint64_t duplicates = 0;
  std::uint64_t drops = 0;
  std::uint64_t timeouts = 0;
  std::uint64_t edges_dropped = 0;  // over the per-broadcast bound
  int delivered_count = 0;

  const TraceNode& node(int rank) const { return nodes[static_cast<std::size_t>(rank - 1)]; }
  std::vector<int> missed() const;  // ranks without a delivery, ascending
  // Delivered nodes over all nodes in the table (a view with liveness divides by the live).
  double coverage() const;
  // Payload frames received over (nodes - 1), like the report's copies per node.
  double copies_per_node() const;
  // Latest delivery time among nodes that delivered (0 when none).
  Micros last_delivery_us() const;

 private:
  friend class BroadcastTrace;
  // Unmatched halves of edges, keyed by (from, to, type, level, detail), oldest first.
  std::unordered_map<std::uint64_t, std::deque<int>> waiting_receive_;
  std::unordered_map<std::uint64_t, std::deque<int>> waiting_send_;
};

// Names one edge of one broadcast; stays valid until the broadcast is evicted.
struct EdgeRef {
  MessageId broadcast;
  int index = 0;
  friend bool operator==(const EdgeRef&, const EdgeRef&) = default;
};

class BroadcastTrace {
 public:
  struct Options {
    std::size_t max_broadcasts = 64;
    std::size_t max_edges = 4096;  // per broadcast
  };

  // `ids_by_rank[r - 1]` is the id of rank r; peers outside the table are ignored.
  explicit BroadcastTrace(std::vector<NodeId> ids_by_rank, Options options);
  explicit BroadcastTrace(std::vector<NodeId> ids_by_rank)
      : BroadcastTrace(std::move(ids_by_rank), Options{}) {}

  // Takes one event recorded by `rank`. Returns the edge this event created, if any (a send,
  // or a receive whose send has not been seen); a receive that completes a known send
  // returns nothing.
  std::optional<EdgeRef> add(int rank, const wire::EventRecord& event);

  const BroadcastRecord* find(MessageId id) const;
  const TraceEdge* edge(const EdgeRef& ref) const;
  const BroadcastRecord* latest() const;  // most recently started
  // Oldest first, at most max_broadcasts.
  std::vector<MessageId> broadcast_ids() const;
  std::size_t size() const { return order_.size(); }
  int node_count() const { return static_cast<int>(ids_.size()); }
  int rank_of(const NodeId& id) const;  // 0 when unknown
  std::uint64_t evicted() const { return evicted_count_; }
  std::uint64_t ignored_events() const { return ignored_; }

 private:
  BroadcastRecord* record_for(MessageId id, Micros time_us);
  void evict_oldest();
  void add_send(BroadcastRecord& b, int from, int to, const wire::EventRecord& e,
                std::optional<EdgeRef>& created);
  void add_receive(BroadcastRecord& b, int from, int to, const wire::EventRecord& e,
                   std::optional<EdgeRef>& created);
  int push_edge(BroadcastRecord& b, TraceEdge edge);

  std::vector<NodeId> ids_;
  std::unordered_map<NodeId, int> rank_of_;
  Options options_;
  std::deque<std::unique_ptr<BroadcastRecord>> order_;  // by creation
  std::unordered_map<MessageId, BroadcastRecord*> by_id_;
  // Ids evicted recently: late events for them must not bring them back.
  std::deque<MessageId> evicted_order_;
  std::unordered_set<MessageId> evicted_ids_;
  std::uint64_t evicted_count_ = 0;
  std::uint64_t ignored_ = 0;
};

}  // namespace rt::telemetry
