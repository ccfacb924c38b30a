#include "net/transport.hpp"

#include "net/listener.hpp"

#include <algorithm>

#include "crypto/node_key.hpp"
#include "net/handshake.hpp"
#include "net/peer_link.hpp"
#include "util/log.hpp"

namespace rt::net {
namespace {
constexpr std::string_view kLog = "net";
}  // namespace

std::string endpoint_string(const tcp::endpoint& endpoint) {
  return endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
}

std::shared_ptr<Transport> Transport::create(asio::io_context& io, TransportConfig config,
                                             TransportObserver& observer) {
  return std::shared_ptr<Transport>(new Transport(io, std::move(config), observer));
}

Transport::Transport(asio::io_context& io, TransportConfig config, TransportObserver& observer)
    : io_(io),
      config_(std::move(config)),
      observer_(&observer),
      acceptor_(io),
      accept_retry_(io),
      faults_(config_.fault_seed) {}

Transport::~Transport() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
}

std::error_code Transport::listen() {
  const std::string& bind_host =
      config_.bind_host.empty() ? config_.listen_host : config_.bind_host;
  if (auto error = open_listener(acceptor_, bind_host, config_.listen_port, local_port_))
    return error;
  wire::Hello hello;
  hello.id = config_.self;
  hello.listen = config_.listen_host + ":" + std::to_string(local_port_);
  hello.roles = config_.roles;
  hello_frame_ = wire::encode_shared(hello);
  return {};
}

void Transport::start(std::vector<PeerAddress> peers) {
  if (started_ || stopped_) return;
  started_ = true;
  set_peers(std::move(peers));
  if (acceptor_.is_open()) do_accept();
}

void Transport::set_peers(std::vector<PeerAddress> peers) {
  if (stopped_) return;
  std::unordered_map<NodeId, PeerAddress> wanted;
  for (auto& peer : peers) {
    if (peer.id == config_.self) continue;
    wanted.emplace(peer.id, std::move(peer));
  }
  for (auto it = links_.begin(); it != links_.end();) {
    if (!wanted.count(it->first)) {
      auto link = it->second;
      it = links_.erase(it);
      RT_LOG(info, kLog, "peer " + link->id().short_hex() + " removed from the peer list");
      link->shutdown("removed from the peer list", true);
    } else {
      ++it;
    }
  }
  for (auto& [id, address] : wanted) {
    if (auto it = links_.find(id); it != links_.end()) {
      it->second->set_address(std::move(address));
      continue;
    }
    auto link = std::make_shared<PeerLink>(weak_from_this(), io_, config_, std::move(address));
    links_.emplace(id, link);
    if (faults_.blocked(id)) link->set_blocked(true);
    if (started_) link->start();
  }
}

void Transport::do_accept() {
  acceptor_.async_accept(
      [self = shared_from_this()](const boost::system::error_code& ec, tcp::socket socket) {
        if (self->stopped_ || ec == asio::error::operation_aborted) return;
        if (ec) {
          // E.g. out of file descriptors: log (rate-limited) and retry shortly, not in a loop.
          self->log_refusal("accept failed: " + ec.message());
          retry_accept_later(self->accept_retry_, [self] {
            if (!self->stopped_) self->do_accept();
          });
          return;
        }
        boost::system::error_code ignored;
        const auto remote = socket.remote_endpoint(ignored);
        const std::string address = remote.address().to_string();
        const auto pending = self->handshakes_by_address_.find(address);
        const std::size_t from_address =
            pending == self->handshakes_by_address_.end() ? 0 : pending->second;
        const std::size_t per_address = self->config_.max_handshakes_per_address;
        const char* refusal = nullptr;
        if (self->handshakes_ >= self->config_.max_handshakes) {
          refusal = "too many connections in handshake";
        } else if (per_address > 0 && from_address >= per_address) {
          refusal = "too many connections in handshake from this address";
        }
        if (refusal) {
          self->log_refusal("refused inbound connection from " + endpoint_string(remote) + ": " +
                            refusal);
          socket.close(ignored);
        } else {
          ++self->handshakes_;
          ++self->handshakes_by_address_[address];
          Handshake::accept(self, std::move(socket), remote.address());
        }
        self->do_accept();
      });
}

void Transport::handshake_finished(const asio::ip::address& address) {
  if (handshakes_ > 0) --handshakes_;
  const auto it = handshakes_by_address_.find(address.to_string());
  if (it != handshakes_by_address_.end() && --it->second == 0) handshakes_by_address_.erase(it);
}

void Transport::track(const std::shared_ptr<Handshake>& handshake) {
  std::erase_if(pending_, [](const std::weak_ptr<Handshake>& h) { return h.expired(); });
  pending_.push_back(handshake);
}

void Transport::log_refusal(const std::string& text) {
  const auto now = SteadyClock::now();
  if (now - refusal_window_ >= std::chrono::seconds(1)) {
    if (refusals_suppressed_ > 0) {
      RT_LOG(warn, kLog,
             std::to_string(refusals_suppressed_) +
                 " more inbound connections were refused (log rate limit)");
    }
    refusal_window_ = now;
    refusals_in_window_ = 0;
    refusals_suppressed_ = 0;
  }
  if (++refusals_in_window_ <= kMaxRefusalLogs) {
    RT_LOG(warn, kLog, text);
  } else {
    ++refusals_suppressed_;
  }
}

crypto::ByteStream Transport::make_stream(tcp::socket socket) const {
  return config_.tls ? crypto::ByteStream(std::move(socket), *config_.tls)
                     : crypto::ByteStream(std::move(socket));
}

std::string Transport::check_peer_key(const NodeId& id, const std::optional<PublicKey>& key) const {
  if (!config_.tls) return {};
  if (!key) return "no TLS key";
  const auto short_key = [](const PublicKey& k) { return to_hex(k).substr(0, 8); };
  const NodeId owner = crypto::derive_node_id(*key);
  if (owner != id) {
    return "claims id " + id.short_hex() + " but its TLS key " + short_key(*key) +
           " belongs to id " + owner.short_hex();
  }
  const auto link = find(id);
  if (!link) return "TLS key " + short_key(*key) + " is not in the address book";
  const auto& pinned = link->address().key;
  if (!pinned) return "the address book pins no key for " + id.short_hex();
  if (*pinned != *key) {
    return "TLS key " + short_key(*key) + " is not the key " + short_key(*pinned) +
           " the address book pins for " + id.short_hex();
  }
  return {};
}

std::string Transport::check_inbound(const wire::Hello& hello,
                                     const std::optional<PublicKey>& key) const {
  if (hello.protocol_version != wire::kProtocolVersion) {
    return "protocol version " + std::to_string(hello.protocol_version) + " (this node speaks " +
           std::to_string(wire::kProtocolVersion) + ")";
  }
  if (hello.id == config_.self) return "peer claims this node's own id";
  const auto link = find(hello.id);
  if (!link) return "unknown id " + hello.id.hex();
  if (auto refusal = check_peer_key(hello.id, key); !refusal.empty()) return refusal;
  if (const auto left = link->penalty_left(); left.count() > 0) {
    return "peer " + hello.id.short_hex() + " broke the protocol or its inbound budget (" +
           link->penalty_reason() + "); refused for another " + std::to_string(left.count()) +
           " ms";
  }
  if (faults_.blocked(hello.id)) return "partitioned: peer " + hello.id.short_hex() + " is blocked";
  if (!(hello.id < config_.self)) {
    return "peer " + hello.id.short_hex() +
           " has the higher id and must not dial (tie-break: the lower id dials)";
  }
  return {};
}

void Transport::handshake_done(crypto::ByteStream stream, wire::Hello hello,
                               std::size_t hello_bytes) {
  auto link = find(hello.id);
  if (stopped_ || !link) {
    stream.close();
    if (link) link->dial_failed("transport stopped");
    return;
  }
  link->attach(std::move(stream), std::move(hello), hello_bytes);
}

void Transport::handshake_failed(const NodeId& expected, std::string_view reason) {
  if (auto link = find(expected)) link->dial_failed(reason);
}

bool Transport::send(const NodeId& to, wire::SharedBytes frame) {
  if (!frame || frame->size() < wire::kHeaderSize) return false;
  const auto type = static_cast<wire::MessageType>((*frame)[5]);
  auto link = find(to);
  DropReason code = DropReason::other;
  const char* reason = nullptr;
  if (!link || stopped_) {
    reason = stopped_ ? "transport stopped" : "unknown peer";
  } else if (faults_.blocked(to)) {
    code = DropReason::partitioned;
    reason = "partitioned";
  } else if (faults_.lose_outbound(to, type)) {
    // Before queueing: a lost frame never takes queue room or a write.
    code = DropReason::loss;
    reason = "injected loss";
  }
  if (reason) {
    if (link) link->count_drop();
    if (observer_) observer_->on_frame_dropped(to, type, frame->size(), code, reason);
    return false;
  }
  return link->enqueue(std::move(frame), faults_.delay_to(to));
}

void Transport::disconnect(const NodeId& peer, std::string_view reason) {
  if (auto link = find(peer)) link->disconnect(reason);
}

void Transport::set_faults(FaultSettings settings) {
  if (stopped_) return;
  settings.blocked.erase(config_.self);
  settings.links.erase(config_.self);
  faults_.set(std::move(settings));
  // A copy: blocking calls the observer, which may call back into the transport.
  std::vector<std::shared_ptr<PeerLink>> links;
  links.reserve(links_.size());
  for (const auto& [id, link] : links_) links.push_back(link);
  for (const auto& link : links) {
    if (!stopped_) link->set_blocked(faults_.blocked(link->id()));
  }
}

void Transport::stop() {
  if (stopped_) return;
  stopped_ = true;
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  accept_retry_.cancel();
  auto links = std::move(links_);
  links_.clear();
  for (auto& [id, link] : links) link->shutdown("transport stopped", false);
  auto pending = std::move(pending_);
  pending_.clear();
  for (auto& weak : pending) {
    if (auto handshake = weak.lock()) handshake->cancel();
  }
  observer_ = nullptr;
}

std::shared_ptr<PeerLink> Transport::find(const NodeId& id) const {
  auto it = links_.find(id);
  return it == links_.end() ? nullptr : it->second;
}

std::vector<PeerStats> Transport::stats() const {
  std::vector<PeerStats> out;
  out.reserve(links_.size());
  for (const auto& [id, link] : links_) out.push_back(link->stats());
  std::sort(out.begin(), out.end(),
            [](const PeerStats& a, const PeerStats& b) { return a.id < b.id; });
  return out;
}

std::optional<PeerStats> Transport::stats(const NodeId& peer) const {
  if (auto link = find(peer)) return link->stats();
  return std::nullopt;
}

std::size_t Transport::connected_count() const {
  return static_cast<std::size_t>(std::count_if(
      links_.begin(), links_.end(), [](const auto& entry) { return entry.second->connected(); }));
}

}  // namespace rt::net
