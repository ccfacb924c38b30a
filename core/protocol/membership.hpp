// The address book every node of a cluster shares: id, role and endpoint of each member,
// kept sorted by id (RainTree's order). Pure data; no I/O beyond parsing a JSON text.
//
// Address book JSON (the file raintree-node reads with --address-book):
//   {"members": [{"id": "<64 hex>", "role": "validator", "endpoint": "127.0.0.1:40001",
//                 "public_key": "<64 hex>"}, ...]}
// public_key (the member's Ed25519 key, from which its id is derived) is what TLS links pin;
// it may be missing only in a cluster that runs --insecure.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/ids.hpp"

namespace rt::protocol {

struct Member {
  NodeId id;
  std::string role = "validator";
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::optional<PublicKey> public_key;

  std::string endpoint() const { return host + ":" + std::to_string(port); }
};

class Membership {
 public:
  Membership() = default;
  explicit Membership(std::vector<Member> members);  // sorts by id; later duplicates are dropped

  const std::vector<Member>& members() const { return members_; }
  std::size_t size() const { return members_.size(); }
  const Member* find(const NodeId& id) const;
  // 1-based position in ascending id order, 0 when not a member.
  int rank_of(const NodeId& id) const;

  // Sorted ids of a broadcast group: "all"; "validators" (role validator, and likewise any
  // plural of a role); a role name; or a comma list of those. Cached: the reference stays
  // valid as long as this Membership lives.
  const std::vector<NodeId>& group(std::string_view name) const;
  bool in_group(std::string_view name, const NodeId& id) const;

 private:
  std::vector<Member> members_;
  mutable std::map<std::string, std::vector<NodeId>, std::less<>> group_cache_;
};

using MembershipPtr = std::shared_ptr<const Membership>;

// Parses an address book JSON text. On failure returns nullopt and a one-line reason that
// names the offending member and field.
std::optional<Membership> parse_address_book(std::string_view json_text, std::string& error);
std::string to_address_book_json(const Membership& membership);
// One member as an address book entry.
nlohmann::json to_json(const Member& member);

// "host:port" -> parts; false on anything else (port 1..65535).
bool parse_endpoint(std::string_view text, std::string& host, std::uint16_t& port);

}  // namespace rt::protocol
