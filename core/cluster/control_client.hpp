// A blocking client of one node's control channel (docs/control-protocol.md). Every call
// has a timeout. One instance is used from one thread at a time. A node on loopback is reached
// in plaintext; anywhere else over TLS 1.3, pinning the node's key (and on loopback too when
// cluster.json says "control_tls": true, e.g. through kubectl port-forward).
#pragma once

#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "cluster/cluster_info.hpp"
#include "wire/messages.hpp"

namespace rt::cluster {

class ControlClient {
 public:
  using Duration = std::chrono::milliseconds;

  // Connects to "host:port" and authenticates with the token. Off loopback the channel is TLS
  // and the node must present `node_key`. `tls` overrides that choice: true speaks TLS even to
  // a loopback endpoint (a local forward to a node that serves TLS, e.g. kubectl
  // port-forward); false is refused off loopback. nullptr and a reason on failure (refused,
  // timed out, wrong token, no key to pin, another key).
  static std::unique_ptr<ControlClient> connect(const std::string& endpoint,
                                                const std::string& token, Duration timeout,
                                                std::string& error,
                                                const std::optional<PublicKey>& node_key = {},
                                                std::optional<bool> tls = std::nullopt);
  // The same for a node of cluster.json (its control endpoint, token, public key and
  // control_tls).
  static std::unique_ptr<ControlClient> connect(const NodeInfo& node, Duration timeout,
                                                std::string& error) {
    return connect(node.control, node.token, timeout, error, node.public_key, node.control_tls);
  }
  ~ControlClient();

  // Sends {"cmd": ..., ...} and waits for its response. Returns the response document (which
  // may say "ok": false) or nullopt with a reason when the channel failed or timed out.
  // Event batches arriving meanwhile are kept for next_events().
  std::optional<nlohmann::json> request(const nlohmann::json& command, Duration timeout,
                                        std::string& error);

  // Starts the event stream on this connection: from the node's next event, or from `from_seq`
  // (records still in the node's ring are sent again; older ones are reported as dropped).
  bool subscribe(std::string& error, Duration timeout = Duration(3000),
                 std::optional<std::uint64_t> from_seq = std::nullopt);
  // The next event batch: waits up to `timeout`; nullopt with an empty error on a plain
  // timeout, with a reason when the channel broke. A zero timeout never blocks: it only takes
  // what the socket already holds.
  std::optional<wire::EventBatch> next_events(Duration timeout, std::string& error);

  bool connected() const;
  // The socket's file descriptor, for waiting on several clients with poll(2); -1 when closed.
  // Bytes may already sit decoded in the client (or, with TLS, decrypted in OpenSSL): call
  // next_events(Duration(0)) until it returns nothing before waiting on the descriptor.
  int native_handle() const;
  // Why the channel broke (empty while connected).
  const std::string& failure() const;

 private:
  struct Impl;
  explicit ControlClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace rt::cluster
