// raintree-node: one gossip node process. Composition root only: parse and check the flags,
// read the address book, build a Node, run its io_context on this (the network) thread until
// SIGTERM/SIGINT or the control `shutdown` command.
#include <utility>  // GCC 12 + C++20: before boost/asio.hpp

#include <boost/asio.hpp>

#include <cctype>
#include <charconv>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include <CLI/CLI.hpp>

#include "core.hpp"
#include "node/node.hpp"
#include "protocol/membership.hpp"
#include "util/log.hpp"

namespace {

constexpr int kUsageError = 2;

int usage_error(const std::string& message) {
  std::fprintf(stderr, "raintree-node: error: %s\n", message.c_str());
  return kUsageError;
}

bool parse_port(const std::string& text, std::uint16_t& port) {
  unsigned value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || value == 0 || value > 65535) {
    return false;
  }
  port = static_cast<std::uint16_t>(value);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"raintree-node: one gossip node of a RainTree Studio cluster"};
  app.set_version_flag("--version", std::string(rt::version()));
  std::string id_hex, key_path, listen, book_path, control, token, metrics, mode = "random";
  bool insecure = false;
  std::string fanout = "default", log_level = "info";
  std::uint64_t seed = 0;
  bool byzantine = false;
  std::string advert_priority;
  app.add_option("--key", key_path,
                 "this node's Ed25519 private key (PEM, as `raintree-lab cluster up` writes it): "
                 "its identity on mutual TLS 1.3 links; the id is derived from it");
  app.add_option("--id", id_hex,
                 "this node's id: 64 hex characters (with --key: must be the key's id)");
  app.add_flag("--insecure", insecure,
               "plaintext peer links without authentication, for packet captures only: any "
               "process that can reach the port may claim a member's id");
  app.add_option("--listen", listen,
                 "peer endpoint HOST:PORT that peers dial (must match the address book; HOST "
                 "may be a DNS name when --bind gives the address)")
      ->required();
  std::string bind;
  app.add_option("--bind", bind,
                 "address the peer port binds, e.g. 0.0.0.0 in a pod known by its DNS name "
                 "(default: the --listen host)");
  app.add_option("--address-book", book_path, "address book JSON file")->required();
  std::string control_host = "127.0.0.1";
  app.add_option("--control", control, "control channel port")->required();
  app.add_option("--control-host", control_host,
                 "control channel address; anything but loopback serves TLS 1.3 with the "
                 "node's key (needs --key; with --insecure only the peer links are plaintext)")
      ->capture_default_str();
  std::string token_file;
  auto* token_option = app.add_option(
      "--token", token, "control channel token (visible to local users in the process list)");
  app.add_option("--token-file", token_file,
                 "file whose first line is the control channel token (what the lab uses: the "
                 "token stays out of the process list)")
      ->excludes(token_option);
  app.add_option("--metrics", metrics, "Prometheus /metrics port")->required();
  std::string metrics_host = "127.0.0.1";
  app.add_option("--metrics-host", metrics_host,
                 "address of /metrics (read-only counters, plain HTTP for Prometheus)")
      ->capture_default_str();
  app.add_option("--mode", mode, "protocol: pocket, raintree, random or advert")
      ->capture_default_str();
  app.add_option("--fanout", fanout,
                 "random gossip fanout: a number >= 1, \"all\" to flood, or \"default\" or 0 "
                 "(max(3, ceil(sqrt N)))")
      ->capture_default_str();
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error or off")
      ->capture_default_str();
  app.add_option("--seed", seed,
                 "seed of the node's random choices (engine, payloads, injected loss); 0: random")
      ->capture_default_str();
  app.add_flag("--byzantine", byzantine,
               "advert mode only: serve corrupted artifact bodies, to show that honest nodes "
               "catch them by their hash and fetch elsewhere");
  app.add_option("--advert-priority", advert_priority,
                 "advert mode only: the priority function as key=value,... e.g. "
                 "\"drop_kinds=3,later_ahead_ms=2000\" (docs/advert.md)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return usage_error(std::string(e.what()) + " (see --help)");
  }

  rt::log::Level level;
  if (!rt::log::parse_level(log_level, level)) {
    return usage_error("--log-level must be trace, debug, info, warn, error or off, got \"" +
                       log_level + "\"");
  }
  rt::log::set_level(level);
  rt::log::set_sink(rt::log::stderr_sink());

  rt::node::NodeConfig config;
  if (!key_path.empty()) {
    std::string why;
    config.key = rt::crypto::NodeKey::load(key_path, why);
    if (!config.key) return usage_error("--key: " + why);
    config.id = config.key->id();
  } else if (!insecure) {
    return usage_error("--key FILE is required (or --insecure, with --id, for plaintext links)");
  }
  if (!id_hex.empty()) {
    const auto id = rt::NodeId::from_hex(id_hex);
    if (!id) return usage_error("--id must be 64 hex characters, got \"" + id_hex + "\"");
    if (config.key && *id != config.id) {
      return usage_error("--id " + id_hex + " is not the id of the key in " + key_path + " (" +
                         config.id.hex() + ")");
    }
    config.id = *id;
  } else if (!config.key) {
    return usage_error("--insecure without --key needs --id");
  }
  // --insecure with a key: the id comes from the key, the peer links stay plaintext, and an
  // off-loopback control channel still gets its TLS from the key.
  config.plaintext_links = insecure;
  if (!rt::protocol::parse_endpoint(listen, config.listen_host, config.listen_port)) {
    return usage_error("--listen must be HOST:PORT, got \"" + listen + "\"");
  }
  {
    boost::system::error_code not_ip;
    if (!bind.empty()) {
      boost::asio::ip::make_address(bind, not_ip);
      if (not_ip) return usage_error("--bind must be an IP address, got \"" + bind + "\"");
    } else {
      boost::asio::ip::make_address(config.listen_host, not_ip);
      if (not_ip) {
        return usage_error("--listen host \"" + config.listen_host +
                           "\" is not an IP address: give --bind ADDR (e.g. 0.0.0.0) to say "
                           "where to listen");
      }
    }
  }
  config.bind_host = bind;
  config.control_host = control_host;
  if (!parse_port(control, config.control_port)) {
    return usage_error("--control must be a port number 1..65535, got \"" + control + "\"");
  }
  config.metrics_host = metrics_host;
  if (!parse_port(metrics, config.metrics_port)) {
    return usage_error("--metrics must be a port number 1..65535, got \"" + metrics + "\"");
  }
  if (!token_file.empty()) {
    std::ifstream in(token_file);
    if (!in) return usage_error("cannot read the token file " + token_file);
    std::getline(in, token);
    while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back())))
      token.pop_back();
    if (token.empty()) return usage_error("the token file " + token_file + " is empty");
  }
  if (token.empty()) return usage_error("--token or --token-file is required");
  config.token = token;
  if (!rt::protocol::is_known_mode(mode)) {
    return usage_error("--mode must be pocket, raintree, random or advert, got \"" + mode + "\"");
  }
  config.mode = mode;
  if (byzantine && mode != "advert") {
    return usage_error("--byzantine needs --mode advert (the only mode whose bodies carry a hash)");
  }
  config.byzantine = byzantine;
  if (!advert_priority.empty()) {
    if (mode != "advert") return usage_error("--advert-priority needs --mode advert");
    std::string why;
    if (!rt::protocol::parse_priority_spec(advert_priority, config.advert_priority, why)) {
      return usage_error("--advert-priority: " + why);
    }
  }
  config.seed = seed;
  if (fanout == "all") {
    config.fanout = -1;
  } else if (fanout == "default") {
    config.fanout = 0;
  } else {
    int value = 0;
    auto [ptr, ec] = std::from_chars(fanout.data(), fanout.data() + fanout.size(), value);
    if (ec != std::errc() || ptr != fanout.data() + fanout.size() || value < 0) {
      return usage_error(
          "--fanout must be a number >= 0 (0: default), \"all\" or \"default\", got \"" + fanout +
          "\"");
    }
    config.fanout = value;
  }

  std::ifstream file(book_path);
  if (!file) return usage_error("cannot read the address book " + book_path);
  std::stringstream text;
  text << file.rdbuf();
  std::string why;
  auto book = rt::protocol::parse_address_book(text.str(), why);
  if (!book) return usage_error("bad address book " + book_path + ": " + why);
  const rt::protocol::Member* self = book->find(config.id);
  if (!self) return usage_error("--id " + id_hex + " is not in the address book " + book_path);
  if (self->host != config.listen_host || self->port != config.listen_port) {
    return usage_error("--listen " + listen + " does not match this node's address book endpoint " +
                       self->endpoint());
  }
  config.membership = std::make_shared<const rt::protocol::Membership>(std::move(*book));

  boost::asio::io_context io(1);
  auto node = rt::node::Node::create(io, std::move(config));
  std::string error;
  if (!node->start(error)) {
    std::fprintf(stderr, "raintree-node: error: %s\n", error.c_str());
    return kUsageError;
  }

  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    RT_LOG(info, "node",
           std::string("shutting down on ") + (signal == SIGINT ? "SIGINT" : "SIGTERM"));
    node->stop();
  });
  node->set_on_shutdown([&] {
    boost::system::error_code ignored;
    signals.cancel(ignored);
  });

  // All three ports are bound: tell the launcher.
  std::fputs("ready\n", stdout);
  std::fflush(stdout);

  io.run();
  signals.cancel();
  RT_LOG(info, "node", "stopped");
  return 0;
}
