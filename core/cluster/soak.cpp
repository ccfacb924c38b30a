#include "cluster/soak.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <limits>

#include "cluster/process.hpp"

namespace rt::cluster {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr Micros kSampleEvery = 2'000'000;  // between readings of every node's process
constexpr std::size_t kListedLosses = 20;   // lost pairs listed in the summary
// How long after a broadcast the protocol may still be repairing it (ACK timeouts, IGYM asked
// twice, cleanup copies sent three times: docs/raintree.md), so that a mute or injected loss
// then can cost a node the broadcast.
constexpr double kRepairWindowMs = 2000;

double mib(double bytes) {
  return std::round(bytes / (1 << 20) * 100) / 100;
}

double seconds(Micros us) {
  return static_cast<double>(us) / 1e6;
}

// min / median / max of some values, as JSON (all 0 when there are none).
template <typename T, typename Scale>
json spread(std::vector<T> values, Scale scale) {
  if (values.empty()) return {{"min", 0}, {"median", 0}, {"max", 0}};
  std::sort(values.begin(), values.end());
  return {{"min", scale(values.front())},
          {"median", scale(values[values.size() / 2])},
          {"max", scale(values.back())}};
}

std::string rank_pid(int rank, int pid) {
  return "rank " + std::to_string(rank) + " (pid " + std::to_string(pid) + ")";
}

json plan_json(const SoakPlan& p, int max_faulted) {
  return {{"nodes", p.nodes},
          {"mode", p.mode},
          {"seed", p.seed},
          {"duration_s", seconds(p.duration_us)},
          {"rate", p.rate},
          {"size", p.size},
          {"warmup_s", seconds(p.warmup_us)},
          {"fault_every_s", seconds(p.fault_every_us)},
          {"hold_min_s", seconds(p.hold_min_us)},
          {"hold_max_s", seconds(p.hold_max_us)},
          {"max_faulted", max_faulted},
          {"max_loss_percent", p.max_loss_percent},
          {"max_delay_ms", p.max_delay_ms},
          {"settle_s", seconds(p.settle_us)}};
}

json faults_json(const SoakSchedule& schedule, int failed) {
  json by_kind = json::object();
  for (const char* kind : kSoakFaultKinds) by_kind[kind] = 0;
  int most = 0, restarts = 0;
  for (const SoakFault& f : schedule.faults) {
    by_kind[f.kind] = by_kind[f.kind].get<int>() + 1;
    if (f.kind == "kill") restarts += static_cast<int>(f.ranks.size());
    int faulted = 0;
    for (const SoakFault& g : schedule.faults) {
      if (g.start_us <= f.start_us && f.start_us < g.end_us) {
        faulted += static_cast<int>(g.ranks.size());
      }
    }
    most = std::max(most, faulted);
  }
  return {{"applied", schedule.faults.size()},
          {"failed_steps", failed},
          {"by_kind", by_kind},
          {"most_nodes_at_once", most},
          {"restarts", restarts}};
}

// Per rank, the times [from, to) in ms when a kind of fault held it, replayed from the report's
// fault notes (in time order).
class FaultWindows {
 public:
  // `loss`: injected loss on the node or one of its links, until set to 0 or a heal.
  // `mute`: from mute to unmute or a restart (a new process is not muted).
  FaultWindows(const json& faults, const std::string& which) {
    for (const json& f : faults) {
      const std::string kind = f.value("fault", std::string());
      const double at = f.value("time_ms", 0.0);
      std::vector<int> ranks = f.value("ranks", std::vector<int>{});
      if (which == "mute" && (kind == "mute" || kind == "unmute" || kind == "restart")) {
        for (int r : ranks) set(r, "mute", kind == "mute", at);
      } else if (which == "loss" && kind == "heal") {
        while (!open_.empty()) close(open_.begin(), at);
      } else if (which == "loss" && kind == "loss") {
        std::string source = "node";
        if (const auto link = f.value("link", std::vector<int>{}); link.size() == 2) {
          ranks = link;
          source = "link " + std::to_string(link[0]) + "-" + std::to_string(link[1]);
        }
        for (int r : ranks) set(r, source, f.value("percent", 0.0) > 0, at);
      }
    }
    while (!open_.empty()) close(open_.begin(), std::numeric_limits<double>::infinity());
  }

  // Whether the fault held `rank` at some time in [from_ms, to_ms].
  bool held(int rank, double from_ms, double to_ms) const {
    const auto it = windows_.find(rank);
    return it != windows_.end() &&
           std::any_of(it->second.begin(), it->second.end(),
                       [&](const auto& w) { return w.first <= to_ms && w.second > from_ms; });
  }

 private:
  using Open = std::map<std::pair<int, std::string>, double>;  // (rank, source) -> since
  void set(int rank, const std::string& source, bool on, double at) {
    const auto it = open_.find({rank, source});
    if (on && it == open_.end()) open_.emplace(std::make_pair(rank, source), at);
    if (!on && it != open_.end()) close(it, at);
  }
  void close(Open::iterator it, double at) {
    windows_[it->first.first].emplace_back(it->second, at);
    open_.erase(it);
  }
  Open open_;
  std::map<int, std::vector<std::pair<double, double>>> windows_;
};

}  // namespace

std::optional<ProcessUsage> read_process_usage(int pid) {
  if (pid <= 0) return std::nullopt;
  const ProcessState state = process_state(pid);
  if (state == ProcessState::gone || state == ProcessState::zombie) return std::nullopt;
  const fs::path proc = fs::path("/proc") / std::to_string(pid);
  std::ifstream status(proc / "status");
  std::string line;
  std::optional<std::uint64_t> rss_kib;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) {
      rss_kib = std::strtoull(line.c_str() + 6, nullptr, 10);
      break;
    }
  }
  std::error_code ec;
  int fds = 0;
  for (fs::directory_iterator it(proc / "fd", ec), end; !ec && it != end; it.increment(ec)) ++fds;
  if (!rss_kib || ec) return std::nullopt;
  return ProcessUsage{*rss_kib * 1024, fds};
}

void UsageSampler::sample(const ClusterInfo& cluster, When when) {
  for (const NodeInfo& n : cluster.nodes) record(n.rank, {n.pid, read_process_usage(n.pid)}, when);
}

void UsageSampler::record(int rank, const Reading& reading, When when) {
  RankUsage& r = ranks_[rank];
  r.latest = reading;
  if (when == When::before) r.before = reading;
  if (when == When::after) r.after = reading;
  if (reading.usage) r.first.emplace(reading.pid, *reading.usage);
}

ProcessUsage UsageSampler::median_latest() const {
  std::vector<std::uint64_t> rss;
  std::vector<int> fds;
  for (const auto& [rank, r] : ranks_) {
    if (!r.latest || !r.latest->usage) continue;
    rss.push_back(r.latest->usage->rss_bytes);
    fds.push_back(r.latest->usage->fds);
  }
  if (rss.empty()) return {};
  std::nth_element(rss.begin(), rss.begin() + rss.size() / 2, rss.end());
  std::nth_element(fds.begin(), fds.begin() + fds.size() / 2, fds.end());
  return {rss[rss.size() / 2], fds[fds.size() / 2]};
}

json check_deliveries(const json& report, const SoakLimits& limits,
                      std::vector<std::string>& failures) {
  const json& totals = report.at("totals");
  const json& faults = report.value("faults", json::array());
  const FaultWindows lossy(faults, "loss"), muted(faults, "mute");
  std::uint64_t lost = 0, unreachable = 0, missed_while_muted = 0, missed_under_loss = 0;
  json listed = json::array();
  for (const json& b : report.value("broadcasts", json::array())) {
    const double sent = b.value("time_ms", 0.0);
    for (const json& m : b.value("missed", json::array())) {
      if (!m.value("expected", true)) continue;  // dead at the end: check_processes says why
      const int rank = m.value("rank", 0);
      std::string reason = m.value("reason", std::string());
      if (reason == "killed" || reason == "stopped" || reason == "partitioned") {
        ++unreachable;
        continue;
      }
      if (muted.held(rank, sent, sent + kRepairWindowMs)) {
        ++missed_while_muted;
        if (!limits.strict) continue;
        if (reason != "muted") reason += ", muted";
      } else if (lossy.held(rank, sent, sent + kRepairWindowMs)) {
        ++missed_under_loss;
        if (!limits.strict) continue;
        reason += ", under injected loss";
      }
      ++lost;
      if (listed.size() < kListedLosses) {
        listed.push_back({{"broadcast", b.value("id", std::string())},
                          {"time_ms", sent},
                          {"origin_rank", b.value("origin_rank", 0)},
                          {"rank", rank},
                          {"reason", reason}});
      }
    }
  }
  const json& events = report.value("events", json::object());
  const auto events_lost = events.value("lost", std::uint64_t{0});
  const auto events_missing = events.value("missing_seq", std::uint64_t{0});
  if (events_lost + events_missing > 0) {
    // Without every deliver event a miss may be a delivery the recording never saw.
    failures.push_back(std::to_string(events_lost + events_missing) +
                       " events did not reach the recording (" + std::to_string(events_lost) +
                       " dropped on the way, " + std::to_string(events_missing) +
                       " missing from the nodes' sequence numbers), so " + std::to_string(lost) +
                       " misses of live nodes cannot be told from deliveries it never saw");
  } else if (lost > 0) {
    const json& first = listed.front();
    failures.push_back(std::to_string(lost) +
                       " deliveries lost: nodes alive and reachable when a broadcast was sent "
                       "never delivered it (first: rank " +
                       std::to_string(first["rank"].get<int>()) + ", broadcast " +
                       first["broadcast"].get<std::string>() + ", " +
                       first["reason"].get<std::string>() + ")");
  }
  const json catch_up = report.value("catch_up", json::object());
  return {{"broadcasts", report.value("broadcasts", json::array()).size()},
          {"expected", totals.value("expected_pairs", 0)},
          {"delivered", totals.value("delivered_pairs", 0)},
          {"expected_while_reachable", totals.value("expected_while_reachable", 0)},
          {"delivered_while_reachable", totals.value("delivered_while_reachable", 0)},
          {"lost", lost},
          {"lost_pairs", listed},
          {"missed_while_unreachable", unreachable},
          {"missed_while_muted", missed_while_muted},
          {"missed_under_loss", missed_under_loss},
          {"caught_up", catch_up.value("pairs", 0)},
          {"events", events.value("total", 0)},
          {"events_lost", events_lost},
          {"events_missing", events_missing}};
}

json check_processes(const UsageSampler& usage, const SoakLimits& limits,
                     std::vector<std::string>& failures) {
  std::vector<std::uint64_t> rss_before, rss_after;
  std::vector<int> fds_before, fds_after;
  std::int64_t max_rss_growth = 0;
  int max_fd_growth = 0, rss_rank = 0, fd_rank = 0, processes = 0;
  json crashed = json::array();
  for (const auto& [rank, r] : usage.ranks()) {
    processes += static_cast<int>(r.first.size());
    if (!r.before || !r.before->usage || !r.after || !r.after->usage) {
      const int pid = r.after ? r.after->pid : r.latest ? r.latest->pid : 0;
      crashed.push_back(rank);
      failures.push_back(rank_pid(rank, pid) + " is not running " +
                         (r.after && !r.after->usage ? "at the end" : "at the end of the warm-up") +
                         ": it crashed (the soak restarts every node it kills)");
      continue;
    }
    const UsageSampler::Reading& before = *r.before;
    const UsageSampler::Reading& after = *r.after;
    rss_before.push_back(before.usage->rss_bytes);
    rss_after.push_back(after.usage->rss_bytes);
    fds_before.push_back(before.usage->fds);
    fds_after.push_back(after.usage->fds);
    // A restarted process is compared with its own start.
    const std::uint64_t base =
        before.pid == after.pid ? before.usage->rss_bytes : r.first.at(after.pid).rss_bytes;
    const auto growth =
        static_cast<std::int64_t>(after.usage->rss_bytes) - static_cast<std::int64_t>(base);
    if (growth > max_rss_growth || rss_rank == 0) {
      max_rss_growth = growth;
      rss_rank = rank;
    }
    if (growth > static_cast<std::int64_t>(limits.rss_growth_bytes)) {
      char text[160];
      std::snprintf(text, sizeof text,
                    ": resident memory grew by %.1f MiB (%.1f -> %.1f MiB), over the %.1f MiB "
                    "bound",
                    mib(static_cast<double>(growth)), mib(static_cast<double>(base)),
                    mib(static_cast<double>(after.usage->rss_bytes)),
                    mib(static_cast<double>(limits.rss_growth_bytes)));
      failures.push_back(rank_pid(rank, after.pid) + text);
    }
    const int fd_growth = after.usage->fds - before.usage->fds;
    if (fd_growth > max_fd_growth || fd_rank == 0) {
      max_fd_growth = fd_growth;
      fd_rank = rank;
    }
    if (fd_growth > limits.fd_slack) {
      failures.push_back(rank_pid(rank, after.pid) + ": " + std::to_string(after.usage->fds) +
                         " open descriptors at the end, " + std::to_string(before.usage->fds) +
                         " after the warm-up (slack " + std::to_string(limits.fd_slack) + ")");
    }
  }
  const auto as_mib = [](std::uint64_t b) { return mib(static_cast<double>(b)); };
  const auto as_is = [](int n) { return n; };
  return {{"processes_seen", processes},
          {"crashed", crashed},
          {"rss_mib",
           {{"before", spread(rss_before, as_mib)},
            {"after", spread(rss_after, as_mib)},
            {"max_growth", mib(static_cast<double>(max_rss_growth))},
            {"max_growth_rank", rss_rank},
            {"bound", as_mib(limits.rss_growth_bytes)}}},
          {"fds",
           {{"before", spread(fds_before, as_is)},
            {"after", spread(fds_after, as_is)},
            {"max_growth", max_fd_growth},
            {"max_growth_rank", fd_rank},
            {"slack", limits.fd_slack}}}};
}

bool ensure_fd_limit(int nodes, std::string& error) {
  // A node holds a socket per peer plus a few; the lab a control connection or three per node.
  const rlim_t need = static_cast<rlim_t>(4 * nodes + 256);
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return true;  // nothing to go by
  if (limit.rlim_cur >= need) return true;                   // RLIM_INFINITY is the largest value
  if (limit.rlim_max < need) {
    error = "the open-file limit is " + std::to_string(limit.rlim_max) + " and " +
            std::to_string(nodes) + " nodes need about " + std::to_string(need) +
            " (raise it with ulimit -n)";
    return false;
  }
  limit.rlim_cur = need;
  if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) {
    error = "cannot raise the open-file limit to " + std::to_string(need);
    return false;
  }
  return true;
}

std::optional<SoakResult> run_soak(const SoakOptions& o, std::string& error) {
  auto schedule = make_soak_schedule(o.plan, error);
  if (!schedule || !ensure_fd_limit(o.plan.nodes, error)) return std::nullopt;
  UsageSampler usage;
  bool before_taken = false, after_taken = false;
  Micros next_sample_us = 0;
  int faults_failed = 0, broadcasts_sent = 0;

  ScenarioRunOptions r;
  r.scenario = schedule->scenario;
  r.dir = o.dir;
  r.record_file = o.record_file;
  r.node_binary = o.node_binary;
  r.log = o.log;
  r.cancelled = o.cancelled;
  r.inspect = [&](const ScenarioProgress& p, const ClusterInfo& cluster) {
    faults_failed = p.faults_failed;
    broadcasts_sent = p.broadcasts_sent;
    if (p.phase == "reporting") {
      if (!after_taken) usage.sample(cluster, UsageSampler::When::after);
      after_taken = true;
    } else if (p.phase == "running" || p.phase == "settling") {
      if (!before_taken && p.elapsed_us >= o.plan.warmup_us) {
        usage.sample(cluster, UsageSampler::When::before);
        before_taken = true;
        next_sample_us = p.elapsed_us + kSampleEvery;
      } else if (p.elapsed_us >= next_sample_us) {
        usage.sample(cluster, UsageSampler::When::during);
        next_sample_us = p.elapsed_us + kSampleEvery;
      }
    }
    if (!o.progress) return;
    SoakProgress progress;
    progress.scenario = p;
    progress.faults_active = schedule->faults_active(p.elapsed_us);
    progress.faults_started = static_cast<int>(
        std::count_if(schedule->faults.begin(), schedule->faults.end(),
                      [&](const SoakFault& f) { return f.start_us <= p.elapsed_us; }));
    progress.median = usage.median_latest();
    o.progress(progress);
  };

  const auto started = std::chrono::steady_clock::now();
  auto run = run_scenario(r, error);
  if (!run) return std::nullopt;
  const double wall_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  SoakResult result;
  result.report = std::move(run->report);
  const int planned = schedule->scenario.total_broadcasts();
  if (broadcasts_sent < planned) {
    result.failures.push_back(std::to_string(planned - broadcasts_sent) + " of " +
                              std::to_string(planned) +
                              " broadcasts were not accepted by a live origin (see the log)");
  }
  if (faults_failed > 0) {
    result.failures.push_back(std::to_string(faults_failed) +
                              " fault steps failed to apply or undo (see the log)");
  }
  json deliveries = check_deliveries(result.report, o.limits, result.failures);
  json processes = check_processes(usage, o.limits, result.failures);
  result.summary = {{"passed", result.failures.empty()},
                    {"failures", result.failures},
                    {"plan", plan_json(o.plan, schedule->max_faulted)},
                    {"broadcasts", {{"planned", planned}, {"sent", broadcasts_sent}}},
                    {"deliveries", std::move(deliveries)},
                    {"faults", faults_json(*schedule, faults_failed)},
                    {"processes", std::move(processes)},
                    {"recording_bytes", run->recording_bytes},
                    {"wall_s", std::round(wall_s * 10) / 10}};
  return result;
}

}  // namespace rt::cluster
