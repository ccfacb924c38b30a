#include "node/node.hpp"

#include "crypto/tls_context.hpp"
#include "util/clock.hpp"
#include "util/log.hpp"

namespace rt::node {
namespace {

namespace asio = boost::asio;
constexpr std::string_view kLog = "node";

template <typename... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <typename... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

// Gossip copies to several peers are usually identical: encode once, share the buffer.
bool same_frame(const wire::Gossip& a, const wire::Gossip& b) {
  return a.payload == b.payload && a.id == b.id && a.origin == b.origin && a.group == b.group &&
         a.level == b.level && a.kind == b.kind && a.hops == b.hops &&
         a.range_start == b.range_start && a.range_size == b.range_size &&
         a.origin_time_us == b.origin_time_us;
}

}  // namespace

std::shared_ptr<Node> Node::create(asio::io_context& io, NodeConfig config) {
  return std::shared_ptr<Node>(new Node(io, std::move(config)));
}

Node::Node(asio::io_context& io, NodeConfig config)
    : io_(io),
      config_(std::move(config)),
      events_(config_.event_capacity),
      messages_(config_.message_capacity) {
  std::random_device device;
  const std::uint64_t seed =
      config_.seed ? config_.seed : (std::uint64_t{device()} << 32 | device());
  rng_.seed(seed);
  config_.seed = seed;
}

Node::~Node() {
  stop();
}

std::vector<net::PeerAddress> Node::peer_addresses(const protocol::Membership& membership) {
  std::vector<net::PeerAddress> peers;
  peers.reserve(membership.size());
  for (const auto& m : membership.members()) peers.push_back({m.id, m.host, m.port, m.public_key});
  return peers;
}

bool Node::tls_links() const {
  return config_.key && !config_.plaintext_links;
}

std::string Node::check_member_key(const protocol::Member& member) const {
  if (!tls_links()) return {};
  if (!member.public_key) {
    return "member " + member.id.short_hex() +
           " has no \"public_key\" (needed for TLS links; run every node --insecure to go "
           "without)";
  }
  if (crypto::derive_node_id(*member.public_key) != member.id) {
    return "member " + member.id.short_hex() + ": its public_key derives id " +
           crypto::derive_node_id(*member.public_key).short_hex() + ", not its id";
  }
  return {};
}

bool Node::start(std::string& error) {
  if (started_) return true;
  if (!config_.membership || !config_.membership->find(config_.id)) {
    error = "this node's id is not in the address book";
    return false;
  }
  std::shared_ptr<boost::asio::ssl::context> tls;
  if (tls_links()) {
    if (config_.key->id() != config_.id) {
      error =
          "the key's id " + config_.key->id().hex() + " is not this node's id " + config_.id.hex();
      return false;
    }
    if (config_.membership->find(config_.id)->public_key != config_.key->public_key()) {
      error = "the address book pins another key for this node's id";
      return false;
    }
    for (const auto& member : config_.membership->members()) {
      if (auto refusal = check_member_key(member); !refusal.empty()) {
        error = "address book: " + refusal;
        return false;
      }
    }
    tls = crypto::make_node_tls_context(*config_.key, crypto::PeerCertificate::required, error);
    if (!tls) return false;
  }
  protocol::EngineConfig engine_config;
  engine_config.self = config_.id;
  engine_config.membership = config_.membership;
  engine_config.seed = rng_();
  engine_config.fanout = config_.fanout;
  engine_config.advert.byzantine = config_.byzantine;
  engine_config.advert.priority = config_.advert_priority;
  engine_ = protocol::make_engine(config_.mode, engine_config);
  if (!engine_) {
    error = "mode " + config_.mode + " is not available";
    return false;
  }

  net::TransportConfig transport = config_.transport;
  transport.self = config_.id;
  transport.listen_host = config_.listen_host;
  transport.bind_host = config_.bind_host;
  transport.listen_port = config_.listen_port;
  transport.roles = {config_.membership->find(config_.id)->role};
  transport.fault_seed = rng_();  // injected loss is reproducible from the node's seed
  transport.tls = std::move(tls);
  transport_ = net::Transport::create(io_, std::move(transport), *this);
  if (auto ec = transport_->listen()) {
    error = "cannot listen on " + bind_host() + ":" + std::to_string(config_.listen_port) + ": " +
            ec.message();
    stop();
    return false;
  }

  std::weak_ptr<Node> weak = weak_from_this();
  ControlServerConfig control;
  control.host = config_.control_host;
  control.port = config_.control_port;
  control.token = config_.token;
  // Loopback: plaintext, only local users reach it. Anywhere else the token would cross a
  // network: TLS with the node's key, which clients pin (cluster.json "public_key").
  if (!crypto::is_loopback_host(config_.control_host)) {
    if (!config_.key) {
      error = "the control channel on " + config_.control_host +
              " (not loopback) needs TLS, which needs the node's key (--key)";
      stop();
      return false;
    }
    control.tls =
        crypto::make_node_tls_context(*config_.key, crypto::PeerCertificate::not_required, error);
    if (!control.tls) {
      stop();
      return false;
    }
  }
  nlohmann::json hello = {{"id", config_.id.hex()}, {"mode", config_.mode}};
  control_ = ControlServer::create(
      io_, control, events_, hello,
      [weak](const nlohmann::json& request) {
        auto self = weak.lock();
        if (!self) return nlohmann::json{{"ok", false}, {"error", "node stopped"}};
        return self->handle_command(request);
      },
      [weak] {
        auto self = weak.lock();
        if (!self) return;
        RT_LOG(info, kLog, "shutting down (control command)");
        auto callback = self->on_shutdown_;
        self->stop();
        if (callback) callback();
      });
  if (auto ec = control_->listen()) {
    error = "cannot listen for control on " + config_.control_host + ":" +
            std::to_string(config_.control_port) + ": " + ec.message();
    stop();
    return false;
  }

  MetricsServerConfig metrics;
  metrics.host = config_.metrics_host;
  metrics.port = config_.metrics_port;
  metrics_ = MetricsServer::create(io_, metrics, [weak] {
    auto self = weak.lock();
    return self ? self->metrics_text() : std::string();
  });
  if (auto ec = metrics_->listen()) {
    error = "cannot listen for metrics on " + config_.metrics_host + ":" +
            std::to_string(config_.metrics_port) + ": " + ec.message();
    stop();
    return false;
  }

  started_ = true;
  started_us_ = wall_micros();
  transport_->start(peer_addresses(*config_.membership));
  control_->start();
  metrics_->start();
  RT_LOG(info, kLog,
         "node " + config_.id.short_hex() + " (" + config_.mode + ", " +
             (tls_links() ? "TLS 1.3" : "INSECURE plaintext") + " links) listening on " +
             config_.listen_host + ":" + std::to_string(listen_port()) +
             (config_.bind_host.empty() ? "" : " (bound to " + config_.bind_host + ")") +
             ", control " + std::to_string(control_port()) + ", metrics " +
             std::to_string(metrics_port()));
  return true;
}

void Node::stop() {
  if (stopped_) return;
  stopped_ = true;
  if (transport_) transport_->stop();
  if (control_) control_->stop();
  if (metrics_) metrics_->stop();
  for (auto& [key, timer] : timers_) timer->cancel();
  timers_.clear();
}

std::uint16_t Node::listen_port() const {
  return transport_ ? transport_->local_port() : 0;
}
std::uint16_t Node::control_port() const {
  return control_ ? control_->port() : 0;
}
std::uint16_t Node::metrics_port() const {
  return metrics_ ? metrics_->port() : 0;
}

void Node::event(wire::EventKind kind, wire::MessageType type, MessageId id, const NodeId& peer,
                 Level level, std::uint8_t detail, std::uint64_t bytes) {
  wire::EventRecord record;
  record.kind = kind;
  record.msg_type = type;
  record.msg_id = id;
  record.peer = peer;
  record.level = level;
  record.detail = detail;
  record.bytes = static_cast<std::uint32_t>(std::min<std::uint64_t>(bytes, UINT32_MAX));
  events_.push(record);
}

// ---- engine actions ---------------------------------------------------------------------

void Node::execute(protocol::Actions& actions) {
  wire::SharedBytes last_frame;
  const wire::Gossip* last_gossip = nullptr;
  for (auto& action : actions) {
    if (stopped_) return;
    std::visit(Overloaded{
                   [&](protocol::Send& send) { do_send(send, last_frame, last_gossip); },
                   [&](protocol::Deliver& deliver) {
                     const Micros now = wall_micros();
                     counters_.add(telemetry::NodeCounter::delivered);
                     messages_.delivered(deliver.id, deliver.origin, deliver.group,
                                         deliver.origin_time_us, deliver.hops, now);
                     event(wire::EventKind::deliver, wire::MessageType::gossip, deliver.id,
                           NodeId{}, 0, static_cast<std::uint8_t>(std::min(deliver.hops, 255)),
                           deliver.payload ? deliver.payload->size() : 0);
                   },
                   [&](protocol::SetTimer& timer) { arm_timer(timer.timer_id, timer.at); },
                   [&](protocol::Observe& observe) {
                     switch (observe.kind) {
                       case wire::EventKind::duplicate:
                         counters_.duplicate(observe.peer);
                         messages_.duplicate(observe.id, wall_micros());
                         break;
                       case wire::EventKind::timeout:
                         counters_.add(telemetry::NodeCounter::timeouts);
                         break;
                       case wire::EventKind::drop:
                         counters_.drop(observe.peer);
                         break;
                       default:
                         break;
                     }
                     event(observe.kind, observe.type, observe.id, observe.peer, observe.level,
                           observe.detail, 0);
                   },
               },
               action);
  }
}

void Node::do_send(protocol::Send& send, wire::SharedBytes& last_frame,
                   const wire::Gossip*& last_gossip) {
  const wire::MessageType type = wire::type_of(send.message);
  const auto* gossip = std::get_if<wire::Gossip>(&send.message);
  wire::SharedBytes frame;
  if (gossip && last_gossip && last_frame && same_frame(*gossip, *last_gossip)) {
    frame = last_frame;
  } else {
    frame = wire::encode_shared(send.message);
  }
  if (gossip) {
    last_frame = frame;
    last_gossip = gossip;
  }
  const wire::EventFields d = wire::event_fields(send.message);
  const std::size_t bytes = frame->size();
  if (muted_) {
    // A muted node keeps receiving and delivering but takes no part: nothing leaves it.
    record_drop(send.to, type, d.id, d.level, net::DropReason::muted, bytes);
    return;
  }
  sending_ = true;  // lets on_drop name the message when the queue refuses it
  sending_id_ = d.id;
  sending_level_ = d.level;
  const bool queued = transport_->send(send.to, frame);
  sending_ = false;
  if (!queued) return;  // on_drop has counted it
  const Micros now = wall_micros();
  switch (telemetry::traffic_class(type)) {
    case telemetry::TrafficClass::payload:
      if (gossip) {
        messages_.gossip(*gossip, false, bytes, now);
      } else {
        messages_.payload(d.id, false, bytes, now, wire::starts_payload_copy(send.message));
      }
      break;
    case telemetry::TrafficClass::control:
      // A frame that names no broadcast (e.g. a retransmit request) has no table row.
      if (d.id.value != 0) messages_.control(d.id, false, bytes, now);
      break;
    case telemetry::TrafficClass::transport:
      break;
  }
  event(wire::EventKind::send, type, d.id, send.to, d.level, d.detail, bytes);
}

void Node::arm_timer(std::uint64_t timer_id, Micros at) {
  const std::uint64_t key = next_timer_++;
  auto timer = std::make_unique<asio::steady_timer>(io_);
  const Micros delay = std::max<Micros>(0, at - wall_micros());
  timer->expires_after(std::chrono::microseconds(delay));
  timer->async_wait([weak = weak_from_this(), key, timer_id](const boost::system::error_code& ec) {
    auto self = weak.lock();
    if (ec || !self || self->stopped_) return;
    self->timers_.erase(key);
    protocol::Actions actions;
    self->engine_->on_timer(wall_micros(), timer_id, actions);
    self->execute(actions);
  });
  timers_.emplace(key, std::move(timer));
}

// ---- transport events -------------------------------------------------------------------

void Node::on_peer_up(const NodeId& peer) {
  counters_.add(telemetry::NodeCounter::peer_ups);
  event(wire::EventKind::peer_up, wire::MessageType::hello, MessageId{}, peer, 0, 0, 0);
  protocol::Actions actions;
  engine_->on_peer_up(wall_micros(), peer, actions);
  execute(actions);
}

void Node::on_peer_down(const NodeId& peer, std::string_view /*reason*/) {
  counters_.add(telemetry::NodeCounter::peer_downs);
  event(wire::EventKind::peer_down, wire::MessageType::hello, MessageId{}, peer, 0, 0, 0);
  protocol::Actions actions;
  engine_->on_peer_down(wall_micros(), peer, actions);
  execute(actions);
}

void Node::on_message(const NodeId& from, wire::Message&& message, std::size_t frame_bytes) {
  const wire::MessageType type = wire::type_of(message);
  counters_.frame_in(from, type, frame_bytes);
  if (type == wire::MessageType::hello || type == wire::MessageType::heartbeat) return;
  const wire::EventFields d = wire::event_fields(message);
  const Micros now = wall_micros();
  switch (telemetry::traffic_class(type)) {
    case telemetry::TrafficClass::payload:
      if (const auto* gossip = std::get_if<wire::Gossip>(&message)) {
        messages_.gossip(*gossip, true, frame_bytes, now);
      } else {
        messages_.payload(d.id, true, frame_bytes, now, wire::starts_payload_copy(message));
      }
      break;
    case telemetry::TrafficClass::control:
      if (d.id.value != 0) messages_.control(d.id, true, frame_bytes, now);
      break;
    case telemetry::TrafficClass::transport:
      break;
  }
  event(wire::EventKind::receive, type, d.id, from, d.level, d.detail, frame_bytes);
  protocol::Actions actions;
  engine_->on_message(now, from, message, actions);
  execute(actions);
}

void Node::on_drop(const NodeId& to, wire::MessageType type, std::size_t bytes,
                   std::string_view reason) {
  on_frame_dropped(to, type, bytes, net::DropReason::other, reason);
}

void Node::on_frame_dropped(const NodeId& to, wire::MessageType type, std::size_t bytes,
                            net::DropReason code, std::string_view reason) {
  record_drop(to, type, sending_ ? sending_id_ : MessageId{}, sending_ ? sending_level_ : 0, code,
              bytes);
  RT_LOG(debug, kLog,
         "dropped " + std::string(wire::type_name(type)) + " to " + to.short_hex() + ": " +
             std::string(reason));
  // A full queue (not injected loss, partitions or muting, which model the network and the
  // operator): tell the engine, after the actions being executed now, once per peer.
  if (code != net::DropReason::other || stopped_ || !dropped_to_.insert(to).second) return;
  asio::post(io_, [weak = weak_from_this(), to] {
    const auto self = weak.lock();
    if (!self || self->stopped_) return;
    self->dropped_to_.erase(to);
    protocol::Actions actions;
    self->engine_->on_frames_dropped_to(wall_micros(), to, actions);
    self->execute(actions);
  });
}

void Node::on_message_lost(const NodeId& from, const wire::Message& message,
                           std::size_t frame_bytes) {
  const wire::EventFields d = wire::event_fields(message);
  record_drop(from, wire::type_of(message), d.id, d.level, net::DropReason::loss, frame_bytes);
  protocol::Actions actions;
  engine_->on_frames_lost_from(wall_micros(), from, actions);
  execute(actions);
}

void Node::record_drop(const NodeId& peer, wire::MessageType type, MessageId id, Level level,
                       net::DropReason code, std::size_t bytes) {
  counters_.drop(peer);
  ++drops_by_reason_[static_cast<std::size_t>(code)];
  event(wire::EventKind::drop, type, id, peer, level, static_cast<std::uint8_t>(code), bytes);
}

void Node::on_frame_sent(const NodeId& to, wire::MessageType type, std::size_t bytes) {
  counters_.frame_out(to, type, bytes);
}

}  // namespace rt::node
