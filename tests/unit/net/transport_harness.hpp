// In-process transport nodes for the net tests: each TestNode runs its Transport on its own
// io_context thread, records every observer callback under a mutex, and lets the test wait on
// conditions with a deadline (never a sleep standing in for synchronisation).
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "net/transport.hpp"
#include "util/log.hpp"
#include "wire/codec.hpp"

namespace rt::test {

inline NodeId make_id(std::uint8_t fill) {
  NodeId::Bytes bytes;
  bytes.fill(fill);
  return NodeId(bytes);
}

inline wire::SharedBytes gossip_frame(std::uint64_t seq, std::size_t payload_size) {
  wire::Gossip g;
  g.id = MessageId{seq};
  g.origin = make_id(0xee);
  g.group = "all";
  g.payload = std::make_shared<const wire::Bytes>(payload_size, static_cast<std::uint8_t>(seq));
  return wire::encode_shared(g);
}

// The sequence number gossip_frame put in a received frame.
inline std::uint64_t gossip_seq(const wire::Message& m) {
  return std::get<wire::Gossip>(m).id.value;
}

struct Recorded {
  struct Drop {
    NodeId to;
    wire::MessageType type;
    std::size_t bytes;
    std::string reason;
    net::DropReason code = net::DropReason::other;
  };
  std::vector<NodeId> ups;
  std::vector<std::pair<NodeId, std::string>> downs;
  std::vector<std::pair<NodeId, wire::Message>> messages;            // HELLO and HEARTBEAT excluded
  std::vector<std::chrono::steady_clock::time_point> message_times;  // one per message
  std::size_t heartbeats_in = 0;
  std::size_t lost_in = 0;  // inbound frames discarded by injected loss
  std::vector<Drop> drops;
};

class TestNode : public net::TransportObserver {
 public:
  TestNode(NodeId id, net::TransportConfig config = {}, std::uint16_t port = 0) : id_(id) {
    config.self = id;
    config.listen_port = port;
    transport_ = net::Transport::create(io_, config, *this);
    if (auto ec = transport_->listen()) throw std::runtime_error("listen: " + ec.message());
    port_ = transport_->local_port();
  }
  ~TestNode() override { shutdown(); }

  const NodeId& id() const { return id_; }
  std::uint16_t port() const { return port_; }
  net::PeerAddress address() const { return {id_, "127.0.0.1", port_}; }

  void start(std::vector<net::PeerAddress> peers) {
    auto guard = boost::asio::make_work_guard(io_);
    work_.emplace(std::move(guard));
    thread_ = std::thread([this] { io_.run(); });
    run([&] { transport_->start(peers); });
  }

  // Runs fn on the network thread and waits for it.
  template <typename F>
  auto run(F&& fn) -> decltype(fn()) {
    std::packaged_task<decltype(fn())()> task(std::forward<F>(fn));
    auto result = task.get_future();
    boost::asio::post(io_, [&task] { task(); });
    return result.get();
  }

  bool send(const NodeId& to, wire::SharedBytes frame) {
    return run([&] { return transport_->send(to, frame); });
  }
  std::optional<net::PeerStats> stats(const NodeId& peer) {
    return run([&] { return transport_->stats(peer); });
  }
  void set_faults(net::FaultSettings faults) {
    run([&] { transport_->set_faults(std::move(faults)); });
  }
  net::FaultSettings faults() {
    return run([&] { return transport_->faults(); });
  }
  void set_peers(std::vector<net::PeerAddress> peers) {
    run([&] { transport_->set_peers(std::move(peers)); });
  }

  void shutdown() {
    if (!thread_.joinable()) return;
    run([&] { transport_->stop(); });
    work_.reset();
    thread_.join();
  }

  // Waits until pred(recorded) holds, up to the deadline.
  bool wait(const std::function<bool(const Recorded&)>& pred,
            std::chrono::milliseconds timeout = std::chrono::milliseconds(5000)) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return pred(recorded_); });
  }
  template <typename F>
  auto with(F&& fn) {
    std::lock_guard lock(mutex_);
    return fn(recorded_);
  }

  bool wait_connected(const NodeId& peer, std::size_t ups = 1) {
    return wait([&](const Recorded& r) {
      return static_cast<std::size_t>(std::count(r.ups.begin(), r.ups.end(), peer)) >= ups;
    });
  }

  // TransportObserver (network thread)
  void on_peer_up(const NodeId& peer) override {
    record([&](Recorded& r) { r.ups.push_back(peer); });
  }
  void on_peer_down(const NodeId& peer, std::string_view reason) override {
    record([&](Recorded& r) { r.downs.emplace_back(peer, std::string(reason)); });
  }
  void on_message(const NodeId& from, wire::Message&& message, std::size_t) override {
    record([&](Recorded& r) {
      if (std::holds_alternative<wire::Heartbeat>(message)) {
        ++r.heartbeats_in;
      } else if (!std::holds_alternative<wire::Hello>(message)) {
        r.messages.emplace_back(from, std::move(message));
        r.message_times.push_back(std::chrono::steady_clock::now());
      }
    });
  }
  void on_drop(const NodeId& to, wire::MessageType type, std::size_t bytes,
               std::string_view reason) override {
    record([&](Recorded& r) { r.drops.push_back({to, type, bytes, std::string(reason)}); });
  }
  void on_frame_dropped(const NodeId& to, wire::MessageType type, std::size_t bytes,
                        net::DropReason code, std::string_view reason) override {
    record([&](Recorded& r) { r.drops.push_back({to, type, bytes, std::string(reason), code}); });
  }
  void on_message_lost(const NodeId&, const wire::Message&, std::size_t) override {
    record([&](Recorded& r) { ++r.lost_in; });
  }

 private:
  template <typename F>
  void record(F&& fn) {
    {
      std::lock_guard lock(mutex_);
      fn(recorded_);
    }
    cv_.notify_all();
  }

  NodeId id_;
  boost::asio::io_context io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::shared_ptr<net::Transport> transport_;
  std::uint16_t port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable cv_;
  Recorded recorded_;
};

// Collects log lines (for "reason logged" checks); restores the previous state on exit.
class LogCapture {
 public:
  LogCapture() {
    log::set_level(log::Level::info);
    log::set_sink([this](log::Level, std::string_view category, std::string_view text) {
      std::lock_guard lock(mutex_);
      lines_.push_back(std::string(category) + ": " + std::string(text));
    });
  }
  ~LogCapture() { log::set_sink({}); }
  bool contains(std::string_view needle) {
    std::lock_guard lock(mutex_);
    for (const auto& line : lines_) {
      if (line.find(needle) != std::string::npos) return true;
    }
    return false;
  }

 private:
  std::mutex mutex_;
  std::vector<std::string> lines_;
};

// Waits for a condition polled with a short back-off, up to a deadline.
inline bool eventually(const std::function<bool()>& pred,
                       std::chrono::milliseconds timeout = std::chrono::milliseconds(5000)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return pred();
}

}  // namespace rt::test
