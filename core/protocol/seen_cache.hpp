// A bounded set of recently seen message ids: when full, the oldest id is forgotten. A copy
// arriving after its id was forgotten would be taken as new, so the bound must exceed the
// number of broadcasts in flight by a wide margin (the default remembers 65 536).
#pragma once

#include <cstddef>
#include <deque>
#include <unordered_set>

#include "util/ids.hpp"

namespace rt::protocol {

class SeenCache {
 public:
  explicit SeenCache(std::size_t capacity) : capacity_(capacity ? capacity : 1) {}

  bool contains(MessageId id) const { return ids_.count(id) != 0; }

  // Returns false when the id was already there.
  bool insert(MessageId id) {
    if (!ids_.insert(id).second) return false;
    order_.push_back(id);
    if (order_.size() > capacity_) {
      ids_.erase(order_.front());
      order_.pop_front();
    }
    return true;
  }

  std::size_t size() const { return order_.size(); }

 private:
  std::size_t capacity_;
  std::unordered_set<MessageId> ids_;
  std::deque<MessageId> order_;
};

}  // namespace rt::protocol
