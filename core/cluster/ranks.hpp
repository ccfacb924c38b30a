// RANKS arguments of the command-line contract: a comma list of 1-based ranks ("3,7,12").
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rt::cluster {

// Parses a comma list of ranks in 1..nodes. Empty text gives an empty list. Repeats, blanks,
// signs, non-digits and out-of-range values fail with a one-line reason quoting the bad item.
std::optional<std::vector<int>> parse_ranks(std::string_view text, int nodes, std::string& error);

// "3,7,12"
std::string format_ranks(const std::vector<int>& ranks);

}  // namespace rt::cluster
