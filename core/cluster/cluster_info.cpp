#include "cluster/cluster_info.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "crypto/node_key.hpp"

namespace rt::cluster {
namespace {

using nlohmann::json;

bool valid_endpoint(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 >= text.size()) return false;
  const std::string port = text.substr(colon + 1);
  if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos) return false;
  const long value = std::stol(port);
  return value >= 1 && value <= 65535;
}

// Reads obj[key] as a string; on failure sets a reason naming `where` and the key.
bool get_string(const json& obj, const char* key, const std::string& where, bool required,
                std::string& out, std::string& error) {
  const auto it = obj.find(key);
  if (it == obj.end()) {
    if (!required) return true;
    error = where + ": missing \"" + key + "\"";
    return false;
  }
  if (!it->is_string()) {
    error = where + ": \"" + key + "\" must be a string";
    return false;
  }
  out = it->get<std::string>();
  return true;
}

bool get_int(const json& obj, const char* key, const std::string& where, int& out,
             std::string& error) {
  const auto it = obj.find(key);
  if (it == obj.end()) {
    error = where + ": missing \"" + key + "\"";
    return false;
  }
  if (!it->is_number_integer()) {
    error = where + ": \"" + key + "\" must be an integer";
    return false;
  }
  out = it->get<int>();
  return true;
}

bool parse_node(const json& entry, std::size_t index, NodeInfo& node, std::string& error) {
  const std::string where = "nodes[" + std::to_string(index) + "]";
  if (!entry.is_object()) {
    error = where + " must be an object";
    return false;
  }
  std::string id;
  if (!get_int(entry, "rank", where, node.rank, error) ||
      !get_string(entry, "id", where, true, id, error) ||
      !get_string(entry, "role", where, true, node.role, error) ||
      !get_int(entry, "pid", where, node.pid, error) ||
      !get_string(entry, "listen", where, true, node.listen, error) ||
      !get_string(entry, "control", where, true, node.control, error) ||
      !get_string(entry, "token", where, true, node.token, error) ||
      !get_string(entry, "metrics", where, true, node.metrics, error) ||
      !get_string(entry, "log", where, false, node.log, error) ||
      !get_string(entry, "binary", where, false, node.binary, error) ||
      !get_string(entry, "key_file", where, false, node.key_file, error) ||
      !get_string(entry, "netns", where, false, node.netns, error)) {
    return false;
  }
  if (const auto key = entry.find("public_key"); key != entry.end()) {
    if (!key->is_string() || !(node.public_key = public_key_from_hex(key->get<std::string>()))) {
      error = where + ": \"public_key\" must be 64 hex characters";
      return false;
    }
  }
  if (const auto tls = entry.find("control_tls"); tls != entry.end()) {
    if (!tls->is_boolean()) {
      error = where + ": \"control_tls\" must be true or false";
      return false;
    }
    node.control_tls = tls->get<bool>();
  }
  if (const auto args = entry.find("args"); args != entry.end()) {
    if (!args->is_array()) {
      error = where + ": \"args\" must be an array of strings";
      return false;
    }
    for (const json& arg : *args) {
      if (!arg.is_string()) {
        error = where + ": \"args\" must be an array of strings";
        return false;
      }
      node.args.push_back(arg.get<std::string>());
    }
  }
  const auto parsed = NodeId::from_hex(id);
  if (!parsed) {
    error = where + ": \"id\" must be 64 hex characters";
    return false;
  }
  node.id = *parsed;
  if (node.pid < 0) {
    error = where + ": \"pid\" must not be negative";
    return false;
  }
  for (const auto& [key, value] : {std::pair{"listen", &node.listen},
                                   {"control", &node.control},
                                   {"metrics", &node.metrics}}) {
    if (!valid_endpoint(*value)) {
      error = where + ": \"" + key + "\" must be host:port, got \"" + *value + "\"";
      return false;
    }
  }
  if (node.role.empty()) {
    error = where + ": \"role\" must not be empty";
    return false;
  }
  return true;
}

}  // namespace

const NodeInfo* ClusterInfo::by_rank(int rank) const {
  for (const NodeInfo& n : nodes) {
    if (n.rank == rank) return &n;
  }
  return nullptr;
}

std::optional<ClusterInfo> ClusterInfo::load(const std::filesystem::path& file,
                                             std::string& error) {
  std::ifstream in(file);
  if (!in) {
    error = "cannot read " + file.string();
    return std::nullopt;
  }
  std::stringstream text;
  text << in.rdbuf();
  json doc = json::parse(text.str(), nullptr, false);
  const std::string prefix = file.string() + ": ";
  if (doc.is_discarded()) {
    error = prefix + "not valid JSON";
    return std::nullopt;
  }
  if (!doc.is_object()) {
    error = prefix + "must be a JSON object";
    return std::nullopt;
  }
  ClusterInfo info;
  info.dir = file.parent_path();
  if (!get_string(doc, "mode", "cluster", true, info.mode, error)) {
    error = prefix + error;
    return std::nullopt;
  }
  std::string book;
  if (!get_string(doc, "address_book", "cluster", false, book, error)) {
    error = prefix + error;
    return std::nullopt;
  }
  info.address_book = book.empty() ? info.dir / "address-book.json" : std::filesystem::path(book);
  if (const auto insecure = doc.find("insecure"); insecure != doc.end()) {
    if (!insecure->is_boolean()) {
      error = prefix + "\"insecure\" must be true or false";
      return std::nullopt;
    }
    info.insecure = insecure->get<bool>();
  }
  if (const auto network = doc.find("network"); network != doc.end()) {
    info.network = Network::from_json(*network, error);
    if (!info.network) {
      error = prefix + error;
      return std::nullopt;
    }
  }
  const auto nodes = doc.find("nodes");
  if (nodes == doc.end() || !nodes->is_array() || nodes->empty()) {
    error = prefix + "\"nodes\" must be a non-empty array";
    return std::nullopt;
  }
  for (std::size_t i = 0; i < nodes->size(); ++i) {
    NodeInfo node;
    if (!parse_node((*nodes)[i], i, node, error)) {
      error = prefix + error;
      return std::nullopt;
    }
    info.nodes.push_back(std::move(node));
  }
  std::sort(info.nodes.begin(), info.nodes.end(),
            [](const NodeInfo& a, const NodeInfo& b) { return a.rank < b.rank; });
  for (std::size_t i = 0; i < info.nodes.size(); ++i) {
    if (info.nodes[i].rank != static_cast<int>(i) + 1) {
      error = prefix + "\"rank\" values must be 1.." + std::to_string(info.nodes.size()) +
              " without gaps or repeats";
      return std::nullopt;
    }
    if (i > 0 && !(info.nodes[i - 1].id < info.nodes[i].id)) {
      error = prefix + "nodes[rank " + std::to_string(i + 1) +
              "]: \"id\" breaks ascending id order of ranks";
      return std::nullopt;
    }
  }
  return info;
}

bool ClusterInfo::save(const std::filesystem::path& file, std::string& error) const {
  json nodes_json = json::array();
  for (const NodeInfo& n : nodes) {
    nodes_json.push_back({{"rank", n.rank},
                          {"id", n.id.hex()},
                          {"role", n.role},
                          {"pid", n.pid},
                          {"listen", n.listen},
                          {"control", n.control},
                          {"token", n.token},
                          {"metrics", n.metrics},
                          {"log", n.log},
                          {"binary", n.binary},
                          {"args", n.args}});
    if (n.public_key) nodes_json.back()["public_key"] = to_hex(*n.public_key);
    if (!n.key_file.empty()) nodes_json.back()["key_file"] = n.key_file;
    if (!n.netns.empty()) nodes_json.back()["netns"] = n.netns;
    if (n.control_tls) nodes_json.back()["control_tls"] = *n.control_tls;
  }
  json doc = {{"mode", mode},
              {"address_book", address_book.string()},
              {"insecure", insecure},
              {"nodes", nodes_json}};
  if (network) doc["network"] = network->to_json();
  // Write to a temporary file and rename, so that a reader never sees half a file. The file
  // holds every node's control token: created 0600, for its owner's eyes only from the start.
  const std::filesystem::path tmp = file.string() + ".tmp";
  if (!crypto::write_secret_file(tmp.string(), doc.dump(2) + "\n", error)) return false;
  std::error_code ec;
  std::filesystem::rename(tmp, file, ec);
  if (ec) {
    error = "cannot rename " + tmp.string() + " to " + file.string() + ": " + ec.message();
    std::filesystem::remove(tmp, ec);
    return false;
  }
  return true;
}

}  // namespace rt::cluster
