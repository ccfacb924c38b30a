#include "cluster/ranks.hpp"

#include <gtest/gtest.h>

namespace rt::cluster {
namespace {

TEST(Ranks, ParsesCommaLists) {
  std::string error;
  EXPECT_EQ(parse_ranks("3,7,12", 16, error), (std::vector<int>{3, 7, 12}));
  EXPECT_EQ(parse_ranks("1", 1, error), (std::vector<int>{1}));
  EXPECT_EQ(parse_ranks("", 4, error), (std::vector<int>{}));
  EXPECT_EQ(format_ranks({3, 7, 12}), "3,7,12");
}

TEST(Ranks, RejectsBadItemsWithAReason) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"0", "outside 1..16"},
      {"17", "outside 1..16"},
      {"3,,4", "empty rank"},
      {"3,", "empty rank"},
      {",3", "empty rank"},
      {"x", "\"x\" is not a rank"},
      {"-1", "\"-1\" is not"},
      {"+2", "\"+2\" is not"},
      {"2 ", "\"2 \" is not"},
      {"3,3", "listed twice"},
      {"99999999999", "is not a rank"},
  };
  for (const auto& [text, expected] : cases) {
    std::string error;
    EXPECT_FALSE(parse_ranks(text, 16, error)) << text;
    EXPECT_NE(error.find(expected), std::string::npos) << text << ": " << error;
  }
}

}  // namespace
}  // namespace rt::cluster
