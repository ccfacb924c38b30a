// The control commands a Node answers (docs/control-protocol.md) and its Prometheus text.
#include <unistd.h>

#include <sstream>

#include "node/node.hpp"
#include "util/clock.hpp"
#include "util/log.hpp"

namespace rt::node {
namespace {

using nlohmann::json;
constexpr std::string_view kLog = "node";

json fail(std::string error) {
  return {{"ok", false}, {"error", std::move(error)}};
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// A counter family: HELP, TYPE and one sample per label set.
void family(std::ostringstream& out, std::string_view name, std::string_view type,
            std::string_view help) {
  out << "# HELP " << name << ' ' << help << '\n' << "# TYPE " << name << ' ' << type << '\n';
}

void sample(std::ostringstream& out, std::string_view name, std::string_view labels,
            std::uint64_t value) {
  out << name;
  if (!labels.empty()) out << '{' << labels << '}';
  out << ' ' << value << '\n';
}

}  // namespace

json Node::handle_command(const json& request) {
  const std::string cmd = request.value("cmd", std::string());
  if (stopped_) return fail("node is shutting down");
  if (cmd == "status") return cmd_status();
  if (cmd == "counters") return cmd_counters();
  if (cmd == "queues") return cmd_queues();
  if (cmd == "messages") return cmd_messages(request);
  if (cmd == "broadcast") return cmd_broadcast(request);
  if (cmd == "join") return cmd_join(request);
  if (cmd == "leave") return cmd_leave(request);
  if (cmd == "members") return cmd_members();
  if (cmd == "fault") return cmd_fault(request);
  if (cmd == "inspect") {
    return {{"ok", true}, {"time_us", wall_micros()}, {"engine", engine_->inspect()}};
  }
  return fail("unknown command \"" + cmd + "\"");
}

json Node::cmd_status() const {
  const auto* self = config_.membership->find(config_.id);
  return {
      {"ok", true},
      {"id", config_.id.hex()},
      {"mode", config_.mode},
      {"byzantine", config_.byzantine},
      {"links", tls_links() ? "tls1.3" : "insecure"},
      {"pid", static_cast<int>(::getpid())},
      {"listen", config_.listen_host + ":" + std::to_string(listen_port())},
      {"bind", bind_host() + ":" + std::to_string(listen_port())},
      {"control", config_.control_host + ":" + std::to_string(control_port())},
      {"metrics", config_.metrics_host + ":" + std::to_string(metrics_port())},
      {"roles", json::array({self ? self->role : std::string("validator")})},
      {"members", config_.membership->size()},
      {"peers", config_.membership->size() - 1},
      {"peers_connected", transport_->connected_count()},
      {"uptime_ms", (wall_micros() - started_us_) / 1000},
      {"time_us", wall_micros()},
      {"next_seq", events_.next_seq()},
      {"faults", faults_json()},
  };
}

json Node::peer_json(const net::PeerStats& s, bool with_traffic) const {
  json peer = {
      {"id", s.id.hex()},
      {"connected", s.connected},
      {"queue_frames", s.queue_frames},
      {"queue_bytes", s.queue_bytes},
      {"queue_high_water_frames", s.queue_high_water_frames},
      {"queue_high_water_bytes", s.queue_high_water_bytes},
      {"queue_limit_frames", s.queue_limit_frames},
      {"queue_limit_bytes", s.queue_limit_bytes},
      {"last_heard_us", s.last_heard_us},
      {"blocked", s.blocked},
  };
  if (with_traffic) {
    using telemetry::TrafficStat;
    peer["endpoint"] = s.endpoint;
    peer["frames_in"] = counters_.peer_stat(s.id, TrafficStat::frames_in);
    peer["frames_out"] = counters_.peer_stat(s.id, TrafficStat::frames_out);
    peer["bytes_in"] = counters_.peer_stat(s.id, TrafficStat::bytes_in);
    peer["bytes_out"] = counters_.peer_stat(s.id, TrafficStat::bytes_out);
    peer["duplicates"] = counters_.peer_counter(s.id, telemetry::PeerCounter::duplicates);
    peer["drops"] = counters_.peer_counter(s.id, telemetry::PeerCounter::drops);
    peer["connects"] = s.connects;
  }
  return peer;
}

json Node::cmd_counters() const {
  json peers = json::array();
  for (const auto& s : transport_->stats()) peers.push_back(peer_json(s, true));
  json node = counters_.node_json();
  node["drops_by_reason"] = drops_by_reason_json();
  return {{"ok", true},
          {"time_us", wall_micros()},
          {"node", std::move(node)},
          {"types", counters_.types_json()},
          {"peers", std::move(peers)}};
}

json Node::cmd_queues() const {
  json peers = json::array();
  for (const auto& s : transport_->stats()) peers.push_back(peer_json(s, false));
  return {{"ok", true}, {"time_us", wall_micros()}, {"peers", std::move(peers)}};
}

json Node::cmd_messages(const json& request) const {
  Micros since = 0;
  if (auto it = request.find("since_us"); it != request.end()) {
    if (!it->is_number_integer()) return fail("since_us must be an integer");
    since = it->get<Micros>();
  }
  return {{"ok", true}, {"time_us", wall_micros()}, {"messages", messages_.to_json(since)}};
}

json Node::cmd_broadcast(const json& request) {
  std::string group = "all";
  if (auto it = request.find("group"); it != request.end()) {
    if (!it->is_string() || it->get_ref<const std::string&>().empty() ||
        it->get_ref<const std::string&>().size() > 255) {
      return fail("group must be a non-empty string of at most 255 bytes");
    }
    group = it->get<std::string>();
  }
  if (config_.membership->group(group).empty())
    return fail("group \"" + group + "\" has no members");
  // Every engine restricts a broadcast to its group: members ignore copies from outside it, so
  // a broadcast started here would reach no one. Refuse it rather than lose it silently.
  if (!config_.membership->in_group(group, config_.id))
    return fail("this node is not in group \"" + group + "\"; broadcast from one of its members");

  auto payload = std::make_shared<wire::Bytes>();
  const auto hex = request.find("payload_hex");
  const auto size = request.find("size");
  if (hex != request.end() && size != request.end()) {
    return fail("give either size or payload_hex, not both");
  }
  if (hex != request.end()) {
    if (!hex->is_string()) return fail("payload_hex must be a string");
    const auto& text = hex->get_ref<const std::string&>();
    if (text.size() % 2 != 0) return fail("payload_hex must have an even number of digits");
    if (text.size() / 2 > kMaxBroadcastPayload) return fail("payload too large");
    payload->resize(text.size() / 2);
    for (std::size_t i = 0; i < payload->size(); ++i) {
      const int hi = hex_digit(text[2 * i]);
      const int lo = hex_digit(text[2 * i + 1]);
      if (hi < 0 || lo < 0) return fail("payload_hex has a character that is not a hex digit");
      (*payload)[i] = static_cast<std::uint8_t>(hi << 4 | lo);
    }
  } else {
    std::uint64_t bytes = 1024;
    if (size != request.end()) {
      if (!size->is_number_unsigned()) return fail("size must be a number of bytes >= 0");
      bytes = size->get<std::uint64_t>();
    }
    if (bytes > kMaxBroadcastPayload) {
      return fail("size must be at most " + std::to_string(kMaxBroadcastPayload) + " bytes");
    }
    payload->resize(static_cast<std::size_t>(bytes));
    for (std::size_t i = 0; i < payload->size(); i += 8) {
      const std::uint64_t word = rng_();
      for (std::size_t j = 0; j < 8 && i + j < payload->size(); ++j) {
        (*payload)[i + j] = static_cast<std::uint8_t>(word >> (8 * j));
      }
    }
  }

  std::uint8_t kind = 0;
  if (auto it = request.find("kind"); it != request.end()) {
    if (!it->is_number_unsigned() || it->get<std::uint64_t>() > 255)
      return fail("kind must be a number 0..255");
    kind = static_cast<std::uint8_t>(it->get<std::uint64_t>());
  }

  MessageId id{rng_()};
  while (id.value == 0 || messages_.find(id)) id.value = rng_();
  const Micros now = wall_micros();
  protocol::BroadcastRequest broadcast;
  broadcast.id = id;
  broadcast.group = group;
  broadcast.payload = std::move(payload);
  broadcast.kind = kind;
  const std::size_t payload_size = broadcast.payload->size();
  counters_.add(telemetry::NodeCounter::originated);
  event(wire::EventKind::originate, wire::MessageType::gossip, id, NodeId{}, 0, 0, payload_size);
  RT_LOG(debug, kLog,
         "broadcast " + to_string(id) + " (" + std::to_string(payload_size) + " bytes) to group " +
             group);
  protocol::Actions actions;
  engine_->broadcast(now, broadcast, actions);
  execute(actions);
  return {{"ok", true}, {"id", to_string(id)}, {"time_us", now}};
}

std::string Node::metrics_text() const {
  using telemetry::NodeCounter;
  std::ostringstream out;
  const auto get = [&](NodeCounter c) { return counters_.get(c); };

  out << "# raintree-node " << config_.id.hex() << '\n';
  family(out, "raintree_node_info", "gauge", "Identity of this node (value is always 1).");
  sample(out, "raintree_node_info", "id=\"" + config_.id.hex() + "\",mode=\"" + config_.mode + "\"",
         1);

  family(out, "raintree_frames_total", "counter", "Peer-protocol frames by direction.");
  sample(out, "raintree_frames_total", "direction=\"in\"", get(NodeCounter::frames_in));
  sample(out, "raintree_frames_total", "direction=\"out\"", get(NodeCounter::frames_out));
  family(out, "raintree_bytes_total", "counter", "Peer-protocol bytes on the wire by direction.");
  sample(out, "raintree_bytes_total", "direction=\"in\"", get(NodeCounter::bytes_in));
  sample(out, "raintree_bytes_total", "direction=\"out\"", get(NodeCounter::bytes_out));
  family(out, "raintree_payload_frames_total", "counter",
         "Payload-carrying frames (gossip, artifact) by direction.");
  sample(out, "raintree_payload_frames_total", "direction=\"in\"",
         get(NodeCounter::payload_frames_in));
  sample(out, "raintree_payload_frames_total", "direction=\"out\"",
         get(NodeCounter::payload_frames_out));
  family(out, "raintree_payload_bytes_total", "counter", "Bytes of payload-carrying frames.");
  sample(out, "raintree_payload_bytes_total", "direction=\"in\"",
         get(NodeCounter::payload_bytes_in));
  sample(out, "raintree_payload_bytes_total", "direction=\"out\"",
         get(NodeCounter::payload_bytes_out));
  family(out, "raintree_control_bytes_total", "counter",
         "Bytes of protocol control frames (ack, igym, advert, request, ...).");
  sample(out, "raintree_control_bytes_total", "direction=\"in\"",
         get(NodeCounter::control_bytes_in));
  sample(out, "raintree_control_bytes_total", "direction=\"out\"",
         get(NodeCounter::control_bytes_out));
  family(out, "raintree_message_frames_total", "counter", "Frames by message type and direction.");
  for (std::size_t t = 0; t < telemetry::kPeerTypes; ++t) {
    const auto type = telemetry::peer_type_at(t);
    const std::string name(wire::type_name(type));
    sample(out, "raintree_message_frames_total", "type=\"" + name + "\",direction=\"in\"",
           counters_.type_stat(type, telemetry::TrafficStat::frames_in));
    sample(out, "raintree_message_frames_total", "type=\"" + name + "\",direction=\"out\"",
           counters_.type_stat(type, telemetry::TrafficStat::frames_out));
  }

  const std::pair<NodeCounter, std::string_view> totals[] = {
      {NodeCounter::delivered, "Broadcasts handed to the application."},
      {NodeCounter::originated, "Broadcasts this node started."},
      {NodeCounter::duplicates, "Copies of a broadcast already seen."},
      {NodeCounter::drops, "Frames dropped before reaching the socket."},
      {NodeCounter::timeouts, "Expected answers that did not come in time."},
  };
  for (const auto& [counter, help] : totals) {
    const std::string name = "raintree_" + std::string(telemetry::counter_name(counter)) + "_total";
    family(out, name, "counter", help);
    sample(out, name, {}, get(counter));
  }

  family(out, "raintree_drops_by_reason_total", "counter",
         "Dropped frames by reason (queue: queue full or peer gone; loss, partitioned, muted: "
         "injected faults).");
  for (std::size_t r = 0; r < net::kDropReasons; ++r) {
    const auto reason = net::drop_reason_name(static_cast<net::DropReason>(r));
    sample(out, "raintree_drops_by_reason_total", "reason=\"" + std::string(reason) + "\"",
           drops_by_reason_[r]);
  }

  std::uint64_t queue_frames = 0;
  std::uint64_t queue_bytes = 0;
  const auto peers = transport_ ? transport_->stats() : std::vector<net::PeerStats>{};
  for (const auto& p : peers) {
    queue_frames += p.queue_frames;
    queue_bytes += p.queue_bytes;
  }
  family(out, "raintree_peers", "gauge", "Peers in the address book (this node excluded).");
  sample(out, "raintree_peers", {}, peers.size());
  family(out, "raintree_peers_connected", "gauge", "Peers with an authenticated connection.");
  sample(out, "raintree_peers_connected", {}, transport_ ? transport_->connected_count() : 0);
  family(out, "raintree_outbound_queue_frames", "gauge", "Frames waiting in all peer queues.");
  sample(out, "raintree_outbound_queue_frames", {}, queue_frames);
  family(out, "raintree_outbound_queue_bytes", "gauge", "Bytes waiting in all peer queues.");
  sample(out, "raintree_outbound_queue_bytes", {}, queue_bytes);
  family(out, "raintree_events_total", "counter", "Records appended to the event stream.");
  sample(out, "raintree_events_total", {}, events_.next_seq() - 1);
  family(out, "raintree_uptime_seconds", "gauge", "Seconds since the node started.");
  sample(out, "raintree_uptime_seconds", {},
         static_cast<std::uint64_t>(std::max<Micros>(0, wall_micros() - started_us_) / 1000000));
  return out.str();
}

}  // namespace rt::node
