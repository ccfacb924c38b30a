#include "cluster/cluster_info.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include <nlohmann/json.hpp>

namespace rt::cluster {
namespace {

namespace fs = std::filesystem;

class ClusterInfoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("rt-cluster-info-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  static ClusterInfo sample() {
    ClusterInfo info;
    info.mode = "random";
    for (int r = 1; r <= 3; ++r) {
      NodeInfo n;
      n.rank = r;
      NodeId::Bytes b{};
      b[0] = static_cast<std::uint8_t>(r * 16);
      n.id = NodeId(b);
      n.role = r == 2 ? "servicer" : "validator";
      n.pid = 1000 + r;
      n.listen = "127.0.0.1:" + std::to_string(40000 + r);
      n.control = "127.0.0.1:" + std::to_string(41000 + r);
      n.metrics = "127.0.0.1:" + std::to_string(42000 + r);
      n.token = "tok" + std::to_string(r);
      n.log = "/tmp/node-" + std::to_string(r) + ".log";
      info.nodes.push_back(n);
    }
    return info;
  }

  // Saves the sample, lets `edit` change its JSON, and loads it back.
  std::optional<ClusterInfo> load_edited(const std::function<void(nlohmann::json&)>& edit,
                                         std::string& error) {
    const fs::path file = dir_ / "cluster.json";
    EXPECT_TRUE(sample().save(file, error)) << error;
    nlohmann::json doc = nlohmann::json::parse(std::ifstream(file));
    edit(doc);
    std::ofstream(file, std::ios::trunc) << doc.dump();
    return ClusterInfo::load(file, error);
  }

  fs::path dir_;
};

TEST_F(ClusterInfoTest, SaveThenLoadRoundTrips) {
  const ClusterInfo info = sample();
  std::string error;
  ASSERT_TRUE(info.save(dir_ / "cluster.json", error)) << error;
  const auto loaded = ClusterInfo::load(dir_ / "cluster.json", error);
  ASSERT_TRUE(loaded) << error;
  EXPECT_EQ(loaded->mode, "random");
  EXPECT_EQ(loaded->dir, dir_);
  EXPECT_EQ(loaded->address_book, dir_ / "address-book.json");
  ASSERT_EQ(loaded->nodes.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    const NodeInfo& a = info.nodes[i];
    const NodeInfo& b = loaded->nodes[i];
    EXPECT_EQ(a.rank, b.rank);
    EXPECT_EQ(a.id, b.id);
    EXPECT_EQ(a.role, b.role);
    EXPECT_EQ(a.pid, b.pid);
    EXPECT_EQ(a.listen, b.listen);
    EXPECT_EQ(a.control, b.control);
    EXPECT_EQ(a.token, b.token);
    EXPECT_EQ(a.metrics, b.metrics);
    EXPECT_EQ(a.log, b.log);
  }
  EXPECT_EQ(loaded->by_rank(2)->role, "servicer");
  EXPECT_EQ(loaded->by_rank(4), nullptr);
}

TEST_F(ClusterInfoTest, WritesTheContractShape) {
  std::string error;
  ASSERT_TRUE(sample().save(dir_ / "cluster.json", error));
  const auto doc = nlohmann::json::parse(std::ifstream(dir_ / "cluster.json"));
  EXPECT_TRUE(doc["mode"].is_string());
  for (const auto& n : doc["nodes"]) {
    EXPECT_TRUE(n["rank"].is_number_integer());
    EXPECT_TRUE(n["pid"].is_number_integer());
    for (const char* key : {"id", "role", "listen", "control", "token", "metrics"}) {
      EXPECT_TRUE(n[key].is_string()) << key;
    }
  }
  EXPECT_FALSE(fs::exists(dir_ / "cluster.json.tmp"));
}

TEST_F(ClusterInfoTest, ErrorsNameTheField) {
  struct Case {
    std::function<void(nlohmann::json&)> edit;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {[](auto& d) { d.erase("mode"); }, "missing \"mode\""},
      {[](auto& d) { d["mode"] = 3; }, "\"mode\" must be a string"},
      {[](auto& d) { d["nodes"] = nlohmann::json::array(); }, "\"nodes\" must be a non-empty"},
      {[](auto& d) { d["nodes"][1]["pid"] = "12"; }, "nodes[1]: \"pid\" must be an integer"},
      {[](auto& d) { d["nodes"][2].erase("token"); }, "nodes[2]: missing \"token\""},
      {[](auto& d) { d["nodes"][0]["id"] = "abc"; }, "nodes[0]: \"id\" must be 64 hex"},
      {[](auto& d) { d["nodes"][0]["control"] = "127.0.0.1"; }, "nodes[0]: \"control\" must be"},
      {[](auto& d) { d["nodes"][1]["listen"] = "h:70000"; }, "nodes[1]: \"listen\" must be"},
      {[](auto& d) { d["nodes"][2]["rank"] = 7; }, "\"rank\" values must be 1..3"},
      {[](auto& d) { std::swap(d["nodes"][0]["id"], d["nodes"][1]["id"]); }, "ascending id order"},
  };
  for (const Case& c : cases) {
    std::string error;
    EXPECT_FALSE(load_edited(c.edit, error));
    EXPECT_NE(error.find(c.expected), std::string::npos) << "got: " << error;
    EXPECT_NE(error.find("cluster.json"), std::string::npos) << error;
  }
}

// control_tls is optional: absent stays absent (derived from the host), true and false
// survive a save and a load, anything else is refused by name.
TEST_F(ClusterInfoTest, ControlTlsIsOptionalAndRoundTrips) {
  ClusterInfo info = sample();
  info.nodes[0].control_tls = true;
  info.nodes[1].control_tls = false;
  std::string error;
  ASSERT_TRUE(info.save(dir_ / "cluster.json", error)) << error;
  const auto doc = nlohmann::json::parse(std::ifstream(dir_ / "cluster.json"));
  EXPECT_EQ(doc["nodes"][0]["control_tls"], true);
  EXPECT_EQ(doc["nodes"][1]["control_tls"], false);
  EXPECT_FALSE(doc["nodes"][2].contains("control_tls"));
  const auto loaded = ClusterInfo::load(dir_ / "cluster.json", error);
  ASSERT_TRUE(loaded) << error;
  EXPECT_EQ(loaded->nodes[0].control_tls, std::optional<bool>(true));
  EXPECT_EQ(loaded->nodes[1].control_tls, std::optional<bool>(false));
  EXPECT_FALSE(loaded->nodes[2].control_tls.has_value());

  EXPECT_FALSE(load_edited([](auto& d) { d["nodes"][1]["control_tls"] = "yes"; }, error));
  EXPECT_NE(error.find("nodes[1]: \"control_tls\" must be true or false"), std::string::npos)
      << error;
}

TEST_F(ClusterInfoTest, MissingFileAndBadJson) {
  std::string error;
  EXPECT_FALSE(ClusterInfo::load(dir_ / "none.json", error));
  EXPECT_NE(error.find("cannot read"), std::string::npos);
  std::ofstream(dir_ / "bad.json") << "{not json";
  EXPECT_FALSE(ClusterInfo::load(dir_ / "bad.json", error));
  EXPECT_NE(error.find("not valid JSON"), std::string::npos);
}

TEST_F(ClusterInfoTest, SaveIntoMissingDirectoryFails) {
  std::string error;
  EXPECT_FALSE(sample().save(dir_ / "no" / "such" / "cluster.json", error));
  EXPECT_NE(error.find("cannot write"), std::string::npos);
}

}  // namespace
}  // namespace rt::cluster
