// `raintree-lab k8s generate` (the real executable): every YAML file parses, and the fields
// that tie the objects together agree (names, labels, ports, paths, ids, keys, tokens);
// bad arguments get one clear line and exit 2; port-forward.sh forwards what cluster.json
// names (against a stand-in kubectl) and stops its forwards. No Kubernetes is needed; a
// kubectl on this machine is only used, when present, to build the kustomization offline.

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "cluster/cluster_info.hpp"
#include "crypto/node_key.hpp"
#include "helpers.hpp"
#include "protocol/membership.hpp"
#include "support/files.hpp"

namespace rt::itest {
namespace {

using nlohmann::json;

using test::read_text;

std::map<std::string, std::string> string_map(const YAML::Node& node) {
  std::map<std::string, std::string> out;
  for (const auto& entry : node)
    out[entry.first.as<std::string>()] = entry.second.as<std::string>();
  return out;
}

// Every entry of `subset` is in `set` with the same value.
bool contained(const std::map<std::string, std::string>& subset,
               const std::map<std::string, std::string>& set) {
  return std::all_of(subset.begin(), subset.end(), [&](const auto& entry) {
    const auto it = set.find(entry.first);
    return it != set.end() && it->second == entry.second;
  });
}

// The element of a sequence whose `name` is `name` (a null node when none).
YAML::Node named(const YAML::Node& list, const std::string& name) {
  for (const auto& item : list) {
    if (item["name"] && item["name"].as<std::string>() == name) return item;
  }
  return YAML::Node();
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

// The value of `--flag VALUE` in the pod's shell script (quotes removed).
std::string flag_value(const std::string& script, const std::string& flag) {
  const auto at = script.find(flag + " ");
  if (at == std::string::npos) return {};
  std::string value = script.substr(at + flag.size() + 1);
  value = value.substr(0, value.find_first_of(" \n"));
  value.erase(std::remove(value.begin(), value.end(), '"'), value.end());
  return value;
}

TEST(K8sCli, GeneratedFilesAgreeWithEachOther) {
  TempDir dir("k8s-gen");
  const fs::path out = dir.path() / "deploy";
  const int n = 5;
  const auto r = lab({"k8s",
                      "generate",
                      "--nodes",
                      std::to_string(n),
                      "--mode",
                      "raintree",
                      "--namespace",
                      "lab",
                      "--name",
                      "rt",
                      "--image",
                      "example.org/rt:1",
                      "--out",
                      out.string(),
                      "--service-monitor",
                      "--roles",
                      "validator,servicer",
                      "--cpu-request",
                      "100m",
                      "--cpu-limit",
                      "2",
                      "--memory-request",
                      "64Mi",
                      "--memory-limit",
                      "512Mi"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("kubectl apply -k " + out.string()), std::string::npos) << r.output;

  std::map<std::string, YAML::Node> docs;
  for (const auto& entry : fs::directory_iterator(out)) {
    if (entry.path().extension() != ".yaml") continue;
    ASSERT_NO_THROW(docs[entry.path().filename().string()] = YAML::LoadFile(entry.path()))
        << entry.path();
  }
  const std::set<std::string> expected_files = {"service.yaml",        "statefulset.yaml",
                                                "configmap.yaml",      "secret.yaml",
                                                "servicemonitor.yaml", "kustomization.yaml"};
  std::set<std::string> found;
  for (const auto& [name, doc] : docs) found.insert(name);
  ASSERT_EQ(found, expected_files);
  for (const auto& [name, doc] : docs) {
    if (name == "kustomization.yaml") continue;
    EXPECT_EQ(doc["metadata"]["namespace"].as<std::string>(), "lab") << name;
  }

  // Service: headless, published while not ready, selecting the StatefulSet's pods.
  const YAML::Node service = docs["service.yaml"];
  const YAML::Node sts = docs["statefulset.yaml"];
  EXPECT_EQ(service["kind"].as<std::string>(), "Service");
  EXPECT_EQ(service["spec"]["clusterIP"].as<std::string>(), "None");
  EXPECT_TRUE(service["spec"]["publishNotReadyAddresses"].as<bool>());
  const auto pod_labels = string_map(sts["spec"]["template"]["metadata"]["labels"]);
  const auto service_selector = string_map(service["spec"]["selector"]);
  EXPECT_FALSE(service_selector.empty());
  EXPECT_TRUE(contained(service_selector, pod_labels));
  EXPECT_EQ(service_selector, string_map(sts["spec"]["selector"]["matchLabels"]));

  // StatefulSet.
  EXPECT_EQ(sts["kind"].as<std::string>(), "StatefulSet");
  EXPECT_EQ(sts["metadata"]["name"].as<std::string>(), "rt");
  EXPECT_EQ(sts["spec"]["serviceName"].as<std::string>(),
            service["metadata"]["name"].as<std::string>());
  EXPECT_EQ(sts["spec"]["replicas"].as<int>(), n);
  EXPECT_EQ(sts["spec"]["podManagementPolicy"].as<std::string>(), "Parallel");
  const YAML::Node pod = sts["spec"]["template"]["spec"];
  ASSERT_EQ(pod["containers"].size(), 1u);
  const YAML::Node c = pod["containers"][0];
  EXPECT_EQ(c["image"].as<std::string>(), "example.org/rt:1");
  std::map<std::string, int> container_ports;
  for (const auto& p : c["ports"]) {
    container_ports[p["name"].as<std::string>()] = p["containerPort"].as<int>();
  }
  EXPECT_EQ(container_ports,
            (std::map<std::string, int>{{"peer", 7000}, {"control", 7001}, {"metrics", 9100}}));
  for (const auto& p : service["spec"]["ports"]) {
    const std::string target = p["targetPort"].as<std::string>();
    ASSERT_TRUE(container_ports.count(target)) << target;
    EXPECT_EQ(p["port"].as<int>(), container_ports[target]);
  }
  for (const char* probe : {"readinessProbe", "livenessProbe"}) {
    const std::string port = c[probe]["httpGet"]["port"].as<std::string>();
    EXPECT_EQ(port, "metrics") << probe;
    EXPECT_EQ(c[probe]["httpGet"]["path"].as<std::string>(), "/metrics") << probe;
  }
  EXPECT_EQ(c["resources"]["requests"]["cpu"].as<std::string>(), "100m");
  EXPECT_EQ(c["resources"]["limits"]["cpu"].as<std::string>(), "2");
  EXPECT_EQ(c["resources"]["requests"]["memory"].as<std::string>(), "64Mi");
  EXPECT_EQ(c["resources"]["limits"]["memory"].as<std::string>(), "512Mi");
  EXPECT_TRUE(c["securityContext"]["readOnlyRootFilesystem"].as<bool>());
  EXPECT_TRUE(c["securityContext"]["runAsNonRoot"].as<bool>());
  EXPECT_FALSE(c["securityContext"]["allowPrivilegeEscalation"].as<bool>());
  EXPECT_TRUE(pod["securityContext"]["runAsNonRoot"].as<bool>());
  EXPECT_GT(pod["securityContext"]["runAsUser"].as<int>(), 0);
  const auto annotations = string_map(sts["spec"]["template"]["metadata"]["annotations"]);
  EXPECT_EQ(annotations.at("prometheus.io/scrape"), "true");
  EXPECT_EQ(annotations.at("prometheus.io/port"), std::to_string(container_ports["metrics"]));
  EXPECT_EQ(annotations.at("prometheus.io/path"), "/metrics");

  // Volumes name the ConfigMap and the Secret; the script reads its files from the mounts.
  const YAML::Node config_map = docs["configmap.yaml"];
  const YAML::Node secret = docs["secret.yaml"];
  const YAML::Node book_volume = named(pod["volumes"], "address-book");
  const YAML::Node keys_volume = named(pod["volumes"], "keys");
  ASSERT_TRUE(book_volume && keys_volume);
  EXPECT_EQ(book_volume["configMap"]["name"].as<std::string>(),
            config_map["metadata"]["name"].as<std::string>());
  EXPECT_EQ(keys_volume["secret"]["secretName"].as<std::string>(),
            secret["metadata"]["name"].as<std::string>());
  const std::string script = c["command"][2].as<std::string>();
  EXPECT_EQ(c["command"][0].as<std::string>(), "/bin/sh");
  const YAML::Node book_mount = named(c["volumeMounts"], "address-book");
  const YAML::Node keys_mount = named(c["volumeMounts"], "keys");
  ASSERT_TRUE(book_mount && keys_mount);
  EXPECT_EQ(flag_value(script, "--address-book"),
            book_mount["mountPath"].as<std::string>() + "/address-book.json");
  EXPECT_EQ(flag_value(script, "--key"),
            keys_mount["mountPath"].as<std::string>() + "/node-$ordinal.key");
  EXPECT_EQ(flag_value(script, "--control"), std::to_string(container_ports["control"]));
  EXPECT_EQ(flag_value(script, "--metrics"), std::to_string(container_ports["metrics"]));
  EXPECT_EQ(flag_value(script, "--mode"), "raintree");
  EXPECT_EQ(c["env"][0]["valueFrom"]["fieldRef"]["fieldPath"].as<std::string>(), "metadata.name");

  // The address book: N members sorted by id, pod DNS names in ordinal order, the peer port.
  const std::string book_text = config_map["data"]["address-book.json"].as<std::string>();
  EXPECT_EQ(book_text, read_text(out / "address-book.json"));
  std::string why;
  ASSERT_TRUE(protocol::parse_address_book(book_text, why)) << why;  // what the node parses
  const json book = json::parse(book_text);
  ASSERT_EQ(book["members"].size(), static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    const json& m = book["members"][i];
    const std::string pod_name = "rt-" + std::to_string(i);
    EXPECT_EQ(m["endpoint"],
              pod_name + ".rt.lab.svc.cluster.local:" + std::to_string(container_ports["peer"]));
    // What the pod's --listen expands to is its address book endpoint.
    EXPECT_EQ(replace_all(flag_value(script, "--listen"), "$POD_NAME", pod_name),
              m["endpoint"].get<std::string>());
    EXPECT_EQ(m["role"], i % 2 == 0 ? "validator" : "servicer");
    if (i > 0) {
      EXPECT_LT(book["members"][i - 1]["id"], m["id"]);
    }
  }

  // The Secret: pod ordinal i holds the key of the i-th member, and cluster.json's token.
  std::string error;
  const auto info = cluster::ClusterInfo::load(out / "cluster.json", error);
  ASSERT_TRUE(info) << error;
  ASSERT_EQ(info->nodes.size(), static_cast<std::size_t>(n));
  const YAML::Node data = secret["stringData"];
  EXPECT_EQ(data.size(), static_cast<std::size_t>(2 * n));
  for (int i = 0; i < n; ++i) {
    const std::string stem = "node-" + std::to_string(i);
    ASSERT_TRUE(data[stem + ".key"] && data[stem + ".token"]) << stem;
    const auto key = crypto::NodeKey::from_pem(data[stem + ".key"].as<std::string>(), error);
    ASSERT_TRUE(key) << stem << ": " << error;
    const json& m = book["members"][i];
    EXPECT_EQ(key->id().hex(), m["id"].get<std::string>()) << stem;
    EXPECT_EQ(to_hex(key->public_key()), m["public_key"].get<std::string>()) << stem;
    const cluster::NodeInfo& node = info->nodes[static_cast<std::size_t>(i)];
    EXPECT_EQ(node.rank, i + 1);
    EXPECT_EQ(node.id, key->id());
    EXPECT_EQ(node.public_key, key->public_key());
    EXPECT_EQ(node.role, m["role"].get<std::string>());
    EXPECT_EQ(node.listen, m["endpoint"].get<std::string>());
    EXPECT_EQ(data[stem + ".token"].as<std::string>(), node.token + "\n");
    EXPECT_EQ(node.control, "127.0.0.1:" + std::to_string(20000 + i));
    EXPECT_EQ(node.metrics, "127.0.0.1:" + std::to_string(20000 + n + i));
    EXPECT_EQ(node.control_tls, std::optional<bool>(true));
    EXPECT_EQ(node.pid, 0);
  }
  EXPECT_EQ(info->address_book, fs::absolute(out) / "address-book.json");
  EXPECT_EQ(test::file_mode(out / "secret.yaml"), 0600u);
  EXPECT_EQ(test::file_mode(out / "cluster.json"), 0600u);
  std::string check;
  if (fs::exists(check_contract_script())) {
    const auto contract =
        run_command("/usr/bin/python3",
                    {check_contract_script().string(), "cluster", (out / "cluster.json").string()});
    EXPECT_EQ(contract.exit_code, 0) << contract.output;
  }

  // ServiceMonitor: selects the Service by its labels, scrapes its metrics port.
  const YAML::Node monitor = docs["servicemonitor.yaml"];
  EXPECT_EQ(monitor["apiVersion"].as<std::string>(), "monitoring.coreos.com/v1");
  EXPECT_EQ(monitor["kind"].as<std::string>(), "ServiceMonitor");
  EXPECT_TRUE(contained(string_map(monitor["spec"]["selector"]["matchLabels"]),
                        string_map(service["metadata"]["labels"])));
  EXPECT_TRUE(
      named(service["spec"]["ports"], monitor["spec"]["endpoints"][0]["port"].as<std::string>()));

  // kustomization.yaml lists every resource file, and only those.
  const YAML::Node kustomization = docs["kustomization.yaml"];
  EXPECT_EQ(kustomization["namespace"].as<std::string>(), "lab");
  std::set<std::string> listed;
  for (const auto& file : kustomization["resources"]) listed.insert(file.as<std::string>());
  std::set<std::string> resources = expected_files;
  resources.erase("kustomization.yaml");
  EXPECT_EQ(listed, resources);

  // port-forward.sh forwards every pod to the ports cluster.json names.
  const std::string forward = read_text(out / "port-forward.sh");
  EXPECT_EQ(test::file_mode(out / "port-forward.sh"), 0755u);
  for (int i = 0; i < n; ++i) {
    EXPECT_NE(forward.find("forward " + std::to_string(i) + " rt-" + std::to_string(i) + " " +
                           std::to_string(20000 + i) + " " + std::to_string(20000 + n + i) + "\n"),
              std::string::npos)
        << i;
  }
}

TEST(K8sCli, WithoutServiceMonitorNoneIsWrittenOrListed) {
  TempDir dir("k8s-nosm");
  const auto r =
      lab({"k8s", "generate", "--nodes", "2", "--mode", "random", "--out", dir.path().string()});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_FALSE(fs::exists(dir.path() / "servicemonitor.yaml"));
  const YAML::Node k = YAML::LoadFile(dir.path() / "kustomization.yaml");
  for (const auto& file : k["resources"]) {
    EXPECT_NE(file.as<std::string>(), "servicemonitor.yaml");
    EXPECT_TRUE(fs::exists(dir.path() / file.as<std::string>())) << file.as<std::string>();
  }
  // The defaults: namespace and name raintree.
  const YAML::Node sts = YAML::LoadFile(dir.path() / "statefulset.yaml");
  EXPECT_EQ(sts["metadata"]["namespace"].as<std::string>(), "raintree");
  EXPECT_EQ(sts["metadata"]["name"].as<std::string>(), "raintree");
}

TEST(K8sCli, BadArgumentsGetOneClearLineAndExitTwo) {
  TempDir dir("k8s-bad");
  const std::string out = (dir.path() / "x").string();
  struct Case {
    std::vector<std::string> args;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {{"--nodes", "0", "--mode", "raintree"}, "--nodes must be 1..1000, got 0"},
      {{"--nodes", "3", "--mode", "flood"}, "--mode must be one of pocket, raintree, random"},
      {{"--nodes", "3", "--mode", "random", "--namespace", "Bad_NS"},
       "--namespace \"Bad_NS\" is not a DNS-1123 label"},
      {{"--nodes", "3", "--mode", "random", "--namespace", "-lab"}, "is not a DNS-1123 label"},
      {{"--nodes", "3", "--mode", "random", "--cpu-limit", "lots"},
       "--cpu-limit must be a Kubernetes quantity"},
      {{"--nodes", "3", "--mode", "random", "--roles", "validator,"}, "--roles: each role"},
      {{"--nodes", "three", "--mode", "random"}, "--nodes"},
      {{"--mode", "random"}, "--nodes"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args = {"k8s", "generate", "--out", out};
    args.insert(args.end(), c.args.begin(), c.args.end());
    const auto r = lab(args);
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_NE(r.output.find(c.expected), std::string::npos) << r.output;
    EXPECT_FALSE(fs::exists(out)) << "nothing is written on a bad argument";
  }
  const auto r = lab({"k8s", "generate", "--nodes", "0", "--mode", "raintree", "--out", out});
  EXPECT_EQ(r.output, "raintree-lab k8s: --nodes must be 1..1000, got 0\n");
}

TEST(K8sCli, AnExistingDeploymentIsNotOverwrittenWithoutForce) {
  TempDir dir("k8s-again");
  const std::string out = dir.path().string();
  ASSERT_EQ(lab({"k8s", "generate", "--nodes", "2", "--mode", "random", "--out", out}).exit_code,
            0);
  const std::string secret = read_text(dir.path() / "secret.yaml");
  const auto again = lab({"k8s", "generate", "--nodes", "2", "--mode", "random", "--out", out});
  EXPECT_EQ(again.exit_code, 1) << again.output;
  EXPECT_NE(again.output.find("--force"), std::string::npos) << again.output;
  EXPECT_EQ(read_text(dir.path() / "secret.yaml"), secret);
  const auto forced =
      lab({"k8s", "generate", "--nodes", "2", "--mode", "random", "--out", out, "--force"});
  EXPECT_EQ(forced.exit_code, 0) << forced.output;
  EXPECT_NE(read_text(dir.path() / "secret.yaml"), secret);
}

// port-forward.sh against a stand-in kubectl that records its arguments and waits: one
// forward per selected pod with cluster.json's ports, and SIGTERM stops every forward.
TEST(K8sCli, PortForwardScriptForwardsWhatClusterJsonNamesAndStopsItsForwards) {
  TempDir dir("k8s-pf");
  const fs::path out = dir.path() / "deploy";
  ASSERT_EQ(lab({"k8s", "generate", "--nodes", "4", "--mode", "random", "--namespace", "lab",
                 "--out", out.string()})
                .exit_code,
            0);
  const fs::path fake = dir.path() / "kubectl";
  const fs::path calls = dir.path() / "calls.txt";
  std::ofstream(fake) << "#!/bin/sh\necho \"$$ $*\" >> \"$FAKE_CALLS\"\nexec sleep 60\n";
  fs::permissions(fake, fs::perms::owner_all);
  const auto script = [&](const std::vector<std::string>& ordinals, const fs::path& log) {
    std::vector<std::string> args = {"KUBECTL=" + fake.string(), "FAKE_CALLS=" + calls.string(),
                                     "/bin/sh", (out / "port-forward.sh").string()};
    args.insert(args.end(), ordinals.begin(), ordinals.end());
    std::string error;
    const int pid = cluster::spawn_process({"/usr/bin/env", args, log, false}, error);
    EXPECT_GT(pid, 0) << error;
    return pid;
  };
  const auto lines = [&] {
    std::vector<std::string> out_lines;
    std::istringstream in(read_text(calls));
    for (std::string line; std::getline(in, line);) out_lines.push_back(line);
    return out_lines;
  };

  const int pid = script({"1", "3"}, dir.path() / "pf.log");
  ASSERT_TRUE(eventually([&] { return lines().size() == 2; }, milliseconds(5000)))
      << read_text(dir.path() / "pf.log");
  std::vector<int> forwards;
  std::set<std::string> seen;
  for (const std::string& line : lines()) {
    forwards.push_back(std::stoi(line));
    seen.insert(line.substr(line.find(' ') + 1));
  }
  EXPECT_EQ(seen, (std::set<std::string>{
                      "port-forward --namespace lab --address 127.0.0.1 pod/raintree-1 "
                      "20001:7001 20005:9100",
                      "port-forward --namespace lab --address 127.0.0.1 pod/raintree-3 "
                      "20003:7001 20007:9100"}));
  ::kill(pid, SIGTERM);
  EXPECT_TRUE(cluster::wait_gone(pid, milliseconds(5000)));
  for (const int forward : forwards) {
    EXPECT_TRUE(eventually([&] { return !cluster::process_alive(forward); }, milliseconds(5000)))
        << "forward pid " << forward << " left running";
    if (cluster::process_alive(forward)) ::kill(forward, SIGKILL);
  }

  // A bad ordinal: a clear line and exit 2, nothing started.
  fs::remove(calls);
  const auto bad = run_command("/usr/bin/env", {"KUBECTL=" + fake.string(), "/bin/sh",
                                                (out / "port-forward.sh").string(), "4"});
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
  EXPECT_NE(bad.output.find("pod ordinal 4 is outside 0..3"), std::string::npos) << bad.output;
  EXPECT_FALSE(fs::exists(calls));
}

// The pod's command, run by /bin/sh as in the container with a stand-in raintree-node on PATH:
// it picks the key and token of its own ordinal and listens on its own DNS name.
TEST(K8sCli, ThePodCommandStartsTheNodeOfItsOrdinal) {
  TempDir dir("k8s-pod");
  const fs::path out = dir.path() / "deploy";
  ASSERT_EQ(lab({"k8s", "generate", "--nodes", "12", "--mode", "pocket", "--namespace", "lab",
                 "--out", out.string()})
                .exit_code,
            0);
  const YAML::Node c =
      YAML::LoadFile(out / "statefulset.yaml")["spec"]["template"]["spec"]["containers"][0];
  const fs::path stub_dir = dir.path() / "bin";
  fs::create_directories(stub_dir);
  std::ofstream(stub_dir / "raintree-node") << "#!/bin/sh\nfor a in \"$@\"; do echo \"$a\"; done\n";
  fs::permissions(stub_dir / "raintree-node", fs::perms::owner_all);
  const auto run_pod = [&](const std::string& pod_name) {
    std::vector<std::string> args = {"POD_NAME=" + pod_name,
                                     "PATH=" + stub_dir.string() + ":/usr/bin:/bin"};
    for (const auto& part : c["command"]) args.push_back(part.as<std::string>());
    return run_command("/usr/bin/env", args);
  };
  const auto r = run_pod("raintree-11");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output,
            "--key\n/etc/raintree/keys/node-11.key\n"
            "--token-file\n/etc/raintree/keys/node-11.token\n"
            "--address-book\n/etc/raintree/address-book/address-book.json\n"
            "--listen\nraintree-11.raintree.lab.svc.cluster.local:7000\n"
            "--bind\n0.0.0.0\n"
            "--control\n7001\n--control-host\n0.0.0.0\n"
            "--metrics\n9100\n--metrics-host\n0.0.0.0\n"
            "--mode\npocket\n--log-level\ninfo\n");
  const json book = json::parse(read_text(out / "address-book.json"));
  EXPECT_EQ(book["members"][11]["endpoint"], "raintree-11.raintree.lab.svc.cluster.local:7000");
  const auto bad = run_pod("raintree");
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
  EXPECT_NE(bad.output.find("no pod ordinal in POD_NAME=raintree"), std::string::npos)
      << bad.output;
}

// When this machine has kubectl, its built-in kustomize must accept the directory (offline:
// `kubectl kustomize` needs no cluster). Skipped otherwise.
TEST(K8sCli, KubectlKustomizeBuildsTheDirectoryWhenKubectlIsHere) {
  if (!fs::exists("/usr/bin/kubectl")) GTEST_SKIP() << "no /usr/bin/kubectl";
  TempDir dir("k8s-kustomize");
  ASSERT_EQ(lab({"k8s", "generate", "--nodes", "3", "--mode", "advert", "--service-monitor",
                 "--out", dir.path().string()})
                .exit_code,
            0);
  const auto r = run_command("/usr/bin/kubectl", {"kustomize", dir.path().string()});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* kind : {"kind: Service\n", "kind: StatefulSet\n", "kind: ConfigMap\n",
                           "kind: Secret\n", "kind: ServiceMonitor\n"}) {
    EXPECT_NE(r.output.find(kind), std::string::npos) << kind;
  }
}

}  // namespace
}  // namespace rt::itest
