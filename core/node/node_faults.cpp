// The control `fault` command (docs/control-protocol.md): the cluster controller injects faults
// in a real node because the test kernel has no netem. Every field is checked before anything
// changes, so a bad command leaves the node as it was.
//
// Who applies what:
//   mute                the Node (do_send): engine Sends are dropped (reason `muted`); the
//                       node still receives and delivers, and transport heartbeats continue.
//   loss, delay, links, the Transport (net/link_faults.hpp): injected loss and delay on the
//   block               wire, partitions that close links and refuse HELLOs.
#include <chrono>
#include <string>

#include "node/node.hpp"
#include "util/log.hpp"

namespace rt::node {
namespace {

using nlohmann::json;
constexpr std::string_view kLog = "node";

json fail(std::string error) {
  return {{"ok", false}, {"error", std::move(error)}};
}

// Client input echoed in an error, cut short: an error stays one short line.
std::string echo(std::string text) {
  constexpr std::size_t kMax = 80;
  if (text.size() > kMax) text = text.substr(0, kMax) + "...";
  return text;
}

// Every check returns "" when the value is good, else what is wrong (without the field name).
std::string parse_bool(const json& value, bool& out) {
  if (!value.is_boolean()) return "must be true or false, got " + echo(value.dump());
  out = value.get<bool>();
  return {};
}

std::string parse_loss(const json& value, double& out) {
  const std::string what = "must be a number from 0 to 100";
  if (!value.is_number()) return what + ", got " + echo(value.dump());
  const double percent = value.get<double>();
  if (!(percent >= 0 && percent <= net::kMaxLossPercent))
    return what + ", got " + echo(value.dump());
  out = percent;
  return {};
}

std::string parse_delay(const json& value, std::chrono::milliseconds& out) {
  const std::string what = "must be a whole number of milliseconds from 0 to " +
                           std::to_string(net::kMaxFaultDelay.count());
  if (!value.is_number_unsigned()) return what + ", got " + echo(value.dump());
  const auto ms = value.get<std::uint64_t>();
  if (ms > static_cast<std::uint64_t>(net::kMaxFaultDelay.count())) {
    return what + ", got " + echo(value.dump());
  }
  out = std::chrono::milliseconds(static_cast<std::int64_t>(ms));
  return {};
}

// `name` is the entry's field path ("links.<hex>"); the error names the exact field.
std::string parse_link(const std::string& name, const json& value, net::LinkFault& out) {
  if (!value.is_object()) return name + ": must be an object with loss_percent and/or delay_ms";
  for (const auto& [key, field] : value.items()) {
    std::string error;
    if (key == "loss_percent") {
      error = parse_loss(field, out.loss_percent);
    } else if (key == "delay_ms") {
      error = parse_delay(field, out.delay);
    } else {
      error = "unknown field";
    }
    if (!error.empty()) return name + "." + key + ": " + error;
  }
  return {};
}

json settings_links_json(const net::FaultSettings& settings) {
  json links = json::object();
  for (const auto& [id, link] : settings.links) {
    links[id.hex()] = {{"loss_percent", link.loss_percent}, {"delay_ms", link.delay.count()}};
  }
  return links;
}

}  // namespace

json Node::faults_json() const {
  const net::FaultSettings none;
  const auto& settings = transport_ ? transport_->faults() : none;
  json block = json::array();
  for (const auto& id : settings.blocked) block.push_back(id.hex());
  return {{"mute", muted_},
          {"loss_percent", settings.loss_percent},
          {"delay_ms", settings.delay.count()},
          {"links", settings_links_json(settings)},
          {"block", std::move(block)}};
}

json Node::drops_by_reason_json() const {
  json out = json::object();
  for (std::size_t r = 0; r < net::kDropReasons; ++r) {
    out[std::string(net::drop_reason_name(static_cast<net::DropReason>(r)))] = drops_by_reason_[r];
  }
  return out;
}

json Node::cmd_fault(const json& request) {
  // A peer id of a fault: 64 hex characters, a member, not this node.
  const auto peer = [&](const json& value, NodeId& out) -> std::string {
    if (!value.is_string()) return "peer ids must be strings of 64 hex characters";
    const auto& text = value.get_ref<const std::string&>();
    const auto id = NodeId::from_hex(text);
    if (!id) return "\"" + echo(text) + "\" is not a peer id (64 hex characters)";
    if (*id == config_.id) return id->hex() + " is this node itself";
    if (!config_.membership->find(*id)) return id->hex() + " is not a member";
    out = *id;
    return {};
  };

  // 1. Check every field against a copy; nothing is applied until all are good.
  bool clear = false;
  if (const auto it = request.find("clear"); it != request.end()) {
    if (auto error = parse_bool(*it, clear); !error.empty()) return fail("clear: " + error);
  }
  bool mute = clear ? false : muted_;
  net::FaultSettings settings = clear ? net::FaultSettings{} : transport_->faults();
  for (const auto& [key, value] : request.items()) {
    std::string error;  // the whole message, field path first
    const auto field = [&](std::string what) {
      if (!what.empty()) error = key + ": " + what;
    };
    if (key == "cmd" || key == "clear") {
      continue;
    } else if (key == "mute") {
      field(parse_bool(value, mute));
    } else if (key == "loss_percent") {
      field(parse_loss(value, settings.loss_percent));
    } else if (key == "delay_ms") {
      field(parse_delay(value, settings.delay));
    } else if (key == "links") {
      if (!value.is_object()) {
        field("must be an object {\"<peer id>\": {\"loss_percent\": x, \"delay_ms\": y}}");
      } else {
        settings.links.clear();  // the table is replaced, not merged
        for (const auto& [hex, entry] : value.items()) {
          NodeId id;
          field(peer(json(hex), id));
          net::LinkFault link;
          if (error.empty()) error = parse_link("links." + echo(hex), entry, link);
          if (!error.empty()) break;
          settings.links[id] = link;
        }
      }
    } else if (key == "block") {
      if (!value.is_array()) {
        field("must be an array of peer ids");
      } else {
        settings.blocked.clear();  // the set is replaced, not merged
        for (std::size_t i = 0; i < value.size() && error.empty(); ++i) {
          NodeId id;
          const std::string what = peer(value[i], id);
          if (!what.empty()) {
            error = "block[" + std::to_string(i) + "]: " + what;
          } else {
            settings.blocked.insert(id);
          }
        }
      }
    } else {
      field("unknown field");
    }
    if (!error.empty()) return fail(error);
  }

  // 2. Apply, and log what changed.
  const json before = faults_json();
  muted_ = mute;
  transport_->set_faults(std::move(settings));
  const json after = faults_json();
  std::string changes;
  for (const auto& [key, value] : after.items()) {
    if (before[key] == value) continue;
    if (!changes.empty()) changes += "; ";
    changes += key + " " + before[key].dump() + " -> " + value.dump();
  }
  if (changes.empty()) {
    RT_LOG(debug, kLog, "fault command: nothing changed");
  } else {
    RT_LOG(info, kLog, "faults changed: " + changes);
  }
  return {{"ok", true}, {"faults", after}};
}

void Node::prune_faults() {
  net::FaultSettings settings = transport_->faults();
  const auto gone = [&](const NodeId& id) { return !config_.membership->find(id); };
  std::erase_if(settings.links, [&](const auto& entry) { return gone(entry.first); });
  std::erase_if(settings.blocked, gone);
  if (settings == transport_->faults()) return;
  RT_LOG(info, kLog, "faults of peers that left are forgotten");
  transport_->set_faults(std::move(settings));
}

}  // namespace rt::node
