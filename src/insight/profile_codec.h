#pragma once
// The stored form of a member profile (member_profiles.profile): the tags' values in registry
// order, each a type byte and a compact payload — about a tenth of the JSON with its keys, and
// several times faster to write. The layout (tag names and types) is stored once per run in
// insight_runs.profile_layout (one "name type" line per tag), so a profile stays readable when
// later versions add tags.
//
//   null 0 | int 1 zigzag-varint | double 2 8 bytes LE | false 3 | true 4 | string 5 varint
//   length, bytes | float 6 4 bytes LE (a double that a float holds exactly) | string set 7
//   varint count, then each string | date 8 zigzag-varint days since 1970-01-01

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/ids.h"
#include "core/status.h"
#include "insight/tags.h"
#include "store/database.h"

namespace recur::insight {

// Appends member m's profile to `out`.
void encode_profile(const TagContext& ctx, std::size_t m, std::string& out);
// The values of one encoded profile; kInvalidArgument for damaged bytes.
Result<std::vector<TagValue>> decode_profile(std::string_view bytes);

// The registry's layout as stored in insight_runs.profile_layout: "name type" lines (type:
// int, money, double, bool, string, string_set, date).
std::string profile_layout();

// A 64-bit hash of the as-of day and the bytes (member_profiles.profile_hash).
std::int64_t profile_hash(std::int32_t as_of, std::string_view bytes);

// A stored profile as JSON ({"name": value, …}, like profile_json), read back from the last run.
struct StoredProfile {
  std::int32_t as_of = 0;
  std::string json;
};
Result<std::optional<StoredProfile>> load_stored_profile(store::Database& db, MemberId member);

}  // namespace recur::insight
