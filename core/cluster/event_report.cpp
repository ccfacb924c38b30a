// EventReportBuilder: gathers the facts of a recording's entries (event_report_facts.hpp);
// build() turns them into the report (event_report_build.cpp).
#include "cluster/event_report.hpp"

#include <algorithm>
#include <charconv>

#include "cluster/event_report_facts.hpp"
#include "telemetry/counters.hpp"

namespace rt::cluster {

using report_detail::Facts;
using report_detail::MessageFacts;
using report_detail::Receipt;
using report_detail::Traffic;

struct EventReportBuilder::State {
  Facts facts;
};

namespace {

std::optional<MessageId> parse_message_id(const nlohmann::json& value) {
  if (!value.is_string()) return std::nullopt;
  const std::string& text = value.get_ref<const std::string&>();
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v, 16);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return MessageId{v};
}

std::int64_t int_field(const nlohmann::json& obj, const char* key, std::int64_t fallback) {
  const auto it = obj.find(key);
  return it != obj.end() && it->is_number_integer() ? it->get<std::int64_t>() : fallback;
}

// Artifact bodies come in chunks; like the nodes' own `reads`/`writes`, a body counts once,
// on its first chunk (detail 1).
bool counts_as_copy(const wire::EventRecord& e) {
  if (!wire::is_payload_type(e.msg_type)) return false;
  return e.msg_type != wire::MessageType::artifact || e.detail == 1;
}

void add_event(Facts& f, int rank, const wire::EventRecord& e) {
  using wire::EventKind;
  ++f.events;
  ++f.events_by_kind[static_cast<std::size_t>(e.kind)];
  auto& seq = f.seq_runs[static_cast<std::size_t>(rank - 1)];
  if (seq.count == 0) {
    seq.first = seq.last = e.seq;
  } else {
    seq.first = std::min(seq.first, e.seq);
    seq.last = std::max(seq.last, e.seq);
  }
  ++seq.count;

  auto& node = f.nodes[static_cast<std::size_t>(rank - 1)];
  const NodeId& self = f.header.nodes[static_cast<std::size_t>(rank - 1)].id;
  // A demote to self is neither a read nor a write (DESIGN.md); it is no traffic at all.
  const bool about_peer = !e.peer.is_zero() && e.peer != self;
  const bool traffic = e.kind == EventKind::send || e.kind == EventKind::receive ||
                       e.kind == EventKind::duplicate || e.kind == EventKind::drop;
  // Only traffic makes a peer or type row: peer_up/down and timeouts alone do not.
  Traffic* peer = traffic && about_peer ? &f.peers[{rank, e.peer}] : nullptr;
  Traffic scratch;
  Traffic& type = traffic ? f.types[static_cast<std::uint8_t>(e.msg_type)] : scratch;
  const bool payload = wire::is_payload_type(e.msg_type);

  switch (e.kind) {
    case EventKind::send:
      if (!about_peer) break;
      for (Traffic* t : {&node.traffic, peer, &type}) {
        ++t->frames_out;
        t->bytes_out += e.bytes;
      }
      switch (telemetry::traffic_class(e.msg_type)) {
        case telemetry::TrafficClass::payload:
          node.payload_bytes_out += e.bytes;
          break;
        case telemetry::TrafficClass::control:
          node.control_bytes_out += e.bytes;
          break;
        case telemetry::TrafficClass::transport:
          break;
      }
      if (counts_as_copy(e)) ++node.writes;
      break;
    case EventKind::receive:
      if (!about_peer) break;
      for (Traffic* t : {&node.traffic, peer, &type}) {
        ++t->frames_in;
        t->bytes_in += e.bytes;
      }
      if (counts_as_copy(e)) {
        ++node.reads;
        Receipt& r = f.messages[e.msg_id].receipts[rank];
        ++r.payload_frames;
        r.has_copy = true;
        r.last_copy_catchup =
            e.msg_type == wire::MessageType::gossip && e.detail == report_detail::kCatchupGossip;
      }
      break;
    case EventKind::duplicate:
      ++node.traffic.duplicates;
      ++type.duplicates;
      if (peer) ++peer->duplicates;
      if (payload) ++f.messages[e.msg_id].receipts[rank].duplicates;
      break;
    case EventKind::drop: {
      const std::size_t reason = report_detail::drop_reason_index(e.detail);
      ++node.traffic.drops[reason];
      ++type.drops[reason];
      if (peer) ++peer->drops[reason];
      break;
    }
    case EventKind::timeout:
      ++node.timeouts;
      break;
    case EventKind::deliver: {
      // Delivered at most once: a restarted node may see a broadcast again.
      Receipt& r = f.messages[e.msg_id].receipts[rank];
      if (!r.delivered_us) {
        r.delivered_us = e.time_us;
        r.hops = e.detail;
        r.via_catchup = r.last_copy_catchup;
      }
      break;
    }
    case EventKind::originate: {
      MessageFacts& m = f.messages[e.msg_id];
      if (!m.originate_us || e.time_us < *m.originate_us) {
        m.originate_us = e.time_us;
        m.originate_rank = rank;
        m.originate_bytes = e.bytes;
      }
      break;
    }
    case EventKind::peer_up:
    case EventKind::peer_down:
      break;
  }
}

void add_note(Facts& f, Micros time_us, const nlohmann::json& note) {
  ++f.notes;
  if (!note.is_object()) {
    ++f.ignored_notes;
    return;
  }
  if (const auto b = note.find("broadcast"); b != note.end() && b->is_object()) {
    const auto id = parse_message_id(b->value("id", nlohmann::json()));
    if (!id) {
      ++f.ignored_notes;
      return;
    }
    MessageFacts& m = f.messages[*id];
    m.noted = true;
    m.note_us = time_us;
    m.note_origin = static_cast<int>(int_field(*b, "origin_rank", 0));
    if (const auto g = b->find("group"); g != b->end() && g->is_string() && !g->empty()) {
      m.group = g->get<std::string>();
    }
    if (const auto s = b->find("size");
        s != b->end() && s->is_number_integer() && s->get<std::int64_t>() >= 0) {
      m.size = s->get<std::uint64_t>();
    }
    return;
  }
  if (const auto fault = note.find("fault"); fault != note.end() && fault->is_string()) {
    f.faults.push_back({time_us, note});
    // A restarted node is a new process with its own sequence numbers.
    if (fault->get_ref<const std::string&>() == "restart" && note.contains("ranks") &&
        note["ranks"].is_array()) {
      for (const auto& r : note["ranks"]) {
        if (!r.is_number_integer()) continue;
        const auto rank = r.get<std::int64_t>();
        if (rank < 1 || rank > static_cast<std::int64_t>(f.seq_runs.size())) continue;
        auto& run = f.seq_runs[static_cast<std::size_t>(rank - 1)];
        f.seq_missing += run.missing();
        run = {};
      }
    }
    return;
  }
  if (const auto c = note.find("counters"); c != note.end() && c->is_object()) {
    for (const auto& [key, answer] : c->items()) {
      int rank = 0;
      const auto [end, ec] = std::from_chars(key.data(), key.data() + key.size(), rank);
      if (ec != std::errc{} || end != key.data() + key.size() || rank < 1 ||
          rank > static_cast<int>(f.nodes.size())) {
        continue;
      }
      f.counters[rank] = answer;
    }
    return;
  }
  if (const auto end = note.find("end"); end != note.end() && end->is_object()) {
    f.end_us = time_us;
    if (const auto lost = end->find("events_lost"); lost != end->end() && lost->is_number()) {
      f.events_lost = lost->is_number_unsigned()
                          ? lost->get<std::uint64_t>()
                          : static_cast<std::uint64_t>(std::max<double>(0.0, lost->get<double>()));
    }
    return;
  }
  ++f.ignored_notes;
}

}  // namespace

EventReportBuilder::EventReportBuilder(RecordingHeader header) : state_(std::make_unique<State>()) {
  Facts& f = state_->facts;
  f.header = std::move(header);
  for (const RecordedNode& n : f.header.nodes) f.rank_of[n.id] = n.rank;
  f.nodes.resize(f.header.nodes.size());
  f.seq_runs.resize(f.header.nodes.size());
}

EventReportBuilder::~EventReportBuilder() = default;
EventReportBuilder::EventReportBuilder(EventReportBuilder&&) noexcept = default;
EventReportBuilder& EventReportBuilder::operator=(EventReportBuilder&&) noexcept = default;

void EventReportBuilder::add(const RecordingEntry& entry) {
  Facts& f = state_->facts;
  Micros time = 0;
  if (const auto* e = std::get_if<RecordedEvent>(&entry)) {
    // The reader checks ranks; a live caller might not, and a bad rank must not index out.
    if (e->rank < 1 || e->rank > static_cast<int>(f.nodes.size())) return;
    time = e->event.time_us;
    add_event(f, e->rank, e->event);
  } else {
    const auto& n = std::get<RecordedNote>(entry);
    time = n.time_us;
    add_note(f, n.time_us, n.note);
  }
  f.first_us = f.first_us ? std::min(*f.first_us, time) : time;
  f.last_us = f.last_us ? std::max(*f.last_us, time) : time;
}

nlohmann::json EventReportBuilder::build() const {
  return report_detail::build_report(state_->facts);
}

std::optional<nlohmann::json> report_from_recording(const std::filesystem::path& file,
                                                    std::string& error,
                                                    const ReplayProgress& progress) {
  auto reader = RecordingReader::open(file, error);
  if (!reader) return std::nullopt;
  EventReportBuilder builder(reader->header());
  std::uint64_t entries = 0;
  while (auto entry = reader->next(error)) {
    builder.add(*entry);
    if (++entries % kReplayProgressEvery == 0 && progress) progress(entries);
  }
  if (!error.empty()) {
    error = file.string() + ": " + error;
    return std::nullopt;
  }
  return builder.build();
}

}  // namespace rt::cluster
