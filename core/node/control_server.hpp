// The node's control channel (docs/control-protocol.md): loopback TCP (or TLS 1.3 with the
// node's key when bound elsewhere), wire-codec frames of the control type range, a token
// checked in constant time, JSON requests and responses, and
// EventBatch pushes to subscribers. One ControlSession per client connection (Beast style:
// shared_from_this, one write in flight, a bounded queue of shared frames behind it).
//
// The server answers `subscribe` and `shutdown` itself; every other command goes to the
// CommandHandler. A slow subscriber is never waited for: at most kMaxQueuedBatches batches
// wait on its socket and the event ring reports what it missed.
#pragma once

#include <utility>  // GCC 12 + C++20: before boost/asio.hpp

#include <boost/asio.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "crypto/byte_stream.hpp"
#include "node/control_request.hpp"
#include "telemetry/event_ring.hpp"
#include "wire/codec.hpp"

namespace rt::node {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

struct ControlServerConfig {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;  // 0: the OS picks one
  std::string token;
  // TLS for every session (the node's certificate; clients pin its key); null: plaintext,
  // allowed on loopback only (the Node enforces it).
  std::shared_ptr<asio::ssl::context> tls;
  std::chrono::milliseconds hello_timeout{5000};
  std::chrono::milliseconds push_interval{20};
  std::size_t batch_max_events = 512;
  std::size_t max_sessions = 64;
  // A broadcast of 16 MiB given as payload_hex is a 32 MiB document.
  std::uint32_t max_body = 40u << 20;
};

// Answers one command document; the result must carry "ok".
using CommandHandler = std::function<nlohmann::json(const nlohmann::json& request)>;

class ControlSession;

class ControlServer : public std::enable_shared_from_this<ControlServer> {
 public:
  // `events` must outlive the server's last handler (the Node owns both and stops the server
  // before it goes). `hello` is the body of the answer to a right token, minus "ok".
  static std::shared_ptr<ControlServer> create(asio::io_context& io, ControlServerConfig config,
                                               const telemetry::EventRing& events,
                                               nlohmann::json hello, CommandHandler handler,
                                               std::function<void()> on_shutdown);

  std::error_code listen();
  std::uint16_t port() const { return port_; }
  void start();
  void stop();
  bool stopped() const { return stopped_; }

  // ---- used by ControlSession ----------------------------------------------------------
  const ControlServerConfig& config() const { return config_; }
  bool token_matches(const std::string& token) const;
  const nlohmann::json& hello() const { return hello_; }
  nlohmann::json handle(const nlohmann::json& request);
  const telemetry::EventRing& events() const { return events_; }
  void add_subscriber(const std::shared_ptr<ControlSession>& session);
  void session_closed() {
    if (sessions_ > 0) --sessions_;
  }
  void request_shutdown();

 private:
  ControlServer(asio::io_context& io, ControlServerConfig config,
                const telemetry::EventRing& events, nlohmann::json hello, CommandHandler handler,
                std::function<void()> on_shutdown);
  void do_accept();
  void arm_push();

  asio::io_context& io_;
  ControlServerConfig config_;
  const telemetry::EventRing& events_;
  nlohmann::json hello_;
  CommandHandler handler_;
  std::function<void()> on_shutdown_;
  tcp::acceptor acceptor_;
  asio::steady_timer accept_retry_;
  asio::steady_timer push_timer_;
  bool pushing_ = false;
  std::uint16_t port_ = 0;
  bool stopped_ = false;
  std::size_t sessions_ = 0;
  std::vector<std::weak_ptr<ControlSession>> all_;  // for stop()
  std::vector<std::weak_ptr<ControlSession>> subscribers_;
};

class ControlSession : public std::enable_shared_from_this<ControlSession> {
 public:
  static constexpr std::size_t kMaxQueuedBatches = 8;
  static constexpr std::size_t kBatchesPerTick = 4;

  ControlSession(std::shared_ptr<ControlServer> server, crypto::ByteStream stream);
  void start();
  void close(std::string_view reason);
  // Queues event batches when the subscriber keeps up (called by the server's push timer).
  void push_events();
  bool subscribed() const { return subscribed_ && !closed_; }

 private:
  void read_header();
  void read_body();
  void on_frame(wire::Message&& message);
  void on_request(const wire::ControlRequest& request);
  void respond(std::uint32_t request_id, const nlohmann::json& body);
  void queue(wire::SharedBytes frame, bool is_batch, bool then_shutdown = false);
  void do_write();
  void fail(std::string_view reason);

  std::shared_ptr<ControlServer> server_;
  crypto::ByteStream stream_;
  std::string remote_;
  asio::steady_timer hello_timer_;
  bool closed_ = false;
  bool authed_ = false;
  bool close_after_write_ = false;
  bool subscribed_ = false;
  telemetry::EventRing::Cursor cursor_;

  std::array<std::uint8_t, wire::kHeaderSize> header_{};
  wire::FrameHeader frame_header_;
  std::vector<std::uint8_t> body_;

  struct Outgoing {
    wire::SharedBytes frame;
    bool is_batch = false;
    bool then_shutdown = false;  // the answer to `shutdown`: stop the node once written
  };
  std::deque<Outgoing> out_;
  std::size_t queued_batches_ = 0;
  bool writing_ = false;
};

}  // namespace rt::node
