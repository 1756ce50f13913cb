// The program file: the shipped default parses; mistakes are reported with the key path and
// the line and column, and nothing is stored; loading the same text twice is one version.

#include "loyalty/program.h"

#include <gtest/gtest.h>

#include "loyalty/program_store.h"
#include "test_util.h"

namespace recur::loyalty {
namespace {

std::string default_text() {
  return recur::testing::read_file(std::string(RECUR_SOURCE_DIR) + "/config/program.yaml");
}

TEST(Program, TheShippedDefaultParses) {
  auto p = parse_program(default_text(), "config/program.yaml");
  ASSERT_TRUE(p.ok()) << p.status().to_string();
  ASSERT_EQ(p->tiers.size(), 4u);
  EXPECT_EQ(p->tiers[0].key, "normal");
  EXPECT_EQ(p->tiers[3].name, "钻石会员");
  EXPECT_EQ(p->tiers[1].threshold, 1000);
  EXPECT_EQ(p->tiers[1].retain, 800);
  EXPECT_EQ(p->tiers[0].retain, 0);
  EXPECT_EQ(p->tiers[3].benefits.redeem_points_per_yuan, 80);
  EXPECT_EQ(p->tiers[2].benefits.points_multiplier_milli, 1500);
  EXPECT_EQ(p->tiers[2].benefits.discount_rate_milli, 950);
  EXPECT_TRUE(p->tiers[2].benefits.free_shipping);
  EXPECT_EQ(p->tiers[3].benefits.monthly_coupons.size(), 2u);
  EXPECT_EQ(p->evaluation.mode, TierMode::kRolling);
  EXPECT_EQ(p->points.earn.member_day, 18);
  EXPECT_EQ(p->points.earn.categories.size(), 3u);
  EXPECT_TRUE(p->points.earn.categories[2].exclude);
  EXPECT_EQ(p->points.expiry, ExpiryPolicy::kEndOfNextYear);
  EXPECT_EQ(p->points.pending_days, 7);
  EXPECT_EQ(p->redemption.max_order_share_milli, 500);
  EXPECT_TRUE(p->task(Task::kSignIn).enabled);
  EXPECT_EQ(p->task(Task::kSignIn).streak.size(), 2u);
  EXPECT_EQ(p->task(Task::kProfileCompletion).lifetime_limit, 1);
  EXPECT_EQ(p->tier_for_growth(999), 0);
  EXPECT_EQ(p->tier_for_growth(1000), 1);
  EXPECT_EQ(p->tier_for_growth(1'000'000), 3);
  EXPECT_EQ(p->tier_retained(4000, 3), 2);
  EXPECT_EQ(p->tier_retained(799, 3), 0);
  // The JSON rendering carries every section.
  std::string j = program_json(*p);
  for (const char* k : {"\"tiers\"", "\"tier_evaluation\"", "\"pending_days\":7", "\"refund\"",
                        "\"max_order_share\":\"0.5\"", "\"sign_in\"", "\"monthly_coupons\""})
    EXPECT_NE(j.find(k), std::string::npos) << k;
}

struct Bad {
  const char* yaml;
  const char* message;  // the error must contain it
};

std::string minimal(const std::string& tiers_extra = "", const std::string& rest = "") {
  return "name: t\ntiers:\n  - key: a\n    threshold: 0\n" + tiers_extra + rest;
}

TEST(Program, MistakesNameTheKeyAndTheLine) {
  const Bad cases[] = {
      {"name: t\ntiers:\n  - key: a\n    threshold: 0\n  - key: b\n    threshold: abc\n",
       "p.yaml:6:16: tiers[1].threshold: must be a whole number, got 'abc'"},
      {"name: t\ntiers:\n  - key: a\n    threshold: 0\n  - key: b\n    threshold: 0\n",
       "p.yaml:6:16: tiers[1].threshold: must be greater than tiers[0]'s (0)"},
      {"name: t\ntiers:\n  - key: a\n    threshold: 10\n",
       "p.yaml:4:16: tiers[0].threshold: the first tier is where every member starts"},
      {"name: t\ntiers:\n  - key: a\n    threshold: 0\n    benfits: {}\n",
       "p.yaml:5:5: tiers[0].benfits: unknown key"},
      {"name: t\ntiers:\n  - key: A B\n    threshold: 0\n", "p.yaml:3:10: tiers[0].key"},
      {"name: t\ntiers:\n  - key: a\n    threshold: 0\n  - key: a\n    threshold: 5\n",
       "tiers[1].key: 'a' is used by another tier"},
      {"name: t\ntiers:\n  - key: a\n    threshold: 0\n    benefits:\n      discount_rate: 1.5\n",
       "p.yaml:6:22: tiers[0].benefits.discount_rate: must be between 0.001 and 1"},
      {"name: t\ntiers:\n  - key: a\n    threshold: 0\n    benefits:\n      points_multiplier: "
       "1.2345\n",
       "more than three decimals"},
      {"name: t\ntiers:\n  - key: a\n    threshold: 0\n  - key: b\n    threshold: 10\n    "
       "retain: 20\n",
       "p.yaml:7:13: tiers[1].retain: must not exceed the threshold (10)"},
      {"name: t\n", "tiers: is required"},
      {"tiers:\n  - key: a\n    threshold: 0\n", "p.yaml:1:1: name: is required"},
      {"name: t\ntiers:\n  - key: a\n    threshold: 0\ntier_evaluation:\n  mode: daily\n",
       "p.yaml:6:9: tier_evaluation.mode: 'daily' is not one of: lifetime, rolling, periodic"},
      {"name: t\ntiers:\n  - key: a\n    threshold: 0\npoints:\n  earn:\n    categories:\n      - "
       "prefix: 烟酒\n",
       "p.yaml:8:9: points.earn.categories[0]: give a multiplier or exclude: true"},
      {"name: t\ntiers:\n  - key: a\n    threshold: 0\npoints:\n  expiry:\n    policy: "
       "rolling_days\n",
       "points.expiry.days: is required"},
      {"name: t\ntiers:\n  - key: a\n    threshold: 0\npoints:\n  pending_days: 10\n  expiry:\n "
       "   policy: rolling_days\n    days: 5\n",
       "points.expiry.days: points would expire before they become usable"},
      {"name: t\ntiers:\n  - key: a\n    threshold: 0\npoints:\n  refund:\n    spent_points: "
       "forgive\n",
       "points.refund.spent_points: 'forgive' is not one of: negative_balance, deduct_from_refund"},
      {"name: t\ntiers:\n  - key: a\n    threshold: 0\nredemption:\n  max_order_share: 2\n",
       "redemption.max_order_share: must be between 0 and 1"},
      {"name: t\ntiers:\n  - key: a\n    threshold: 0\ntasks:\n  sign_in:\n    cycle_days: 5\n "
       "   streak_bonus:\n      - {days: 7, points: 1}\n",
       "tasks.sign_in.streak_bonus[0].days: is beyond cycle_days (5)"},
      {"name: t\ntiers:\n  - key: a\n    threshold: 0\ntasks:\n  checkin: {points: 1}\n",
       "p.yaml:6:3: tasks.checkin: unknown key (expected one of: sign_in, review, share, invite, "
       "profile_completion)"},
      {"name: t\ntiers:\n  - key: a\n    threshold: 0\npoints:\n  earn:\n    campaigns:\n      - "
       "{name: x, from: 2024-06-18, to: 2024-06-01, multiplier: 2}\n",
       "points.earn.campaigns[0].to: is before from"},
      {"name: t\ntiers: [\n",
       "p.yaml:3:1: end of sequence flow not found"},  // a YAML syntax error keeps yaml-cpp's
                                                       // position
  };
  for (const Bad& c : cases) {
    auto p = parse_program(c.yaml, "p.yaml");
    ASSERT_FALSE(p.ok()) << c.yaml;
    EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(p.status().message().find(c.message), std::string::npos)
        << "got: " << p.status().message() << "\nwant: " << c.message;
  }
}

TEST(Program, TheShippedCouponsAndMallParse) {
  auto p = parse_program(default_text(), "config/program.yaml");
  ASSERT_TRUE(p.ok()) << p.status().to_string();
  // Every coupon the tiers name is a template.
  for (const char* k : {"silver_monthly_10_off_99", "gold_monthly_20_off_199",
                        "diamond_monthly_50_off_299", "free_shipping", "birthday_10_off"})
    EXPECT_NE(p->coupons.find(k), nullptr) << k;
  const CouponTemplate* s = p->coupons.find("silver_monthly_10_off_99");
  EXPECT_EQ(s->type, CouponType::kThresholdOff);
  EXPECT_EQ(s->threshold, 9900);  // ¥99
  EXPECT_EQ(s->amount, 1000);
  EXPECT_EQ(s->cost, 1000);  // the face value by default
  const CouponTemplate* f = p->coupons.find("formula_95_off");
  EXPECT_EQ(f->rate_milli, 950);
  EXPECT_EQ(f->cap, 3000);
  EXPECT_TRUE(f->validity.fixed);
  EXPECT_TRUE(f->scope.covers_line("X", "母婴/奶粉/一段"));
  EXPECT_FALSE(f->scope.covers_line("X", "母婴/奶粉粉"));  // a prefix is a whole path step
  EXPECT_FALSE(f->scope.covers_line("X", "母婴/纸尿裤"));
  EXPECT_EQ(p->coupons.find("wipes_gift")->cost, 350);
  EXPECT_EQ(p->coupons.refund_policy, CouponRefundPolicy::kReturnIfValid);
  EXPECT_EQ(p->tiers[1].benefits.birthday_coupon, "birthday_10_off");
  ASSERT_NE(p->mall.find("thermos_cash"), nullptr);
  EXPECT_EQ(p->mall.find("thermos_cash")->cash, 2990);
  EXPECT_EQ(p->mall.find("gold_tea_set")->min_tier, "gold");
  std::string j = program_json(*p);
  for (const char* k : {"\"refund_policy\":\"return_if_valid\"", "\"type\":\"percent_off\"",
                        "\"rate\":\"0.95\"", "\"coupon\":\"mall_5_off\"", "\"cash\":\"29.90\""})
    EXPECT_NE(j.find(k), std::string::npos) << k;
}

TEST(Program, CouponAndMallMistakesNameTheKeyAndTheLine) {
  const std::string head = "name: t\ntiers:\n  - key: a\n    threshold: 0\n";
  const Bad cases[] = {
      {"name: t\ntiers:\n  - key: a\n    threshold: 0\n    benefits:\n      monthly_coupons:\n"
       "        - {coupon: nope}\n",
       "p.yaml:7:20: tiers[0].benefits.monthly_coupons[0].coupon: no coupon template 'nope'"},
      {"name: t\ntiers:\n  - key: a\n    threshold: 0\n    benefits:\n      birthday_coupon: "
       "x\n",
       "tiers[0].benefits.birthday_coupon: no coupon template 'x'"},
      {"name: t\ntiers:\n  - key: a\n    threshold: 0\ncoupons:\n  templates:\n    - {key: c, "
       "type: threshold_off, threshold: 10, amount: 20, validity: {days: 1}}\n",
       "coupons.templates[0].amount: ¥20.00 off is more than the threshold (¥10.00)"},
      {"name: t\ntiers:\n  - key: a\n    threshold: 0\ncoupons:\n  templates:\n    - key: c\n"
       "      type: no_threshold\n      amount: 5\n      rate: 0.9\n      validity: {days: 1}\n",
       "p.yaml:10:13: coupons.templates[0].rate: a no_threshold coupon has no rate"},
      {"name: t\ntiers:\n  - key: a\n    threshold: 0\ncoupons:\n  templates:\n    - {key: c, "
       "type: percent_off, rate: 1.2, validity: {days: 1}}\n",
       "coupons.templates[0].rate: must be between 0.001 and 0.999"},
      {"name: t\ntiers:\n  - key: a\n    threshold: 0\ncoupons:\n  templates:\n    - {key: c, "
       "type: no_threshold, amount: 5}\n",
       "coupons.templates[0].validity: is required"},
      {"name: t\ntiers:\n  - key: a\n    threshold: 0\ncoupons:\n  templates:\n    - {key: c, "
       "type: no_threshold, amount: 5, validity: {days: 3, from: 2024-01-01, to: 2024-01-02}}\n",
       "give either from and to (fixed dates) or days"},
      {"name: t\ntiers:\n  - key: a\n    threshold: 0\ncoupons:\n  templates:\n    - {key: c, "
       "type: cashback, validity: {days: 1}}\n",
       "coupons.templates[0].type: 'cashback' is not one of: threshold_off, percent_off, "
       "no_threshold, free_shipping, gift"},
      {"name: t\ntiers:\n  - key: a\n    threshold: 0\ncoupons:\n  templates:\n    - {key: c, "
       "type: no_threshold, amount: 1.234, validity: {days: 1}}\n",
       "coupons.templates[0].amount:"},
      {"name: t\ntiers:\n  - key: a\n    threshold: 0\ncoupons:\n  refund_policy: always\n",
       "coupons.refund_policy: 'always' is not one of: return_if_valid, never"},
      {"name: t\ntiers:\n  - key: a\n    threshold: 0\ncoupons:\n  templates:\n    - {key: c, "
       "type: gift, validity: {days: 1}}\n",
       "coupons.templates[0].gift_sku: is required"},
      {"name: t\ntiers:\n  - key: a\n    threshold: 0\nmall:\n  items:\n    - {key: m, points: "
       "10, min_tier: gold}\n",
       "mall.items[0].min_tier: 'gold' is not a tier key"},
      {"name: t\ntiers:\n  - key: a\n    threshold: 0\nmall:\n  items:\n    - {key: m, points: "
       "10, coupon: c9}\n",
       "mall.items[0].coupon: no coupon template 'c9'"},
      {"name: t\ntiers:\n  - key: a\n    threshold: 0\nmall:\n  items:\n    - {key: m}\n",
       "mall.items[0].points: is required"},
  };
  for (const Bad& c : cases) {
    auto p = parse_program(c.yaml, "p.yaml");
    ASSERT_FALSE(p.ok()) << c.yaml;
    EXPECT_NE(p.status().message().find(c.message), std::string::npos)
        << "got: " << p.status().message() << "\nwant: " << c.message;
  }
  auto never = parse_program(head + "coupons:\n  refund_policy: never\n", "p.yaml");
  ASSERT_TRUE(never.ok()) << never.status().to_string();
  EXPECT_EQ(never->coupons.refund_policy, CouponRefundPolicy::kNever);
}

TEST(Program, DefaultsFillWhatIsLeftOut) {
  auto p = parse_program(minimal(), "p.yaml");
  ASSERT_TRUE(p.ok()) << p.status().to_string();
  EXPECT_EQ(p->tiers[0].name, "a");
  EXPECT_EQ(p->growth.per_yuan_milli, 1000);
  EXPECT_EQ(p->points.earn.per_yuan_milli, 1000);
  EXPECT_EQ(p->evaluation.mode, TierMode::kLifetime);
  EXPECT_EQ(p->points.expiry, ExpiryPolicy::kNever);
  EXPECT_EQ(p->points.spent_points, SpentPointsPolicy::kNegativeBalance);
  EXPECT_FALSE(p->task(Task::kReview).enabled);
}

TEST(ProgramStore, LoadingTheSameTextTwiceIsOneVersion) {
  recur::testing::TempDir dir;
  auto db = recur::testing::open_test_db(dir);
  auto first = load_program(*db, default_text(), "config/program.yaml", recur::testing::kTestNow);
  ASSERT_TRUE(first.ok()) << first.status().to_string();
  EXPECT_TRUE(first->changed);
  EXPECT_EQ(first->stored.version, 1);
  auto again = load_program(*db, default_text(), "config/program.yaml", recur::testing::kTestNow);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->changed);
  EXPECT_EQ(again->stored.version, 1);
  auto other = load_program(*db, minimal(), "p.yaml", recur::testing::kTestNow);
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->stored.version, 2);
  auto active = active_program(*db);
  ASSERT_TRUE(active.ok());
  EXPECT_EQ(active->version, 2);
  EXPECT_EQ(active->program.tiers.size(), 1u);
  // A bad file is refused and stores nothing.
  auto bad = load_program(*db, "name: x\n", "bad.yaml", recur::testing::kTestNow);
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(recur::testing::count(*db, "SELECT COUNT(*) FROM loyalty_programs"), 2);
  EXPECT_EQ(recur::testing::count(*db, "SELECT COUNT(*) FROM audit WHERE action = 'program.load'"),
            2);
}

TEST(ProgramStore, NoProgramIsAnActionableError) {
  recur::testing::TempDir dir;
  auto db = recur::testing::open_test_db(dir);
  auto active = active_program(*db);
  ASSERT_FALSE(active.ok());
  EXPECT_EQ(active.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(active.status().message().find("recur program load"), std::string::npos);
}

}  // namespace
}  // namespace recur::loyalty
