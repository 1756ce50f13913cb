#pragma once
// The `coupons:` and `mall:` sections of the program file: coupon templates (满减, 折扣, 无门槛,
// free shipping, gift) with their scope, validity, stock, per-member limits and cost, the
// refund policy for coupons, and the items of the points mall (积分商城). Parsed and validated
// with the rest of the program (program.h); docs/loyalty.md lists every key.
//
// Units: money is fen (the file says yuan); rates are exact decimals in milli (900 = 9折);
// days are business days in the merchant's time zone.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/money.h"
#include "core/status.h"
#include "core/time.h"

namespace YAML {
class Node;
}

namespace recur {
class JsonWriter;
}

namespace recur::loyalty {

struct Program;
namespace yaml {
class Reader;
}

enum class CouponType {
  kThresholdOff,  // 满减: `amount` off once the in-scope lines reach `threshold`
  kPercentOff,    // 折扣: in-scope lines × (1 − rate), at most `cap`
  kNoThreshold,   // 无门槛: `amount` off any order (never more than the in-scope lines)
  kFreeShipping,  // 包邮: the shipping fee waived, at most `cap`
  kGift,          // 赠品: a gift SKU handed over; no money off
};
std::string_view coupon_type_name(CouponType t);  // threshold_off, percent_off, …

enum class CouponRefundPolicy {
  kReturnIfValid,  // a full refund gives a used coupon back when it is still within validity
  kNever,          // a used coupon stays used
};
std::string_view coupon_refund_policy_name(CouponRefundPolicy p);

// Which order lines and channels a coupon applies to. Include lists: empty = all. A line is in
// scope when it matches an included category prefix or SKU (or both lists are empty) and
// matches no exclusion; exclusions win.
struct CouponScope {
  std::vector<std::string> categories;  // category path prefixes ("母婴" covers "母婴/奶粉")
  std::vector<std::string> skus;
  std::vector<std::string> channels;  // online, store, …
  std::vector<std::string> exclude_categories;
  std::vector<std::string> exclude_skus;

  bool covers_line(std::string_view sku, std::string_view category) const;
  bool allows_channel(std::string_view channel) const;
};

// True when `category` is `prefix` or lies under it ("母婴/奶粉" under "母婴").
bool category_under(std::string_view category, std::string_view prefix);

struct CouponValidity {
  bool fixed = false;
  Date from, to;             // fixed: first and last valid day (inclusive)
  int days = 30;             // relative: valid this many days …
  int start_after_days = 0;  // … starting this many days after the day of issue
};

struct CouponTemplate {
  std::string key;  // [a-z0-9_]+
  std::string name;
  CouponType type = CouponType::kThresholdOff;
  Fen threshold = 0;                       // in-scope amount the order must reach; 0 = none
  Fen amount = 0;                          // threshold_off, no_threshold: money off
  std::int64_t rate_milli = 1000;          // percent_off: price multiplier (900 = 9折 = 10% off)
  Fen cap = 0;                             // percent_off, free_shipping: the most off; 0 = no cap
  std::string gift_sku, gift_description;  // gift
  CouponScope scope;
  CouponValidity validity;
  std::int64_t stock = 0;             // coupons that may be out (not revoked); 0 = unlimited
  std::int64_t per_member_held = 0;   // unused (issued or locked) at once; 0 = no limit
  std::int64_t per_member_total = 0;  // ever issued to one member, revoked excluded; 0 = none
  Fen cost = 0;  // budgeted merchant cost per issued coupon (default: the face value)
};

struct CouponRules {
  CouponRefundPolicy refund_policy = CouponRefundPolicy::kReturnIfValid;
  std::vector<CouponTemplate> templates;
  const CouponTemplate* find(std::string_view key) const;
};

struct MallItem {
  std::string key, name;
  std::int64_t points = 0;
  Fen cash = 0;                       // points + cash: paid in money besides the points
  std::int64_t stock = 0;             // 0 = unlimited
  std::int64_t per_member_limit = 0;  // active (not cancelled) exchanges per member; 0 = none
  std::string min_tier;               // tier key; empty = every tier
  std::string coupon;                 // template key: exchanging issues this coupon
};

struct MallRules {
  std::vector<MallItem> items;
  const MallItem* find(std::string_view key) const;
};

// Reads `coupons:` and `mall:` into `p` (whose tiers are already read) and checks that every
// coupon the tiers name (monthly_coupons, birthday_coupon) and every mall item's coupon and
// min_tier exist.
Status read_coupon_sections(const yaml::Reader& r, const YAML::Node& root, Program& p);

// The two sections as JSON fields of the program object (recur program show --json).
void write_coupon_sections(JsonWriter& w, const Program& p);

}  // namespace recur::loyalty
