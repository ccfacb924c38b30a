// Idle resident memory of real raintree-node processes: starts a small loopback cluster,
// waits until every node has its full mesh and a few seconds of heartbeats, then reads VmRSS
// from /proc/<pid>/status. Printed figures, not pass/fail.
//
//   bench_node_idle [nodes] [settle-seconds]   (defaults 4 and 3)
#include <cstdio>
#include <cstdlib>

#include "../unit/node/node_process.hpp"

namespace {

using namespace std::chrono_literals;
using rt::test::Control;
using rt::test::Process;

long vm_rss_kib(int pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return -1;
}

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 4;
  const int settle = argc > 2 ? std::atoi(argv[2]) : 3;
  rt::test::TempDir dir;
  const auto ports = rt::test::free_ports(static_cast<std::size_t>(3 * n));
  nlohmann::json members = nlohmann::json::array();
  auto id_of = [](int i) {
    char buf[65];
    std::snprintf(buf, sizeof buf, "%064x", i);
    return std::string(buf);
  };
  for (int i = 0; i < n; ++i) {
    members.push_back({{"id", id_of(i + 1)},
                       {"role", "validator"},
                       {"endpoint", "127.0.0.1:" + std::to_string(ports[3 * i])}});
  }
  const auto book = dir.path() / "book.json";
  std::ofstream(book) << nlohmann::json{{"members", members}}.dump();

  std::vector<std::unique_ptr<Process>> nodes;
  for (int i = 0; i < n; ++i) {
    nodes.push_back(std::make_unique<Process>(
        std::vector<std::string>{
            rt::test::node_binary(), "--id", id_of(i + 1), "--insecure", "--listen",
            "127.0.0.1:" + std::to_string(ports[3 * i]), "--address-book", book.string(),
            "--control", std::to_string(ports[3 * i + 1]), "--token", "t", "--metrics",
            std::to_string(ports[3 * i + 2]), "--mode", "random", "--log-level", "warn"},
        dir.path() / ("node" + std::to_string(i + 1) + ".log")));
  }
  for (auto& node : nodes) {
    if (!node->wait_for_line("ready", 10s)) {
      std::fprintf(stderr, "a node did not start\n");
      return 1;
    }
  }
  for (int i = 0; i < n; ++i) {
    Control control(ports[3 * i + 1], "t");
    const auto deadline = rt::test::Clock::now() + 10s;
    while (rt::test::Clock::now() < deadline) {
      const auto status = control.request({{"cmd", "status"}});
      if (status && status->value("peers_connected", 0) == n - 1) break;
      std::this_thread::sleep_for(20ms);
    }
  }
  std::this_thread::sleep_for(std::chrono::seconds(settle));  // idle on purpose: that is the figure

  long total = 0;
  std::printf("Idle raintree-node RSS, %d-node loopback cluster (random mode), after %d s:\n", n,
              settle);
  for (int i = 0; i < n; ++i) {
    const long kib = vm_rss_kib(nodes[static_cast<std::size_t>(i)]->pid());
    total += kib;
    std::printf("  node %d  VmRSS %6ld KiB\n", i + 1, kib);
  }
  std::printf("  mean    VmRSS %6.0f KiB (%.1f MiB)\n", static_cast<double>(total) / n,
              static_cast<double>(total) / n / 1024.0);
  for (auto& node : nodes) node->signal(SIGTERM);
  for (auto& node : nodes) node->wait_exit(10s);
  return 0;
}
