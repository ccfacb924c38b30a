// "AMOUNT[@RANKS]" options of the lab's commands (--loss, --delay, --link-loss, ...), parsed
// the same way everywhere.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace rt::lab {

// The amount (0..max) and the ranks it applies to (every rank without '@'). Throws
// CLI::RuntimeError(2) after printing "raintree-lab COMMAND: FLAG: reason" on bad input.
std::pair<double, std::vector<int>> amount_at_ranks(const std::string& command,
                                                    const std::string& flag,
                                                    const std::string& text, double max, int nodes);

// Prints "raintree-lab COMMAND: message" and throws CLI::RuntimeError(code).
[[noreturn]] void fail_usage(const std::string& command, const std::string& message, int code = 2);

}  // namespace rt::lab
