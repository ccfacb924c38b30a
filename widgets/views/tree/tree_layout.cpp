#include "views/tree/tree_layout.hpp"

#include <QtMath>
#include <algorithm>
#include <functional>
#include <limits>
#include <set>

namespace rt::gui {

using telemetry::BroadcastRecord;
using telemetry::TraceEdge;

std::vector<QPointF> ringPositions(int nodes, double radius) {
  std::vector<QPointF> positions;
  positions.reserve(static_cast<std::size_t>(std::max(nodes, 0)));
  for (int i = 0; i < nodes; ++i) {
    const double angle = -M_PI / 2 + 2 * M_PI * i / std::max(nodes, 1);
    positions.emplace_back(radius * std::cos(angle), radius * std::sin(angle));
  }
  return positions;
}

double ringRadius(int nodes) {
  // About 46 scene units of arc per node, never a cramped small ring.
  return std::max(230.0, nodes * 46.0 / (2 * M_PI));
}

std::array<int, 2> firstLevelTargets(int nodes, int origin, bool pocket) {
  if (nodes < 3 || origin < 1) return {0, 0};
  int first = 0;
  int second = 0;
  if (pocket) {
    first = nodes / 3;
    second = 2 * nodes / 3;
  } else {
    first = (nodes + 2) / 3;
    second = first + (nodes - first + 1) / 2;
  }
  auto rotate = [&](int index) { return (origin - 1 + index) % nodes + 1; };
  return {rotate(first), rotate(second)};
}

std::vector<int> demoteCounts(const BroadcastRecord& broadcast) {
  std::vector<std::set<int>> levels(broadcast.nodes.size());
  for (const TraceEdge& edge : broadcast.edges) {
    if (edge.kind != telemetry::EdgeKind::tree || !edge.seen_sent()) continue;
    levels[static_cast<std::size_t>(edge.from - 1)].insert(edge.level);
  }
  std::vector<int> counts(levels.size(), 0);
  for (std::size_t i = 0; i < levels.size(); ++i) {
    counts[i] = std::max(0, static_cast<int>(levels[i].size()) - 1);
  }
  return counts;
}

namespace {

int guessOrigin(const BroadcastRecord& b) {
  if (b.origin > 0) return b.origin;
  for (std::size_t i = 0; i < b.nodes.size(); ++i) {
    if (b.nodes[i].delivered && b.nodes[i].hops == 0) return static_cast<int>(i) + 1;
  }
  Micros earliest = std::numeric_limits<Micros>::max();
  int origin = b.nodes.empty() ? 0 : 1;
  for (const TraceEdge& edge : b.edges) {
    if (telemetry::is_payload_kind(edge.kind) && edge.seen_sent() && edge.sent_us < earliest) {
      earliest = edge.sent_us;
      origin = edge.from;
    }
  }
  return origin;
}

}  // namespace

TreeLayout treeLayout(const BroadcastRecord& b, double row_height, double spacing) {
  const int n = static_cast<int>(b.nodes.size());
  TreeLayout out;
  out.positions.assign(static_cast<std::size_t>(n), QPointF());
  out.parent.assign(static_cast<std::size_t>(n), 0);
  out.row.assign(static_cast<std::size_t>(n), -1);
  if (n == 0) return out;
  out.origin = guessOrigin(b);

  // Parent: the sender of the first payload that arrived.
  std::vector<Micros> first(static_cast<std::size_t>(n), std::numeric_limits<Micros>::max());
  for (const TraceEdge& edge : b.edges) {
    if (!telemetry::is_payload_kind(edge.kind) || !edge.seen_received()) continue;
    if (edge.to == out.origin || edge.to == edge.from) continue;
    auto& best = first[static_cast<std::size_t>(edge.to - 1)];
    if (edge.received_us < best) {
      best = edge.received_us;
      out.parent[static_cast<std::size_t>(edge.to - 1)] = edge.from;
    }
  }

  // Row: the delivered hop count when known, else one below the parent.
  std::function<int(int, int)> depthOf = [&](int rank, int guard) -> int {
    const auto i = static_cast<std::size_t>(rank - 1);
    if (out.row[i] >= 0) return out.row[i];
    if (rank == out.origin) return out.row[i] = 0;
    if (b.nodes[i].delivered && b.nodes[i].hops > 0) return out.row[i] = b.nodes[i].hops;
    const int parent = out.parent[i];
    if (parent == 0 || guard > n) return -1;
    const int above = depthOf(parent, guard + 1);
    return above < 0 ? -1 : (out.row[i] = above + 1);
  };
  for (int rank = 1; rank <= n; ++rank) depthOf(rank, 0);

  std::vector<std::vector<int>> children(static_cast<std::size_t>(n));
  for (int rank = 1; rank <= n; ++rank) {
    const int parent = out.parent[static_cast<std::size_t>(rank - 1)];
    if (parent > 0 && out.row[static_cast<std::size_t>(rank - 1)] >= 0) {
      children[static_cast<std::size_t>(parent - 1)].push_back(rank);
    }
  }
  for (auto& list : children) {
    std::sort(list.begin(), list.end(), [&](int a, int c) {
      return first[static_cast<std::size_t>(a - 1)] < first[static_cast<std::size_t>(c - 1)];
    });
  }

  // Leaves take consecutive slots; a parent sits over the middle of its children.
  std::vector<double> slot(static_cast<std::size_t>(n), 0);
  std::vector<char> placed(static_cast<std::size_t>(n), 0);
  double next_slot = 0;
  std::function<void(int)> place = [&](int rank) {
    const auto i = static_cast<std::size_t>(rank - 1);
    placed[i] = 1;
    std::vector<double> xs;
    for (int child : children[i]) {
      if (placed[static_cast<std::size_t>(child - 1)]) continue;
      place(child);
      xs.push_back(slot[static_cast<std::size_t>(child - 1)]);
    }
    slot[i] = xs.empty() ? next_slot++ : (xs.front() + xs.back()) / 2;
  };
  place(out.origin);
  // Nodes reached through a sender whose own arrival was not seen.
  for (int rank = 1; rank <= n; ++rank) {
    const auto i = static_cast<std::size_t>(rank - 1);
    if (!placed[i] && out.row[i] >= 0) {
      int root = rank;
      for (int guard = 0; guard < n; ++guard) {
        const int parent = out.parent[static_cast<std::size_t>(root - 1)];
        if (parent == 0 || placed[static_cast<std::size_t>(parent - 1)]) break;
        root = parent;
      }
      place(root);
    }
  }

  int max_row = 0;
  for (int r : out.row) max_row = std::max(max_row, r);
  const double half = (next_slot - 1) / 2;
  std::vector<int> unreached;
  for (int rank = 1; rank <= n; ++rank) {
    const auto i = static_cast<std::size_t>(rank - 1);
    if (placed[i] && out.row[i] >= 0) {
      out.positions[i] = QPointF((slot[i] - half) * spacing, out.row[i] * row_height);
    } else {
      unreached.push_back(rank);
    }
  }
  out.row_labels.push_back(QStringLiteral("origin"));
  for (int r = 1; r <= max_row; ++r) out.row_labels.push_back(QStringLiteral("hop %1").arg(r));
  if (!unreached.empty()) {
    const int row = max_row + 1;
    const double start = -(static_cast<double>(unreached.size()) - 1) / 2;
    for (std::size_t k = 0; k < unreached.size(); ++k) {
      const auto i = static_cast<std::size_t>(unreached[k] - 1);
      out.row[i] = row;
      out.positions[i] = QPointF((start + static_cast<double>(k)) * spacing, row * row_height);
    }
    out.row_labels.push_back(QStringLiteral("not reached"));
  }
  return out;
}

}  // namespace rt::gui
