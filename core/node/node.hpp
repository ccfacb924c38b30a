// The node daemon's composition: transport + protocol engine + telemetry + control server +
// metrics server, all on ONE io_context run by one network thread, so that nothing in the
// protocol path takes a lock. The executable (app/node/main.cpp) parses flags, builds a
// NodeConfig, calls start() and runs the io_context.
//
// Engine actions are executed here:
//   Send     -> encode once (shared buffer), Transport::send, event `send`; bytes are counted
//               when the frame reaches the socket (on_frame_sent)
//   Deliver  -> `delivered` counter, message table, event `deliver`
//   SetTimer -> an asio timer calling Engine::on_timer
//   Observe  -> counters (duplicate -> per-peer duplicates, timeout -> timeouts) + event
//
// Fault injection (node_faults.cpp, the control `fault` command): mute is applied here (engine
// Sends are suppressed); loss, delay and partitions are handed to the Transport.
#pragma once

#include <utility>  // GCC 12 + C++20: before boost/asio.hpp

#include <boost/asio.hpp>

#include <array>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <nlohmann/json.hpp>

#include "crypto/node_key.hpp"
#include "net/transport.hpp"
#include "node/control_server.hpp"
#include "node/metrics_server.hpp"
#include "protocol/advert_priority.hpp"
#include "protocol/engine.hpp"
#include "protocol/membership.hpp"
#include "telemetry/counters.hpp"
#include "telemetry/event_ring.hpp"
#include "telemetry/message_table.hpp"

namespace rt::node {

struct NodeConfig {
  NodeId id;
  // The node's identity key: every peer link is mutual TLS 1.3 with it, and `id` must be the
  // id it derives. nullopt: plaintext links (--insecure, for packet captures and tests).
  std::optional<crypto::NodeKey> key;
  // Plaintext peer links even though there is a key (--insecure --key): captures of a cluster
  // whose control channels are off loopback, which still need the key for their TLS.
  bool plaintext_links = false;
  std::string listen_host = "127.0.0.1";  // what peers dial: the address book's host
  std::uint16_t listen_port = 0;          // 0: the OS picks one (tests)
  std::string bind_host;  // the address the peer port binds (--bind); empty: listen_host
  protocol::MembershipPtr membership;
  std::string control_host = "127.0.0.1";
  std::uint16_t control_port = 0;
  std::string token;
  std::string metrics_host = "127.0.0.1";
  std::uint16_t metrics_port = 0;
  std::string mode = "random";
  int fanout = 0;                            // engine: 0 = default, -1 = all
  std::uint64_t seed = 0;                    // 0: drawn from std::random_device
  bool byzantine = false;                    // advert mode: serve corrupted artifact bodies (tests)
  protocol::PriorityPolicy advert_priority;  // advert mode: the priority function
  net::TransportConfig transport;  // self, listen and roles are filled from the fields above
  std::size_t event_capacity = telemetry::EventRing::kDefaultCapacity;
  std::size_t message_capacity = telemetry::MessageTable::kDefaultCapacity;
};

class Node : public std::enable_shared_from_this<Node>, private net::TransportObserver {
 public:
  static std::shared_ptr<Node> create(boost::asio::io_context& io, NodeConfig config);
  ~Node() override;

  // Creates the engine and binds the peer, control and metrics ports. On failure returns
  // false with a one-line reason (nothing stays bound).
  bool start(std::string& error);
  // Closes every socket and timer; the io_context then runs out of work.
  void stop();
  bool stopped() const { return stopped_; }

  // Called (once, on the network thread) after the control `shutdown` command was answered.
  void set_on_shutdown(std::function<void()> callback) { on_shutdown_ = std::move(callback); }

  std::uint16_t listen_port() const;
  std::uint16_t control_port() const;
  std::uint16_t metrics_port() const;
  const NodeConfig& config() const { return config_; }

  // Control commands (docs/control-protocol.md) other than subscribe and shutdown.
  nlohmann::json handle_command(const nlohmann::json& request);
  // The Prometheus text exposition of this node's aggregates.
  std::string metrics_text() const;

 private:
  Node(boost::asio::io_context& io, NodeConfig config);

  // What the transport needs of the address book.
  static std::vector<net::PeerAddress> peer_addresses(const protocol::Membership& membership);
  // Empty when `member` can be a peer of this node, else why not: with TLS every member needs
  // a public key from which its id is derived.
  std::string check_member_key(const protocol::Member& member) const;
  // Peer links are mutual TLS: there is a key and --insecure was not given.
  bool tls_links() const;
  // The address the peer port binds: --bind, or the --listen host.
  const std::string& bind_host() const {
    return config_.bind_host.empty() ? config_.listen_host : config_.bind_host;
  }

  // TransportObserver
  void on_peer_up(const NodeId& peer) override;
  void on_peer_down(const NodeId& peer, std::string_view reason) override;
  void on_message(const NodeId& from, wire::Message&& message, std::size_t frame_bytes) override;
  void on_drop(const NodeId& to, wire::MessageType type, std::size_t bytes,
               std::string_view reason) override;
  void on_frame_dropped(const NodeId& to, wire::MessageType type, std::size_t bytes,
                        net::DropReason code, std::string_view reason) override;
  void on_message_lost(const NodeId& from, const wire::Message& message,
                       std::size_t frame_bytes) override;
  void on_frame_sent(const NodeId& to, wire::MessageType type, std::size_t bytes) override;

  void execute(protocol::Actions& actions);
  void do_send(protocol::Send& send, wire::SharedBytes& last_frame,
               const wire::Gossip*& last_gossip);
  void arm_timer(std::uint64_t timer_id, Micros at);
  void event(wire::EventKind kind, wire::MessageType type, MessageId id, const NodeId& peer,
             Level level, std::uint8_t detail, std::uint64_t bytes);

  nlohmann::json cmd_status() const;
  nlohmann::json cmd_counters() const;
  nlohmann::json cmd_queues() const;
  nlohmann::json cmd_messages(const nlohmann::json& request) const;
  nlohmann::json cmd_broadcast(const nlohmann::json& request);
  // Membership changes (node_membership.cpp): join, leave, members.
  nlohmann::json cmd_join(const nlohmann::json& request);
  nlohmann::json cmd_leave(const nlohmann::json& request);
  nlohmann::json cmd_members() const;
  void apply_membership(protocol::MembershipPtr membership);
  // Fault injection (node_faults.cpp).
  nlohmann::json cmd_fault(const nlohmann::json& request);
  nlohmann::json faults_json() const;
  nlohmann::json drops_by_reason_json() const;
  // Forgets fault entries of peers that are no longer members.
  void prune_faults();
  // Counts and records one dropped frame (detail = the reason code).
  void record_drop(const NodeId& peer, wire::MessageType type, MessageId id, Level level,
                   net::DropReason code, std::size_t bytes);
  nlohmann::json peer_json(const net::PeerStats& stats, bool with_traffic) const;

  boost::asio::io_context& io_;
  NodeConfig config_;
  std::unique_ptr<protocol::Engine> engine_;
  std::shared_ptr<net::Transport> transport_;
  std::shared_ptr<ControlServer> control_;
  std::shared_ptr<MetricsServer> metrics_;
  telemetry::Counters counters_;
  telemetry::EventRing events_;
  telemetry::MessageTable messages_;
  std::mt19937_64 rng_;
  std::function<void()> on_shutdown_;
  bool started_ = false;
  bool stopped_ = false;
  Micros started_us_ = 0;
  std::uint64_t next_timer_ = 0;
  bool sending_ = false;
  MessageId sending_id_;
  Level sending_level_ = 0;
  std::unordered_map<std::uint64_t, std::unique_ptr<boost::asio::steady_timer>> timers_;
  bool muted_ = false;  // fault injection: engine sends are suppressed
  std::array<std::uint64_t, net::kDropReasons> drops_by_reason_{};
  std::unordered_set<NodeId> dropped_to_;  // peers with a drop notice posted, not yet handled
};

// Broadcast payload limit of the control protocol: 16 MiB - 1 KiB.
inline constexpr std::size_t kMaxBroadcastPayload = (16u << 20) - 1024;

}  // namespace rt::node
