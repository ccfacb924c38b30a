// raintree-lab k8s generate: the Kubernetes manifests of an N-node cluster, and the
// cluster.json + port-forward.sh that attach the lab and the studio to it
// (core/cluster/k8s_manifests.hpp, packaging/kubernetes/README.md).
#include <cstdio>
#include <iostream>
#include <sstream>

#include "cluster/k8s_manifests.hpp"
#include "command_registry.hpp"

namespace {

namespace fs = std::filesystem;
namespace k8s = rt::cluster::k8s;

[[noreturn]] void fail(const std::string& message, int code) {
  std::cerr << "raintree-lab k8s: " << message << '\n';
  throw CLI::RuntimeError(code);
}

struct GenerateArgs {
  k8s::Options options;
  std::string roles;
  std::string out;
  bool force = false;
};

std::vector<std::string> split_roles(const std::string& text) {
  std::vector<std::string> roles;
  if (text.empty()) return roles;
  std::stringstream in(text);
  std::string role;
  while (std::getline(in, role, ',')) roles.push_back(role);
  if (text.back() == ',') roles.emplace_back();  // "a," names an empty role: refused below
  return roles;
}

void generate(GenerateArgs& a) {
  a.options.roles = split_roles(a.roles);
  if (const std::string why = k8s::check_options(a.options); !why.empty()) fail(why, 2);
  const fs::path dir = a.out.empty() ? fs::path("k8s-" + a.options.name) : fs::path(a.out);
  std::string error;
  auto deployment = k8s::generate(a.options, error);
  if (!deployment) fail(error, 1);
  if (!k8s::write(*deployment, dir, a.force, error)) fail(error, 1);

  const k8s::Options& o = a.options;
  std::printf("wrote %s: %d nodes (mode %s) as StatefulSet %s in namespace %s, image %s\n",
              dir.string().c_str(), o.nodes, o.mode.c_str(), o.name.c_str(), o.ns.c_str(),
              o.image.c_str());
  for (const auto& file : deployment->files) std::printf("  %s\n", file.name.c_str());
  std::printf("  cluster.json\n");
  const std::string d = dir.string();
  std::printf(
      "next:\n"
      "  kubectl create namespace %s    # once\n"
      "  kubectl apply -k %s\n"
      "  kubectl -n %s rollout status statefulset/%s\n"
      "  %s/port-forward.sh &           # control and metrics of every pod on 127.0.0.1\n"
      "  raintree-lab attach %s status\n",
      o.ns.c_str(), d.c_str(), o.ns.c_str(), o.name.c_str(), d.c_str(), d.c_str());
}

void add_k8s(CLI::App& app) {
  auto* k8s_cmd = app.add_subcommand("k8s", "Kubernetes deployment of a cluster");
  k8s_cmd->require_subcommand(1);

  auto a = std::make_shared<GenerateArgs>();
  k8s::Options& o = a->options;
  auto* gen = k8s_cmd->add_subcommand(
      "generate",
      "Write the manifests (StatefulSet, headless Service, ConfigMap, Secret, kustomization) "
      "of an N-node cluster, and a cluster.json + port-forward.sh to attach to it");
  gen->add_option("--nodes", o.nodes, "Number of nodes (pods), 1..1000")->required();
  gen->add_option("--mode", o.mode, "Gossip mode: pocket, raintree, random or advert")->required();
  gen->add_option("--namespace", o.ns, "Kubernetes namespace (a DNS-1123 label)")
      ->capture_default_str();
  gen->add_option("--name", o.name,
                  "Name of the StatefulSet and of its headless Service; pods are NAME-0..N-1")
      ->capture_default_str();
  gen->add_option("--image", o.image, "Container image with raintree-node (packaging/kubernetes)")
      ->capture_default_str();
  gen->add_option("--image-pull-policy", o.image_pull_policy, "Always, IfNotPresent or Never")
      ->capture_default_str();
  gen->add_option("--out", a->out, "Output directory (default: k8s-NAME)");
  gen->add_flag("--force", a->force,
                "Replace a deployment already in the output directory (new keys: the running "
                "pods must be replaced too, which `kubectl apply -k` does)");
  gen->add_flag("--service-monitor", o.service_monitor,
                "Also write a ServiceMonitor for the Prometheus Operator");
  gen->add_option("--roles", a->roles, "Comma list of roles cycled over the ranks");
  gen->add_option("--cpu-request", o.cpu_request, "CPU request of each pod")->capture_default_str();
  gen->add_option("--cpu-limit", o.cpu_limit, "CPU limit of each pod")->capture_default_str();
  gen->add_option("--memory-request", o.memory_request, "Memory request of each pod")
      ->capture_default_str();
  gen->add_option("--memory-limit", o.memory_limit, "Memory limit of each pod")
      ->capture_default_str();
  gen->add_option("--cluster-domain", o.cluster_domain, "The cluster's DNS domain")
      ->capture_default_str();
  gen->add_option("--bind-address", o.bind_address,
                  "Address every pod binds (raintree-node --bind); :: on IPv6-only clusters")
      ->capture_default_str();
  gen->add_option("--log-level", o.log_level, "Node log level")->capture_default_str();
  gen->add_option("--local-port-base", o.local_port_base,
                  "cluster.json and port-forward.sh: pod i's control channel on 127.0.0.1:"
                  "(BASE+i), its /metrics on 127.0.0.1:(BASE+N+i)")
      ->capture_default_str();
  gen->footer(
      "Examples:\n"
      "  raintree-lab k8s generate --nodes 27 --mode raintree --image "
      "registry.example/raintree-node:0.1.0 --out k8s\n"
      "  raintree-lab k8s generate --nodes 9 --mode random --namespace lab --service-monitor\n"
      "Walk-through: packaging/kubernetes/README.md");
  gen->callback([a] { generate(*a); });
}

const bool registered = rt::lab::register_command("k8s", add_k8s);

}  // namespace
