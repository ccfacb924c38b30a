#include "node/metrics_server.hpp"

#include "net/listener.hpp"

#include "util/log.hpp"

namespace rt::node {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

constexpr std::string_view kLog = "metrics";

std::string response(int status, std::string_view reason, std::string_view content_type,
                     std::string_view body, std::string_view extra_headers = {}) {
  std::string out;
  out.reserve(body.size() + 200);
  out += "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason) + "\r\n";
  out += "Content-Type: " + std::string(content_type) + "\r\n";
  out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  out += extra_headers;
  out += "Connection: close\r\n\r\n";
  out += body;
  return out;
}

std::string plain(int status, std::string_view reason, std::string_view extra = {}) {
  return response(status, reason, "text/plain; charset=utf-8", std::string(reason) + "\n", extra);
}

}  // namespace

// One HTTP connection: read the head (bounded), answer, close.
class MetricsConnection : public std::enable_shared_from_this<MetricsConnection> {
 public:
  MetricsConnection(std::shared_ptr<MetricsServer> server, tcp::socket socket)
      : server_(std::move(server)),
        socket_(std::move(socket)),
        deadline_(socket_.get_executor()),
        buffer_(server_->config().max_request_head) {}

  void start() {
    deadline_.expires_after(server_->config().timeout);
    deadline_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (!ec) self->close();
    });
    asio::async_read_until(socket_, buffer_, "\r\n\r\n",
                           [self = shared_from_this()](const boost::system::error_code& ec,
                                                       std::size_t n) { self->on_head(ec, n); });
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    deadline_.cancel();
    server_->connection_closed();
  }

 private:
  void on_head(const boost::system::error_code& ec, std::size_t n) {
    if (closed_) return;
    if (ec == asio::error::not_found) {  // the head outgrew max_request_head
      return reply(plain(431, "Request Header Fields Too Large"));
    }
    if (ec) return close();
    const std::string head(asio::buffers_begin(buffer_.data()),
                           asio::buffers_begin(buffer_.data()) + static_cast<std::ptrdiff_t>(n));
    if (server_->stopped()) return close();
    reply(http_response_for(head, server_->renderer()));
  }

  void reply(std::string text) {
    response_ = std::move(text);
    asio::async_write(socket_, asio::buffer(response_),
                      [self = shared_from_this()](const boost::system::error_code&, std::size_t) {
                        self->close();
                      });
  }

  std::shared_ptr<MetricsServer> server_;
  tcp::socket socket_;
  asio::steady_timer deadline_;
  asio::streambuf buffer_;
  std::string response_;
  bool closed_ = false;
};

bool parse_request_line(std::string_view head, HttpRequestLine& out) {
  const std::size_t eol = head.find("\r\n");
  const std::string_view line = head.substr(0, eol);
  const std::size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos || sp1 == 0) return false;
  const std::size_t sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || sp2 == sp1 + 1) return false;
  if (line.find(' ', sp2 + 1) != std::string_view::npos) return false;
  out.method = std::string(line.substr(0, sp1));
  out.target = std::string(line.substr(sp1 + 1, sp2 - sp1 - 1));
  out.version = std::string(line.substr(sp2 + 1));
  if (out.version != "HTTP/1.1" && out.version != "HTTP/1.0") return false;
  for (char c : out.method) {
    if (c < 'A' || c > 'Z') return false;
  }
  return !out.target.empty() && out.target[0] == '/';
}

std::string http_response_for(std::string_view head, const MetricsRenderer& render) {
  HttpRequestLine line;
  if (!parse_request_line(head, line)) return plain(400, "Bad Request");
  std::string_view path = line.target;
  if (const std::size_t q = path.find('?'); q != std::string_view::npos) path = path.substr(0, q);
  if (path != "/metrics") return plain(404, "Not Found");
  if (line.method != "GET" && line.method != "HEAD") {
    return plain(405, "Method Not Allowed", "Allow: GET, HEAD\r\n");
  }
  const std::string body = render();
  std::string out = response(200, "OK", "text/plain; version=0.0.4; charset=utf-8", body);
  if (line.method == "HEAD") out.resize(out.size() - body.size());
  return out;
}

std::shared_ptr<MetricsServer> MetricsServer::create(asio::io_context& io,
                                                     MetricsServerConfig config,
                                                     MetricsRenderer render) {
  return std::shared_ptr<MetricsServer>(
      new MetricsServer(io, std::move(config), std::move(render)));
}

MetricsServer::MetricsServer(asio::io_context& io, MetricsServerConfig config,
                             MetricsRenderer render)
    : io_(io),
      config_(std::move(config)),
      render_(std::move(render)),
      acceptor_(io),
      accept_retry_(io) {}

std::error_code MetricsServer::listen() {
  if (auto error = net::open_listener(acceptor_, config_.host, config_.port, port_)) return error;
  return {};
}

void MetricsServer::start() {
  if (acceptor_.is_open()) do_accept();
}

void MetricsServer::do_accept() {
  acceptor_.async_accept(
      [self = shared_from_this()](const boost::system::error_code& ec, tcp::socket socket) {
        if (self->stopped_ || ec == asio::error::operation_aborted) return;
        if (ec) {
          // E.g. out of file descriptors: retry shortly instead of spinning.
          RT_LOG(warn, kLog, "accept failed: " + ec.message());
          net::retry_accept_later(self->accept_retry_, [self] {
            if (!self->stopped_) self->do_accept();
          });
          return;
        }
        if (self->connections_ >= self->config_.max_connections) {
          boost::system::error_code ignored;
          socket.close(ignored);
        } else {
          ++self->connections_;
          auto connection = std::make_shared<MetricsConnection>(self, std::move(socket));
          std::erase_if(self->open_, [](const auto& weak) { return weak.expired(); });
          self->open_.push_back(connection);
          connection->start();
        }
        self->do_accept();
      });
}

void MetricsServer::stop() {
  if (stopped_) return;
  stopped_ = true;
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  accept_retry_.cancel();
  auto open = std::move(open_);
  open_.clear();
  for (auto& weak : open) {
    if (auto connection = weak.lock()) connection->close();
  }
}

}  // namespace rt::node
