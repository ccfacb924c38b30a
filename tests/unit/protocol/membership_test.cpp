#include <gtest/gtest.h>

#include "protocol/membership.hpp"

namespace rt::protocol {
namespace {

std::string id_hex(char c) {
  return std::string(64, c);
}

TEST(AddressBook, ParsesAndSortsMembersById) {
  std::string error;
  const auto book = parse_address_book(R"({"members":[{"id":")" + id_hex('b') +
                                           R"(","role":"servicer","endpoint":"127.0.0.1:40002"},
                     {"id":")" + id_hex('a') +
                                           R"(","endpoint":"127.0.0.1:40001"}]})",
                                       error);
  ASSERT_TRUE(book) << error;
  ASSERT_EQ(book->size(), 2u);
  EXPECT_EQ(book->members()[0].id.hex(), id_hex('a'));
  EXPECT_EQ(book->members()[0].role, "validator");  // the default role
  EXPECT_EQ(book->members()[1].port, 40002);
  EXPECT_EQ(book->rank_of(*NodeId::from_hex(id_hex('b'))), 2);
  // Round trip through the writer.
  const auto again = parse_address_book(to_address_book_json(*book), error);
  ASSERT_TRUE(again) << error;
  EXPECT_EQ(again->members()[1].endpoint(), "127.0.0.1:40002");
}

TEST(AddressBook, ErrorsNameTheMemberAndField) {
  std::string error;
  EXPECT_FALSE(parse_address_book("{", error));
  EXPECT_EQ(error, "address book is not valid JSON");
  EXPECT_FALSE(parse_address_book(R"({"members":[]})", error));
  EXPECT_EQ(error, "address book has no members");
  EXPECT_FALSE(parse_address_book(R"({"members":[{"id":"zz","endpoint":"h:1"}]})", error));
  EXPECT_EQ(error, "address book member 0: \"id\" must be 64 hex characters");
  EXPECT_FALSE(parse_address_book(
      R"({"members":[{"id":")" + id_hex('a') + R"(","endpoint":"nohost"}]})", error));
  EXPECT_EQ(error, "address book member 0: \"endpoint\" must be \"host:port\"");
  EXPECT_FALSE(parse_address_book(R"({"members":[{"id":")" + id_hex('a') +
                                      R"(","endpoint":"h:1"},{"id":")" + id_hex('a') +
                                      R"(","endpoint":"h:2"}]})",
                                  error));
  EXPECT_NE(error.find("member 1: duplicate id"), std::string::npos);
}

TEST(AddressBook, EndpointsNeedAPortInRange) {
  std::string host;
  std::uint16_t port = 0;
  EXPECT_TRUE(parse_endpoint("127.0.0.1:65535", host, port));
  EXPECT_EQ(port, 65535);
  EXPECT_FALSE(parse_endpoint("127.0.0.1:65536", host, port));
  EXPECT_FALSE(parse_endpoint("127.0.0.1:0", host, port));
  EXPECT_FALSE(parse_endpoint(":80", host, port));
  EXPECT_FALSE(parse_endpoint("h:8x", host, port));
}

TEST(MembershipGroups, SelectByRoleWithPluralsAndLists) {
  Membership m({{*NodeId::from_hex(id_hex('1')), "validator"},
                {*NodeId::from_hex(id_hex('2')), "servicer"},
                {*NodeId::from_hex(id_hex('3')), "archival"},
                {*NodeId::from_hex(id_hex('4')), "validator"}});
  EXPECT_EQ(m.group("all").size(), 4u);
  EXPECT_EQ(m.group("validators").size(), 2u);
  EXPECT_EQ(m.group("validator").size(), 2u);
  EXPECT_EQ(m.group("servicers,archival").size(), 2u);
  EXPECT_TRUE(m.group("watchers").empty());
  EXPECT_TRUE(m.in_group("validators", *NodeId::from_hex(id_hex('4'))));
  EXPECT_FALSE(m.in_group("validators", *NodeId::from_hex(id_hex('2'))));
}

}  // namespace
}  // namespace rt::protocol
