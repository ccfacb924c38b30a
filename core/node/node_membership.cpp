// Join and leave through the control channel: the operator (or the lab) tells every member
// about the change; each node swaps its address book, hands it to the engine and the
// transport (which dials new peers and drops removed ones). Broadcasts already in flight
// keep the tree they started with; see docs/raintree.md for what happens while views differ.
#include "node/node.hpp"
#include "util/clock.hpp"
#include "util/log.hpp"

namespace rt::node {
namespace {

using nlohmann::json;
constexpr std::string_view kLog = "node";

json fail(std::string error) {
  return {{"ok", false}, {"error", std::move(error)}};
}

std::optional<NodeId> id_field(const json& request) {
  const auto it = request.find("id");
  if (it == request.end() || !it->is_string()) return std::nullopt;
  return NodeId::from_hex(it->get<std::string>());
}

}  // namespace

json Node::cmd_join(const json& request) {
  const auto id = id_field(request);
  if (!id) return fail("join needs \"id\" (64 hex characters)");
  if (config_.membership->find(*id)) return fail("already a member: " + id->hex());
  protocol::Member member;
  member.id = *id;
  const auto role = request.find("role");
  if (role != request.end()) {
    if (!role->is_string() || role->get<std::string>().empty()) {
      return fail("\"role\" must be a non-empty string");
    }
    member.role = role->get<std::string>();
  }
  const auto endpoint = request.find("endpoint");
  if (endpoint == request.end() || !endpoint->is_string() ||
      !protocol::parse_endpoint(endpoint->get<std::string>(), member.host, member.port)) {
    return fail("join needs \"endpoint\" as \"host:port\"");
  }
  if (const auto key = request.find("public_key"); key != request.end()) {
    if (!key->is_string() || !(member.public_key = public_key_from_hex(key->get<std::string>()))) {
      return fail("\"public_key\" must be 64 hex characters");
    }
  }
  if (auto refusal = check_member_key(member); !refusal.empty()) return fail(refusal);
  std::vector<protocol::Member> members = config_.membership->members();
  members.push_back(member);
  apply_membership(std::make_shared<const protocol::Membership>(std::move(members)));
  RT_LOG(info, kLog, "member joined: " + id->short_hex() + " at " + member.endpoint());
  return {{"ok", true}, {"members", config_.membership->size()}};
}

json Node::cmd_leave(const json& request) {
  const auto id = id_field(request);
  if (!id) return fail("leave needs \"id\" (64 hex characters)");
  if (*id == config_.id) return fail("a node cannot remove itself; shut it down instead");
  if (!config_.membership->find(*id)) return fail("not a member: " + id->hex());
  std::vector<protocol::Member> members;
  for (const auto& m : config_.membership->members()) {
    if (m.id != *id) members.push_back(m);
  }
  apply_membership(std::make_shared<const protocol::Membership>(std::move(members)));
  RT_LOG(info, kLog, "member left: " + id->short_hex());
  return {{"ok", true}, {"members", config_.membership->size()}};
}

json Node::cmd_members() const {
  json members = json::array();
  for (const auto& m : config_.membership->members()) members.push_back(protocol::to_json(m));
  return {{"ok", true}, {"members", members}};
}

void Node::apply_membership(protocol::MembershipPtr membership) {
  config_.membership = std::move(membership);
  engine_->set_membership(config_.membership);
  transport_->set_peers(peer_addresses(*config_.membership));
  prune_faults();
}

}  // namespace rt::node
