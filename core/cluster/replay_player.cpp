#include "cluster/replay_player.hpp"

#include <algorithm>

namespace rt::cluster {

std::unique_ptr<ReplayPlayer> ReplayPlayer::load(const std::filesystem::path& file,
                                                 std::string& error, std::size_t max_entries) {
  auto reader = RecordingReader::open(file, error);
  if (!reader) return nullptr;
  std::unique_ptr<ReplayPlayer> player(new ReplayPlayer());
  player->header_ = reader->header();
  if (player->header_.nodes.empty()) {
    error = file.string() + ": the recording names no nodes";
    return nullptr;
  }
  while (auto entry = reader->next(error)) {
    if (player->entries_.size() >= max_entries) {
      player->truncated_ = true;
      break;
    }
    player->entries_.push_back(std::move(*entry));
  }
  if (!error.empty()) return nullptr;
  player->prepare();
  return player;
}

std::unique_ptr<ReplayPlayer> ReplayPlayer::from_entries(RecordingHeader header,
                                                         std::vector<RecordingEntry> entries,
                                                         std::string& error) {
  if (header.nodes.empty()) {
    error = "the recording names no nodes";
    return nullptr;
  }
  std::unique_ptr<ReplayPlayer> player(new ReplayPlayer());
  player->header_ = std::move(header);
  player->entries_ = std::move(entries);
  if (player->entries_.size() > kDefaultMaxEntries) {
    player->entries_.resize(kDefaultMaxEntries);
    player->truncated_ = true;
  }
  player->prepare();
  return player;
}

void ReplayPlayer::prepare() {
  // The writer orders entries by time except past its buffer bound; the player needs one order.
  std::stable_sort(entries_.begin(), entries_.end(),
                   [](const RecordingEntry& a, const RecordingEntry& b) {
                     return entry_time(a) < entry_time(b);
                   });
  Micros first = header_.started_us, last = first;
  for (const RecordingEntry& entry : entries_) {
    const Micros t = entry_time(entry);
    if (t <= 0) continue;  // an event without a time says nothing about the span
    if (first == 0 || t < first) first = t;
    last = std::max(last, t);
  }
  for (std::size_t i = 0; i < header_.nodes.size(); ++i) {
    rank_of_.emplace(header_.nodes[i].id, static_cast<int>(i));
  }
  start_us_ = first;
  end_us_ = std::max(first, last);
  rewind();
}

ClusterInfo ReplayPlayer::cluster() const {
  ClusterInfo info;
  info.mode = header_.mode;
  for (const RecordedNode& n : header_.nodes) {
    NodeInfo node;
    node.rank = n.rank;
    node.id = n.id;
    node.role = n.role;
    info.nodes.push_back(std::move(node));
  }
  return info;
}

void ReplayPlayer::rewind() {
  next_ = 0;
  position_us_ = 0;
  const std::size_t n = header_.nodes.size();
  nodes_.assign(n, NodeState{});
  for (std::size_t i = 0; i < n; ++i) {
    NodeSample& s = nodes_[i].sample;
    s.rank = static_cast<int>(i) + 1;
    s.answering = s.process_alive = true;
    nodes_[i].peers.resize(n);
    for (std::size_t j = 0; j < n; ++j) nodes_[i].peers[j].peer = header_.nodes[j].id;
  }
  conditions_ = report_detail::ClusterState(n);
}

ReplayStep ReplayPlayer::advance_to(Micros position_us, bool with_samples) {
  position_us = std::clamp<Micros>(position_us, 0, duration_us());
  if (position_us < position_us_) rewind();
  ReplayStep step;
  const Micros until = start_us_ + position_us;
  while (next_ < entries_.size() && entry_time(entries_[next_]) <= until) {
    const RecordingEntry& entry = entries_[next_++];
    if (const auto* e = std::get_if<RecordedEvent>(&entry)) {
      apply(*e);
      step.events.push_back({e->rank, e->event});
    } else {
      const auto& note = std::get<RecordedNote>(entry);
      apply(note);
      step.notes.push_back(note);
    }
  }
  position_us_ = position_us;
  if (with_samples) step.samples = samples();
  return step;
}

void ReplayPlayer::apply(const RecordedEvent& e) {
  if (e.rank < 1 || e.rank > static_cast<int>(nodes_.size())) return;
  NodeState& node = nodes_[static_cast<std::size_t>(e.rank - 1)];
  const wire::EventRecord& r = e.event;
  // Events about a peer outside the recorded cluster count for the node only.
  const auto found = rank_of_.find(r.peer);
  PeerSample& peer = found == rank_of_.end() ? (scratch_ = PeerSample{})
                                             : node.peers[static_cast<std::size_t>(found->second)];
  NodeSample& s = node.sample;
  switch (r.kind) {
    case wire::EventKind::send:
      ++s.frames_out;
      ++peer.frames_out;
      s.bytes_out += r.bytes;
      peer.bytes_out += r.bytes;
      break;
    case wire::EventKind::receive:
      ++s.frames_in;
      ++peer.frames_in;
      s.bytes_in += r.bytes;
      peer.bytes_in += r.bytes;
      peer.last_heard_us = r.time_us;
      break;
    case wire::EventKind::duplicate:
      ++s.duplicates;
      ++peer.duplicates;
      break;
    case wire::EventKind::drop:
      ++s.drops;
      ++peer.drops;
      break;
    case wire::EventKind::deliver:
      ++s.delivered;
      break;
    case wire::EventKind::peer_up:
    case wire::EventKind::peer_down:
      peer.connected = r.kind == wire::EventKind::peer_up;
      break;
    default:
      break;
  }
}

void ReplayPlayer::apply(const RecordedNote& n) {
  conditions_.apply(n.note);
}

std::vector<NodeSample> ReplayPlayer::samples() const {
  std::vector<NodeSample> out;
  out.reserve(nodes_.size());
  const Micros now = start_us_ + position_us_;
  for (const NodeState& node : nodes_) {
    NodeSample s = node.sample;
    s.time_us = now;
    const int rank = s.rank;
    s.process_alive = !conditions_.killed[static_cast<std::size_t>(rank - 1)];
    s.stopped = conditions_.stopped[static_cast<std::size_t>(rank - 1)] != 0;
    s.answering = s.process_alive && !s.stopped;
    switch (conditions_.condition(rank)) {
      case report_detail::Condition::up:
        s.condition = NodeCondition::up;
        break;
      case report_detail::Condition::killed:
        s.condition = NodeCondition::killed;
        break;
      case report_detail::Condition::stopped:
        s.condition = NodeCondition::stopped;
        break;
      case report_detail::Condition::muted:
        s.condition = NodeCondition::muted;
        break;
      case report_detail::Condition::partitioned:
        s.condition = NodeCondition::partitioned;
        break;
    }
    // Like a live node's counters: the peers it is linked to or has exchanged frames with
    // (on a large cluster, a few dozen of hundreds).
    s.peers.clear();
    for (std::size_t j = 0; j < node.peers.size(); ++j) {
      const PeerSample& peer = node.peers[j];
      if (static_cast<int>(j) + 1 == rank) continue;
      const bool heard_of =
          peer.connected || peer.frames_in || peer.frames_out || peer.drops || peer.duplicates;
      if (!heard_of) continue;
      s.peers.push_back(peer);
    }
    s.peers_connected = static_cast<int>(std::count_if(
        s.peers.begin(), s.peers.end(), [](const PeerSample& p) { return p.connected; }));
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace rt::cluster
