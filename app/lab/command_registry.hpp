// raintree-lab's subcommands register themselves here, one file each (cmd_*.cpp), so that
// main.cpp stays a composition root and subcommands do not depend on each other.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace rt::lab {

// The help of every --insecure flag that starts nodes.
inline constexpr const char* kInsecureHelp =
    "Plaintext peer links without authentication (raintree-node --insecure), for packet "
    "captures only: anything that can reach a node's port may claim a member's id";

// Adds a subcommand to `app`. Registered adders run in name order.
using CommandAdder = std::function<void(CLI::App& app)>;

inline std::vector<std::pair<std::string, CommandAdder>>& command_registry() {
  static std::vector<std::pair<std::string, CommandAdder>> registry;
  return registry;
}

inline bool register_command(std::string name, CommandAdder adder) {
  command_registry().emplace_back(std::move(name), std::move(adder));
  return true;
}

}  // namespace rt::lab
