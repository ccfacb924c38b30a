// The peer transport of a node: authenticated TCP connections to the members of the address
// book, on Boost.Asio, driven by one io_context (one network thread).
//
// Layout (Beast style, see STYLE.md):
//   Transport   acceptor, the peer list, the HELLO check; hands frames to a TransportObserver.
//   PeerLink    one per peer, lives as long as the peer is in the list: the bounded outbound
//               queue (frames queued while the peer is down stay queued), reconnect backoff,
//               statistics.
//   Connection  one per authenticated connection: its stream, read buffer, heartbeat and
//               read-timeout timers, exactly one async_write in flight.
//   Handshake   one per connection that has not finished HELLO yet (both directions).
// Each connection's bytes go through a crypto::ByteStream: TLS 1.3 (mutual, keys pinned by the
// address book, see crypto/tls_context.hpp) or plaintext with --insecure.
//
// Authentication: with TLS, a peer is accepted only when its certificate's Ed25519 key
// derives the id its HELLO claims (crypto/node_key.hpp) and is the key the address book pins
// for that id; anything else is refused and logged. Without TLS the HELLO's id is taken on
// trust (captures and tests only).
//
// Tie-break (one connection per pair): the node with the LOWER id dials, the node with the
// higher id only accepts. A lower-id node dials every higher-id peer at start and after every
// loss; a HELLO on an inbound connection from a peer with a higher id than ours is refused. A
// new inbound connection from a peer replaces the old one (the dialer only dials when it has
// lost its connection, e.g. after a restart).
//
// Fault injection (loss, delay, partition; see link_faults.hpp) is applied here and in
// PeerLink: set_faults() replaces the whole set.
//
// Threading: every public member function must be called on the io_context's thread (post to
// it from elsewhere). Observer callbacks run on that thread too. Nothing here takes a lock.
#pragma once

#include <utility>  // GCC 12 + C++20: before boost/asio.hpp

#include <boost/asio.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "crypto/byte_stream.hpp"
#include "net/inbound_budget.hpp"
#include "net/link_faults.hpp"
#include "util/ids.hpp"
#include "wire/codec.hpp"
#include "wire/messages.hpp"

namespace rt::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

// One peer of the address book, as the transport needs it (net/ does not include protocol/).
struct PeerAddress {
  NodeId id;
  std::string host;
  std::uint16_t port = 0;
  std::optional<PublicKey> key;  // pinned by the address book; needed with TLS
  friend bool operator==(const PeerAddress&, const PeerAddress&) = default;
};

struct TransportConfig {
  NodeId self;
  // The host peers dial (announced in HELLO, may be a DNS name) and the address the acceptor
  // binds (an IP literal; empty: listen_host). They differ in a pod, which binds 0.0.0.0 and
  // is known by its DNS name.
  std::string listen_host = "127.0.0.1";
  std::string bind_host;
  std::uint16_t listen_port = 0;   // 0: the OS picks one, see Transport::local_port()
  std::vector<std::string> roles;  // announced in HELLO
  // TLS 1.3 for every link (crypto::make_node_tls_context with the node's key); null:
  // plaintext, the --insecure mode for packet captures.
  std::shared_ptr<asio::ssl::context> tls;
  std::uint32_t max_body = wire::kDefaultMaxBodySize;
  std::size_t queue_max_frames = 8192;      // per peer, including the frames being written
  std::size_t queue_max_bytes = 64u << 20;  // per peer
  std::chrono::milliseconds heartbeat_interval{200};  // outbound silence before a HEARTBEAT
  std::chrono::milliseconds read_timeout{2000};       // inbound silence before "peer down"
  std::chrono::milliseconds handshake_timeout{5000};  // connect + HELLO both ways
  std::chrono::milliseconds backoff_initial{100};     // first redial delay, then doubled
  std::chrono::milliseconds backoff_max{3000};
  std::size_t max_handshakes = 64;  // inbound sockets still in HELLO; more are closed at once
  // The same, per remote address: one host cannot take every handshake slot and lock the
  // members out (0: no per-address limit).
  std::size_t max_handshakes_per_address = 16;
  // A frame whose first bytes arrived must be complete within frame_timeout, plus the time its
  // bytes so far take at frame_min_rate: a peer trickling a byte now and then keeps
  // read_timeout quiet but must not hold the connection and its buffer forever, while a big
  // frame on a slow link (10 Mbit/s shared by several peers) keeps its connection as long as
  // it arrives at frame_min_rate or faster (frame_timeout 0: no deadline).
  std::chrono::milliseconds frame_timeout{5000};
  std::size_t frame_min_rate = 32 * 1024;  // bytes per second
  // Per peer, across its connections: more frames or bytes than this is a flood, and the
  // connection is closed (inbound_budget.hpp).
  InboundLimits inbound;
  // A peer whose connection was closed for breaking the protocol, its inbound budget or the
  // frame deadline is refused, and not dialed, for this long, so that it cannot make the node
  // churn connections (and log lines) as fast as it reconnects (0: no penalty).
  std::chrono::milliseconds misbehaviour_penalty{2000};
  std::uint64_t fault_seed = 0;  // the random source of injected loss
};

// A per-peer snapshot.
struct PeerStats {
  NodeId id;
  std::string endpoint;  // host:port from the peer list
  bool connected = false;
  bool dialer = false;   // true: this node dials the peer (its id is the lower one)
  bool blocked = false;  // partitioned by fault injection
  std::size_t queue_frames = 0;
  std::size_t queue_bytes = 0;
  std::size_t queue_high_water_frames = 0;
  std::size_t queue_high_water_bytes = 0;
  std::size_t queue_limit_frames = 0;
  std::size_t queue_limit_bytes = 0;
  std::uint64_t drops = 0;  // frames dropped on the way to this peer
  std::uint64_t frames_in = 0;
  std::uint64_t frames_out = 0;  // frames written to the socket
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
  std::uint64_t connects = 0;  // authenticated connections so far
  Micros last_heard_us = 0;    // wall clock of the last frame from the peer; 0: never
};

// The layer above (the node). All callbacks run on the io_context's thread; they may call
// back into the Transport.
class TransportObserver {
 public:
  virtual ~TransportObserver() = default;
  virtual void on_peer_up(const NodeId& peer) = 0;
  virtual void on_peer_down(const NodeId& peer, std::string_view reason) = 0;
  // Every frame from an authenticated peer, HELLO and HEARTBEAT included.
  virtual void on_message(const NodeId& from, wire::Message&& message, std::size_t frame_bytes) = 0;
  // A frame that will never be written: queue full, unknown or removed peer.
  virtual void on_drop(const NodeId& to, wire::MessageType type, std::size_t bytes,
                       std::string_view reason) = 0;
  // What the transport calls for every dropped outbound frame, with its reason code (injected
  // loss and partitions included). The default forwards to on_drop.
  virtual void on_frame_dropped(const NodeId& to, wire::MessageType type, std::size_t bytes,
                                DropReason /*code*/, std::string_view reason) {
    on_drop(to, type, bytes, reason);
  }
  // An inbound frame discarded by injected loss before on_message: it never arrived.
  virtual void on_message_lost(const NodeId& /*from*/, const wire::Message& /*message*/,
                               std::size_t /*frame_bytes*/) {}
  // A frame was handed to the socket (HELLO and HEARTBEAT included).
  virtual void on_frame_sent(const NodeId& /*to*/, wire::MessageType /*type*/,
                             std::size_t /*bytes*/) {}
};

class PeerLink;
class Handshake;

class Transport : public std::enable_shared_from_this<Transport> {
 public:
  // The observer must outlive the transport or the call to stop().
  static std::shared_ptr<Transport> create(asio::io_context& io, TransportConfig config,
                                           TransportObserver& observer);
  ~Transport();
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  // Binds and listens on config.bind_host (or listen_host):listen_port. Call once, before
  // start().
  std::error_code listen();
  std::uint16_t local_port() const { return local_port_; }

  // Starts accepting and dialing. `peers` may list this node itself; it is skipped.
  void start(std::vector<PeerAddress> peers);
  // Membership change: new peers are added (and dialed when ours is the lower id), removed
  // peers are disconnected and their queued frames dropped, moved peers are redialed.
  void set_peers(std::vector<PeerAddress> peers);

  // Queues an encoded frame (wire::encode_shared) for a peer. False when it was dropped, in
  // which case on_drop has been called.
  bool send(const NodeId& to, wire::SharedBytes frame);

  // Fault injection and tests: closes the current connection to a peer (the dialer
  // reconnects after its backoff).
  void disconnect(const NodeId& peer, std::string_view reason);

  // Replaces every injected fault (link_faults.hpp). Newly blocked peers are disconnected at
  // once and their queued frames dropped; unblocked ones are redialed at once. Ids that are
  // not peers are kept (they apply if the peer is added later); this node's own id is ignored.
  void set_faults(FaultSettings settings);
  const FaultSettings& faults() const { return faults_.settings(); }

  // Closes the acceptor and every connection; no observer call is made after this returns.
  void stop();
  bool stopped() const { return stopped_; }

  std::vector<PeerStats> stats() const;  // ascending id order
  std::optional<PeerStats> stats(const NodeId& peer) const;
  std::size_t connected_count() const;
  const TransportConfig& config() const { return config_; }
  asio::io_context& io() { return io_; }

  // ---- used by PeerLink, Connection and Handshake ---------------------------------------
  TransportObserver* observer() const { return observer_; }
  const wire::SharedBytes& hello_frame() const { return hello_frame_; }
  FaultInjector& fault_injector() { return faults_; }
  // A new connection's stream: TLS when configured, else plaintext.
  crypto::ByteStream make_stream(tcp::socket socket) const;
  // Empty when a peer claiming `id` may use `key` (from its TLS certificate), else why not.
  // Always empty without TLS.
  std::string check_peer_key(const NodeId& id, const std::optional<PublicKey>& key) const;
  // Empty when an inbound HELLO is acceptable, else the reason to refuse it.
  std::string check_inbound(const wire::Hello& hello, const std::optional<PublicKey>& key) const;
  void handshake_done(crypto::ByteStream stream, wire::Hello hello, std::size_t hello_bytes);
  void handshake_failed(const NodeId& expected, std::string_view reason);
  // An inbound handshake from `address` ended (either way): frees its slots.
  void handshake_finished(const asio::ip::address& address);
  void track(const std::shared_ptr<Handshake>& handshake);
  // Warn-level log of a refused inbound connection, at most kMaxRefusalLogs a second (a
  // remote peer must not control the log volume); the rest are counted and summarised.
  void log_refusal(const std::string& text);
  static constexpr int kMaxRefusalLogs = 20;

 private:
  Transport(asio::io_context& io, TransportConfig config, TransportObserver& observer);
  void do_accept();
  std::shared_ptr<PeerLink> find(const NodeId& id) const;

  asio::io_context& io_;
  TransportConfig config_;
  TransportObserver* observer_;
  tcp::acceptor acceptor_;
  asio::steady_timer accept_retry_;
  std::uint16_t local_port_ = 0;
  bool started_ = false;
  bool stopped_ = false;
  std::size_t handshakes_ = 0;
  std::unordered_map<std::string, std::size_t> handshakes_by_address_;
  wire::SharedBytes hello_frame_;
  FaultInjector faults_;
  std::unordered_map<NodeId, std::shared_ptr<PeerLink>> links_;
  std::vector<std::weak_ptr<Handshake>> pending_;  // for stop()
  SteadyClock::time_point refusal_window_{};
  int refusals_in_window_ = 0;
  std::uint64_t refusals_suppressed_ = 0;
};

// "host:port" for logs.
std::string endpoint_string(const tcp::endpoint& endpoint);

}  // namespace rt::net
