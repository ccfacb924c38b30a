// A minimal HTTP/1.1 server for Prometheus: `GET /metrics` on loopback answers the text
// exposition format (version 0.0.4); anything else gets 400, 404 or 405. One request per
// connection (Connection: close), a bounded request head and a deadline per connection, so a
// bad client costs one socket for a few seconds at most.
#pragma once

#include <utility>  // GCC 12 + C++20: before boost/asio.hpp

#include <boost/asio.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace rt::node {

struct MetricsServerConfig {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;  // 0: the OS picks one
  std::chrono::milliseconds timeout{5000};
  std::size_t max_request_head = 8192;
  std::size_t max_connections = 32;
};

// Renders the exposition text on the io_context's thread.
using MetricsRenderer = std::function<std::string()>;

struct HttpRequestLine {
  std::string method;
  std::string target;
  std::string version;
};
// Parses "METHOD SP TARGET SP HTTP/1.x" (the first line of a request head).
bool parse_request_line(std::string_view head, HttpRequestLine& out);
// The whole response (status line, headers, body) for a request head.
std::string http_response_for(std::string_view head, const MetricsRenderer& render);

class MetricsConnection;

class MetricsServer : public std::enable_shared_from_this<MetricsServer> {
 public:
  static std::shared_ptr<MetricsServer> create(boost::asio::io_context& io,
                                               MetricsServerConfig config, MetricsRenderer render);
  std::error_code listen();
  std::uint16_t port() const { return port_; }
  void start();
  void stop();

  // ---- used by the per-connection handler ------------------------------------------------
  const MetricsServerConfig& config() const { return config_; }
  const MetricsRenderer& renderer() const { return render_; }
  bool stopped() const { return stopped_; }
  void connection_closed() {
    if (connections_ > 0) --connections_;
  }

 private:
  MetricsServer(boost::asio::io_context& io, MetricsServerConfig config, MetricsRenderer render);
  void do_accept();

  boost::asio::io_context& io_;
  MetricsServerConfig config_;
  MetricsRenderer render_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer accept_retry_;
  std::uint16_t port_ = 0;
  bool stopped_ = false;
  std::size_t connections_ = 0;
  std::vector<std::weak_ptr<MetricsConnection>> open_;  // closed by stop()
};

}  // namespace rt::node
