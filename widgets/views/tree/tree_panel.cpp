#include "views/tree/tree_panel.hpp"

#include <QHBoxLayout>
#include <QImage>
#include <QLabel>
#include <QPainter>
#include <QScrollArea>
#include <QSvgGenerator>
#include <QTextDocument>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "views/tree/tree_controls.hpp"

namespace rt::gui {

using telemetry::BroadcastRecord;
using telemetry::EdgeKind;
using telemetry::TraceEdge;

namespace {

// Two columns to keep the side column short.
const char* kNodeLegend =
    "<table cellspacing='0' cellpadding='1'><tr>"
    "<td><span style='color:#0b3d91; font-size:14px'>&#9679;</span>&nbsp;origin</td>"
    "<td>&nbsp;<span style='color:#1e6fd9; font-size:14px'>&#9679;</span>&nbsp;delivered</td>"
    "</tr><tr>"
    "<td><span style='color:#5c6b7a; font-size:14px'>&#9675;</span>&nbsp;not yet</td>"
    "<td>&nbsp;<span style='color:#d62828; font-size:14px; font-weight:bold'>&#9711;</span>"
    "&nbsp;missed</td>"
    "</tr><tr>"
    "<td><span style='color:#8a96a3; font-size:14px'>&#9676;</span>&nbsp;down</td>"
    "<td>&nbsp;<span style='color:#4f9aee; font-size:13px'>&#10227;</span>&nbsp;demoted</td>"
    "</tr></table>";

}  // namespace

TreePanel::TreePanel(QWidget* parent, AnimationOptions options)
    : QWidget(parent), queue_(options), view_(new TreeView(this)), bar_(new TreeControlBar(this)) {
  setObjectName(QStringLiteral("treePanel"));
  wall_.start();
  clock_ = [this] { return static_cast<double>(wall_.nsecsElapsed()) / 1e6; };
  queue_.setResolver([this](AnimationItem& item) {
    const TraceEdge* edge = trace_ ? trace_->edge(item.edge) : nullptr;
    if (!edge) return false;
    item.received_us = edge->received_us;
    return true;
  });
  frame_timer_.setInterval(kFrameMs);
  connect(&frame_timer_, &QTimer::timeout, this, &TreePanel::tick);

  wireControls();
  auto* body = new QHBoxLayout;
  body->setContentsMargins(0, 0, 0, 0);
  body->setSpacing(0);
  body->addWidget(view_, 1);
  body->addWidget(buildSide());
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->setSpacing(0);
  layout->addWidget(bar_);
  layout->addLayout(body, 1);
  updateCounters();
  updateNotes(0);
  rebuildPicker();
}

TreePanel::~TreePanel() = default;

void TreePanel::wireControls() {
  connect(bar_, &TreeControlBar::followLatestRequested, this, &TreePanel::followLatest);
  connect(bar_, &TreeControlBar::broadcastRequested, this,
          [this](std::uint64_t id) { selectBroadcast(MessageId{id}); });
  connect(bar_, &TreeControlBar::layoutRequested, this, &TreePanel::setLayoutMode);
  connect(bar_, &TreeControlBar::pauseToggled, this, &TreePanel::setPaused);
  connect(bar_, &TreeControlBar::stepRequested, this, &TreePanel::step);
  connect(bar_, &TreeControlBar::runUntilRequested, this, &TreePanel::runUntilDelivered);
  connect(bar_, &TreeControlBar::speedRequested, this, &TreePanel::setSpeed);
  connect(bar_, &TreeControlBar::kindVisibilityRequested, this, &TreePanel::setKindVisible);
  connect(bar_, &TreeControlBar::fitRequested, view_, &TreeView::fitAll);
  connect(bar_, &TreeControlBar::exportRequested, this,
          [this](const QString& path) { exportImage(path); });
  // Space, "." and F work wherever the focus is inside the panel.
  addActions(bar_->keyActions());
}

QWidget* TreePanel::buildSide() {
  // Scrolls rather than clipping the legend when the window is short.
  auto* scroll = new QScrollArea(this);
  scroll->setObjectName(QStringLiteral("treeSide"));
  scroll->setFrameShape(QFrame::NoFrame);
  scroll->setWidgetResizable(true);
  scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  scroll->setFixedWidth(240);
  auto* side = new QWidget(scroll);
  scroll->setWidget(side);
  auto* layout = new QVBoxLayout(side);
  layout->setContentsMargins(10, 8, 10, 8);
  layout->setSpacing(6);

  // Notes about the animation itself, only shown when they apply.
  behind_ = new QLabel(side);
  behind_->setObjectName(QStringLiteral("treeBehindBadge"));
  behind_->setStyleSheet(QStringLiteral(
      "background:#fff1dc; color:#8a4b00; border:1px solid #f0c27a; border-radius:4px; "
      "padding:3px 6px; font-weight:bold;"));
  skipped_ = new QLabel(side);
  skipped_->setObjectName(QStringLiteral("treeSkipNote"));
  skipped_->setWordWrap(true);
  skipped_->setStyleSheet(QStringLiteral(
      "background:#fdecea; color:#9b1c1c; border:1px solid #f3b4b4; border-radius:4px; "
      "padding:3px 6px;"));
  counters_ = new QLabel(side);
  counters_->setObjectName(QStringLiteral("treeCounters"));
  counters_->setTextFormat(Qt::RichText);
  counters_->setWordWrap(true);
  counters_->setAlignment(Qt::AlignTop | Qt::AlignLeft);
  auto* legend = new QLabel(side);
  legend->setObjectName(QStringLiteral("treeLegend"));
  legend->setTextFormat(Qt::RichText);
  legend->setText(QStringLiteral("<b>%1</b>%2<b>%3</b>%4")
                      .arg(tr("Messages"), legendHtml(), tr("Nodes"), QLatin1String(kNodeLegend)));
  layout->addWidget(behind_);
  layout->addWidget(skipped_);
  layout->addWidget(counters_);
  layout->addStretch(1);
  layout->addWidget(legend);
  return scroll;
}

void TreePanel::setCluster(const cluster::ClusterInfo& cluster) {
  std::vector<cluster::NodeInfo> nodes = cluster.nodes;
  std::sort(nodes.begin(), nodes.end(),
            [](const auto& a, const auto& b) { return a.rank < b.rank; });
  std::vector<NodeId> ids;
  std::vector<QString> labels;
  for (const auto& node : nodes) {
    ids.push_back(node.id);
    labels.push_back(QString::fromStdString(node.id.short_hex()));
  }
  trace_ = std::make_unique<telemetry::BroadcastTrace>(std::move(ids));
  queue_.clear();
  queue_.setClusterSize(static_cast<int>(labels.size()));
  seen_.clear();
  following_ = true;
  pinned_ = MessageId{};
  run_until_ = false;
  queue_.setFastForward(false);
  live_nodes_ = static_cast<int>(labels.size());
  view_->setNodes(labels, cluster.mode == "pocket");
  rebuildPicker();
  updateCounters();
}

void TreePanel::addEvents(const std::vector<cluster::RankedEvent>& events) {
  if (!trace_) return;
  const double now = clock_();
  const std::size_t broadcasts = trace_->size();
  auto latestId = [this] { return trace_->latest() ? trace_->latest()->id : MessageId{}; };
  const MessageId latest = latestId();
  for (const cluster::RankedEvent& ranked : events) {
    const MessageId id = ranked.event.msg_id;
    const auto ref = trace_->add(ranked.rank, ranked.event);
    if (id.value == 0) continue;
    if (ref || trace_->find(id)) seen_[id].last_event_ms = now;
    if (ref) enqueue(*ref, now);
    if (id == view_->shownBroadcast()) record_dirty_ = true;
  }
  if (trace_->size() != broadcasts || latestId() != latest) picker_dirty_ = true;
  pruneSeen();
  ensureTimer();
}

void TreePanel::enqueue(const telemetry::EdgeRef& ref, double now_ms) {
  if (!following_ && ref.broadcast != pinned_) return;
  const TraceEdge* edge = trace_->edge(ref);
  if (!edge || edge->from == edge->to) return;
  AnimationItem item;
  item.edge = ref;
  item.from = edge->from;
  item.to = edge->to;
  item.kind = edge->kind;
  item.event_us = edge->time_us();
  item.received_us = edge->received_us;
  queue_.push(item, now_ms);
  Seen& seen = seen_[ref.broadcast];
  seen.pushed_until_us = std::max(seen.pushed_until_us, item.event_us);
}

void TreePanel::pruneSeen() {
  // Bounded by the trace: forget what the trace has evicted.
  if (seen_.size() <= 2 * std::max<std::size_t>(trace_->size(), 8)) return;
  for (auto it = seen_.begin(); it != seen_.end();) {
    it = trace_->find(it->first) ? std::next(it) : seen_.erase(it);
  }
}

void TreePanel::setNodeCondition(int rank, NodeCondition condition) {
  if (view_->nodeCondition(rank) == condition) return;  // the node table repeats itself
  view_->setNodeCondition(rank, condition);
  live_nodes_ = 0;
  for (int r = 1; r <= view_->nodeItemCount(); ++r) live_nodes_ += isLive(view_->nodeCondition(r));
  counters_dirty_ = true;
  updateCounters();
}

void TreePanel::setLayoutMode(TreeView::Layout layout) {
  view_->setLayoutMode(layout);
  bar_->showLayout(layout);
}

void TreePanel::setSpeed(double speed) {
  queue_.setSpeed(speed);
  bar_->showSpeed(queue_.speed());
}

void TreePanel::setPaused(bool paused) {
  queue_.setPaused(paused);
  bar_->showPaused(paused);
  ensureTimer();
}

void TreePanel::step() {
  const double now = clock_();
  queue_.step(now);
  afterAdvance(now);
}

void TreePanel::runUntilDelivered() {
  run_until_ = true;
  queue_.setFastForward(true);
  setPaused(false);
}

void TreePanel::setKindVisible(EdgeKind kind, bool visible) {
  queue_.setKindVisible(kind, visible);
  view_->setKindVisible(kind, visible);
  bar_->showKindVisible(kind, visible);
}

void TreePanel::followLatest() {
  following_ = true;
  pinned_ = MessageId{};
  queue_.clear();
  // The newest broadcast appears whole at once; the next one animates.
  if (const BroadcastRecord* latest = trace_ ? trace_->latest() : nullptr) {
    display(*latest);
    seen_[latest->id].pushed_until_us = 0;
    for (const TraceEdge& edge : latest->edges) view_->land(edge);
  } else {
    view_->clearBroadcast();
  }
  picker_dirty_ = true;
  afterAdvance(clock_());
  ensureTimer();
}

void TreePanel::selectBroadcast(MessageId id) {
  const BroadcastRecord* record = trace_ ? trace_->find(id) : nullptr;
  if (!record) return;
  following_ = false;
  pinned_ = id;
  queue_.clear();
  display(*record);
  // Replayed in event order: what was sent first flies first.
  std::vector<int> order(record->edges.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    return record->edges[static_cast<std::size_t>(a)].time_us() <
           record->edges[static_cast<std::size_t>(b)].time_us();
  });
  const double now = clock_();
  seen_[id].pushed_until_us = 0;
  for (int index : order) enqueue(telemetry::EdgeRef{id, index}, now);
  picker_dirty_ = true;
  afterAdvance(now);
  ensureTimer();
}

void TreePanel::setClock(std::function<double()> now_ms) {
  clock_ = std::move(now_ms);
}

void TreePanel::tick() {
  QElapsedTimer cost;
  cost.start();
  const double now = clock_();
  queue_.tick(now);
  afterAdvance(now);
  emit frameAdvanced(cost.nsecsElapsed());
}

void TreePanel::display(const BroadcastRecord& record) {
  view_->showBroadcast(record);
  record_dirty_ = false;
  counters_dirty_ = true;
}

void TreePanel::afterAdvance(double now_ms) {
  if (trace_) {
    // Following: the view moves on when a newer broadcast starts animating, never back to a
    // straggler of an older one.
    const MessageId current = queue_.currentBroadcast();
    if (following_ && current.value != 0 && current != view_->shownBroadcast()) {
      const BroadcastRecord* next = trace_->find(current);
      const BroadcastRecord* shown = trace_->find(view_->shownBroadcast());
      if (next && (!shown || next->start_us >= shown->start_us)) display(*next);
    }
    const MessageId shown = view_->shownBroadcast();
    for (const Flight& flight : queue_.finished()) {
      if (flight.item.edge.broadcast != shown) continue;
      if (const TraceEdge* edge = trace_->edge(flight.item.edge)) view_->land(*edge);
      counters_dirty_ = true;
    }
    if (record_dirty_) {
      if (const BroadcastRecord* record = trace_->find(shown)) view_->updateRecord(*record);
      record_dirty_ = false;
      counters_dirty_ = true;
    }
  }
  view_->setFlights(queue_.flights(), queue_.animationMs());
  updateSettled(now_ms);
  if (run_until_) {
    const BroadcastRecord* record = trace_ ? trace_->find(view_->shownBroadcast()) : nullptr;
    const bool done = record ? allDeliveriesShown(*record) &&
                                   (record->delivered_count >= live_nodes_ || view_->settled())
                             : queue_.idle();
    if (done) {
      run_until_ = false;
      queue_.setFastForward(false);
      setPaused(true);
    }
  }
  updateNotes(now_ms);
  if (counters_dirty_) updateCounters();
  if (picker_dirty_ && !bar_->pickerOpen()) rebuildPicker();
  ensureTimer();
}

bool TreePanel::drained(MessageId id) const {
  if (queue_.idle()) return true;
  for (const Flight& flight : queue_.flights()) {
    if (flight.item.edge.broadcast == id) return false;
  }
  const auto it = seen_.find(id);
  return it == seen_.end() || queue_.playheadUs() >= it->second.pushed_until_us;
}

bool TreePanel::allDeliveriesShown(const BroadcastRecord& record) const {
  for (int rank = 1; rank <= static_cast<int>(record.nodes.size()); ++rank) {
    if (record.node(rank).delivered && !view_->reached(rank)) return false;
  }
  return true;
}

void TreePanel::updateSettled(double now_ms) {
  const MessageId id = view_->shownBroadcast();
  bool settled = false;
  if (view_->hasBroadcast()) {
    const auto it = seen_.find(id);
    const bool quiet = it == seen_.end() || now_ms - it->second.last_event_ms >= kSettleMs;
    settled = quiet && drained(id);
  }
  if (settled != view_->settled()) {
    view_->setSettled(settled);
    counters_dirty_ = true;
  }
}

void TreePanel::updateNotes(double now_ms) {
  const double behind = following_ ? queue_.behindMs(now_ms) : 0.0;
  behind_->setVisible(behind >= kBehindBadgeMs);
  if (behind >= kBehindBadgeMs) {
    behind_->setText(tr("behind live by %1 s").arg(behind / 1000.0, 0, 'f', 1));
  }
  const bool skip_recent = queue_.skipEvents() > 0 && now_ms - queue_.lastSkipAtMs() < kSkipNoteMs;
  skipped_->setVisible(skip_recent);
  if (skip_recent) {
    skipped_->setText(tr("skipped %1 messages to keep up (%2 in all)")
                          .arg(queue_.lastSkipCount())
                          .arg(queue_.skipped()));
  }
}

void TreePanel::updateCounters() {
  counters_dirty_ = false;
  const BroadcastRecord* record = trace_ ? trace_->find(view_->shownBroadcast()) : nullptr;
  if (!record) {
    counters_->setText(trace_
                           ? tr("<b>No broadcast shown</b><br>%1 nodes").arg(view_->nodeItemCount())
                           : tr("<b>No cluster</b>"));
    return;
  }
  int max_hops = 0;
  for (const auto& node : record->nodes) max_hops = std::max(max_hops, node.hops);
  const auto missed = record->missed();
  QStringList missed_ranks;
  for (int rank : missed) {
    if (missed_ranks.size() == 12) {
      missed_ranks << QStringLiteral("…");
      break;
    }
    missed_ranks << QString::number(rank);
  }
  auto row = [](const QString& name, const QString& value) {
    return QStringLiteral(
               "<tr><td style='color:#5c6b7a'>%1</td><td nowrap>&nbsp;<b>%2</b></td></tr>")
        .arg(name, value);
  };
  const QString state = QStringLiteral("%1 · %2").arg(
      following_ ? tr("latest") : tr("replay"), view_->settled() ? tr("settled") : tr("in flight"));
  QString html = QStringLiteral(
                     "<b>%1 %2</b><br><span style='color:#5c6b7a'>%3</span>"
                     "<table cellspacing='0' cellpadding='1'>")
                     .arg(tr("Broadcast"), shortBroadcastId(record->id), state);
  html += row(tr("origin"), record->origin > 0 ? tr("rank %1").arg(record->origin) : tr("?"));
  // Coverage of the nodes live now: one that delivered and then went down is not counted, so
  // the share never passes 100 %.
  int delivered_live = 0;
  for (int rank = 1; rank <= static_cast<int>(record->nodes.size()); ++rank) {
    delivered_live += record->node(rank).delivered && isLive(view_->nodeCondition(rank));
  }
  const int live = std::max(live_nodes_, 1);
  html += row(tr("delivered / live"), tr("%1 / %2 (%3 %)")
                                          .arg(delivered_live)
                                          .arg(live_nodes_)
                                          .arg(100.0 * delivered_live / live, 0, 'f', 0));
  html += row(tr("copies / node"), QString::number(record->copies_per_node(), 'f', 2));
  html += row(tr("max hops"), QString::number(max_hops));
  html += row(tr("duplicates"), QString::number(record->duplicates));
  html += row(tr("edges drawn"), QString::number(view_->edgeCount()));
  html += QStringLiteral("</table>");
  if (view_->settled() && !missed.empty()) {
    html += tr("<span style='color:#d62828'>missed: %1</span>").arg(missed_ranks.join(", "));
  }
  counters_->setText(html);
}

void TreePanel::rebuildPicker() {
  picker_dirty_ = false;
  std::vector<TreeControlBar::Listed> listed;
  if (trace_) {
    const auto ids = trace_->broadcast_ids();
    for (auto it = ids.rbegin(); it != ids.rend() && listed.size() < kMaxListed; ++it) {
      const BroadcastRecord* record = trace_->find(*it);
      listed.push_back({*it, record ? record->origin : 0});
    }
  }
  bar_->setBroadcasts(listed, following_ ? MessageId{} : pinned_);
}

void TreePanel::ensureTimer() {
  // Frames only while something moves or a note is up; an idle studio costs nothing.
  const bool busy = !queue_.idle() || run_until_ || !behind_->isHidden() || !skipped_->isHidden() ||
                    (view_->hasBroadcast() && !view_->settled());
  if (busy && !frame_timer_.isActive()) frame_timer_.start();
  if (!busy && frame_timer_.isActive()) frame_timer_.stop();
}

bool TreePanel::exportImage(const QString& path) {
  const QRect area = view_->viewport()->rect();
  if (path.endsWith(QLatin1String(".svg"), Qt::CaseInsensitive)) {
    QSvgGenerator svg;
    svg.setFileName(path);
    svg.setSize(area.size());
    svg.setViewBox(area);
    svg.setTitle(tr("RainTree broadcast"));
    QPainter painter;
    if (!painter.begin(&svg)) return false;
    paintExport(painter, area);
    return painter.end();
  }
  QImage image(area.size() * 2, QImage::Format_ARGB32_Premultiplied);
  image.setDevicePixelRatio(2);
  image.fill(Qt::white);
  QPainter painter(&image);
  paintExport(painter, area);
  painter.end();
  return image.save(path);
}

void TreePanel::paintExport(QPainter& painter, const QRect& area) {
  painter.setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing);
  view_->render(&painter, QRectF(area), area);
  // The legend and the counters travel with the picture.
  QTextDocument doc;
  doc.setDefaultFont(font());
  doc.setHtml(counters_->text() + QStringLiteral("<br>") + legendHtml());
  doc.setTextWidth(220);
  const QRectF box(8, 8, 228, doc.size().height() + 8);
  painter.fillRect(box, QColor(255, 255, 255, 235));
  painter.setPen(QColor(0xd5, 0xdb, 0xe2));
  painter.drawRect(box);
  painter.translate(box.topLeft() + QPointF(4, 4));
  doc.drawContents(&painter);
}

}  // namespace rt::gui
