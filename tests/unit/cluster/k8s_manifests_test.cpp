// The Kubernetes manifests' building blocks: the YAML writer (read back by yaml-cpp, as
// kubectl would read it), the option checks, resource quantities, and how generated files
// are written. tests/integration/k8s_cli_test.cpp checks what ties the generated files
// together, through the real `raintree-lab k8s generate`.
#include "cluster/k8s_manifests.hpp"

#include <unistd.h>

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <functional>
#include <sstream>

#include "cluster/k8s_resources.hpp"
#include "cluster/yaml_text.hpp"
#include "support/files.hpp"

namespace rt::cluster {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

using test::read_text;

TEST(YamlText, StringsReadBackAsTheSameStringsAndNeverAsOtherTypes) {
  const std::vector<std::string> strings = {
      "raintree",
      "true",
      "True",
      "yes",
      "on",
      "OFF",
      "null",
      "~",
      "9100",
      "0440",
      "1.5",
      "1e3",
      ".inf",
      "",
      " lead",
      "trail ",
      "a: b",
      "a:b",
      "#x",
      "a #x",
      "- x",
      "{a}",
      "[b]",
      "*alias",
      "&anchor",
      "!tag",
      "%x",
      "@x",
      "`x",
      "'q'",
      "\"dq\"",
      "tab\tin",
      "é ü",
      "/metrics",
      "back\\slash",
      "one\n",
      "no newline\nend",
      "keep\n\n\n",
      "\nleading",
      " lead space\nx",
      "trailing space \nx",
      "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n",
      "ctl\x01x",
      "cr\r\nlf",
      "\n",
      "\n\n",
      "x\n\ty\n"};
  for (const std::string& s : strings) {
    const std::string text = to_yaml(Json{{"key", s}, {"after", 1}});
    YAML::Node doc;
    ASSERT_NO_THROW(doc = YAML::Load(text)) << text;
    ASSERT_TRUE(doc["key"].IsScalar()) << text;
    EXPECT_EQ(doc["key"].as<std::string>(), s) << text;
    // Written bare only when no resolver could read it as a number, boolean or null.
    if (doc["key"].Tag() == "?") {
      EXPECT_TRUE(std::isalpha(static_cast<unsigned char>(s.front())) || s.front() == '/') << s;
      EXPECT_NE(s, "true");
    }
    EXPECT_EQ(doc["after"].as<int>(), 1) << text;  // the block ended where it should
  }
}

TEST(YamlText, NumbersBooleansAndNestingKeepTheirShape) {
  const Json doc = {
      {"port", 7000},
      {"ratio", 0.5},
      {"flag", false},
      {"none", nullptr},
      {"empty_map", Json::object()},
      {"empty_list", Json::array()},
      {"prometheus.io/port", "9100"},
      {"list", Json::array({Json{{"name", "peer"}, {"port", 7000}}, Json{{"name", "control"}}})},
      {"nested", Json::array({Json::array({1, 2}), "x"})},
      {"map", {{"inner", {{"deep", "value"}}}}},
  };
  const std::string text = to_yaml(doc);
  const YAML::Node y = YAML::Load(text);
  EXPECT_EQ(y["port"].as<int>(), 7000);
  EXPECT_EQ(y["port"].Tag(), "?");
  EXPECT_DOUBLE_EQ(y["ratio"].as<double>(), 0.5);
  EXPECT_FALSE(y["flag"].as<bool>());
  EXPECT_TRUE(y["none"].IsNull());
  EXPECT_TRUE(y["empty_map"].IsMap() && y["empty_map"].size() == 0);
  EXPECT_TRUE(y["empty_list"].IsSequence() && y["empty_list"].size() == 0);
  EXPECT_EQ(y["prometheus.io/port"].as<std::string>(), "9100");
  EXPECT_NE(y["prometheus.io/port"].Tag(), "?");  // an annotation must stay a string
  ASSERT_EQ(y["list"].size(), 2u);
  EXPECT_EQ(y["list"][0]["name"].as<std::string>(), "peer");
  EXPECT_EQ(y["list"][0]["port"].as<int>(), 7000);
  EXPECT_EQ(y["list"][1]["name"].as<std::string>(), "control");
  EXPECT_EQ(y["nested"][0][1].as<int>(), 2);
  EXPECT_EQ(y["nested"][1].as<std::string>(), "x");
  EXPECT_EQ(y["map"]["inner"]["deep"].as<std::string>(), "value");
  // Keys keep their order: apiVersion, kind, metadata ... read top-down.
  EXPECT_LT(text.find("port:"), text.find("ratio:"));
  EXPECT_LT(text.find("ratio:"), text.find("map:"));
}

TEST(K8sOptions, QuantitiesParseLikeKubernetes) {
  EXPECT_DOUBLE_EQ(*k8s::parse_quantity("100m"), 0.1);
  EXPECT_DOUBLE_EQ(*k8s::parse_quantity("1"), 1.0);
  EXPECT_DOUBLE_EQ(*k8s::parse_quantity("0.5"), 0.5);
  EXPECT_DOUBLE_EQ(*k8s::parse_quantity("256Mi"), 256.0 * 1024 * 1024);
  EXPECT_DOUBLE_EQ(*k8s::parse_quantity("1.5Gi"), 1.5 * 1024 * 1024 * 1024);
  EXPECT_DOUBLE_EQ(*k8s::parse_quantity("2G"), 2e9);
  for (const char* bad : {"", "m", "Mi", "1.2.3", "-1", "1x", ".5", "5.", "1 Mi", "1mi"}) {
    EXPECT_FALSE(k8s::parse_quantity(bad)) << bad;
  }
}

TEST(K8sOptions, Dns1123Names) {
  for (const std::string& good :
       std::vector<std::string>{"raintree", "a", "r2", "lab-1", std::string(63, 'a')}) {
    EXPECT_TRUE(k8s::is_dns1123_label(good)) << good;
  }
  for (const char* bad : {"", "Raintree", "-a", "a-", "a_b", "a.b", "ä"}) {
    EXPECT_FALSE(k8s::is_dns1123_label(bad)) << bad;
  }
  EXPECT_FALSE(k8s::is_dns1123_label(std::string(64, 'a')));
  EXPECT_TRUE(k8s::is_dns1123_subdomain("cluster.local"));
  EXPECT_FALSE(k8s::is_dns1123_subdomain("cluster..local"));
  EXPECT_FALSE(k8s::is_dns1123_subdomain(".local"));
}

TEST(K8sOptions, EveryBadOptionIsNamedInOneLine) {
  struct Case {
    std::function<void(k8s::Options&)> edit;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {[](auto& o) { o.nodes = 0; }, "--nodes must be 1..1000, got 0"},
      {[](auto& o) { o.nodes = 1001; }, "--nodes must be 1..1000"},
      {[](auto& o) { o.mode = "gossip"; }, "--mode must be one of pocket, raintree"},
      {[](auto& o) { o.ns = "Bad_NS"; }, "--namespace \"Bad_NS\" is not a DNS-1123 label"},
      {[](auto& o) { o.ns = std::string(64, 'n'); }, "is not a DNS-1123 label"},
      {[](auto& o) { o.name = "9lives"; }, "--name \"9lives\" is not a usable name"},
      {[](auto& o) { o.name = std::string(53, 'r'); }, "at most 52 characters"},
      {[](auto& o) { o.cluster_domain = "a..b"; }, "--cluster-domain \"a..b\""},
      {[](auto& o) { o.image = "my image"; }, "--image must be an image reference"},
      {[](auto& o) { o.image_pull_policy = "Sometimes"; }, "--image-pull-policy must be"},
      {[](auto& o) {
         o.roles = {"validator", ""};
       },
       "--roles: each role"},
      {[](auto& o) { o.bind_address = "any"; }, "--bind-address must be an IP address"},
      {[](auto& o) { o.log_level = "loud"; }, "--log-level must be one of"},
      {[](auto& o) { o.cpu_request = "lots"; }, "--cpu-request must be a Kubernetes quantity"},
      {[](auto& o) { o.memory_limit = std::string("0"); },
       "--memory-limit must be a Kubernetes quantity"},
      {[](auto& o) { o.cpu_request = std::string("2"); },
       "--cpu-request 2 is more than --cpu-limit 1"},
      {[](auto& o) { o.local_port_base = 65530; }, "--local-port-base must leave room"},
  };
  for (const Case& c : cases) {
    k8s::Options o;
    o.nodes = 5;
    EXPECT_EQ(k8s::check_options(o), "");
    c.edit(o);
    const std::string why = k8s::check_options(o);
    EXPECT_NE(why.find(c.expected), std::string::npos) << c.expected << ", got: " << why;
    EXPECT_EQ(why.find('\n'), std::string::npos) << why;
    std::string error;
    EXPECT_FALSE(k8s::generate(o, error));
    EXPECT_EQ(error, why);
  }
}

TEST(K8sManifests, ThePodScriptPicksItsKeyByOrdinalAndAdvertisesItsDnsName) {
  k8s::Options o;
  o.nodes = 3;
  o.name = "rt";
  o.ns = "lab";
  const std::string script = k8s::container_script(o);
  EXPECT_NE(script.find("ordinal=\"${POD_NAME##*-}\""), std::string::npos) << script;
  EXPECT_NE(script.find("--key \"/etc/raintree/keys/node-$ordinal.key\""), std::string::npos);
  EXPECT_NE(script.find("--token-file \"/etc/raintree/keys/node-$ordinal.token\""),
            std::string::npos);
  EXPECT_NE(script.find("--listen \"$POD_NAME.rt.lab.svc.cluster.local:7000\""), std::string::npos);
  EXPECT_NE(script.find("--bind 0.0.0.0"), std::string::npos);
  EXPECT_NE(script.find("--control-host 0.0.0.0"), std::string::npos);
  EXPECT_EQ(k8s::pod_dns_name(o, 2), "rt-2.rt.lab.svc.cluster.local");
}

class K8sWrite : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/rt-k8s-unit-XXXXXX";
    dir_ = ::mkdtemp(pattern);
  }
  void TearDown() override { fs::remove_all(dir_); }

  static k8s::Deployment make(bool service_monitor) {
    k8s::Options o;
    o.nodes = 3;
    o.mode = "random";
    o.service_monitor = service_monitor;
    std::string error;
    auto d = k8s::generate(o, error);
    EXPECT_TRUE(d) << error;
    return std::move(*d);
  }

  fs::path dir_;
};

TEST_F(K8sWrite, SecretsAreOwnerOnlyAndTheScriptIsExecutable) {
  auto d = make(false);
  std::string error;
  const fs::path out = dir_ / "new" / "deep";  // created when missing
  ASSERT_TRUE(k8s::write(d, out, false, error)) << error;
  EXPECT_EQ(test::file_mode(out / "secret.yaml"), 0600u);
  EXPECT_EQ(test::file_mode(out / "cluster.json"), 0600u);
  EXPECT_EQ(test::file_mode(out / "port-forward.sh"), 0755u);
  for (const char* file : {"service.yaml", "statefulset.yaml", "configmap.yaml",
                           "kustomization.yaml", "address-book.json"}) {
    EXPECT_EQ(test::file_mode(out / file), 0644u) << file;
  }
  EXPECT_FALSE(fs::exists(out / "servicemonitor.yaml"));
  EXPECT_EQ(d.cluster.address_book, fs::absolute(out) / "address-book.json");
  for (const k8s::Member& m : d.members) {
    EXPECT_EQ(m.endpoint, k8s::pod_dns_name(d.options, m.ordinal) + ":7000");
    EXPECT_EQ(m.rank, m.ordinal + 1);
    EXPECT_EQ(m.pod, "raintree-" + std::to_string(m.ordinal));
  }
}

TEST_F(K8sWrite, AnExistingDeploymentIsKeptUnlessForced) {
  auto first = make(true);
  std::string error;
  ASSERT_TRUE(k8s::write(first, dir_, false, error)) << error;
  ASSERT_TRUE(fs::exists(dir_ / "servicemonitor.yaml"));
  const std::string secret = read_text(dir_ / "secret.yaml");
  const std::string cluster = read_text(dir_ / "cluster.json");

  auto second = make(false);
  EXPECT_FALSE(k8s::write(second, dir_, false, error));
  EXPECT_NE(error.find("holds a deployment already"), std::string::npos) << error;
  EXPECT_NE(error.find("--force"), std::string::npos) << error;
  EXPECT_EQ(read_text(dir_ / "secret.yaml"), secret);  // nothing lost
  EXPECT_EQ(read_text(dir_ / "cluster.json"), cluster);

  ASSERT_TRUE(k8s::write(second, dir_, true, error)) << error;
  EXPECT_NE(read_text(dir_ / "secret.yaml"), secret);
  EXPECT_FALSE(fs::exists(dir_ / "servicemonitor.yaml"));  // no longer listed, so gone
}

}  // namespace
}  // namespace rt::cluster
