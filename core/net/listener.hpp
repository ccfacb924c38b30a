// Opening a listening TCP socket the same way for every server of a node (peer transport,
// control channel, /metrics).
#pragma once

#include <utility>  // GCC 12 + C++20: before boost/asio.hpp

#include <boost/asio.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <system_error>

namespace rt::net {

// Opens, binds (SO_REUSEADDR) and listens on host:port (port 0: the OS picks). On failure the
// acceptor is left closed and the error says why; on success `bound_port` is the real port.
std::error_code open_listener(boost::asio::ip::tcp::acceptor& acceptor, const std::string& host,
                              std::uint16_t port, std::uint16_t& bound_port);

// After a failed accept (e.g. out of file descriptors), waits 100 ms on `timer` and then calls
// `retry`, instead of spinning on the error. A cancelled timer (server stopping) never retries.
template <typename Retry>
void retry_accept_later(boost::asio::steady_timer& timer, Retry retry) {
  timer.expires_after(std::chrono::milliseconds(100));
  timer.async_wait([retry = std::move(retry)](const boost::system::error_code& error) {
    if (!error) retry();
  });
}

}  // namespace rt::net
