// Plays a recording (cluster/recording.hpp) back as if a cluster were running: the studio's
// replay mode drives the same views and plots from it as from a ClusterMonitor. The player
// loads the whole file once (bounded), and a playhead moves over it: each advance hands out the
// events and notes it passed and every node's counters as of the new position, rebuilt from the
// events (bytes and frames per peer, deliveries, duplicates, drops) and from the fault notes
// (killed, stopped, muted, partitioned). Seeking back rewinds and plays forward again, which is
// fast: nothing here sleeps or reads a clock; time is a parameter.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "cluster/cluster_info.hpp"
#include "cluster/event_report_conditions.hpp"
#include "cluster/monitor.hpp"
#include "cluster/recording.hpp"

namespace rt::cluster {

struct ReplayStep {
  std::vector<RankedEvent> events;  // passed by this advance, in recording order
  std::vector<RecordedNote> notes;  // likewise (broadcasts, faults, counters)
  std::vector<NodeSample> samples;  // every node as of the new position, by rank (if asked)
};

class ReplayPlayer {
 public:
  // Recordings longer than this are cut there (and truncated() says so): ~80 bytes an entry.
  static constexpr std::size_t kDefaultMaxEntries = 4'000'000;

  static std::unique_ptr<ReplayPlayer> load(const std::filesystem::path& file, std::string& error,
                                            std::size_t max_entries = kDefaultMaxEntries);
  // A recording made in memory (e.g. from a simulation); entries in any order. Null, with a
  // reason, when the header names no nodes.
  static std::unique_ptr<ReplayPlayer> from_entries(RecordingHeader header,
                                                    std::vector<RecordingEntry> entries,
                                                    std::string& error);

  const RecordingHeader& header() const { return header_; }
  // The cluster as the recording describes it: ranks, ids, roles, mode; no processes.
  ClusterInfo cluster() const;
  Micros duration_us() const { return end_us_ - start_us_; }
  Micros position_us() const { return position_us_; }  // 0 .. duration_us()
  bool at_end() const { return next_ == entries_.size(); }
  std::size_t entry_count() const { return entries_.size(); }
  bool truncated() const { return truncated_; }

  // Moves the playhead forward to `position_us` (clamped to the duration); a position behind
  // the playhead rewinds first. Returns what was passed since the previous position, and every
  // node's counters when `with_samples` (they cost O(nodes x peers) to copy).
  ReplayStep advance_to(Micros position_us, bool with_samples = true);
  void rewind();

 private:
  ReplayPlayer() = default;
  // Orders the entries and sets the span and the rank lookup; the playhead at the start.
  void prepare();
  struct NodeState {
    NodeSample sample;
    std::vector<PeerSample> peers;  // by peer rank - 1
  };
  void apply(const RecordedEvent& e);
  void apply(const RecordedNote& n);
  std::vector<NodeSample> samples() const;

  RecordingHeader header_;
  std::vector<RecordingEntry> entries_;
  Micros start_us_ = 0, end_us_ = 0;
  bool truncated_ = false;
  std::size_t next_ = 0;
  Micros position_us_ = 0;
  std::vector<NodeState> nodes_;
  std::unordered_map<NodeId, int> rank_of_;  // index into nodes_ / NodeState::peers
  PeerSample scratch_;                       // what events about unknown peers count into
  report_detail::ClusterState conditions_;
};

}  // namespace rt::cluster
