// Where the tree view puts nodes. Pure geometry over a broadcast's trace: a ring in rank order
// (with the originator's first-level thirds), or a tree with the originator on top and one row
// per hop, each node under the node whose payload reached it first.
#pragma once

#include <QPointF>
#include <QString>
#include <array>
#include <vector>

#include "telemetry/broadcast_trace.hpp"

namespace rt::gui {

// Rank r at index r - 1; rank 1 at the top, clockwise.
std::vector<QPointF> ringPositions(int nodes, double radius);
double ringRadius(int nodes);

// The ranks the originator's first pair goes to: the heads of the second and third parts of
// the sorted list rotated to the originator (`raintree`: exact partition, ceil thirds;
// `pocket`: floor(N/3) and floor(2N/3)).
std::array<int, 2> firstLevelTargets(int nodes, int origin, bool pocket);

// Distinct RainTree levels each rank sent tree copies at, minus one: how many times it
// demoted to itself (index rank - 1).
std::vector<int> demoteCounts(const telemetry::BroadcastRecord& broadcast);

struct TreeLayout {
  std::vector<QPointF> positions;  // index rank - 1
  std::vector<int> parent;         // rank that reached it first; 0 for the root or unreached
  std::vector<int> row;            // 0 = originator; unreached nodes share the last row
  std::vector<QString> row_labels;
  int origin = 0;
};
TreeLayout treeLayout(const telemetry::BroadcastRecord& broadcast, double row_height,
                      double spacing);

}  // namespace rt::gui
