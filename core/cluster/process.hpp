// POSIX process helpers for the cluster launcher: spawn a program in its own session with its
// output sent to a log file, signal it, tell whether it is alive or stopped, reap it, and pick
// free loopback ports. Linux-specific (/proc).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace rt::cluster {

struct SpawnOptions {
  std::filesystem::path program;
  std::vector<std::string> args;  // without argv[0]
  std::filesystem::path log;      // stdout and stderr are appended here; empty: /dev/null
  bool new_session = true;        // setsid(): the child outlives its parent's terminal/session
  // A network namespace to start the program in (/run/netns/NAME, as `ip netns add` makes
  // them); empty: the launcher's own.
  std::filesystem::path netns;
};

// Starts the program. Returns the pid, or 0 with a reason (e.g. the program does not exist or
// is not executable; the check happens in the child, reported back through a pipe).
int spawn_process(const SpawnOptions& options, std::string& error);

struct CommandResult {
  int exit_code = -1;  // -1: could not run it, or killed by a signal
  std::string output;  // stdout and stderr together (the first 64 KiB)
};
// Runs a helper program (found on PATH, e.g. `ip`) to completion with `input` on its standard
// input, optionally inside a network namespace. For the short administrative commands of
// core/cluster/netns.cpp; the launcher is blocked meanwhile.
CommandResult run_command(const std::vector<std::string>& argv, const std::string& input = {},
                          const std::filesystem::path& netns = {});

enum class ProcessState { gone, running, stopped, zombie };

// From /proc/PID/stat. A pid that does not exist is `gone`.
ProcessState process_state(int pid);
// The pid exists and is not a zombie (a stopped process counts as alive).
bool process_alive(int pid);
// True when /proc/PID/cmdline contains `needle` as one whole argument: guards against acting on
// a pid that was reused by an unrelated process.
bool process_has_argument(int pid, const std::string& needle);

// Scans /proc once: for each needle, a live pid with it as one whole argument (absent when
// none). Finds a node by its token when the pid on record is stale.
std::map<std::string, int> pids_with_argument(const std::set<std::string>& needles);

bool send_signal(int pid, int signal, std::string& error);

// Collects the exit status when pid is our child and has exited (non-blocking). Returns the
// raw wait status, or nullopt when it is still running or not our child.
std::optional<int> reap_child(int pid);
// A one-line description of a wait status ("exit code 2", "killed by signal 9").
std::string describe_wait_status(int status);

// Waits until the process is gone (reaping it when it is our child) or the timeout passes.
bool wait_gone(int pid, std::chrono::milliseconds timeout);

// Reserves `count` distinct free TCP ports on 127.0.0.1 by binding them all at once, then
// releases them. Empty with a reason on failure.
std::vector<std::uint16_t> pick_free_ports(std::size_t count, std::string& error);
// True when something accepts TCP connections on 127.0.0.1:port.
bool port_listening(std::uint16_t port);

// The last non-empty line of a text file (for error messages quoting a node's log).
std::string last_line(const std::filesystem::path& file);

}  // namespace rt::cluster
