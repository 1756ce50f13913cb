#include "loyalty/program.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <initializer_list>

#include "core/json_writer.h"
#include "loyalty/decimal.h"

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

// Walks the YAML tree, reading typed values and reporting errors with the key path and the
// line and column of the offending node (or of its parent when the key is missing).
class Reader {
 public:
  explicit Reader(std::string_view label) : label_(label) {}

  Status error(const YAML::Node& at, const std::string& path, std::string_view msg) const {
    if (at.IsDefined()) {
      YAML::Mark m = at.Mark();
      if (!m.is_null())
        return invalid_argument(
            fmt::format("{}:{}:{}: {}: {}", label_, m.line + 1, m.column + 1, path, msg));
    }
    return invalid_argument(fmt::format("{}: {}: {}", label_, path, msg));
  }

  // A section that may be absent (treated as empty) but must be a map when present.
  Status section(const YAML::Node& n, const std::string& path,
                 std::initializer_list<std::string_view> keys) const {
    if (!n.IsDefined() || n.IsNull()) return Status();
    if (!n.IsMap()) return error(n, path, "must be a map of key: value");
    for (auto it = n.begin(); it != n.end(); ++it) {
      const YAML::Node k = it->first;  // a copy: the iterator yields a temporary
      std::string key = k.IsScalar() ? k.Scalar() : std::string();
      if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
        std::string expected;
        for (std::string_view e : keys) expected += (expected.empty() ? "" : ", ") + std::string(e);
        return error(k, path.empty() ? key : path + "." + key,
                     fmt::format("unknown key (expected one of: {})", expected));
      }
    }
    return Status();
  }

  static std::string join(const std::string& path, std::string_view key) {
    return path.empty() ? std::string(key) : path + "." + std::string(key);
  }

  // Each reader leaves `out` untouched when the key is absent and not required.
  Status integer(const YAML::Node& map, std::string_view key, const std::string& path,
                 std::int64_t& out, std::int64_t min, std::int64_t max,
                 bool required = false) const {
    std::string p = join(path, key);
    YAML::Node n = child(map, key);
    if (!n.IsDefined() || n.IsNull()) {
      if (required) return error(map, p, "is required");
      return Status();
    }
    if (!n.IsScalar()) return error(n, p, "must be a whole number");
    const std::string& s = n.Scalar();
    std::int64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size())
      return error(n, p, fmt::format("must be a whole number, got '{}'", s));
    if (v < min || v > max)
      return error(n, p, fmt::format("must be between {} and {}, got {}", min, max, v));
    out = v;
    return Status();
  }

  Status small_int(const YAML::Node& map, std::string_view key, const std::string& path, int& out,
                   int min, int max, bool required = false) const {
    std::int64_t v = out;
    RETURN_IF_ERROR(integer(map, key, path, v, min, max, required));
    out = static_cast<int>(v);
    return Status();
  }

  Status milli(const YAML::Node& map, std::string_view key, const std::string& path,
               std::int64_t& out, std::int64_t min, std::int64_t max) const {
    std::string p = join(path, key);
    YAML::Node n = child(map, key);
    if (!n.IsDefined() || n.IsNull()) return Status();
    if (!n.IsScalar()) return error(n, p, "must be a decimal number");
    auto v = parse_milli(n.Scalar());
    if (!v.ok()) return error(n, p, v.status().message());
    if (*v < min || *v > max)
      return error(n, p,
                   fmt::format("must be between {} and {}, got {}", format_milli(min),
                               format_milli(max), n.Scalar()));
    out = *v;
    return Status();
  }

  Status boolean(const YAML::Node& map, std::string_view key, const std::string& path,
                 bool& out) const {
    std::string p = join(path, key);
    YAML::Node n = child(map, key);
    if (!n.IsDefined() || n.IsNull()) return Status();
    const std::string s = n.IsScalar() ? n.Scalar() : std::string();
    if (s == "true" || s == "yes" || s == "on")
      out = true;
    else if (s == "false" || s == "no" || s == "off")
      out = false;
    else
      return error(n, p, fmt::format("must be true or false, got '{}'", s));
    return Status();
  }

  Status text(const YAML::Node& map, std::string_view key, const std::string& path,
              std::string& out, bool required = false) const {
    std::string p = join(path, key);
    YAML::Node n = child(map, key);
    if (!n.IsDefined() || n.IsNull()) {
      if (required) return error(map, p, "is required");
      return Status();
    }
    if (!n.IsScalar()) return error(n, p, "must be text");
    out = n.Scalar();
    return Status();
  }

  Status date(const YAML::Node& map, std::string_view key, const std::string& path,
              Date& out) const {
    std::string p = join(path, key);
    YAML::Node n = child(map, key);
    if (!n.IsDefined() || n.IsNull()) return error(map, p, "is required (YYYY-MM-DD)");
    if (!n.IsScalar()) return error(n, p, "must be a date (YYYY-MM-DD)");
    auto d = parse_date(n.Scalar());
    if (!d.ok()) return error(n, p, d.status().message());
    out = *d;
    return Status();
  }

  // One of `names`; `index` receives its position.
  Status choice(const YAML::Node& map, std::string_view key, const std::string& path,
                std::initializer_list<std::string_view> names, int& index) const {
    std::string p = join(path, key);
    YAML::Node n = child(map, key);
    if (!n.IsDefined() || n.IsNull()) return Status();
    std::string s = n.IsScalar() ? n.Scalar() : std::string();
    int i = 0;
    std::string all;
    for (std::string_view name : names) {
      if (name == s) {
        index = i;
        return Status();
      }
      all += (all.empty() ? "" : ", ") + std::string(name);
      ++i;
    }
    return error(n, p, fmt::format("'{}' is not one of: {}", s, all));
  }

  static YAML::Node child(const YAML::Node& map, std::string_view key) {
    if (!map.IsDefined() || !map.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
    for (auto it = map.begin(); it != map.end(); ++it)
      if (it->first.IsScalar() && it->first.Scalar() == key) return it->second;
    return YAML::Node(YAML::NodeType::Undefined);
  }

 private:
  std::string label_;
};

bool valid_key(std::string_view k) {
  if (k.empty() || k.size() > 32) return false;
  return std::all_of(k.begin(), k.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

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
                   "birthday_gift", "birthday_points", "monthly_coupons"}));
    TierBenefits& bn = tier.benefits;
    RETURN_IF_ERROR(r.milli(b, "discount_rate", bp, bn.discount_rate_milli, 1, kMilli));
    RETURN_IF_ERROR(
        r.milli(b, "points_multiplier", bp, bn.points_multiplier_milli, 0, kMaxMultiplier));
    RETURN_IF_ERROR(
        r.integer(b, "redeem_points_per_yuan", bp, bn.redeem_points_per_yuan, 1, 1'000'000));
    RETURN_IF_ERROR(r.boolean(b, "free_shipping", bp, bn.free_shipping));
    RETURN_IF_ERROR(r.text(b, "birthday_gift", bp, bn.birthday_gift));
    RETURN_IF_ERROR(r.integer(b, "birthday_points", bp, bn.birthday_points, 0, kMaxPoints));
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
  RETURN_IF_ERROR(r.section(
      root, "",
      {"version", "name", "tiers", "growth", "tier_evaluation", "points", "redemption", "tasks",
       "insight"}));  // insight: the member-intelligence thresholds, read by src/insight
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
        .field("birthday_points", b.birthday_points);
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
  w.end_object().end_object();
  return w.str();
}

}  // namespace recur::loyalty
