// Opening a listening TCP socket the same way for every server of a node (peer transport,
// control channel, /metrics).
#pragma once

#include <utility>  // GCC 12 + C++20: before boost/asio.hpp

#include <boost/asio.hpp>

#include <cstdint>
#include <string>
#include <system_error>

namespace rt::net {

// Opens, binds (SO_REUSEADDR) and listens on host:port (port 0: the OS picks). On failure the
// acceptor is left closed and the error says why; on success `bound_port` is the real port.
std::error_code open_listener(boost::asio::ip::tcp::acceptor& acceptor, const std::string& host,
                              std::uint16_t port, std::uint16_t& bound_port);

}  // namespace rt::net
