#include "net/peer_link.hpp"

#include <algorithm>

#include "net/handshake.hpp"
#include "util/clock.hpp"
#include "util/log.hpp"

namespace rt::net {
namespace {

constexpr std::string_view kLog = "net";

wire::MessageType frame_type(const wire::SharedBytes& frame) {
  return static_cast<wire::MessageType>((*frame)[5]);
}

// The configured budget, with room for at least one frame of max_body in a burst.
InboundLimits inbound_limits(const TransportConfig& config) {
  InboundLimits limits = config.inbound;
  limits.byte_burst = std::max<std::uint64_t>(limits.byte_burst,
                                              std::uint64_t{config.max_body} + wire::kHeaderSize);
  return limits;
}

}  // namespace

// ---- PeerLink ---------------------------------------------------------------------------

PeerLink::PeerLink(std::weak_ptr<Transport> owner, asio::io_context& io,
                   const TransportConfig& config, PeerAddress address)
    : owner_(std::move(owner)),
      io_(io),
      config_(config),
      address_(std::move(address)),
      dialer_(config.self < address_.id),
      backoff_(config.backoff_initial),
      dial_timer_(io),
      inbound_(inbound_limits(config), SteadyClock::now()) {}

TransportObserver* PeerLink::observer() const {
  if (shut_down_) return nullptr;
  auto owner = owner_.lock();
  return owner && !owner->stopped() ? owner->observer() : nullptr;
}

void PeerLink::start() {
  if (dialer_) dial();
}

void PeerLink::set_address(PeerAddress address) {
  if (address == address_) return;
  const bool moved = address.host != address_.host || address.port != address_.port;
  address_ = std::move(address);
  if (connection_) {
    disconnect(moved ? "peer moved to " + address_.host + ":" + std::to_string(address_.port)
                     : std::string("the address book pins a new key for the peer"));
  } else if (dialer_ && !dialing_) {
    dial_timer_.cancel();
    backoff_ = config_.backoff_initial;
    dial();
  }
}

void PeerLink::shutdown(std::string_view reason, bool report_drops) {
  if (shut_down_) return;
  dial_timer_.cancel();
  if (connection_) {
    auto connection = std::move(connection_);
    connection->close(reason, false);
    if (report_drops) {
      if (auto* obs = observer()) obs->on_peer_down(address_.id, reason);
    }
  }
  if (report_drops) drop_queue(DropReason::other, reason);
  queue_.clear();
  queue_bytes_ = 0;
  shut_down_ = true;
}

void PeerLink::drop_queue(DropReason code, std::string_view reason) {
  // Move the queue out first: observers may call back into the transport.
  auto dropped = std::move(queue_);
  queue_.clear();
  queue_bytes_ = 0;
  for (const auto& entry : dropped) {
    if (frame_type(entry.frame) == wire::MessageType::heartbeat) continue;  // not a real frame
    ++drops_;
    if (auto* obs = observer()) {
      obs->on_frame_dropped(address_.id, frame_type(entry.frame), entry.frame->size(), code,
                            reason);
    }
  }
}

void PeerLink::set_blocked(bool blocked) {
  if (blocked == blocked_ || shut_down_) return;
  blocked_ = blocked;
  if (blocked) {
    RT_LOG(info, kLog, "peer " + address_.id.short_hex() + " blocked (partition)");
    dial_timer_.cancel();
    // Frames queued before the partition would otherwise cross it when it heals.
    drop_queue(DropReason::partitioned, "partitioned");
    if (connection_) connection_->close("partitioned");
    return;
  }
  RT_LOG(info, kLog, "peer " + address_.id.short_hex() + " unblocked");
  if (dialer_ && !connection_ && !dialing_) {
    dial_timer_.cancel();
    backoff_ = config_.backoff_initial;
    dial();
  }
}

bool PeerLink::enqueue(wire::SharedBytes frame, std::chrono::milliseconds delay) {
  if (!frame || frame->size() < wire::kHeaderSize) return false;
  const std::size_t size = frame->size();
  const char* reason = nullptr;
  if (shut_down_) {
    reason = "peer removed";
  } else if (queue_.size() >= config_.queue_max_frames ||
             queue_bytes_ + size > config_.queue_max_bytes) {
    reason = "queue full";
  }
  if (reason) {
    ++drops_;
    RT_LOG(debug, kLog,
           "drop " + std::string(wire::type_name(frame_type(frame))) + " to " +
               address_.id.short_hex() + ": " + reason);
    if (auto* obs = observer()) {
      obs->on_frame_dropped(address_.id, frame_type(frame), size, DropReason::other, reason);
    }
    return false;
  }
  queue_bytes_ += size;
  const auto ready = delay.count() > 0 ? SteadyClock::now() + delay : SteadyClock::time_point{};
  queue_.push_back({std::move(frame), ready});
  high_water_frames_ = std::max(high_water_frames_, queue_.size());
  high_water_bytes_ = std::max(high_water_bytes_, queue_bytes_);
  if (connection_) connection_->kick_write();
  return true;
}

void PeerLink::queue_heartbeat() {
  if (!connection_) return;
  if (!queue_.empty() && queue_.front().ready <= SteadyClock::now()) return;
  // At the front: heartbeats are never delayed, so that a delayed link does not time out.
  auto frame = wire::encode_shared(wire::Heartbeat{wall_micros()});
  queue_bytes_ += frame->size();
  queue_.push_front({std::move(frame), SteadyClock::time_point{}});
  connection_->kick_write();
}

void PeerLink::attach(crypto::ByteStream stream, wire::Hello hello, std::size_t hello_bytes_in) {
  dialing_ = false;
  dial_timer_.cancel();
  if (shut_down_) return;
  if (blocked_) {
    // A handshake that started before the partition.
    RT_LOG(debug, kLog, "closing new connection to " + address_.id.short_hex() + ": partitioned");
    stream.close();
    return;
  }
  if (connection_) {
    auto old = std::move(connection_);
    old->close("replaced by a new connection", false);
    if (auto* obs = observer()) obs->on_peer_down(address_.id, "replaced by a new connection");
  }
  connection_ = std::make_shared<Connection>(shared_from_this(), std::move(stream));
  ++connects_;
  backoff_ = config_.backoff_initial;
  last_heard_us_ = wall_micros();
  ++frames_in_;
  bytes_in_ += hello_bytes_in;
  std::size_t hello_out = 0;
  if (auto owner = owner_.lock()) hello_out = owner->hello_frame()->size();
  ++frames_out_;
  bytes_out_ += hello_out;
  RT_LOG(info, kLog,
         "peer " + address_.id.short_hex() + " up (" + (dialer_ ? "dialed " : "accepted from ") +
             connection_->remote() + ")");
  auto connection = connection_;
  connection->start();
  if (auto* obs = observer()) obs->on_frame_sent(address_.id, wire::MessageType::hello, hello_out);
  if (auto* obs = observer()) obs->on_message(address_.id, std::move(hello), hello_bytes_in);
  if (connection_ == connection) {
    if (auto* obs = observer()) obs->on_peer_up(address_.id);
  }
}

void PeerLink::disconnect(std::string_view reason) {
  if (connection_) connection_->close(reason);
}

void PeerLink::connection_closed(const Connection* connection, std::string_view reason) {
  if (connection_.get() != connection) return;
  connection_.reset();
  RT_LOG(info, kLog, "peer " + address_.id.short_hex() + " down: " + std::string(reason));
  if (auto* obs = observer()) obs->on_peer_down(address_.id, reason);
  if (dialer_ && !shut_down_ && !blocked_ && !connection_) schedule_dial();
}

void PeerLink::dial_failed(std::string_view reason) {
  dialing_ = false;
  if (shut_down_ || blocked_ || connection_) return;
  RT_LOG(debug, kLog,
         "dial " + address_.id.short_hex() + " at " + address_.host + ":" +
             std::to_string(address_.port) + " failed: " + std::string(reason) + "; retry in " +
             std::to_string(backoff_.count()) + " ms");
  schedule_dial();
}

void PeerLink::penalize(std::string_view reason) {
  if (config_.misbehaviour_penalty.count() <= 0) return;
  penalty_until_ = SteadyClock::now() + config_.misbehaviour_penalty;
  penalty_reason_ = std::string(reason);
  // This node's own redial (when it is the dialer) waits out the penalty too.
  backoff_ = std::max(backoff_, config_.misbehaviour_penalty);
}

std::chrono::milliseconds PeerLink::penalty_left() const {
  const auto left = penalty_until_ - SteadyClock::now();
  return left.count() > 0 ? std::chrono::ceil<std::chrono::milliseconds>(left)
                          : std::chrono::milliseconds(0);
}

void PeerLink::schedule_dial() {
  dial_timer_.expires_after(backoff_);
  backoff_ = std::min(backoff_ * 2, config_.backoff_max);
  dial_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (!ec) self->dial();
  });
}

void PeerLink::dial() {
  if (shut_down_ || blocked_ || connection_ || dialing_) return;
  auto owner = owner_.lock();
  if (!owner || owner->stopped()) return;
  dialing_ = true;
  Handshake::dial(owner, address_);
}

void PeerLink::frames_written(std::size_t count) {
  // Pop first, notify after: an observer may queue more frames from its callback.
  std::vector<wire::SharedBytes> written;
  written.reserve(count);
  for (std::size_t i = 0; i < count && !queue_.empty(); ++i) {
    written.push_back(std::move(queue_.front().frame));
    queue_.pop_front();
    queue_bytes_ -= written.back()->size();
    ++frames_out_;
    bytes_out_ += written.back()->size();
  }
  for (const auto& frame : written) {
    if (auto* obs = observer()) obs->on_frame_sent(address_.id, frame_type(frame), frame->size());
  }
}

void PeerLink::frame_received(wire::Message&& message, std::size_t frame_bytes) {
  ++frames_in_;
  bytes_in_ += frame_bytes;
  last_heard_us_ = wall_micros();  // a lost frame still shows the peer is alive
  auto owner = owner_.lock();
  if (owner && owner->fault_injector().lose_inbound(wire::type_of(message))) {
    if (auto* obs = observer()) obs->on_message_lost(address_.id, message, frame_bytes);
    return;
  }
  if (auto* obs = observer()) obs->on_message(address_.id, std::move(message), frame_bytes);
}

PeerStats PeerLink::stats() const {
  PeerStats s;
  s.id = address_.id;
  s.endpoint = address_.host + ":" + std::to_string(address_.port);
  s.connected = static_cast<bool>(connection_);
  s.dialer = dialer_;
  s.blocked = blocked_;
  s.queue_frames = queue_.size();
  s.queue_bytes = queue_bytes_;
  s.queue_high_water_frames = high_water_frames_;
  s.queue_high_water_bytes = high_water_bytes_;
  s.queue_limit_frames = config_.queue_max_frames;
  s.queue_limit_bytes = config_.queue_max_bytes;
  s.drops = drops_;
  s.frames_in = frames_in_;
  s.frames_out = frames_out_;
  s.bytes_in = bytes_in_;
  s.bytes_out = bytes_out_;
  s.connects = connects_;
  s.last_heard_us = last_heard_us_;
  return s;
}

// ---- Connection ---------------------------------------------------------------------------

Connection::Connection(std::shared_ptr<PeerLink> link, crypto::ByteStream stream)
    : link_(std::move(link)),
      stream_(std::move(stream)),
      heartbeat_timer_(stream_.get_executor()),
      read_timer_(stream_.get_executor()),
      release_timer_(stream_.get_executor()),
      reader_(link_->config().max_body) {
  boost::system::error_code ec;
  const auto remote = stream_.socket().remote_endpoint(ec);
  remote_ = ec ? std::string("?") : endpoint_string(remote);
  stream_.socket().set_option(tcp::no_delay(true), ec);
}

void Connection::start() {
  last_in_ = last_out_ = SteadyClock::now();
  do_read();
  arm_read_timer();
  arm_heartbeat();
  kick_write();
}

void Connection::close(std::string_view reason, bool notify_link) {
  if (closed_) return;
  closed_ = true;
  RT_LOG(debug, kLog,
         "connection to " + link_->id().short_hex() + " (" + remote_ +
             ") closed: " + std::string(reason));
  stream_.close();
  heartbeat_timer_.cancel();
  read_timer_.cancel();
  release_timer_.cancel();
  if (notify_link) link_->connection_closed(this, reason);
}

void Connection::fail(std::string_view reason) {
  RT_LOG(warn, kLog,
         "closing connection to " + link_->id().short_hex() + " (" + remote_ +
             "): " + std::string(reason));
  link_->penalize(reason);
  close(reason);
}

void Connection::do_read() {
  const auto space = reader_.space();
  stream_.async_read_some(asio::buffer(space.data(), space.size()),
                          [self = shared_from_this()](const boost::system::error_code& ec,
                                                      std::size_t n) { self->on_read(ec, n); });
}

void Connection::on_read(const boost::system::error_code& ec, std::size_t n) {
  if (closed_) return;
  if (ec) {
    close(ec == asio::error::eof ? std::string("connection closed by peer")
                                 : "read failed: " + ec.message());
    return;
  }
  reader_.commit(n);
  last_in_ = SteadyClock::now();
  if (!parse_frames()) return;
  do_read();
}

bool Connection::parse_frames() {
  std::string error;
  bool parsed = false;
  const auto now = SteadyClock::now();
  while (auto frame = reader_.next(error)) {
    // A flood is cut off here, before the frame costs the node any work.
    if (!link_->spend_inbound(frame->bytes, now)) {
      fail("inbound budget exceeded: more than " + link_->inbound_budget());
      return false;
    }
    parsed = true;
    link_->frame_received(std::move(frame->message), frame->bytes);
    if (closed_) return false;
  }
  if (!error.empty()) {
    fail(error);
    return false;
  }
  // The bytes left over begin a frame: its deadline runs from the read that brought them.
  if (reader_.buffered() == 0) {
    partial_since_.reset();
  } else if (parsed || !partial_since_) {
    partial_since_ = now;
    if (const auto frame_end = frame_deadline(); frame_end && *frame_end < read_timer_.expiry()) {
      arm_read_timer();
    }
  }
  return true;
}

void Connection::kick_write() {
  if (closed_ || writing_) return;
  const auto& queue = link_->queue();
  if (queue.empty()) return;
  out_frames_.clear();
  out_buffers_.clear();
  std::size_t bytes = 0;
  const auto now = SteadyClock::now();
  for (const auto& entry : queue) {
    if (entry.ready > now) break;  // FIFO: nothing overtakes a frame held by injected delay
    if (out_frames_.size() == kMaxBatchFrames) break;
    const auto& frame = entry.frame;
    if (!out_frames_.empty() && bytes + frame->size() > kMaxBatchBytes) break;
    bytes += frame->size();
    out_frames_.push_back(frame);
    out_buffers_.emplace_back(frame->data(), frame->size());
  }
  if (out_frames_.empty()) {
    arm_release(queue.front().ready);
    return;
  }
  if (stream_.secure() && out_buffers_.size() > 1) {
    out_flat_.resize(bytes);
    asio::buffer_copy(asio::buffer(out_flat_), out_buffers_);
    out_buffers_.assign(1, asio::buffer(out_flat_));
  }
  writing_ = true;
  asio::async_write(stream_, out_buffers_,
                    [self = shared_from_this()](const boost::system::error_code& ec,
                                                std::size_t n) { self->on_write(ec, n); });
}

void Connection::on_write(const boost::system::error_code& ec, std::size_t /*n*/) {
  writing_ = false;
  const std::size_t count = out_frames_.size();
  out_frames_.clear();
  out_buffers_.clear();
  // A connection that closed meanwhile leaves its frames queued for the next one.
  if (closed_) return;
  if (ec) {
    close("write failed: " + ec.message());
    return;
  }
  last_out_ = SteadyClock::now();
  link_->frames_written(count);
  kick_write();
}

void Connection::arm_release(SteadyClock::time_point at) {
  if (release_at_ == at) return;  // already armed: enqueues must not re-arm it every time
  release_at_ = at;
  release_timer_.expires_at(at);
  release_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (ec || self->closed_) return;
    self->release_at_.reset();
    self->kick_write();
  });
}

void Connection::arm_heartbeat() {
  const auto now = SteadyClock::now();
  auto deadline = last_out_ + link_->config().heartbeat_interval;
  if (deadline <= now) deadline = now + link_->config().heartbeat_interval;
  heartbeat_timer_.expires_at(deadline);
  heartbeat_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    self->on_heartbeat_timer(ec);
  });
}

void Connection::on_heartbeat_timer(const boost::system::error_code& ec) {
  if (ec || closed_) return;
  const auto now = SteadyClock::now();
  if (!writing_ && now - last_out_ >= link_->config().heartbeat_interval) {
    link_->queue_heartbeat();
    if (closed_) return;
  }
  arm_heartbeat();
}

std::optional<SteadyClock::time_point> Connection::frame_deadline() const {
  const auto& config = link_->config();
  if (!partial_since_ || config.frame_timeout.count() <= 0) return std::nullopt;
  const auto earned = std::chrono::milliseconds(
      config.frame_min_rate == 0 ? 0 : reader_.buffered() * 1000 / config.frame_min_rate);
  return *partial_since_ + config.frame_timeout + earned;
}

void Connection::arm_read_timer() {
  auto deadline = last_in_ + link_->config().read_timeout;
  if (const auto frame_end = frame_deadline()) deadline = std::min(deadline, *frame_end);
  read_timer_.expires_at(deadline);
  read_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    self->on_read_timer(ec);
  });
}

void Connection::on_read_timer(const boost::system::error_code& ec) {
  if (ec || closed_) return;
  const auto now = SteadyClock::now();
  if (now - last_in_ >= link_->config().read_timeout) {
    close("read timeout: nothing heard for " +
          std::to_string(link_->config().read_timeout.count()) + " ms");
    return;
  }
  if (const auto frame_end = frame_deadline(); frame_end && now >= *frame_end) {
    const auto took =
        std::chrono::duration_cast<std::chrono::milliseconds>(now - *partial_since_).count();
    fail("frame not complete after " + std::to_string(took) + " ms (" +
         std::to_string(reader_.buffered()) + " bytes of it received, slower than " +
         std::to_string(link_->config().frame_min_rate) + " bytes/s)");
    return;
  }
  arm_read_timer();
}

}  // namespace rt::net
