#pragma once
// StringDictionary: numbers distinct strings 0, 1, 2, ... in first-seen order, for
// dictionary-encoding the string columns of a ProfileTable. Not thread-safe.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace recur::segment {

class StringDictionary {
 public:
  // The code of `value`, assigning the next free one when it is new.
  std::uint32_t intern(std::string_view value);
  std::size_t size() const { return values_.size(); }
  // values()[code] is the string of `code`.
  const std::vector<std::string>& values() const { return values_; }
  std::vector<std::string> take_values() && { return std::move(values_); }

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::vector<std::string> values_;
  std::unordered_map<std::string, std::uint32_t, Hash, std::equal_to<>> codes_;
};

}  // namespace recur::segment
