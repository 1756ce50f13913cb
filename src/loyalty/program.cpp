#include "loyalty/program.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <initializer_list>

#include "core/json_writer.h"
#include "core/money.h"
#include "loyalty/decimal.h"
#include "loyalty/yaml_reader.h"

namespace recur::loyalty {

std::string_view task_name(Task t) {
  switch (t) {
    case Task::kSignIn:
      return "sign_in";
    case Task::kReview:
      return "review";
    case Task::kShare:
      return "share";
    case Task::kInvite:
      return "invite";
    case Task::kProfileCompletion:
      return "profile_completion";
  }
  return "?";
}

Result<Task> parse_task(std::string_view name) {
  for (Task t : kAllTasks)
    if (task_name(t) == name) return t;
  return invalid_argument(
      fmt::format("'{}' is not a task (sign_in, review, share, invite, profile_completion)", name));
}

std::string_view tier_mode_name(TierMode m) {
  switch (m) {
    case TierMode::kLifetime:
      return "lifetime";
    case TierMode::kRolling:
      return "rolling";
    case TierMode::kPeriodic:
      return "periodic";
  }
  return "?";
}

std::string_view expiry_policy_name(ExpiryPolicy p) {
  switch (p) {
    case ExpiryPolicy::kRollingDays:
      return "rolling_days";
    case ExpiryPolicy::kEndOfNextYear:
      return "end_of_next_year";
    case ExpiryPolicy::kNever:
      return "never";
  }
  return "?";
}

std::string_view spent_points_policy_name(SpentPointsPolicy p) {
  return p == SpentPointsPolicy::kNegativeBalance ? "negative_balance" : "deduct_from_refund";
}

std::string_view spend_order_name(SpendOrder o) {
  switch (o) {
    case SpendOrder::kPrincipalFirst:
      return "principal_first";
    case SpendOrder::kBonusFirst:
      return "bonus_first";
    case SpendOrder::kProportional:
      return "proportional";
  }
  return "?";
}

std::string_view withdrawal_policy_name(WithdrawalPolicy p) {
  return p == WithdrawalPolicy::kForfeitBonus ? "forfeit_bonus" : "deduct_spent_bonus";
}

int Program::tier_index(std::string_view key) const {
  for (std::size_t i = 0; i < tiers.size(); ++i)
    if (tiers[i].key == key) return static_cast<int>(i);
  return -1;
}

int Program::tier_for_growth(std::int64_t growth) const {
  int best = 0;
  for (std::size_t i = 0; i < tiers.size(); ++i)
    if (growth >= tiers[i].threshold) best = static_cast<int>(i);
  return best;
}

int Program::tier_retained(std::int64_t growth, int current) const {
  for (int i = std::min(current, static_cast<int>(tiers.size()) - 1); i > 0; --i)
    if (growth >= tiers[static_cast<std::size_t>(i)].retain) return i;
  return 0;
}

namespace {

using yaml::Reader;
using yaml::valid_key;

constexpr std::int64_t kMaxMultiplier = 100 * kMilli;
constexpr std::int64_t kMaxPoints = 1'000'000'000'000;

Status read_tiers(const Reader& r, const YAML::Node& root, Program& p) {
  YAML::Node tiers = Reader::child(root, "tiers");
  if (!tiers.IsDefined() || tiers.IsNull()) return r.error(root, "tiers", "is required");
  if (!tiers.IsSequence() || tiers.size() == 0)
    return r.error(tiers, "tiers", "must be a list of at least one tier");
  if (tiers.size() > 20) return r.error(tiers, "tiers", "at most 20 tiers");
  for (std::size_t i = 0; i < tiers.size(); ++i) {
    const YAML::Node t = tiers[i];
    std::string path = fmt::format("tiers[{}]", i);
    if (!t.IsMap()) return r.error(t, path, "must be a map (key, name, threshold, benefits)");
    RETURN_IF_ERROR(r.section(t, path, {"key", "name", "threshold", "retain", "benefits"}));
    Tier tier;
    RETURN_IF_ERROR(r.text(t, "key", path, tier.key, true));
    if (!valid_key(tier.key))
      return r.error(Reader::child(t, "key"), path + ".key",
                     fmt::format("'{}' must be 1–32 of a-z, 0-9, _", tier.key));
    for (const Tier& prev : p.tiers)
      if (prev.key == tier.key)
        return r.error(Reader::child(t, "key"), path + ".key",
                       fmt::format("'{}' is used by another tier", tier.key));
    tier.name = tier.key;
    RETURN_IF_ERROR(r.text(t, "name", path, tier.name));
    RETURN_IF_ERROR(r.integer(t, "threshold", path, tier.threshold, 0, kMaxPoints, true));
    if (i == 0 && tier.threshold != 0)
      return r.error(Reader::child(t, "threshold"), path + ".threshold",
                     "the first tier is where every member starts: its threshold must be 0");
    if (i > 0 && tier.threshold <= p.tiers.back().threshold)
      return r.error(Reader::child(t, "threshold"), path + ".threshold",
                     fmt::format("must be greater than tiers[{}]'s ({}): list tiers from lowest "
                                 "to highest",
                                 i - 1, p.tiers.back().threshold));
    tier.retain = tier.threshold;
    RETURN_IF_ERROR(r.integer(t, "retain", path, tier.retain, 0, kMaxPoints));
    if (tier.retain > tier.threshold)
      return r.error(Reader::child(t, "retain"), path + ".retain",
                     fmt::format("must not exceed the threshold ({})", tier.threshold));
    if (i > 0 && tier.retain < p.tiers.back().retain)
      return r.error(
          Reader::child(t, "retain"), path + ".retain",
          fmt::format("must not be below tiers[{}]'s retain ({})", i - 1, p.tiers.back().retain));
    YAML::Node b = Reader::child(t, "benefits");
    std::string bp = path + ".benefits";
    RETURN_IF_ERROR(
        r.section(b, bp,
                  {"discount_rate", "points_multiplier", "redeem_points_per_yuan", "free_shipping",
                   "birthday_gift", "birthday_points", "monthly_coupons", "birthday_coupon"}));
    TierBenefits& bn = tier.benefits;
    RETURN_IF_ERROR(r.milli(b, "discount_rate", bp, bn.discount_rate_milli, 1, kMilli));
    RETURN_IF_ERROR(
        r.milli(b, "points_multiplier", bp, bn.points_multiplier_milli, 0, kMaxMultiplier));
    RETURN_IF_ERROR(
        r.integer(b, "redeem_points_per_yuan", bp, bn.redeem_points_per_yuan, 1, 1'000'000));
    RETURN_IF_ERROR(r.boolean(b, "free_shipping", bp, bn.free_shipping));
    RETURN_IF_ERROR(r.text(b, "birthday_gift", bp, bn.birthday_gift));
    RETURN_IF_ERROR(r.integer(b, "birthday_points", bp, bn.birthday_points, 0, kMaxPoints));
    RETURN_IF_ERROR(r.text(b, "birthday_coupon", bp, bn.birthday_coupon));
    YAML::Node mc = Reader::child(b, "monthly_coupons");
    if (mc.IsDefined() && !mc.IsNull()) {
      if (!mc.IsSequence())
        return r.error(mc, bp + ".monthly_coupons", "must be a list of {coupon, count}");
      for (std::size_t j = 0; j < mc.size(); ++j) {
        std::string cp = fmt::format("{}.monthly_coupons[{}]", bp, j);
        if (!mc[j].IsMap()) return r.error(mc[j], cp, "must be a map {coupon, count}");
        RETURN_IF_ERROR(r.section(mc[j], cp, {"coupon", "count"}));
        MonthlyCoupon c;
        RETURN_IF_ERROR(r.text(mc[j], "coupon", cp, c.coupon, true));
        RETURN_IF_ERROR(r.integer(mc[j], "count", cp, c.count, 1, 100));
        bn.monthly_coupons.push_back(std::move(c));
      }
    }
    p.tiers.push_back(std::move(tier));
  }
  return Status();
}

Status read_rules(const Reader& r, const YAML::Node& list, const std::string& path,
                  std::string_view match_key, std::vector<MultiplierRule>& out) {
  if (!list.IsDefined() || list.IsNull()) return Status();
  if (!list.IsSequence())
    return r.error(list, path,
                   fmt::format("must be a list of {{{}, multiplier | exclude}}", match_key));
  for (std::size_t i = 0; i < list.size(); ++i) {
    std::string p = fmt::format("{}[{}]", path, i);
    const YAML::Node n = list[i];
    if (!n.IsMap())
      return r.error(n, p, fmt::format("must be a map {{{}, multiplier}}", match_key));
    RETURN_IF_ERROR(r.section(n, p, {match_key, "multiplier", "exclude"}));
    MultiplierRule rule;
    RETURN_IF_ERROR(r.text(n, match_key, p, rule.match, true));
    if (rule.match.empty()) return r.error(n, p + "." + std::string(match_key), "is empty");
    while (!rule.match.empty() && rule.match.back() == '/') rule.match.pop_back();
    RETURN_IF_ERROR(r.milli(n, "multiplier", p, rule.multiplier_milli, 0, kMaxMultiplier));
    RETURN_IF_ERROR(r.boolean(n, "exclude", p, rule.exclude));
    if (!rule.exclude && !Reader::child(n, "multiplier").IsDefined())
      return r.error(n, p, "give a multiplier or exclude: true");
    for (const MultiplierRule& prev : out)
      if (prev.match == rule.match)
        return r.error(n, p, fmt::format("'{}' is listed twice", rule.match));
    out.push_back(std::move(rule));
  }
  return Status();
}

Status read_points(const Reader& r, const YAML::Node& root, Program& p) {
  YAML::Node pts = Reader::child(root, "points");
  RETURN_IF_ERROR(r.section(pts, "points", {"earn", "pending_days", "expiry", "refund"}));
  YAML::Node earn = Reader::child(pts, "earn");
  const std::string ep = "points.earn";
  RETURN_IF_ERROR(
      r.section(earn, ep,
                {"per_yuan", "tier_multiplier", "categories", "skus", "member_day",
                 "birthday_month", "campaigns", "combine", "per_order_cap", "daily_cap"}));
  EarnRules& e = p.points.earn;
  RETURN_IF_ERROR(r.milli(earn, "per_yuan", ep, e.per_yuan_milli, 0, 1000 * kMilli));
  RETURN_IF_ERROR(r.boolean(earn, "tier_multiplier", ep, e.tier_multiplier));
  RETURN_IF_ERROR(
      read_rules(r, Reader::child(earn, "categories"), ep + ".categories", "prefix", e.categories));
  RETURN_IF_ERROR(read_rules(r, Reader::child(earn, "skus"), ep + ".skus", "sku", e.skus));
  YAML::Node md = Reader::child(earn, "member_day");
  RETURN_IF_ERROR(r.section(md, ep + ".member_day", {"day_of_month", "multiplier"}));
  if (md.IsDefined() && !md.IsNull()) {
    RETURN_IF_ERROR(r.small_int(md, "day_of_month", ep + ".member_day", e.member_day, 1, 31, true));
    RETURN_IF_ERROR(r.milli(md, "multiplier", ep + ".member_day", e.member_day_multiplier_milli, 0,
                            kMaxMultiplier));
  }
  YAML::Node bm = Reader::child(earn, "birthday_month");
  RETURN_IF_ERROR(r.section(bm, ep + ".birthday_month", {"multiplier"}));
  RETURN_IF_ERROR(r.milli(bm, "multiplier", ep + ".birthday_month",
                          e.birthday_month_multiplier_milli, 0, kMaxMultiplier));
  YAML::Node camps = Reader::child(earn, "campaigns");
  if (camps.IsDefined() && !camps.IsNull()) {
    if (!camps.IsSequence())
      return r.error(camps, ep + ".campaigns", "must be a list of {name, from, to, multiplier}");
    for (std::size_t i = 0; i < camps.size(); ++i) {
      std::string cp = fmt::format("{}.campaigns[{}]", ep, i);
      const YAML::Node c = camps[i];
      if (!c.IsMap()) return r.error(c, cp, "must be a map {name, from, to, multiplier}");
      RETURN_IF_ERROR(r.section(c, cp, {"name", "from", "to", "multiplier"}));
      DatedCampaign dc;
      RETURN_IF_ERROR(r.text(c, "name", cp, dc.name, true));
      RETURN_IF_ERROR(r.date(c, "from", cp, dc.from));
      RETURN_IF_ERROR(r.date(c, "to", cp, dc.to));
      if (dc.to < dc.from) return r.error(Reader::child(c, "to"), cp + ".to", "is before from");
      if (!Reader::child(c, "multiplier").IsDefined())
        return r.error(c, cp + ".multiplier", "is required");
      RETURN_IF_ERROR(r.milli(c, "multiplier", cp, dc.multiplier_milli, 0, kMaxMultiplier));
      e.campaigns.push_back(std::move(dc));
    }
  }
  int combine = 0;
  RETURN_IF_ERROR(r.choice(earn, "combine", ep, {"max", "multiply"}, combine));
  e.combine = combine == 0 ? CampaignCombine::kMax : CampaignCombine::kMultiply;
  RETURN_IF_ERROR(r.integer(earn, "per_order_cap", ep, e.per_order_cap, 0, kMaxPoints));
  RETURN_IF_ERROR(r.integer(earn, "daily_cap", ep, e.daily_cap, 0, kMaxPoints));

  RETURN_IF_ERROR(r.small_int(pts, "pending_days", "points", p.points.pending_days, 0, 365));
  YAML::Node ex = Reader::child(pts, "expiry");
  RETURN_IF_ERROR(r.section(ex, "points.expiry", {"policy", "days"}));
  int policy = 2;
  RETURN_IF_ERROR(r.choice(ex, "policy", "points.expiry",
                           {"rolling_days", "end_of_next_year", "never"}, policy));
  p.points.expiry = static_cast<ExpiryPolicy>(policy);
  RETURN_IF_ERROR(r.small_int(ex, "days", "points.expiry", p.points.expiry_days, 1, 3650,
                              p.points.expiry == ExpiryPolicy::kRollingDays));
  if (p.points.expiry == ExpiryPolicy::kRollingDays &&
      p.points.expiry_days <= p.points.pending_days)
    return r.error(Reader::child(ex, "days"), "points.expiry.days",
                   fmt::format("points would expire before they become usable (pending_days is {})",
                               p.points.pending_days));
  YAML::Node rf = Reader::child(pts, "refund");
  RETURN_IF_ERROR(r.section(rf, "points.refund", {"spent_points"}));
  int spent = 0;
  RETURN_IF_ERROR(r.choice(rf, "spent_points", "points.refund",
                           {"negative_balance", "deduct_from_refund"}, spent));
  p.points.spent_points = static_cast<SpentPointsPolicy>(spent);
  return Status();
}

Status read_tasks(const Reader& r, const YAML::Node& root, Program& p) {
  YAML::Node tasks = Reader::child(root, "tasks");
  RETURN_IF_ERROR(
      r.section(tasks, "tasks", {"sign_in", "review", "share", "invite", "profile_completion"}));
  for (Task t : kAllTasks) {
    std::string name(task_name(t));
    YAML::Node n = Reader::child(tasks, name);
    if (!n.IsDefined() || n.IsNull()) continue;
    std::string path = "tasks." + name;
    if (t == Task::kSignIn)
      RETURN_IF_ERROR(
          r.section(n, path, {"enabled", "points", "growth", "streak_bonus", "cycle_days"}));
    else
      RETURN_IF_ERROR(
          r.section(n, path, {"enabled", "points", "growth", "daily_limit", "lifetime_limit"}));
    TaskRule& rule = p.tasks[static_cast<int>(t)];
    rule.enabled = true;
    RETURN_IF_ERROR(r.boolean(n, "enabled", path, rule.enabled));
    RETURN_IF_ERROR(r.integer(n, "points", path, rule.points, 0, 1'000'000));
    RETURN_IF_ERROR(r.integer(n, "growth", path, rule.growth, 0, 1'000'000));
    if (t == Task::kSignIn) {
      rule.daily_limit = 1;
      RETURN_IF_ERROR(r.small_int(n, "cycle_days", path, rule.cycle_days, 0, 366));
      YAML::Node sb = Reader::child(n, "streak_bonus");
      if (sb.IsDefined() && !sb.IsNull()) {
        if (!sb.IsSequence())
          return r.error(sb, path + ".streak_bonus", "must be a list of {days, points, growth}");
        for (std::size_t i = 0; i < sb.size(); ++i) {
          std::string bp = fmt::format("{}.streak_bonus[{}]", path, i);
          if (!sb[i].IsMap()) return r.error(sb[i], bp, "must be a map {days, points, growth}");
          RETURN_IF_ERROR(r.section(sb[i], bp, {"days", "points", "growth"}));
          StreakBonus b;
          RETURN_IF_ERROR(r.small_int(sb[i], "days", bp, b.days, 2, 366, true));
          RETURN_IF_ERROR(r.integer(sb[i], "points", bp, b.points, 0, 1'000'000));
          RETURN_IF_ERROR(r.integer(sb[i], "growth", bp, b.growth, 0, 1'000'000));
          if (!rule.streak.empty() && b.days <= rule.streak.back().days)
            return r.error(Reader::child(sb[i], "days"), bp + ".days",
                           "list streak bonuses by ascending days");
          if (rule.cycle_days > 0 && b.days > rule.cycle_days)
            return r.error(Reader::child(sb[i], "days"), bp + ".days",
                           fmt::format("is beyond cycle_days ({}): the streak restarts first",
                                       rule.cycle_days));
          rule.streak.push_back(b);
        }
      }
    } else {
      RETURN_IF_ERROR(r.small_int(n, "daily_limit", path, rule.daily_limit, 0, 1000));
      RETURN_IF_ERROR(r.small_int(n, "lifetime_limit", path, rule.lifetime_limit, 0, 1'000'000));
    }
  }
  return Status();
}

// A yuan amount ("500", "12.50") into fen.
Status read_money(const Reader& r, const YAML::Node& map, std::string_view key,
                  const std::string& path, Fen& out, Fen min, Fen max, bool required = false) {
  std::string p = Reader::join(path, key);
  YAML::Node n = Reader::child(map, key);
  if (!n.IsDefined() || n.IsNull()) {
    if (required) return r.error(map, p, "is required (yuan, e.g. 500 or 12.50)");
    return Status();
  }
  if (!n.IsScalar()) return r.error(n, p, "must be an amount in yuan (e.g. 500 or 12.50)");
  auto v = parse_money(n.Scalar());
  if (!v.ok()) return r.error(n, p, v.status().message());
  if (*v < min || *v > max)
    return r.error(n, p,
                   fmt::format("must be between ¥{} and ¥{}, got ¥{}", format_money(min),
                               format_money(max), format_money(*v)));
  out = *v;
  return Status();
}

// A list of texts ([a, b]); absent leaves `out` empty.
Status read_texts(const Reader& r, const YAML::Node& map, std::string_view key,
                  const std::string& path, std::vector<std::string>& out) {
  std::string p = Reader::join(path, key);
  YAML::Node n = Reader::child(map, key);
  if (!n.IsDefined() || n.IsNull()) return Status();
  if (!n.IsSequence()) return r.error(n, p, "must be a list, e.g. [a, b]");
  for (std::size_t i = 0; i < n.size(); ++i) {
    if (!n[i].IsScalar() || n[i].Scalar().empty())
      return r.error(n[i], fmt::format("{}[{}]", p, i), "must be a non-empty text");
    std::string v = n[i].Scalar();
    if (std::find(out.begin(), out.end(), v) != out.end())
      return r.error(n[i], fmt::format("{}[{}]", p, i), fmt::format("'{}' is listed twice", v));
    out.push_back(std::move(v));
  }
  return Status();
}

constexpr Fen kMaxTopupFen = 100'000'000;  // ¥1,000,000

Status read_stored_value(const Reader& r, const YAML::Node& root, Program& p) {
  YAML::Node sv = Reader::child(root, "stored_value");
  const std::string sp = "stored_value";
  RETURN_IF_ERROR(r.section(sv, sp, {"topup", "spend_order", "withdrawal", "cashback"}));
  if (!sv.IsDefined() || sv.IsNull()) return Status();
  StoredValueRules& s = p.stored_value;
  s.enabled = true;
  YAML::Node top = Reader::child(sv, "topup");
  const std::string tp = sp + ".topup";
  RETURN_IF_ERROR(r.section(top, tp, {"min", "max", "bonus"}));
  RETURN_IF_ERROR(read_money(r, top, "min", tp, s.min_topup_fen, 1, kMaxTopupFen));
  RETURN_IF_ERROR(read_money(r, top, "max", tp, s.max_topup_fen, 1, kMaxTopupFen));
  if (s.max_topup_fen < s.min_topup_fen)
    return r.error(Reader::child(top, "max"), tp + ".max",
                   fmt::format("is below min (¥{})", format_money(s.min_topup_fen)));
  YAML::Node bonus = Reader::child(top, "bonus");
  if (bonus.IsDefined() && !bonus.IsNull()) {
    if (!bonus.IsSequence())
      return r.error(bonus, tp + ".bonus", "must be a list of {pay, bonus, tiers}");
    for (std::size_t i = 0; i < bonus.size(); ++i) {
      std::string bp = fmt::format("{}.bonus[{}]", tp, i);
      const YAML::Node b = bonus[i];
      if (!b.IsMap()) return r.error(b, bp, "must be a map {pay, bonus, tiers}");
      RETURN_IF_ERROR(r.section(b, bp, {"pay", "bonus", "tiers"}));
      TopupBonusRule rule;
      RETURN_IF_ERROR(read_money(r, b, "pay", bp, rule.pay_fen, 1, kMaxTopupFen, true));
      RETURN_IF_ERROR(read_money(r, b, "bonus", bp, rule.bonus_fen, 1, kMaxTopupFen, true));
      if (rule.bonus_fen > rule.pay_fen)
        return r.error(
            Reader::child(b, "bonus"), bp + ".bonus",
            fmt::format("is more than the top-up that earns it (¥{})", format_money(rule.pay_fen)));
      RETURN_IF_ERROR(read_texts(r, b, "tiers", bp, rule.tiers));
      for (std::size_t j = 0; j < rule.tiers.size(); ++j)
        if (p.tier_index(rule.tiers[j]) < 0)
          return r.error(Reader::child(b, "tiers")[j], fmt::format("{}.tiers[{}]", bp, j),
                         fmt::format("'{}' is not a tier key", rule.tiers[j]));
      for (std::size_t k = 0; k < s.bonus.size(); ++k) {
        const TopupBonusRule& prev = s.bonus[k];
        if (prev.pay_fen != rule.pay_fen) continue;
        // One rule for every tier and one for some tiers may share an amount (the tier's own
        // wins); two for every tier, or two naming the same tier, may not.
        bool overlap =
            prev.tiers.empty() == rule.tiers.empty() &&
            (rule.tiers.empty() ||
             std::any_of(rule.tiers.begin(), rule.tiers.end(), [&](const auto& t) {
               return std::find(prev.tiers.begin(), prev.tiers.end(), t) != prev.tiers.end();
             }));
        if (overlap)
          return r.error(Reader::child(b, "pay"), bp + ".pay",
                         fmt::format("bonus[{}] already pays for ¥{} to the same tiers", k,
                                     format_money(rule.pay_fen)));
      }
      s.bonus.push_back(std::move(rule));
    }
    std::stable_sort(s.bonus.begin(), s.bonus.end(),
                     [](const auto& a, const auto& b) { return a.pay_fen < b.pay_fen; });
  }
  int order = 0;
  RETURN_IF_ERROR(
      r.choice(sv, "spend_order", sp, {"principal_first", "bonus_first", "proportional"}, order));
  s.spend_order = static_cast<SpendOrder>(order);
  int withdrawal = 0;
  RETURN_IF_ERROR(
      r.choice(sv, "withdrawal", sp, {"forfeit_bonus", "deduct_spent_bonus"}, withdrawal));
  s.withdrawal = static_cast<WithdrawalPolicy>(withdrawal);

  YAML::Node cb = Reader::child(sv, "cashback");
  const std::string cp = sp + ".cashback";
  RETURN_IF_ERROR(r.section(
      cb, cp, {"rate", "per_order_cap", "categories", "channels", "valid_days", "spend"}));
  if (!cb.IsDefined() || cb.IsNull()) return Status();
  CashbackRules& c = s.cashback;
  c.enabled = true;
  if (!Reader::child(cb, "rate").IsDefined()) return r.error(cb, cp + ".rate", "is required");
  RETURN_IF_ERROR(r.milli(cb, "rate", cp, c.rate_milli, 1, kMilli / 2));
  RETURN_IF_ERROR(read_money(r, cb, "per_order_cap", cp, c.per_order_cap_fen, 0, kMaxTopupFen));
  RETURN_IF_ERROR(read_texts(r, cb, "categories", cp, c.categories));
  for (std::string& cat : c.categories)
    while (!cat.empty() && cat.back() == '/') cat.pop_back();
  RETURN_IF_ERROR(read_texts(r, cb, "channels", cp, c.channels));
  RETURN_IF_ERROR(r.small_int(cb, "valid_days", cp, c.valid_days, 1, 3650));
  int spend = 0;
  RETURN_IF_ERROR(r.choice(cb, "spend", cp, {"first", "last"}, spend));
  c.spend_first = spend == 0;
  return Status();
}

}  // namespace

Result<Program> parse_program(std::string_view yaml, std::string_view label) {
  Reader r(label);
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    // yaml-cpp's own syntax errors carry a mark.
    if (!e.mark.is_null())
      return invalid_argument(
          fmt::format("{}:{}:{}: {}", label, e.mark.line + 1, e.mark.column + 1, e.msg));
    return invalid_argument(fmt::format("{}: {}", label, e.msg));
  }
  if (!root.IsMap()) return r.error(root, "(top)", "a program file is a map of sections");
  // insight: the member-intelligence thresholds, read by src/insight (insight_config.h).
  RETURN_IF_ERROR(r.section(root, "",
                            {"version", "name", "tiers", "growth", "tier_evaluation", "points",
                             "redemption", "tasks", "stored_value", "coupons", "mall", "insight"}));
  Program p;
  std::int64_t version = 1;
  RETURN_IF_ERROR(r.integer(root, "version", "", version, 1, 1));
  RETURN_IF_ERROR(r.text(root, "name", "", p.name, true));
  RETURN_IF_ERROR(read_tiers(r, root, p));

  YAML::Node g = Reader::child(root, "growth");
  RETURN_IF_ERROR(r.section(g, "growth", {"per_yuan"}));
  RETURN_IF_ERROR(r.milli(g, "per_yuan", "growth", p.growth.per_yuan_milli, 0, 1000 * kMilli));

  YAML::Node ev = Reader::child(root, "tier_evaluation");
  const std::string evp = "tier_evaluation";
  RETURN_IF_ERROR(
      r.section(ev, evp, {"mode", "window_months", "grace_days", "period_months", "anchor"}));
  int mode = 0;
  RETURN_IF_ERROR(r.choice(ev, "mode", evp, {"lifetime", "rolling", "periodic"}, mode));
  p.evaluation.mode = static_cast<TierMode>(mode);
  RETURN_IF_ERROR(r.small_int(ev, "window_months", evp, p.evaluation.window_months, 1, 120));
  RETURN_IF_ERROR(r.small_int(ev, "grace_days", evp, p.evaluation.grace_days, 0, 3650));
  RETURN_IF_ERROR(r.small_int(ev, "period_months", evp, p.evaluation.period_months, 1, 120));
  int anchor = 0;
  RETURN_IF_ERROR(r.choice(ev, "anchor", evp, {"calendar", "attained"}, anchor));
  p.evaluation.anchor = static_cast<PeriodAnchor>(anchor);
  if (p.evaluation.mode == TierMode::kPeriodic && p.evaluation.anchor == PeriodAnchor::kCalendar &&
      12 % p.evaluation.period_months != 0 && p.evaluation.period_months % 12 != 0)
    return r.error(Reader::child(ev, "period_months"), evp + ".period_months",
                   "calendar periods must divide the year (1, 2, 3, 4, 6, 12) or be whole years");

  RETURN_IF_ERROR(read_points(r, root, p));

  YAML::Node red = Reader::child(root, "redemption");
  RETURN_IF_ERROR(r.section(red, "redemption", {"max_order_share", "min_points"}));
  RETURN_IF_ERROR(
      r.milli(red, "max_order_share", "redemption", p.redemption.max_order_share_milli, 0, kMilli));
  RETURN_IF_ERROR(
      r.integer(red, "min_points", "redemption", p.redemption.min_points, 0, kMaxPoints));
  RETURN_IF_ERROR(read_tasks(r, root, p));
  RETURN_IF_ERROR(read_stored_value(r, root, p));
  RETURN_IF_ERROR(read_coupon_sections(r, root, p));
  return p;
}

std::string program_json(const Program& p) {
  JsonWriter w;
  w.begin_object().field("name", p.name);
  w.key("tiers").begin_array();
  for (const Tier& t : p.tiers) {
    const TierBenefits& b = t.benefits;
    w.begin_object()
        .field("key", t.key)
        .field("name", t.name)
        .field("threshold", t.threshold)
        .field("retain", t.retain);
    w.key("benefits")
        .begin_object()
        .field("discount_rate", format_milli(b.discount_rate_milli))
        .field("points_multiplier", format_milli(b.points_multiplier_milli))
        .field("redeem_points_per_yuan", b.redeem_points_per_yuan)
        .field("free_shipping", b.free_shipping)
        .field("birthday_gift", b.birthday_gift)
        .field("birthday_points", b.birthday_points)
        .field("birthday_coupon", b.birthday_coupon);
    w.key("monthly_coupons").begin_array();
    for (const MonthlyCoupon& c : b.monthly_coupons)
      w.begin_object().field("coupon", c.coupon).field("count", c.count).end_object();
    w.end_array().end_object().end_object();
  }
  w.end_array();
  w.key("growth")
      .begin_object()
      .field("per_yuan", format_milli(p.growth.per_yuan_milli))
      .end_object();
  w.key("tier_evaluation")
      .begin_object()
      .field("mode", tier_mode_name(p.evaluation.mode))
      .field("window_months", p.evaluation.window_months)
      .field("grace_days", p.evaluation.grace_days)
      .field("period_months", p.evaluation.period_months)
      .field("anchor", p.evaluation.anchor == PeriodAnchor::kCalendar ? "calendar" : "attained")
      .end_object();
  const EarnRules& e = p.points.earn;
  w.key("points").begin_object();
  w.key("earn")
      .begin_object()
      .field("per_yuan", format_milli(e.per_yuan_milli))
      .field("tier_multiplier", e.tier_multiplier);
  auto rules = [&](std::string_view key, std::string_view match,
                   const std::vector<MultiplierRule>& list) {
    w.key(key).begin_array();
    for (const MultiplierRule& r : list) {
      w.begin_object().field(match, r.match);
      if (r.exclude)
        w.field("exclude", true);
      else
        w.field("multiplier", format_milli(r.multiplier_milli));
      w.end_object();
    }
    w.end_array();
  };
  rules("categories", "prefix", e.categories);
  rules("skus", "sku", e.skus);
  if (e.member_day > 0)
    w.key("member_day")
        .begin_object()
        .field("day_of_month", e.member_day)
        .field("multiplier", format_milli(e.member_day_multiplier_milli))
        .end_object();
  w.key("birthday_month")
      .begin_object()
      .field("multiplier", format_milli(e.birthday_month_multiplier_milli))
      .end_object();
  w.key("campaigns").begin_array();
  for (const DatedCampaign& c : e.campaigns)
    w.begin_object()
        .field("name", c.name)
        .field("from", c.from.to_string())
        .field("to", c.to.to_string())
        .field("multiplier", format_milli(c.multiplier_milli))
        .end_object();
  w.end_array()
      .field("combine", e.combine == CampaignCombine::kMax ? "max" : "multiply")
      .field("per_order_cap", e.per_order_cap)
      .field("daily_cap", e.daily_cap)
      .end_object();
  w.field("pending_days", p.points.pending_days);
  w.key("expiry")
      .begin_object()
      .field("policy", expiry_policy_name(p.points.expiry))
      .field("days", p.points.expiry_days)
      .end_object();
  w.key("refund")
      .begin_object()
      .field("spent_points", spent_points_policy_name(p.points.spent_points))
      .end_object();
  w.end_object();
  w.key("redemption")
      .begin_object()
      .field("max_order_share", format_milli(p.redemption.max_order_share_milli))
      .field("min_points", p.redemption.min_points)
      .end_object();
  w.key("tasks").begin_object();
  for (Task t : kAllTasks) {
    const TaskRule& r = p.task(t);
    if (!r.enabled) continue;
    w.key(task_name(t))
        .begin_object()
        .field("points", r.points)
        .field("growth", r.growth)
        .field("daily_limit", r.daily_limit)
        .field("lifetime_limit", r.lifetime_limit);
    if (t == Task::kSignIn) {
      w.field("cycle_days", r.cycle_days);
      w.key("streak_bonus").begin_array();
      for (const StreakBonus& b : r.streak)
        w.begin_object()
            .field("days", b.days)
            .field("points", b.points)
            .field("growth", b.growth)
            .end_object();
      w.end_array();
    }
    w.end_object();
  }
  w.end_object();
  if (p.stored_value.enabled) {
    const StoredValueRules& s = p.stored_value;
    w.key("stored_value").begin_object();
    w.key("topup")
        .begin_object()
        .field("min", format_money(s.min_topup_fen))
        .field("max", format_money(s.max_topup_fen));
    w.key("bonus").begin_array();
    for (const TopupBonusRule& b : s.bonus) {
      w.begin_object()
          .field("pay", format_money(b.pay_fen))
          .field("bonus", format_money(b.bonus_fen));
      w.key("tiers").begin_array();
      for (const std::string& t : b.tiers) w.value(t);
      w.end_array().end_object();
    }
    w.end_array().end_object();
    w.field("spend_order", spend_order_name(s.spend_order))
        .field("withdrawal", withdrawal_policy_name(s.withdrawal));
    if (s.cashback.enabled) {
      const CashbackRules& c = s.cashback;
      w.key("cashback")
          .begin_object()
          .field("rate", format_milli(c.rate_milli))
          .field("per_order_cap", format_money(c.per_order_cap_fen));
      w.key("categories").begin_array();
      for (const std::string& x : c.categories) w.value(x);
      w.end_array();
      w.key("channels").begin_array();
      for (const std::string& x : c.channels) w.value(x);
      w.end_array();
      w.field("valid_days", c.valid_days)
          .field("spend", c.spend_first ? "first" : "last")
          .end_object();
    }
    w.end_object();
  }
  write_coupon_sections(w, p);
  w.end_object();
  return w.str();
}

}  // namespace recur::loyalty
