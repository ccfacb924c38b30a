// A tiny in-test control server speaking the codec (docs/control-protocol.md), for testing the
// control client and the monitor without a real node. POSIX sockets, one thread per
// connection, every wait bounded so that the destructor returns promptly.
#pragma once

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "wire/codec.hpp"

namespace rt::cluster::testing {

class FakeNode {
 public:
  using Handler = std::function<nlohmann::json(const nlohmann::json& command)>;

  FakeNode(std::string token, Handler handler)
      : token_(std::move(token)), handler_(std::move(handler)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(listen_fd_, 16);
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    accept_thread_ = std::thread([this] { accept_loop(); });
  }

  ~FakeNode() {
    stop_ = true;
    accept_thread_.join();
    std::lock_guard lock(mu_);
    for (auto& t : connections_) t.join();
    ::close(listen_fd_);
  }

  std::string endpoint() const { return "127.0.0.1:" + std::to_string(port_); }

  // Behaviour switches, set before connecting.
  std::atomic<bool> silent{false};       // never answers requests
  std::atomic<bool> stale_first{false};  // sends a stale response and an event batch first
  std::vector<wire::EventRecord> subscribe_events;  // pushed right after answering subscribe
  std::atomic<int> refused{0};
  std::atomic<int> requests{0};

 private:
  void accept_loop() {
    while (!stop_) {
      pollfd p{listen_fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      const int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) continue;
      std::lock_guard lock(mu_);
      connections_.emplace_back([this, fd] {
        serve(fd);
        ::close(fd);
      });
    }
  }

  void send(int fd, const wire::Message& m) {
    const wire::Bytes frame = wire::encode_frame(m);
    std::size_t sent = 0;
    while (sent < frame.size()) {
      const ssize_t n = ::send(fd, frame.data() + sent, frame.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return;
      sent += static_cast<std::size_t>(n);
    }
  }

  bool next(int fd, std::vector<std::uint8_t>& buf, wire::Message& out) {
    for (;;) {
      const auto r = wire::decode_frame(buf);
      if (!r.error) {
        buf.erase(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(r.consumed));
        out = *r.message;
        return true;
      }
      if (r.error != wire::errc::truncated) return false;
      pollfd p{fd, POLLIN, 0};
      while (!stop_ && ::poll(&p, 1, 50) <= 0) {
      }
      if (stop_) return false;
      std::uint8_t chunk[4096];
      const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) return false;
      buf.insert(buf.end(), chunk, chunk + n);
    }
  }

  void serve(int fd) {
    std::vector<std::uint8_t> buf;
    wire::Message m;
    if (!next(fd, buf, m)) return;
    const auto* hello = std::get_if<wire::ControlHello>(&m);
    if (!hello || hello->token != token_) {
      ++refused;
      send(fd, wire::ControlResponse{0, R"({"ok":false,"error":"wrong token"})"});
      return;
    }
    send(fd, wire::ControlResponse{0, R"({"ok":true,"id":"fake","mode":"random"})"});
    while (next(fd, buf, m)) {
      const auto* req = std::get_if<wire::ControlRequest>(&m);
      if (!req) return;
      ++requests;
      if (silent) continue;
      const auto cmd = nlohmann::json::parse(req->json);
      if (stale_first) {
        send(fd, wire::ControlResponse{req->request_id + 1000, R"({"ok":true,"stale":true})"});
        send(fd, wire::EventBatch{7, {}});
      }
      if (cmd.value("cmd", "") == "subscribe") {
        send(fd, wire::ControlResponse{req->request_id, R"({"ok":true,"next_seq":1})"});
        if (!subscribe_events.empty()) send(fd, wire::EventBatch{0, subscribe_events});
        continue;
      }
      const nlohmann::json answer = handler_(cmd);
      if (answer.value("close", false)) return;  // hang up without answering
      send(fd, wire::ControlResponse{req->request_id, answer.dump()});
    }
  }

  std::string token_;
  Handler handler_;
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::thread accept_thread_;
  std::vector<std::thread> connections_;
};

inline wire::EventRecord sample_event(std::uint64_t seq) {
  wire::EventRecord e;
  e.seq = seq;
  e.time_us = 1000 + static_cast<Micros>(seq);
  e.kind = wire::EventKind::receive;
  e.msg_id = MessageId{seq * 17};
  e.bytes = 100;
  return e;
}

}  // namespace rt::cluster::testing
