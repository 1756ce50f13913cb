// The stored profile encoding: every tag of every member survives encode → decode exactly, the
// bytes are compact, damage is reported, and the hash tells changed profiles apart.

#include "insight/profile_codec.h"

#include <gtest/gtest.h>

#include "insight/insight_run.h"
#include "insight/scoring.h"
#include "test_util.h"

namespace recur::insight {
namespace {

History population() {
  HistoryBuilder b;
  for (MemberId id = 1; id <= 30; ++id) {
    b.add_member({id, 0, static_cast<std::uint8_t>(id % 3), id % 2 ? kNoDay : 7000,
                  id % 3 ? "上海" : "", static_cast<std::uint8_t>(id % 4)});
    if (id > 25) continue;  // 26..30 are prospects: null values
    int every = 4 + static_cast<int>(id);
    for (int d = 10 * static_cast<int>(id % 7); d <= 400 - static_cast<int>(id) * 5; d += every) {
      auto o = b.add_order(id, d, 1000 * id + 7, 50, id % 2 ? "store" : "online", "S1", 2);
      b.add_line(o, id % 5 ? "母婴/奶粉" : "美妆/护肤", 2, 1000 * id + 7, true);
    }
  }
  return b.build();
}

bool same(const TagValue& a, const TagValue& b) {
  if (a.index() != b.index()) return false;
  return std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        const T& y = std::get<T>(b);
        if constexpr (std::is_same_v<T, DateValue>)
          return x.days == y.days;
        else if constexpr (std::is_same_v<T, std::monostate>)
          return true;
        else
          return x == y;  // doubles exactly
      },
      a);
}

TEST(ProfileCodec, EveryValueRoundTrips) {
  History h = population();
  InsightConfig config;
  MemberMeasures mm = compute_measures(h, 400, config, 1);
  auto scores = score_members(h, mm);
  ASSERT_TRUE(scores.ok()) << scores.status().to_string();
  TagContext ctx{h, mm, *scores, config};
  std::size_t nulls = 0, sets = 0, doubles = 0;
  for (std::size_t m = 0; m < h.members(); ++m) {
    std::string bytes;
    encode_profile(ctx, m, bytes);
    auto values = decode_profile(bytes);
    ASSERT_TRUE(values.ok()) << values.status().to_string();
    ASSERT_EQ(values->size(), tag_registry().size());
    for (std::size_t k = 0; k < values->size(); ++k) {
      const TagDef& def = tag_registry()[k];
      TagValue want = def.value(ctx, m);
      const TagValue& got = (*values)[k];
      nulls += std::holds_alternative<std::monostate>(want);
      sets += std::holds_alternative<std::vector<std::string>>(want);
      doubles += std::holds_alternative<double>(want);
      EXPECT_TRUE(same(got, want)) << def.name << " of member " << h.member_id[m];
    }
    // The stored JSON equals the JSON computed directly.
    std::vector<std::string> names;
    for (const TagDef& d : tag_registry()) names.push_back(d.name);
    EXPECT_EQ(profile_json(names, *values), profile_json(ctx, m));
    // Compact: a few bytes per tag, far below the JSON with its keys.
    EXPECT_LT(bytes.size() * 4, profile_json(ctx, m).size()) << bytes.size();
  }
  EXPECT_GT(nulls, 0u);  // the test saw each kind of value
  EXPECT_GT(sets, 0u);
  EXPECT_GT(doubles, 0u);
}

TEST(ProfileCodec, DamageIsReported) {
  EXPECT_FALSE(decode_profile(std::string("\x09", 1)).ok());  // no such type
  EXPECT_FALSE(decode_profile(std::string("\x05\x05"
                                          "ab",
                                          4))
                   .ok());                                           // string runs past the end
  EXPECT_FALSE(decode_profile(std::string("\x02\x00", 2)).ok());     // double cut short
  auto ok = decode_profile(std::string("\x01\x03\x04\x08\x01", 5));  // int -2, true, date -1
  ASSERT_TRUE(ok.ok());
  ASSERT_EQ(ok->size(), 3u);
  EXPECT_EQ(std::get<std::int64_t>((*ok)[0]), -2);
  EXPECT_EQ(std::get<bool>((*ok)[1]), true);
  EXPECT_EQ(std::get<DateValue>((*ok)[2]).days, -1);
}

TEST(ProfileCodec, HashSeesTheDayAndEveryByte) {
  const std::string a = "profile bytes 0123456789";
  std::string b = a;
  b[20] = 'x';
  EXPECT_EQ(profile_hash(400, a), profile_hash(400, a));
  EXPECT_NE(profile_hash(400, a), profile_hash(401, a));
  EXPECT_NE(profile_hash(400, a), profile_hash(400, b));
  EXPECT_NE(profile_hash(400, a), profile_hash(400, a + '\0'));
}

// store_profiles writes every member once, keeps unchanged rows on a second run, rewrites them
// for another as-of day, and drops members that are gone; load_stored_profile reads them back.
TEST(ProfileCodec, StoredProfilesReadBackAndSkipUnchangedRows) {
  recur::testing::TempDir dir;
  auto db = recur::testing::open_test_db(dir);
  ManualClock clock(recur::testing::kTestNow);
  auto make_run = [](std::int32_t as_of) {
    InsightRun run;
    run.history = population();
    run.measures = compute_measures(run.history, as_of, run.config, 1);
    auto scores = score_members(run.history, run.measures);
    EXPECT_TRUE(scores.ok());
    run.scores = std::move(scores).value();
    return run;
  };
  InsightRun run = make_run(400);
  ASSERT_TRUE(store_profiles(*db, run, clock).ok());
  EXPECT_EQ(run.profiles_written, 30);
  EXPECT_EQ(run.profiles_unchanged, 0);
  const TagContext ctx = run.tags();
  for (MemberId id : {1, 7, 26}) {
    auto stored = load_stored_profile(*db, id);
    ASSERT_TRUE(stored.ok()) << stored.status().to_string();
    ASSERT_TRUE(stored->has_value());
    EXPECT_EQ((*stored)->as_of, 400);
    EXPECT_EQ((*stored)->json, profile_json(ctx, run.history.index_of(id)));
  }
  auto none = load_stored_profile(*db, 99);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());

  InsightRun again = make_run(400);
  ASSERT_TRUE(store_profiles(*db, again, clock).ok());
  EXPECT_EQ(again.profiles_written, 0);
  EXPECT_EQ(again.profiles_unchanged, 30);

  InsightRun later = make_run(401);  // every profile carries its as-of day
  ASSERT_TRUE(store_profiles(*db, later, clock).ok());
  EXPECT_EQ(later.profiles_written, 30);
  EXPECT_EQ(
      recur::testing::count(*db, "SELECT COUNT(*) FROM member_profiles WHERE as_of_day = 401"), 30);

  // A member that is no longer live (merged away) loses its row.
  ASSERT_TRUE(db->exec("INSERT INTO member_profiles (member_id, as_of_day, lifecycle, profile, "
                       "profile_hash) VALUES (500, 400, 'new', x'00', 0)")
                  .ok());
  InsightRun last = make_run(401);
  ASSERT_TRUE(store_profiles(*db, last, clock).ok());
  EXPECT_EQ(last.profiles_unchanged, 30);
  EXPECT_EQ(recur::testing::count(*db, "SELECT COUNT(*) FROM member_profiles"), 30);
  EXPECT_EQ(recur::testing::count(*db,
                                  "SELECT COUNT(*) FROM insight_runs WHERE profile_layout "
                                  "LIKE 'member_id int%points_value_yuan money%'"),
            4);
}

}  // namespace
}  // namespace recur::insight
