#include "protocol/membership.hpp"

#include <algorithm>
#include <charconv>
#include <unordered_set>

#include <nlohmann/json.hpp>

namespace rt::protocol {
namespace {

// "validators" names the role "validator"; any other name is taken as it is.
std::string_view singular(std::string_view role) {
  if (role.size() > 1 && role.back() == 's') role.remove_suffix(1);
  return role;
}

bool role_matches(std::string_view wanted, const std::string& role) {
  return wanted == role || singular(wanted) == role;
}

}  // namespace

Membership::Membership(std::vector<Member> members) : members_(std::move(members)) {
  std::stable_sort(members_.begin(), members_.end(),
                   [](const Member& a, const Member& b) { return a.id < b.id; });
  members_.erase(std::unique(members_.begin(), members_.end(),
                             [](const Member& a, const Member& b) { return a.id == b.id; }),
                 members_.end());
}

const Member* Membership::find(const NodeId& id) const {
  auto it = std::lower_bound(members_.begin(), members_.end(), id,
                             [](const Member& m, const NodeId& key) { return m.id < key; });
  return it != members_.end() && it->id == id ? &*it : nullptr;
}

int Membership::rank_of(const NodeId& id) const {
  const Member* m = find(id);
  return m ? static_cast<int>(m - members_.data()) + 1 : 0;
}

const std::vector<NodeId>& Membership::group(std::string_view name) const {
  if (auto it = group_cache_.find(name); it != group_cache_.end()) return it->second;
  std::vector<std::string_view> roles;
  for (std::size_t start = 0; start <= name.size();) {
    std::size_t comma = name.find(',', start);
    if (comma == std::string_view::npos) comma = name.size();
    if (comma > start) roles.push_back(name.substr(start, comma - start));
    start = comma + 1;
  }
  const bool everyone = name.empty() || std::find(roles.begin(), roles.end(), "all") != roles.end();
  std::vector<NodeId> ids;
  for (const Member& m : members_) {
    const bool wanted = everyone || std::any_of(roles.begin(), roles.end(),
                                                [&](auto r) { return role_matches(r, m.role); });
    if (wanted) ids.push_back(m.id);
  }
  return group_cache_.emplace(std::string(name), std::move(ids)).first->second;
}

bool Membership::in_group(std::string_view name, const NodeId& id) const {
  const auto& ids = group(name);
  return std::binary_search(ids.begin(), ids.end(), id);
}

bool parse_endpoint(std::string_view text, std::string& host, std::uint16_t& port) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size()) return false;
  unsigned value = 0;
  const char* first = text.data() + colon + 1;
  const char* last = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(first, last, value);
  if (ec != std::errc() || ptr != last || value == 0 || value > 65535) return false;
  host = std::string(text.substr(0, colon));
  port = static_cast<std::uint16_t>(value);
  return true;
}

std::optional<Membership> parse_address_book(std::string_view json_text, std::string& error) {
  nlohmann::json doc = nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    error = "address book is not valid JSON";
    return std::nullopt;
  }
  if (!doc.is_object() || !doc.contains("members") || !doc["members"].is_array()) {
    error = "address book needs a \"members\" array";
    return std::nullopt;
  }
  std::vector<Member> members;
  std::unordered_set<NodeId> seen;
  std::size_t index = 0;
  for (const auto& entry : doc["members"]) {
    const std::string where = "address book member " + std::to_string(index++);
    if (!entry.is_object()) {
      error = where + " is not an object";
      return std::nullopt;
    }
    Member m;
    const auto id_field = entry.find("id");
    if (id_field == entry.end() || !id_field->is_string()) {
      error = where + ": missing \"id\" (64 hex characters)";
      return std::nullopt;
    }
    const auto id = NodeId::from_hex(id_field->get<std::string>());
    if (!id) {
      error = where + ": \"id\" must be 64 hex characters";
      return std::nullopt;
    }
    m.id = *id;
    if (const auto role = entry.find("role"); role != entry.end()) {
      if (!role->is_string() || role->get<std::string>().empty()) {
        error = where + ": \"role\" must be a non-empty string";
        return std::nullopt;
      }
      m.role = role->get<std::string>();
    }
    const auto endpoint = entry.find("endpoint");
    if (endpoint == entry.end() || !endpoint->is_string() ||
        !parse_endpoint(endpoint->get<std::string>(), m.host, m.port)) {
      error = where + ": \"endpoint\" must be \"host:port\"";
      return std::nullopt;
    }
    if (const auto key = entry.find("public_key"); key != entry.end()) {
      if (!key->is_string() || !(m.public_key = public_key_from_hex(key->get<std::string>()))) {
        error = where + ": \"public_key\" must be 64 hex characters";
        return std::nullopt;
      }
    }
    if (!seen.insert(m.id).second) {
      error = where + ": duplicate id " + m.id.hex();
      return std::nullopt;
    }
    members.push_back(std::move(m));
  }
  if (members.empty()) {
    error = "address book has no members";
    return std::nullopt;
  }
  return Membership(std::move(members));
}

nlohmann::json to_json(const Member& member) {
  nlohmann::json out = {
      {"id", member.id.hex()}, {"role", member.role}, {"endpoint", member.endpoint()}};
  if (member.public_key) out["public_key"] = to_hex(*member.public_key);
  return out;
}

std::string to_address_book_json(const Membership& membership) {
  nlohmann::json members = nlohmann::json::array();
  for (const Member& m : membership.members()) members.push_back(to_json(m));
  return nlohmann::json{{"members", members}}.dump(2) + "\n";
}

}  // namespace rt::protocol
