// A small sans-IO network for the catch-up tests: engines of one mode over a shared membership,
// links that go down and up (killed, restarted, stopped, partitioned nodes), a virtual clock
// and timers. Frames cross a link instantly in FIFO order and only while the link is up; the
// transport's peer up/down notifications are raised by the fault helpers, in the order a real
// transport raises them.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "engine_test_support.hpp"
#include "protocol/catch_up.hpp"
#include "protocol/raintree_engine.hpp"
#include "protocol/random_gossip.hpp"

namespace rt::protocol::testing {

class CatchUpNet {
 public:
  struct Frame {
    Micros at = 0;
    int from = 0;
    int to = 0;
    wire::Message message;
    bool arrived = false;  // false: lost on a link that was down
  };

  CatchUpNet(std::string mode, int n, CatchUpOptions options = {})
      : mode_(std::move(mode)), n_(n), book_(members(n)), options_(options) {
    for (int r = 1; r <= n_; ++r) start(r);
    // Every link comes up once at start, as in a fresh cluster.
    for (int a = 1; a <= n_; ++a) {
      for (int b = a + 1; b <= n_; ++b) link_up(a, b);
    }
    run();
  }

  Engine& engine(int rank) { return *engines_.at(rank); }
  const CatchUp& catch_up(int rank) const {
    const Engine* e = engines_.at(rank).get();
    if (const auto* r = dynamic_cast<const RaintreeEngine*>(e)) return r->catch_up();
    return dynamic_cast<const RandomGossipEngine*>(e)->catch_up();
  }
  Micros now() const { return now_; }
  int deliveries(int rank, std::uint64_t id) const {
    const auto it = delivered_.find({rank, id});
    return it == delivered_.end() ? 0 : it->second;
  }
  const std::vector<Frame>& frames() const { return frames_; }
  const std::vector<Observe>& observed(int rank) { return observed_[rank]; }
  void clear_log() {
    frames_.clear();
    observed_.clear();
  }

  // Gossip frames that arrived at `to` (from anyone), of the given kind.
  int arrived_gossip(int to, wire::GossipKind kind) const {
    int n = 0;
    for (const Frame& f : frames_) {
      const auto* g = std::get_if<wire::Gossip>(&f.message);
      n += f.arrived && f.to == to && g && g->kind == kind;
    }
    return n;
  }
  template <typename T>
  int sent_by(int from) const {
    int n = 0;
    for (const Frame& f : frames_) n += f.from == from && std::holds_alternative<T>(f.message);
    return n;
  }
  template <typename T>
  int sent_to(int to) const {
    int n = 0;
    for (const Frame& f : frames_) n += f.to == to && std::holds_alternative<T>(f.message);
    return n;
  }

  void broadcast(int origin, std::uint64_t id) {
    Actions out;
    engines_.at(origin)->broadcast(now_, request(id), out);
    apply(origin, out);
    run();
  }

  // Advances the clock to `until`, firing timers in order and routing what they send.
  void advance(Micros until) {
    run();
    while (!timers_.empty() && timers_.begin()->first.first <= until) {
      const auto [key, timer] = *timers_.begin();
      timers_.erase(timers_.begin());
      const auto [at, seq] = key;
      const auto [rank, id] = timer;
      // A dead process's timers died with it; a stopped one's are dropped (the tests only need
      // the catch-up want timers, which a stopped node does not have).
      if (!alive(rank) || stopped_.count(rank) || incarnation_[rank] != seq_owner_.at(seq)) {
        continue;
      }
      now_ = std::max(now_, at);
      Actions out;
      engines_.at(rank)->on_timer(now_, id, out);
      apply(rank, out);
      run();
    }
    now_ = std::max(now_, until);
  }

  // The process dies: its sockets close, so every peer sees the link go down at once.
  void kill(int rank) {
    dead_.insert(rank);
    for (int p = 1; p <= n_; ++p) {
      if (p != rank && up_.count(key(rank, p))) {
        up_.erase(key(rank, p));
        notify_down(p, rank);
      }
    }
    run();
  }
  // A fresh process with the same id: empty engine, and every link comes up again.
  void restart(int rank) {
    dead_.erase(rank);
    start(rank);
    for (int p = 1; p <= n_; ++p) {
      if (p != rank && alive(p)) link_up(rank, p);
    }
    run();
  }
  // SIGSTOP: frames to it are lost from now on (the links close later); it sends nothing.
  void stop(int rank) { stopped_.insert(rank); }
  // The peers' read timeout fires: they see the links to `rank` go down.
  void peers_time_out(int rank) {
    for (int p = 1; p <= n_; ++p) {
      if (p != rank && up_.count(key(rank, p))) {
        up_.erase(key(rank, p));
        notify_down(p, rank);
      }
    }
    run();
  }
  // SIGCONT: the process sees its closed links go down (now), then every link comes up again.
  void resume(int rank) {
    stopped_.erase(rank);
    for (int p = 1; p <= n_; ++p) {
      if (p != rank && alive(p)) notify_down(rank, p);
    }
    for (int p = 1; p <= n_; ++p) {
      if (p != rank && alive(p)) link_up(rank, p);
    }
    run();
  }
  // A partition of one node: both ends see every link go down; heal brings them back.
  void isolate(int rank) {
    for (int p = 1; p <= n_; ++p) {
      if (p != rank && up_.count(key(rank, p))) {
        up_.erase(key(rank, p));
        notify_down(p, rank);
        notify_down(rank, p);
      }
    }
    run();
  }
  void heal(int rank) {
    for (int p = 1; p <= n_; ++p) {
      if (p != rank && alive(p) && !up_.count(key(rank, p))) link_up(rank, p);
    }
    run();
  }
  // Delivers one frame by hand (as if it came from `from`), routing what the engine answers.
  void inject(int from, int to, const wire::Message& message) {
    Actions out;
    engines_.at(to)->on_message(now_, node(from), message, out);
    apply(to, out);
    run();
  }

 private:
  static std::pair<int, int> key(int a, int b) { return {std::min(a, b), std::max(a, b)}; }
  bool alive(int rank) const { return !dead_.count(rank); }

  void start(int rank) {
    EngineConfig config = config_for(rank, book_);
    config.catch_up = options_;
    engines_[rank] = make_engine(mode_, config);
    ++incarnation_[rank];
  }
  void link_up(int a, int b) {
    up_.insert(key(a, b));
    for (auto [x, y] : {std::pair{a, b}, std::pair{b, a}}) {
      Actions out;
      engines_.at(x)->on_peer_up(now_, node(y), out);
      apply(x, out);
    }
  }
  void notify_down(int at, int peer) {
    Actions out;
    engines_.at(at)->on_peer_down(now_, node(peer), out);
    apply(at, out);
  }

  void apply(int rank, Actions& out) {
    for (Action& action : out) {
      if (auto* s = std::get_if<Send>(&action)) {
        queue_.push_back({now_, rank, rank_of(s->to), std::move(s->message), false});
      } else if (const auto* d = std::get_if<Deliver>(&action)) {
        ++delivered_[{rank, d->id.value}];
      } else if (const auto* t = std::get_if<SetTimer>(&action)) {
        const std::uint64_t seq = next_seq_++;
        seq_owner_[seq] = incarnation_[rank];
        timers_.emplace(std::pair{std::max(t->at, now_), seq}, std::pair{rank, t->timer_id});
      } else if (const auto* o = std::get_if<Observe>(&action)) {
        observed_[rank].push_back(*o);
      }
    }
    out.clear();
  }

  void run() {
    while (!queue_.empty()) {
      Frame frame = std::move(queue_.front());
      queue_.pop_front();
      frame.arrived = up_.count(key(frame.from, frame.to)) && alive(frame.to) &&
                      !stopped_.count(frame.to) && !stopped_.count(frame.from);
      frames_.push_back(frame);
      if (!frame.arrived) continue;
      Actions out;
      engines_.at(frame.to)->on_message(now_, node(frame.from), frame.message, out);
      apply(frame.to, out);
    }
  }

  std::string mode_;
  int n_;
  MembershipPtr book_;
  CatchUpOptions options_;
  Micros now_ = 0;
  std::map<int, std::unique_ptr<Engine>> engines_;
  std::map<int, int> incarnation_;
  std::set<std::pair<int, int>> up_;
  std::set<int> dead_;
  std::set<int> stopped_;
  std::deque<Frame> queue_;
  std::vector<Frame> frames_;
  std::map<std::pair<int, std::uint64_t>, int> delivered_;
  std::map<int, std::vector<Observe>> observed_;
  std::map<std::pair<Micros, std::uint64_t>, std::pair<int, std::uint64_t>> timers_;
  std::map<std::uint64_t, int> seq_owner_;  // timer sequence -> incarnation that armed it
  std::uint64_t next_seq_ = 0;
};

}  // namespace rt::protocol::testing
