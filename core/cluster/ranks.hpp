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

// "VALUE" or "VALUE@RANKS" (e.g. --loss 20@3,4, --link-rate 10mbit@1,2): the value's text and
// the ranks it applies to, every rank 1..nodes when there is no '@'. nullopt with a reason
// when the ranks are bad or missing after '@'.
struct ValueAtRanks {
  std::string value;
  std::vector<int> ranks;
};
std::optional<ValueAtRanks> parse_value_at_ranks(std::string_view text, int nodes,
                                                 std::string& error);

// "3,7,12"
std::string format_ranks(const std::vector<int>& ranks);

}  // namespace rt::cluster
