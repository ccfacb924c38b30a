// The soak's parts without a cluster: the seeded fault schedule, and the checks on an event
// report and on process samples.
#include <unistd.h>

#include <gtest/gtest.h>

#include <set>

#include "cluster/event_report.hpp"
#include "cluster/soak.hpp"

namespace rt::cluster {
namespace {

using nlohmann::json;

SoakSchedule schedule_of(const SoakPlan& plan) {
  std::string error;
  auto s = make_soak_schedule(plan, error);
  EXPECT_TRUE(s) << error;
  return s ? *s : SoakSchedule{};
}

std::vector<const FaultStep*> fault_steps(const Scenario& s) {
  std::vector<const FaultStep*> out;
  for (const ScenarioStep& step : s.timeline) {
    if (const auto* f = std::get_if<FaultStep>(&step.action)) out.push_back(f);
  }
  return out;
}

// Plays the timeline's fault steps on a model of the cluster: which ranks are under a fault
// after each step (loss and delay count until their own undo, even after a heal).
struct Model {
  std::map<std::string, std::set<int>> under;  // by what holds them
  std::size_t most = 0;
  bool partition_with_process_fault = false;

  void step(const FaultStep& f) {
    std::vector<int> ranks = f.ranks;
    if (f.link) ranks = {f.link->first, f.link->second};
    const auto set = [&](const std::string& what, bool on) {
      for (int r : ranks) on ? (void)under[what].insert(r) : (void)under[what].erase(r);
    };
    switch (f.kind) {
      case FaultKind::kill:
      case FaultKind::restart:
        set("killed", f.kind == FaultKind::kill);
        break;
      case FaultKind::stop:
      case FaultKind::resume:
        set("stopped", f.kind == FaultKind::stop);
        break;
      case FaultKind::mute:
      case FaultKind::unmute:
        set("muted", f.kind == FaultKind::mute);
        break;
      case FaultKind::loss:
        set(f.link ? "link loss" : "loss", f.percent > 0);
        break;
      case FaultKind::delay:
        set(f.link ? "link delay" : "delay", f.delay_ms > 0);
        break;
      case FaultKind::partition:
        ASSERT_EQ(f.groups.size(), 1u);
        ASSERT_TRUE(under["partitioned"].empty()) << "a partition over a partition";
        under["partitioned"] = {f.groups[0].begin(), f.groups[0].end()};
        break;
      case FaultKind::heal:
        under["partitioned"].clear();
        break;
    }
    std::set<int> all;
    for (const auto& [what, ranks_under] : under)
      all.insert(ranks_under.begin(), ranks_under.end());
    most = std::max(most, all.size());
    if (!under["partitioned"].empty() && (!under["killed"].empty() || !under["stopped"].empty())) {
      partition_with_process_fault = true;
    }
  }
  bool clean() const {
    for (const auto& [what, ranks] : under) {
      if (!ranks.empty()) return false;
    }
    return true;
  }
};

TEST(SoakSchedule, TheSamePlanGivesTheSameScheduleAndAnotherSeedAnother) {
  SoakPlan plan;
  plan.seed = 11;
  const SoakSchedule a = schedule_of(plan), b = schedule_of(plan);
  ASSERT_EQ(a.faults.size(), b.faults.size());
  ASSERT_FALSE(a.faults.empty());
  for (std::size_t i = 0; i < a.faults.size(); ++i) {
    EXPECT_EQ(a.faults[i].kind, b.faults[i].kind);
    EXPECT_EQ(a.faults[i].ranks, b.faults[i].ranks);
    EXPECT_EQ(a.faults[i].start_us, b.faults[i].start_us);
    EXPECT_EQ(a.faults[i].end_us, b.faults[i].end_us);
  }
  const auto sa = fault_steps(a.scenario), sb = fault_steps(b.scenario);
  ASSERT_EQ(sa.size(), sb.size());
  for (std::size_t i = 0; i < sa.size(); ++i) {
    EXPECT_EQ(sa[i]->percent, sb[i]->percent);
    EXPECT_EQ(sa[i]->delay_ms, sb[i]->delay_ms);
  }
  plan.seed = 12;
  const SoakSchedule c = schedule_of(plan);
  bool differs = c.faults.size() != a.faults.size();
  for (std::size_t i = 0; !differs && i < a.faults.size(); ++i) {
    differs = a.faults[i].kind != c.faults[i].kind || a.faults[i].ranks != c.faults[i].ranks;
  }
  EXPECT_TRUE(differs);
}

TEST(SoakSchedule, BroadcastsAtTheRateFromRotatingOriginsAndFaultsOnlyAfterTheWarmUp) {
  SoakPlan plan;
  plan.nodes = 27;
  plan.duration_us = 20'000'000;
  plan.rate = 4;
  plan.warmup_us = 3'000'000;
  const SoakSchedule s = schedule_of(plan);
  const auto& b = std::get<BroadcastPlan>(s.scenario.timeline.front().action);
  EXPECT_EQ(b.count, 80);
  EXPECT_EQ(b.every_us, 250'000);
  EXPECT_EQ(b.origin, 0);
  EXPECT_EQ(s.scenario.nodes, 27);
  EXPECT_EQ(s.max_faulted, 2);  // a tenth of 27
  for (const SoakFault& f : s.faults) {
    EXPECT_GE(f.start_us, plan.warmup_us);
    EXPECT_GE(f.end_us - f.start_us, plan.hold_min_us);
    EXPECT_LE(f.end_us - f.start_us, plan.hold_max_us);
    EXPECT_LE(f.end_us, plan.duration_us);
  }
}

TEST(SoakSchedule, BoundedFaultsAtOnceEveryOneUndoneAndNoPartitionOverAKill) {
  std::set<std::string> kinds;
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    SoakPlan plan;
    plan.seed = seed;
    plan.nodes = 30;
    plan.max_faulted = 5;
    plan.duration_us = 120'000'000;
    plan.fault_every_us = 1'000'000;  // more faults than fit: the bound has to hold them back
    const SoakSchedule s = schedule_of(plan);
    Model model;
    Micros last = 0;
    for (const ScenarioStep& step : s.scenario.timeline) {
      EXPECT_GE(step.at_us, last) << "seed " << seed << ": the timeline is out of order";
      last = step.at_us;
      if (const auto* f = std::get_if<FaultStep>(&step.action)) model.step(*f);
    }
    EXPECT_LE(model.most, 5u) << "seed " << seed;
    EXPECT_TRUE(model.clean()) << "seed " << seed << ": a fault is still in force at the end";
    EXPECT_FALSE(model.partition_with_process_fault) << "seed " << seed;
    EXPECT_LE(last, plan.duration_us);
    EXPECT_EQ(fault_steps(s.scenario).size(), 2 * s.faults.size());
    for (const SoakFault& f : s.faults) kinds.insert(f.kind);
  }
  EXPECT_EQ(kinds.size(), std::size(kSoakFaultKinds)) << "every kind is drawn";
}

TEST(SoakSchedule, RefusesPlansItCannotPlay) {
  const auto refused = [](auto change) {
    SoakPlan plan;
    change(plan);
    std::string error;
    EXPECT_FALSE(make_soak_schedule(plan, error));
    return error;
  };
  EXPECT_NE(refused([](SoakPlan& p) { p.nodes = 1; }).find("--nodes"), std::string::npos);
  EXPECT_NE(refused([](SoakPlan& p) { p.rate = 0; }).find("--rate"), std::string::npos);
  EXPECT_NE(refused([](SoakPlan& p) { p.warmup_us = p.duration_us; }).find("--warmup"),
            std::string::npos);
  EXPECT_NE(refused([](SoakPlan& p) { p.hold_max_us = p.hold_min_us - 1; }).find("--hold"),
            std::string::npos);
  EXPECT_NE(refused([](SoakPlan& p) { p.max_faulted = p.nodes; }).find("--max-faulted"),
            std::string::npos);
}

// ---- the delivery check, on reports built by the real report builder -----------------------

constexpr Micros kStart = 1'700'000'000'000'000;

NodeId id_of(int rank) {
  NodeId::Bytes b{};
  b.fill(static_cast<std::uint8_t>(rank));
  return NodeId(b);
}

// Three nodes; rank 1 broadcasts message 7 at 10 ms and delivers it. Rank 2 delivers it unless
// `rank2_down` ("kill" or "stop" from 5 ms to 20 ms makes it miss it); rank 3 delivers it unless
// told not to, muted from 5 ms to 30 ms when `rank3_muted`. `notes`: more fault notes.
struct Case {
  std::string rank2_down;
  bool rank3_delivers = true;
  bool rank3_muted = false;
  std::uint64_t events_lost = 0;
  std::vector<std::pair<Micros, json>> notes;  // at ms
};

json report_of(const Case& c) {
  RecordingHeader header{"raintree", "soak-test", kStart, {}};
  for (int r = 1; r <= 3; ++r) header.nodes.push_back({r, id_of(r), "validator"});
  EventReportBuilder builder(header);
  std::map<int, std::uint64_t> seq;
  const auto event = [&](int rank, Micros ms, wire::EventKind kind, int hops) {
    wire::EventRecord e;
    e.seq = ++seq[rank];
    e.time_us = kStart + ms * 1000;
    e.kind = kind;
    e.msg_type = wire::MessageType::gossip;
    e.msg_id = MessageId{7};
    e.detail = static_cast<std::uint8_t>(hops);
    e.bytes = 1024;
    builder.add(RecordedEvent{rank, e});
  };
  const auto note = [&](Micros ms, json n) { builder.add(RecordedNote{kStart + ms * 1000, n}); };
  if (!c.rank2_down.empty()) {
    note(5, {{"fault", c.rank2_down}, {"ranks", {2}}});
    note(20, {{"fault", c.rank2_down == "kill" ? "restart" : "continue"}, {"ranks", {2}}});
  }
  if (c.rank3_muted) note(5, {{"fault", "mute"}, {"ranks", {3}}});
  for (const auto& [ms, n] : c.notes) note(ms, n);
  event(1, 10, wire::EventKind::originate, 0);
  event(1, 10, wire::EventKind::deliver, 0);
  note(10,
       {{"broadcast",
         {{"id", to_string(MessageId{7})}, {"origin_rank", 1}, {"group", "all"}, {"size", 1024}}}});
  if (c.rank2_down.empty()) event(2, 12, wire::EventKind::deliver, 1);
  if (c.rank3_delivers) event(3, 12, wire::EventKind::deliver, 1);
  if (c.rank3_muted) note(30, {{"fault", "unmute"}, {"ranks", {3}}});
  note(5000, {{"end", {{"events_lost", c.events_lost}}}});
  return builder.build();
}

json checked(const Case& c, std::vector<std::string>& failures, SoakLimits limits = {}) {
  return check_deliveries(report_of(c), limits, failures);
}

TEST(SoakCheck, EveryNodeDeliveredPasses) {
  std::vector<std::string> failures;
  const json d = checked({}, failures);
  EXPECT_TRUE(failures.empty());
  EXPECT_EQ(d["lost"], 0);
  EXPECT_EQ(d["expected"], 3);
  EXPECT_EQ(d["delivered"], 3);
}

TEST(SoakCheck, ANodeDownWhenTheBroadcastWasSentMayMissIt) {
  for (const char* down : {"kill", "stop"}) {
    std::vector<std::string> failures;
    const json d = checked({.rank2_down = down}, failures);
    EXPECT_TRUE(failures.empty()) << down << ": " << failures.front();
    EXPECT_EQ(d["lost"], 0);
    EXPECT_EQ(d["missed_while_unreachable"], 1) << down;
  }
}

TEST(SoakCheck, ALiveReachableNodeThatNeverDeliveredIsALoss) {
  std::vector<std::string> failures;
  const json d = checked({.rank2_down = "kill", .rank3_delivers = false}, failures);
  EXPECT_EQ(d["lost"], 1);
  EXPECT_EQ(d["missed_while_unreachable"], 1);
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_NE(failures[0].find("1 deliveries lost"), std::string::npos) << failures[0];
  EXPECT_NE(failures[0].find("rank 3"), std::string::npos) << failures[0];
  ASSERT_EQ(d["lost_pairs"].size(), 1u);
  EXPECT_EQ(d["lost_pairs"][0]["reason"], "not delivered");
}

TEST(SoakCheck, AMissByAMutedNodeIsCountedApartUnlessStrict) {
  std::vector<std::string> failures;
  json d = checked({.rank3_delivers = false, .rank3_muted = true}, failures);
  EXPECT_TRUE(failures.empty()) << failures.front();
  EXPECT_EQ(d["lost"], 0);
  EXPECT_EQ(d["missed_while_muted"], 1);
  // Muted within the repair time after the broadcast counts the same.
  const Case muted_later{.rank3_delivers = false,
                         .notes = {{900, {{"fault", "mute"}, {"ranks", {3}}}}}};
  d = checked(muted_later, failures);
  EXPECT_EQ(d["missed_while_muted"], 1);
  EXPECT_TRUE(failures.empty()) << failures.front();

  SoakLimits strict;
  strict.strict = true;
  d = checked({.rank3_delivers = false, .rank3_muted = true}, failures, strict);
  EXPECT_EQ(d["lost"], 1);
  ASSERT_EQ(d["lost_pairs"].size(), 1u);
  EXPECT_EQ(d["lost_pairs"][0]["reason"], "muted");
  EXPECT_EQ(failures.size(), 1u);
}

TEST(SoakCheck, AMissUnderInjectedLossIsCountedApartUnlessStrict) {
  // Loss on a link of rank 3 from 1 s after the broadcast (still within its repair), then gone.
  const Case lossy{.rank3_delivers = false,
                   .notes = {{1010, {{"fault", "loss"}, {"link", {1, 3}}, {"percent", 15.0}}},
                             {1500, {{"fault", "loss"}, {"link", {1, 3}}, {"percent", 0.0}}}}};
  std::vector<std::string> failures;
  json d = checked(lossy, failures);
  EXPECT_TRUE(failures.empty()) << failures.front();
  EXPECT_EQ(d["lost"], 0);
  EXPECT_EQ(d["missed_under_loss"], 1);
  SoakLimits strict;
  strict.strict = true;
  d = checked(lossy, failures, strict);
  EXPECT_EQ(d["lost"], 1);
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_EQ(d["lost_pairs"][0]["reason"], "not delivered, under injected loss");

  // Loss elsewhere, or healed before the broadcast, excuses nothing.
  for (const Case& c : {Case{.rank3_delivers = false,
                       .notes = {{8, {{"fault", "loss"}, {"ranks", {2}}, {"percent", 20.0}}}}},
                        Case{.rank3_delivers = false,
                        .notes = {{2, {{"fault", "loss"}, {"ranks", {3}}, {"percent", 20.0}}},
                                  {8, {{"fault", "heal"}}}}}}) {
    failures.clear();
    d = checked(c, failures);
    EXPECT_EQ(d["lost"], 1);
    EXPECT_EQ(d["missed_under_loss"], 0);
  }
}

TEST(SoakCheck, EventsLostByTheRecordingFailTheCheckWhichCannotJudgeMisses) {
  std::vector<std::string> failures;
  const json d = checked({.rank3_delivers = false, .events_lost = 12}, failures);
  EXPECT_EQ(d["events_lost"], 12);
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_NE(failures[0].find("12 events did not reach the recording"), std::string::npos)
      << failures[0];
  EXPECT_NE(failures[0].find("1 misses of live nodes cannot be told from deliveries"),
            std::string::npos)
      << failures[0];
}

// ---- the process check, on recorded readings ---------------------------------------------

constexpr std::uint64_t kMiB = 1 << 20;

UsageSampler::Reading reading(int pid, std::uint64_t rss_mib, int fds) {
  return {pid, ProcessUsage{rss_mib * kMiB, fds}};
}

TEST(SoakCheck, ProcessesWithinTheBoundsPassAndARestartedOneIsComparedWithItsOwnStart) {
  UsageSampler usage;
  using When = UsageSampler::When;
  usage.record(1, reading(100, 12, 94), When::before);
  usage.record(1, reading(100, 20, 96), When::after);  // +8 MiB, +2 descriptors
  usage.record(2, reading(200, 12, 94), When::before);
  usage.record(2, reading(201, 5, 40), When::during);  // restarted; its start
  usage.record(2, reading(201, 19, 95), When::after);  // +14 MiB from its own start
  std::vector<std::string> failures;
  const json p = check_processes(usage, SoakLimits{}, failures);
  EXPECT_TRUE(failures.empty()) << failures.front();
  EXPECT_EQ(p["processes_seen"], 3);
  EXPECT_EQ(p["rss_mib"]["max_growth"], 14.0);
  EXPECT_EQ(p["rss_mib"]["max_growth_rank"], 2);
  EXPECT_EQ(p["fds"]["max_growth"], 2);
  EXPECT_EQ(p["fds"]["before"]["median"], 94);
}

TEST(SoakCheck, MemoryGrowthDescriptorGrowthAndACrashEachFail) {
  UsageSampler usage;
  using When = UsageSampler::When;
  usage.record(1, reading(100, 12, 94), When::before);
  usage.record(1, reading(100, 29, 94), When::after);  // +17 MiB
  usage.record(2, reading(200, 12, 94), When::before);
  usage.record(2, reading(200, 12, 99), When::after);  // +5 descriptors
  usage.record(3, reading(300, 12, 94), When::before);
  usage.record(3, {300, std::nullopt}, When::after);  // gone
  std::vector<std::string> failures;
  const json p = check_processes(usage, SoakLimits{}, failures);
  ASSERT_EQ(failures.size(), 3u);
  EXPECT_NE(failures[0].find("rank 1 (pid 100): resident memory grew by 17.0 MiB"),
            std::string::npos)
      << failures[0];
  EXPECT_NE(failures[1].find("rank 2 (pid 200): 99 open descriptors"), std::string::npos)
      << failures[1];
  EXPECT_NE(failures[2].find("rank 3 (pid 300) is not running at the end"), std::string::npos)
      << failures[2];
  EXPECT_EQ(p["crashed"], json::array({3}));
}

TEST(SoakCheck, ReadsThisProcessFromProc) {
  const auto self = read_process_usage(::getpid());
  ASSERT_TRUE(self);
  EXPECT_GT(self->rss_bytes, 0u);
  EXPECT_GE(self->fds, 3);
  EXPECT_FALSE(read_process_usage(0));
}

}  // namespace
}  // namespace rt::cluster
