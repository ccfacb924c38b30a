// The soak's fault schedule (soak.hpp): a seeded draw turned into an ordinary Scenario.
#include <algorithm>
#include <random>
#include <set>

#include "cluster/soak.hpp"

namespace rt::cluster {
namespace {

constexpr int kMaxRanksPerFault = 4;
constexpr int kMaxNodes = 1000;  // as scenario files

// Draws from a seeded mt19937_64 without the standard distributions, whose results differ
// between standard libraries: the same plan gives the same schedule everywhere.
class Draw {
 public:
  explicit Draw(std::uint64_t seed) : rng_(seed) {}
  // Uniform in [lo, hi]; the modulo bias is far below anything a schedule can show.
  std::int64_t between(std::int64_t lo, std::int64_t hi) {
    if (hi <= lo) return lo;
    return lo + static_cast<std::int64_t>(rng_() % static_cast<std::uint64_t>(hi - lo + 1));
  }
  // `count` distinct values of `from`, in ascending order.
  std::vector<int> pick(std::vector<int> from, int count) {
    std::vector<int> chosen;
    for (int i = 0; i < count && !from.empty(); ++i) {
      const auto at = static_cast<std::size_t>(between(0, static_cast<int>(from.size()) - 1));
      chosen.push_back(from[at]);
      from.erase(from.begin() + static_cast<std::ptrdiff_t>(at));
    }
    std::sort(chosen.begin(), chosen.end());
    return chosen;
  }

 private:
  std::mt19937_64 rng_;
};

bool check_plan(const SoakPlan& p, std::string& error) {
  const auto bad = [&](const std::string& what) {
    error = what;
    return false;
  };
  if (p.nodes < 2 || p.nodes > kMaxNodes) {
    return bad("--nodes: " + std::to_string(p.nodes) + " is outside 2.." +
               std::to_string(kMaxNodes));
  }
  if (!(p.rate > 0 && p.rate <= 1000)) return bad("--rate: expected 0 < broadcasts/s <= 1000");
  if (p.duration_us <= 0) return bad("--duration: must be longer than 0");
  if (p.warmup_us < 0 || p.warmup_us >= p.duration_us) {
    return bad("--warmup: must be shorter than --duration");
  }
  if (p.fault_every_us <= 0) return bad("--fault-every: must be longer than 0");
  if (p.hold_min_us <= 0 || p.hold_max_us < p.hold_min_us) {
    return bad("--hold-min/--hold-max: expected 0 < min <= max");
  }
  if (p.max_faulted < 0 || p.max_faulted >= p.nodes) {
    return bad("--max-faulted: expected 0 (a tenth of the nodes) up to nodes - 1");
  }
  if (!(p.max_loss_percent >= 1 && p.max_loss_percent <= 100)) {
    return bad("--max-loss: expected 1..100 percent");
  }
  if (p.max_delay_ms < 1 || p.max_delay_ms > 60000) return bad("--max-delay: expected 1..60000 ms");
  if (p.settle_us < 0) return bad("--settle: must not be negative");
  return true;
}

// The fault and its undo as scenario steps.
std::pair<FaultStep, FaultStep> steps_of(const SoakFault& f, Draw& draw, const SoakPlan& p) {
  FaultStep on, off;
  on.ranks = off.ranks = f.ranks;
  const auto both = [&](FaultKind a, FaultKind b) {
    on.kind = a;
    off.kind = b;
  };
  const bool link = f.kind.rfind("link-", 0) == 0;
  if (link) {
    on.ranks.clear();
    off.ranks.clear();
    on.link = off.link = std::make_pair(f.ranks[0], f.ranks[1]);
  }
  if (f.kind == "kill") {
    both(FaultKind::kill, FaultKind::restart);
  } else if (f.kind == "stop") {
    both(FaultKind::stop, FaultKind::resume);
  } else if (f.kind == "mute") {
    both(FaultKind::mute, FaultKind::unmute);
  } else if (f.kind == "loss" || f.kind == "link-loss") {
    both(FaultKind::loss, FaultKind::loss);
    const auto max = static_cast<std::int64_t>(p.max_loss_percent);
    on.percent = static_cast<double>(draw.between(std::max<std::int64_t>(1, max / 4), max));
  } else if (f.kind == "delay" || f.kind == "link-delay") {
    both(FaultKind::delay, FaultKind::delay);
    on.delay_ms = static_cast<int>(draw.between(std::max(1, p.max_delay_ms / 10), p.max_delay_ms));
  } else {
    both(FaultKind::partition, FaultKind::heal);
    on.groups = {f.ranks};
    on.ranks.clear();
    off.ranks.clear();
  }
  return {on, off};
}

}  // namespace

int SoakSchedule::faults_active(Micros at_us) const {
  return static_cast<int>(std::count_if(faults.begin(), faults.end(), [&](const SoakFault& f) {
    return f.start_us <= at_us && at_us < f.end_us;
  }));
}

std::optional<SoakSchedule> make_soak_schedule(const SoakPlan& p, std::string& error) {
  if (!check_plan(p, error)) return std::nullopt;
  SoakSchedule out;
  out.max_faulted = p.max_faulted > 0 ? p.max_faulted : std::max(1, p.nodes / 10);
  Scenario& s = out.scenario;
  s.name = "soak";
  s.nodes = p.nodes;
  s.mode = p.mode;
  s.seed = p.seed;
  s.settle_us = p.settle_us;
  BroadcastPlan broadcasts;
  broadcasts.count =
      std::max(1, static_cast<int>(p.rate * static_cast<double>(p.duration_us) / 1e6));
  broadcasts.every_us = static_cast<Micros>(1e6 / p.rate);
  broadcasts.size = p.size;
  broadcasts.origin = 0;  // rotate
  s.timeline.push_back({0, 0, broadcasts});

  Draw draw(p.seed);
  struct Timed {
    Micros at_us;
    bool start;  // undos first at equal times: their nodes are free again
    std::size_t index;
    FaultStep step;
  };
  std::vector<Timed> steps;
  for (Micros t = p.warmup_us; t + p.hold_min_us <= p.duration_us; t += p.fault_every_us) {
    std::set<int> busy;
    bool partition_on = false, process_on = false;
    for (const SoakFault& f : out.faults) {
      if (f.end_us <= t) continue;
      busy.insert(f.ranks.begin(), f.ranks.end());
      partition_on = partition_on || f.kind == "partition";
      process_on = process_on || f.kind == "kill" || f.kind == "stop";
    }
    const int room = out.max_faulted - static_cast<int>(busy.size());
    std::vector<std::string> kinds;
    for (const char* kind : kSoakFaultKinds) {
      const std::string k = kind;
      const int need = k.rfind("link-", 0) == 0 ? 2 : 1;
      if (room < need) continue;
      if ((k == "kill" || k == "stop") && partition_on) continue;
      if (k == "partition" && (partition_on || process_on)) continue;
      kinds.push_back(k);
    }
    if (kinds.empty()) continue;
    SoakFault f;
    f.kind = kinds[static_cast<std::size_t>(draw.between(0, static_cast<int>(kinds.size()) - 1))];
    std::vector<int> free;
    for (int r = 1; r <= p.nodes; ++r) {
      if (!busy.count(r)) free.push_back(r);
    }
    const int count = f.kind.rfind("link-", 0) == 0
                          ? 2
                          : static_cast<int>(draw.between(1, std::min(room, kMaxRanksPerFault)));
    f.ranks = draw.pick(free, count);
    f.start_us = t;
    f.end_us = t + draw.between(p.hold_min_us, std::min(p.hold_max_us, p.duration_us - t));
    const auto [on, off] = steps_of(f, draw, p);
    steps.push_back({f.start_us, true, steps.size(), on});
    steps.push_back({f.end_us, false, steps.size(), off});
    out.faults.push_back(std::move(f));
  }
  std::sort(steps.begin(), steps.end(), [](const Timed& a, const Timed& b) {
    return std::tie(a.at_us, a.start, a.index) < std::tie(b.at_us, b.start, b.index);
  });
  for (Timed& t : steps) s.timeline.push_back({t.at_us, 0, std::move(t.step)});
  return out;
}

}  // namespace rt::cluster
