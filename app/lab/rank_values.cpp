#include "rank_values.hpp"

#include <iostream>

#include <CLI/CLI.hpp>

#include "cluster/ranks.hpp"

namespace rt::lab {

void fail_usage(const std::string& command, const std::string& message, int code) {
  std::cerr << "raintree-lab " << command << ": " << message << '\n';
  throw CLI::RuntimeError(code);
}

std::pair<double, std::vector<int>> amount_at_ranks(const std::string& command,
                                                    const std::string& flag,
                                                    const std::string& text, double max,
                                                    int nodes) {
  std::string error;
  auto parsed = cluster::parse_value_at_ranks(text, nodes, error);
  if (!parsed) fail_usage(command, flag + ": " + error);
  double value = -1;
  try {
    std::size_t used = 0;
    value = std::stod(parsed->value, &used);
    if (used != parsed->value.size()) value = -1;
  } catch (const std::exception&) {
  }
  if (!(value >= 0 && value <= max)) {
    fail_usage(command, flag + ": \"" + parsed->value + "\" is not a number in 0.." +
                            std::to_string(static_cast<int>(max)));
  }
  return {value, parsed->ranks};
}

}  // namespace rt::lab
