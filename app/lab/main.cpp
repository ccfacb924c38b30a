// raintree-lab: the command-line lab. A composition root only: every subcommand lives in its
// own cmd_*.cpp and registers itself in command_registry().
//
// Convention for subcommands: print errors on stderr and signal a non-zero exit status by
// throwing CLI::RuntimeError(code); usage errors exit 2.
#include <signal.h>

#include <algorithm>
#include <iostream>

#include "command_registry.hpp"
#include "core.hpp"

int main(int argc, char** argv) {
  // A node that dies mid-request must not take the lab down with it.
  ::signal(SIGPIPE, SIG_IGN);

  CLI::App app{"RainTree Studio lab: simulations and clusters of real gossip nodes",
               "raintree-lab"};
  app.set_version_flag("--version", std::string(rt::version()));
  app.require_subcommand(1);
  auto commands = rt::lab::command_registry();
  std::sort(commands.begin(), commands.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [name, add] : commands) add(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    // CLI11 uses its own codes for usage errors; the contract says 2.
    if (e.get_name() == "RuntimeError") return code;
    return code == 0 ? 0 : 2;
  }
  return 0;
}
