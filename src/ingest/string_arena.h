#pragma once
// Stable storage for strings that outlive the buffer they were read from (unescaped CSV
// fields, JSON strings, normalised identities). Views stay valid for the arena's lifetime.

#include <memory>
#include <string_view>
#include <vector>

namespace recur::ingest {

class StringArena {
 public:
  std::string_view store(std::string_view s) {
    if (s.empty()) return {};
    if (s.size() > kBlock / 4) {
      big_.push_back(std::make_unique<char[]>(s.size()));
      std::copy(s.begin(), s.end(), big_.back().get());
      return {big_.back().get(), s.size()};
    }
    if (blocks_.empty() || used_ + s.size() > kBlock) {
      blocks_.push_back(std::make_unique<char[]>(kBlock));
      used_ = 0;
    }
    char* p = blocks_.back().get() + used_;
    std::copy(s.begin(), s.end(), p);
    used_ += s.size();
    return {p, s.size()};
  }
  // Forgets every string stored so far (their views dangle) and keeps one block for reuse: for
  // readers that hold one record at a time.
  void clear() {
    big_.clear();
    if (blocks_.size() > 1) blocks_.resize(1);
    used_ = 0;
  }

 private:
  static constexpr std::size_t kBlock = 1 << 20;
  std::vector<std::unique_ptr<char[]>> blocks_;
  std::vector<std::unique_ptr<char[]>> big_;
  std::size_t used_ = 0;
};

}  // namespace recur::ingest
