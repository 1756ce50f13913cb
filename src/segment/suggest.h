#pragma once
// "Did you mean ...?": the closest known name to a misspelt one, for unknown fields and for
// values that are not in a column's dictionary.

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace recur::segment {

// Optimal-string-alignment distance over code points, ASCII letters compared case-insensitively:
// insertions, deletions, substitutions and swaps of neighbours cost 1 each.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate nearest to `word` when it is close enough to be a likely typo: a distance of at
// most max(1, (characters of word + 2) / 3). Ties go to the earlier candidate.
std::optional<std::string> closest_match(std::string_view word,
                                         std::span<const std::string> candidates);

}  // namespace recur::segment
