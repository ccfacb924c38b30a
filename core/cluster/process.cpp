#include "cluster/process.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

namespace rt::cluster {
namespace {

std::string errno_text(int err) {
  return std::strerror(err);
}

// Marks every descriptor from `first` up close-on-exec, so that nothing the launcher holds
// (control connections, a recording, a GUI's files) leaks into a node it starts: one
// close_range() call where the kernel has CLOSE_RANGE_CLOEXEC (5.11), else one fcntl() each.
void cloexec_from(int first) {
#ifdef CLOSE_RANGE_CLOEXEC
  if (::close_range(static_cast<unsigned>(first), ~0U, CLOSE_RANGE_CLOEXEC) == 0) return;
#endif
  rlimit limit{};
  const rlim_t end = ::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY
                         ? limit.rlim_cur
                         : 65536;
  for (rlim_t fd = static_cast<rlim_t>(first); fd < end; ++fd) {
    ::fcntl(static_cast<int>(fd), F_SETFD, FD_CLOEXEC);
  }
}

// What a child reports through its pipe when it cannot exec.
struct ChildFailure {
  int stage = 0;  // kEnterNetns or kExec
  int error = 0;  // errno
};
constexpr int kEnterNetns = 1;
constexpr int kExec = 2;

[[noreturn]] void child_fails(int report_fd, int stage) {
  const ChildFailure failure{stage, errno};
  [[maybe_unused]] auto n = ::write(report_fd, &failure, sizeof failure);
  ::_exit(127);
}

// Opens a network namespace for a child to enter (-1 when none is asked for).
int open_netns(const std::filesystem::path& netns, std::string& error) {
  if (netns.empty()) return -1;
  const int fd = ::open(netns.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) error = "cannot open network namespace " + netns.string() + ": " + errno_text(errno);
  return fd;
}

std::string describe_failure(const ChildFailure& failure, const std::string& program,
                             const std::filesystem::path& netns) {
  if (failure.stage == kEnterNetns) {
    return "cannot enter network namespace " + netns.string() + ": " + errno_text(failure.error);
  }
  return "cannot execute " + program + ": " + errno_text(failure.error);
}

// Reads a child's failure report; false when the pipe closed on a successful exec.
bool read_failure(int fd, ChildFailure& failure) {
  ssize_t n;
  do {
    n = ::read(fd, &failure, sizeof failure);
  } while (n < 0 && errno == EINTR);
  return n == static_cast<ssize_t>(sizeof failure);
}

// Child side of spawn_process: only async-signal-safe calls until exec.
[[noreturn]] void exec_child(const SpawnOptions& options, char* const* argv, int log_fd,
                             int netns_fd, int report_fd) {
  if (netns_fd >= 0 && ::setns(netns_fd, CLONE_NEWNET) != 0) child_fails(report_fd, kEnterNetns);
  if (options.new_session) setsid();
  const int null_fd = ::open("/dev/null", O_RDONLY);
  if (null_fd >= 0) ::dup2(null_fd, 0);
  if (log_fd >= 0) {
    ::dup2(log_fd, 1);
    ::dup2(log_fd, 2);
  }
  cloexec_from(3);  // the report pipe too: it closes on a successful exec
  // Reset signal dispositions and mask inherited from the launcher.
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  for (int sig : {SIGINT, SIGTERM, SIGPIPE, SIGCHLD, SIGHUP}) ::signal(sig, SIG_DFL);
  ::execv(argv[0], argv);
  child_fails(report_fd, kExec);
}

}  // namespace

int spawn_process(const SpawnOptions& options, std::string& error) {
  std::vector<std::string> storage;
  storage.push_back(options.program.string());
  storage.insert(storage.end(), options.args.begin(), options.args.end());
  std::vector<char*> argv;
  for (std::string& s : storage) argv.push_back(s.data());
  argv.push_back(nullptr);

  int log_fd = -1;
  const std::string log_path = options.log.empty() ? "/dev/null" : options.log.string();
  log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) {
    error = "cannot open log " + log_path + ": " + errno_text(errno);
    return 0;
  }
  const int netns_fd = open_netns(options.netns, error);
  if (!options.netns.empty() && netns_fd < 0) {
    ::close(log_fd);
    return 0;
  }
  auto close_parent_fds = [&] {
    ::close(log_fd);
    if (netns_fd >= 0) ::close(netns_fd);
  };
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) {
    error = "pipe: " + errno_text(errno);
    close_parent_fds();
    return 0;
  }
  const pid_t pid = ::fork();
  if (pid < 0) {
    error = "fork: " + errno_text(errno);
    close_parent_fds();
    ::close(report[0]);
    ::close(report[1]);
    return 0;
  }
  if (pid == 0) {
    ::close(report[0]);
    exec_child(options, argv.data(), log_fd, netns_fd, report[1]);
  }
  close_parent_fds();
  ::close(report[1]);
  // The pipe closes on a successful exec (O_CLOEXEC); otherwise it says what failed.
  ChildFailure failure;
  const bool failed = read_failure(report[0], failure);
  ::close(report[0]);
  if (failed) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    error = describe_failure(failure, options.program.string(), options.netns);
    return 0;
  }
  return pid;
}

CommandResult run_command(const std::vector<std::string>& args, const std::string& input,
                          const std::filesystem::path& netns) {
  CommandResult result;
  if (args.empty()) return result;
  std::vector<std::string> storage = args;
  std::vector<char*> argv;
  for (std::string& s : storage) argv.push_back(s.data());
  argv.push_back(nullptr);
  const int netns_fd = open_netns(netns, result.output);
  if (!netns.empty() && netns_fd < 0) return result;
  int in[2], out[2], report[2];
  if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0 ||
      ::pipe2(report, O_CLOEXEC) != 0) {
    result.output = "pipe: " + errno_text(errno);
    return result;
  }
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (netns_fd >= 0 && ::setns(netns_fd, CLONE_NEWNET) != 0) child_fails(report[1], kEnterNetns);
    ::dup2(in[0], 0);
    ::dup2(out[1], 1);
    ::dup2(out[1], 2);
    ::execvp(argv[0], argv.data());
    child_fails(report[1], kExec);
  }
  if (netns_fd >= 0) ::close(netns_fd);
  for (int fd : {in[0], out[1], report[1]}) ::close(fd);
  if (pid < 0) {
    result.output = "fork: " + errno_text(errno);
    for (int fd : {in[1], out[0], report[0]}) ::close(fd);
    return result;
  }
  // Feed the input and drain the output together, so that neither side blocks on a full pipe.
  std::size_t written = 0;
  int in_fd = in[1];
  if (input.empty()) {
    ::close(in_fd);
    in_fd = -1;
  }
  constexpr std::size_t kKeep = 64 * 1024;
  for (bool open = true; open;) {
    pollfd fds[2] = {{out[0], POLLIN, 0}, {in_fd, POLLOUT, 0}};
    if (::poll(fds, in_fd >= 0 ? 2 : 1, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (in_fd >= 0 && (fds[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
      const ssize_t n = ::write(in_fd, input.data() + written, input.size() - written);
      if (n > 0) written += static_cast<std::size_t>(n);
      if (n < 0 || written == input.size()) {
        ::close(in_fd);
        in_fd = -1;
      }
    }
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      char buffer[4096];
      const ssize_t n = ::read(out[0], buffer, sizeof buffer);
      if (n <= 0) {
        open = n < 0 && errno == EINTR;
      } else if (result.output.size() < kKeep) {
        result.output.append(buffer,
                             std::min(static_cast<std::size_t>(n), kKeep - result.output.size()));
      }
    }
  }
  if (in_fd >= 0) ::close(in_fd);
  ::close(out[0]);
  ChildFailure failure;
  const bool failed = read_failure(report[0], failure);
  ::close(report[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (failed) {
    result.output = describe_failure(failure, args[0], netns);
    return result;
  }
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  return result;
}

ProcessState process_state(int pid) {
  if (pid <= 0) return ProcessState::gone;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!stat || !std::getline(stat, text)) return ProcessState::gone;
  // "pid (comm) S ...": comm may hold spaces and parentheses, so look after the last ')'.
  const auto close = text.rfind(')');
  if (close == std::string::npos || close + 2 >= text.size()) return ProcessState::gone;
  switch (text[close + 2]) {
    case 'Z':
    case 'X':
    case 'x':
      return ProcessState::zombie;
    case 'T':
    case 't':
      return ProcessState::stopped;
    default:
      return ProcessState::running;
  }
}

bool process_alive(int pid) {
  const ProcessState s = process_state(pid);
  return s == ProcessState::running || s == ProcessState::stopped;
}

bool process_has_argument(int pid, const std::string& needle) {
  if (pid <= 0) return false;
  std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary);
  std::string arg;
  while (std::getline(in, arg, '\0')) {
    if (arg == needle) return true;
  }
  return false;
}

std::map<std::string, int> pids_with_argument(const std::set<std::string>& needles) {
  std::map<std::string, int> found;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    const int pid = std::stoi(name);
    if (!process_alive(pid)) continue;
    std::ifstream in(entry.path() / "cmdline", std::ios::binary);
    std::string arg;
    while (std::getline(in, arg, '\0')) {
      if (needles.count(arg)) {
        found.emplace(arg, pid);
        break;
      }
    }
  }
  return found;
}

bool send_signal(int pid, int signal, std::string& error) {
  if (pid <= 0) {
    error = "no pid";
    return false;
  }
  if (::kill(pid, signal) != 0) {
    error =
        "kill(" + std::to_string(pid) + ", " + std::to_string(signal) + "): " + errno_text(errno);
    return false;
  }
  return true;
}

std::optional<int> reap_child(int pid) {
  if (pid <= 0) return std::nullopt;
  int status = 0;
  const pid_t r = ::waitpid(pid, &status, WNOHANG);
  if (r == pid) return status;
  return std::nullopt;
}

std::string describe_wait_status(int status) {
  if (WIFEXITED(status)) return "exit code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  return "status " + std::to_string(status);
}

bool wait_gone(int pid, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto pause = std::chrono::milliseconds(1);
  for (;;) {
    reap_child(pid);
    const ProcessState s = process_state(pid);
    // A zombie that is not our child is reaped by its own parent (init); it holds no socket.
    if (s == ProcessState::gone || s == ProcessState::zombie) {
      reap_child(pid);
      return true;
    }
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(20));
  }
}

std::vector<std::uint16_t> pick_free_ports(std::size_t count, std::string& error) {
  std::vector<int> fds;
  std::vector<std::uint16_t> ports;
  for (std::size_t i = 0; i < count; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      error = "socket: " + errno_text(errno);
      break;
    }
    fds.push_back(fd);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      error = "cannot reserve a loopback port: " + errno_text(errno);
      break;
    }
    ports.push_back(ntohs(addr.sin_port));
  }
  for (int fd : fds) ::close(fd);
  if (ports.size() != count) ports.clear();
  return ports;
}

bool port_listening(std::uint16_t port) {
  // /proc/net/tcp{,6}: "sl local_address rem_address st ..." with st 0A = LISTEN. Reading it
  // leaves the listener alone (a probe connection would show up in the node's log).
  for (const char* file : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::ifstream in(file);
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      std::string sl, local, remote, state;
      fields >> sl >> local >> remote >> state;
      const auto colon = local.rfind(':');
      if (colon == std::string::npos || state != "0A") continue;
      if (std::stoul(local.substr(colon + 1), nullptr, 16) == port) return true;
    }
  }
  return false;
}

std::string last_line(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::string line, last;
  while (std::getline(in, line)) {
    if (line.find_first_not_of(" \t\r") != std::string::npos) last = line;
  }
  return last;
}

}  // namespace rt::cluster
