#include "cluster/process.hpp"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <thread>

namespace rt::cluster {
namespace {

using std::chrono::milliseconds;
namespace fs = std::filesystem;

// Polls a condition until it holds or the deadline passes.
bool eventually(const std::function<bool()>& condition, milliseconds limit = milliseconds(5000)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(milliseconds(5));
  }
  return true;
}

TEST(Process, SpawnsInItsOwnSessionAndReaps) {
  std::string error;
  const int pid = spawn_process({"/bin/sleep", {"30"}, {}, true}, error);
  ASSERT_GT(pid, 0) << error;
  EXPECT_EQ(::getsid(pid), pid);
  EXPECT_NE(::getsid(pid), ::getsid(0));
  EXPECT_TRUE(process_alive(pid));
  EXPECT_TRUE(process_has_argument(pid, "30"));
  EXPECT_FALSE(process_has_argument(pid, "3"));

  ASSERT_TRUE(send_signal(pid, SIGSTOP, error)) << error;
  EXPECT_TRUE(eventually([&] { return process_state(pid) == ProcessState::stopped; }));
  EXPECT_TRUE(process_alive(pid));
  ASSERT_TRUE(send_signal(pid, SIGCONT, error)) << error;
  EXPECT_TRUE(eventually([&] { return process_state(pid) == ProcessState::running; }));

  ASSERT_TRUE(send_signal(pid, SIGKILL, error)) << error;
  EXPECT_TRUE(wait_gone(pid, milliseconds(5000)));
  EXPECT_EQ(process_state(pid), ProcessState::gone);
  EXPECT_FALSE(reap_child(pid));
}

// A launcher holds control connections, recordings and (the studio) GUI files when it
// restarts a node: none of them may stay open in the node.
TEST(Process, SpawnedProcessInheritsNoDescriptorsBeyondItsStandardStreams) {
  const int sock = ::socket(AF_INET, SOCK_STREAM, 0);  // no SOCK_CLOEXEC, as Asio's sockets
  ASSERT_GE(sock, 0);
  constexpr int kLeaky = 97;
  ASSERT_EQ(::dup2(sock, kLeaky), kLeaky);
  ::close(sock);
  const fs::path log = fs::temp_directory_path() / ("rt-proc-fd-" + std::to_string(::getpid()));
  fs::remove(log);
  std::string error;
  const int pid = spawn_process({"/bin/sh", {"-c", "ls /proc/$$/fd"}, log, true}, error);
  ::close(kLeaky);
  ASSERT_GT(pid, 0) << error;
  ASSERT_TRUE(eventually([&] { return reap_child(pid).has_value(); }));
  std::ifstream in(log);
  std::set<std::string> fds;
  for (std::string line; std::getline(in, line);) fds.insert(line);
  EXPECT_TRUE(fds.count("0") && fds.count("1") && fds.count("2"));
  EXPECT_FALSE(fds.count(std::to_string(kLeaky))) << "the launcher's socket leaked into the child";
  fs::remove(log);
}

TEST(Process, StoppedProcessDiesOfSigkill) {
  std::string error;
  const int pid = spawn_process({"/bin/sleep", {"30"}, {}, true}, error);
  ASSERT_GT(pid, 0) << error;
  ASSERT_TRUE(send_signal(pid, SIGSTOP, error));
  ASSERT_TRUE(eventually([&] { return process_state(pid) == ProcessState::stopped; }));
  ASSERT_TRUE(send_signal(pid, SIGKILL, error));
  EXPECT_TRUE(wait_gone(pid, milliseconds(5000)));
}

TEST(Process, ExitStatusAndLogOutput) {
  const fs::path log = fs::temp_directory_path() / ("rt-proc-" + std::to_string(::getpid()));
  fs::remove(log);
  std::string error;
  const int pid =
      spawn_process({"/bin/sh", {"-c", "echo hello; echo oops >&2; exit 3"}, log, true}, error);
  ASSERT_GT(pid, 0) << error;
  std::optional<int> status;
  ASSERT_TRUE(eventually([&] { return (status = reap_child(pid)).has_value(); }));
  EXPECT_EQ(describe_wait_status(*status), "exit code 3");
  EXPECT_EQ(last_line(log), "oops");
  std::ifstream in(log);
  std::string first;
  std::getline(in, first);
  EXPECT_EQ(first, "hello");
  fs::remove(log);
}

TEST(Process, MissingProgramIsReported) {
  std::string error;
  EXPECT_EQ(spawn_process({"/no/such/program", {}, {}, true}, error), 0);
  EXPECT_NE(error.find("cannot execute /no/such/program"), std::string::npos) << error;
  EXPECT_EQ(spawn_process({"/bin/true", {}, "/no/such/dir/log", true}, error), 0);
  EXPECT_NE(error.find("cannot open log"), std::string::npos) << error;
}

TEST(Process, GoneAndForeignPids) {
  EXPECT_EQ(process_state(0), ProcessState::gone);
  EXPECT_EQ(process_state(-5), ProcessState::gone);
  EXPECT_TRUE(process_alive(::getpid()));
  EXPECT_FALSE(process_has_argument(0, "x"));
  std::string error;
  EXPECT_FALSE(send_signal(0, SIGKILL, error));
}

TEST(Ports, PicksDistinctFreeLoopbackPorts) {
  std::string error;
  const auto ports = pick_free_ports(48, error);
  ASSERT_EQ(ports.size(), 48u) << error;
  EXPECT_EQ(std::set<std::uint16_t>(ports.begin(), ports.end()).size(), ports.size());
  // Released: each can be bound and listened on now.
  for (std::uint16_t port : {ports.front(), ports.back()}) {
    EXPECT_FALSE(port_listening(port));
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0) << port;
    ASSERT_EQ(::listen(fd, 1), 0);
    EXPECT_TRUE(port_listening(port));
    ::close(fd);
    EXPECT_FALSE(port_listening(port));
  }
}

}  // namespace
}  // namespace rt::cluster
