#pragma once
// The loyalty program: tiers and their benefits, growth, tier evaluation, points earn rules,
// tasks, pending period, expiry, refund policy, redemption and stored value. It comes from one
// YAML file (docs/loyalty.md lists every key) and is validated on load: an error names the key
// path and the line, e.g.
// "program.yaml:14:18: tiers[1].threshold: must be greater than tiers[0]'s (0)".
//
// Units: growth and points are int64; money is fen; rates and multipliers are exact decimals
// in milli (1500 = ×1.5); days are business days in the merchant's time zone.

#include <cstdint>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "loyalty/coupon_program.h"
#include "loyalty/stored_value_rules.h"

namespace recur::loyalty {

struct MonthlyCoupon {
  std::string coupon;  // coupon template key (the coupon slice issues them)
  std::int64_t count = 1;
};

struct TierBenefits {
  std::int64_t discount_rate_milli = 1000;      // price multiplier: 950 = 5% off (95折)
  std::int64_t points_multiplier_milli = 1000;  // applied to order points when earn says so
  std::int64_t redeem_points_per_yuan = 100;    // points that pay ¥1
  bool free_shipping = false;
  std::string birthday_gift;  // description; empty = none
  std::int64_t birthday_points = 0;
  std::vector<MonthlyCoupon> monthly_coupons;
  std::string birthday_coupon;  // coupon template issued on the birthday; empty = none
};

struct Tier {
  std::string key;             // [a-z0-9_]+, stored on accounts
  std::string name;            // what members see: 普通会员, 银卡会员, …
  std::int64_t threshold = 0;  // qualifying growth to reach the tier
  std::int64_t retain = 0;     // qualifying growth to keep it (rolling, periodic); ≤ threshold
  TierBenefits benefits;
};

enum class TierMode { kLifetime, kRolling, kPeriodic };
enum class PeriodAnchor { kCalendar, kAttained };

struct TierEvaluation {
  TierMode mode = TierMode::kLifetime;
  int window_months = 12;  // rolling: qualifying growth is that of the last N months
  int grace_days = 30;     // rolling: days below `retain` before a one-step downgrade
  int period_months = 12;  // periodic: length of a qualification period
  PeriodAnchor anchor = PeriodAnchor::kCalendar;  // periodic: calendar periods or from attaining
};

struct MultiplierRule {
  std::string match;  // category path prefix ("母婴/奶粉") or SKU
  std::int64_t multiplier_milli = 1000;
  bool exclude = false;  // earns no points
};

struct DatedCampaign {
  std::string name;
  Date from, to;  // inclusive business days
  std::int64_t multiplier_milli = 1000;
};

enum class CampaignCombine { kMax, kMultiply };

struct EarnRules {
  std::int64_t per_yuan_milli = 1000;  // points per yuan of net paid
  bool tier_multiplier = true;
  std::vector<MultiplierRule> categories;  // longest matching prefix wins
  std::vector<MultiplierRule> skus;        // a SKU rule overrides the category
  int member_day = 0;                      // day of month (1–31); 0 = no member day
  std::int64_t member_day_multiplier_milli = 1000;
  std::int64_t birthday_month_multiplier_milli = 1000;
  std::vector<DatedCampaign> campaigns;
  CampaignCombine combine = CampaignCombine::kMax;
  std::int64_t per_order_cap = 0;  // 0 = none
  std::int64_t daily_cap = 0;      // order points per member per business day; 0 = none
};

enum class ExpiryPolicy { kRollingDays, kEndOfNextYear, kNever };
enum class SpentPointsPolicy { kNegativeBalance, kDeductFromRefund };

struct PointsRules {
  EarnRules earn;
  int pending_days = 0;  // order points become usable at the start of paid day + N
  ExpiryPolicy expiry = ExpiryPolicy::kNever;
  int expiry_days = 365;  // rolling_days: valid through earned day + N
  SpentPointsPolicy spent_points = SpentPointsPolicy::kNegativeBalance;
};

struct GrowthRules {
  std::int64_t per_yuan_milli = 1000;  // growth per yuan of net paid
};

struct RedemptionRules {
  std::int64_t max_order_share_milli = 500;  // at most this share of an order paid in points
  std::int64_t min_points = 0;               // smallest redemption
};

enum class Task { kSignIn, kReview, kShare, kInvite, kProfileCompletion };
inline constexpr Task kAllTasks[] = {Task::kSignIn, Task::kReview, Task::kShare, Task::kInvite,
                                     Task::kProfileCompletion};
std::string_view task_name(Task t);  // sign_in, review, share, invite, profile_completion
Result<Task> parse_task(std::string_view name);

struct StreakBonus {
  int days = 0;  // reached on the Nth consecutive day
  std::int64_t points = 0, growth = 0;
};

struct TaskRule {
  bool enabled = false;
  std::int64_t points = 0, growth = 0;
  int daily_limit = 0;     // 0 = none (sign_in is always once a day)
  int lifetime_limit = 0;  // 0 = none
  // sign_in only:
  std::vector<StreakBonus> streak;
  int cycle_days = 0;  // the streak starts again after this many days; 0 = never
};

struct Program {
  std::string name;
  std::vector<Tier> tiers;  // ascending thresholds; tiers[0].threshold == 0
  GrowthRules growth;
  TierEvaluation evaluation;
  PointsRules points;
  RedemptionRules redemption;
  TaskRule tasks[std::size(kAllTasks)];
  StoredValueRules stored_value;  // enabled when the file has the section
  CouponRules coupons;            // coupon_program.h
  MallRules mall;

  const TaskRule& task(Task t) const { return tasks[static_cast<int>(t)]; }
  // -1 when no tier has this key.
  int tier_index(std::string_view key) const;
  // The highest tier whose threshold `growth` reaches.
  int tier_for_growth(std::int64_t growth) const;
  // The highest tier ≤ `current` whose retain level `growth` reaches.
  int tier_retained(std::int64_t growth, int current) const;
};

std::string_view tier_mode_name(TierMode m);
std::string_view expiry_policy_name(ExpiryPolicy p);
std::string_view spent_points_policy_name(SpentPointsPolicy p);

// Parses and validates a program file. `label` names the file in errors.
Result<Program> parse_program(std::string_view yaml, std::string_view label);

// The program as JSON (recur program show --json): every key with its value in force.
std::string program_json(const Program& p);

}  // namespace recur::loyalty
