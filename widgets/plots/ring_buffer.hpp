// A fixed-capacity ring of values, oldest first. Plots keep their history in one so that memory
// stays bounded however long the studio runs.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <vector>

namespace rt::gui {

template <typename T>
class RingBuffer {
 public:
  explicit RingBuffer(std::size_t capacity) : slots_(capacity) {
    if (capacity == 0) throw std::invalid_argument("RingBuffer capacity must be positive");
  }

  std::size_t capacity() const { return slots_.size(); }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  bool full() const { return size_ == slots_.size(); }

  // Appends, overwriting the oldest value when full.
  void push(const T& value) {
    slots_[(head_ + size_) % slots_.size()] = value;
    if (full()) {
      head_ = (head_ + 1) % slots_.size();
    } else {
      ++size_;
    }
  }

  // index 0 is the oldest value still held.
  const T& operator[](std::size_t index) const { return slots_[(head_ + index) % slots_.size()]; }
  T& operator[](std::size_t index) { return slots_[(head_ + index) % slots_.size()]; }
  const T& front() const { return (*this)[0]; }
  const T& back() const { return (*this)[size_ - 1]; }

  void clear() {
    head_ = 0;
    size_ = 0;
  }

 private:
  std::vector<T> slots_;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

}  // namespace rt::gui
