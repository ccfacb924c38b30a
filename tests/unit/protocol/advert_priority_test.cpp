// The default priority function and its per-kind rules.
#include <gtest/gtest.h>

#include "protocol/advert_priority.hpp"

namespace rt::protocol {
namespace {

wire::Advert advert_of(std::uint64_t size, std::uint64_t height, std::uint8_t kind = 0) {
  wire::Advert advert;
  advert.artifact_id = 1;
  advert.size = size;
  advert.height = height;
  advert.kind = kind;
  return advert;
}

TEST(AdvertPriority, DefaultClasses) {
  PriorityPolicy policy;
  policy.finalized_height = 1000;
  const Micros now = 10'000'000;
  EXPECT_EQ(policy.evaluate(advert_of(1 << 20, 999), now), Priority::drop);
  EXPECT_EQ(policy.evaluate(advert_of(1 << 20, 1000), now), Priority::fetch);
  EXPECT_EQ(policy.evaluate(advert_of(100, 5'000'000), now), Priority::fetch_now) << "small";
  EXPECT_EQ(policy.evaluate(advert_of(1 << 20, 5'000'000, 1), now), Priority::fetch_now)
      << "kind 1";
  EXPECT_EQ(policy.evaluate(advert_of(100, now + 2'000'001), now), Priority::later);
  EXPECT_EQ(policy.evaluate(advert_of(100, now + 30'000'001), now), Priority::stash);
  EXPECT_EQ(policy.evaluate(advert_of(100, now + 30'000'000), now), Priority::later);
}

TEST(AdvertPriority, PerKindRulesAndFinalizedLag) {
  PriorityPolicy policy;
  policy.drop_kinds = {7};
  policy.later_kinds = {2};
  policy.finalized_lag_us = 1'000'000;
  EXPECT_EQ(policy.evaluate(advert_of(100, 5'000'000, 7), 5'000'000), Priority::drop);
  EXPECT_EQ(policy.evaluate(advert_of(100, 5'000'000, 2), 5'000'000), Priority::later);
  EXPECT_EQ(policy.finalized_at(5'000'000), 4'000'000u);
  EXPECT_EQ(policy.evaluate(advert_of(100, 3'999'999), 5'000'000), Priority::drop);
  EXPECT_EQ(policy.finalized_at(-5), 0u) << "no negative clock";
}

TEST(AdvertPriority, HugeWindowsNeverWrap) {
  PriorityPolicy policy;
  policy.stash_ahead_us = std::numeric_limits<Micros>::max();
  policy.later_ahead_us = std::numeric_limits<Micros>::max();
  EXPECT_EQ(policy.evaluate(advert_of(1 << 20, std::numeric_limits<std::uint64_t>::max() - 10),
                            std::numeric_limits<Micros>::max()),
            Priority::fetch);
  EXPECT_TRUE(is_fetchable(Priority::later));
  EXPECT_FALSE(is_fetchable(Priority::stash));
  EXPECT_EQ(priority_name(Priority::fetch_now), "fetch_now");
}

TEST(AdvertPriority, SpecParsesPartlyAndRoundTrips) {
  PriorityPolicy policy;
  std::string error;
  ASSERT_TRUE(parse_priority_spec("drop_kinds=3/4,later_ahead_ms=500", policy, error)) << error;
  EXPECT_EQ(policy.drop_kinds, (std::vector<std::uint8_t>{3, 4}));
  EXPECT_EQ(policy.later_ahead_us, 500'000);
  EXPECT_EQ(policy.stash_ahead_us, PriorityPolicy{}.stash_ahead_us) << "unlisted keys stay";
  PriorityPolicy again;
  ASSERT_TRUE(parse_priority_spec(priority_spec(policy), again, error)) << error;
  EXPECT_EQ(priority_spec(again), priority_spec(policy));
  ASSERT_TRUE(parse_priority_spec("fetch_now_kinds=none", again, error));
  EXPECT_TRUE(again.fetch_now_kinds.empty());
}

TEST(AdvertPriority, BadSpecsNameTheKeyAndChangeNothing) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"drop_kinds=3/300", "drop_kinds: bad value"},
      {"drop_kinds=3/", "drop_kinds: bad value"},
      {"later_ahead_ms=-1", "later_ahead_ms: bad value"},
      {"stash=5", "unknown key \"stash\""},
      {"fetch_now_max_bytes", "is not key=value"},
  };
  for (const auto& [spec, expected] : cases) {
    PriorityPolicy policy;
    std::string error;
    EXPECT_FALSE(parse_priority_spec(spec, policy, error)) << spec;
    EXPECT_NE(error.find(expected), std::string::npos) << spec << ": " << error;
    EXPECT_EQ(priority_spec(policy), priority_spec(PriorityPolicy{})) << spec;
  }
}

}  // namespace
}  // namespace rt::protocol
