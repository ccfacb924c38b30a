#include "net/listener.hpp"

namespace rt::net {

std::error_code open_listener(boost::asio::ip::tcp::acceptor& acceptor, const std::string& host,
                              std::uint16_t port, std::uint16_t& bound_port) {
  namespace asio = boost::asio;
  using asio::ip::tcp;
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (ec) return std::make_error_code(std::errc::invalid_argument);
  const tcp::endpoint endpoint(address, port);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (!ec) bound_port = acceptor.local_endpoint(ec).port();
  if (ec) {
    boost::system::error_code ignored;
    acceptor.close(ignored);
    return std::error_code(ec.value(), std::system_category());
  }
  return {};
}

}  // namespace rt::net
