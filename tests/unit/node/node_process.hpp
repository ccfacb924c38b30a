// Helpers for tests that run the real raintree-node: a process guard that always kills what
// it started, free loopback ports, a temp address book, and blocking control/HTTP clients
// with timeouts.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <deque>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "wire/codec.hpp"

namespace rt::test {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

inline std::string node_binary() {
  return RT_BIN_DIR "/raintree-node";
}

// A scratch directory removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/rt-node-test-XXXXXX";
    path_ = ::mkdtemp(pattern);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

inline std::string read_file(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Ports the OS reports free right now (bound once, then released).
inline std::vector<std::uint16_t> free_ports(std::size_t n) {
  std::vector<int> fds;
  std::vector<std::uint16_t> ports;
  for (std::size_t i = 0; i < n; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    ports.push_back(ntohs(addr.sin_port));
    fds.push_back(fd);
  }
  for (int fd : fds) ::close(fd);
  return ports;
}

// A child process; killed (SIGKILL) and reaped on destruction unless it already exited.
class Process {
 public:
  Process(const std::vector<std::string>& args, const fs::path& stderr_file) {
    int out[2];
    if (::pipe(out) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(out[1], STDOUT_FILENO);
      const int err = ::open(stderr_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(err, STDERR_FILENO);
      ::close(out[0]);
      std::vector<char*> argv;
      for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    ::close(out[1]);
    stdout_fd_ = out[0];
  }
  ~Process() {
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (stdout_fd_ >= 0) ::close(stdout_fd_);
  }
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  int pid() const { return pid_; }

  // Reads stdout until a line equal to `line`, or EOF / deadline.
  bool wait_for_line(const std::string& line, std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      std::size_t eol;
      while ((eol = out_.find('\n')) != std::string::npos) {
        const std::string got = out_.substr(0, eol);
        out_.erase(0, eol + 1);
        if (got == line) return true;
      }
      pollfd p{stdout_fd_, POLLIN, 0};
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (::poll(&p, 1, static_cast<int>(std::max<long long>(left, 0))) <= 0) continue;
      char buf[256];
      const ssize_t n = ::read(stdout_fd_, buf, sizeof buf);
      if (n <= 0) return false;
      out_.append(buf, static_cast<std::size_t>(n));
    }
    return false;
  }

  // Waits for the exit status; nullopt on timeout.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
      int status = 0;
      const pid_t r = ::waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        exited_ = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      if (Clock::now() >= deadline) return std::nullopt;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }

  void signal(int sig) { ::kill(pid_, sig); }

 private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::string out_;
  bool exited_ = false;
};

// A blocking loopback socket with a receive timeout.
class Socket {
 public:
  explicit Socket(std::uint16_t port, int timeout_s = 5) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{timeout_s, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~Socket() { ::close(fd_); }
  bool connected() const { return connected_; }
  bool send(const void* data, std::size_t size) {
    return ::send(fd_, data, size, MSG_NOSIGNAL) == static_cast<ssize_t>(size);
  }
  bool send(const std::vector<std::uint8_t>& bytes) { return send(bytes.data(), bytes.size()); }
  bool send(const std::string& text) { return send(text.data(), text.size()); }
  bool read_exact(std::uint8_t* out, std::size_t size) {
    std::size_t got = 0;
    while (got < size) {
      const ssize_t n = ::recv(fd_, out + got, size - got, 0);
      if (n <= 0) return false;
      got += static_cast<std::size_t>(n);
    }
    return true;
  }
  std::optional<wire::Message> read_frame() {
    std::vector<std::uint8_t> frame(wire::kHeaderSize);
    if (!read_exact(frame.data(), frame.size())) return std::nullopt;
    const std::uint32_t size = std::uint32_t{frame[0]} << 24 | std::uint32_t{frame[1]} << 16 |
                               std::uint32_t{frame[2]} << 8 | frame[3];
    frame.resize(wire::kHeaderSize + size);
    if (!read_exact(frame.data() + wire::kHeaderSize, size)) return std::nullopt;
    return wire::decode_frame(frame, 64u << 20).message;
  }
  std::string read_all() {
    std::string out;
    char buf[4096];
    ssize_t n;
    while ((n = ::recv(fd_, buf, sizeof buf, 0)) > 0) out.append(buf, static_cast<std::size_t>(n));
    return out;
  }
  // True when the peer closed the connection within the receive timeout.
  bool closed_by_peer() {
    std::uint8_t byte;
    for (;;) {
      const ssize_t n = ::recv(fd_, &byte, 1, 0);
      if (n == 0) return true;
      if (n < 0) return errno == ECONNRESET;
    }
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

// The control channel, as a client sees it.
class Control {
 public:
  Control(std::uint16_t port, const std::string& token) : socket_(port) {
    if (!socket_.send(wire::encode_frame(wire::ControlHello{token}))) return;
    hello_ = next_response();
  }
  const std::optional<nlohmann::json>& hello() const { return hello_; }
  Socket& socket() { return socket_; }

  std::optional<nlohmann::json> request(const nlohmann::json& command) {
    const std::uint32_t id = ++next_id_;
    if (!socket_.send(wire::encode_frame(wire::ControlRequest{id, command.dump()}))) {
      return std::nullopt;
    }
    for (;;) {
      auto response = next_response(&id);
      if (!response || response_id_ == id) return response;
    }
  }
  // The next EventBatch (responses in between are skipped).
  std::optional<wire::EventBatch> next_batch() {
    if (!batches_.empty()) {
      wire::EventBatch batch = std::move(batches_.front());
      batches_.pop_front();
      return batch;
    }
    for (;;) {
      auto message = socket_.read_frame();
      if (!message) return std::nullopt;
      if (auto* batch = std::get_if<wire::EventBatch>(&*message)) return std::move(*batch);
    }
  }

 private:
  std::optional<nlohmann::json> next_response(const std::uint32_t* /*wanted*/ = nullptr) {
    for (;;) {
      auto message = socket_.read_frame();
      if (!message) return std::nullopt;
      if (auto* response = std::get_if<wire::ControlResponse>(&*message)) {
        response_id_ = response->request_id;
        return nlohmann::json::parse(response->json);
      }
      // A subscription's batch may come before the response: keep it for next_batch(), or a
      // slow run (sanitizers) loses the events that a fast one reads after the response.
      if (auto* batch = std::get_if<wire::EventBatch>(&*message)) {
        batches_.push_back(std::move(*batch));
      }
    }
  }

  Socket socket_;
  std::optional<nlohmann::json> hello_;
  std::uint32_t next_id_ = 0;
  std::uint32_t response_id_ = 0;
  std::deque<wire::EventBatch> batches_;
};

// One HTTP/1.1 request; the whole response text ("" when the connection failed).
inline std::string http(std::uint16_t port, const std::string& request) {
  Socket socket(port);
  if (!socket.connected() || !socket.send(request)) return {};
  return socket.read_all();
}

}  // namespace rt::test
