#include "segment/string_dictionary.h"

namespace recur::segment {

std::uint32_t StringDictionary::intern(std::string_view value) {
  if (auto it = codes_.find(value); it != codes_.end()) return it->second;
  const auto code = static_cast<std::uint32_t>(values_.size());
  values_.emplace_back(value);
  codes_.emplace(values_.back(), code);
  return code;
}

}  // namespace recur::segment
