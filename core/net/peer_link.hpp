// PeerLink (one per peer of the list) and Connection (one per authenticated socket). See
// transport.hpp for the overall layout. Internal to net/: the node uses Transport only.
#pragma once

#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/frame_reader.hpp"
#include "net/transport.hpp"

namespace rt::net {

class Connection;

// A frame in a link's queue, with the earliest time it may be written (injected delay).
struct QueuedFrame {
  wire::SharedBytes frame;
  SteadyClock::time_point ready{};
};

class PeerLink : public std::enable_shared_from_this<PeerLink> {
 public:
  PeerLink(std::weak_ptr<Transport> owner, asio::io_context& io, const TransportConfig& config,
           PeerAddress address);

  const NodeId& id() const { return address_.id; }
  const PeerAddress& address() const { return address_; }
  bool dialer() const { return dialer_; }
  bool connected() const { return static_cast<bool>(connection_); }

  // Starts dialing when this node has the lower id.
  void start();
  // The peer moved to another endpoint or changed its key: drop the connection and redial.
  void set_address(PeerAddress address);
  // Removed from the list (or transport stopping): closes the connection, stops dialing,
  // and reports every queued frame as dropped when `report_drops`.
  void shutdown(std::string_view reason, bool report_drops);

  // Bounded enqueue; false (and on_drop) when the queue is full. The frame may not be written
  // before `delay` has passed (fault injection); held frames count against the limits.
  bool enqueue(wire::SharedBytes frame, std::chrono::milliseconds delay = {});
  // A frame to this peer dropped before reaching the queue (by the Transport).
  void count_drop() { ++drops_; }
  // Partition (fault injection): blocking closes the connection, drops the queue and stops
  // dialing; unblocking redials at once with a fresh backoff.
  void set_blocked(bool blocked);
  bool blocked() const { return blocked_; }
  // A new authenticated socket for this peer (replaces any current connection).
  void attach(crypto::ByteStream stream, wire::Hello hello, std::size_t hello_bytes_in);
  // Closes the current connection (if any) with a logged reason.
  void disconnect(std::string_view reason);
  void dial_failed(std::string_view reason);
  // The peer broke the protocol or its inbound budget: for misbehaviour_penalty its HELLO is
  // refused and it is not dialed.
  void penalize(std::string_view reason);
  std::chrono::milliseconds penalty_left() const;
  const std::string& penalty_reason() const { return penalty_reason_; }

  PeerStats stats() const;

  // ---- used by Connection --------------------------------------------------------------
  const std::deque<QueuedFrame>& queue() const { return queue_; }
  // The first `count` frames were written: pop them and account for them.
  void frames_written(std::size_t count);
  void frame_received(wire::Message&& message, std::size_t frame_bytes);
  // Spends the peer's inbound budget on one received frame; false when it is over budget.
  bool spend_inbound(std::size_t frame_bytes, SteadyClock::time_point now) {
    return inbound_.spend(frame_bytes, now);
  }
  std::string inbound_budget() const { return inbound_.describe(); }
  void connection_closed(const Connection* connection, std::string_view reason);
  // Queues a HEARTBEAT when nothing can be written now: the queue is empty or its first frame
  // is held by an injected delay, which the heartbeat overtakes. It never counts against the
  // limits. Call only when no write is in flight.
  void queue_heartbeat();
  const TransportConfig& config() const { return config_; }
  TransportObserver* observer() const;

 private:
  void schedule_dial();
  void dial();
  void drop_queue(DropReason code, std::string_view reason);

  std::weak_ptr<Transport> owner_;
  asio::io_context& io_;
  TransportConfig config_;  // a copy: handlers may outlive the Transport
  PeerAddress address_;
  bool dialer_ = false;
  bool shut_down_ = false;
  bool dialing_ = false;
  bool blocked_ = false;
  std::chrono::milliseconds backoff_;
  asio::steady_timer dial_timer_;
  std::shared_ptr<Connection> connection_;
  InboundBudget inbound_;  // per peer, so that reconnecting does not refill it
  SteadyClock::time_point penalty_until_{};
  std::string penalty_reason_;

  std::deque<QueuedFrame> queue_;
  std::size_t queue_bytes_ = 0;
  std::size_t high_water_frames_ = 0;
  std::size_t high_water_bytes_ = 0;
  std::uint64_t drops_ = 0;
  std::uint64_t frames_in_ = 0;
  std::uint64_t frames_out_ = 0;
  std::uint64_t bytes_in_ = 0;
  std::uint64_t bytes_out_ = 0;
  std::uint64_t connects_ = 0;
  Micros last_heard_us_ = 0;
};

// One authenticated connection. Reads frames (header first, length checked before the body is
// buffered), writes the link's queue with one async_write in flight (a gather of up to
// kMaxBatchFrames frames), sends HEARTBEATs after outbound silence and closes after the read
// timeout. Handlers hold a shared_ptr to the connection, never a raw this.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  static constexpr std::size_t kMaxBatchFrames = 64;
  static constexpr std::size_t kMaxBatchBytes = 1u << 20;

  Connection(std::shared_ptr<PeerLink> link, crypto::ByteStream stream);

  void start();
  // Starts a write when none is in flight and the link's queue is not empty.
  void kick_write();
  // Idempotent; tells the link (once) unless `notify_link` is false.
  void close(std::string_view reason, bool notify_link = true);
  // Logs a protocol error at warn level, then closes.
  void fail(std::string_view reason);
  std::string remote() const { return remote_; }

 private:
  void do_read();
  void on_read(const boost::system::error_code& ec, std::size_t n);
  bool parse_frames();  // false: the connection was closed
  void on_write(const boost::system::error_code& ec, std::size_t n);
  void arm_heartbeat();
  void on_heartbeat_timer(const boost::system::error_code& ec);
  // The read timer fires at the read timeout, or earlier at the frame deadline.
  void arm_read_timer();
  void on_read_timer(const boost::system::error_code& ec);
  // Wakes kick_write when the first queued frame's injected delay is over.
  void arm_release(SteadyClock::time_point at);

  std::shared_ptr<PeerLink> link_;
  crypto::ByteStream stream_;
  std::string remote_;
  asio::steady_timer heartbeat_timer_;
  asio::steady_timer read_timer_;
  asio::steady_timer release_timer_;
  std::optional<SteadyClock::time_point> release_at_;  // armed for this time
  bool closed_ = false;

  FrameReader reader_;
  SteadyClock::time_point last_in_;
  // When the first bytes of the frame still incomplete arrived (frame_timeout); none: no
  // incomplete frame is buffered.
  std::optional<SteadyClock::time_point> partial_since_;
  // When the incomplete frame runs out of time (TransportConfig::frame_timeout); none: no
  // incomplete frame, or no deadline.
  std::optional<SteadyClock::time_point> frame_deadline() const;

  bool writing_ = false;
  // The frames at the front of the link's queue being written, held here as well so that the
  // buffers outlive the write whatever happens to the queue.
  std::vector<wire::SharedBytes> out_frames_;
  std::vector<asio::const_buffer> out_buffers_;
  // TLS: the batch copied into one buffer, so that small frames share TLS records and socket
  // writes (the TLS stream writes one buffer of a sequence per record).
  std::vector<std::uint8_t> out_flat_;
  SteadyClock::time_point last_out_;
};

}  // namespace rt::net
