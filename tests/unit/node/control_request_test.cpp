#include <gtest/gtest.h>

#include "node/control_request.hpp"

namespace rt::node {
namespace {

TEST(ControlRequest, ANonObjectOrBrokenDocumentIsRefused) {
  for (const char* text : {"", "[1]", "\"status\"", "{\"cmd\":", "{\"cmd\":\"status\"} x"}) {
    SCOPED_TRACE(text);
    EXPECT_EQ(parse_control_request(text).error, "request is not a JSON object");
  }
}

TEST(ControlRequest, TheCommandMustBeAString) {
  EXPECT_EQ(parse_control_request(R"({})").error, "missing \"cmd\"");
  EXPECT_EQ(parse_control_request(R"({"cmd":7})").error, "missing \"cmd\"");
  const auto status = parse_control_request(R"({"cmd":"status","x":[1,2]})");
  EXPECT_EQ(status.error, "");
  EXPECT_EQ(status.cmd, "status");
  EXPECT_EQ(status.document["x"], nlohmann::json({1, 2}));
}

TEST(ControlRequest, SubscribeReadsAnUnsignedFromSeqAndOtherCommandsIgnoreIt) {
  EXPECT_FALSE(parse_control_request(R"({"cmd":"subscribe"})").from_seq);
  EXPECT_EQ(parse_control_request(R"({"cmd":"subscribe","from_seq":42})").from_seq, 42u);
  for (const char* bad : {"-1", "1.5", "\"3\"", "null"}) {
    SCOPED_TRACE(bad);
    const auto request =
        parse_control_request(std::string(R"({"cmd":"subscribe","from_seq":)") + bad + "}");
    EXPECT_EQ(request.error, "from_seq must be a number >= 0");
    EXPECT_EQ(
        parse_control_request(std::string(R"({"cmd":"status","from_seq":)") + bad + "}").error, "");
  }
}

// Found while fuzzing the control channel: a request value nested a few hundred thousand
// levels deep crashed the node when an error echoed it (json::dump recursion, stack overflow).
TEST(ControlRequest, DocumentsNestedDeeperThanTheLimitAreRefused) {
  const auto nested = [](int levels) {
    return R"({"cmd":"fault","mute":)" + std::string(levels, '[') + std::string(levels, ']') + "}";
  };
  // The object is level 0, so the innermost of N arrays in "mute" sits at level N.
  const auto deepest_allowed = parse_control_request(nested(kMaxRequestDepth));
  EXPECT_EQ(deepest_allowed.error, "");
  EXPECT_EQ(deepest_allowed.cmd, "fault");
  for (int levels : {kMaxRequestDepth + 1, 1'000'000}) {
    SCOPED_TRACE(levels);
    EXPECT_EQ(parse_control_request(nested(levels)).error,
              "request nested deeper than " + std::to_string(kMaxRequestDepth) + " levels");
  }
}

TEST(ControlRequest, AnswersDumpInvalidUtf8AsReplacementCharacters) {
  EXPECT_EQ(dump_json(control_error("bad \xff group")),
            "{\"error\":\"bad \xef\xbf\xbd group\",\"ok\":false}");
}

}  // namespace
}  // namespace rt::node
