// A hostile peer for the integration tests: a raw, non-blocking TCP socket that the test drives
// by hand (half frames, floods, stalls), with nothing of core/net in between. Every wait has a
// deadline and polls the socket; nothing sleeps in place of an event.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "wire/codec.hpp"

namespace rt::itest {

using HostileClock = std::chrono::steady_clock;

// The honest nodes all speak from 127.0.0.1; the attacker uses another loopback address so
// that a node can tell them apart, as it would tell hosts apart on a real network.
inline constexpr const char* kHostileSource = "127.0.0.2";

class RawPeer {
 public:
  RawPeer() = default;
  RawPeer(const RawPeer&) = delete;
  RawPeer& operator=(const RawPeer&) = delete;
  RawPeer(RawPeer&& other) noexcept { *this = std::move(other); }
  RawPeer& operator=(RawPeer&& other) noexcept {
    if (this != &other) {
      close();
      fd_ = std::exchange(other.fd_, -1);
      closed_by_peer_ = other.closed_by_peer_;
      in_ = std::move(other.in_);
    }
    return *this;
  }
  ~RawPeer() { close(); }

  // Connects to destination:port from `source`; the socket is then non-blocking.
  static RawPeer connect(std::uint16_t port, const char* source = kHostileSource,
                         const char* destination = "127.0.0.1") {
    RawPeer peer;
    peer.fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (peer.fd_ < 0) return peer;
    sockaddr_in local{};
    local.sin_family = AF_INET;
    ::inet_pton(AF_INET, source, &local.sin_addr);
    sockaddr_in remote{};
    remote.sin_family = AF_INET;
    remote.sin_port = htons(port);
    ::inet_pton(AF_INET, destination, &remote.sin_addr);
    if (::bind(peer.fd_, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0 ||
        ::connect(peer.fd_, reinterpret_cast<sockaddr*>(&remote), sizeof remote) != 0) {
      peer.close();
      return peer;
    }
    const int one = 1;
    ::setsockopt(peer.fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ::fcntl(peer.fd_, F_SETFL, ::fcntl(peer.fd_, F_GETFL) | O_NONBLOCK);
    return peer;
  }

  bool open() const { return fd_ >= 0; }
  int fd() const { return fd_; }
  // True once a read or a write saw the node close the connection (EOF or reset).
  bool closed_by_peer() const { return closed_by_peer_; }

  // Writes what the socket takes right now; the number of bytes written.
  std::size_t send_some(std::span<const std::uint8_t> bytes) {
    if (fd_ < 0 || closed_by_peer_) return 0;
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) closed_by_peer_ = true;
      return 0;
    }
    return static_cast<std::size_t>(n);
  }

  // Writes all of `bytes` within `limit`; false when the node closed or the time ran out.
  bool send_all(std::span<const std::uint8_t> bytes,
                std::chrono::milliseconds limit = std::chrono::milliseconds(3000)) {
    const auto deadline = HostileClock::now() + limit;
    while (!bytes.empty()) {
      bytes = bytes.subspan(send_some(bytes));
      if (closed_by_peer_ || fd_ < 0) return false;
      if (bytes.empty()) break;
      if (!wait(POLLOUT, deadline)) return false;
    }
    return true;
  }

  // Reads whatever has arrived (kept for next_frame); false when the node closed.
  bool pump() {
    std::uint8_t buffer[64 * 1024];
    while (fd_ >= 0 && !closed_by_peer_) {
      const ssize_t n = ::recv(fd_, buffer, sizeof buffer, MSG_DONTWAIT);
      if (n > 0) {
        in_.insert(in_.end(), buffer, buffer + n);
        continue;
      }
      if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        closed_by_peer_ = true;
      }
      break;
    }
    return !closed_by_peer_;
  }

  // The next whole frame from the node within `limit`.
  std::optional<wire::Message> next_frame(std::chrono::milliseconds limit) {
    const auto deadline = HostileClock::now() + limit;
    for (;;) {
      auto decoded = wire::decode_frame(in_, 64u << 20);
      if (decoded.message) {
        in_.erase(in_.begin(), in_.begin() + static_cast<std::ptrdiff_t>(decoded.consumed));
        return decoded.message;
      }
      if (!pump() || !wait(POLLIN, deadline)) return std::nullopt;
    }
  }

  // HELLO as a member of the address book, then the node's HELLO back.
  bool hello_as(const NodeId& id,
                std::chrono::milliseconds limit = std::chrono::milliseconds(3000)) {
    wire::Hello hello;
    hello.id = id;
    hello.listen = "127.0.0.1:9";
    hello.roles = {"validator"};
    if (!send_all(wire::encode_frame(hello), limit)) return false;
    const auto answer = next_frame(limit);
    return answer && std::holds_alternative<wire::Hello>(*answer);
  }

  // Waits until the node closes the connection (whatever it sends meanwhile is read and kept).
  bool wait_closed(std::chrono::milliseconds limit) {
    const auto deadline = HostileClock::now() + limit;
    while (pump()) {
      if (!wait(POLLIN, deadline)) return false;
    }
    return true;
  }

  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  // Polls for `events` until the deadline; false on timeout.
  bool wait(short events, HostileClock::time_point deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - HostileClock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, static_cast<short>(events | POLLRDHUP), 0};
    return ::poll(&p, 1, static_cast<int>(left.count())) > 0;
  }

  int fd_ = -1;
  bool closed_by_peer_ = false;
  std::vector<std::uint8_t> in_;
};

// Resident memory of a process in KiB (VmRSS), 0 when unreadable.
inline std::uint64_t rss_kib(int pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6));
  }
  return 0;
}

}  // namespace rt::itest
